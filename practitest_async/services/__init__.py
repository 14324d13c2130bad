"""One service per PractiTest resource, reached from the client as ``client.<resource>``."""

from __future__ import annotations

from ..transport import Transport
from .instances import InstancesService
from .projects import ProjectsService
from .runs import AutoCreated, RunsService, chunk_runs
from .sets import SetsService
from .step_runs import StepRunsService
from .tests import TestsService

__all__ = [
    "AutoCreated",
    "InstancesService",
    "ProjectsService",
    "RunsService",
    "Services",
    "SetsService",
    "StepRunsService",
    "TestsService",
    "chunk_runs",
]


class Services:
    """The services of one client, sharing its transport."""

    def __init__(self, transport: Transport, *, author_id: int | None = None) -> None:
        self.projects = ProjectsService(transport, author_id=author_id)
        self.tests = TestsService(transport, author_id=author_id)
        self.sets = SetsService(transport, author_id=author_id)
        self.instances = InstancesService(transport, author_id=author_id)
        self.runs = RunsService(transport, author_id=author_id)
        self.step_runs = StepRunsService(transport, author_id=author_id)
