"""What happened to each result: the report, the journal and the progress events, kept in step.

Every other part of the uploader ends a result here: :meth:`Outcomes.confirm` (a run exists),
:meth:`Outcomes.fail` (it does not, or may not). The journal is written before a request is
sent (:meth:`Outcomes.journal_sending`) and after its answer, so that a crash at any point
leaves it conservative.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import AuthenticationError, PermissionDeniedError, PractiTestError
from ..limiter import AccountLimiter, Limiter
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

    def confirm(self, p: Pending, run: Run, *, reconciled: bool = False) -> None:
        """``p`` is run ``run``."""
        self._settled(p)
        self.report.uploaded += 1
        self.report.run_ids[p.key] = run.id
        if self.journal is not None and not self.dry_run:
            self.journal.confirm(self.scope.journal, [(p.key, run.id, run.instance_id)])
        self.emit("confirmed", "reconciled" if reconciled else "")

    def fail(self, p: Pending, error: str) -> None:
        """Report a result not uploaded. One that may have been applied stays ``sending`` in
        the journal, so that the next run reconciles it instead of sending it again."""
        self._settled(p)
        if p.in_doubt:
            error += " (it may have been applied: a re-run with the journal will check)"
        self.report.failed.append(FailedResult.of(p.result, key=p.key, error=error))
        if self.journal is not None and not self.dry_run and not p.in_doubt:
            self.journal.fail(self.scope.journal, [(p.key, error)])
        self.emit("failed", error)

    def fail_all(self, pendings: Iterable[Pending], exc: PractiTestError) -> None:
        """Fail each of ``pendings`` with ``exc``; an error of credentials stops the upload."""
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
            self.fatal = exc
            self.report.fatal_error = exc
        for p in pendings:
            self.fail(p, str(exc))

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
        if not isinstance(self._limiter, AccountLimiter) or remaining <= 0:
            return 0.0 if remaining <= 0 else None
        calls = -(-remaining // RUNS_PER_REQUEST)
        return calls / self._limiter.rate_limit.sustained_rate
