"""Xray (Jira test management) as a second upload target: the same ``RunResult`` streams,
uploaded to Xray Server/Data Center or Xray Cloud into one Test Execution, exactly once.

    async with XrayClient.from_env() as xray:
        report = await xray.upload_results(results, project_key="CALC")

Importing ``practitest_async`` does not import this package.
"""

from __future__ import annotations

from .client import XrayClient, cloud_rate_limit, detect_flavor
from .journal import XrayJournal
from .transport import PayloadTooLargeError
from .uploader import ChunkRule, XrayPlan, XrayReport, XrayUploader
from .wire import CLOUD_STATUSES, SERVER_STATUSES, default_statuses

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
