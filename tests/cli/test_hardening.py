"""The command on a hostile day (issue 9), in a subprocess against the emulator, with a proxy in
front of it where the emulator cannot give the answer: no token off the origin, no hang, no
traceback, and a summary JSON whenever the upload started."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practitest_async import cli
from practitest_async.batch.journal import Journal
from practitest_async.batch.runids import RunIds
from practitest_async.cli import main
from practitest_async.settings import load_settings
from practitest_async.testing import EmulatorConfig, FakePractiTest, TokenGrant
from practitest_async.testing.proxy import FaultProxy

from .test_cli import EXAMPLES, _cli, _env

SECRET = "s3cr3t-T0KEN-4566"
EMAIL = "dev.person@example.com"
BASIC = base64.b64encode(f"{EMAIL}:{SECRET}".encode()).decode()
TARGET = ("--project", "1", "--set", "CI")


@pytest.fixture
async def fake() -> AsyncIterator[FakePractiTest]:
    config = EmulatorConfig(
        limit=1000, window=1.0, tokens={SECRET: TokenGrant(account_id=1, user_id=1)}
    )
    async with FakePractiTest(config) as emulator:
        yield emulator


@pytest.fixture
async def proxy(fake: FakePractiTest) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(fake.url) as proxy:
        yield proxy


@pytest.fixture
async def elsewhere() -> AsyncIterator[FaultProxy]:
    async with FaultProxy() as other:
        yield other


def _through(proxy: FaultProxy, fake: FakePractiTest, **extra: str) -> dict[str, str]:
    env = _env(fake, PRACTITEST_BASE_URL=proxy.url, PRACTITEST_RATE_LIMIT="1000")
    env["PRACTITEST_TOKEN"] = SECRET
    env.update(extra)
    return env


def _junit(path: Path, cases: int) -> Path:
    body = "".join(f'  <testcase classname="big" name="case_{n}"/>\n' for n in range(cases))
    path.write_text(f'<testsuite name="big" tests="{cases}">\n{body}</testsuite>\n')
    return path


def _summary(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text())
    return data


# --- a token where it does not belong ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "route", "status"), [("GET", "sets.json", 302), ("POST", "*", 307)]
)
async def test_a_redirect_off_the_origin_is_an_error_naming_the_host_and_nothing_leaves(
    fake: FakePractiTest,
    proxy: FaultProxy,
    elsewhere: FaultProxy,
    tmp_path: Path,
    method: str,
    route: str,
    status: int,
) -> None:
    proxy.redirect(method, route, f"{elsewhere.url}/api/v2/steal", status=status, count=None)
    summary = tmp_path / "s.json"

    code, out, err = await _cli(
        _through(proxy, fake), "upload", EXAMPLES, *TARGET, "--summary-json", summary
    )

    assert code == 1
    assert elsewhere.log == []  # neither PTToken nor the POST reached the other host
    assert elsewhere.url in out + err
    assert "another origin" in out + err
    assert "Traceback" not in err
    assert not fake.state.runs
    assert _summary(summary)["exit_code"] == 1


async def test_query_auth_never_follows_a_location_that_repeats_the_token(
    fake: FakePractiTest, proxy: FaultProxy, elsewhere: FaultProxy
) -> None:
    location = f"{elsewhere.url}/api/v2/projects/1/sets.json?api_token={SECRET}"
    proxy.redirect("GET", "sets.json", location, status=302, count=None)

    code, out, err = await _cli(
        _through(proxy, fake, PRACTITEST_AUTH="query"), "upload", EXAMPLES, *TARGET
    )

    assert code == 1
    assert elsewhere.log == []
    assert SECRET not in out + err


async def test_basic_credentials_echoed_by_an_error_page_are_printed_nowhere(
    fake: FakePractiTest, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.echo_headers("POST", "*", status=400)
    summary = tmp_path / "s.json"
    env = _through(proxy, fake, PRACTITEST_AUTH="basic", PRACTITEST_EMAIL=EMAIL)

    code, out, err = await _cli(env, "upload", EXAMPLES, *TARGET, "--summary-json", summary)

    printed = out + err + summary.read_text()
    assert code == 1
    assert "Authorization: Basic ***" in printed  # the page was echoed, and scrubbed
    for secret in (BASIC, SECRET, EMAIL):
        assert secret not in printed


# --- hangs ------------------------------------------------------------------------------------


async def test_a_retry_after_beyond_the_cap_fails_the_rest_as_rate_limited_at_once(
    fake: FakePractiTest, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.reply("POST", "*", status=429, headers={"Retry-After": "100000"}, count=None)
    summary = tmp_path / "s.json"
    started = time.monotonic()

    code, out, _ = await _cli(
        _through(proxy, fake), "upload", EXAMPLES, *TARGET, "--summary-json", summary
    )

    assert time.monotonic() - started < 30  # not 27.8 hours
    assert code == 1
    assert "rate-limited" in out
    assert "100000 s" in out
    data = _summary(summary)
    assert data["uploaded"] == 0
    failed = data["failed"]
    assert isinstance(failed, list)
    assert len(failed) == 22
    assert all("rate-limited" in f["error"] for f in failed)
    assert not fake.state.runs


@pytest.mark.parametrize("value", ["0", "nan", "inf", "-1"])
async def test_a_rate_period_that_is_no_period_is_a_usage_error(
    fake: FakePractiTest, value: str
) -> None:
    code, _, err = await _cli(_env(fake, PRACTITEST_RATE_PERIOD=value), "upload", EXAMPLES, *TARGET)

    assert code == 2
    assert "PRACTITEST_RATE_PERIOD" in err
    assert "Traceback" not in err
    assert not fake.log


async def test_a_server_that_stops_answering_ends_the_upload_in_a_few_timeouts(
    fake: FakePractiTest, proxy: FaultProxy, tmp_path: Path
) -> None:
    report = _junit(tmp_path / "big.xml", 300)
    summary = tmp_path / "s.json"
    proxy.black_hole_after(6)  # the set and a few runs go through, then nothing answers
    env = _through(proxy, fake, PRACTITEST_TIMEOUT="1", PRACTITEST_RATE_LIMIT="60")
    started = time.monotonic()

    code, out, err = await _cli(env, "upload", report, *TARGET, "--summary-json", summary)

    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed  # a few timeouts, not one per remaining request
    assert code == 1
    assert "got no answer" in out + err  # the cause, in words
    assert "Traceback" not in err
    data = _summary(summary)
    failed = data["failed"]
    assert isinstance(failed, list)
    assert data["uploaded"] + len(failed) == 300
    assert data["uploaded"] == len(fake.state.runs)


# --- tracebacks -------------------------------------------------------------------------------


NO_ID = b'{"data": [{"type": "sets", "attributes": {"name": "CI"}}], "links": {}, "meta": {}}'


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("sets.json", b""),
        ("sets.json", b"[]"),
        ("sets.json", b"not json"),
        ("sets.json", b"{}"),
        ("sets.json", NO_ID),
        ("instances.json", NO_ID.replace(b"sets", b"instances")),
    ],
)
async def test_a_200_that_is_not_a_document_is_a_clear_error_with_a_summary(
    fake: FakePractiTest, proxy: FaultProxy, tmp_path: Path, route: str, body: bytes
) -> None:
    fake.add_set(1, "CI")
    proxy.reply("GET", route, body=body, count=None)
    summary = tmp_path / "s.json"

    code, out, err = await _cli(
        _through(proxy, fake), "upload", EXAMPLES, *TARGET, "--summary-json", summary
    )

    assert code == 1
    assert f"GET /api/v2/projects/1/{route} -> 200 OK" in out + err
    assert "unexpected error" not in err
    assert "Traceback" not in err
    assert _summary(summary)["exit_code"] == 1
    assert not fake.state.runs


def _corrupt(path: Path) -> str:
    path.write_bytes(b"this is not a SQLite file, but some text someone left here" * 20)
    return "not a journal"


def _in_missing_folder(path: Path) -> str:
    return "does not exist"


def _directory(path: Path) -> str:
    path.mkdir()
    return "is a directory"


@pytest.mark.parametrize(
    ("make", "name"),
    [(_corrupt, "j.sqlite"), (_in_missing_folder, "nope/j.sqlite"), (_directory, "jdir")],
)
async def test_a_journal_that_cannot_be_one_is_a_usage_error(
    fake: FakePractiTest, tmp_path: Path, make: object, name: str
) -> None:
    journal = tmp_path / name
    assert callable(make)
    message = make(journal)

    code, _, err = await _cli(_env(fake), "upload", EXAMPLES, *TARGET, "--journal", journal)

    assert code == 2
    assert str(journal) in err
    assert message in err
    assert "Traceback" not in err
    assert not fake.state.runs


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_journal_is_refused_before_sending(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    read_only: str,
) -> None:
    # Root writes read-only files, so the permission is simulated where it is asked.
    journal = tmp_path / "j.sqlite"
    journal.write_bytes(b"")
    denied = journal if read_only == "file" else tmp_path
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == denied and mode & os.W_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRACTITEST_TOKEN", SECRET)
    monkeypatch.setenv("PRACTITEST_BASE_URL", "http://127.0.0.1:9")  # nothing may be sent

    code = main(["upload", str(EXAMPLES), *TARGET, "--journal", str(journal)])

    err = capsys.readouterr().err
    assert code == 2
    assert f"the journal {journal} cannot be written: {denied} is read-only" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
async def test_a_read_only_journal_is_a_usage_error(fake: FakePractiTest, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    code, _, _ = await _cli(_env(fake), "upload", EXAMPLES, *TARGET, "--journal", journal)
    assert code == 0
    os.chmod(journal, 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        code, _, err = await _cli(_env(fake), "upload", EXAMPLES, *TARGET, "--journal", journal)
    finally:
        os.chmod(tmp_path, 0o755)

    assert code == 2
    assert "read-only" in err
    assert "Traceback" not in err


async def test_the_summary_goes_into_a_folder_that_did_not_exist(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    summary = tmp_path / "reports" / "ci" / "s.json"

    code, _, err = await _cli(_env(fake), "upload", EXAMPLES, *TARGET, "--summary-json", summary)

    assert code == 0, err
    assert _summary(summary)["uploaded"] == 22


async def test_a_glob_matching_nothing_still_writes_the_summary(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    summary = tmp_path / "s.json"

    code, _, err = await _cli(
        _env(fake), "upload", str(tmp_path / "*.xml"), *TARGET, "--summary-json", summary
    )

    assert code == 4
    assert "no report files matched" in err
    data = _summary(summary)
    assert data["exit_code"] == 4
    assert "no report files matched" in str(data["error"])


async def test_a_set_in_digits_with_a_refused_token_still_writes_the_summary(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    summary = tmp_path / "s.json"
    env = _env(fake, PRACTITEST_TOKEN="wrong-token-123")

    code, _, _ = await _cli(
        env, "upload", EXAMPLES, "--project", "1", "--set", "42", "--summary-json", summary
    )

    assert code == 3
    assert _summary(summary)["exit_code"] == 3


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
async def test_a_signal_stops_the_upload_and_the_summary_says_so(
    fake: FakePractiTest, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    report = _junit(tmp_path / "big.xml", 400)
    summary = tmp_path / "s.json"
    env = _env(fake, PRACTITEST_RATE_LIMIT="4", PRACTITEST_RATE_PERIOD="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practitest_async",
        *map(str, ("upload", report, *TARGET, "--summary-json", summary)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for _ in range(300):  # until the upload is under way
        if fake.state.runs:
            break
        await asyncio.sleep(0.05)
    assert fake.state.runs
    proc.send_signal(sig)
    _, err = await asyncio.wait_for(proc.communicate(), 60)

    assert proc.returncode == code, err.decode()
    assert "Traceback" not in err.decode()
    data = _summary(summary)
    assert data["interrupted"] == sig.name
    assert data["exit_code"] == code
    assert data["ok"] is False
    assert isinstance(data["uploaded"], int)
    assert data["uploaded"] <= len(fake.state.runs) < 400


# --- the journal's own failures, and only those, are "the journal failed" ----------------------


class _FailingDb:
    """A journal's connection that fails the statements starting with ``failing``."""

    def __init__(self, db: sqlite3.Connection, failing: str) -> None:
        self._db, self._failing = db, failing

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith(self._failing):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: object) -> sqlite3.Cursor:
        if sql.startswith(self._failing):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.executemany(sql, rows)  # type: ignore[arg-type]

    def close(self) -> None:
        self._db.close()


async def _upload_in_process(
    fake: FakePractiTest, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> int:
    for name, value in _env(fake).items():
        if name.startswith("PRACTITEST_"):
            monkeypatch.setenv(name, value)
    args = cli.build_parser().parse_args(["upload", str(EXAMPLES), *TARGET, *argv])
    return await cli.upload(load_settings(cli._flags(args)), args, io.StringIO())


async def test_a_journal_failing_mid_upload_is_named(
    fake: FakePractiTest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journal = tmp_path / "j.sqlite"

    class FullJournal(Journal):
        def __init__(self, path: str) -> None:
            super().__init__(path)
            self._db = _FailingDb(self._db, "INSERT OR IGNORE INTO uploads")  # type: ignore[assignment]

    monkeypatch.setattr(cli, "Journal", FullJournal)

    code = await _upload_in_process(fake, monkeypatch, "--journal", str(journal))

    err = capsys.readouterr().err
    assert code == 1
    assert f"the journal {journal} failed: database or disk is full" in err
    assert not fake.state.runs


async def test_another_sqlite_failure_mid_upload_is_not_blamed_on_the_journal(
    fake: FakePractiTest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journal = tmp_path / "j.sqlite"
    assert await _upload_in_process(fake, monkeypatch, "--journal", str(journal)) == 0
    capsys.readouterr()

    def spill_fails(self: RunIds, key: str, run_id: int) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    # The run ids' spill file (a temporary file, not the journal) fails on the re-run.
    monkeypatch.setattr(RunIds, "__setitem__", spill_fails)
    code = await _upload_in_process(fake, monkeypatch, "--journal", str(journal))

    err = capsys.readouterr().err
    assert code == 1
    assert "disk I/O error" in err
    assert f"the journal {journal}" not in err
    assert "Traceback" not in err
