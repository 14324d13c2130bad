"""What the Robot and JSON readers share when they turn a test into a :class:`RunResult`.

- **names, keys, durations, output**: the rules every reader shares, from :mod:`._common`
  (``name_template``; a nameless test named after its suite or file and position, with a
  warning; ``result_key(path, suite, class, name, ordinal=n)`` keys; a duration over 7 days
  dropped with a warning; output cut at 256 K characters).
- **steps and status**: PractiTest derives a run's status from its steps. When a format's test
  status and its steps disagree, the test's status wins: a FAILED or BLOCKED test whose steps do
  not say so gets one more step saying why; any other disagreement drops the steps and lists
  them in the run's output instead.
- **attachments**: base64 content embedded in a report becomes an :class:`Attachment` up to
  8 MiB decoded each and 32 MiB per result; larger ones (and undecodable ones) are left out
  with a warning and a line in the output naming them.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..batch.results import Attachment, Status, StepResult, derive_status
from ..models import StepStatus
from ._base import ReaderOptions, ReportError
from ._common import (
    UNSAFE_IN_FILENAME,
    Keys,
    NameTemplate,
    cap_output,
    checked_seconds,
    output_files,
    unnamed,
)

__all__ = [
    "AttachmentBudget",
    "Keys",
    "duration",
    "fallback_name",
    "fit_steps",
    "join_output",
    "output_files",
    "render_name",
    "step_status",
    "word_status",
]

log = logging.getLogger("practitest_async.reports")

MAX_ATTACHMENT = 8 * 1024 * 1024
MAX_ATTACHMENTS_PER_RESULT = 32 * 1024 * 1024


# -- names -----------------------------------------------------------------------------------


def render_name(path: Path, template: str, values: dict[str, str]) -> str:
    """``template`` over ``values``; an empty field is dropped with the text joining it to the
    previous field kept, so ``"{classname}.{name}"`` without a class is just the name."""
    try:
        return NameTemplate.parse(template).render(values)
    except ValueError as exc:
        raise ReportError(path, str(exc)) from None


def fallback_name(path: Path, where: str, owner: str, position: int) -> str:
    """A name for a nameless test: its suite (or file) and 1-based position, with a warning."""
    return unnamed(
        where if where.startswith(str(path)) else f"{path}: {where}", owner or path.name, position
    )


def duration(value: object, where: str) -> float | None:
    """Seconds, or ``None`` (with a warning) when the value is no usable duration."""
    return checked_seconds(value, where)


# -- statuses and steps ----------------------------------------------------------------------


def step_status(options: ReaderOptions, raw: str, default: Status) -> StepStatus:
    """A step's status through ``options.status``; NOT COMPLETED (a run status only) -> NO RUN."""
    status = options.status(raw, default)
    if status is Status.NOT_COMPLETED:
        return StepStatus.NO_RUN
    return StepStatus(status.value)


def fit_steps(
    status: Status, steps: Sequence[StepResult], output: str | None, reason: str | None
) -> tuple[tuple[StepResult, ...], str | None]:
    """Steps that make PractiTest derive ``status``, and the output to go with them.

    The test's own status wins (see the module docstring). ``reason`` names why the test failed
    or was blocked, for the step added when its steps do not show it.
    """
    if not steps or derive_status([s.status for s in steps]) is status:
        return tuple(steps), output
    if status in (Status.FAILED, Status.BLOCKED):
        step_kind = StepStatus(status.value)
        has_failed = any(s.status is StepStatus.FAILED for s in steps)
        if status is Status.FAILED or not has_failed:
            why = reason or output or f"the test is {status.value} although its steps are not"
            title = " ".join(why.split())[:255] or status.value
            extra = StepResult(title, step_kind, actual=why)
            fitted = (*steps, extra)
            if derive_status([s.status for s in fitted]) is status:
                return fitted, output
    listing = "\n".join(f"[{s.status.value}] {s.name}" for s in steps)
    note = f"Steps (not sent as steps: the test is {status.value}):\n{listing}"
    return (), "\n\n".join(p for p in (output, note) if p)


def join_output(parts: Iterable[str | None]) -> str | None:
    """Non-empty parts, blank-line separated, cut to :data:`MAX_OUTPUT` characters."""
    return cap_output("\n\n".join(p.strip("\n") for p in parts if p and p.strip()) or None)


# -- attachments -----------------------------------------------------------------------------


class AttachmentBudget:
    """Decodes embedded base64 attachments of one result within the size rule."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.used = 0
        self.left_out: list[str] = []

    def add(self, data: object, filename: str, mime: str | None = None) -> Attachment | None:
        """An :class:`Attachment`, or ``None`` (noted in :attr:`left_out`) when it cannot be."""
        if not isinstance(data, str) or not data:
            return None
        name = safe_filename(filename, mime)
        # base64 is 4 characters per 3 bytes: judge the size before decoding anything.
        if len(data) * 3 // 4 > MAX_ATTACHMENT:
            self._leave_out(name, f"larger than {MAX_ATTACHMENT // (1024 * 1024)} MiB")
            return None
        if self.used + len(data) * 3 // 4 > MAX_ATTACHMENTS_PER_RESULT:
            limit = MAX_ATTACHMENTS_PER_RESULT // (1024 * 1024)
            self._leave_out(name, f"the result's attachments would pass {limit} MiB")
            return None
        try:
            content = base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError):
            self._leave_out(name, "not valid base64")
            return None
        self.used += len(content)
        return Attachment(name, content)

    def _leave_out(self, name: str, why: str) -> None:
        log.warning("%s: not attaching %s: %s", self.where, name, why)
        self.left_out.append(f"[attachment left out] {name}: {why}")


def safe_filename(filename: str, mime: str | None) -> str:
    stem = UNSAFE_IN_FILENAME.sub("_", filename.strip())[:150] or "attachment"
    if "." not in stem and mime:
        stem += mimetypes.guess_extension(mime.split(";")[0].strip()) or ""
    return stem


# -- the shared status words (issue 11's rule) -------------------------------------------------

WORDS: dict[str, Status] = {
    **dict.fromkeys(("pass", "passed", "success", "ok"), Status.PASSED),
    **dict.fromkeys(
        (
            "fail",
            "failed",
            "failure",
            "error",
            "errored",
            "timeout",
            "timedout",
            "timed out",
            "aborted",
            "cancelled",
            "canceled",
            "interrupted",
            "broken",
        ),
        Status.FAILED,
    ),
    **dict.fromkeys(
        (
            "skip",
            "skipped",
            "ignored",
            "explicit",
            "not executed",
            "notexecuted",
            "disabled",
            "notrun",
            "not run",
            "todo",
            "to do",
            "untested",
        ),
        Status.NO_RUN,
    ),
    **dict.fromkeys(
        ("inconclusive", "pending", "undefined", "ambiguous", "executing", "other", "unknown"),
        Status.NOT_COMPLETED,
    ),
    **dict.fromkeys(("blocked", "not runnable", "notrunnable"), Status.BLOCKED),
}


def word_status(options: ReaderOptions, raw: str, where: str) -> Status:
    """A raw status word by the shared rule (``--status-map`` first); an unknown word is NOT
    COMPLETED with a warning naming it."""
    word = raw.strip().lower()
    default = WORDS.get(word)
    if default is None and word not in options.status_map:
        log.warning(
            "%s: unknown status %r, sent as NOT COMPLETED (map it with --status-map %s=STATUS)",
            where,
            raw,
            word,
        )
    return options.status(word, default or Status.NOT_COMPLETED)
