"""What a caller reports: results of automated tests, with steps and attachments.

These are the batch layer's input. :func:`to_wire` decides how each status is expressed so that
PractiTest's own rule (a run's status follows from its steps, else from ``exit-code``) yields
exactly the status asked for.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..models import RunStatus, StepStatus, custom_field_values

Status = RunStatus
"""A run's status: PASSED, FAILED, BLOCKED, NOT_COMPLETED, NO_RUN, NA (strings accepted)."""


def step_status(value: Status | StepStatus | str) -> StepStatus:
    """A step's status; NOT COMPLETED is a run status only."""
    parsed = Status.parse(value.value if isinstance(value, StepStatus) else value)
    if parsed is Status.NOT_COMPLETED:
        raise ValueError("a step cannot be NOT COMPLETED (that is a run status); use NO RUN")
    return StepStatus(parsed.value)


def derive_status(steps: Sequence[StepStatus]) -> Status:
    """PractiTest's rule for a run's status from its steps (reference §6.6)."""
    if not steps:
        return Status.NO_RUN
    if StepStatus.FAILED in steps:
        return Status.FAILED
    if StepStatus.BLOCKED in steps:
        return Status.BLOCKED
    if all(s is StepStatus.NO_RUN for s in steps):
        return Status.NO_RUN
    if StepStatus.NO_RUN in steps:
        return Status.NOT_COMPLETED
    if all(s is StepStatus.NA for s in steps):
        return Status.NA
    return Status.PASSED


@attrs.frozen
class Attachment:
    """A file to attach to a run or a step."""

    filename: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], filename: str | None = None) -> Attachment:
        """Read a file from disk (its base name becomes the attachment's name)."""
        p = Path(path)
        return cls(filename or p.name, p.read_bytes())


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return value if type(value) is tuple else tuple(value)


@attrs.frozen
class StepResult:
    """One step of a result, with its own status."""

    name: str
    status: StepStatus = attrs.field(converter=step_status)
    description: str | None = attrs.field(default=None, kw_only=True)
    expected: str | None = attrs.field(default=None, kw_only=True)
    actual: str | None = attrs.field(default=None, kw_only=True)
    attachments: tuple[Attachment, ...] = attrs.field(
        default=(), kw_only=True, converter=_attachments
    )


def _steps(value: Iterable[StepResult]) -> tuple[StepResult, ...]:
    return value if type(value) is tuple else tuple(value)


def _duration(value: dt.timedelta | float | None) -> dt.timedelta | None:
    if value is None:
        return None
    if type(value) is float and 0 <= value < math.inf:  # seconds, as most readers give them
        return dt.timedelta(seconds=value)
    if not isinstance(value, dt.timedelta):
        try:
            if isinstance(value, bool):
                raise TypeError
            seconds = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"a result's duration is a timedelta or seconds, not {type(value).__name__} "
                f"{value!r}"
            ) from None
        if not math.isfinite(seconds):
            raise ValueError(f"a result's duration must be a finite number of seconds, not {value}")
        value = dt.timedelta(seconds=seconds)
    if value < dt.timedelta(0):
        raise ValueError(f"a result's duration cannot be negative, got {value.total_seconds()} s")
    return value


def _optional_status(value: Status | str | None) -> Status | None:
    if value is None or type(value) is Status:
        return value
    return Status.parse(value)


def _custom_fields(value: Mapping[int | str, Any]) -> dict[int, str | list[str]]:
    # the codec's rules for custom-field values (numbers plain, dates ISO, no bool, no None)
    if type(value) is dict and not value:  # most results: a new empty dict, as before
        return {}
    return custom_field_values(value)


@attrs.frozen
class RunResult:
    """The result of one test, to become one run in PractiTest.

    ``status`` defaults to PASSED, or, when ``steps`` are given, to what the steps say; a status
    given together with steps must agree with them. ``duration`` takes a timedelta or seconds.
    ``key`` identifies the result across re-runs of an upload (see the journal).
    """

    name: str
    status: Status = attrs.field(default=None, converter=_optional_status)
    duration: dt.timedelta | None = attrs.field(default=None, kw_only=True, converter=_duration)
    output: str | None = attrs.field(default=None, kw_only=True)
    steps: tuple[StepResult, ...] = attrs.field(default=(), kw_only=True, converter=_steps)
    attachments: tuple[Attachment, ...] = attrs.field(
        default=(), kw_only=True, converter=_attachments
    )
    custom_fields: dict[int, str | list[str]] = attrs.field(
        factory=dict, kw_only=True, converter=_custom_fields
    )
    version: str | None = attrs.field(default=None, kw_only=True)
    test_id: int | None = attrs.field(default=None, kw_only=True)
    instance_id: int | None = attrs.field(default=None, kw_only=True)
    key: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(
                f"a result's name is the test's name, a str, not {type(self.name).__name__} "
                f"{self.name!r}"
            )
        if not self.name or not self.name.strip():
            raise ValueError("a result needs a test name")
        if self.steps:
            derived = derive_status([s.status for s in self.steps])
            if self.status is None:
                object.__setattr__(self, "status", derived)
            elif self.status is not derived:
                raise ValueError(
                    f"result {self.name!r}: status {self.status.value} contradicts its steps, "
                    f"which make the run {derived.value} (PractiTest derives a run's status "
                    "from its steps)"
                )
        elif self.status is None:
            object.__setattr__(self, "status", Status.PASSED)
