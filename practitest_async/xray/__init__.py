"""Xray (Jira test management) as a second upload target: the same ``RunResult`` streams,
uploaded to Xray Server/Data Center or Xray Cloud into one Test Execution, exactly once.

    async with XrayClient.from_env() as xray:
        report = await xray.upload_results(results, project_key="CALC")

Importing ``practitest_async`` does not import this package, and names here load on first use
(PEP 562), so the command's parser can register ``xray upload`` without loading the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "XrayClient": ".client",
    "cloud_rate_limit": ".client",
    "detect_flavor": ".client",
    "XrayJournal": ".journal",
    "PayloadTooLargeError": ".transport",
    "ChunkRule": ".uploader",
    "XrayPlan": ".uploader",
    "XrayReport": ".uploader",
    "XrayUploader": ".uploader",
    "CLOUD_STATUSES": ".wire",
    "SERVER_STATUSES": ".wire",
    "default_statuses": ".wire",
}

__all__ = [
    "CLOUD_STATUSES",
    "SERVER_STATUSES",
    "ChunkRule",
    "PayloadTooLargeError",
    "XrayClient",
    "XrayJournal",
    "XrayPlan",
    "XrayReport",
    "XrayUploader",
    "cloud_rate_limit",
    "default_statuses",
    "detect_flavor",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .client import XrayClient, cloud_rate_limit, detect_flavor
    from .journal import XrayJournal
    from .transport import PayloadTooLargeError
    from .uploader import ChunkRule, XrayPlan, XrayReport, XrayUploader
    from .wire import CLOUD_STATUSES, SERVER_STATUSES, default_statuses
