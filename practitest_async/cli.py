"""The ``practitest-async`` command: upload test reports, try it on the emulator, check a set-up.

Exit codes: 0 every result uploaded; 1 some results not uploaded (listed); 2 usage or
configuration error; 3 authentication or permission refused; 4 an input file could not be read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import reports
from .batch.journal import Journal, JournalError, JournalWriteError
from .batch.report import UploadPlan, UploadReport, human_duration
from .cli_common import (
    EXIT_AUTH,
    EXIT_INPUT,
    EXIT_NOT_UPLOADED,
    EXIT_OK,
    EXIT_USAGE,
    Run,
    add_cache_flags,
    add_report_flags,
    count_results,
    exit_code,
    feed,
    guarded_upload,
    read_options,
    unexpected,
    upload_cache,
    write_summary,
)
from .client import Client
from .errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    PractiTestError,
)
from .progress import progress_for
from .redaction import Secret, credential_secrets
from .settings import Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shown by ``practitest-async --help``)."""
    parser = argparse.ArgumentParser(
        prog="practitest-async",
        allow_abbrev=False,  # "--token x" must not pass as "--token-file x"
        description="Upload automated test results to PractiTest, fast and exactly once.",
        epilog="Exit codes: 0 all uploaded, 1 some not uploaded, 2 usage/configuration, "
        "3 authentication/permission, 4 input file error. The token comes from "
        "PRACTITEST_TOKEN or --token-file, never from a flag.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser(
        "upload",
        help="upload test reports (JUnit, TestNG, NUnit, xUnit.net, TRX, Robot, Cucumber, CTRF, "
        "Xray JSON)",
        allow_abbrev=False,
    )
    up.add_argument("paths", nargs="+", help="report files, directories or glob patterns")
    up.add_argument("--project", type=int, help="project id (PRACTITEST_PROJECT)")
    up.add_argument("--set", dest="test_set", help="test set name or id (PRACTITEST_SET)")
    up.add_argument(
        "--create-missing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="create tests that do not exist yet (default: yes)",
    )
    up.add_argument("--version", help="the version the runs report on")
    up.add_argument("--journal", help="SQLite journal: re-runs send only what is missing")
    add_cache_flags(up)
    up.add_argument("--dry-run", action="store_true", help="plan the calls, write nothing")
    up.add_argument("--summary-json", type=Path, help="write a JSON summary here")
    up.add_argument("--name-template", help="test name from {classname} {name} {file} {suite}")
    up.add_argument("--skipped", choices=("no-run", "omit"), default="no-run")
    up.add_argument("--attach-output", action="store_true", help="attach system-out/err")
    up.add_argument("--fail-fast", action="store_true", help="stop at the first bad file")
    add_report_flags(up)
    _connection_flags(up)

    demo = sub.add_parser("demo", help="upload the examples to the built-in emulator")
    demo.add_argument("--window", type=float, default=2.0, help="rate window, seconds")

    emu = sub.add_parser("emulator", help="serve the PractiTest emulator on loopback")
    emu.add_argument("--port", type=int, default=8765)
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--limit", type=int, default=30, help="calls per window")
    emu.add_argument("--window", type=float, default=60.0, help="window, seconds")

    from .xray.cli import add_parser as add_xray_parser

    add_xray_parser(sub)  # practitest-async xray upload ... (issue 13)

    for name in ("projects", "whoami"):
        who = sub.add_parser(name, help="list the projects the token can see", allow_abbrev=False)
        _connection_flags(who)
    return parser


def _connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token-file", help="read the token from this file")
    parser.add_argument("--base-url", help="API base URL (PRACTITEST_BASE_URL)")
    parser.add_argument("--auth", choices=("header", "basic", "query"))
    parser.add_argument("--rate-limit", type=int, help="calls per minute for the account")
    parser.add_argument(
        "--limiter",
        metavar="URL",
        help="where the account's budget is shared: local, sqlite:///PATH or redis://HOST:PORT/DB "
        "(PRACTITEST_LIMITER; default: a file in the user cache, shared by this host)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "emulator":
            from .testing.__main__ import main as serve

            port, limit, window = str(args.port), str(args.limit), str(args.window)
            return serve(
                ["--port", port, "--host", args.host, "--limit", limit, "--window", window]
            )
        if args.command == "demo":
            from .demo import run_demo

            return asyncio.run(run_demo(window=args.window, out=sys.stdout, upload=_demo_upload))
        if args.command == "xray":
            from .xray.cli import run as run_xray

            return run_xray(args)
        settings = load_settings(_flags(args))
        if args.command in ("projects", "whoami"):
            return asyncio.run(list_projects(settings, sys.stdout))
        return asyncio.run(upload(settings, args, sys.stdout))
    except ConfigurationError as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (AuthenticationError, PermissionDeniedError) as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_AUTH
    except reports.ReportError as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except PractiTestError as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_NOT_UPLOADED
    except KeyboardInterrupt:
        print("practitest-async: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours or an answer nobody foresaw: say it, no traceback
        print(f"practitest-async: {unexpected(exc)}", file=sys.stderr)
        return EXIT_NOT_UPLOADED


def per_class_note(paths: Sequence[Path], options: dict[str, Any], plan: UploadPlan) -> str:
    """What ``--test-per class`` would cost where a first upload makes a test per case: one
    test (and so at most one auto_create) per class, a step per case."""
    classes = count_results(paths, {**options, "group_by": "class"})
    calls = classes + plan.calls.get("create set", 0)
    seconds = calls / plan.calls_per_second if plan.calls_per_second else 0.0
    return (
        f"  with --test-per class: {classes} results (a test per class, a step per case), "
        f"at most {calls} write calls, about {human_duration(seconds)}"
    )


async def _demo_upload(settings: Settings, path: Path, out: TextIO) -> int:
    """The demo's upload: the command's own, with its defaults for every flag."""
    return await upload(settings, build_parser().parse_args(["upload", str(path)]), out)


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    names = [
        *("base_url", "auth", "rate_limit", "token_file", "project", "test_set", "version"),
        *("create_missing", "journal", "name_template", "limiter"),
    ]
    return {name: getattr(args, name, None) for name in names}


async def list_projects(settings: Settings, out: TextIO) -> int:
    """``practitest-async projects``: what the configured token can see."""
    async with settings.client() as client:
        count = 0
        async for project in client.projects.list():
            print(f"{project.id}\t{project.name}", file=out)
            count += 1
    print(f"{count} projects visible at {settings.base_url}", file=out)
    return EXIT_OK


async def upload(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """``practitest-async upload``: stream the reports' results into PractiTest.

    The summary JSON (``--summary-json``) is written however the upload ends: done, stopped by
    an error (its ``error``), or by SIGINT/SIGTERM (its ``interrupted``)."""
    run: Run[UploadReport] = Run()
    return await guarded_upload(
        run,
        lambda: _upload(settings, args, out, run),
        summary_path=args.summary_json,
        summarise=report_summary,
        print_partial=lambda run: _print_partial(run, out),
        secrets=_secrets(settings),
    )


async def _upload(
    settings: Settings, args: argparse.Namespace, out: TextIO, run: Run[UploadReport]
) -> int:
    project, test_set = settings.require_upload_target()
    paths = reports.expand_paths(args.paths)
    if not paths:
        raise reports.ReportError(args.paths[0], "no report files matched")
    input_errors = run.input_errors
    options = read_options(args, settings.name_template)
    try:
        results = reports.read_reports(
            paths, fail_fast=args.fail_fast, errors=input_errors, **options
        )
    except ValueError as exc:  # a name template or option the readers cannot use
        raise ConfigurationError(str(exc)) from None
    cache = upload_cache(args, settings.base_url)
    with _open_journal(settings.journal) as journal:
        async with settings.client() as client:
            test_set = await resolve_set(client, project, test_set)
            if args.dry_run:
                plan = await client.plan_upload(
                    project,
                    results,
                    test_set=test_set,
                    create_missing=settings.create_missing,
                    journal=journal,
                    cache=cache,
                )
                code = exit_code(plan.fatal_error, input_errors, ok=not plan.failures)
                print(f"Dry run, nothing written: {plan.summary()}", file=out)
                if plan.calls.get("auto_create") and options["group_by"] == "case":
                    print(per_class_note(paths, options, plan), file=out)
                write_summary(args.summary_json, plan_summary(plan, input_errors, code))
                return code
            with progress_for(out) as show:
                up = run.uploader = client.uploader(
                    project,
                    test_set=test_set,
                    create_missing=settings.create_missing,
                    version=settings.version,
                    journal=journal,
                    progress=show,
                    raise_on_failure=False,
                    expected_results=count_results(paths, options),
                    cache=cache,
                )
                await feed(up, results, input_errors)
    report = up.report
    code = exit_code(report.fatal_error, input_errors, ok=report.ok)
    print_report(report, input_errors, out)
    write_summary(args.summary_json, report_summary(report, input_errors, code))
    return code


@contextlib.contextmanager
def _open_journal(path: str | None) -> Iterator[Journal | None]:
    """The journal, opened here so that a path that cannot be one is a clear usage error (exit
    2) before anything is sent; closed when the upload is over."""
    if path is None:
        yield None
        return
    try:
        journal = Journal(path)  # checks the path, the file and its format
    except JournalError as exc:
        raise ConfigurationError(str(exc)) from exc
    try:
        yield journal
    except JournalWriteError as exc:  # the journal failed mid-upload (disk full, replaced...)
        raise JournalFailedError(str(exc)) from exc
    finally:
        with contextlib.suppress(sqlite3.Error):
            journal.close()


class JournalFailedError(PractiTestError):
    """The journal could not record the upload's progress (exit 1)."""


def _secrets(settings: Settings) -> tuple[Secret, ...]:
    return credential_secrets(settings.token, settings.email)


def _print_partial(run: Run[UploadReport], out: TextIO) -> None:
    if run.uploader is not None:
        print_report(run.uploader.report, run.input_errors, out)


async def resolve_set(client: Client, project: int, test_set: str | int) -> str | int:
    """``--set`` in digits is a set id when such a set exists, else a name ("20240518")."""
    if isinstance(test_set, str):
        return test_set
    try:
        await client.sets.get(project, test_set)
    except NotFoundError:
        return str(test_set)
    return test_set


def print_report(
    report: UploadReport, input_errors: Sequence[reports.ReportError], out: TextIO
) -> None:
    """The end of an upload, for a person."""
    print(f"PractiTest: {report.summary()}; set id {report.set_id}", file=out)
    if report.fatal_error is not None:
        print(f"  stopped: {report.fatal_error}", file=out)
    for failure in report.failed[:50]:
        print(f"  not uploaded: {failure.result.name}: {failure.error}", file=out)
    if len(report.failed) > 50:
        print(f"  ... and {len(report.failed) - 50} more (see --summary-json)", file=out)
    for error in input_errors:
        print(f"  input error: {error}", file=out)


def report_summary(
    report: UploadReport, input_errors: Sequence[reports.ReportError], code: int
) -> dict[str, Any]:
    """The summary JSON for the next CI step."""
    return {
        "exit_code": code,
        "ok": report.ok and not input_errors,
        "uploaded": report.uploaded,
        "already_uploaded": report.already_uploaded,
        # written an item at a time (write_summary): past 1,000 they come from a file
        "failed": ({"name": f.result.name, "key": f.key, "error": f.error} for f in report.failed),
        "input_errors": [str(e) for e in input_errors],
        "set_id": report.set_id,
        "created_tests": report.created_tests,
        "created_instances": report.created_instances,
        "run_ids": report.run_ids,  # written an item at a time (write_summary)
        "api_calls": report.api_calls,
        "rate_limit_pauses": report.rate_limit_pauses,
        "elapsed_seconds": round(report.elapsed, 3),
        "error": None if report.fatal_error is None else str(report.fatal_error),
        "interrupted": None,
    }


def plan_summary(
    plan: UploadPlan, input_errors: Sequence[reports.ReportError], code: int
) -> dict[str, Any]:
    """The summary JSON of a dry run."""
    return {
        "exit_code": code,
        "dry_run": True,
        "results": plan.results,
        "already_uploaded": plan.already_uploaded,
        "set_id": plan.set_id,
        "set_exists": plan.set_exists,
        "calls": plan.calls,
        "write_calls": plan.write_calls,
        "lookup_calls": plan.lookup_calls,
        "estimated_seconds": round(plan.estimated_seconds, 1),
        "would_fail": ({"name": f.result.name, "error": f.error} for f in plan.failures),
        "fatal_error": None if plan.fatal_error is None else str(plan.fatal_error),
        "input_errors": [str(e) for e in input_errors],
    }
