"""``--test-per class|suite``: many cases become one PractiTest test whose run has a step each.

FireCracker's grouping: with ``class`` (or ``suite``), each class (suite) of a report becomes ONE
result whose run has a step per case (the case's name, status, and its output as the step's
actual result), so a first upload of 10,000 cases in 500 classes costs about 500 calls instead of
10,000. A run holds at most :data:`MAX_STEPS` steps; a larger group is split into numbered parts
(``"com.acme.CartTest (part 2)"``). The run's status follows from its steps, by PractiTest's rule.

Streaming: up to :data:`MAX_OPEN` groups are fed at once (readers yield a class's cases together,
but not every tool does), each of at most :data:`MAX_STEPS` cases, so memory stays bounded. A
group closed early that comes back later continues with its next part number, so no two results
share a key.

Which class and suite a result belongs to comes from its key: readers build it with
:func:`~._base.result_key` as ``result_key(path, suite, class, name, ordinal=n)``.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from ..batch.results import RunResult, Status, StepResult
from ..models import StepStatus
from ._base import GroupBy, key_path

__all__ = ["MAX_STEPS", "group_results"]

MAX_STEPS = 100
MAX_OPEN = 64
"""Groups fed at once (cases of several classes interleaved); the least recently fed one is
closed when another opens beyond this, so memory stays within MAX_OPEN x MAX_STEPS cases."""


def group_results(results: Iterator[RunResult], path: Path, by: GroupBy) -> Iterator[RunResult]:
    """The results of one report file, grouped ``by`` class or suite (``case``: as they are)."""
    return results if by == "case" else _grouped(results, path, by)


def _grouped(results: Iterator[RunResult], path: Path, by: GroupBy) -> Iterator[RunResult]:
    prefix = key_path(path) + "::"
    parts_done: dict[tuple[str, ...], int] = {}  # group -> parts emitted so far
    open_groups: OrderedDict[tuple[str, ...], list[RunResult]] = OrderedDict()
    opened: dict[tuple[str, ...], int] = {}  # when each open group was opened
    stem = path.stem
    for result in results:
        group = _group_of(result, prefix, by)
        members = open_groups.get(group)
        if members is None:
            if len(open_groups) >= MAX_OPEN:  # the least recently fed group is done
                oldest, done = open_groups.popitem(last=False)
                del opened[oldest]
                yield _emit(oldest, done, parts_done, numbered=False, stem=stem)
            members = open_groups[group] = []
            opened[group] = len(opened) + len(parts_done)
        else:
            open_groups.move_to_end(group)
            if len(members) == MAX_STEPS:  # full, and the group goes on: a numbered part
                yield _emit(group, members, parts_done, numbered=True, stem=stem)
                members = open_groups[group] = []
        members.append(result)
    for group in sorted(open_groups, key=opened.__getitem__):  # in the order they began
        members = open_groups[group]
        yield _emit(group, members, parts_done, numbered=False, stem=stem)


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
