"""pytest plugin: each test becomes a run in PractiTest, uploaded while the tests run.

Off unless ``--practitest`` (or ini ``practitest = true``, or ``PRACTITEST_ENABLED=1``)::

    PRACTITEST_TOKEN=... pytest --practitest --practitest-project 1 --practitest-set Nightly

Options (each also an ini key: ``--practitest-set`` is ``practitest_set``, and so on):
``--practitest-project ID``, ``--practitest-set NAME|ID``, ``--practitest-version V``,
``--practitest-no-create-missing``, ``--practitest-journal PATH``, ``--practitest-strict``,
``--practitest-xfail passed|failed|no-run`` (default no-run: the expected failure happened, as
the JUnit path maps it; an unexpected pass is PASSED), ``--practitest-name nodeid|name``
(default nodeid). The connection (token, base URL, auth, rate limit and period) comes from the
same ``PRACTITEST_*`` variables and ``[tool.practitest]`` as the ``practitest-async`` command.
Precedence: command line, then ``PRACTITEST_*``, then the pytest ini, then ``[tool.practitest]``.

Streaming: the uploader lives on its own event loop in a daemon thread. A test's setup, call and
teardown reports become one :class:`RunResult` (the worst phase decides the status, durations
add up) handed over as soon as its teardown is reported; handing over waits only while the
uploader's buffer is full. At session end the plugin waits for the last requests and prints one
``PractiTest: ...`` line. Under pytest-xdist the controller uploads (worker reports reach it
through ``pytest_runtest_logreport``); workers upload nothing.

A test interrupted while it ran (Ctrl-C or SIGTERM, plain or under xdist) has no call-phase
report: it is not uploaded (pytest did not run it to the end, so no status would be true), and
the line says how many were left out. A test whose setup failed or skipped is uploaded as such.

Upload problems are reported on that line and never change the exit status, unless
``--practitest-strict``: then a result that failed to upload makes the exit status 1 and a
configuration error is a usage error.

``record_property("practitest_test_id", 123)`` uploads to test 123;
``record_property("practitest_field_45", "Win")`` sets the run's custom field 45.

Result keys are ``<node id>#<ordinal>``, stable across re-runs: with ``--practitest-journal``,
running the same session again against the same set sends nothing twice.

The module imports only pytest and the standard library; the SDK is imported once enabled.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import pytest

if TYPE_CHECKING:
    from practitest_async.batch.report import UploadReport
    from practitest_async.batch.results import RunResult, Status
    from practitest_async.batch.uploader import Uploader
    from practitest_async.client import Client
    from practitest_async.settings import Settings

PLUGIN_NAME = "practitest-uploader"
XFAIL_CHOICES = ("passed", "failed", "no-run")
NAME_CHOICES = ("nodeid", "name")
TEST_ID_PROPERTY = "practitest_test_id"
FIELD_PROPERTY = re.compile(r"practitest_field_(\d+)")
MAX_ERROR_CHARS = 300
_TRUE = ("1", "true", "yes", "on")

T = TypeVar("T")


# --- options --------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("practitest", "upload results to PractiTest (practitest_async)")

    def add(name: str, help: str, ini: Literal["string", "bool"] = "string", **flag: Any) -> None:
        group.addoption(f"--{name.replace('_', '-')}", dest=name, help=help, **flag)
        parser.addini(name, help, type=ini)

    add("practitest", "upload results (or PRACTITEST_ENABLED=1)", "bool", action="store_true")
    add("practitest_project", "project id (or PRACTITEST_PROJECT)", metavar="ID")
    add("practitest_set", "test set name or id (or PRACTITEST_SET)", metavar="SET")
    add("practitest_version", "version to record on the runs", metavar="VERSION")
    add(
        "practitest_no_create_missing",
        "fail results of tests that do not exist in PractiTest instead of creating them",
        "bool",
        action="store_true",
    )
    add("practitest_journal", "journal file: re-runs never upload a result twice", metavar="PATH")
    add(
        "practitest_strict",
        "exit status 1 when results fail to upload; configuration errors are usage errors",
        "bool",
        action="store_true",
    )
    add("practitest_xfail", "status of xfail tests (default no-run)", choices=XFAIL_CHOICES)
    add("practitest_name", "test name: node id (default) or name", choices=NAME_CHOICES)
    add(
        "practitest_limiter",
        "shared budget: local, sqlite:///PATH or redis://HOST:PORT/DB (or PRACTITEST_LIMITER)",
        metavar="URL",
    )


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _enabled(config):
        return  # xdist workers never upload: their reports reach the controller
    config.pluginmanager.register(PractiTestUploader(config, _choices(config)), PLUGIN_NAME)


def _enabled(config: pytest.Config) -> bool:
    from_env = os.environ.get("PRACTITEST_ENABLED", "").strip().lower() in _TRUE
    return bool(config.getoption("practitest") or config.getini("practitest") or from_env)


@dataclass(frozen=True)
class Choices:
    """How results are made and judged (the connection is in :class:`Settings`)."""

    strict: bool = False
    xfail: str = "no-run"
    name: str = "nodeid"


def _choices(config: pytest.Config) -> Choices:
    def pick(name: str, allowed: Sequence[str], default: str) -> str:
        value = str(config.getoption(name) or config.getini(name) or default).strip().lower()
        if value not in allowed:
            raise pytest.UsageError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    return Choices(
        strict=bool(config.getoption("practitest_strict") or config.getini("practitest_strict")),
        xfail=pick("practitest_xfail", XFAIL_CHOICES, "no-run"),
        name=pick("practitest_name", NAME_CHOICES, "nodeid"),
    )


def load_plugin_settings(config: pytest.Config) -> Settings:
    """Settings from the command line, ``PRACTITEST_*``, the pytest ini and ``[tool.practitest]``,
    in that order; raises ConfigurationError with what to fix."""
    from practitest_async.errors import ConfigurationError
    from practitest_async.settings import load_settings, read_pyproject

    flags = {
        "project": config.getoption("practitest_project"),
        "test_set": config.getoption("practitest_set"),
        "version": config.getoption("practitest_version"),
        "journal": config.getoption("practitest_journal"),
        "limiter": config.getoption("practitest_limiter"),
        "create_missing": False if config.getoption("practitest_no_create_missing") else None,
    }
    # The ini joins [tool.practitest] under the environment, as the file it is.
    from_ini = {
        "project": config.getini("practitest_project"),
        "set": config.getini("practitest_set"),
        "version": config.getini("practitest_version"),
        "journal": config.getini("practitest_journal"),
        "limiter": config.getini("practitest_limiter"),
        "create-missing": False if config.getini("practitest_no_create_missing") else None,
    }
    files = dict(read_pyproject(config.rootpath))
    files.update({key: value for key, value in from_ini.items() if value not in ("", None)})
    settings = load_settings(flags, pyproject=files)
    if not settings.token:
        raise ConfigurationError(
            "no PractiTest token: set PRACTITEST_TOKEN (or PRACTITEST_TOKEN_FILE)"
        )
    for value, option, variable in (
        (settings.project, "--practitest-project", "PRACTITEST_PROJECT"),
        (settings.test_set, "--practitest-set", "PRACTITEST_SET"),
    ):
        if value is None:
            ini = option.lstrip("-").replace("-", "_")
            raise ConfigurationError(f"missing {option} (or {variable}, or ini {ini})")
    return settings


# --- the plugin object (registered only when enabled) ---------------------------------------------


class PractiTestUploader:
    """Turns each test's reports into one result and streams it to PractiTest."""

    def __init__(self, config: pytest.Config, choices: Choices) -> None:
        self.config = config
        self.choices = choices
        self._phases: dict[str, list[pytest.TestReport]] = {}
        self._ordinals: Counter[str] = Counter()
        self._settings: Settings | None = None
        self._stream: UploadStream | None = None
        self._problem: str | None = None  # why nothing (more) could be uploaded
        self._not_sent: list[str] = []  # results refused before sending, with why
        self._tests = 0
        self._interrupted: list[str] = []  # node ids of tests stopped while they ran
        self.line: str | None = None  # the summary line, once the session is over
        self.upload_failed = False

    @pytest.hookimpl(tryfirst=True)  # before xdist starts its workers
    def pytest_sessionstart(self) -> None:
        try:
            self._settings = load_plugin_settings(self.config)
            stream = UploadStream(self._settings)
            stream.start()
        except Exception as exc:
            if self.choices.strict:
                raise pytest.UsageError(self._scrub(f"PractiTest: {_describe(exc)}")) from exc
            self._problem = _describe(exc)
        else:
            self._stream = stream

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._phases.setdefault(report.nodeid, []).append(report)
        if report.when == "teardown":
            self._submit(report.nodeid)
        # Anything else (xdist's report of a worker that went down mid-test) waits for the end
        # of the session: after a Ctrl-C it is an interrupted test, otherwise a crash (FAILED).

    def _submit(self, nodeid: str) -> None:
        reports = self._phases.pop(nodeid)
        if any(str(r.outcome) == "rerun" for r in reports):
            return  # pytest-rerunfailures: only the last attempt becomes a run
        self._tests += 1
        if self._stream is None:
            return
        ordinal = self._ordinals[nodeid]
        self._ordinals[nodeid] += 1
        try:
            result = run_result(
                reports,
                name=nodeid if self.choices.name == "nodeid" else nodeid.rpartition("::")[2],
                key=f"{nodeid}#{ordinal}",
                xfail=self.choices.xfail,
            )
        except ValueError as exc:
            self._not_sent.append(str(exc))
            return
        try:
            self._stream.add(result)
        except Exception as exc:  # the uploader died: stop handing results over
            self._problem = _describe(exc)
            self._stream.abandon()
            self._stream = None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        interrupted = session.exitstatus == pytest.ExitCode.INTERRUPTED
        for nodeid, reports in list(self._phases.items()):  # the session stopped mid-test
            if _ran_to_a_verdict(reports, interrupted=interrupted):
                self._submit(nodeid)
            else:  # only a passed setup: pytest never ran it to the end; no status is true
                del self._phases[nodeid]
                self._interrupted.append(nodeid)
        report: UploadReport | None = None
        started = time.monotonic()
        if self._stream is not None:
            try:
                report = self._stream.finish()
            except BaseException as exc:  # Ctrl-C stops the wait, not pytest
                self._problem = _describe(exc)
            self._stream = None
        waited = time.monotonic() - started
        self.upload_failed = bool(
            self._problem or self._not_sent or (report is not None and not report.ok)
        )
        self.line = self._scrub(self._summary(report, waited))
        if self.choices.strict and self.upload_failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _summary(self, report: UploadReport | None, waited: float) -> str:
        if report is None:
            error = _one_line(self._problem or "the uploader stopped")
            return f"PractiTest: upload failed: {error}; {self._tests} results not uploaded"
        if report.fatal_error is not None:
            error = _one_line(_describe(report.fatal_error))
            return (
                f"PractiTest: upload failed: {error}; "
                f"{report.uploaded} of {report.total} results uploaded"
            )
        assert self._settings is not None
        test_set = self._settings.test_set
        where = f"set {test_set!r}" if isinstance(test_set, str) else "set"
        if report.set_id is not None:
            where += f" (id {report.set_id})"
        line = (
            f"PractiTest: {report.summary()} to project {report.project_id}, {where}; "
            f"waited {waited:.1f}s after the tests"
        )
        if report.failed:
            first = report.failed[0]
            line += f"; first failure: {first.result.name}: {_one_line(first.error)}"
        if self._not_sent:
            line += f"; {len(self._not_sent)} not sent: {_one_line(self._not_sent[0])}"
        if self._interrupted:
            line += (
                f"; {len(self._interrupted)} interrupted while running, not uploaded: "
                f"{_one_line(self._interrupted[0])}"
            )
        if self._problem:
            line += f"; stopped early: {_one_line(self._problem)}"
        return line

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.line is not None:
            failed = self.upload_failed
            terminalreporter.write_line(self.line, red=failed, green=not failed)

    def pytest_unconfigure(self) -> None:
        if self._stream is not None:  # the session never finished: stop the thread
            self._stream.abandon()
            self._stream = None

    def _scrub(self, text: str) -> str:
        """Never print the credentials (the token, Basic's base64 of email:token, the email),
        whatever an error message quoted."""
        from practitest_async.redaction import credential_secrets, redact

        if self._settings is not None:
            token, email = self._settings.token, self._settings.email
        else:
            token, email = os.environ.get("PRACTITEST_TOKEN"), os.environ.get("PRACTITEST_EMAIL")
        return redact(text, *credential_secrets((token or "").strip(), email))


def _ran_to_a_verdict(reports: Sequence[pytest.TestReport], *, interrupted: bool) -> bool:
    """Whether a test's reports say how it went: its call ran, or its setup failed or skipped
    (then there is no call), or its worker crashed under xdist while the session was not
    interrupted. A passed setup alone is a test interrupted while it ran."""
    for r in reports:
        if r.when == "call" or (r.when == "setup" and not r.passed):
            return True
        if r.when not in ("setup", "call", "teardown") and not interrupted:  # a crash
            return True
    return False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 6] + " [...]"


# --- the upload thread ----------------------------------------------------------------------------


class UploadStream:
    """A streaming uploader on its own event loop in a daemon thread.

    ``start()`` opens the client and the uploader (no request yet); ``add()`` hands a result
    over and returns once it is queued; ``finish()`` waits for the last request and returns
    the report; ``abandon()`` stops within a few seconds without a report.
    """

    def __init__(self, settings: Settings) -> None:
        import asyncio

        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="practitest-upload", daemon=True)
        self._client: Client | None = None
        self._uploader: Uploader | None = None

    def _serve(self) -> None:
        loop = self._loop
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def start(self) -> None:
        self._thread.start()
        try:
            self._call(self._open())
        except BaseException:
            self._stop()
            raise

    def add(self, result: RunResult) -> None:
        assert self._uploader is not None
        self._call(self._uploader.add(result))  # waits only while the buffer is full

    def finish(self) -> UploadReport:
        try:
            return self._call(self._close())
        finally:
            self._stop()

    def abandon(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            with contextlib.suppress(Exception):  # already failing: the first error is reported
                self._call(self._close(), timeout=5)
        finally:
            self._stop()

    async def _open(self) -> None:
        settings = self.settings
        assert settings.project is not None
        assert settings.test_set is not None
        client = settings.client()
        await client.__aenter__()
        try:
            uploader = client.uploader(
                settings.project,
                test_set=settings.test_set,
                create_missing=settings.create_missing,
                version=settings.version,
                journal=settings.journal,
                raise_on_failure=False,
            )
            await uploader.start()
        except BaseException:
            await client.aclose()
            raise
        self._client, self._uploader = client, uploader

    async def _close(self) -> UploadReport:
        assert self._client is not None
        assert self._uploader is not None
        try:
            return await self._uploader.close()
        finally:
            await self._client.aclose()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        import asyncio

        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()  # Ctrl-C or a timeout while waiting: do not leave it running
            raise

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


# --- reports -> one result ------------------------------------------------------------------------


def run_result(
    reports: Sequence[pytest.TestReport], *, name: str, key: str, xfail: str = "passed"
) -> RunResult:
    """One test's setup, call and teardown reports as one result: the worst phase decides the
    status, the durations add up, the headline, tracebacks and captured output are the output."""
    from practitest_async.batch.results import RunResult, Status

    xfail_status = {"passed": Status.PASSED, "failed": Status.FAILED, "no-run": Status.NO_RUN}
    rank = {Status.PASSED: 0, Status.NO_RUN: 1, Status.FAILED: 2}
    statuses = [phase_status(r, xfail_status[xfail]) for r in reports]
    test_id, fields = _properties(reports)
    return RunResult(
        name,
        max(statuses, key=rank.__getitem__, default=Status.NO_RUN),
        duration=sum(r.duration for r in reports),
        output=_output(reports),
        test_id=test_id,
        custom_fields=fields,
        key=key,
    )


def phase_status(report: pytest.TestReport, xfail: Status) -> Status:
    """A phase's status: failed (also a strict xpass) FAILED, xfail as configured, xpass
    PASSED, skipped NO RUN, passed PASSED."""
    from practitest_async.batch.results import Status

    if report.failed:
        return Status.FAILED
    if hasattr(report, "wasxfail"):
        return Status.PASSED if report.passed else xfail
    return Status.NO_RUN if report.skipped else Status.PASSED


def _headline(report: pytest.TestReport) -> str | None:
    where = "" if report.when == "call" else f" at {report.when}"
    if report.failed:
        return f"{'FAILED' if report.when == 'call' else 'ERROR'}{where}: {_crash(report)}"
    if hasattr(report, "wasxfail"):
        reason = str(report.wasxfail)
        return ("XPASS" if report.passed else "XFAIL") + (f": {reason}" if reason else "")
    if report.skipped:  # longrepr is (path, line, "Skipped: why")
        longrepr = report.longrepr
        why = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
        return f"SKIPPED{where}: {str(why).removeprefix('Skipped: ')}"
    return None


def _crash(report: pytest.TestReport) -> str:
    """The exception's message (``assert 1 == 2``), else the traceback's last ``E`` line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message)
    lines = report.longreprtext.splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return errors[-1] if errors else (lines[0] if lines else "failed")


def _output(reports: Sequence[pytest.TestReport]) -> str | None:
    """Headlines first (the run's output field keeps only 255 characters), then tracebacks and
    captured output; the uploader attaches the whole text when it is longer."""
    parts = [headline for r in reports if (headline := _headline(r))]
    for r in reports:
        if r.failed and r.longreprtext and r.longreprtext != _crash(r):
            parts.append(r.longreprtext)
    seen: set[tuple[str, str]] = set()
    for r in reports:
        for title, content in r.sections:  # later phases repeat earlier sections
            if content.strip() and (title, content) not in seen:
                seen.add((title, content))
                parts.append(f"----- {title} -----\n{content.rstrip()}")
    return "\n\n".join(parts) or None


def _properties(
    reports: Sequence[pytest.TestReport],
) -> tuple[int | None, dict[int | str, Any]]:
    """``practitest_test_id`` and ``practitest_field_<id>`` from ``record_property``."""
    test_id: int | None = None
    fields: dict[int | str, Any] = {}
    for r in reports:
        for name, value in r.user_properties:
            if name == TEST_ID_PROPERTY:
                try:
                    test_id = int(str(value))
                except ValueError:
                    raise ValueError(
                        f"{r.nodeid}: {TEST_ID_PROPERTY} must be a test id, not {value!r}"
                    ) from None
            elif match := FIELD_PROPERTY.fullmatch(name):
                fields[int(match[1])] = value
    return test_id, fields
