"""The XML readers stream: memory does not grow with the number of cases in the file."""

from __future__ import annotations

import importlib
import tracemalloc
from pathlib import Path

import pytest

from practitest_async.reports import ReaderOptions

try:  # tests/reports is a package where it has an __init__.py, a plain folder if not
    from ._xml_generate import MODULES, write
except ImportError:
    from _xml_generate import MODULES, write  # type: ignore[no-redef]


def _peak(fmt: str, path: Path) -> int:
    module = importlib.import_module(f"practitest_async.reports.{MODULES[fmt]}")
    tracemalloc.start()
    try:
        count = sum(1 for _ in module.read(path, ReaderOptions(), pytest.fail))
        return tracemalloc.get_traced_memory()[1] if count else 0
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", sorted(MODULES))
def test_memory_is_flat_in_the_number_of_cases(fmt: str, tmp_path: Path) -> None:
    small = _peak(fmt, write(fmt, tmp_path / "small.xml", 500))
    large = _peak(fmt, write(fmt, tmp_path / "large.xml", 5_000))
    assert small > 0
    # 10 times the cases (the large file is ~5 MB): the peak grows by less than 400 kB (TRX's
    # index of test classes takes about 24 bytes a test; the rest is one case at a time).
    assert large - small < 400_000, (small, large)
