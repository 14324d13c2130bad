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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable
from typing import Generic, TypeVar

from ..pagination import Page

T = TypeVar("T")
Key = Hashable


class NameIndex(Generic[T]):
    """Entities of one listing (a project's tests, a set's instances) by key."""

    def __init__(
        self,
        *,
        page: Callable[[int], Awaitable[Page[T]]],
        lookup: Callable[[Key], Awaitable[list[T]]],
        keys_of: Callable[[T], Iterable[Key]],
        empty: bool = False,
        expected: Callable[[], int] | None = None,
    ) -> None:
        self._page = page
        self._lookup = lookup
        self._keys_of = keys_of
        self._items: dict[Key, T] = {}
        self._absent: set[Key] = set()
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

    def add(self, item: T) -> None:
        """Record an entity (e.g. one we just created)."""
        for key in self._keys_of(item):
            self._items.setdefault(key, item)
            self._absent.discard(key)

    def get(self, key: Key) -> T | None:
        """The entity for ``key`` if known (call :meth:`resolve` first)."""
        return self._items.get(key)

    def _missing(self, keys: Iterable[Key]) -> list[Key]:
        if self.complete:
            return []
        return list(
            dict.fromkeys(k for k in keys if k not in self._items and k not in self._absent)
        )

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
                if key not in self._items:
                    self._absent.add(key)

    async def _read_page(self) -> None:
        assert self._next_page is not None
        page = await self._page(self._next_page)
        for item in page.items:
            self.add(item)
        self._total_pages = page.total_pages
        self._next_page = page.next_number
