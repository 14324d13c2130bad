"""The batch layer: resolve names, plan the fewest calls, fan out through the limiter, journal."""

from __future__ import annotations

from .journal import Journal
from .report import FailedResult, UploadError, UploadEvent, UploadPlan, UploadReport
from .results import Attachment, RunResult, Status, StepResult, derive_status
from .uploader import Uploader

__all__ = [
    "Attachment",
    "FailedResult",
    "Journal",
    "RunResult",
    "Status",
    "StepResult",
    "UploadError",
    "UploadEvent",
    "UploadPlan",
    "UploadReport",
    "Uploader",
    "derive_status",
]
