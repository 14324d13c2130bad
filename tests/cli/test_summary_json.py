"""The summary JSON writes the report's run ids an item at a time (they may be spilled to a
file past 20,000), and reads back as the same JSON a plain dump would give."""

from __future__ import annotations

import json
from pathlib import Path

from practitest_async.batch.runids import RunIds
from practitest_async.cli_common import write_summary


def test_spilled_run_ids_are_written_whole_and_read_back(tmp_path: Path) -> None:
    run_ids = RunIds(spill=10)
    for i in range(35):  # three spills to the temporary file, five in memory
        run_ids[f"reports/x.xml::suite::case {i}::0"] = 1000 + i
    summary = {"ok": True, "failed": [{"name": "a", "error": "b"}], "run_ids": run_ids}
    path = tmp_path / "out" / "summary.json"

    write_summary(path, summary)

    written = json.loads(path.read_text())
    assert written["run_ids"] == {f"reports/x.xml::suite::case {i}::0": 1000 + i for i in range(35)}
    assert written["failed"] == [{"name": "a", "error": "b"}]
    assert written["ok"] is True
