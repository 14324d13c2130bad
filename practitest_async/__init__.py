"""practitest_async: an asyncio SDK for the PractiTest REST API v2, with bulk run upload."""

from __future__ import annotations

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
from .limiter import AccountLimiter, Limiter, LimiterStats, RateLimit
from .models import (
    FileDraft,
    Instance,
    Project,
    Run,
    RunDraft,
    RunStatus,
    RunType,
    StepDraft,
    StepRun,
    StepStatus,
    Test,
    TestSet,
)
from .pagination import Page, Paginator
from .transport import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "EU",
    "US",
    "APIError",
    "AccountLimiter",
    "Attachment",
    "AuthenticationError",
    "Client",
    "ClientClosedError",
    "ConfigurationError",
    "FailedResult",
    "FileDraft",
    "Instance",
    "Journal",
    "Limiter",
    "LimiterStats",
    "NotFoundError",
    "OutcomeUnknownError",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "PractiTestError",
    "Project",
    "RateLimit",
    "RateLimitError",
    "RetryPolicy",
    "Run",
    "RunDraft",
    "RunResult",
    "RunStatus",
    "RunType",
    "ServerError",
    "Status",
    "StepDraft",
    "StepResult",
    "StepRun",
    "StepStatus",
    "Test",
    "TestSet",
    "TransportError",
    "UploadError",
    "UploadEvent",
    "UploadPlan",
    "UploadReport",
    "Uploader",
    "ValidationError",
]
