"""Packing ready results into requests and sending them; what is in flight lives here.

A result is *ready* once it has an instance. Ready results are packed into ``POST runs.json``
requests of up to 20 on distinct instances, within a byte budget, never with an instance that a
request in flight already carries (runs of one instance go out one request at a time). At most
``max_in_flight`` requests run at once, as background tasks. Each request is journaled
``sending`` before it leaves; its answer confirms its results, a 422 splits it by halves to find
the culprit, and a lost answer goes to the :class:`.Reconciler` before anything is re-sent.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ..codec import JSON, Ref
from ..errors import (
    APIError,
    NotFoundError,
    OutcomeUnknownError,
    PractiTestError,
    ValidationError,
)
from ..models import Run, RunDraft
from ..services import AutoCreated
from . import wire
from .outcomes import RUNS_PER_REQUEST, Outcomes, stops_upload
from .pending import Pending, settled
from .reconciler import MAX_RESENDS, Reconciler
from .writer import Writer

GROUP = 100  # results routed together; also how many ready results make a request worth it
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MIN_REQUEST_BYTES = 64 * 1024  # a gateway's 413 lowers the budget, never below this

log = logging.getLogger("practitest_async.upload")


def too_large(exc: PractiTestError) -> bool:
    """A gateway refused the request for its size (413)."""
    return isinstance(exc, APIError) and exc.status == 413


def isolating(exc: PractiTestError) -> bool:
    """Whether a refusal of a whole bulk request (nothing applied) may be about one of its
    results only, so that halving the request finds it: 400/422, 404 (a stale instance or
    test id), 413 (one result too large)."""
    return isinstance(exc, (ValidationError, NotFoundError)) or too_large(exc)


class Sender:
    """The ready results, the requests in flight, and how results are packed into them."""

    def __init__(
        self,
        writer: Writer,
        outcomes: Outcomes,
        reconciler: Reconciler,
        *,
        version: str | None,
        mark_runs: bool,
        attach_full_output: bool,
        max_in_flight: int,
    ) -> None:
        self._writer = writer
        self._outcomes = outcomes
        self._reconciler = reconciler
        self.version = version
        self.mark_runs = mark_runs
        self.attach_full_output = attach_full_output
        self.max_in_flight = max(1, max_in_flight)
        self.max_request_bytes = MAX_REQUEST_BYTES
        # The refusal that failed the last results alone, and how many in a row (see
        # _split_or_fail): a refusal about every result is not searched for by halves forever.
        self._refusal: tuple[object, ...] | None = None
        self._refused_in_a_row = 0
        self.ready: collections.deque[Pending] = collections.deque()
        self.tasks: set[asyncio.Task[None]] = set()
        # Set when a request in flight ends: what the dispatcher waits on. (asyncio.wait over
        # the tasks in flight adds and removes a callback on each of them at every wake-up:
        # with a task per new test that was a fifth of the CPU of an upload of new tests.)
        self._ended = asyncio.Event()
        self._busy_instances: set[int] = set()  # a request for them is in flight
        # Takes back a result refused alone whose instance came from the id cache (it may be
        # stale: deleted since); returns whether it did. Set by the router.
        self.on_stale: Callable[[Pending], bool] | None = None

    # --- background tasks ------------------------------------------------------------------

    def spawn(
        self,
        coro: Coroutine[Any, Any, None],
        owners: Sequence[Pending],
        after: Callable[[], None] | None = None,
    ) -> None:
        """Run a request in the background; ``after`` runs when it ends. Should it die of an
        error (a failed read-back, say), the results it carried are reported failed with that
        error, and those that may have been applied stay ``sending`` in the journal for the
        next run to reconcile: a result is never silently dropped, nor sent twice."""
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self.tasks.add(task)

        def finished(task: asyncio.Task[None]) -> None:
            self.tasks.discard(task)
            if not task.cancelled() and (exc := task.exception()) is not None:
                if isinstance(exc, PractiTestError) and stops_upload(exc):
                    self._outcomes.stop(exc)
                for p in owners:
                    if not p.done:
                        self._outcomes.fail(p, f"{type(exc).__name__}: {exc}")
            if after is not None:
                after()
            if len(self.tasks) < self.max_in_flight:  # else no request could be sent anyway
                self._ended.set()

        task.add_done_callback(finished)

    async def wait_for_one(self) -> None:
        """Return once a request in flight has ended leaving room for another (at once when
        none is in flight): while ``max_in_flight`` or more run, :meth:`send_ready` can do
        nothing, so an end that leaves as many does not wake the dispatcher (with a task per
        new test, a hundred may run). The caller checks again what it waits for."""
        if not self.tasks:
            return
        self._ended.clear()
        await self._ended.wait()

    def cancel_all(self) -> None:
        """Cancel every request in flight."""
        for task in self.tasks:
            task.cancel()

    # --- packing ---------------------------------------------------------------------------

    def enqueue(self, p: Pending) -> None:
        """``p`` has its instance: send it with the next request that has room."""
        p.queued = True
        self.ready.append(p)

    def send_ready(self, *, flush: bool) -> None:
        """Pack ready results into requests: full ones always, partial ones when flushing (or
        when so many wait on few instances that no full request can form)."""
        ready = self.ready
        while ready and len(self.tasks) < self.max_in_flight:
            budget = self.max_request_bytes
            chunk, scanned, skipped = _take(ready, self._busy_instances, budget)
            full = len(chunk) >= RUNS_PER_REQUEST or sum(p.weight for p in chunk) > budget // 2
            if not chunk or not (full or flush or len(ready) + len(scanned) >= GROUP):
                ready.extendleft(reversed(scanned))  # as they were: nothing is sent yet
                return
            ready.extendleft(reversed(skipped))
            ids = {p.instance_id for p in chunk if p.instance_id is not None}
            self._busy_instances |= ids  # runs of one instance go out one request at a time

            def release(ids: set[int] = ids) -> None:
                self._busy_instances -= ids

            self.spawn(self._post_runs(chunk), chunk, after=release)

    def draft(self, p: Pending, instance_id: int | None = None) -> RunDraft:
        """What is sent for ``p`` (on its instance, or on ``instance_id``)."""
        chosen = p.instance_id if instance_id is None else instance_id
        assert chosen is not None
        return wire.to_draft(
            wire.without_files(p.result) if p.slim else p.result,
            chosen,
            version=self.version,
            marker=p.marker if self.mark_runs else None,
            attach_full_output=self.attach_full_output and not p.slim,
        )

    def item(self, p: Pending) -> dict[str, JSON]:
        """What is sent for ``p`` in POST runs.json: :meth:`draft`, encoded (built directly)."""
        assert p.instance_id is not None
        return wire.run_item(
            wire.without_files(p.result) if p.slim else p.result,
            p.instance_id,
            version=self.version,
            marker=p.marker if self.mark_runs else None,
            attach_full_output=self.attach_full_output and not p.slim,
        )

    # --- POST runs.json --------------------------------------------------------------------

    async def _post_runs(self, chunk: list[Pending]) -> None:
        out = self._outcomes
        if out.fatal is not None:
            for p in chunk:
                out.fail(p, str(out.fatal))
            return
        items = [self.item(p) for p in chunk]
        out.journal_sending(chunk)
        for p in chunk:
            p.in_doubt = True
        out.sent += len(chunk)
        out.emit("sent")
        try:
            runs = await self._writer.post_items(items)
        except OutcomeUnknownError as exc:
            await self._settle_and_resend(chunk, exc)
        except PractiTestError as exc:  # refused whole: nothing was applied
            settled(chunk)
            if isolating(exc):  # maybe because of one of them: find it by halves
                await self._split_or_fail(chunk, exc)
            else:  # about every one of them (401, 403, 429 after the pauses...)
                out.fail_all(chunk, exc)
        else:
            by_instance = {run.instance_id: run for run in runs}
            missing: list[Pending] = []
            confirmed: list[tuple[Pending, Ref]] = []
            for p in chunk:
                run = by_instance.get(p.instance_id)
                if run is None:
                    missing.append(p)  # an answer that does not say: it may have been applied
                else:
                    confirmed.append((p, run))
            if confirmed:
                self._refused_in_a_row = 0
                out.confirm_all(confirmed)
            if missing:
                await self._settle_and_resend(missing, None)
        finally:
            out.emit_pause_if_any()

    async def _settle_and_resend(
        self, chunk: list[Pending], exc: OutcomeUnknownError | None
    ) -> None:
        again = await self._reconciler.settle(chunk, exc)
        if again:
            self._outcomes.sent -= len(again)
            await self._post_runs(again)

    async def _split_or_fail(self, chunk: list[Pending], exc: PractiTestError) -> None:
        """A 422, 404 or 413 refuses the whole request (nothing applied): find the bad results
        by halves. A result refused alone as too large is sent once more without its files; one
        refused alone with a 404 on an instance from the id cache is healed, not failed.

        Halving costs two calls per result when the refusal is about every result (an unknown
        custom field, a bad version): once ``SYSTEMATIC`` results in a row, with no success
        between them, failed alone with the same refusal, a request refused the same way fails
        whole at once, saying so; the first success starts the count again."""
        out = self._outcomes
        out.journal_forget(chunk)
        signature = _refusal_signature(exc)
        if (
            len(chunk) > 1
            and signature == self._refusal
            and self._refused_in_a_row >= SYSTEMATIC
            and not too_large(exc)
        ):
            for p in chunk:
                out.fail(p, f"{exc} (as the {self._refused_in_a_row} results before it)")
            self._refused_in_a_row += len(chunk)
            return
        if too_large(exc):  # later requests stay below what the gateway refused
            refused = sum(p.weight for p in chunk)
            self.max_request_bytes = max(
                MIN_REQUEST_BYTES, min(self.max_request_bytes, refused // 2)
            )
        if len(chunk) == 1:
            p = chunk[0]
            if too_large(exc) and not p.slim and p.has_files:
                p.slim = True
                warning = (
                    f"{p.result.name!r}: sent without its attachments and full output, which "
                    f"made the request too large for the server ({exc})"
                )
                log.warning("%s", warning)
                out.report.warnings.append(warning)
                out.sent -= 1
                await self._post_runs([p])
                return
            stale = isinstance(exc, NotFoundError) or "instance" in str(exc).lower()
            if p.cached and stale and self.on_stale is not None and self.on_stale(p):
                out.sent -= 1  # it will be sent again, on its real instance
                return
            if signature != self._refusal:
                self._refusal, self._refused_in_a_row = signature, 0
            self._refused_in_a_row += 1
            out.fail(p, str(exc))
            return
        half = len(chunk) // 2
        for part in (chunk[:half], chunk[half:]):
            self._outcomes.sent -= len(part)
            await self._post_runs(part)

    async def settle_wait(self, exc: OutcomeUnknownError) -> None:
        """Wait until a write whose answer was lost (``exc``) can no longer be applied."""
        await self._reconciler.wait_until(self._reconciler.settled_at(exc))

    # --- POST runs/auto_create.json --------------------------------------------------------

    async def auto_create(self, p: Pending, set_id: int) -> tuple[Run, AutoCreated | None] | None:
        """Send ``p`` through ``runs/auto_create.json`` (its test does not exist yet),
        settling a lost answer before sending again. Returns its run and, when PractiTest
        answered, what it created; None when ``p`` failed (and was reported so)."""
        out = self._outcomes
        if out.fatal is not None:
            out.fail_all([p], out.fatal)
            return None
        while True:
            out.journal_sending([p])
            p.in_doubt = True
            out.sent += 1
            out.emit("sent")
            try:
                made = await self._writer.auto_create(set_id, p.result.name, self.draft(p, 0))
            except OutcomeUnknownError as exc:
                if not self.mark_runs:
                    out.fail(p, "outcome unknown (the answer was lost); not re-sent")
                    return None
                settled_at = self._reconciler.settled_at(exc)
                applied = await self._reconciler.find_applied_settled([p], settled_at)
                if p.marker in applied:
                    return applied[p.marker], None
                p.in_doubt = False  # read back: it was not applied
                out.journal_forget([p])
                out.sent -= 1
                if p.resends >= MAX_RESENDS:
                    out.fail(p, "refused without an answer several times; not sent again")
                    return None
                p.resends += 1
            except PractiTestError as exc:
                p.in_doubt = False
                out.fail_all([p], exc)
                return None
            else:
                return made.run, made
            finally:
                out.emit_pause_if_any()


SYSTEMATIC = 20  # results failed alone in a row with one refusal: it is about every result


def _refusal_signature(exc: PractiTestError) -> tuple[object, ...]:
    """What makes two refusals the same: their class, HTTP status and the server's distinct
    titles, numbers left out (they name the item's place in the request: ``data[3]``)."""
    titles = tuple(sorted({re.sub(r"\d+", "#", t) for t in getattr(exc, "titles", ()) or ()}))
    return (type(exc), getattr(exc, "status", None), titles)


def take_chunk(
    ready: collections.deque[Pending], busy: set[int], budget: int = MAX_REQUEST_BYTES
) -> tuple[list[Pending], collections.deque[Pending]]:
    """The first request that can be made from ``ready``: up to 20 results on distinct
    instances that no request in flight holds, within the byte budget; and what is left, in
    order."""
    rest = collections.deque(ready)
    chunk, _, skipped = _take(rest, busy, budget)
    rest.extendleft(reversed(skipped))
    return chunk, rest


def _take(
    ready: collections.deque[Pending], busy: set[int], budget: int
) -> tuple[list[Pending], list[Pending], list[Pending]]:
    """:func:`take_chunk` in place: takes from the left of ``ready`` until the request is full
    (not through all of it: a backlog of hundreds was read whole for every request). Returns
    the chunk, every result taken off ``ready`` in order, and those of them not in the chunk
    (to put back in front, in order)."""
    chunk: list[Pending] = []
    scanned: list[Pending] = []
    skipped: list[Pending] = []
    seen: set[int | None] = set(busy)
    size = 0
    while ready and len(chunk) < RUNS_PER_REQUEST:
        p = ready.popleft()
        scanned.append(p)
        weight = p.weight
        if p.instance_id not in seen and (size + weight <= budget or not chunk):
            chunk.append(p)
            seen.add(p.instance_id)
            size += weight
        else:
            skipped.append(p)
    return chunk, scanned, skipped
