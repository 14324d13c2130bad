"""The ``practitest-async`` command: upload JUnit results, try it on the emulator, check a set-up.

Exit codes: 0 every result uploaded; 1 some results not uploaded (listed); 2 usage or
configuration error; 3 authentication or permission refused; 4 an input file could not be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import junit
from .batch.report import UploadPlan, UploadReport
from .client import Client
from .errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    PractiTestError,
)
from .progress import progress_for
from .settings import Settings, load_settings

EXIT_OK, EXIT_NOT_UPLOADED, EXIT_USAGE, EXIT_AUTH, EXIT_INPUT = 0, 1, 2, 3, 4


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

    up = sub.add_parser("upload", help="upload JUnit XML results", allow_abbrev=False)
    up.add_argument("paths", nargs="+", help="JUnit XML files, directories or glob patterns")
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
    up.add_argument("--dry-run", action="store_true", help="plan the calls, write nothing")
    up.add_argument("--summary-json", type=Path, help="write a JSON summary here")
    up.add_argument("--name-template", help="test name from {classname} {name} {file} {suite}")
    up.add_argument("--skipped", choices=("no-run", "omit"), default="no-run")
    up.add_argument("--attach-output", action="store_true", help="attach system-out/err")
    up.add_argument("--fail-fast", action="store_true", help="stop at the first bad file")
    _connection_flags(up)

    demo = sub.add_parser("demo", help="upload the examples to the built-in emulator")
    demo.add_argument("--window", type=float, default=2.0, help="rate window, seconds")

    emu = sub.add_parser("emulator", help="serve the PractiTest emulator on loopback")
    emu.add_argument("--port", type=int, default=8765)
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--limit", type=int, default=30, help="calls per window")
    emu.add_argument("--window", type=float, default=60.0, help="window, seconds")

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

            return asyncio.run(run_demo(window=args.window, out=sys.stdout))
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
    except junit.JUnitError as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except PractiTestError as exc:
        print(f"practitest-async: {exc}", file=sys.stderr)
        return EXIT_NOT_UPLOADED
    except KeyboardInterrupt:
        print("practitest-async: interrupted", file=sys.stderr)
        return 130


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
    """``practitest-async upload``: stream the reports' results into PractiTest."""
    project, test_set = settings.require_upload_target()
    paths = junit.expand_paths(args.paths)
    if not paths:
        raise junit.JUnitError(args.paths[0], "no report files matched")
    input_errors: list[junit.JUnitError] = []
    results = junit.iter_results(
        paths,
        name_template=settings.name_template,
        skipped=args.skipped,
        attach_output=args.attach_output,
        fail_fast=args.fail_fast,
        errors=input_errors,
    )
    async with settings.client() as client:
        test_set = await resolve_set(client, project, test_set)
        if args.dry_run:
            plan = await client.plan_upload(
                project,
                results,
                test_set=test_set,
                create_missing=settings.create_missing,
                journal=settings.journal,
            )
            code = exit_code(plan.fatal_error, input_errors, ok=not plan.failures)
            print(f"Dry run, nothing written: {plan.summary()}", file=out)
            _write_summary(args.summary_json, plan_summary(plan, input_errors, code))
            return code
        with progress_for(out) as show:
            up = client.uploader(
                project,
                test_set=test_set,
                create_missing=settings.create_missing,
                version=settings.version,
                journal=settings.journal,
                progress=show,
                raise_on_failure=False,
                expected_results=count_test_cases(paths),
            )
            try:
                async with up:
                    for result in results:
                        await up.add(result)
            except junit.JUnitError as stop:  # --fail-fast: what was read is still sent
                input_errors.append(stop)
    report = up.report
    code = exit_code(report.fatal_error, input_errors, ok=report.ok)
    print_report(report, input_errors, out)
    _write_summary(args.summary_json, report_summary(report, input_errors, code))
    return code


async def resolve_set(client: Client, project: int, test_set: str | int) -> str | int:
    """``--set`` in digits is a set id when such a set exists, else a name ("20240518")."""
    if isinstance(test_set, str):
        return test_set
    try:
        await client.sets.get(project, test_set)
    except NotFoundError:
        return str(test_set)
    return test_set


def count_test_cases(paths: Sequence[Path]) -> int:
    """A quick estimate of the results to come (for the progress bar's total and ETA): the
    ``<testcase`` tags in the files, counted on raw bytes without parsing."""
    tag, total = b"<testcase", 0
    for path in paths:
        tail = b""
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    block = tail + chunk
                    total += block.count(tag)
                    tail = block[-(len(tag) - 1) :]
        except OSError:
            continue  # the parser reports unreadable files with their reason
    return total


def exit_code(
    fatal: PractiTestError | None, input_errors: Sequence[junit.JUnitError], *, ok: bool
) -> int:
    """0, or the most important problem: auth (3), then bad input (4), then not uploaded (1)."""
    if isinstance(fatal, (AuthenticationError, PermissionDeniedError)):
        return EXIT_AUTH
    if input_errors:
        return EXIT_INPUT
    return EXIT_OK if ok and fatal is None else EXIT_NOT_UPLOADED


def print_report(
    report: UploadReport, input_errors: Sequence[junit.JUnitError], out: TextIO
) -> None:
    """The end of an upload, for a person."""
    print(f"PractiTest: {report.summary()}; set id {report.set_id}", file=out)
    for failure in report.failed[:50]:
        print(f"  not uploaded: {failure.result.name}: {failure.error}", file=out)
    if len(report.failed) > 50:
        print(f"  ... and {len(report.failed) - 50} more (see --summary-json)", file=out)
    for error in input_errors:
        print(f"  input error: {error}", file=out)


def report_summary(
    report: UploadReport, input_errors: Sequence[junit.JUnitError], code: int
) -> dict[str, Any]:
    """The summary JSON for the next CI step."""
    return {
        "exit_code": code,
        "ok": report.ok and not input_errors,
        "uploaded": report.uploaded,
        "already_uploaded": report.already_uploaded,
        "failed": [{"name": f.result.name, "key": f.key, "error": f.error} for f in report.failed],
        "input_errors": [str(e) for e in input_errors],
        "set_id": report.set_id,
        "created_tests": report.created_tests,
        "created_instances": report.created_instances,
        "run_ids": report.run_ids,
        "api_calls": report.api_calls,
        "rate_limit_pauses": report.rate_limit_pauses,
        "elapsed_seconds": round(report.elapsed, 3),
    }


def plan_summary(
    plan: UploadPlan, input_errors: Sequence[junit.JUnitError], code: int
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
        "would_fail": [{"name": f.result.name, "error": f.error} for f in plan.failures],
        "fatal_error": None if plan.fatal_error is None else str(plan.fatal_error),
        "input_errors": [str(e) for e in input_errors],
    }


def _write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
