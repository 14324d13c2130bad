"""Test reports in, :class:`~practitest_async.RunResult` out: every format CI writes.

One module per format (``junit``, ``testng``, ``nunit``, ``xunit``, ``trx``, ``robot``,
``cucumber``, ``ctrf``, ``xray_json``), each streaming; :mod:`.detect` tells them apart by content.
:func:`read_reports` is the entry point for code, the same one the command uses::

    from practitest_async.reports import read_reports

    async with client.uploader(project, test_set="nightly") as up:
        for result in read_reports(["build/test-results", "out/*.trx"], group_by="class"):
            await up.add(result)

A file is all or nothing: an XML file is checked whole (one fast pass of the C parser) before any
of its results is read, so a report cut short by a killed runner uploads nothing and is named
with the line and column of the cut; ``partial=True`` reads what precedes the cut instead. (A
reader whose module sets ``CHECKS_WHOLE_FILE`` makes that pass itself, as TRX's class index.)
"""

from __future__ import annotations

import glob
import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import cast

import attrs

from ..batch.results import RunResult, Status
from ._base import (
    GroupBy,
    Head,
    PathArg,
    ReaderModule,
    ReaderOptions,
    ReportError,
    SkippedMode,
    key_path,
    result_key,
)
from ._xmlstream import check_xml
from .detect import READERS, describe, detect_format, head_of, reader, readers
from .grouping import group_results

__all__ = [
    "Head",
    "ReaderOptions",
    "ReportError",
    "detect_format",
    "expand_paths",
    "key_path",
    "parse_status_map",
    "read_reports",
    "readers",
    "result_key",
]

log = logging.getLogger(__name__)

REPORT_SUFFIXES = frozenset({".xml", ".json", ".trx"})
"""What a directory is searched for (detection then reads each file's content)."""
_GLOB_MAGIC = re.compile(r"[*?[]")
_GROUPS = ("case", "class", "suite")


# -- which files -----------------------------------------------------------------------------------


def expand_paths(
    paths: Iterable[PathArg] | PathArg, *, suffixes: Iterable[str] = REPORT_SUFFIXES
) -> list[Path]:
    """Report files named by ``paths``: files as given, directories as every ``*.xml``,
    ``*.json`` and ``*.trx`` below them (sorted), glob patterns (``**`` included) as their
    matches (sorted). A path that does not exist is kept, so that reading it reports the error;
    duplicates are dropped. ``suffixes`` are what a directory is searched for."""
    found: list[Path] = []
    seen: set[str] = set()
    wanted = frozenset(suffixes)
    for raw in _as_list(paths):
        for path in _expand_one(raw, wanted):
            if (marker := os.path.abspath(path)) not in seen:
                seen.add(marker)
                found.append(path)
    return found


def _as_list(paths: Iterable[PathArg] | PathArg) -> list[PathArg]:
    # A lone string is iterable too, but means one path, not one path per character.
    return [paths] if isinstance(paths, str | os.PathLike) else list(paths)


def _expand_one(raw: PathArg, suffixes: frozenset[str] = REPORT_SUFFIXES) -> list[Path]:
    path = Path(raw)
    if path.is_dir():
        return _reports_below(path, suffixes)
    if path.exists() or not _GLOB_MAGIC.search(os.fspath(raw)):
        return [path]
    matches: list[Path] = []
    for match in sorted(glob.glob(os.fspath(raw), recursive=True)):
        if os.path.isdir(match):
            matches.extend(_reports_below(Path(match), suffixes))
        else:
            matches.append(Path(match))
    return matches


def _reports_below(directory: Path, suffixes: frozenset[str]) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix.lower() in suffixes and p.is_file())


# -- options ---------------------------------------------------------------------------------------


def parse_status_map(items: Iterable[str] | Mapping[str, Status | str] | None) -> dict[str, Status]:
    """``["inconclusive=FAILED", ...]`` (the command's ``--status-map``) or a mapping, checked:
    raw words lower-cased, statuses parsed (``"no run"``, ``"NO_RUN"``, ``Status.NO_RUN``)."""
    if not items:
        return {}
    pairs: list[tuple[str, Status | str]] = []
    if isinstance(items, Mapping):
        pairs = list(items.items())
    else:
        for item in items:
            raw, sep, status = item.partition("=")
            if not sep or not raw.strip():
                raise ValueError(
                    f"status map {item!r}: expected RAW=STATUS, e.g. inconclusive=FAILED"
                )
            pairs.append((raw, status))
    out: dict[str, Status] = {}
    for raw, status in pairs:
        try:
            parsed = (
                status
                if isinstance(status, Status)
                else Status.parse(status.strip().replace("_", " "))
            )
        except ValueError:
            known = ", ".join(s.value for s in Status)
            raise ValueError(
                f"status map {raw}={status}: unknown status (known: {known})"
            ) from None
        out[raw.strip().lower()] = parsed
    return out


# -- the entry point -------------------------------------------------------------------------------


def read_reports(
    paths: Iterable[PathArg] | PathArg,
    *,
    format: str | None = None,
    status_map: Mapping[str, Status | str] | Iterable[str] | None = None,
    group_by: GroupBy = "case",
    name_template: str = "{classname}.{name}",
    skipped: SkippedMode = "no-run",
    attach_output: bool = False,
    errors: list[ReportError] | None = None,
    fail_fast: bool = False,
    partial: bool = False,
    suffixes: Iterable[str] = REPORT_SUFFIXES,
) -> Iterator[RunResult]:
    """Yield a :class:`RunResult` per result in the reports at ``paths``, in any known format.

    ``paths`` are files, directories (every ``*.xml``/``*.json``/``*.trx`` below, sorted) or glob
    patterns. Each file's format is detected from its content unless ``format`` names one
    (``"junit"``, ``"nunit"``...). ``status_map`` overrides the mapping of raw status words
    (``{"inconclusive": "FAILED"}``); ``group_by="class"`` or ``"suite"`` makes each class or
    suite one result with a step per case (see :mod:`.grouping`).

    A problem (unreadable, malformed, truncated or foreign file, a path with no report, a case
    that cannot become a result) raises :class:`ReportError`, unless ``errors`` is a list: then it
    is appended there and reading goes on with the next case or file (``fail_fast=True`` raises
    anyway). A broken file yields nothing (``partial=True``: what precedes the break). The options
    are checked at once, before any file is read.
    """
    if skipped not in ("no-run", "omit"):
        raise ValueError(f"skipped must be 'no-run' or 'omit', not {skipped!r}")
    if group_by not in _GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(_GROUPS)}, not {group_by!r}")
    forced = _forced(format) if format is not None else None
    from ._common import check_template

    check_template(name_template)
    options = ReaderOptions(
        name_template=name_template,
        skipped=skipped,
        attach_output=attach_output,
        status_map=parse_status_map(status_map),
    )

    def report(error: ReportError) -> None:
        if errors is None or fail_fast:
            raise error
        errors.append(error)

    reading = _Reading(forced, options, report, group_by, partial, frozenset(suffixes))
    return _read_all(_as_list(paths), reading)


def _forced(name: str) -> ReaderModule:
    """The reader ``format=`` names: its module alone is imported when it is one of ours (the
    others load only for detection); :func:`.detect.reader` says what is wrong otherwise."""
    if name in READERS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            module = None
        if getattr(module, "NAME", None) == name:
            return cast(ReaderModule, module)
    return reader(name)


@attrs.frozen
class _Reading:
    forced: ReaderModule | None
    options: ReaderOptions
    report: Callable[[ReportError], None]
    group_by: GroupBy
    partial: bool
    suffixes: frozenset[str]


def _read_all(raws: list[PathArg], reading: _Reading) -> Iterator[RunResult]:
    seen: set[str] = set()
    for raw in raws:
        files = _expand_one(raw, reading.suffixes)
        if not files:
            reading.report(ReportError(raw, "no report file found there"))
        for path in files:
            if (marker := os.path.abspath(path)) in seen:
                continue
            seen.add(marker)
            try:
                results = _open_file(path, reading)
                first = next(results, None)
                if first is None:
                    log.warning("%s: no test results in it (an empty report)", path)
                else:  # the rest without a Python loop of ours per result
                    yield first
                    yield from results
            except ReportError as error:
                reading.report(error)


def _open_file(path: Path, reading: _Reading) -> Iterator[RunResult]:
    head = head_of(path)
    module = reading.forced or next((m for m in readers().values() if m.sniff(head)), None)
    if module is None:
        raise ReportError(path, f"not a report in a known format: {describe(head)}")
    if (
        head.kind == "xml"
        and not reading.partial
        and not getattr(module, "CHECKS_WHOLE_FILE", False)
    ):
        check_xml(path)  # all or nothing: a broken file is named before any of its results
    results = module.read(path, reading.options, reading.report)
    return group_results(results, path, reading.group_by)
