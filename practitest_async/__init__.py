"""practitest_async: an asyncio SDK for the PractiTest REST API v2, with bulk run upload.

Names are imported when first used (PEP 562): the pytest plugin that ships with us is loaded by
every pytest session of anyone who installs the package, and must not pay for aiohttp there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Where each name lives: importing ``RunResult`` must not bring the HTTP stack (aiohttp) with it.
_HOMES = {
    **dict.fromkeys(("Attachment", "RunResult", "Status", "StepResult"), ".batch.results"),
    **dict.fromkeys(
        ("FailedResult", "UploadError", "UploadEvent", "UploadPlan", "UploadReport"),
        ".batch.report",
    ),
    "Journal": ".batch.journal",
    "Uploader": ".batch.uploader",
    **dict.fromkeys(("EU", "US", "Client"), ".client"),
    **dict.fromkeys(
        ("AccountLimiter", "Limiter", "LimiterStats", "RateLimit", "SharedLimiter"), ".limiter"
    ),
    **dict.fromkeys(("Page", "Paginator"), ".pagination"),
    "AutoCreated": ".services",
    "RetryPolicy": ".transport",
}
# Names not listed above are searched in these, in order, on first use.
_MODULES = (".errors", ".models", ".batch", ".client", ".services", ".transport")

__all__ = [
    "CLEAR",
    "EU",
    "US",
    "APIError",
    "AccountLimiter",
    "Attachment",
    "AttachmentInfo",
    "AuthenticationError",
    "AutoCreated",
    "Client",
    "ClientClosedError",
    "ConfigurationError",
    "CustomField",
    "FailedResult",
    "Field",
    "FileDraft",
    "Group",
    "Instance",
    "InstanceDraft",
    "Issue",
    "Journal",
    "Limiter",
    "LimiterStats",
    "Milestone",
    "NotFoundError",
    "OutcomeUnknownError",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "PractiTestError",
    "Project",
    "RateLimit",
    "RateLimitError",
    "Requirement",
    "RetryPolicy",
    "Run",
    "RunDraft",
    "RunResult",
    "RunStatus",
    "RunType",
    "ServerError",
    "SharedLimiter",
    "Status",
    "Step",
    "StepDraft",
    "StepResult",
    "StepRun",
    "StepStatus",
    "Test",
    "TestSet",
    "TestType",
    "TransportError",
    "UploadError",
    "UploadEvent",
    "UploadPlan",
    "UploadReport",
    "Uploader",
    "User",
    "ValidationError",
]


if TYPE_CHECKING:
    from .batch import (
        Attachment,
        FailedResult,
        Journal,
        RunResult,
        Status,
        StepResult,
        Uploader,
        UploadError,
        UploadEvent,
        UploadPlan,
        UploadReport,
    )
    from .client import EU, US, Client
    from .errors import (
        APIError,
        AuthenticationError,
        ClientClosedError,
        ConfigurationError,
        NotFoundError,
        OutcomeUnknownError,
        PermissionDeniedError,
        PractiTestError,
        RateLimitError,
        ServerError,
        TransportError,
        ValidationError,
    )
    from .limiter import AccountLimiter, Limiter, LimiterStats, RateLimit, SharedLimiter
    from .models import (
        CLEAR,
        AttachmentInfo,
        CustomField,
        Field,
        FileDraft,
        Group,
        Instance,
        InstanceDraft,
        Issue,
        Milestone,
        Project,
        Requirement,
        Run,
        RunDraft,
        RunStatus,
        RunType,
        Step,
        StepDraft,
        StepRun,
        StepStatus,
        Test,
        TestSet,
        TestType,
        User,
    )
    from .pagination import Page, Paginator
    from .services import AutoCreated
    from .transport import RetryPolicy


def __getattr__(name: str) -> Any:
    if name in __all__:
        home = _HOMES.get(name)
        for module in (home,) if home else _MODULES:
            value = getattr(importlib.import_module(module, __name__), name, None)
            if value is not None:
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
