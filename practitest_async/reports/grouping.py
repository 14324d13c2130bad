"""``--test-per class|suite``: many cases become one PractiTest test whose run has a step each.

FireCracker's grouping: with ``class`` (or ``suite``), each class (suite) of a report becomes ONE
result whose run has a step per case (the case's name, status, and its output as the step's
actual result), so a first upload of 10,000 cases in 500 classes costs about 500 calls instead of
10,000. A run holds at most :data:`MAX_STEPS` steps; a larger group is split into numbered parts
(``"com.acme.CartTest (part 2)"``). The run's status follows from its steps, by PractiTest's rule.

Streaming: a group is closed when the cases move on to another group (readers yield a class's
cases together), so memory holds one group of at most :data:`MAX_STEPS` cases. A group that comes
back later in the file continues with its next part number, so no two results share a key.

Which class and suite a result belongs to comes from its key: readers build it with
:func:`~._base.result_key` as ``result_key(path, suite, class, name, ordinal=n)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from ..batch.results import RunResult, Status, StepResult
from ..models import StepStatus
from ._base import GroupBy, key_path

__all__ = ["MAX_STEPS", "group_results"]

MAX_STEPS = 100


def group_results(results: Iterator[RunResult], path: Path, by: GroupBy) -> Iterator[RunResult]:
    """The results of one report file, grouped ``by`` class or suite (``case``: as they are)."""
    if by == "case":
        yield from results
        return
    prefix = key_path(path) + "::"
    parts_done: dict[tuple[str, ...], int] = {}  # group -> parts emitted so far
    current: tuple[str, ...] | None = None
    members: list[RunResult] = []
    split = False  # the current group already went out as a numbered part
    stem = path.stem
    for result in results:
        group = _group_of(result, prefix, by)
        if group != current or len(members) == MAX_STEPS:
            if members:
                assert current is not None
                more = group == current  # full, and the group goes on
                yield _emit(current, members, parts_done, numbered=split or more, stem=stem)
                split = more
            if group != current:
                split = parts_done.get(group, 0) > 0
            current, members = group, []
        members.append(result)
    if members and current is not None:
        yield _emit(current, members, parts_done, numbered=split, stem=stem)


def _group_of(result: RunResult, prefix: str, by: GroupBy) -> tuple[str, ...]:
    key = result.key or ""
    inner = key[len(prefix) :] if key.startswith(prefix) else key
    parts = inner.split("::")[:-1]  # without the ordinal
    if len(parts) >= 3:
        suite, classname = parts[0], "/".join(parts[1:-1])
    elif len(parts) == 2:
        suite, classname = parts[0], ""
    else:
        suite, classname = "", ""
    if by == "suite":
        return ("suite", suite)
    return ("class", suite, classname or suite)


def _emit(
    group: tuple[str, ...],
    members: list[RunResult],
    parts_done: dict[tuple[str, ...], int],
    *,
    numbered: bool,
    stem: str,
) -> RunResult:
    part = parts_done.get(group, 0) + 1
    parts_done[group] = part
    title = group[-1] or stem
    if numbered or part > 1:
        title = f"{title} (part {part})"
    steps = [
        StepResult(r.name, _step_status(r.status), actual=r.output, attachments=r.attachments)
        for r in members
    ]
    seconds = [r.duration for r in members if r.duration is not None]
    first_key = members[0].key or ""
    file_part = first_key.split("::", 1)[0]
    return RunResult(
        title,
        steps=steps,
        duration=sum(seconds, dt.timedelta()) if seconds else None,
        key="::".join((file_part, *group, f"part {part}")),
    )


def _step_status(status: Status) -> StepStatus:
    if status is Status.NOT_COMPLETED:
        return StepStatus.NO_RUN  # a step cannot be NOT COMPLETED; the run's status says it
    return StepStatus(status.value)
