"""The streaming uploader: results in, runs out, with the fewest calls and exactly once.

:class:`Uploader` is the coordinator; each step lives in a module of its own:

- :mod:`.router`: which set, and which instance, each result goes to (finds or makes them);
- :mod:`.sender`: packs ready results into requests, sends them, owns what is in flight;
- :mod:`.reconciler`: settles results whose outcome is unknown by reading the server;
- :mod:`.outcomes`: the report, the journal (:mod:`.journal`) and the progress events;
- :mod:`.pending`: a result on its way, shared by all of them.

Requests go out concurrently through the client's one limiter; ``add`` blocks when the buffer
is full, and the dispatcher reads no more results while the requests in flight or the results
routed but not yet sent are at their bounds, so memory stays bounded however many results
stream in.

Exactly once: each result has a key. A marker derived from the key and from this upload's nonce
(random; kept in the journal, so that a resumed upload uses the same one) ends the run's
execution output. Before a request is sent its results are journaled as ``sending``. When a
POST's outcome is unknown (timeout, dropped connection, 5xx), or a previous process died with
results ``sending``, the runs of those instances updated since the upload began are read back;
a result whose marker is found is confirmed, not re-sent. Limits: the marker takes ~20 of the
255 output characters; reconciling reads runs (a call per 50 instances and per 100 runs); with
``mark_runs=False`` an unknown outcome is reported as a failure instead of being re-sent; runs
created by hand with a copied marker would be mistaken for ours.
"""

from __future__ import annotations

import asyncio
import os
import time
from types import TracebackType

from ..errors import PractiTestError
from ..limiter import Limiter
from ..services import Services
from ..transport import Transport
from .cache import IdCache
from .journal import Journal
from .outcomes import RUNS_PER_REQUEST, Outcomes
from .pending import Pending, UploadScope, result_bytes
from .reconciler import IDS_PER_GET, MAX_RESENDS, Reconciler
from .report import ProgressCallback, UploadReport
from .results import RunResult
from .router import INSTANCES_PER_REQUEST, Router
from .sender import GROUP, MAX_REQUEST_BYTES, Sender, take_chunk
from .writer import DryWriter, LiveWriter, Writer

__all__ = [
    "BACKLOG",
    "GROUP",
    "IDS_PER_GET",
    "INSTANCES_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "MAX_RESENDS",
    "RUNS_PER_REQUEST",
    "Pending",
    "Uploader",
    "_take_chunk",
]

BACKLOG = 4 * GROUP  # results routed but not yet sent, before the dispatcher stops reading
# Bytes of results (outputs, attachments, what is made of them) held between add() and their
# outcome: add() waits beyond this, so memory does not grow with the number of large results.
MAX_BUFFERED_BYTES = 64 * 1024 * 1024
_take_chunk = take_chunk  # the name tests and older code know


class Uploader:
    """Upload results as runs; see the module docstring. Use through ``Client.uploader``."""

    def __init__(
        self,
        services: Services,
        transport: Transport,
        limiter: Limiter,
        project_id: int,
        *,
        test_set: str | int,
        create_missing: bool = True,
        version: str | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        raise_on_failure: bool = True,
        attach_full_output: bool = True,
        mark_runs: bool = True,
        max_in_flight: int = 4,
        buffer_size: int = 200,
        expected_results: int | None = None,
        dry_run: bool = False,
        cache: IdCache | str | os.PathLike[str] | None = None,
        settle_delay: float | None = None,
        max_buffered_bytes: int = MAX_BUFFERED_BYTES,
    ) -> None:
        if isinstance(test_set, str) and not test_set.strip():
            raise ValueError("test_set must be a set name or a set id")
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, not {buffer_size}")
        self.project_id = int(project_id)
        self.test_set = test_set
        self.create_missing = create_missing
        self.version = version
        self.raise_on_failure = raise_on_failure
        self.attach_full_output = attach_full_output
        self.mark_runs = mark_runs
        self.max_in_flight = max(1, max_in_flight)
        self.expected_results = expected_results
        self.dry_run = dry_run
        # A path is opened (and closed) here; a Journal object stays the caller's to close.
        self._owns_journal = isinstance(journal, (str, os.PathLike))
        self.journal = Journal(journal) if isinstance(journal, (str, os.PathLike)) else journal
        # The same for the id cache (see .cache): ids remembered from earlier uploads.
        self._owns_cache = isinstance(cache, (str, os.PathLike))
        self.cache = IdCache(cache) if isinstance(cache, (str, os.PathLike)) else cache
        self.writer: Writer = DryWriter() if dry_run else LiveWriter(services, self.project_id)
        self.report = UploadReport(project_id=self.project_id)
        scope = UploadScope(began=time.time())
        self._outcomes = Outcomes(
            self.report,
            self.journal,
            scope,
            transport=transport,
            limiter=limiter,
            progress=progress,
            expected_results=expected_results,
            dry_run=dry_run,
        )
        timeout = transport.timeout.total or 60.0
        if settle_delay is None:  # how long after we gave up a lost write may still apply
            settle_delay = timeout
        self._reconciler = Reconciler(
            services,
            self.project_id,
            self._outcomes,
            scope,
            mark_runs=mark_runs,
            settle_delay=settle_delay,
            timeout=timeout,
        )
        self._sender = Sender(
            self.writer,
            self._outcomes,
            self._reconciler,
            version=version,
            mark_runs=mark_runs,
            attach_full_output=attach_full_output,
            max_in_flight=self.max_in_flight,
        )
        self._router = Router(
            services,
            self.project_id,
            base_url=transport.base_url,
            test_set=test_set,
            create_missing=create_missing,
            writer=self.writer,
            outcomes=self._outcomes,
            sender=self._sender,
            scope=scope,
            cache=self.cache,
            expected_more=self._expected_more,
            limiter=limiter,
        )
        self._queue: asyncio.Queue[RunResult | None] = asyncio.Queue(maxsize=buffer_size)
        self.max_buffered_bytes = max_buffered_bytes
        self._buffered = 0  # bytes of the results added and not settled yet
        self._room = asyncio.Event()
        self._outcomes.on_settled = self._release
        self._outcomes.pending_creates = lambda: len(self._router.awaiting_test)
        self._dispatcher: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def progress(self) -> ProgressCallback | None:
        """The progress callback (None once it raised: progress is then off)."""
        return self._outcomes.progress

    @progress.setter
    def progress(self, callback: ProgressCallback | None) -> None:
        self._outcomes.progress = callback

    # --- public face ---------------------------------------------------------------------

    async def __aenter__(self) -> Uploader:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
            await self._abort()
            return
        await self.close()
        if exc is None and self.raise_on_failure and not self.report.ok:
            from .report import UploadError

            raise UploadError(self.report)

    async def start(self) -> None:
        """Start the background dispatcher (after taking the journal, which raises
        :class:`~.journal.JournalBusyError` while another upload holds it)."""
        if self.journal is not None and not self.dry_run:
            try:
                self.journal.lock()
            except BaseException:
                self._close_files()
                raise
        self._outcomes.start()
        self._router.open()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="practitest-uploader")
        self._outcomes.emit("planned")

    async def add(self, result: RunResult) -> None:
        """Queue one result; returns at once while there is room in the buffer."""
        if not isinstance(result, RunResult):
            raise TypeError(f"add() takes a RunResult, not {type(result).__name__}")
        if self._closed or self._dispatcher is None:
            raise RuntimeError("the uploader is not running (use `async with ... as up:`)")
        if self._dispatcher.done():
            self._dispatcher.result()  # re-raise what stopped it
        size = result_bytes(result)
        while self._buffered and self._buffered + size > self.max_buffered_bytes:
            self._room.clear()
            waiter = asyncio.ensure_future(self._room.wait())
            try:
                await asyncio.wait([waiter, self._dispatcher], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if self._dispatcher.done():
                self._dispatcher.result()
        self._buffered += size
        if self._queue.full():
            await self._queue.put(result)
        else:  # what put() does when there is room, without a coroutine per result
            self._queue.put_nowait(result)
        if self._dispatcher.done():  # it died while we waited for room
            self._dispatcher.result()

    async def close(self) -> UploadReport:
        """Send what is buffered, wait for every request, and return the report."""
        if not self._closed:
            self._closed = True
            assert self._dispatcher is not None
            try:
                if not self._dispatcher.done():
                    await self._queue.put(None)
                await self._dispatcher
            finally:
                self._close_files()
            self._outcomes.finish_report()
            self._outcomes.emit("finished")
        return self.report

    async def _abort(self) -> None:
        self._closed = True
        tasks = list(self._sender.tasks)
        for task in [*tasks, *([self._dispatcher] if self._dispatcher else [])]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._close_files()

    def _close_files(self) -> None:
        self._router.close()  # (called once the upload is over, however it ended)
        if self.cache is not None:
            self._router.flush_cache()
            if self._owns_cache:
                self.cache.close()
        if self.journal is None:
            return
        if self._owns_journal:
            self.journal.close()
        elif not self.dry_run:
            self.journal.unlock()

    # --- the dispatcher --------------------------------------------------------------------

    async def _dispatch(self) -> None:
        sender = self._sender
        try:
            while (group := await self._next_group()) is not None:
                if group:
                    await self._route(group)
                sender.send_ready(flush=self._over_budget())
                await self._wait_for_room()
            while sender.tasks or sender.ready:
                sender.send_ready(flush=not sender.tasks or not self._router.waiting())
                await sender.wait_for_one()
            self._router.fail_stranded()
        except BaseException:
            sender.cancel_all()
            while not self._queue.empty():  # release anyone blocked in add() or close()
                self._queue.get_nowait()
            raise

    async def _next_group(self) -> list[RunResult] | None:
        first = await self._queue.get()
        if first is None:
            return None
        group = [first]
        while len(group) < GROUP and not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                self._queue.put_nowait(None)  # seen again by the next round, which ends
                break
            group.append(item)
        return group

    async def _wait_for_room(self) -> None:
        """Read no more results while the requests in flight, or the results routed but not
        yet sent, are at their bounds: this is what keeps memory flat for any N."""
        sender = self._sender
        while sender.tasks and (
            len(sender.tasks) >= self.max_in_flight or self._backlog() >= BACKLOG
        ):
            await sender.wait_for_one()
            sender.send_ready(flush=self._over_budget())

    def _release(self, p: Pending) -> None:
        self._buffered -= result_bytes(p.result)
        self._room.set()

    def _over_budget(self) -> bool:
        """Whether add() is (or is about to be) waiting for room: send what is ready."""
        return self._buffered >= self.max_buffered_bytes // 2

    def _expected_more(self) -> int:
        """Results the caller said are still to come (0 when it did not say)."""
        return max(0, (self.expected_results or 0) - self._outcomes.seen)

    def _backlog(self) -> int:
        return len(self._sender.ready) + self._router.backlog()

    async def _route(self, group: list[RunResult]) -> None:
        out, router = self._outcomes, self._router
        out.seen += len(group)
        if out.fatal is None and not router.has_set:
            try:
                await router.ensure_set(group)
            except PractiTestError as exc:
                out.fatal = self.report.fatal_error = exc  # no set: nothing can be sent
        pendings = [router.pending(r) for r in group]
        if out.fatal is not None:
            out.fail_all(pendings, out.fatal)
            return
        try:
            await router.place(await self._reconciler.skip_confirmed(pendings))
        except PractiTestError as exc:
            out.fail_all([p for p in pendings if not p.done and not p.queued], exc)
