"""JUnit XML reports in, :class:`RunResult`s out (kept for code written against it).

The reader lives in :mod:`practitest_async.reports.junit` now, next to the other formats;
:func:`practitest_async.reports.read_reports` reads them all. This module keeps the names users
import: :func:`iter_results` (JUnit only, as before), :func:`expand_paths`, :class:`JUnitError`
(the same class as :class:`~practitest_async.reports.ReportError`) and ``REFUSED``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .batch.results import RunResult, Status
from .reports import expand_paths as _expand_reports
from .reports import read_reports
from .reports._base import GroupBy, PathArg, ReportError, SkippedMode
from .reports.junit import REFUSED, JUnitError

__all__ = ["REFUSED", "JUnitError", "ReportError", "expand_paths", "iter_results"]


def iter_results(
    paths: Iterable[PathArg] | PathArg,
    *,
    name_template: str = "{classname}.{name}",
    skipped: SkippedMode = "no-run",
    attach_output: bool = False,
    fail_fast: bool = False,
    errors: list[JUnitError] | None = None,
    status_map: Mapping[str, Status | str] | None = None,
    group_by: GroupBy = "case",
    partial: bool = False,
) -> Iterator[RunResult]:
    """Yield a :class:`RunResult` per test case in the JUnit XML reports at ``paths``: the same
    as :func:`~practitest_async.reports.read_reports` with ``format="junit"``."""
    return read_reports(
        paths,
        format="junit",
        name_template=name_template,
        skipped=skipped,
        attach_output=attach_output,
        fail_fast=fail_fast,
        errors=errors,
        status_map=status_map,
        group_by=group_by,
        partial=partial,
        suffixes=_XML,
    )


_XML = frozenset({".xml"})


def expand_paths(paths: Iterable[PathArg] | PathArg) -> list[Path]:
    """JUnit report files named by ``paths``: files as given, directories as every ``*.xml``
    below them (sorted), glob patterns as their matches (see
    :func:`practitest_async.reports.expand_paths`, which also takes ``*.json`` and ``*.trx``)."""
    return _expand_reports(paths, suffixes=_XML)
