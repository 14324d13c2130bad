"""Issue 9, batch half: no silent duplicate, whatever the server answers or whoever else writes.

Each test reproduces one way the uploader duplicated, mislabelled or lost results, against
the emulator's write faults (``garbled_after_apply``, ``apply_late``, answers without ids...).
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import re
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from practitest_async import Attachment, Client, RetryPolicy, RunResult, UploadEvent
from practitest_async.batch.journal import Journal, JournalBusyError, JournalError
from practitest_async.errors import CircuitOpenError, ResponseDecodeError
from practitest_async.junit import iter_results
from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import FAST, LIMIT, PROJECT, WINDOW, runs_per_test, seed_set

WORKER = Path(__file__).with_name("upload_worker.py")
QUICK_RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.05)


def client(fake: FakePractiTest, **options: object) -> Client:
    options.setdefault("rate_limit", FAST)
    options.setdefault("retry", QUICK_RETRY)
    return Client(fake.token, base_url=fake.url, **options)  # type: ignore[arg-type]


def results(n: int, *, new: int = 0) -> list[RunResult]:
    out = [RunResult(f"test {i:05d}", "FAILED" if i % 3 == 0 else "PASSED") for i in range(n)]
    return out + [RunResult(f"new {i:03d}", "PASSED") for i in range(new)]


def journal_states(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM results GROUP BY state").fetchall())


# --- 3. an answer we cannot read after a write ------------------------------------------------


@pytest.mark.parametrize("route", ["runs.json", "instances.json", "runs/auto_create.json"])
async def test_a_200_that_is_not_json_after_a_write_is_reconciled_not_failed(
    fake: FakePractiTest, tmp_path: Path, route: str
) -> None:
    seed_set(fake, "Garbled", 30, with_instances=20)  # 10 tests need an instance
    todo = results(30, new=3)
    journal = tmp_path / "j.sqlite"
    fake.script_fault("POST", route, "garbled_after_apply")
    async with client(fake) as c:
        first = await c.upload_results(PROJECT, todo, test_set="Garbled", journal=journal)
        assert first.ok, first.failed[:2]
        assert first.uploaded == len(todo)
        assert journal_states(journal) == {"confirmed": len(todo)}
        assert any(r.fault == "garbled_after_apply" for r in fake.log)
        fake.stats.reset()
        again = await c.upload_results(PROJECT, todo, test_set="Garbled", journal=journal)

    assert again.already_uploaded == len(todo)
    assert not fake.stats.requests("POST", "runs.json")
    assert runs_per_test(fake) == {r.name: 1 for r in todo}
    assert len(fake.state.instances) == 33  # no instance made twice


async def test_instances_whose_post_loses_its_answer_twice_in_a_row_are_made_once(
    fake: FakePractiTest,
) -> None:
    # The soak test met it: a POST instances.json without an answer (not applied), the look
    # finds nothing, the POST again loses its answer too: its results failed as "outcome
    # unknown". Each try looks before it creates, so trying again makes no twin.
    seed_set(fake, "Twice", 30, with_instances=20)  # 10 tests need an instance
    todo = results(30)
    fake.script_fault("POST", "instances.json", "drop_before_apply", count=2)
    async with client(fake, timeout=0.4) as c:  # the look again waits out one timeout
        report = await c.upload_results(PROJECT, todo, test_set="Twice")

    assert report.ok, report.failed[:2]
    assert len(fake.stats.requests("POST", "instances.json")) == 3
    assert runs_per_test(fake) == {r.name: 1 for r in todo}
    assert len(fake.state.instances) == 30  # no instance made twice


# --- 4. a write applied after we gave up ------------------------------------------------------


@pytest.mark.parametrize("route", ["runs.json", "runs/auto_create.json"])
async def test_a_post_applied_after_the_timeout_is_not_sent_again(route: str) -> None:
    faults = Faults(late_apply_after=0.6)  # within the settle delay (0.4 s) after the timeout
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Late", 20, with_instances=20)
        fake.script_fault("POST", route, "apply_late")
        todo = results(20, new=1)
        async with client(fake, timeout=0.4) as c:  # gives up before the server applies
            report = await c.upload_results(PROJECT, todo, test_set="Late")
        await asyncio.sleep(0.6)  # anything still queued has been applied by now

        assert report.ok, report.failed[:2]
        assert any(r.fault == "apply_late" for r in fake.log)
        assert runs_per_test(fake) == {r.name: 1 for r in todo}
        assert report.reconciled >= 1


@pytest.mark.parametrize("route", ["sets.json", "instances.json"])
async def test_a_set_or_instances_created_after_the_timeout_are_not_made_twice(route: str) -> None:
    faults = Faults(late_apply_after=0.6)  # within the settle delay (0.4 s) after the timeout
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        _project_with_tests(fake, 20)
        fake.script_fault("POST", route, "apply_late")
        todo = results(20) if route == "sets.json" else results(20)[:1]
        async with client(fake, timeout=0.4) as c:
            if route == "instances.json":  # the set exists; its instances are made by POST
                fake.add_set(PROJECT, "Late")
            report = await c.upload_results(PROJECT, todo, test_set="Late")
            if route == "instances.json":
                more = await c.upload_results(PROJECT, results(20)[1:], test_set="Late")
                assert more.ok, more.failed[:2]
        await asyncio.sleep(0.6)

        assert report.ok, report.failed[:2]
        assert any(r.fault == "apply_late" for r in fake.log)
        assert [s.name for s in fake.state.sets.values()] == ["Late"]
        per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
        assert set(per_test.values()) == {1}


async def test_a_killed_upload_whose_last_post_applies_late_resumes_without_duplicates(
    tmp_path: Path,
) -> None:
    faults = Faults(late_apply_after=1.5, latency=(0.01, 0.03), seed=4)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Killed", 60, with_instances=60)
        fake.script_fault("POST", "runs.json", "apply_late", count=3)
        journal = tmp_path / "j.sqlite"
        worker = await _worker(fake, journal, 60)
        async with asyncio.timeout(30):
            while not any(r.fault == "apply_late" for r in fake.log):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        again = await _worker(fake, journal, 60)
        _, err = await asyncio.wait_for(again.communicate(), 60)
        assert again.returncode == 0, err.decode()
        await asyncio.sleep(1.6)

    expected = [f"test {i:05d}" for i in range(60)] + [f"new {i:03d}" for i in range(3)]
    assert runs_per_test(fake) == {name: 1 for name in expected}


def worker_results(n: int) -> list[RunResult]:
    """What ``upload_worker.py N`` uploads."""
    out = [RunResult(f"test {i:05d}", "FAILED" if i % 7 == 0 else "PASSED") for i in range(n)]
    return out + [RunResult(f"new {i:03d}") for i in range(n // 20)]


async def _worker(fake: FakePractiTest, journal: Path, n: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        fake.url,
        fake.token,
        str(journal),
        str(n),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


# --- 2. one journal, two processes ------------------------------------------------------------


async def test_a_journal_in_use_by_another_process_is_refused_naming_it(tmp_path: Path) -> None:
    slow = Faults(latency=(0.05, 0.1), seed=1)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=slow)) as fake:
        seed_set(fake, "Killed", 200, with_instances=200)
        journal = tmp_path / "j.sqlite"
        worker = await _worker(fake, journal, 200)
        async with asyncio.timeout(30):
            while not fake.stats.requests("POST", "runs.json"):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        async with client(fake, timeout=2.0) as c:
            with pytest.raises(JournalBusyError) as refused:
                await c.upload_results(
                    PROJECT, worker_results(200), test_set="Killed", journal=journal
                )
            message = str(refused.value)
            assert f"process {worker.pid} on host {socket.gethostname()}" in message
            assert str(journal) in message

            worker.send_signal(signal.SIGKILL)  # a dead holder never blocks the journal
            await worker.wait()
            resumed = await c.upload_results(
                PROJECT, worker_results(200), test_set="Killed", journal=journal
            )

    assert resumed.ok, resumed.failed[:2]
    assert runs_per_test(fake) == {r.name: 1 for r in worker_results(200)}


async def test_two_uploads_in_one_process_do_not_share_a_journal(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    seed_set(fake, "Twice", 40, with_instances=40)
    journal = tmp_path / "j.sqlite"
    async with client(fake) as c:
        outcome = await asyncio.gather(
            c.upload_results(PROJECT, results(40), test_set="Twice", journal=journal),
            c.upload_results(PROJECT, results(40), test_set="Twice", journal=journal),
            return_exceptions=True,
        )
    refused = [o for o in outcome if isinstance(o, JournalBusyError)]
    assert len(refused) == 1
    assert f"process {os.getpid()}" in str(refused[0])
    assert runs_per_test(fake) == {r.name: 1 for r in results(40)}


@pytest.mark.parametrize("problem", ["missing folder", "directory", "corrupt"])
def test_a_journal_that_cannot_be_used_is_a_clear_error(tmp_path: Path, problem: str) -> None:
    path = tmp_path / "j.sqlite"
    if problem == "missing folder":
        path = tmp_path / "nowhere" / "j.sqlite"
    elif problem == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError) as error:
        Journal(path)
    assert str(path) in str(error.value)


# --- 1. keys do not depend on how a path was typed ----------------------------------------------

REPORT = """<testsuites><testsuite name="s">{cases}</testsuite></testsuites>"""


def _report(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cases = "".join(f'<testcase classname="c" name="test {i:05d}" time="0.1"/>' for i in range(n))
    path = folder / "junit.xml"
    path.write_text(REPORT.format(cases=cases))
    return path


async def test_a_report_named_by_another_path_is_not_uploaded_twice(
    fake: FakePractiTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_set(fake, "Paths", 30, with_instances=30)
    report = _report(tmp_path / "reports", 30)
    monkeypatch.chdir(tmp_path)
    journal = tmp_path / "j.sqlite"
    named = dict(name_template="{name}")
    async with client(fake) as c:
        first = await c.upload_results(
            PROJECT, iter_results("reports/junit.xml", **named), test_set="Paths", journal=journal
        )
        again = await c.upload_results(
            PROJECT, iter_results(str(report), **named), test_set="Paths", journal=journal
        )
    assert first.uploaded == 30
    assert (again.uploaded, again.already_uploaded) == (0, 30)
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(30)}


def _as_old_journal(path: Path, keys: dict[str, str]) -> None:
    """Make ``path`` what the code before key scheme 2 left: no format, keys as typed."""
    with sqlite3.connect(path) as db:
        for new, old in keys.items():
            db.execute("UPDATE results SET key = ? WHERE key = ?", (old, new))
        db.execute("DROP TABLE meta")
        db.execute("PRAGMA user_version = 0")


async def test_a_journal_of_the_old_key_scheme_is_matched_not_duplicated(
    fake: FakePractiTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_set(fake, "Paths", 30, with_instances=30)
    report = _report(tmp_path / "reports", 30)
    monkeypatch.chdir(tmp_path)
    journal = tmp_path / "j.sqlite"
    named = dict(name_template="{name}")
    todo = list(iter_results("reports/junit.xml", **named))
    async with client(fake) as c:
        await c.upload_results(PROJECT, todo[:20], test_set="Paths", journal=journal)
        absolute = str(report.resolve())
        _as_old_journal(
            journal,
            {r.key or "": (r.key or "").replace(absolute, "reports/junit.xml") for r in todo},
        )
        again = await c.upload_results(
            PROJECT, iter_results(str(report), **named), test_set="Paths", journal=journal
        )
    assert (again.uploaded, again.already_uploaded) == (10, 20)
    assert runs_per_test(fake) == {f"test {i:05d}": 1 for i in range(30)}
    assert Journal(journal).key_scheme == 1  # stays marked: later runs match old keys too


def test_an_old_key_that_could_be_two_results_is_refused_loudly(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.mark_sending("scope", [("x.xml::s::c::t::0", "m", "f", "t", None)])
    journal.mark_sending("scope", [("b/x.xml::s::c::t::0", "m", "f", "t", None)])
    journal.close()
    _as_old_journal(tmp_path / "j.sqlite", {})
    old = Journal(tmp_path / "j.sqlite")
    with pytest.raises(JournalError, match=r"may be '/a/b/x\.xml::s::c::t::0'"):
        old.entries("scope", ["/a/b/x.xml::s::c::t::0"])


# --- 7. an answer we cannot understand is an error, never "absent" -----------------------------


# A ResponseDecodeError naming the call (status 200), whichever layer found it unreadable.
UNREADABLE = (
    rf"GET /api/v2/projects/{PROJECT}/{{call}}\.json -> 200 OK: "
    r"(the answer cannot be read|expected a JSON object)"
)


@pytest.mark.parametrize("fault", ["strip_attributes", "strip_ids", "empty_list", "empty_body"])
async def test_an_instance_listing_we_cannot_read_creates_nothing(
    fake: FakePractiTest, fault: str
) -> None:
    seed_set(fake, "Odd", 30, with_instances=30)
    fake.script_fault("GET", "instances.json", fault, count=100)
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, results(30), test_set="Odd")

    assert len(report.failed) == 30
    assert re.match(UNREADABLE.format(call="instances"), report.failed[0].error)
    assert not fake.stats.requests("POST", "instances.json")
    assert not fake.state.runs
    assert len(fake.state.instances) == 30


@pytest.mark.parametrize("fault", ["empty_list", "empty_body", "strip_ids"])
async def test_a_set_listing_we_cannot_read_is_a_clear_error(
    fake: FakePractiTest, fault: str
) -> None:
    seed_set(fake, "Odd", 5, with_instances=5)
    fake.script_fault("GET", "sets.json", fault, count=10)
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, results(5), test_set="Odd")

    assert report.fatal_error is not None
    assert isinstance(report.fatal_error, ResponseDecodeError)
    assert (report.fatal_error.method, report.fatal_error.status) == ("GET", 200)
    assert re.match(UNREADABLE.format(call="sets"), str(report.fatal_error))
    assert len(report.failed) == 5
    assert len(fake.state.sets) == 1  # not taken as "absent": no second set


# --- 6. one bad result must not sink the innocent -----------------------------------------------


async def test_a_stale_test_id_does_not_stop_a_new_set(fake: FakePractiTest) -> None:
    for i in range(30):
        fake.add_test(PROJECT, f"test {i:05d}")
    stale = RunResult("deleted test", "PASSED", test_id=999_999)
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, [*results(30), stale], test_set="Fresh")

    assert [f.result.name for f in report.failed] == ["deleted test"]
    assert "999999" in report.failed[0].error
    assert report.uploaded == 30
    assert runs_per_test(fake) == {r.name: 1 for r in results(30)}


async def test_a_404_on_a_bulk_post_is_isolated_like_a_422(fake: FakePractiTest) -> None:
    seed_set(fake, "Found", 20, with_instances=20)
    fake.script_fault("POST", "runs.json", "error_404")
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, results(20), test_set="Found")

    assert report.ok, report.failed[:2]
    assert runs_per_test(fake) == {r.name: 1 for r in results(20)}


async def test_a_gateway_413_drops_only_the_culprits_files(tmp_path: Path) -> None:
    faults = Faults(max_body_bytes=300_000)
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW, faults=faults)) as fake:
        seed_set(fake, "Big", 20, with_instances=20)
        todo = results(20)
        todo[7] = RunResult(
            "test 00007", "FAILED", attachments=[Attachment("core.bin", b"x" * 1_000_000)]
        )
        journal = tmp_path / "j.sqlite"
        async with client(fake) as c:
            report = await c.upload_results(PROJECT, todo, test_set="Big", journal=journal)
            fake.stats.reset()
            again = await c.upload_results(PROJECT, todo, test_set="Big", journal=journal)

        assert report.ok, report.failed[:2]
        assert len(report.warnings) == 1
        assert "'test 00007': sent without its attachments" in report.warnings[0]
        assert "413" in report.warnings[0]
        assert runs_per_test(fake) == {r.name: 1 for r in todo}
        assert again.already_uploaded == 20
        assert not fake.stats.requests("POST", "runs.json")


# --- 5. parallel jobs writing into one set ------------------------------------------------------


def _project_with_tests(fake: FakePractiTest, n: int) -> None:
    for i in range(n):
        fake.add_test(PROJECT, f"test {i:05d}")


async def test_parallel_uploads_in_one_process_make_one_set_and_one_instance_per_test(
    fake: FakePractiTest,
) -> None:
    _project_with_tests(fake, 50)
    todo = results(50, new=5)
    async with client(fake) as c:
        reports = await asyncio.gather(
            *(c.upload_results(PROJECT, todo, test_set="Shared") for _ in range(3))
        )

    assert all(r.ok for r in reports), [r.failed[:1] for r in reports]
    assert [s.name for s in fake.state.sets.values()].count("Shared") == 1
    assert len(fake.state.tests) == 55  # no test created twice
    per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
    assert set(per_test.values()) == {1}  # one instance per test
    assert runs_per_test(fake) == {r.name: 3 for r in todo}


def _sqlite_limiter(tmp_path: Path, fake: FakePractiTest) -> str | None:
    """A shared limiter spec, when this version of the client has one (issue 8)."""
    spec = f"sqlite:///{tmp_path / 'budget.db'}"
    try:
        made = Client(fake.token, base_url=fake.url, limiter=spec)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    shared = made.limiter
    return None if isinstance(shared, str) or not hasattr(shared, "lock") else spec


async def test_parallel_processes_sharing_a_limiter_make_one_set_and_one_instance_per_test(
    tmp_path: Path,
) -> None:
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        limiter = _sqlite_limiter(tmp_path, fake)
        if limiter is None:
            pytest.skip("no shared (sqlite) limiter in this version: issue 8")
        _project_with_tests(fake, 60)
        workers = [
            await _worker_with(fake, tmp_path / f"j{k}.sqlite", 60, limiter) for k in range(3)
        ]
        for w in workers:
            _, err = await asyncio.wait_for(w.communicate(), 90)
            assert w.returncode == 0, err.decode()

    assert [s.name for s in fake.state.sets.values()].count("Killed") == 1
    per_test = collections.Counter(i.test_id for i in fake.state.instances.values())
    assert set(per_test.values()) == {1}
    assert set(runs_per_test(fake).values()) == {3}


async def test_parallel_processes_without_a_shared_limiter_report_the_duplicates_they_made(
    tmp_path: Path,
) -> None:
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        _project_with_tests(fake, 60)
        workers = [await _worker_with(fake, tmp_path / f"j{k}.sqlite", 60) for k in range(3)]
        warnings: list[str] = []
        for w in workers:
            out, err = await asyncio.wait_for(w.communicate(), 90)
            assert w.returncode == 0, err.decode()
            warnings += json.loads(out.decode().strip().splitlines()[-1])["warnings"]

    sets = [s.name for s in fake.state.sets.values()].count("Killed")
    if sets > 1:  # nothing serialized them: what they made twice is said, not hidden
        assert any("test sets are named 'Killed'" in w for w in warnings), warnings
    assert set(runs_per_test(fake).values()) == {3}  # every result still one run per job


async def _worker_with(
    fake: FakePractiTest, journal: Path, n: int, limiter: str | None = None
) -> asyncio.subprocess.Process:
    extra = [] if limiter is None else [limiter]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        fake.url,
        fake.token,
        str(journal),
        str(n),
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


# --- 8. memory flat in the size of one result ---------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (VmHWM)")
async def test_peak_memory_does_not_grow_with_the_number_of_large_results() -> None:
    async def peak(fake: FakePractiTest, n: int) -> int:
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("memory_worker.py")),
            fake.url,
            fake.token,
            str(n),
            "4",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(worker.communicate(), 120)
        assert worker.returncode == 0, err.decode()[-2000:]
        uploaded, kb = map(int, out.split())
        assert uploaded == n
        return kb

    async with FakePractiTest(EmulatorConfig(limit=1000, window=1.0)) as fake:
        few, many = await peak(fake, 8), await peak(fake, 40)

    # 40 results of 4 MB held at once would be 160 MB more (and more again in base64)
    assert many < few + 40_000, (few, many)


# --- 9. what the report says ----------------------------------------------------------------------


async def test_created_tests_counts_auto_creates_whose_answer_was_lost(
    fake: FakePractiTest,
) -> None:
    # 4 in a row: a fifth would open the circuit breaker (the server taken as gone)
    fake.script_fault("POST", "runs/auto_create.json", "drop_after_apply", count=4)
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, results(0, new=20), test_set="Counted")

    assert report.ok, report.failed[:2]
    assert report.reconciled == 4
    assert len(report.created_tests) == len(fake.state.tests) == 20
    assert len(report.created_instances) == len(fake.state.instances) == 20


class FullJournal(Journal):
    """A journal whose disk fills up after ``room`` results confirmed (the runs of one answer
    are confirmed in one write: two requests of 20 fit, the third does not)."""

    room = 40

    def confirm(self, scope: str, items: object) -> None:  # type: ignore[override]
        rows = list(items)  # type: ignore[call-overload,unused-ignore]
        if self.room < len(rows):
            raise sqlite3.OperationalError("database or disk is full")
        self.room -= len(rows)
        super().confirm(scope, rows)


async def test_a_full_disk_under_the_journal_does_not_understate_the_upload(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    seed_set(fake, "Full", 80, with_instances=80)
    journal = FullJournal(tmp_path / "j.sqlite")
    async with client(fake) as c:
        report = await c.upload_results(PROJECT, results(80), test_set="Full", journal=journal)
        journal.close()
        assert report.uploaded == len(fake.state.runs) == 80
        assert report.ok
        assert any("could not record" in w and "disk is full" in w for w in report.warnings)
        fake.stats.reset()
        again = await c.upload_results(
            PROJECT, results(80), test_set="Full", journal=tmp_path / "j.sqlite"
        )

    assert again.already_uploaded + again.reconciled == 80
    assert not fake.stats.requests("POST", "runs.json")
    assert runs_per_test(fake) == {r.name: 1 for r in results(80)}


async def test_the_eta_counts_a_call_per_new_test(fake: FakePractiTest) -> None:
    events: list[UploadEvent] = []
    async with client(fake) as c:
        await c.upload_results(PROJECT, results(0, new=40), test_set="Eta", progress=events.append)
    etas = [e.eta_seconds for e in events if e.kind == "sent" and e.eta_seconds is not None]
    # 40 auto_creates at 30 calls a second: more than a second of work at first
    assert max(etas) >= 1.0, etas[:5]


# --- 10. a server taken as unreachable -------------------------------------------------------


async def test_an_open_circuit_fails_the_rest_at_once_with_it_as_cause(
    fake: FakePractiTest,
) -> None:
    seed_set(fake, "Gone", 200, with_instances=200)
    async with client(fake) as c:
        send = c.transport.request
        calls = 0

        async def flaky(method: str, path: str, **kw: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls > 3:  # the transport's breaker opened: nothing is sent any more
                raise CircuitOpenError(
                    method=method, path=path, cause=TimeoutError("no answer"), failures=3
                )
            return await send(method, path, **kw)

        c.transport.request = flaky  # type: ignore[method-assign]
        started = asyncio.get_running_loop().time()
        report = await c.upload_results(PROJECT, results(200), test_set="Gone")
        elapsed = asyncio.get_running_loop().time() - started

    assert isinstance(report.fatal_error, CircuitOpenError)
    assert report.uploaded + len(report.failed) == 200
    assert len(report.failed) >= 150
    assert all("the server is taken as unreachable" in f.error for f in report.failed)
    # once open, only the requests already on their way tried (4 at a time); the rest of the
    # 10 bulk requests failed at once without being tried one by one
    assert calls - 3 <= 4, calls
    assert elapsed < 5


async def test_what_an_earlier_upload_made_is_not_trusted_by_the_next(
    fake: FakePractiTest,
) -> None:
    # The in-process record of what parallel uploads made lives only while they run: an
    # instance deleted between two uploads of one client is made again, not reused.
    _project_with_tests(fake, 5)
    fake.add_set(PROJECT, "Again")
    async with client(fake) as c:
        first = await c.upload_results(PROJECT, results(5), test_set="Again")
        for instance_id in first.created_instances:
            del fake.state.instances[instance_id]
        second = await c.upload_results(PROJECT, results(5), test_set="Again")

    assert first.ok
    assert second.ok, second.failed[:2]
    assert len(second.created_instances) == 5
