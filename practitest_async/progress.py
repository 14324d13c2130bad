"""Showing an upload's progress: a live bar on a terminal, plain lines in CI logs."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from .batch.report import UploadEvent


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def describe(event: UploadEvent, label: str = "PractiTest") -> str:
    """One plain line for an event."""
    return (
        f"{label}: {event.confirmed + event.already_uploaded}/{event.results} confirmed, "
        f"{event.failed} failed, "
        f"{event.api_calls} calls, {event.pauses} rate-limit pauses, "
        f"ETA {_duration(event.eta_seconds)}"
    )


class PlainProgress:
    """For logs (not a terminal): a line every ``interval`` seconds, on pauses, and at the end.
    No control characters."""

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        label: str = "PractiTest",
    ) -> None:
        self._label = label
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._last = clock()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __call__(self, event: UploadEvent) -> None:
        now = self._clock()
        due = now - self._last >= self._interval
        if event.kind in ("finished", "paused") or due:
            self._last = now
            suffix = f" ({event.detail})" if event.kind == "paused" else ""
            print(describe(event, self._label) + suffix, file=self._stream, flush=True)


class RichProgress:
    """On a terminal: a live bar with confirmed / planned, calls, pauses and an ETA."""

    def __init__(self, console: Console, label: str = "PractiTest") -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[calls]} calls, {task.fields[pauses]} pauses, "),
            TextColumn("{task.fields[failed]} failed, ETA {task.fields[eta]}"),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        self._task = self._progress.add_task(
            "upload", total=None, calls=0, pauses=0, failed=0, eta="?"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, event: UploadEvent) -> None:
        assert self._task is not None
        self._progress.update(
            self._task,
            completed=event.confirmed + event.failed + event.already_uploaded,
            total=event.results or None,
            calls=event.api_calls,
            pauses=event.pauses,
            failed=event.failed,
            eta=_duration(event.eta_seconds),
        )


def progress_for(
    stream: TextIO, *, force_terminal: bool | None = None, label: str = "PractiTest"
) -> PlainProgress | RichProgress:
    """A live bar when ``stream`` is a terminal, plain lines otherwise (``label``: the target)."""
    console = Console(file=stream, force_terminal=force_terminal)
    if console.is_terminal:
        return RichProgress(console, label)
    return PlainProgress(stream, label=label)
