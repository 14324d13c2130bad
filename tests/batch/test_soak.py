"""Soak (slow, not in the default run: ``pytest -m slow``): 10,000 results through every write
fault at once, SIGKILLed twice and resumed with the journal: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import PROJECT, runs_per_test
from .soak_worker import CALLS_PER_SECOND, soak_results

WORKER = Path(__file__).with_name("soak_worker.py")
N = 10_000

pytestmark = pytest.mark.slow


def _seed(fake: FakePractiTest) -> None:
    test_set = fake.add_set(PROJECT, "Soak")
    for i, result in enumerate(soak_results(N)):
        if result.name.startswith("new"):
            continue
        test = fake.add_test(PROJECT, result.name)
        if i % 25 != 3:  # 4 % of the tests exist without an instance in the set
            fake.add_instance(PROJECT, test_set.id, test.id)


async def _start(fake: FakePractiTest, journal: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        fake.url,
        fake.token,
        str(journal),
        str(N),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_ten_thousand_results_through_faults_and_two_kills(tmp_path: Path) -> None:
    faults = Faults(
        error_rate=0.05,  # 5xx
        drop_after_apply_rate=0.02,  # applied, then the connection dropped
        late_apply_rate=0.01,  # applied 0.7 s after it arrived: after the client's timeout
        late_apply_after=0.7,
        garbled_rate=0.01,  # applied, then a 200 that is not JSON
        methods=frozenset({"POST"}),
        seed=9,
    )
    config = EmulatorConfig(limit=CALLS_PER_SECOND, window=1.0, faults=faults)
    started = time.monotonic()
    async with FakePractiTest(config) as fake:
        _seed(fake)
        journal = tmp_path / "soak.sqlite"
        for kill_at in (N // 3, 2 * N // 3):
            worker = await _start(fake, journal)
            async with asyncio.timeout(300):
                while len(fake.state.runs) < kill_at:
                    assert worker.returncode is None, (await worker.stderr.read()).decode()  # type: ignore[union-attr]
                    await asyncio.sleep(0.01)
            worker.send_signal(signal.SIGKILL)
            await worker.wait()
        last = await _start(fake, journal)
        out, err = await asyncio.wait_for(last.communicate(), 600)
        assert last.returncode == 0, err.decode()[-3000:]
        await asyncio.sleep(1.0)  # a late write still queued would land now
        summary = json.loads(out.decode().strip().splitlines()[-1])
        faults_seen = {r.fault for r in fake.log}

    elapsed = time.monotonic() - started
    print(f"soak: {N} results, {elapsed:.0f} s, last run {summary}")
    assert {"error", "drop_after_apply", "apply_late", "garbled_after_apply"} <= faults_seen
    assert summary["failed"] == 0, summary
    assert summary["uploaded"] + summary["already_uploaded"] == N
    counts = runs_per_test(fake)
    assert sum(counts.values()) == N  # nothing twice
    assert counts == {r.name: 1 for r in soak_results(N)}  # nothing lost
