"""The Xray code stays out of the way of PractiTest users; its fake can be served alone."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aiohttp


def test_importing_the_package_imports_no_xray_code() -> None:
    code = (
        "import sys, practitest_async, practitest_async.cli; "
        "practitest_async.Client; practitest_async.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if 'xray' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # build_parser registers the subcommand (argparse only); no client or fake is imported
    assert "practitest_async.xray.client" not in out.stdout
    assert "practitest_async.testing.xray" not in out.stdout


async def test_python_m_testing_xray_serves_the_fake() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async.testing",
        "xray",
        "--flavor",
        "cloud",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = first.rsplit(" ", 1)[-1].strip()
        creds = {}
        for _ in range(2):
            name, _, value = (await proc.stdout.readline()).decode().strip().partition("=")
            creds[name] = value
        body = {"client_id": creds["XRAY_CLIENT_ID"], "client_secret": creds["XRAY_CLIENT_SECRET"]}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url + "/api/v2/authenticate", json=body) as resp,
        ):
            token = await resp.json()
        assert first.startswith("fake Xray (cloud) at http://127.0.0.1:")
        assert isinstance(token, str)
        assert token.count(".") == 2
    finally:
        proc.terminate()
        await proc.wait()
