"""Bytes per entry of the name index (what an upload keeps per instance of the set), measured.

    python benchmarks/name_index.py [--n 100000]

Fills the set's instance index the way reading its pages does (a fresh name string and ``Ref``
per instance, as decoding an answer makes them, then dropped), and measures with ``tracemalloc``
what stays: the index of this package, the layout it replaced (a dict of name -> ``Ref`` and of
test id -> ``Ref``, the name strings and ``Ref``s kept alive by it), and a dry run's record of N
new test names (:meth:`NameIndex.plan`), against a plain ``set`` of their digests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tracemalloc
from collections.abc import Callable

from practitest_async.batch.compact import Ordinals, name_digest
from practitest_async.batch.index import Key, NameIndex
from practitest_async.codec import Ref
from practitest_async.pagination import Page


def _refs(n: int, start: int = 0) -> list[Ref]:
    # ids as a large account has them (7 and 8 digits), names made fresh like json.loads makes them
    return [
        Ref(50_000_000 + i, test_id=3_000_000 + i, name="".join(["test ", f"{i:06d}"]))
        for i in range(start, start + n)
    ]


def _index() -> NameIndex:
    async def page(number: int) -> Page[Ref]:
        raise AssertionError(number)

    async def lookup(key: Key) -> list[Ref]:
        raise AssertionError(key)

    return NameIndex(page=page, lookup=lookup, by_test_id=True, empty=True)


def measured(n: int, build: Callable[[int], object]) -> float:
    """Bytes per entry that ``build(n)`` leaves allocated (its result kept alive)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build(n)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / n


def ours(n: int) -> object:
    index = _index()
    for start in range(0, n, 100):  # a page at a time, as the uploader reads them
        for ref in _refs(min(100, n - start), start):
            index.add(ref)
    return index


def former(n: int) -> object:
    items: dict[Key, Ref] = {}
    for start in range(0, n, 100):
        for ref in _refs(min(100, n - start), start):
            assert ref.name is not None
            assert ref.test_id is not None
            items.setdefault(ref.name, ref)
            items.setdefault(ref.test_id, ref)
    return items


def planned(n: int) -> object:
    index = _index()
    for i in range(n):
        index.plan(f"new test {i:07d}")
    return index


def digest_set(n: int) -> object:
    return {name_digest(f"new test {i:07d}") for i in range(n)}


def ordinals(n: int) -> object:
    counted = Ordinals()
    for i in range(n):
        counted.next(f"test {i:06d}", None, None)
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    n = parser.parse_args().n
    asyncio.set_event_loop(asyncio.new_event_loop())  # NameIndex makes an asyncio.Lock
    rows = [
        ("instance index, name and test id -> ids (this package)", ours),
        ("instance index, former layout (dicts of names and test ids -> Ref)", former),
        ("dry run: names of tests it would create (NameIndex.plan)", planned),
        ("for comparison: a Python set of their 64-bit digests", digest_set),
        ("result ordinals, one result per name (Ordinals)", ordinals),
    ]
    print(f"N = {n:,}")
    for label, build in rows:
        print(f"  {label}: {measured(n, build):.0f} bytes per entry")


if __name__ == "__main__":
    main()
