"""The short path for plain passes gives exactly the results of the general path."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from practitest_async.reports import ReaderOptions

try:  # tests/reports is a package where it has an __init__.py, a plain folder if not
    from ._xml_generate import MODULES, write
    from ._xml_helpers import CORPUS
except ImportError:
    from _xml_generate import MODULES, write  # type: ignore[no-redef]
    from _xml_helpers import CORPUS  # type: ignore[no-redef]

# Renders like the default "{classname}.{name}", but is not it: the general path for every case.
GENERAL = ReaderOptions(name_template="{classname!s}.{name}")
FOLDERS = {
    "nunit": ("nunit2", "nunit3"),
    "xunit": ("xunit-v1", "xunit-v2"),
    "testng": ("testng",),
    "trx": ("trx",),
}


def _both(module_name: str, path: Path) -> None:
    module = importlib.import_module(f"practitest_async.reports.{module_name}")
    quick = list(module.read(path, ReaderOptions(), pytest.fail))
    general = list(module.read(path, GENERAL, pytest.fail))
    assert quick == general
    assert [type(r.duration) for r in quick] == [type(r.duration) for r in general]


@pytest.mark.parametrize("fmt", sorted(MODULES))
def test_generated_reports(fmt: str, tmp_path: Path) -> None:
    _both(MODULES[fmt], write(fmt, tmp_path / "report.xml", 250))


@pytest.mark.parametrize("module_name", sorted(FOLDERS))
def test_corpus_reports(module_name: str) -> None:
    files = [
        p for f in FOLDERS[module_name] if (CORPUS / f).is_dir() for p in (CORPUS / f).iterdir()
    ]
    if not files:
        pytest.skip("report corpus not available")
    for path in sorted(files):
        _both(module_name, path)
