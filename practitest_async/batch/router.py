"""Routing: which set, and which instance of it, each result's run goes to.

1. The set is found by exact name (one call) or read by id; a missing set is created with
   ``instances.test-ids`` of the tests that already exist among the first results.
2. The set's instances are read 100 per page (or looked up one name at a time when that is
   cheaper, see :mod:`.index`) to map test name (or test id) -> instance.
3. Results with an instance go to the :class:`.Sender`. Tests that exist but have no instance
   in the set get one through ``POST instances.json`` (20 per request) first. Tests that do not
   exist go through ``runs/auto_create.json`` (one call each; later results of the same test
   wait for it and then join the bulk requests). With ``create_missing=False`` they fail as
   "no such test".

With an id cache (:mod:`.cache`), steps 1 and 2 are skipped for what it remembers: the set id
(checked with one GET, so a set deleted or renamed since is never written into), test name ->
test id and test id -> instance id; what the server tells us is remembered for the next upload.
A result refused alone on a remembered instance (404/422: deleted since) is healed: the entries
are dropped and the result is placed again from the server.

Listings are read as :class:`~practitest_async.codec.Ref` (ids and name), not full models: a set
of 100,000 instances is 1,000 pages, and the uploader uses three fields of each.
"""

from __future__ import annotations

import logging
import secrets
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from ..codec import Ref
from ..errors import NotFoundError, OutcomeUnknownError, PractiTestError, ValidationError
from ..limiter import AccountLimiter
from ..pagination import Page
from ..services import AutoCreated, Services, project_path
from . import wire
from .answers import check_instance, check_test
from .cache import IdCache, cache_scope
from .compact import IdTable, Ordinals
from .index import Key, NameIndex
from .outcomes import Outcomes
from .pending import Pending, UploadScope, derived_key, instance_key
from .results import RunResult
from .sender import Sender
from .writer import Writer

INSTANCES_PER_REQUEST = 20
GROUP_OF_ENTRIES = 500  # learned ids written to the cache together

log = logging.getLogger("practitest_async.upload")

# What the uploaders sharing one local limiter made (by base URL, project, set, test): another
# of them running at the same time, once it holds the same lock, finds it here without a call.
# Forgotten when the last of them ends (so a later upload never trusts what was deleted since).
# Other processes are only seen by a look at the server, made when the limiter is shared.
# Kept compact (a hash of the key -> the id: 16 bytes a slot), since a fresh upload records an
# entry per new test; a collision of two keys' hashes (~N² / 2⁶⁵) is what .compact describes.
MadeRecord = IdTable
_MADE_BY_LIMITER: weakref.WeakKeyDictionary[object, MadeRecord] = weakref.WeakKeyDictionary()
_RUNNING: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()


class Router:
    """Finds (or makes) the set, and gives each result its instance."""

    def __init__(
        self,
        services: Services,
        project_id: int,
        *,
        base_url: str,
        test_set: str | int,
        create_missing: bool,
        writer: Writer,
        outcomes: Outcomes,
        sender: Sender,
        scope: UploadScope,
        limiter: object = None,
        cache: IdCache | None = None,
        expected_more: Callable[[], int] | None = None,
    ) -> None:
        self._services = services
        self._project_id = project_id
        self._base_url = base_url
        self.test_set = test_set
        self.create_missing = create_missing
        self._writer = writer
        self._outcomes = outcomes
        self._sender = sender
        self._scope = scope
        self._ordinals = Ordinals()  # results of each (name, test id, instance id) so far
        self.awaiting_test: dict[str, list[Pending]] = {}  # by name, behind its auto_create
        self.awaiting_instance: dict[int, list[Pending]] = {}  # by test id, behind a POST
        self._tests: NameIndex | None = None
        self._instances: NameIndex | None = None
        self._cache = cache
        self._results_to_come = expected_more  # results yet to route, when the caller said
        self._cache_hits = 0
        self._cache_scope = cache_scope(base_url, project_id)
        self._learned_tests: dict[str, int] = {}  # to remember, written in batches
        self._learned_instances: dict[int, int] = {}
        if cache is not None:
            sender.on_stale = self._heal
        self._limiter = limiter
        lock = getattr(limiter, "lock", None)
        # Whether other processes may take the same locks (see _critical); with the local
        # limiter, this process's own record (_MADE) is enough.
        self._shared = callable(lock) and not isinstance(limiter, AccountLimiter)
        self._made: MadeRecord = IdTable()  # a dry run's (invented ids) stays its own
        self._registered = False

    def open(self) -> None:
        """Join the uploaders running on this limiter (see ``_MADE_BY_LIMITER``)."""
        limiter = self._limiter
        if callable(getattr(limiter, "lock", None)) and not self._outcomes.dry_run:
            assert limiter is not None
            self._made = _MADE_BY_LIMITER.setdefault(limiter, IdTable())
            _RUNNING[limiter] = _RUNNING.get(limiter, 0) + 1
            self._registered = True

    def close(self) -> None:
        """Leave them; the last one to leave forgets what they made."""
        if not self._registered:
            return
        self._registered = False
        limiter = self._limiter
        assert limiter is not None
        _RUNNING[limiter] -= 1
        if _RUNNING[limiter] <= 0:
            _MADE_BY_LIMITER.pop(limiter, None)
            _RUNNING.pop(limiter, None)

    @asynccontextmanager
    async def _critical(self, name: str, *, others_seen: bool = False) -> AsyncIterator[bool]:
        """Hold ``name`` among everyone sharing the limiter's budget, when the limiter can
        (:class:`~practitest_async.limiter.SupportsLock`): every process with a shared
        limiter, every task of this process with the local one.

        Yields whether to look at the server again before creating: only when the lock says
        that a holder other than this limiter held the same name before (it may have made what
        we are about to make since we read; this limiter's own uploaders record theirs in
        ``_made``). Jobs writing different tests and sets, the usual case, then never look
        again. ``others_seen``: also when the shared limiter has seen another process of the
        budget at work (instances: another job's auto_create makes them too, under the test's
        lock, not the set's). A dry run, or a limiter without ``lock``, never looks."""
        lock = getattr(self._limiter, "lock", None)
        if callable(lock) and not self._outcomes.dry_run:
            async with lock(name) as held:
                look = bool(getattr(held, "by_others", True))  # a lock that cannot tell: look
                if others_seen and self._shared:
                    look = look or bool(getattr(self._limiter, "others_seen", True))
                yield look
        else:
            yield False

    def _warn(self, warning: str) -> None:
        log.warning("%s", warning)
        self._outcomes.report.warnings.append(warning)

    @property
    def has_set(self) -> bool:
        """Whether the set is known (found or created)."""
        return bool(self._scope.journal)

    def backlog(self) -> int:
        """Results waiting for an instance to be created."""
        waiting = sum(map(len, self.awaiting_test.values()))
        return waiting + sum(map(len, self.awaiting_instance.values()))

    def waiting(self) -> bool:
        """Whether some results wait for an instance to be created."""
        return bool(self.awaiting_test or self.awaiting_instance)

    def pending(self, result: RunResult) -> Pending:
        """``result`` on its way, with its key (its own, or its identity and ordinal)."""
        if result.key is not None:  # no need to number it (and so no memory per result)
            return Pending(result=result, key=result.key, marker=self._marker(result.key))
        identity = (result.name, result.test_id, result.instance_id)
        key = derived_key(*identity, self._ordinals.next(*identity))
        return Pending(result=result, key=key, marker=self._marker(key))

    def _marker(self, key: str) -> str:
        return wire.marker_for(self._scope.markers, key)

    def fail_stranded(self) -> None:
        """Safety net: a result still waiting when everything has finished is reported."""
        stranded = [p for waiting in self.awaiting_test.values() for p in waiting]
        stranded += [p for waiting in self.awaiting_instance.values() for p in waiting]
        for p in stranded:
            if not p.done:
                self._outcomes.fail(
                    p, "not sent: the request it waited for ended without an answer"
                )
        self.awaiting_test.clear()
        self.awaiting_instance.clear()

    # --- placing results -----------------------------------------------------------------------

    async def place(self, pendings: list[Pending]) -> None:
        """Give each result its instance (known, looked up, or to be created)."""
        for p in pendings:
            if p.result.instance_id is not None:
                p.instance_id = p.result.instance_id
                self._sender.enqueue(p)
        others = [p for p in pendings if p.result.instance_id is None]
        if self._cache is not None:
            others = self._place_from_cache(others)
        if not others:
            return
        instances = self._instance_index()
        keys = [instance_key(p.result) for p in others]
        await instances.resolve(keys)
        unplaced: list[Pending] = []
        enqueue = self._sender.enqueue
        for p, key in zip(others, keys, strict=True):
            if self._cache is None:  # nothing to learn: the ids alone, no Ref per result
                ids = instances.ids(key)
                if ids is not None:
                    p.instance_id = ids[0]
                    enqueue(p)
                else:
                    unplaced.append(p)
                continue
            found = instances.get(key)
            if found is not None:
                p.instance_id = found.id
                self._learn(p.result.name if p.result.test_id is None else None, found)
                enqueue(p)
            else:
                unplaced.append(p)
        await self._place_new(unplaced)
        self.flush_cache(at_least=GROUP_OF_ENTRIES)

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
                if test is not None:
                    self._learned_tests[p.result.name] = test.id
                if test is not None and (known := instances.get(test.id)) is not None:
                    p.instance_id = known.id
                    self._learn(None, known)
                    self._sender.enqueue(p)
                elif test is not None:
                    need_instance.setdefault(test.id, []).append(p)
                elif p.result.name in self.awaiting_test:
                    p.queued = True
                    self.awaiting_test[p.result.name].append(p)
                elif self.create_missing:
                    self.awaiting_test[p.result.name] = []
                    self._outcomes.auto_creates += 1
                    self._spawn_auto_create(p)
                else:
                    self._outcomes.fail(
                        p, f"no test named {p.result.name!r} in project {self._project_id}"
                    )
        self._create_instances(need_instance)

    def _release(self, pendings: Iterable[Pending], instance_id: int) -> None:
        for p in pendings:
            p.instance_id = instance_id
            self._sender.enqueue(p)

    # --- new instances -------------------------------------------------------------------------

    def _create_instances(self, need: dict[int, list[Pending]]) -> None:
        new_ids: list[int] = []
        for test_id, waiting in need.items():
            for p in waiting:
                p.queued = True
            if test_id in self.awaiting_instance:
                self.awaiting_instance[test_id].extend(waiting)
            else:
                self.awaiting_instance[test_id] = list(waiting)
                new_ids.append(test_id)
        for start in range(0, len(new_ids), INSTANCES_PER_REQUEST):
            ids = new_ids[start : start + INSTANCES_PER_REQUEST]
            waiting = [p for t in ids for p in self.awaiting_instance[t]]
            self._sender.spawn(self._post_instances(ids), waiting)

    async def _post_instances(self, test_ids: list[int]) -> None:
        out = self._outcomes
        set_id = self._scope.set_id or 0
        try:
            # Look again, then create, one job at a time: a parallel job may have just made them.
            async with self._critical(
                f"instances:{self._project_id}:{set_id}", others_seen=True
            ) as look:
                created = await self._instances_for(set_id, test_ids, look=look)
        except (ValidationError, NotFoundError) as exc:  # refused whole: find the test by halves
            if len(test_ids) > 1:
                half = len(test_ids) // 2
                for part in (test_ids[:half], test_ids[half:]):
                    await self._post_instances(part)
                return
            out.fail_all(self.awaiting_instance.pop(test_ids[0], []), exc)
            return
        except PractiTestError as exc:
            for test_id in test_ids:
                out.fail_all(self.awaiting_instance.pop(test_id, []), exc)
            return
        for instance in created:
            self._instance_index().add(instance)
            self._learn(None, instance)
            self._release(self.awaiting_instance.pop(instance.test_id or 0, []), instance.id)
        for test_id in test_ids:  # neither answered nor found when read back
            for p in self.awaiting_instance.pop(test_id, []):
                out.fail(p, f"PractiTest did not create an instance of test {test_id}")
        self._sender.send_ready(flush=False)

    async def _instances_for(self, set_id: int, test_ids: list[int], *, look: bool) -> list[Ref]:
        """The instances of ``test_ids`` in the set: found (made by a parallel job) or created.
        Called holding the set's instances lock (``look``: what it said, see ``_critical``);
        what is made is recorded in ``_made``."""
        found = self._made_instances(set_id, test_ids)
        if look and set_id > 0:
            found = await self._existing_instances(test_ids)
            self._record_made(found, new=False)
        missing = _without(test_ids, found)
        if not missing:
            return found
        try:
            made = await self._writer.create_instances(set_id, missing)
        except OutcomeUnknownError as exc:
            return found + await self._instances_after_unknown(missing, exc)
        self._record_made(made)
        if left_out := _without(missing, made):  # answered without them: were they made?
            made += await self._read_back(left_out)
        return found + made

    async def _read_back(self, test_ids: list[int]) -> list[Ref]:
        """Instances of ``test_ids`` that PractiTest made but did not list in its answer."""
        if self._outcomes.dry_run:
            return []
        existing = await self._existing_instances(test_ids)
        self._record_made(existing, new=False)
        return existing

    def _record_made(self, instances: list[Ref], *, new: bool = True) -> None:
        """Tell parallel jobs (and the report, when we made them) about ``instances``."""
        if new:
            self._outcomes.report.created_instances.extend(i.id for i in instances)
        for instance in instances:
            self._made.set(self._made_key("instance", instance.test_id or 0), instance.id)

    async def _existing_instances(self, test_ids: list[int]) -> list[Ref]:
        listing = self._services.instances.list(
            self._project_id, set_ids=[self._scope.set_id or 0], test_ids=test_ids, ids_only=True
        )
        path = project_path(self._project_id, "instances.json")
        return [check_instance(i, "GET", path) async for i in listing]

    async def _instances_after_unknown(
        self, test_ids: list[int], exc: OutcomeUnknownError, *, tries: int = 3
    ) -> list[Ref]:
        """A POST instances.json whose answer was lost: look again (once it can no longer be
        applied, if need be), then create what is still missing; the answer of that one lost
        too, the same again (``tries`` in all: each looks before it creates, so none makes a
        twin). Called holding the lock, so a parallel job waits for this instead of making
        twins."""
        existing = await self._existing_instances(test_ids)
        if _without(test_ids, existing):  # not there yet: maybe not yet applied
            await self._sender.settle_wait(exc)
            existing = await self._existing_instances(test_ids)
        self._record_made(existing, new=False)
        missing = _without(test_ids, existing)
        if missing:
            try:
                made = await self._writer.create_instances(self._scope.set_id or 0, missing)
            except OutcomeUnknownError as again:
                if tries <= 1:
                    raise
                return existing + await self._instances_after_unknown(
                    missing, again, tries=tries - 1
                )
            self._record_made(made)
            existing += made
        return existing

    # --- new tests -----------------------------------------------------------------------------

    def _spawn_auto_create(self, p: Pending) -> None:
        p.queued = True
        name = p.result.name
        self._sender.spawn(self._auto_create(p), [p], after=lambda: self._next_for_test(name))

    async def _auto_create(self, p: Pending) -> None:
        """One result of a test that does not exist yet: ``runs/auto_create.json`` creates the
        test, its instance and the run. Later results of the test wait for it (one auto_create
        per test at a time, or PractiTest would create the test twice); when it fails, the
        next of them tries its own (``_next_for_test``, run when this task ends)."""
        name = p.result.name
        set_id = self._scope.set_id or 0
        async with self._critical(f"test:{self._project_id}:{name}") as look:
            # A parallel job may have just created the test (and its instance in this set).
            made_id = self._made_id(self._made_key("test", name))
            found = None if made_id is None else Ref(made_id, set_id=set_id, name=name)
            if look and set_id > 0:
                found = await self._fresh_instance(name)
            if found is not None:
                self._instance_index().add(found)
                self._release([p, *self.awaiting_test.pop(name, [])], found.id)
                self._sender.send_ready(flush=False)
                return
            sent = await self._sender.auto_create(p, set_id)
        if sent is None:
            return
        run, made = sent
        out = self._outcomes
        if made is None:  # reconciled: it was applied, so it created what auto_create creates
            made = AutoCreated(
                run=run, created_test_id=run.test_id, created_instance_id=run.instance_id
            )
        if made.created_test_id is not None and not out.dry_run:  # a plan's ids are made up
            out.report.created_tests.append(made.created_test_id)
        if made.created_instance_id is not None and not out.dry_run:
            out.report.created_instances.append(made.created_instance_id)
        if run.instance_id is not None and not out.dry_run:  # a plan's are its own (below)
            self._made.set(self._made_key("test", name), run.instance_id)
        out.confirm(p, run)
        if out.dry_run:  # a digest, not ids: a plan of a million new tests stays small
            instance = self._instance_index().plan(name)
        else:
            instance = Ref(run.instance_id or 0, test_id=run.test_id, name=name)
            self._instance_index().add(instance)
        self._learn(name, instance)
        self._release(self.awaiting_test.pop(name, []), instance.id)
        self._sender.send_ready(flush=False)

    def _made_instances(self, set_id: int, test_ids: list[int]) -> list[Ref]:
        """Instances of ``test_ids`` that another uploader of this process just made."""
        made = {t: self._made_id(self._made_key("instance", t)) for t in test_ids}
        return [Ref(i, set_id=set_id, test_id=t) for t, i in made.items() if i is not None]

    def _made_key(self, kind: str, what: object) -> int:
        return hash((self._base_url, self._project_id, f"{self._scope.set_id}:{kind}:{what}"))

    def _made_id(self, key: int) -> int | None:
        found = self._made.get(key)
        return None if found is None else found[0]

    async def _fresh_instance(self, name: str) -> Ref | None:
        listing = self._services.instances.list(
            self._project_id, set_ids=[self._scope.set_id or 0], name_exact=name, ids_only=True
        )
        path = project_path(self._project_id, "instances.json")
        items = [check_instance(i, "GET", path) for i in (await listing).items]
        return items[0] if items else None

    def _next_for_test(self, name: str) -> None:
        """The auto_create for ``name`` ended: if results of that test still wait (it failed),
        the next of them tries its own."""
        waiting = self.awaiting_test.get(name)
        if waiting:
            self._spawn_auto_create(waiting.pop(0))
        else:
            self.awaiting_test.pop(name, None)

    # --- the set -------------------------------------------------------------------------------

    async def ensure_set(self, first: list[RunResult]) -> None:
        """Find the set, or create it with instances of the tests of ``first`` that exist."""
        project = self._project_id
        if isinstance(self.test_set, int):
            found = await self._services.sets.get(project, self.test_set)
            self._use_set(found.id, exists=True)
            return
        if await self._cached_set_still_there():
            return
        if (found_id := await self._find_set()) is not None:
            self._use_set(found_id, exists=True)
            self._remember_set(found_id)
            return
        # A new set is created with instances of the tests that already exist (one call).
        names = [r.name for r in first if r.test_id is None and r.instance_id is None]
        tests = self._test_index()
        await tests.resolve(names)
        test_ids = {r.test_id for r in first if r.test_id is not None}
        test_ids |= {t.id for n in names if (t := tests.get(n)) is not None}
        made_key = hash((self._base_url, project, f"set:{self.test_set}"))
        async with self._critical(f"set:{project}:{self.test_set}") as look:
            # Look again, then create, one job at a time: a parallel job may have made it.
            found_id = self._made_id(made_key)
            if look:
                found_id = await self._find_set()
            if found_id is not None:
                self._use_set(found_id, exists=True)
                return
            await self._create_set(sorted(test_ids))
            if self._scope.set_id is not None and self._scope.set_id > 0:
                self._made.set(made_key, self._scope.set_id)
                self._remember_set(self._scope.set_id)
        if not self._outcomes.dry_run:
            await self._check_one_set()

    async def _create_set(self, test_ids: list[int]) -> None:
        try:
            created, instances = await self._writer.create_set(str(self.test_set), test_ids)
        except (ValidationError, NotFoundError):
            if not test_ids:
                raise
            # One stale test id must not sink the rest: make the set empty; each test then
            # gets its instance by POST instances.json, where an unknown one fails alone.
            created, instances = await self._writer.create_set(str(self.test_set), [])
        except OutcomeUnknownError as exc:  # was it made? Look before making another
            found_id = await self._find_set()
            if found_id is None:  # not there yet: look again once it can no longer be applied
                await self._sender.settle_wait(exc)
                found_id = await self._find_set()
            if found_id is not None:
                self._use_set(found_id, exists=True)
                return
            created, instances = await self._writer.create_set(str(self.test_set), test_ids)
        self._use_set(created.id, exists=instances is None)
        for made in instances or []:
            instance = Ref(made.id, test_id=made.test_id, name=made.name)
            self._instance_index().add(instance)
            self._learn(None, instance)

    async def _find_set(self) -> int | None:
        """The id of the set named ``test_set``, or None when there is none."""
        ids = await self._sets_named()
        return ids[0] if ids else None

    async def _sets_named(self) -> list[int]:
        page = await self._services.sets.list(self._project_id, name_exact=str(self.test_set))
        return [s.id for s in page.items]

    async def _check_one_set(self) -> None:
        """After making the set: a job that could not take the same lock (another process
        without a shared limiter) may have made one too. Say so; never hide it."""
        ids = await self._sets_named()
        if len(ids) > 1:
            self._warn(
                f"{len(ids)} test sets are named {self.test_set!r} (ids {ids}): parallel jobs "
                "created it at the same time; use a shared limiter (sqlite or redis) so they "
                "take turns"
            )

    def _use_set(self, set_id: int, *, exists: bool) -> None:
        self._scope.set_id = set_id
        self._outcomes.report.set_id = set_id if set_id > 0 else None
        self._scope.journal = f"{self._base_url}|{self._project_id}|{set_id}"
        nonce = self._outcomes.journal_upload(secrets.token_hex(6))
        self._scope.markers = f"{self._scope.journal}|{nonce}"
        self._instances = self._make_instance_index(set_id, empty=not exists)

    # --- the id cache ----------------------------------------------------------------------------

    async def _cached_set_still_there(self) -> bool:
        """Use the remembered id of the set when one GET shows it still exists under its name
        (one call, so that a set deleted or renamed since is not written into; the instances
        are trusted without a read and healed one by one when refused)."""
        cache = self._cache
        if cache is None or not isinstance(self.test_set, str):
            return False
        known = cache.set_id(self._cache_scope, self.test_set)
        if known is None:
            return False
        try:
            found = await self._services.sets.get(self._project_id, known)
        except NotFoundError:
            found = None
        if found is None or found.name != self.test_set:
            cache.forget_set(self._cache_scope, known)
            return False
        self._use_set(known, exists=True)
        return True

    def _place_from_cache(self, pendings: list[Pending]) -> list[Pending]:
        """Send what the cache knows the instance of; return the rest."""
        assert self._cache is not None
        scope, set_id = self._cache_scope, self._scope.set_id
        if set_id is None or set_id <= 0:
            return pendings
        names = [p.result.name for p in pendings if p.result.test_id is None]
        test_ids = self._cache.test_ids(scope, names) if names else {}

        def test_of(p: Pending) -> int | None:
            return p.result.test_id if p.result.test_id is not None else test_ids.get(p.result.name)

        wanted = [t for p in pendings if (t := test_of(p)) is not None]
        instances = self._cache.instance_ids(scope, set_id, wanted) if wanted else {}
        rest: list[Pending] = []
        for p in pendings:
            instance_id = instances.get(test_of(p) or 0)
            if instance_id is None:
                rest.append(p)
            else:
                p.instance_id, p.cached = instance_id, True
                self._sender.enqueue(p)
        self._cache_hits += len(pendings) - len(rest)
        return rest

    def _expected_more(self) -> int:
        """How many names the indexes may still be asked for: the results to come, unless the
        id cache places them. Once it has placed some, what it misses is mostly new tests, which
        no page of the set holds: then nothing is expected (look-ups, not every page), so one
        new test does not make a warm upload read the whole set."""
        if self._results_to_come is None or self._cache_hits:
            return 0
        return self._results_to_come()

    def _learn(self, name: str | None, instance: Ref) -> None:
        """Remember where ``instance`` (of the test called ``name``) is, for the next upload."""
        if self._cache is None or instance.test_id is None or instance.id <= 0:
            return
        if name is not None or instance.name is not None:
            self._learned_tests[name or instance.name or ""] = instance.test_id
        self._learned_instances[instance.test_id] = instance.id

    def _remember_set(self, set_id: int) -> None:
        if self._cache is not None and isinstance(self.test_set, str) and set_id > 0:
            self._cache.remember_set(self._cache_scope, self.test_set, set_id)

    def flush_cache(self, *, at_least: int = 0) -> None:
        """Write what was learned to the cache (in batches: one transaction per call)."""
        cache, set_id = self._cache, self._scope.set_id
        learned = len(self._learned_tests) + len(self._learned_instances)
        if cache is None or learned == 0 or learned < at_least:
            return
        cache.remember_tests(self._cache_scope, self._learned_tests)
        if set_id is not None and set_id > 0:
            cache.remember_instances(self._cache_scope, set_id, self._learned_instances)
        self._learned_tests.clear()
        self._learned_instances.clear()

    def _heal(self, p: Pending) -> bool:
        """``p`` was refused alone on an instance from the cache: forget it and place ``p``
        again from the server (see the module docstring)."""
        assert self._cache is not None
        if p.instance_id is not None:
            self._cache.forget_instance(self._cache_scope, p.instance_id)
        if p.result.test_id is None:
            self._cache.forget_test_name(self._cache_scope, p.result.name)
        p.instance_id, p.cached, p.queued = None, False, False
        self._sender.spawn(self.place([p]), [p])
        return True

    # --- the indexes ---------------------------------------------------------------------------

    def _make_instance_index(self, set_id: int, *, empty: bool) -> NameIndex:
        service = self._services.instances
        project = self._project_id
        path = project_path(project, "instances.json")

        async def lookup(key: Key) -> list[Ref]:
            if isinstance(key, int):  # a test id (see instance_key)
                listing = service.list(project, set_ids=[set_id], test_ids=[key], ids_only=True)
            else:
                listing = service.list(
                    project, set_ids=[set_id], name_exact=str(key), ids_only=True
                )
            found = [check_instance(i, "GET", path) for i in (await listing).items]
            self._learn_names(found)
            return found

        async def page(number: int) -> Page[Ref]:
            found = await service.list(project, set_ids=[set_id], ids_only=True).page(number)
            for instance in found.items:
                check_instance(instance, "GET", path)
            self._learn_names(found.items)
            return found

        return NameIndex(
            page=page,
            lookup=lookup,
            by_test_id=True,
            on_twin=self._warn_twin,
            empty=empty,
            expected=self._expected_more,
        )

    def _warn_twin(self, first: Ref, instance: Ref) -> None:
        """The set holds a second instance of one test: runs go to the first one listed."""
        self._warn(
            f"set {self._scope.set_id} holds more than one instance of test {first.test_id} "
            f"(instances {first.id} and {instance.id}); runs go to {first.id}"
        )

    def _learn_names(self, instances: Iterable[Ref]) -> None:
        """With an id cache: remember the test name -> test id of each listed instance (the
        index keeps digests, not names, so this is where names are seen)."""
        if self._cache is None:
            return
        for instance in instances:
            if instance.name is not None and instance.test_id is not None:
                self._learned_tests[instance.name] = instance.test_id
        self.flush_cache(at_least=GROUP_OF_ENTRIES)

    def _instance_index(self) -> NameIndex:
        assert self._instances is not None
        return self._instances

    def _test_index(self) -> NameIndex:
        if self._tests is None:
            service = self._services.tests
            project = self._project_id
            path = project_path(project, "tests.json")

            async def lookup(key: Key) -> list[Ref]:
                items = (await service.list(project, name_exact=str(key), ids_only=True)).items
                return [check_test(t, "GET", path) for t in items]

            async def page(number: int) -> Page[Ref]:
                found = await service.list(project, ids_only=True).page(number)
                for test in found.items:
                    check_test(test, "GET", path)
                return found

            self._tests = NameIndex(
                page=page,
                lookup=lookup,
                expected=self._expected_more,
            )
        return self._tests


def _without(test_ids: list[int], instances: list[Ref]) -> list[int]:
    """``test_ids`` that none of ``instances`` is an instance of."""
    have = {i.test_id for i in instances}
    return sorted(t for t in set(test_ids) if t not in have)
