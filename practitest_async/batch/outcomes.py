"""What happened to each result: the report, the journal and the progress events, kept in step.

Every other part of the uploader ends a result here: :meth:`Outcomes.confirm` (a run exists),
:meth:`Outcomes.fail` (it does not, or may not). The journal is written before a request is
sent (:meth:`Outcomes.journal_sending`) and after its answer, so that a crash at any point
leaves it conservative.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..codec import Ref
from ..errors import (
    AuthenticationError,
    CircuitOpenError,
    PermissionDeniedError,
    PractiTestError,
)
from ..limiter import Limiter, RateLimit
from ..models import Run
from ..transport import Transport
from .journal import Journal
from .pending import Pending, UploadScope
from .report import FailedResult, ProgressCallback, UploadEvent, UploadReport

log = logging.getLogger("practitest_async.upload")

RUNS_PER_REQUEST = 20


class Outcomes:
    """The report, the journal and the progress callback of one upload."""

    def __init__(
        self,
        report: UploadReport,
        journal: Journal | None,
        scope: UploadScope,
        *,
        transport: Transport,
        limiter: Limiter,
        progress: ProgressCallback | None,
        expected_results: int | None,
        dry_run: bool,
    ) -> None:
        self.report = report
        self.journal = journal
        self.scope = scope
        self.progress = progress
        self.expected_results = expected_results
        self.dry_run = dry_run
        self.fatal: PractiTestError | None = None  # what stops every further request
        self.on_settled: Callable[[Pending], None] | None = None  # a result is done with
        self.pending_creates: Callable[[], int] = lambda: 0  # auto_creates still to make
        self.auto_creates = 0  # tests that needed one, so far (for the ETA)
        self._journal_failed = False
        self.seen = 0  # results read from the caller
        self.sent = 0  # results handed to a request (less those re-sent)
        self._transport = transport
        self._limiter = limiter
        self._calls_at_start = 0
        self._pauses_at_start = 0
        self._pauses_reported = 0
        self._started = 0.0

    @property
    def journaling(self) -> bool:
        """Whether results are written to a journal (never in a dry run)."""
        return self.journal is not None and not self.dry_run

    def start(self) -> None:
        """Count calls, pauses and time from now."""
        self._started = time.monotonic()
        self._calls_at_start = self._transport.stats.calls
        self._pauses_at_start = self._limiter_pauses()

    # --- results ---------------------------------------------------------------------------

    def _settled(self, p: Pending) -> None:
        p.done = True
        if not p.released:
            p.released = True
            if self.on_settled is not None:
                self.on_settled(p)

    def already_uploaded(self, p: Pending, run_id: int | None) -> None:
        """An earlier run with this journal confirmed ``p``."""
        self._settled(p)
        self.report.already_uploaded += 1
        if run_id is not None:
            self.report.run_ids[p.key] = run_id

    def confirm(self, p: Pending, run: Run | Ref, *, reconciled: bool = False) -> None:
        """``p`` is run ``run``."""
        self.confirm_all([(p, run)], reconciled=reconciled)

    def confirm_all(
        self, confirmed: Sequence[tuple[Pending, Run | Ref]], *, reconciled: bool = False
    ) -> None:
        """Each ``p`` is its ``run`` (the runs of one answer): recorded in the journal in one
        transaction (one commit, one fsync, where a commit per result cost more than the
        request), before the progress callback hears of them."""
        report, on_settled = self.report, self.on_settled
        run_ids = None if self.dry_run else report.run_ids  # a plan's runs are made up
        for p, run in confirmed:  # _settled, written out (a call per result costs)
            p.done = True
            if not p.released:
                p.released = True
                if on_settled is not None:
                    on_settled(p)
            report.uploaded += 1
            if run_ids is not None:
                run_ids[p.key] = run.id
        if self.journal is not None and not self.dry_run and confirmed:
            journal, scope = self.journal, self.scope.journal
            rows = [(p.key, run.id, run.instance_id) for p, run in confirmed]
            self._after_answer(lambda: journal.confirm(scope, rows))
        if self.progress is not None:
            for _ in confirmed:
                self.emit("confirmed", "reconciled" if reconciled else "")

    def fail(self, p: Pending, error: str) -> None:
        """Report a result not uploaded. One that may have been applied stays ``sending`` in
        the journal, so that the next run reconciles it instead of sending it again."""
        self._settled(p)
        if p.in_doubt:
            error += " (it may have been applied: a re-run with the journal will check)"
        self.report.failed.append(FailedResult.of(p.result, key=p.key, error=error))
        if self.journal is not None and not self.dry_run and not p.in_doubt:
            journal = self.journal
            self._after_answer(lambda: journal.fail(self.scope.journal, [(p.key, error)]))
        self.emit("failed", error)

    def fail_all(self, pendings: Iterable[Pending], exc: PractiTestError) -> None:
        """Fail each of ``pendings`` with ``exc``. An error of credentials, or a server taken
        as unreachable (:class:`CircuitOpenError`), stops the upload: the remaining results
        fail at once with it as their cause."""
        if stops_upload(exc):
            self.stop(exc)
        for p in pendings:
            self.fail(p, str(exc))

    def stop(self, exc: PractiTestError) -> None:
        """Send nothing more: every result not settled yet fails with ``exc``."""
        if self.fatal is None:
            self.fatal = exc
            self.report.fatal_error = exc

    def _after_answer(self, write: Callable[[], None]) -> None:
        """Record what the server answered. The answer stands even when the journal cannot
        record it (disk full...): the result stays ``sending`` there, and a re-run
        reconciles it instead of sending it again."""
        try:
            write()
        except sqlite3.Error as exc:
            if not self._journal_failed:
                self._journal_failed = True
                warning = (
                    f"the journal {getattr(self.journal, 'path', '')} could not record what "
                    f"PractiTest answered ({exc}); a re-run with it will check those results "
                    "on the server instead of sending them again"
                )
                log.warning("%s", warning)
                self.report.warnings.append(warning)

    # --- the journal ---------------------------------------------------------------------------

    def journal_upload(self, nonce: str) -> str:
        """This upload's nonce (and start time): those of the first run that used the journal
        for this scope, or the given nonce (and the current start) when this is that run."""
        if self.journal is not None and not self.dry_run:
            nonce, self.scope.began = self.journal.upload(
                self.scope.journal, nonce, self.scope.began
            )
        return nonce

    def journal_sending(self, pendings: Sequence[Pending]) -> None:
        """Record ``pendings`` as about to be sent."""
        if self.journal is not None and not self.dry_run:
            self.journal.mark_sending(
                self.scope.journal,
                [(p.key, p.marker, p.fingerprint, p.result.name, p.instance_id) for p in pendings],
            )

    def journal_forget(self, pendings: Sequence[Pending]) -> None:
        """Record ``pendings`` as never applied (they will be sent again)."""
        if self.journal is not None and not self.dry_run and pendings:
            self.journal.forget(self.scope.journal, [p.key for p in pendings])

    # --- progress -------------------------------------------------------------------------------

    def finish_report(self) -> None:
        """Fill in the report's calls, pauses and elapsed time."""
        self.report.api_calls = self._transport.stats.calls - self._calls_at_start
        self.report.rate_limit_pauses = self._limiter_pauses() - self._pauses_at_start
        self.report.elapsed = time.monotonic() - self._started

    def _limiter_pauses(self) -> int:
        stats = getattr(self._limiter, "stats", None)
        return int(getattr(stats, "pauses", 0))

    def emit_pause_if_any(self) -> None:
        """Tell the progress callback about a rate-limit pause, once per pause."""
        pauses = self._limiter_pauses() - self._pauses_at_start
        if pauses > self._pauses_reported:
            self._pauses_reported = pauses
            self.emit("paused", "rate limit (429): every request waits for the window")

    def emit(self, kind: Any, detail: str = "") -> None:
        """Send one :class:`UploadEvent` to the progress callback, if any."""
        if self.progress is None:
            return
        report = self.report
        done = report.uploaded + len(report.failed) + report.already_uploaded
        total = max(self.expected_results or 0, self.seen)
        event = UploadEvent(
            kind=kind,
            results=total,
            sent=self.sent,
            confirmed=report.uploaded,
            failed=len(report.failed),
            api_calls=self._transport.stats.calls - self._calls_at_start,
            pauses=self._limiter_pauses() - self._pauses_at_start,
            eta_seconds=self._eta(total - done),
            detail=detail,
            already_uploaded=report.already_uploaded,
        )
        progress: Callable[[UploadEvent], None] = self.progress
        try:
            progress(event)
        except Exception:  # a broken progress bar must not change what gets uploaded
            log.warning(
                "the progress callback raised; progress is off for this upload", exc_info=True
            )
            self.progress = None

    def _eta(self, remaining: int) -> float | None:
        """Seconds of calls left at the limiter's rate: a bulk request per 20 results, plus a
        call per new test (auto_create), those waiting and, among the results not read yet,
        as many as the share of new tests so far."""
        # Any limiter that tells its RateLimit (AccountLimiter, SharedLimiter) gives an ETA.
        rate_limit = getattr(self._limiter, "rate_limit", None)
        if not isinstance(rate_limit, RateLimit) or remaining <= 0:
            return 0.0 if remaining <= 0 else None
        unread = max(0, (self.expected_results or 0) - self.seen)
        new_share = self.auto_creates / self.seen if self.seen else 0.0
        creates = self.pending_creates() + round(new_share * unread)
        calls = -(-max(0, remaining - creates) // RUNS_PER_REQUEST) + creates
        return calls / rate_limit.sustained_rate


def stops_upload(exc: BaseException) -> bool:
    """Errors after which nothing more is sent: credentials refused, server unreachable."""
    return isinstance(exc, (AuthenticationError, PermissionDeniedError, CircuitOpenError))
