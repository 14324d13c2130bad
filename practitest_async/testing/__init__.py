"""An in-process emulator of the PractiTest REST API v2, for testing clients offline.

    async with FakePractiTest(config=EmulatorConfig(limit=5, window=0.5)) as fake:
        ...  # call fake.url with fake.token; read fake.state and fake.stats

It shares no code with the client in ``practitest_async``, so a client bug cannot hide
behind it.

Names are imported on first use (PEP 562): the pytest fixtures in ``testing.pytest_plugin`` are
loaded by every pytest session of anyone who installs the package, and must not pay for the
emulator and ``aiohttp.web`` there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    **dict.fromkeys(("EmulatorConfig", "ProjectSeed", "TokenGrant", "UserSeed"), ".config"),
    "FakePractiTest": ".fake",
    "Faults": ".faults",
    **dict.fromkeys(
        (
            "Attachment",
            "CustomField",
            "Group",
            "Instance",
            "Issue",
            "Milestone",
            "Project",
            "Requirement",
            "Run",
            "Step",
            "StepRun",
            "Test",
            "TestSet",
            "User",
        ),
        ".records",
    ),
    **dict.fromkeys(("RequestRecord", "Stats"), ".stats"),
    "Store": ".store",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
