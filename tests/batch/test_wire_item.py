"""wire.run_item (what the uploader sends for a result) is exactly encode_run(to_draft(...))."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from practitest_async import Attachment, RunResult, StepResult
from practitest_async.batch import wire
from practitest_async.services.runs import encode_run

OUTPUTS = [
    None,
    "",
    "   ",
    "short output",
    "x" * 234,
    "x" * 235,
    "x" * 236,
    "y" * 300,
    "  padded  ",
]
DURATIONS = [None, 0, 1.5, 2.5, 3661.4, dt.timedelta(hours=30, seconds=1)]
STATUSES = ["PASSED", "FAILED", "BLOCKED", "NOT COMPLETED", "NO RUN", "N/A"]


def _results() -> list[RunResult]:
    made = [
        RunResult("t", status, duration=duration, output=output, version=version)
        for status, duration, output, version in itertools.product(
            STATUSES, DURATIONS, OUTPUTS, [None, "1.2"]
        )
    ]
    made += [
        RunResult("t", "FAILED", custom_fields={22: "Win", "---f-7": ["a", "b"]}),
        RunResult("t", "PASSED", attachments=[Attachment("log.txt", b"abc")]),
        RunResult("t", steps=[StepResult("s1", "PASSED"), StepResult("s2", "FAILED")]),
        RunResult("t", "PASSED", steps=[StepResult("s", "PASSED", attachments=[])]),
    ]
    return made


@pytest.mark.parametrize("marker", [None, "[pta:0123456789ab]"])
@pytest.mark.parametrize("attach", [True, False])
@pytest.mark.parametrize("version", [None, "9.9"])
def test_run_item_is_the_encoded_draft(
    marker: str | None, attach: bool, version: str | None
) -> None:
    for result in _results():
        expected = encode_run(
            wire.to_draft(result, 41, version=version, marker=marker, attach_full_output=attach)
        )
        got = wire.run_item(result, 41, version=version, marker=marker, attach_full_output=attach)
        assert got == expected, result
        # the same bytes on the wire (key order included)
        assert json.dumps(got) == json.dumps(expected), result
