"""One service per PractiTest resource, reached from the client as ``client.<resource>``."""

from __future__ import annotations

from typing import TypeVar

from ..transport import Transport
from ._base import Service, TokenKind, project_path
from .attachments import AttachmentsService
from .custom_fields import CustomFieldsService
from .fields import FieldsService
from .groups import GroupsService
from .instances import InstancesService
from .issues import IssuesService
from .milestones import MilestonesService
from .projects import ProjectsService
from .relationships import Links
from .requirements import RequirementsService
from .runs import AutoCreated, RunsService, chunk_runs
from .sets import SetsService
from .step_runs import StepRunsService
from .steps import StepsService
from .tests import TestsService
from .users import UsersService

__all__ = [
    "AttachmentsService",
    "AutoCreated",
    "CustomFieldsService",
    "FieldsService",
    "GroupsService",
    "InstancesService",
    "IssuesService",
    "Links",
    "MilestonesService",
    "ProjectsService",
    "RequirementsService",
    "RunsService",
    "Services",
    "SetsService",
    "StepRunsService",
    "StepsService",
    "TestsService",
    "TokenKind",
    "UsersService",
    "chunk_runs",
    "project_path",
]


S = TypeVar("S", bound=Service)


class Services:
    """The services of one client, sharing its transport, default author and token kind."""

    def __init__(
        self,
        transport: Transport,
        *,
        author_id: int | None = None,
        token_kind: TokenKind = "personal",
    ) -> None:
        def make(cls: type[S]) -> S:
            return cls(transport, author_id=author_id, token_kind=token_kind)

        self.projects = make(ProjectsService)
        self.groups = make(GroupsService)
        self.users = make(UsersService)
        self.attachments = make(AttachmentsService)
        self.fields = make(FieldsService)
        self.custom_fields = make(CustomFieldsService)
        self.requirements = make(RequirementsService)
        self.tests = make(TestsService)
        self.steps = make(StepsService)
        self.sets = make(SetsService)
        self.instances = make(InstancesService)
        self.runs = make(RunsService)
        self.step_runs = make(StepRunsService)
        self.milestones = make(MilestonesService)
        self.issues = make(IssuesService)
