"""What the two upload commands (``upload`` and ``xray upload``) share.

Exit codes and how they are chosen; ``--format``, ``--status-map``, ``--test-per`` and
``--partial`` on a parser, the options they make for
:func:`practitest_async.reports.read_reports` (checked before anything is read), and the count of
results to come for a progress bar; the summary JSON's folder checked before sending and the
summary written after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Protocol, TextIO, TypeVar

from . import reports
from .batch.cache import IdCache, default_cache_path
from .batch.results import RunResult
from .errors import (
    AuthenticationError,
    ConfigurationError,
    PermissionDeniedError,
    PractiTestError,
)
from .redaction import Secret, redact

EXIT_OK, EXIT_NOT_UPLOADED, EXIT_USAGE, EXIT_AUTH, EXIT_INPUT = 0, 1, 2, 3, 4


def exit_code(
    fatal: PractiTestError | None, input_errors: Sequence[reports.ReportError], *, ok: bool
) -> int:
    """0, or the most important problem: auth (3), then bad input (4), then not uploaded (1)."""
    if isinstance(fatal, (AuthenticationError, PermissionDeniedError)):
        return EXIT_AUTH
    if input_errors:
        return EXIT_INPUT
    return EXIT_OK if ok and fatal is None else EXIT_NOT_UPLOADED


class _Adds(Protocol):
    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    async def add(self, result: RunResult) -> None: ...


async def feed(
    up: _Adds, results: Iterable[RunResult], input_errors: list[reports.ReportError]
) -> None:
    """Add every result to the uploader (PractiTest's or Xray's) and wait for it to finish; a
    report that stops the reading (``--fail-fast``) joins ``input_errors``, and what was read
    before it is still sent."""
    try:
        async with up:
            for result in results:
                await up.add(result)
    except reports.ReportError as stop:
        input_errors.append(stop)


def add_cache_flags(parser: argparse.ArgumentParser) -> None:
    """``--cache PATH`` / ``--no-cache``: the id cache (see :mod:`practitest_async.batch.cache`)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--cache",
        type=Path,
        metavar="PATH",
        help="id cache file (default: ids.sqlite3 under the user's cache directory), so a "
        "repeat upload reads no ids it already knows",
    )
    group.add_argument("--no-cache", action="store_true", help="look every id up again")


def upload_cache(args: argparse.Namespace, base_url: str) -> Path | None:
    """The id cache of an upload: ``--cache PATH``, else the user's, except with ``--no-cache``
    and for an emulator on this machine (its ids start again at 1 whenever it starts, so
    remembered ids could name another test's instance)."""
    if getattr(args, "no_cache", False):
        return None
    chosen: Path | None = getattr(args, "cache", None)
    if chosen is not None:
        return chosen
    host = (urllib.parse.urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host == "::1" or host.startswith("127."):
        return None
    default = default_cache_path()
    try:  # the default is a convenience: when it cannot be used, upload without it
        IdCache(default).close()
    except ConfigurationError as exc:
        logging.getLogger("practitest_async.upload").warning(
            "%s; uploading without the id cache", exc
        )
        return None
    return default


def add_report_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="report_format",
        metavar="NAME",
        help="read every file as this format (default: detected from each file's content)",
    )
    parser.add_argument(
        "--status-map",
        action="append",
        default=[],
        metavar="RAW=STATUS",
        help="map a report's raw status word to a run status, e.g. inconclusive=FAILED "
        "(repeatable)",
    )
    parser.add_argument(
        "--test-per",
        choices=("case", "class", "suite"),
        default="case",
        help="one PractiTest test per case (default), or per class/suite with a step per case",
    )
    parser.add_argument(
        "--partial",
        action="store_true",
        help="upload what precedes the break of a file cut short (default: nothing of it)",
    )


def read_options(args: argparse.Namespace, name_template: str | None) -> dict[str, Any]:
    """The reading options of ``upload``, checked before anything is read (bad ones: exit 2)."""
    try:
        status_map = reports.parse_status_map(getattr(args, "status_map", None))
        report_format = getattr(args, "report_format", None)
        if report_format is not None:
            reports.detect.reader(report_format)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    options: dict[str, Any] = {
        "format": report_format,
        "status_map": status_map,
        "group_by": getattr(args, "test_per", "case"),
        "skipped": args.skipped,
        "attach_output": args.attach_output,
        "partial": getattr(args, "partial", False),
    }
    if name_template:
        options["name_template"] = name_template
    return options


def count_results(paths: Sequence[Path], options: dict[str, Any]) -> int:
    """The results to come (for the progress bar's total and ETA), counted by the same reader
    that will read them (a first pass; its problems are reported by the real one)."""
    logging.disable(logging.WARNING)  # warnings are for the real read, not said twice
    try:
        counting = {**options, "partial": True}  # an estimate: the real read checks files
        return sum(1 for _ in reports.read_reports(paths, errors=[], **counting))
    except (reports.ReportError, ValueError):
        return 0
    finally:
        logging.disable(logging.NOTSET)


def prepare_summary_folder(path: Path) -> None:
    """Create the summary's folder now: learning after the upload that the summary cannot be
    written is too late."""
    if path.is_dir():
        raise ConfigurationError(f"--summary-json {path} is a directory; give a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"--summary-json {path}: cannot create its folder: {exc.strerror or exc}"
        ) from exc


def _dump(summary: dict[str, Any], out: TextIO) -> None:
    """``json.dump(summary, indent=2)``, except that a mapping that is not a dict (the report's
    run ids, spilled to a file past 20,000) and an iterator (the failed results, past 1,000 in a
    file too) are written an item at a time, never all in memory."""
    out.write("{")
    for number, (name, value) in enumerate(summary.items()):
        out.write(("," if number else "") + "\n  " + json.dumps(name) + ": ")
        if isinstance(value, Mapping) and not isinstance(value, dict):
            out.write("{")
            for index, (key, item) in enumerate(value.items()):
                out.write(("," if index else "") + "\n    " + json.dumps(key) + ": ")
                out.write(json.dumps(item))
            out.write("\n  }" if value else "}")
        elif isinstance(value, Iterator):
            out.write("[")
            index = -1
            for index, item in enumerate(value):
                text = json.dumps(item, indent=2).replace("\n", "\n    ")
                out.write(("," if index else "") + "\n    " + text)
            out.write("\n  ]" if index >= 0 else "]")
        else:
            out.write(json.dumps(value, indent=2).replace("\n", "\n  "))
    out.write("\n}\n")


def write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    """Write the summary JSON for the next CI step (a failure is said, never a traceback: the
    upload itself is done)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            _dump(summary, out)
    except OSError as exc:
        print(
            f"practitest-async: the summary could not be written to {path}: {exc.strerror or exc}",
            file=sys.stderr,
        )


# --- however an upload ends: its exit code, what it got to, and the summary ---------------------

EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}

R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")


class Reporting(Protocol[R_co]):
    """An uploader: what it got to is its ``report``."""

    @property
    def report(self) -> R_co:
        """What the upload got to."""
        ...


class Run(Generic[R]):
    """What an upload got to before it ended, for the summary written whatever happened."""

    def __init__(self) -> None:
        self.uploader: Reporting[R] | None = None
        self.input_errors: list[reports.ReportError] = []
        self.interrupted: str | None = None  # the signal's name


def exit_code_of(exc: BaseException) -> int:
    """The exit code an error stands for (see ``practitest_async.cli``'s docstring)."""
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return EXIT_AUTH
    if isinstance(exc, reports.ReportError):
        return EXIT_INPUT
    return EXIT_NOT_UPLOADED


def unexpected(exc: BaseException) -> str:
    """What is said of an error nobody foresaw (a bug of ours, an answer nobody expected)."""
    return (
        f"unexpected error: {type(exc).__name__}: {exc} (please report it, with the command "
        "and its output; the results not listed as uploaded were not)"
    )


@contextlib.contextmanager
def signals_cancel_this_task(run: Run[Any]) -> Iterator[None]:
    """SIGINT and SIGTERM cancel the upload (so that the summary is still written)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: list[signal.Signals] = []

    def stop(name: str) -> None:
        if run.interrupted is None and task is not None:
            run.interrupted = name
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread/Windows
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


Summarise = Callable[[R, Sequence[reports.ReportError], int], dict[str, Any]]


def summary_after_error(
    run: Run[R], code: int, error: str | None, summarise: Summarise[R], **empty: object
) -> dict[str, Any]:
    """The summary of an upload stopped by an error or a signal: what it got to (``summarise``
    of its report; before the uploader existed, nothing, with the ``empty`` keys)."""
    if run.uploader is not None:
        summary = summarise(run.uploader.report, run.input_errors, code)
    else:
        summary = {
            "exit_code": code,
            "ok": False,
            **empty,
            "uploaded": 0,
            "already_uploaded": 0,
            "failed": [],
            "input_errors": [str(e) for e in run.input_errors],
        }
    summary["ok"] = False
    summary["error"] = error
    summary["interrupted"] = run.interrupted
    return summary


async def guarded_upload(
    run: Run[R],
    upload: Callable[[], Awaitable[int]],
    *,
    summary_path: Path | None,
    summarise: Summarise[R],
    print_partial: Callable[[Run[R]], None],
    secrets: Sequence[Secret] = (),
    **empty: object,
) -> int:
    """Run ``upload`` so that however it ends (done, stopped by an error, by SIGINT/SIGTERM)
    the exit code says how, and the summary JSON (``--summary-json``) is written: its
    ``error`` or ``interrupted`` says why it stopped."""
    if summary_path is not None:
        prepare_summary_folder(summary_path)
    try:
        with signals_cancel_this_task(run):
            return await upload()
    except asyncio.CancelledError:
        if run.interrupted is None:
            raise
        code = EXIT_SIGNAL[run.interrupted]
        print(f"practitest-async: interrupted by {run.interrupted}", file=sys.stderr)
        print_partial(run)
        summary = summary_after_error(run, code, None, summarise, **empty)
        write_summary(summary_path, summary)
        return code
    except Exception as exc:  # named, summarised, no traceback
        known = isinstance(exc, (PractiTestError, reports.ReportError))
        code = exit_code_of(exc) if known else EXIT_NOT_UPLOADED
        # an answer nobody foresaw may quote anything: scrub what is printed of it
        error = redact(str(exc) if known else unexpected(exc), *secrets)
        print(f"practitest-async: {error}", file=sys.stderr)
        print_partial(run)
        write_summary(summary_path, summary_after_error(run, code, error, summarise, **empty))
        return code
