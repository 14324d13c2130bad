"""The streaming uploader: results in, runs out, with the fewest calls and exactly once.

How a result becomes a run (the call plan):

1. The set is found by exact name (one call) or read by id; a missing set is created with
   ``instances.test-ids`` of the tests that already exist among the first results.
2. The set's instances are read 100 per page (or looked up one name at a time when that is
   cheaper, see :mod:`.index`) to map test name (or test id) -> instance.
3. Results with an instance are packed into ``POST runs.json`` requests of 20, never with one
   instance twice in a request. Tests that exist but have no instance in the set get one
   through ``POST instances.json`` (20 per request) first. Tests that do not exist go through
   ``runs/auto_create.json`` (one call each; later results of the same test wait for it and
   then join the bulk requests). With ``create_missing=False`` they fail as "no such test".
4. Requests go out concurrently through the client's one limiter; ``add`` blocks when the
   buffer is full, so memory stays bounded however many results stream in.

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
import collections
import functools
import hashlib
import logging
import math
import os
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from types import TracebackType
from typing import Any

import attrs

from ..errors import (
    AuthenticationError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PractiTestError,
    ValidationError,
)
from ..limiter import Limiter, RateLimit
from ..models import Instance, Run, RunDraft, Test
from ..services import Services
from ..transport import Transport
from . import wire
from .index import Key, NameIndex
from .journal import CONFIRMED, SENDING, Journal
from .report import FailedResult, ProgressCallback, UploadEvent, UploadReport
from .results import RunResult
from .writer import DryWriter, LiveWriter, Writer

log = logging.getLogger("practitest_async.upload")

RUNS_PER_REQUEST = 20
INSTANCES_PER_REQUEST = 20
GROUP = 100  # results routed together (one round of name resolution)
IDS_PER_GET = 50  # ids in one GET's query string (FireCracker's bound against long URLs)
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MAX_RESENDS = 3
BACKLOG = 4 * GROUP  # results routed but not yet sent, before the dispatcher stops reading


@attrs.define(eq=False)
class Pending:
    """A result on its way: its key, its marker and, once known, its instance."""

    result: RunResult
    key: str
    marker: str
    instance_id: int | None = None
    resends: int = 0
    queued: bool = False  # handed to a request or a wait: no longer the router's to fail
    in_doubt: bool = False  # a request carrying it left and its outcome is not known yet
    done: bool = False

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the result says, hashed, leaving out what changes from one execution of the
        same outcome to the next (duration, output text): a resumed or retried upload matches
        its journal, while another upload reusing the journal is caught when a status moved."""
        r = self.result
        parts: list[object] = [r.name, r.status.value, r.version, r.test_id, r.instance_id]
        parts += [sorted(r.custom_fields.items()), sorted(a.filename for a in r.attachments)]
        parts += [(s.name, s.status.value) for s in r.steps]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    @property
    def weight(self) -> int:
        """Roughly how many bytes the result adds to a request (attachments dominate)."""
        files = list(self.result.attachments) + [
            a for s in self.result.steps for a in s.attachments
        ]
        return 2048 + len(self.result.output or "") + sum(len(f.content) * 4 // 3 for f in files)


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
    ) -> None:
        if isinstance(test_set, str) and not test_set.strip():
            raise ValueError("test_set must be a set name or a set id")
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, not {buffer_size}")
        self._services = services
        self._transport = transport
        self._limiter = limiter
        self.project_id = int(project_id)
        self.test_set = test_set
        self.create_missing = create_missing
        self.version = version
        self.progress = progress
        self.raise_on_failure = raise_on_failure
        self.attach_full_output = attach_full_output
        self.mark_runs = mark_runs
        self.max_in_flight = max(1, max_in_flight)
        self.expected_results = expected_results
        self.dry_run = dry_run
        # A path is opened (and closed) here; a Journal object stays the caller's to close.
        self._owns_journal = isinstance(journal, (str, os.PathLike))
        self.journal = Journal(journal) if isinstance(journal, (str, os.PathLike)) else journal
        self.writer: Writer = DryWriter() if dry_run else LiveWriter(services, self.project_id)
        self.report = UploadReport(project_id=self.project_id)
        self._queue: asyncio.Queue[RunResult | None] = asyncio.Queue(maxsize=buffer_size)
        self._ordinals: collections.Counter[tuple[str, int | None, int | None]] = (
            collections.Counter()
        )
        self._ready: collections.deque[Pending] = collections.deque()
        self._awaiting_test: dict[str, list[Pending]] = {}
        self._awaiting_instance: dict[int, list[Pending]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._fatal: PractiTestError | None = None
        self._seen = 0
        self._sent = 0
        self._calls_at_start = 0
        self._pauses_at_start = 0
        self._started = 0.0
        self._set_id: int | None = None
        self._scope = ""
        self._marker_scope = ""
        self._began = time.time()
        self._tests: NameIndex[Test] | None = None
        self._instances: NameIndex[Instance] | None = None
        self._closed = False
        self._pauses_reported = 0
        self._busy_instances: set[int] = set()  # a request for them is in flight

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
        """Start the background dispatcher."""
        self._started = time.monotonic()
        self._calls_at_start = self._transport.stats.calls
        self._pauses_at_start = self._limiter_pauses()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="practitest-uploader")
        self._emit("planned")

    async def add(self, result: RunResult) -> None:
        """Queue one result; returns at once while there is room in the buffer."""
        if not isinstance(result, RunResult):
            raise TypeError(f"add() takes a RunResult, not {type(result).__name__}")
        if self._closed or self._dispatcher is None:
            raise RuntimeError("the uploader is not running (use `async with ... as up:`)")
        if self._dispatcher.done():
            self._dispatcher.result()  # re-raise what stopped it
        await self._queue.put(result)
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
                self._close_journal()
            self._finish_report()
            self._emit("finished")
        return self.report

    async def _abort(self) -> None:
        self._closed = True
        for task in [*self._tasks, *([self._dispatcher] if self._dispatcher else [])]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._close_journal()

    def _close_journal(self) -> None:
        if self._owns_journal and self.journal is not None:
            self.journal.close()

    # --- the dispatcher --------------------------------------------------------------------

    async def _dispatch(self) -> None:
        try:
            while (group := await self._next_group()) is not None:
                if group:
                    await self._route(group)
                self._send_ready(flush=False)
                await self._wait_for_room()
            while self._tasks or self._ready:
                self._send_ready(flush=not self._tasks or not self._producers_running())
                if self._tasks:
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            self._fail_stranded()
        except BaseException:
            for task in self._tasks:
                task.cancel()
            while not self._queue.empty():  # release anyone blocked in add() or close()
                self._queue.get_nowait()
            raise

    def _fail_stranded(self) -> None:
        """Safety net: a result still waiting when everything has finished is reported."""
        stranded = [p for waiting in self._awaiting_test.values() for p in waiting]
        stranded += [p for waiting in self._awaiting_instance.values() for p in waiting]
        for p in stranded:
            if not p.done:
                self._fail(p, "not sent: the request it waited for ended without an answer")
        self._awaiting_test.clear()
        self._awaiting_instance.clear()

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
        while self._tasks and (
            len(self._tasks) >= self.max_in_flight or self._backlog() >= BACKLOG
        ):
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            self._send_ready(flush=False)

    def _backlog(self) -> int:
        waiting = sum(map(len, self._awaiting_test.values()))
        return len(self._ready) + waiting + sum(map(len, self._awaiting_instance.values()))

    def _producers_running(self) -> bool:
        return bool(self._awaiting_test or self._awaiting_instance)

    # --- routing -----------------------------------------------------------------------------

    async def _route(self, group: list[RunResult]) -> None:
        self._seen += len(group)
        if self._fatal is None and not self._scope:
            try:
                await self._ensure_set(group)
            except PractiTestError as exc:
                self._fatal = self.report.fatal_error = exc
        pendings = [self._pending(r) for r in group]
        if self._fatal is not None:
            self._fail_all(pendings, self._fatal)
            return
        try:
            await self._place(await self._skip_confirmed(pendings))
        except PractiTestError as exc:
            self._fail_all([p for p in pendings if not p.done and not p.queued], exc)

    async def _place(self, pendings: list[Pending]) -> None:
        """Give each result its instance (known, looked up, or to be created)."""
        for p in pendings:
            if p.result.instance_id is not None:
                p.instance_id = p.result.instance_id
                self._enqueue(p)
        others = [p for p in pendings if p.result.instance_id is None]
        if not others:
            return
        instances = self._instance_index()
        await instances.resolve([_instance_key(p.result) for p in others])
        unplaced: list[Pending] = []
        for p in others:
            found = instances.get(_instance_key(p.result))
            if found is not None:
                p.instance_id = found.id
                self._enqueue(p)
            else:
                unplaced.append(p)
        await self._place_new(unplaced)

    def _pending(self, result: RunResult) -> Pending:
        identity = (result.name, result.test_id, result.instance_id)
        ordinal = self._ordinals[identity]
        self._ordinals[identity] += 1
        key = result.key or _derived_key(*identity, ordinal)
        return Pending(result=result, key=key, marker=wire.marker_for(self._marker_scope, key))

    async def _place_new(self, unplaced: list[Pending]) -> None:
        """Results whose test has no instance in the set yet."""
        by_test_id = [p for p in unplaced if p.result.test_id is not None]
        by_name = [p for p in unplaced if p.result.test_id is None]
        need_instance: dict[int, list[Pending]] = {}
        for p in by_test_id:
            assert p.result.test_id is not None
            need_instance.setdefault(p.result.test_id, []).append(p)
        if by_name:
            tests = self._test_index()
            await tests.resolve([p.result.name for p in by_name])
            instances = self._instance_index()
            for p in by_name:
                test = tests.get(p.result.name)
                if test is not None and (known := instances.get(("test", test.id))) is not None:
                    p.instance_id = known.id
                    self._enqueue(p)
                elif test is not None:
                    need_instance.setdefault(test.id, []).append(p)
                elif p.result.name in self._awaiting_test:
                    p.queued = True
                    self._awaiting_test[p.result.name].append(p)
                elif self.create_missing:
                    self._awaiting_test[p.result.name] = []
                    self._spawn_auto_create(p)
                else:
                    self._fail(p, f"no test named {p.result.name!r} in project {self.project_id}")
        self._create_instances(need_instance)

    def _create_instances(self, need: dict[int, list[Pending]]) -> None:
        new_ids: list[int] = []
        for test_id, waiting in need.items():
            for p in waiting:
                p.queued = True
            if test_id in self._awaiting_instance:
                self._awaiting_instance[test_id].extend(waiting)
            else:
                self._awaiting_instance[test_id] = list(waiting)
                new_ids.append(test_id)
        for start in range(0, len(new_ids), INSTANCES_PER_REQUEST):
            ids = new_ids[start : start + INSTANCES_PER_REQUEST]
            waiting = [p for t in ids for p in self._awaiting_instance[t]]
            self._spawn(self._post_instances(ids), waiting)

    # --- the set -------------------------------------------------------------------------------

    async def _ensure_set(self, first: list[RunResult]) -> None:
        if isinstance(self.test_set, int):
            found = await self._services.sets.get(self.project_id, self.test_set)
            self._use_set(found.id, exists=True)
            return
        page = await self._services.sets.list(self.project_id, name_exact=self.test_set)
        if page.items:
            self._use_set(page.items[0].id, exists=True)
            return
        # A new set is created with instances of the tests that already exist (one call).
        names = [r.name for r in first if r.test_id is None and r.instance_id is None]
        tests = self._test_index()
        await tests.resolve(names)
        test_ids = {r.test_id for r in first if r.test_id is not None}
        test_ids |= {t.id for n in names if (t := tests.get(n)) is not None}
        try:
            created, instances = await self.writer.create_set(self.test_set, sorted(test_ids))
        except OutcomeUnknownError:  # was it made? Look before making another
            page = await self._services.sets.list(self.project_id, name_exact=self.test_set)
            if page.items:
                self._use_set(page.items[0].id, exists=True)
                return
            created, instances = await self.writer.create_set(self.test_set, sorted(test_ids))
        self._use_set(created.id, exists=instances is None)
        for instance in instances or []:
            self._instance_index().add(instance)

    def _use_set(self, set_id: int, *, exists: bool) -> None:
        self._set_id = set_id
        self.report.set_id = set_id if set_id > 0 else None
        self._scope = f"{self._transport.base_url}|{self.project_id}|{set_id}"
        nonce = secrets.token_hex(6)
        if self.journal is not None and not self.dry_run:
            nonce, self._began = self.journal.upload(self._scope, nonce, self._began)
        self._marker_scope = f"{self._scope}|{nonce}"
        self._instances = self._make_instance_index(set_id, empty=not exists)

    def _make_instance_index(self, set_id: int, *, empty: bool) -> NameIndex[Instance]:
        service = self._services.instances

        async def lookup(key: Key) -> list[Instance]:
            if isinstance(key, tuple):
                listing = service.list(self.project_id, set_ids=[set_id], test_ids=[key[1]])
            else:
                listing = service.list(self.project_id, set_ids=[set_id], name_exact=str(key))
            return (await listing).items

        return NameIndex(
            page=lambda n: service.list(self.project_id, set_ids=[set_id]).page(n),
            lookup=lookup,
            keys_of=_instance_keys,
            empty=empty,
        )

    def _instance_index(self) -> NameIndex[Instance]:
        assert self._instances is not None
        return self._instances

    def _test_index(self) -> NameIndex[Test]:
        if self._tests is None:
            service = self._services.tests

            async def lookup(key: Key) -> list[Test]:
                return (await service.list(self.project_id, name_exact=str(key))).items

            self._tests = NameIndex(
                page=lambda n: service.list(self.project_id).page(n),
                lookup=lookup,
                keys_of=lambda t: [t.name] if t.name is not None else [],
            )
        return self._tests

    # --- the journal ---------------------------------------------------------------------------

    async def _skip_confirmed(self, pendings: list[Pending]) -> list[Pending]:
        """Drop results an earlier run confirmed; reconcile the ones it left ``sending``."""
        if self.journal is None:
            return pendings
        entries = self.journal.entries(self._scope, [p.key for p in pendings])
        todo: list[Pending] = []
        unsure: list[Pending] = []
        for p in pendings:
            entry = entries.get(p.key)
            if entry is not None and entry.fingerprint not in (None, p.fingerprint):
                p.in_doubt = True  # not ours to change in the journal
                self._fail(
                    p,
                    f"the journal {self.journal.path} holds a different result under the key "
                    f"{p.key!r}: it belongs to another upload (use one journal per upload)",
                )
            elif entry is not None and entry.state == CONFIRMED:
                p.done = True
                self.report.already_uploaded += 1
                if entry.run_id is not None:
                    self.report.run_ids[p.key] = entry.run_id
            elif entry is not None and entry.state == SENDING and not self.dry_run:
                p.instance_id = entry.instance_id
                p.in_doubt = True
                unsure.append(p)
            else:
                todo.append(p)
        if unsure and not self.mark_runs:
            for p in unsure:
                self._fail(p, "an earlier run sent it and its outcome is unknown (mark_runs off)")
            unsure = []
        if unsure:
            applied = await self._find_applied(unsure)
            for p in unsure:
                if p.marker in applied:
                    self._confirm(p, applied[p.marker], reconciled=True)
                else:
                    p.instance_id, p.in_doubt = None, False
                    todo.append(p)
            self._journal_forget([p for p in unsure if p.marker not in applied])
        return todo

    def _journal_sending(self, pendings: Sequence[Pending]) -> None:
        if self.journal is not None and not self.dry_run:
            self.journal.mark_sending(
                self._scope,
                [(p.key, p.marker, p.fingerprint, p.result.name, p.instance_id) for p in pendings],
            )

    def _journal_forget(self, pendings: Sequence[Pending]) -> None:
        if self.journal is not None and not self.dry_run and pendings:
            self.journal.forget(self._scope, [p.key for p in pendings])

    # --- sending -------------------------------------------------------------------------------

    def _spawn(
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
        self._tasks.add(task)

        def finished(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and (exc := task.exception()) is not None:
                for p in owners:
                    if not p.done:
                        self._fail(p, f"{type(exc).__name__}: {exc}")
            if after is not None:
                after()

        task.add_done_callback(finished)

    def _enqueue(self, p: Pending) -> None:
        p.queued = True
        self._ready.append(p)

    def _spawn_auto_create(self, p: Pending) -> None:
        p.queued = True
        name = p.result.name
        self._spawn(self._auto_create(p), [p], after=lambda: self._next_for_test(name))

    def _send_ready(self, *, flush: bool) -> None:
        """Pack ready results into requests: full ones always, partial ones when flushing (or
        when so many wait on few instances that no full request can form)."""
        while self._ready and len(self._tasks) < self.max_in_flight:
            chunk, rest = _take_chunk(self._ready, self._busy_instances)
            full = len(chunk) >= RUNS_PER_REQUEST or sum(p.weight for p in chunk) > (
                MAX_REQUEST_BYTES // 2
            )
            if not chunk or not (full or flush or len(self._ready) >= GROUP):
                return
            self._ready = rest
            ids = {p.instance_id for p in chunk if p.instance_id is not None}
            self._busy_instances |= ids  # runs of one instance go out one request at a time

            def release(ids: set[int] = ids) -> None:
                self._busy_instances -= ids

            self._spawn(self._post_runs(chunk), chunk, after=release)

    async def _post_runs(self, chunk: list[Pending]) -> None:
        if self._fatal is not None:
            for p in chunk:
                self._fail(p, str(self._fatal))
            return
        drafts = [self._draft(p) for p in chunk]
        self._journal_sending(chunk)
        for p in chunk:
            p.in_doubt = True
        self._sent += len(chunk)
        self._emit("sent")
        try:
            runs = await self.writer.post_runs(drafts)
        except OutcomeUnknownError:
            await self._reconcile_and_resend(chunk)
        except ValidationError as exc:  # refused whole: nothing was applied
            _settled(chunk)
            await self._split_or_fail(chunk, exc)
        except PractiTestError as exc:  # refused before it was applied (401, 404, 429...)
            _settled(chunk)
            self._fail_all(chunk, exc)
        else:
            by_instance = {run.instance_id: run for run in runs}
            for p in chunk:
                run = by_instance.get(p.instance_id)
                if run is None:
                    self._fail(p, "PractiTest's answer did not include this run")
                else:
                    self._confirm(p, run)
        finally:
            self._emit_pause_if_any()

    def _draft(self, p: Pending, instance_id: int | None = None) -> RunDraft:
        chosen = p.instance_id if instance_id is None else instance_id
        assert chosen is not None
        return wire.to_draft(
            p.result,
            chosen,
            version=self.version,
            marker=p.marker if self.mark_runs else None,
            attach_full_output=self.attach_full_output,
        )

    async def _split_or_fail(self, chunk: list[Pending], exc: ValidationError) -> None:
        """A 422 refuses the whole request (nothing applied): find the bad results by halves."""
        self._journal_forget(chunk)
        if len(chunk) == 1:
            self._fail(chunk[0], str(exc))
            return
        half = len(chunk) // 2
        for part in (chunk[:half], chunk[half:]):
            self._sent -= len(part)
            await self._post_runs(part)

    async def _reconcile_and_resend(self, chunk: list[Pending]) -> None:
        if not self.mark_runs:
            for p in chunk:
                self._fail(p, "outcome unknown (the answer was lost); not re-sent (mark_runs off)")
            return
        applied = await self._find_applied(chunk)
        again: list[Pending] = []
        for p in chunk:
            if p.marker in applied:
                self._confirm(p, applied[p.marker], reconciled=True)
                continue
            p.in_doubt = False  # read back: it was not applied
            if p.resends >= MAX_RESENDS:
                self._fail(p, "refused without an answer several times; not sent again")
            else:
                p.resends += 1
                again.append(p)
        if again:
            self._journal_forget(again)
            self._sent -= len(again)
            await self._post_runs(again)

    async def _find_applied(self, pendings: Sequence[Pending]) -> dict[str, Run]:
        """Read back the runs of these results' instances; map each marker found to its run."""
        await self._locate_instances([p for p in pendings if p.instance_id is None])
        wanted = {p.marker for p in pendings}
        ids = sorted({p.instance_id for p in pendings if p.instance_id is not None})
        hours = math.ceil((time.time() - self._began) / 3600) + 1  # clock skew: one hour more
        found: dict[str, Run] = {}
        for start in range(0, len(ids), IDS_PER_GET):
            listing = self._services.runs.list(
                self.project_id,
                instance_ids=ids[start : start + IDS_PER_GET],
                updated_hours_ago=hours,
            )
            async for run in listing:
                for marker in wire.markers_in(run.automated_execution_output) & wanted:
                    found.setdefault(marker, run)
        self.report.reconciled += len(found)
        return found

    async def _locate_instances(self, pendings: Sequence[Pending]) -> None:
        """Fresh look-ups (not the index, which may remember "absent") after an auto_create."""
        for p in pendings:
            page = await self._services.instances.list(
                self.project_id, set_ids=[self._set_id or 0], name_exact=p.result.name
            )
            if page.items:
                p.instance_id = page.items[0].id

    async def _post_instances(self, test_ids: list[int]) -> None:
        try:
            created = await self.writer.create_instances(self._set_id or 0, test_ids)
        except OutcomeUnknownError:
            created = await self._instances_after_unknown(test_ids)
        except ValidationError as exc:  # refused whole: find the test it is about by halves
            if len(test_ids) > 1:
                half = len(test_ids) // 2
                for part in (test_ids[:half], test_ids[half:]):
                    await self._post_instances(part)
                return
            self._fail_all(self._awaiting_instance.pop(test_ids[0], []), exc)
            return
        except PractiTestError as exc:
            for test_id in test_ids:
                self._fail_all(self._awaiting_instance.pop(test_id, []), exc)
            return
        for instance in created:
            self._instance_index().add(instance)
            self.report.created_instances.append(instance.id)
            self._release(self._awaiting_instance.pop(instance.test_id or 0, []), instance.id)
        for test_id in test_ids:  # asked for but not answered
            waiting = self._awaiting_instance.pop(test_id, [])
            for p in waiting:
                self._fail(p, f"PractiTest did not create an instance of test {test_id}")
        self._send_ready(flush=False)

    async def _instances_after_unknown(self, test_ids: list[int]) -> list[Instance]:
        listing = self._services.instances.list(
            self.project_id, set_ids=[self._set_id or 0], test_ids=test_ids
        )
        existing = [i async for i in listing]
        missing = sorted(set(test_ids) - {i.test_id for i in existing})
        if missing:
            existing += await self.writer.create_instances(self._set_id or 0, missing)
        return existing

    async def _auto_create(self, p: Pending) -> None:
        """One result of a test that does not exist yet: ``runs/auto_create.json`` creates the
        test, its instance and the run. Later results of the test wait for it (one auto_create
        per test at a time, or PractiTest would create the test twice); when it fails, the
        next of them tries its own (``_next_for_test``, run when this task ends)."""
        name = p.result.name
        if self._fatal is not None:
            self._fail_all([p], self._fatal)
            return
        created_test = created_instance = None
        while True:
            self._journal_sending([p])
            p.in_doubt = True
            self._sent += 1
            self._emit("sent")
            try:
                made = await self.writer.auto_create(self._set_id or 0, name, self._draft(p, 0))
            except OutcomeUnknownError:
                if not self.mark_runs:
                    self._fail(p, "outcome unknown (the answer was lost); not re-sent")
                    return
                applied = await self._find_applied([p])
                if p.marker in applied:
                    run = applied[p.marker]
                    break
                p.in_doubt = False  # read back: it was not applied
                self._journal_forget([p])
                self._sent -= 1
                if p.resends >= MAX_RESENDS:
                    self._fail(p, "refused without an answer several times; not sent again")
                    return
                p.resends += 1
            except PractiTestError as exc:
                p.in_doubt = False
                self._fail_all([p], exc)
                return
            else:
                run, created_test = made.run, made.created_test_id
                created_instance = made.created_instance_id
                break
            finally:
                self._emit_pause_if_any()
        if created_test is not None:
            self.report.created_tests.append(created_test)
        if created_instance is not None:
            self.report.created_instances.append(created_instance)
        self._confirm(p, run)
        instance = Instance(id=run.instance_id or 0, name=name, test_id=run.test_id)
        self._instance_index().add(instance)
        self._release(self._awaiting_test.pop(name, []), instance.id)
        self._send_ready(flush=False)

    def _next_for_test(self, name: str) -> None:
        """The auto_create for ``name`` ended: if results of that test still wait (it failed),
        the next of them tries its own."""
        waiting = self._awaiting_test.get(name)
        if waiting:
            self._spawn_auto_create(waiting.pop(0))
        else:
            self._awaiting_test.pop(name, None)

    def _release(self, pendings: Iterable[Pending], instance_id: int) -> None:
        for p in pendings:
            p.instance_id = instance_id
            self._enqueue(p)

    # --- outcomes --------------------------------------------------------------------------------

    def _confirm(self, p: Pending, run: Run, *, reconciled: bool = False) -> None:
        p.done = True
        self.report.uploaded += 1
        self.report.run_ids[p.key] = run.id
        if self.journal is not None and not self.dry_run:
            self.journal.confirm(self._scope, [(p.key, run.id, run.instance_id)])
        self._emit("confirmed", "reconciled" if reconciled else "")

    def _fail(self, p: Pending, error: str) -> None:
        """Report a result not uploaded. One that may have been applied stays ``sending`` in
        the journal, so that the next run reconciles it instead of sending it again."""
        p.done = True
        if p.in_doubt:
            error += " (it may have been applied: a re-run with the journal will check)"
        self.report.failed.append(FailedResult.of(p.result, key=p.key, error=error))
        if self.journal is not None and not self.dry_run and not p.in_doubt:
            self.journal.fail(self._scope, [(p.key, error)])
        self._emit("failed", error)

    def _fail_all(self, pendings: Iterable[Pending], exc: PractiTestError) -> None:
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
            self._fatal = exc
            self.report.fatal_error = exc
        for p in pendings:
            self._fail(p, str(exc))

    def _finish_report(self) -> None:
        self.report.api_calls = self._transport.stats.calls - self._calls_at_start
        self.report.rate_limit_pauses = self._limiter_pauses() - self._pauses_at_start
        self.report.elapsed = time.monotonic() - self._started

    # --- progress -------------------------------------------------------------------------------

    def _limiter_pauses(self) -> int:
        stats = getattr(self._limiter, "stats", None)
        return int(getattr(stats, "pauses", 0))

    def _emit_pause_if_any(self) -> None:
        pauses = self._limiter_pauses() - self._pauses_at_start
        if pauses > self._pauses_reported:
            self._pauses_reported = pauses
            self._emit("paused", "rate limit (429): every request waits for the window")

    def _emit(self, kind: Any, detail: str = "") -> None:
        if self.progress is None:
            return
        report = self.report
        done = report.uploaded + len(report.failed) + report.already_uploaded
        total = max(self.expected_results or 0, self._seen)
        event = UploadEvent(
            kind=kind,
            results=total,
            sent=self._sent,
            confirmed=report.uploaded,
            failed=len(report.failed),
            api_calls=self._transport.stats.calls - self._calls_at_start,
            pauses=self._limiter_pauses() - self._pauses_at_start,
            eta_seconds=self._eta(total - done),
            detail=detail,
            already_uploaded=report.already_uploaded,
        )
        try:
            self.progress(event)
        except Exception:  # a broken progress bar must not change what gets uploaded
            log.warning(
                "the progress callback raised; progress is off for this upload", exc_info=True
            )
            self.progress = None

    def _eta(self, remaining: int) -> float | None:
        # Any limiter that tells its RateLimit (AccountLimiter, SharedLimiter) gives an ETA.
        rate_limit = getattr(self._limiter, "rate_limit", None)
        if not isinstance(rate_limit, RateLimit) or remaining <= 0:
            return 0.0 if remaining <= 0 else None
        calls = -(-remaining // RUNS_PER_REQUEST)
        return calls / rate_limit.sustained_rate


def _instance_keys(instance: Instance) -> list[Key]:
    keys: list[Key] = [] if instance.name is None else [instance.name]
    return keys if instance.test_id is None else [*keys, ("test", instance.test_id)]


def _instance_key(result: RunResult) -> Key:
    return ("test", result.test_id) if result.test_id is not None else result.name


def _derived_key(name: str, test_id: int | None, instance_id: int | None, ordinal: int) -> str:
    parts = [name]
    if test_id is not None:
        parts.append(f"test={test_id}")
    if instance_id is not None:
        parts.append(f"instance={instance_id}")
    return "|".join(parts) + f"#{ordinal}"


def _take_chunk(
    ready: collections.deque[Pending], busy: set[int]
) -> tuple[list[Pending], collections.deque[Pending]]:
    """The first request that can be made from ``ready``: up to 20 results on distinct
    instances that no request in flight holds, within the byte budget; and what is left, in
    order."""
    chunk: list[Pending] = []
    rest: collections.deque[Pending] = collections.deque()
    seen: set[int | None] = set(busy)
    size = 0
    for p in ready:
        fits = size + p.weight <= MAX_REQUEST_BYTES or not chunk
        if len(chunk) < RUNS_PER_REQUEST and p.instance_id not in seen and fits:
            chunk.append(p)
            seen.add(p.instance_id)
            size += p.weight
        else:
            rest.append(p)
    return chunk, rest


def _settled(pendings: Iterable[Pending]) -> None:
    """PractiTest refused these whole: they were not applied."""
    for p in pendings:
        p.in_doubt = False
