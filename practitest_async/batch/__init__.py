"""The batch layer: resolve names, plan the fewest calls, fan out through the limiter, journal.

Names are imported on first use (PEP 562): ``RunResult`` must not bring the uploader (and with
it aiohttp) into a harness that only builds results.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    **dict.fromkeys(
        ("Attachment", "RunResult", "Status", "StepResult", "derive_status"), ".results"
    ),
    **dict.fromkeys(
        ("FailedResult", "UploadError", "UploadEvent", "UploadPlan", "UploadReport"), ".report"
    ),
    "Journal": ".journal",
    "Uploader": ".uploader",
}

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

if TYPE_CHECKING:
    from .journal import Journal
    from .report import FailedResult, UploadError, UploadEvent, UploadPlan, UploadReport
    from .results import Attachment, RunResult, Status, StepResult, derive_status
    from .uploader import Uploader


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
