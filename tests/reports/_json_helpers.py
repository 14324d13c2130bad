"""Helpers for the Robot and JSON reader tests: the shared corpus, reading a file, heads."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from practitest_async.batch.results import RunResult, Status
from practitest_async.reports._base import Head, ReaderOptions, Report, ReportError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "report-corpus"

Reader = Callable[[Path, ReaderOptions, Report], Iterator[RunResult]]


def corpus_file(folder: str, name: str) -> Path:
    """A file of the shared report corpus; the test is skipped when the corpus is absent."""
    path = CORPUS / folder / name
    if not path.is_file():
        pytest.skip(f"shared report corpus not found at {CORPUS}")
    return path


def corpus_names(folder: str) -> set[str]:
    """The names of the corpus files in ``folder``; the test is skipped when it is absent."""
    if not (CORPUS / folder).is_dir():
        pytest.skip(f"shared report corpus not found at {CORPUS}")
    return {p.name for p in (CORPUS / folder).iterdir() if p.is_file()}


def read_all(read: Reader, path: Path, **options: Any) -> tuple[list[RunResult], list[ReportError]]:
    """Every result of ``path`` and the problems reported on the way."""
    problems: list[ReportError] = []
    results = list(read(path, ReaderOptions(**options), problems.append))
    return results, problems


def statuses(results: list[RunResult]) -> Counter[str]:
    return Counter(r.status.value for r in results)


def counts(passed: int = 0, failed: int = 0, no_run: int = 0, **other: int) -> Counter[str]:
    """Expected statuses: ``counts(2, 1, not_completed=1)``."""
    wanted = {
        Status.PASSED.value: passed,
        Status.FAILED.value: failed,
        Status.NO_RUN.value: no_run,
        Status.NOT_COMPLETED.value: other.pop("not_completed", 0),
        Status.BLOCKED.value: other.pop("blocked", 0),
    }
    assert not other, f"unknown statuses {other}"
    return Counter({k: v for k, v in wanted.items() if v})


def write_json(tmp_path: Path, data: Any, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def json_head(value: Any) -> Head:
    """The :class:`Head` detection would see for a JSON document ``value``."""
    if isinstance(value, list):
        first = value[0] if value and isinstance(value[0], dict) else {}
        return Head(kind="json", json_type="array", json_keys=frozenset(first))
    return Head(kind="json", json_type="object", json_keys=frozenset(value))


def by_name(results: list[RunResult]) -> dict[str, RunResult]:
    return {r.name: r for r in results}
