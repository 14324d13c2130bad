"""An in-process emulator of the PractiTest REST API v2, for testing clients offline.

    async with FakePractiTest(config=EmulatorConfig(limit=5, window=0.5)) as fake:
        ...  # call fake.url with fake.token; read fake.state and fake.stats

It shares no code with the client in ``practitest_async``, so a client bug cannot hide
behind it.
"""

from practitest_async.testing.config import EmulatorConfig, ProjectSeed, TokenGrant, UserSeed
from practitest_async.testing.fake import FakePractiTest
from practitest_async.testing.faults import Faults
from practitest_async.testing.records import (
    Attachment,
    CustomField,
    Group,
    Instance,
    Issue,
    Milestone,
    Project,
    Requirement,
    Run,
    Step,
    StepRun,
    Test,
    TestSet,
    User,
)
from practitest_async.testing.stats import RequestRecord, Stats
from practitest_async.testing.store import Store

__all__ = [
    "Attachment",
    "CustomField",
    "EmulatorConfig",
    "FakePractiTest",
    "Faults",
    "Group",
    "Instance",
    "Issue",
    "Milestone",
    "Project",
    "ProjectSeed",
    "RequestRecord",
    "Requirement",
    "Run",
    "Stats",
    "Step",
    "StepRun",
    "Store",
    "Test",
    "TestSet",
    "TokenGrant",
    "User",
    "UserSeed",
]
