"""The summary JSON of an upload with more failures than the report holds in memory (1,000):
every one is listed, in order, and the command says how many more it did not print."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from practitest_async.testing import EmulatorConfig, FakePractiTest


async def test_the_summary_json_lists_every_failure_of_a_large_upload(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    cases = "".join(f'<testcase classname="C" name="t{i:04d}"/>' for i in range(1_500))
    report.write_text(f'<testsuite name="S">{cases}</testsuite>')
    summary = tmp_path / "summary.json"

    async with FakePractiTest(EmulatorConfig(limit=30, window=1.0)) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTITEST_")}
        env.update(PRACTITEST_TOKEN=fake.token, PRACTITEST_BASE_URL=fake.url)
        env.update(PRACTITEST_RATE_LIMIT="30", PRACTITEST_RATE_PERIOD="1")
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "practitest_async", "upload", str(report)),
            *("--project", "1", "--set", "Nightly", "--no-create-missing", "--limiter", "local"),
            *("--summary-json", str(summary)),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)

    written = json.loads(summary.read_text())
    assert proc.returncode == 1, err.decode()
    assert [f["name"] for f in written["failed"]] == [f"C.t{i:04d}" for i in range(1_500)]
    assert written["failed"][1_234]["error"] == "no test named 'C.t1234' in project 1"
    assert "... and 1450 more (see --summary-json)" in out.decode()
