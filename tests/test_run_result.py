"""A result built wrongly is refused where it is built, with a clear error (issue 9)."""

from __future__ import annotations

import datetime as dt

import pytest

from practitest_async import RunResult, Status


@pytest.mark.parametrize("name", [5, None, b"bytes", ["a"]])
def test_a_name_that_is_not_a_string_is_a_clear_type_error(name: object) -> None:
    with pytest.raises(TypeError, match="a result's name is the test's name, a str"):
        RunResult(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("duration", [-1, -0.5, dt.timedelta(seconds=-3)])
def test_a_negative_duration_is_refused(duration: object) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        RunResult("t", Status.PASSED, duration=duration)  # type: ignore[arg-type]


@pytest.mark.parametrize("duration", [float("nan"), float("inf")])
def test_a_duration_that_is_no_number_of_seconds_is_refused(duration: float) -> None:
    with pytest.raises(ValueError, match="finite number of seconds"):
        RunResult("t", duration=duration)


@pytest.mark.parametrize("duration", ["three", [1], True])
def test_a_duration_of_another_kind_is_a_type_error(duration: object) -> None:
    with pytest.raises(TypeError, match="timedelta or seconds, not"):
        RunResult("t", duration=duration)  # type: ignore[arg-type]


def test_good_durations_still_pass() -> None:
    assert RunResult("t", duration=0).duration == dt.timedelta(0)
    assert RunResult("t", duration=1.5).duration == dt.timedelta(seconds=1.5)
    assert RunResult("t", duration=dt.timedelta(minutes=1)).duration == dt.timedelta(minutes=1)
