"""``practitest-async xray upload PATHS... --project KEY``: the same inputs, progress, exit codes
and summary JSON as ``upload``, into Xray. Credentials come from ``XRAY_*`` variables only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .. import reports
from ..batch.results import RunResult
from ..cli_common import (
    Run,
    add_report_flags,
    count_results,
    exit_code,
    feed,
    guarded_upload,
    read_options,
    write_summary,
)
from ..redaction import MIN_SECRET_CHARS, Secret

if TYPE_CHECKING:
    from .uploader import XrayReport

XRAY_SECRETS = ("TOKEN", "PASSWORD", "CLIENT_SECRET")  # XRAY_* variables never printed

ENV_HELP = (
    "Credentials come from the environment, never from flags: XRAY_BASE_URL, and XRAY_TOKEN "
    "(a Personal Access Token) or XRAY_USERNAME + XRAY_PASSWORD for Server/DC, or "
    "XRAY_CLIENT_ID + XRAY_CLIENT_SECRET for Cloud; XRAY_FLAVOR, XRAY_LIMITER and "
    "XRAY_LIMITER_KEY (the budget's name, shared by API keys given the same) optional."
)


def add_parser(sub: Any) -> None:
    """Register ``xray upload`` on the main command's subparsers."""
    xray = sub.add_parser("xray", help="upload results to Xray (Jira)", allow_abbrev=False)
    xsub = xray.add_subparsers(dest="xray_command", required=True)
    up = xsub.add_parser(
        "upload",
        help="upload report files into one Xray Test Execution",
        description="Upload test reports to Xray Server/DC or Cloud, exactly once.",
        epilog=ENV_HELP,
        allow_abbrev=False,
    )
    up.add_argument("paths", nargs="+", help="report files, directories or glob patterns")
    up.add_argument("--project", required=True, help="Jira project key (e.g. CALC)")
    up.add_argument("--execution", help="import into this existing Test Execution (key)")
    up.add_argument("--test-plan", help="link the new Test Execution to this Test Plan (key)")
    up.add_argument("--summary", help="summary of the new Test Execution")
    up.add_argument("--version", help="Fix Version of the new Test Execution")
    up.add_argument("--revision", help="revision (e.g. the commit) of the new Test Execution")
    up.add_argument("--environment", action="append", default=[], help="test environment")
    up.add_argument("--journal", help="SQLite journal: re-runs send only what is missing")
    up.add_argument("--dry-run", action="store_true", help="print the plan, send nothing")
    up.add_argument("--summary-json", type=Path, help="write a JSON summary here")
    up.add_argument("--name-template", default="{classname}.{name}", help="test name template")
    up.add_argument("--skipped", choices=("no-run", "omit"), default="no-run")
    up.add_argument("--attach-output", action="store_true", help="attach system-out/err")
    up.add_argument("--fail-fast", action="store_true", help="stop at the first bad file")
    up.add_argument("--base-url", help="Jira URL (Server/DC) or Xray Cloud's (XRAY_BASE_URL)")
    up.add_argument("--flavor", choices=("server", "cloud"), help="default: from the URL")
    up.add_argument(
        "--limiter",
        help="the instance's call budget: local (this process alone), sqlite:///PATH or "
        "redis://HOST:PORT/DB (XRAY_LIMITER; default: a file in the user cache, shared by this "
        "host)",
    )
    add_report_flags(up)
    up.add_argument(
        "--xray-status",
        action="append",
        default=[],
        metavar="OURS=XRAY",
        help="send our status OURS as Xray status XRAY (e.g. BLOCKED=BLOCKED, a custom status)",
    )
    up.add_argument(
        "--enterprise", action="store_true", help="Xray Cloud Enterprise: 1,000 calls per 5 min"
    )


def read_results(
    paths: Sequence[Path],
    args: argparse.Namespace,
    errors: list[reports.ReportError],
    options: dict[str, Any],
) -> Iterator[RunResult]:
    """THE one place report files become results for Xray: every format ``upload`` reads."""
    return reports.read_reports(paths, fail_fast=args.fail_fast, errors=errors, **options)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``xray <command>``; returns the exit code (errors map as in ``cli.main``)."""
    return asyncio.run(upload(args, out or sys.stdout))


async def upload(args: argparse.Namespace, out: TextIO) -> int:
    """``xray upload``: as ``upload``, the summary JSON (``--summary-json``) is written however
    it ends: done, stopped by an error (its ``error``), or by SIGINT/SIGTERM (its
    ``interrupted``)."""
    run: Run[XrayReport] = Run()
    return await guarded_upload(
        run,
        lambda: _upload(args, out, run),
        summary_path=args.summary_json,
        summarise=report_summary,
        print_partial=lambda run: _print_partial(run, out),
        secrets=_secrets(),
        target="xray",
    )


async def _upload(args: argparse.Namespace, out: TextIO, run: Run[XrayReport]) -> int:
    from ..progress import progress_for
    from .client import XrayClient, cloud_rate_limit

    paths = reports.expand_paths(args.paths)
    if not paths:
        raise reports.ReportError(args.paths[0], "no report files matched")
    input_errors = run.input_errors
    options = read_options(args, args.name_template)
    results = read_results(paths, args, input_errors, options)
    overrides: dict[str, Any] = {"base_url": args.base_url, "flavor": args.flavor}
    if args.limiter:
        overrides["limiter"] = args.limiter
    if args.xray_status:
        overrides["status_map"] = _status_map(args.xray_status)
    if args.enterprise:
        overrides["rate_limit"] = cloud_rate_limit(enterprise=True)
    client = XrayClient.from_env(**overrides)
    target: dict[str, Any] = {
        "project_key": args.project,
        "test_execution_key": args.execution,
        "journal": args.journal,
    }
    async with client:
        if args.dry_run:
            plan = await client.plan_upload(
                results,
                summary=args.summary,
                test_plan_key=args.test_plan,
                version=args.version,
                revision=args.revision,
                **target,
            )
            code = exit_code(None, input_errors, ok=True)
            print(f"Dry run, nothing sent: {plan.summary()}", file=out)
            write_summary(args.summary_json, plan_summary(plan, input_errors, code))
            return code
        with progress_for(out, label="Xray") as show:
            up = client.uploader(
                summary=args.summary,
                test_plan_key=args.test_plan,
                version=args.version,
                revision=args.revision,
                environments=args.environment,
                progress=show,
                expected_results=count_results(paths, options),
                **target,
            )
            run.uploader = up
            await feed(up, results, input_errors)
    report = up.report
    code = exit_code(report.fatal_error, input_errors, ok=report.ok)
    print_report(report, input_errors, out)
    write_summary(args.summary_json, report_summary(report, input_errors, code))
    return code


def print_report(
    report: XrayReport, input_errors: Sequence[reports.ReportError], out: TextIO
) -> None:
    """The end of an upload, for a person."""
    print(f"Xray: {report.summary()}", file=out)
    for failure in report.failed[:50]:
        print(f"  not uploaded: {failure.result.name}: {failure.error}", file=out)
    if len(report.failed) > 50:
        print(f"  ... and {len(report.failed) - 50} more (see --summary-json)", file=out)
    if report.fatal_error is not None:
        print(f"  stopped: {report.fatal_error}", file=out)
    for error in input_errors:
        print(f"  input error: {error}", file=out)


def _print_partial(run: Run[XrayReport], out: TextIO) -> None:
    if run.uploader is not None:
        print_report(run.uploader.report, run.input_errors, out)


def _secrets() -> tuple[Secret, ...]:
    """The Xray credentials in the environment, never to be printed."""
    values = (os.environ.get(f"XRAY_{name}", "").strip() for name in XRAY_SECRETS)
    return tuple(Secret(v) for v in values if len(v) >= MIN_SECRET_CHARS)


def _status_map(pairs: Sequence[str]) -> dict[str, str]:
    from ..errors import ConfigurationError
    from ..models import RunStatus

    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        try:
            status = RunStatus.parse(ours)
        except ValueError as exc:
            raise ConfigurationError(f"--xray-status {pair!r}: {exc}") from None
        if not sep or not theirs.strip():
            raise ConfigurationError(f"--xray-status {pair!r}: expected OURS=XRAY")
        mapping[status.value] = theirs.strip()
    return mapping


def report_summary(
    report: XrayReport, input_errors: Sequence[Exception], code: int
) -> dict[str, Any]:
    """The summary JSON: ``upload``'s keys where they mean the same, plus Xray's own."""
    return {
        "exit_code": code,
        "ok": report.ok and not input_errors,
        "target": "xray",
        "uploaded": report.uploaded,
        "already_uploaded": report.already_uploaded,
        "failed": [{"name": f.result.name, "key": f.key, "error": f.error} for f in report.failed],
        "input_errors": [str(e) for e in input_errors],
        "test_execution_key": report.test_execution_key,
        "created_execution": report.created_execution,
        "test_keys": report.test_keys,
        "imports": report.imports,
        "api_calls": report.api_calls,
        "bytes_sent": report.bytes_sent,
        "rate_limit_pauses": report.rate_limit_pauses,
        "fatal_error": None if report.fatal_error is None else str(report.fatal_error),
        "elapsed_seconds": round(report.elapsed, 3),
        "error": None if report.fatal_error is None else str(report.fatal_error),
        "interrupted": None,
    }


def plan_summary(plan: Any, input_errors: Sequence[Exception], code: int) -> dict[str, Any]:
    return {
        "exit_code": code,
        "dry_run": True,
        "target": "xray",
        "results": plan.results,
        "already_uploaded": plan.already_uploaded,
        "test_execution_key": plan.test_execution_key,
        "creates_execution": plan.creates_execution,
        "imports": plan.imports,
        "calls": plan.calls,
        "bytes": plan.bytes,
        "estimated_seconds": round(plan.estimated_seconds, 1),
        "input_errors": [str(e) for e in input_errors],
    }
