"""A fake Xray (Server/Data Center or Cloud) for testing uploads offline, on 127.0.0.1.

    async with FakeXray(XrayFakeConfig(flavor="cloud", limit=300, window=1.0)) as fake:
        ...  # XrayClient(fake.url, flavor="cloud", **fake.credentials()); read fake.state, fake.log

Written from ``shared/reference/xray-api.md``; it shares no request code with the client.
``python -m practitest_async.testing xray --flavor cloud`` serves it.
"""

from practitest_async.testing.xray.fake import FakeXray, XrayFakeConfig, XrayRequest
from practitest_async.testing.xray.state import (
    Evidence,
    ExecutionRecord,
    TestRecord,
    TestRunRecord,
    XrayState,
)

__all__ = [
    "Evidence",
    "ExecutionRecord",
    "FakeXray",
    "TestRecord",
    "TestRunRecord",
    "XrayFakeConfig",
    "XrayRequest",
    "XrayState",
]
