"""Helpers for the tests of the XML readers (TestNG, NUnit, xUnit.net, TRX)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from practitest_async.batch.results import RunResult
from practitest_async.reports import ReaderOptions, ReportError

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "report-corpus"


def corpus_file(folder: str, name: str) -> Path:
    """A file of ``../shared/report-corpus``; the test is skipped when the corpus is absent."""
    path = CORPUS / folder / name
    if not path.is_file():
        pytest.skip(f"report corpus not available ({path})")
    return path


def corpus_names(*folders: str) -> set[str]:
    """The names of the files in corpus ``folders``; the test is skipped when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"report corpus not available ({CORPUS})")
    return {p.name for folder in folders for p in (CORPUS / folder).iterdir() if p.is_file()}


def read(module: ModuleType, path: Path, **options: Any) -> list[RunResult]:
    """Every result of ``path``; a problem reported (not raised) fails the test."""
    problems: list[ReportError] = []
    results = list(module.read(path, ReaderOptions(**options), problems.append))
    assert problems == []
    return results


def read_text(module: ModuleType, tmp_path: Path, xml: str, **options: Any) -> list[RunResult]:
    path = tmp_path / "report.xml"
    path.write_text(xml, encoding="utf-8")
    return read(module, path, **options)


def statuses(results: list[RunResult]) -> dict[str, int]:
    return dict(Counter(r.status.value for r in results))


def by_name(results: list[RunResult]) -> dict[str, RunResult]:
    found = {r.name: r for r in results}
    assert len(found) == len(results), "names repeat"
    return found


ENTITIES = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
"""
