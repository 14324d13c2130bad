"""What an upload tells its caller: progress events on the way, a report (or a plan) at the end."""

from __future__ import annotations

import logging
import pickle
import sqlite3
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal, overload

import attrs

from ..errors import PractiTestError
from ..sqlite_writes import scratch
from .results import Attachment, RunResult
from .runids import RunIds

EventKind = Literal["planned", "sent", "confirmed", "failed", "paused", "finished"]


@attrs.frozen(kw_only=True)
class UploadEvent:
    """One progress event. Counters are totals so far, so a bar can redraw from any event."""

    kind: EventKind
    results: int  # results seen so far (or planned, when known up front)
    sent: int
    confirmed: int
    failed: int
    api_calls: int
    pauses: int
    eta_seconds: float | None = None
    detail: str = ""
    already_uploaded: int = 0  # confirmed by an earlier run with the same journal


ProgressCallback = Callable[[UploadEvent], None]
KEPT_OUTPUT = 4096  # characters of a failed result's output kept in the report


@attrs.frozen(kw_only=True)
class FailedResult:
    """A result that did not become a run, and why. ``result`` is kept without its
    attachments' bytes and with the start of its output only (``KEPT_OUTPUT`` characters), so
    that a failing upload of N results does not hold N files."""

    result: RunResult
    key: str
    error: str

    @classmethod
    def of(cls, result: RunResult, *, key: str, error: str) -> FailedResult:
        """The failure of ``result``, keeping all of it but the attachments' contents."""
        output = result.output
        if output is not None and len(output) > KEPT_OUTPUT:
            output = output[:KEPT_OUTPUT] + f"\n[... {len(output) - KEPT_OUTPUT} more characters]"
        light = attrs.evolve(
            result,
            output=output,
            attachments=[Attachment(a.filename, b"") for a in result.attachments],
            steps=[
                attrs.evolve(s, attachments=[Attachment(a.filename, b"") for a in s.attachments])
                for s in result.steps
            ],
        )
        return cls(result=light, key=key, error=error)


log = logging.getLogger("practitest_async.upload")

KEPT_FAILURES = 1_000  # failed results held in memory; the others wait in a temporary file


class FailedResults(Sequence[FailedResult]):
    """The failed results of an upload, in order: a list of the first ``keep`` (1,000), the
    others pickled into a temporary SQLite file a batch at a time (deleted with this object),
    so that a report of a million failures (a server gone, a set that cannot be found) does not
    hold a million results. Reads like a list: ``len``, indexing, slices, iteration, ``==``,
    ``in``, ``index``, ``count``, ``list(...)``; grows by ``append``, ``extend`` and ``+=``; copies
    and pickles as a list would (a copy owns its own file). It does not sort, pop or clear: make
    a ``list`` of it for that. Should the temporary file fail (a full disk), the rest stays in
    memory, with a warning: a failure is never lost to the file that was to hold it."""

    def __init__(self, items: Iterable[FailedResult] = (), *, keep: int = KEPT_FAILURES) -> None:
        self._keep = max(1, keep)
        self._head: list[FailedResult] = []  # the first `keep`
        self._tail: list[FailedResult] = []  # after the head and the file, not yet written
        self._spill_at = self._keep  # tail length that moves to the file
        self._db: sqlite3.Connection | None = None
        self._on_disk = 0
        self.extend(items)

    def append(self, item: FailedResult) -> None:
        """Add ``item`` at the end."""
        if len(self._head) < self._keep:
            self._head.append(item)
            return
        self._tail.append(item)
        if len(self._tail) >= self._spill_at:
            try:
                db = self._file()
                with db:
                    db.executemany(
                        "INSERT INTO failed (result) VALUES (?)",
                        ((pickle.dumps(f, pickle.HIGHEST_PROTOCOL),) for f in self._tail),
                    )
            except (OSError, sqlite3.Error) as exc:
                self._spill_at = sys.maxsize
                log.warning("failed results stay in memory: the temporary file failed (%s)", exc)
                return
            self._on_disk += len(self._tail)
            self._tail.clear()

    def extend(self, items: Iterable[FailedResult]) -> None:
        """Add each of ``items`` at the end."""
        for item in items:
            self.append(item)

    def __iadd__(self, items: Iterable[FailedResult]) -> FailedResults:
        self.extend(items)
        return self

    def _file(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = scratch(
                "practitest-failed-",
                "CREATE TABLE failed (n INTEGER PRIMARY KEY, result BLOB NOT NULL)",
            )
            weakref.finalize(self, self._db.close)
        return self._db

    def __len__(self) -> int:
        return len(self._head) + self._on_disk + len(self._tail)

    @overload
    def __getitem__(self, index: int) -> FailedResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[FailedResult]: ...

    def __getitem__(self, index: int | slice) -> FailedResult | list[FailedResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("failed result index out of range")
        if index < len(self._head):
            return self._head[index]
        index -= len(self._head)
        if index >= self._on_disk:
            return self._tail[index - self._on_disk]
        assert self._db is not None
        row = self._db.execute("SELECT result FROM failed WHERE n = ?", (index + 1,)).fetchone()
        found: FailedResult = pickle.loads(row[0])
        return found

    def __iter__(self) -> Iterator[FailedResult]:
        yield from self._head
        if self._db is not None:
            for start in range(0, self._on_disk, self._keep):
                rows = self._db.execute(
                    "SELECT result FROM failed WHERE n > ? AND n <= ? ORDER BY n",
                    (start, start + self._keep),
                ).fetchall()
                for (blob,) in rows:
                    yield pickle.loads(blob)
        yield from list(self._tail)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __repr__(self) -> str:
        if self._db is None:
            return f"FailedResults({self._head + self._tail!r})"
        return f"FailedResults(<{len(self)} failed results, {self._on_disk} in a temporary file>)"

    def __reduce__(self) -> tuple[type[FailedResults], tuple[list[FailedResult]]]:
        return (FailedResults, (list(self),))  # copy, deepcopy, pickle: one of its own


def _failed_results(items: Iterable[FailedResult]) -> FailedResults:
    """``items`` as :class:`FailedResults` (a list given to ``UploadReport`` is taken)."""
    return items if isinstance(items, FailedResults) else FailedResults(items)


@attrs.define(kw_only=True)
class UploadReport:
    """What an upload did. ``ok`` is True when every result became exactly one run."""

    project_id: int
    set_id: int | None = None
    uploaded: int = 0
    already_uploaded: int = 0
    # a list while small; past 1,000 the others wait in a temporary file (memory flat)
    failed: FailedResults = attrs.field(factory=FailedResults, converter=_failed_results)
    # key -> run id; a mapping that moves to a temporary file past 20,000 entries (memory flat)
    run_ids: RunIds = attrs.field(factory=RunIds)
    created_tests: list[int] = attrs.field(factory=list)
    created_instances: list[int] = attrs.field(factory=list)
    reconciled: int = 0
    api_calls: int = 0
    rate_limit_pauses: int = 0
    elapsed: float = 0.0
    fatal_error: PractiTestError | None = None  # what stopped the upload early, if anything
    warnings: list[str] = attrs.field(factory=list)  # e.g. attachments dropped (413)

    @property
    def ok(self) -> bool:
        """No result failed."""
        return not self.failed

    @property
    def total(self) -> int:
        """Results handled: uploaded now, confirmed by an earlier run, or failed."""
        return self.uploaded + self.already_uploaded + len(self.failed)

    def summary(self) -> str:
        """One line for a person."""
        text = (
            f"{self.uploaded} uploaded, {len(self.failed)} failed"
            f"{f', {self.already_uploaded} already uploaded' if self.already_uploaded else ''}"
            f" in {self.elapsed:.1f}s with {self.api_calls} API calls"
            f" ({len(self.created_tests)} tests and {len(self.created_instances)} instances "
            f"created; {self.rate_limit_pauses} rate-limit pauses)"
        )
        return text


@attrs.frozen(kw_only=True)
class UploadPlan:
    """What an upload would do (from :meth:`Client.plan_upload`), without writing anything."""

    project_id: int
    set_id: int | None
    set_exists: bool
    results: int
    already_uploaded: int
    calls: dict[str, int]
    lookup_calls: int
    failures: Sequence[FailedResult]  # the report's FailedResults: flat however many
    calls_per_second: float
    fatal_error: PractiTestError | None = None  # what stopped the planning (e.g. a 401)

    @property
    def write_calls(self) -> int:
        """Calls that would create something (set, instances, runs)."""
        return sum(self.calls.values())

    @property
    def total_calls(self) -> int:
        """Read calls already spent on resolving names, plus the writes."""
        return self.lookup_calls + self.write_calls

    @property
    def estimated_seconds(self) -> float:
        """Time the writes need at the configured rate (the reads were made already)."""
        return self.write_calls / self.calls_per_second if self.calls_per_second else 0.0

    def summary(self) -> str:
        """A few lines for a person."""
        kinds = ", ".join(f"{n} x {kind}" for kind, n in self.calls.items() if n) or "nothing"
        if self.fatal_error is not None:
            return f"planning stopped: {self.fatal_error}"
        rate = (
            f"about {human_duration(self.estimated_seconds)} at the configured "
            f"{self.calls_per_second * 60:.3g} calls a minute"
            if self.calls_per_second
            else "at a rate this limiter does not tell"
        )
        return (
            f"{self.results} results ({self.already_uploaded} already uploaded, "
            f"{len(self.failures)} would fail): {kinds}; {self.write_calls} write calls, "
            f"{rate} ({self.lookup_calls} read calls spent planning)"
        )


def human_duration(seconds: float) -> str:
    """``42 s``, ``3 min 20 s``, ``585 h 4 min``: a time a person reads at a glance."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:,} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


class UploadError(PractiTestError):
    """Raised when an upload finished with failed results (the report is attached)."""

    def __init__(self, report: UploadReport) -> None:
        self.report = report
        lines = [f"{len(report.failed)} of {report.total} results were not uploaded:"]
        lines += [f"  {f.result.name}: {f.error}" for f in report.failed[:20]]
        if len(report.failed) > 20:
            lines.append(f"  ... and {len(report.failed) - 20} more")
        super().__init__("\n".join(lines))
