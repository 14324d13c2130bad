"""Finding entities by name with the fewest calls: whole pages, or one name at a time.

A set with 2,000 instances is 20 pages; five results need five ``name_exact`` look-ups. The
index reads page 1 (which tells how many pages there are), then, for each group of names it
still misses:

1. when the look-ups already made plus the names still expected (this group's, or the caller's
   ``expected`` hint of how many results are yet to come, whichever is more) reach the pages
   left, it reads every remaining page: look-ups would cost more;
2. else, when the last page it read resolved a name it was looking for, it reads the next page
   (results usually come in the order their tests were added to the set, the order pages list
   them: then every page read pays for itself and an upload of the whole set costs its pages);
3. else it looks the missing names up one by one.

So a large upload in the set's order reads each page once and makes no look-up; one in another
order pays at most about twice its pages (rule 1, counting the look-ups made); a harness that
reports one result at a time pays a look-up per name. Names are compared exactly (PractiTest's
``name_exact`` is case-sensitive). When two entities share a name, the first one listed wins.

What is kept is compact (:mod:`.compact`): a name as its 64-bit digest, with the entity's id
and test id packed in ``array('q')`` columns: 34 bytes an instance measured at 100,000
(``benchmarks/name_index.py``) where dicts of names and test ids to
:class:`~practitest_async.codec.Ref` took 317. The test id -> instance id table, made only when
a result or an instance is known by test id alone (or two tests share a name), adds about 20. A
name a dry run would create a test for is a digest alone, 11-16 bytes. See :mod:`.compact` for
what a collision of two digests would do (about N² / 2⁶⁵).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable

from ..codec import Ref
from ..pagination import Page
from .compact import DigestSet, IdTable, name_digest

Key = str | int  # a name, or a test id (an instance's key in a set)

# Ids a dry run gives the tests it would create: made of the name's digest, so that a planned
# name needs no ids of its own; negative and far below the few ids DryWriter counts down.
_PLANNED_BASE = -(1 << 62)
_PLANNED_SPAN = (1 << 60) - 1


def planned_ref(name: str, digest: int | None = None) -> Ref:
    """The made-up instance (and test) of a test a dry run would create: the same for a name
    every time, distinct for two names (but for a digest collision)."""
    d = (name_digest(name) if digest is None else digest) & _PLANNED_SPAN
    return Ref(_PLANNED_BASE - 2 * d - 1, test_id=_PLANNED_BASE - 2 * d - 2, name=name)


class NameIndex:
    """Entities of one listing (a project's tests, a set's instances) by name, and by test id
    when ``by_test_id`` (a set's instances). :meth:`get` answers a :class:`Ref` with ``id``
    and ``test_id`` (and ``name`` when asked by name)."""

    def __init__(
        self,
        *,
        page: Callable[[int], Awaitable[Page[Ref]]],
        lookup: Callable[[Key], Awaitable[list[Ref]]],
        by_test_id: bool = False,
        on_twin: Callable[[Ref, Ref], None] | None = None,
        empty: bool = False,
        expected: Callable[[], int] | None = None,
    ) -> None:
        self._page = page
        self._lookup = lookup
        self._by_test_id = by_test_id
        self._on_twin = on_twin  # told (first, other) when a page lists a test's instance twice
        self._names = IdTable(pairs=True)  # name digest -> (id, test id)
        # test id -> instance id: made from _names the first time it is needed (a result or an
        # instance known by test id only), so an upload by name pays neither its bytes nor CPU
        self._test_ids: IdTable | None = None
        self._planned = DigestSet()  # names a dry run would create (see planned_ref)
        self._absent_names: set[int] = set()  # looked up, not found (at most one per call)
        self._absent_tests: set[int] = set()
        self._next_page: int | None = None if empty else 1
        self._total_pages: int | None = None
        self._lookups = 0
        self._last_page_paid = True
        self._expected = expected
        self._lock = asyncio.Lock()

    @property
    def complete(self) -> bool:
        """Whether every entity of the listing is known."""
        return self._next_page is None

    def __len__(self) -> int:
        """Entities known by name (listed, looked up, added or planned)."""
        return len(self._names) + len(self._planned)

    def nbytes(self) -> int:
        """Bytes the index's tables hold."""
        by_test = 0 if self._test_ids is None else self._test_ids.nbytes()
        return self._names.nbytes() + by_test + self._planned.nbytes()

    def add(self, item: Ref) -> Ref | None:
        """Record an entity (e.g. one we just created). The first one recorded under a key
        stays: when ``item`` is another instance of a test already recorded under its name, that
        first one is returned (None otherwise)."""
        if item.name is not None:
            digest = name_digest(item.name)
            if not self._names.setdefault(digest, item.id, item.test_id):
                first = self._names.get(digest)
                if first is not None and first[1] == item.test_id and first[0] != item.id:
                    return Ref(first[0], test_id=first[1], name=item.name)
                if self._by_test_id and first is not None and first[1] != item.test_id:
                    # another test of the same name: only its test id can find this one
                    self._by_test()
            if self._absent_names:
                self._absent_names.discard(digest)
        if self._by_test_id and item.test_id is not None:
            if self._test_ids is not None or item.name is None:
                self._by_test().setdefault(item.test_id, item.id)
            self._absent_tests.discard(item.test_id)
        return None

    def _by_test(self) -> IdTable:
        """Test id -> instance id, made from the entries by name when first needed."""
        if self._test_ids is None:
            table = self._test_ids = IdTable()
            table.reserve(len(self._names))
            for first, test_id in self._names.values():
                if test_id is not None:
                    table.setdefault(test_id, first)
        return self._test_ids

    def plan(self, name: str) -> Ref:
        """Record that a dry run would create the test ``name`` (and its instance): its digest
        only. Returns its made-up ids (:func:`planned_ref`), which :meth:`get` answers too."""
        digest = name_digest(name)
        self._planned.add(digest)
        self._absent_names.discard(digest)
        return planned_ref(name, digest)

    def first_of_test(self, test_id: int) -> int | None:
        """The id of the first instance of ``test_id`` recorded (``by_test_id`` only)."""
        found = self._by_test().get(test_id) if self._by_test_id else None
        return None if found is None else found[0]

    def ids(self, key: Key) -> tuple[int, int | None] | None:
        """What :meth:`get` answers, as ``(id, test_id)``, without a :class:`Ref` (the
        router's question for every result, which only needs the id)."""
        if type(key) is str:
            found = self._names.get(name_digest(key))
            if found is not None or not len(self._planned):
                return found
        ref = self.get(key)
        return None if ref is None else (ref.id, ref.test_id)

    def get(self, key: Key) -> Ref | None:
        """The entity for ``key`` if known (call :meth:`resolve` first)."""
        if isinstance(key, int):
            instance_id = self.first_of_test(key) if self._by_test_id else None
            return None if instance_id is None else Ref(instance_id, test_id=key)
        digest = name_digest(key)
        found = self._names.get(digest)
        if found is not None:
            return Ref(found[0], test_id=found[1], name=key)
        return planned_ref(key, digest) if digest in self._planned else None

    def _known(self, key: Key) -> bool:
        if isinstance(key, int):
            return key in self._absent_tests or self.first_of_test(key) is not None
        digest = name_digest(key)
        return digest in self._names or digest in self._absent_names or digest in self._planned

    def _missing(self, keys: Iterable[Key]) -> list[Key]:
        if self.complete:
            return []
        # _known, written out for names (asked for every result, once or twice)
        names, absent, planned = self._names, self._absent_names, self._planned
        any_planned = len(planned) > 0
        missing: dict[Key, None] = {}
        for key in keys:
            if type(key) is str:
                digest = name_digest(key)
                if digest in names or digest in absent or (any_planned and digest in planned):
                    continue
            elif self._known(key):
                continue
            missing[key] = None
        return list(missing)

    async def resolve(self, keys: Collection[Key]) -> None:
        """Make :meth:`get` answer for every key in ``keys``, with the fewest calls."""
        async with self._lock:
            missing = self._missing(keys)
            while missing:
                if self._next_page == 1 or self._last_page_paid:
                    await self._read_page()
                    left = self._missing(missing)
                    self._last_page_paid = len(left) < len(missing)
                    missing = left
                    continue
                remaining = (self._total_pages or 0) - (self._next_page or 1) + 1
                to_come = max(len(missing), self._expected() if self._expected else 0)
                if self._total_pages is None or to_come + self._lookups >= remaining:
                    while not self.complete:
                        await self._read_page()
                    return
                break
            if not missing:
                return
            self._lookups += len(missing)
            found = await asyncio.gather(*(self._lookup(k) for k in missing))
            for key, items in zip(missing, found, strict=True):
                for item in items:
                    self.add(item)
                if self.get(key) is None:
                    if isinstance(key, int):
                        self._absent_tests.add(key)
                    else:
                        self._absent_names.add(name_digest(key))

    async def _read_page(self) -> None:
        assert self._next_page is not None
        number = self._next_page
        page = await self._page(number)
        if number == 2 and page.total_pages:  # a second page read: room for every page at
            # once (no rebuilds on the way), as many on each as on this one (at most a million)
            coming = (page.total_pages - 1) * len(page.items)
            self._names.reserve(len(self._names) + min(coming, 1_000_000))
        for item in page.items:
            first = self.add(item)
            if first is not None and self._on_twin is not None:
                self._on_twin(first, item)
        self._total_pages = page.total_pages
        self._next_page = page.next_number
