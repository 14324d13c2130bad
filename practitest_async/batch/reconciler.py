"""Settling results whose outcome is unknown, by reading the server before re-sending anything.

A result is in doubt when a request carrying it left and no readable answer came back (a
timeout, a dropped connection, a 5xx), or when a previous process died with it ``sending`` in
the journal. Each result's run output ends with its marker (:func:`.wire.marker_for`); the
runs of its instance updated since the upload began are read back, and a result whose marker
is found is confirmed, not re-sent. The rest were not applied: they go back to the sender.

A read-back proves "not applied" only once the request can no longer be applied: a server (or
the gateway in front of it) may have queued the request and apply it after we gave up. So when
the answer was lost (no answer, a dropped connection, a gateway's 502/504, an answer we could
not read), the results not found by the first read are read again ``settle_delay`` seconds
(default: the client's timeout) after we gave up, and only those still absent are re-sent. A
result journaled ``sending`` by a process that died is treated the same way, from the time it
was sent. Limit: a write applied later than that is still duplicated.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence

from ..errors import OutcomeUnknownError
from ..models import Run
from ..services import Services, project_path
from . import wire
from .answers import check_run
from .journal import CONFIRMED, SENDING, Entry
from .outcomes import Outcomes
from .pending import Pending, UploadScope

IDS_PER_GET = 50  # ids in one GET's query string (FireCracker's bound against long URLs)
MAX_RESENDS = 3
ANSWERED = frozenset({500, 503})  # the application answered: nothing of it is still queued


def may_apply_later(exc: OutcomeUnknownError) -> bool:
    """Whether a write whose outcome is unknown may still be applied after we gave up: always,
    unless the application itself answered (500/503; a gateway's 502/504 may front a backend
    that is still working)."""
    return exc.status not in ANSWERED


class Reconciler:
    """Reads back what may have been applied; confirms it, or hands it back to be re-sent."""

    def __init__(
        self,
        services: Services,
        project_id: int,
        outcomes: Outcomes,
        scope: UploadScope,
        *,
        mark_runs: bool,
        settle_delay: float,
        timeout: float | None = None,
    ) -> None:
        self._services = services
        self._project_id = project_id
        self._outcomes = outcomes
        self._scope = scope
        self.mark_runs = mark_runs
        self.settle_delay = max(0.0, settle_delay)
        self.timeout = self.settle_delay if timeout is None else max(0.0, timeout)
        self._started = time.time()  # a process that died before us sent nothing after this

    def settled_at(self, exc: OutcomeUnknownError | None, gave_up: float | None = None) -> float:
        """When (``time.time()``) a read-back can prove a write was not applied: at once when
        the application answered, else ``settle_delay`` after we gave up on it."""
        if exc is not None and not may_apply_later(exc):
            return 0.0
        return (time.time() if gave_up is None else gave_up) + self.settle_delay

    def _left_settled_at(self, unsure: list[Pending], entries: dict[str, Entry]) -> float:
        """When what an earlier process left ``sending`` can no longer be applied. It journaled
        ``sent_at`` before waiting for the limiter, so the request may have left later, but
        no later than our own start (it was dead by then): that plus a timeout to give up,
        plus ``settle_delay``."""
        sent = [entries[p.key].sent_at or self._started for p in unsure]
        left = min(self._started, max(sent) + 10 * self.timeout)
        return left + self.timeout + self.settle_delay

    async def wait_until(self, when: float) -> None:
        """Sleep until ``when`` (``time.time()``), if it is still ahead."""
        delay = when - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def skip_confirmed(self, pendings: list[Pending]) -> list[Pending]:
        """Drop results an earlier run confirmed; reconcile the ones it left ``sending``.
        Returns the results still to send."""
        out = self._outcomes
        journal = out.journal
        if journal is None:
            return pendings
        keys = [p.key for p in pendings]
        entries = journal.entries(self._scope.journal, keys, rewrite=not out.dry_run)
        todo: list[Pending] = []
        unsure: list[Pending] = []
        for p in pendings:
            entry = entries.get(p.key)
            if entry is not None and entry.fingerprint not in (None, p.fingerprint):
                p.in_doubt = True  # not ours to change in the journal
                out.fail(
                    p,
                    f"the journal {journal.path} holds a different result under the key "
                    f"{p.key!r}: it belongs to another upload (use one journal per upload)",
                )
            elif entry is not None and entry.state == CONFIRMED:
                out.already_uploaded(p, entry.run_id)
            elif entry is not None and entry.state == SENDING and not out.dry_run:
                p.instance_id = entry.instance_id
                p.in_doubt = True
                unsure.append(p)
            else:
                todo.append(p)
        if unsure and not self.mark_runs:
            for p in unsure:
                out.fail(p, "an earlier run sent it and its outcome is unknown (mark_runs off)")
            unsure = []
        if unsure:
            applied = await self.find_applied_settled(
                unsure, self._left_settled_at(unsure, entries)
            )
            for p in unsure:
                if p.marker in applied:
                    out.confirm(p, applied[p.marker], reconciled=True)
                else:
                    p.instance_id, p.in_doubt = None, False
                    todo.append(p)
            out.journal_forget([p for p in unsure if p.marker not in applied])
        return todo

    async def settle(self, chunk: list[Pending], exc: OutcomeUnknownError | None) -> list[Pending]:
        """A request carrying ``chunk`` got no answer we could read (``exc``): confirm those
        applied, fail those sent too often, and return the rest (forgotten in the journal) to
        be sent again."""
        out = self._outcomes
        if not self.mark_runs:
            for p in chunk:
                out.fail(p, "outcome unknown (the answer was lost); not re-sent (mark_runs off)")
            return []
        applied = await self.find_applied_settled(chunk, self.settled_at(exc))
        again: list[Pending] = []
        for p in chunk:
            if p.marker in applied:
                out.confirm(p, applied[p.marker], reconciled=True)
                continue
            p.in_doubt = False  # read back: it was not applied
            if p.resends >= MAX_RESENDS:
                out.fail(p, "refused without an answer several times; not sent again")
            else:
                p.resends += 1
                again.append(p)
        if again:
            out.journal_forget(again)
        return again

    async def find_applied_settled(
        self, pendings: Sequence[Pending], settled_at: float
    ) -> dict[str, Run]:
        """:meth:`find_applied`, read again at ``settled_at`` for those not found at first (a
        write applied late is found by the second read)."""
        found = await self.find_applied(pendings)
        rest = [p for p in pendings if p.marker not in found]
        if rest and settled_at > time.time():
            await self.wait_until(settled_at)
            found.update(await self.find_applied(rest))
        return found

    async def find_applied(self, pendings: Sequence[Pending]) -> dict[str, Run]:
        """Read back the runs of these results' instances; map each marker found to its run."""
        await self._locate_instances([p for p in pendings if p.instance_id is None])
        wanted = {p.marker for p in pendings}
        ids = sorted({p.instance_id for p in pendings if p.instance_id is not None})
        hours = math.ceil((time.time() - self._scope.began) / 3600) + 1  # clock skew: +1 h
        found: dict[str, Run] = {}
        for start in range(0, len(ids), IDS_PER_GET):
            listing = self._services.runs.list(
                self._project_id,
                instance_ids=ids[start : start + IDS_PER_GET],
                updated_hours_ago=hours,
            )
            async for run in listing:
                check_run(run, "GET", project_path(self._project_id, "runs.json"))
                for marker in wire.markers_in(run.automated_execution_output) & wanted:
                    found.setdefault(marker, run)
        self._outcomes.report.reconciled += len(found)
        return found

    async def _locate_instances(self, pendings: Sequence[Pending]) -> None:
        """Fresh look-ups (not the index, which may remember "absent") after an auto_create."""
        for p in pendings:
            page = await self._services.instances.list(
                self._project_id, set_ids=[self._scope.set_id or 0], name_exact=p.result.name
            )
            if page.items:
                p.instance_id = page.items[0].id
