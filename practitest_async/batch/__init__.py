"""The batch layer: resolve names, plan the fewest calls, fan out through the limiter, journal."""

from __future__ import annotations

from .results import Attachment, RunResult, Status, StepResult, derive_status

__all__ = ["Attachment", "RunResult", "Status", "StepResult", "derive_status"]
