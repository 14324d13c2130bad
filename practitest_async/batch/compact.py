"""Compact tables for what an upload must remember per name: 64-bit digests in ``array('q')``.

An upload of 100,000 results into an existing set learns every instance's name and ids; a dry
run of a million new tests must remember which names it already planned an ``auto_create`` for.
A ``dict`` of names to :class:`~practitest_async.codec.Ref` costs about 380 bytes an entry (the
name, the tuple, two keys, the ints); a Python ``set`` of ints 60-70. Here a name is a 64-bit
digest and the ids are packed in parallel ``array('q')`` slots (open addressing, linear probing,
load kept between 1/2 and 3/4): 8 bytes a slot per column, so 11-16 bytes an entry for a set of
digests and 32-48 for a digest with two ids.

**Collisions.** Two different names with the same 64-bit digest are taken for one name: the
second resolves to the first one's ids (for the name index: its runs would go to the other
test's instance; for a dry run: it would be counted in the other test's bulk requests instead
of an ``auto_create`` of its own). With N names the chance that any two collide is about
N² / 2⁶⁵: 3 × 10⁻¹⁰ for 100,000 names, 3 × 10⁻⁸ for a million. :func:`name_digest` is
Python's own string hash (SipHash with a random key per process, cached on the string: no CPU
per look-up), so a collision cannot be provoked by choosing names and is not repeated by a
re-run, unless ``PYTHONHASHSEED`` is fixed or the string hash is not a 64-bit SipHash (then
:func:`stable_digest` is used): the key is fixed then, and a collision, as unlikely, repeats.
:func:`stable_digest` (BLAKE2b) is the same in every process, for what must be the same from one
run to the next (a result's ordinal, see :class:`Ordinals`).
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from collections.abc import Iterator

_EMPTY = -(1 << 63)  # a free slot (a key equal to it is stored as _EMPTY + 1)
_NONE = _EMPTY  # "no value" in a value column
_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: consecutive ids spread over the table
_M64 = (1 << 64) - 1
_MIN_SLOTS = 8

_FAST_HASH = sys.hash_info.width >= 64 and sys.hash_info.algorithm.startswith("siphash")


def stable_digest(text: str) -> int:
    """A 64-bit digest of ``text``, the same in every process (BLAKE2b, ~0.4 µs)."""
    raw = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "little", signed=True)


def name_digest(name: str) -> int:
    """A 64-bit digest of ``name`` for this process's tables: the string's own hash where it is
    a 64-bit SipHash (cached on the string), else :func:`stable_digest`."""
    return hash(name) if _FAST_HASH else stable_digest(name)


class _Slots:
    """Open addressing over an ``array('q')`` of keys (linear probing) and value columns. A key
    or value outside 64 bits (no real id is) lives in a small dict beside the arrays. Every
    method probes through :meth:`_slot`."""

    __slots__ = ("_keys", "_odd", "_size")

    def __init__(self) -> None:
        self._keys = array("q", [_EMPTY]) * _MIN_SLOTS
        self._size = 0
        self._odd: dict[int, tuple[int, int | None]] = {}

    def __len__(self) -> int:
        return self._size + len(self._odd)

    def _slot(self, key: int) -> int:
        """The slot that holds ``key`` (already made a key by ``_key``), else the free slot
        where it goes."""
        keys = self._keys
        size = len(keys)
        i = (key * _MIX & _M64) % size
        while True:
            found = keys[i]
            if found == key or found == _EMPTY:  # noqa: SIM109 (no tuple per probe)
                return i
            i += 1
            if i == size:
                i = 0

    def _columns(self) -> list[array[int]]:
        return []

    def _grown(self) -> None:
        """Count one more entry; past 3/4 full, rebuild at 1/2 (every entry put back)."""
        self._size += 1
        if self._size * 4 >= len(self._keys) * 3:
            self._rebuild(max(_MIN_SLOTS, self._size * 2))

    def reserve(self, entries: int) -> None:
        """Make room for ``entries`` in all at once (2/3 full then), when the caller knows how
        many are coming: no rebuild on the way, and no more slots than that."""
        slots = entries * 3 // 2 + 1
        if slots > len(self._keys) and entries * 4 >= len(self._keys) * 3:
            self._rebuild(max(slots, self._size * 2))

    def _rebuild(self, slots: int) -> None:
        old = self._keys
        self._keys = keys = array("q", [_EMPTY]) * slots
        for key in old:
            if key != _EMPTY:
                keys[self._slot(key)] = key

    def _remove(self, key: int) -> bool:
        """Drop ``key`` (linear probing: the entries after it in its run are put back)."""
        if key in self._odd:
            del self._odd[key]
            return True
        keys, columns = self._keys, self._columns()
        i = self._slot(key)
        if keys[i] != key:
            return False
        size = len(keys)
        keys[i] = _EMPTY
        self._size -= 1
        j = (i + 1) % size
        while (moved := keys[j]) != _EMPTY:
            values = [c[j] for c in columns]
            keys[j] = _EMPTY
            k = self._slot(moved)
            keys[k] = moved
            for column, value in zip(columns, values, strict=True):
                column[k] = value
            j = (j + 1) % size
        return True

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int):
            return False
        key = _key(key)
        return self._keys[self._slot(key)] == key or (bool(self._odd) and key in self._odd)

    def keys(self) -> Iterator[int]:
        """Every key, in no particular order."""
        yield from (k for k in self._keys if k != _EMPTY)
        yield from self._odd

    def nbytes(self) -> int:
        """Bytes the arrays hold (what the table costs, less a few object headers)."""
        arrays = [self._keys, *self._columns()]
        return sum(a.buffer_info()[1] * a.itemsize for a in arrays)


def _key(key: int) -> int:
    return key if key != _EMPTY else _EMPTY + 1


class DigestSet(_Slots):
    """A set of 64-bit digests (or ids): 8 bytes a slot, 11-16 bytes an entry."""

    __slots__ = ()

    def add(self, digest: int) -> bool:
        """Add ``digest``; True when it was not there yet."""
        key = _key(digest)
        keys = self._keys
        i = self._slot(key)
        if keys[i] == key:
            return False
        try:
            keys[i] = key
        except OverflowError:  # beyond 64 bits
            if key in self._odd:
                return False
            self._odd[key] = (0, None)
            return True
        self._grown()
        return True

    def discard(self, digest: int) -> None:
        """Remove ``digest`` if present."""
        self._remove(_key(digest))


class IdTable(_Slots):
    """64-bit key (a digest, an id) -> one id, and with ``pairs`` an optional second one (e.g.
    instance id and test id): 16 bytes a slot (21-32 an entry), 24 with pairs (32-48)."""

    __slots__ = ("_first", "_pairs", "_second")

    def __init__(self, *, pairs: bool = False) -> None:
        super().__init__()
        self._pairs = pairs
        self._first = array("q", [_NONE]) * _MIN_SLOTS
        self._second = array("q", [_NONE]) * (_MIN_SLOTS if pairs else 0)

    def _columns(self) -> list[array[int]]:
        return [self._first, self._second] if self._pairs else [self._first]

    def _rebuild(self, slots: int) -> None:
        old_keys, old_first, old_second = self._keys, self._first, self._second
        self._keys = keys = array("q", [_EMPTY]) * slots
        self._first = first = array("q", [_NONE]) * slots
        pairs = self._pairs
        self._second = second = array("q", [_NONE]) * (slots if pairs else 0)
        for j, key in enumerate(old_keys):
            if key != _EMPTY:
                i = self._slot(key)
                keys[i] = key
                first[i] = old_first[j]
                if pairs:
                    second[i] = old_second[j]

    def setdefault(self, key: int, first: int, second: int | None = None) -> bool:
        """Store the ids under ``key`` unless it has some already (the first one wins); True
        when stored."""
        return self._put(key, first, second, replace=False)

    def set(self, key: int, first: int, second: int | None = None) -> None:
        """Store the ids under ``key``, replacing what it had."""
        self._put(key, first, second, replace=True)

    def _put(self, key: int, first: int, second: int | None, *, replace: bool) -> bool:
        if second is not None and not self._pairs:
            raise ValueError("this table holds one id per key")
        key = _key(key)
        if self._odd and key in self._odd:  # kept aside once: it stays there
            if replace:
                self._odd[key] = (first, second)
            return False
        keys = self._keys
        i = self._slot(key)
        new = keys[i] != key
        if not new and not replace:
            return False
        try:
            self._first[i] = first
            if self._pairs:
                self._second[i] = _NONE if second is None else second
            if new:
                keys[i] = key
        except OverflowError:  # a key or an id beyond 64 bits: kept aside
            if key in self._odd and not replace:
                return False
            if not new:  # it moves aside whole
                self._remove(key)
            new = key not in self._odd
            self._odd[key] = (first, second)
            return new
        if new:
            self._grown()
        return new

    def get(self, key: int) -> tuple[int, int | None] | None:
        """The ids under ``key`` (the second None without ``pairs``), or None."""
        key = _key(key)
        i = self._slot(key)
        if self._keys[i] != key:
            return self._odd.get(key) if self._odd else None
        if not self._pairs:
            return self._first[i], None
        second = self._second[i]
        return self._first[i], None if second == _NONE else second

    def values(self) -> Iterator[tuple[int, int | None]]:
        """The ids of every entry, in the order of the slots (not of insertion)."""
        first, second, pairs = self._first, self._second, self._pairs
        for i, key in enumerate(self._keys):
            if key != _EMPTY:
                value = second[i] if pairs else _NONE
                yield first[i], None if value == _NONE else value
        yield from self._odd.values()

    def pop(self, key: int) -> bool:
        """Forget ``key``; True when it was there."""
        return self._remove(_key(key))


class Ordinals:
    """How many results of each identity came so far (a result's ordinal is part of its key).

    An identity seen once costs a slot of a :class:`DigestSet`; only repeated ones get a count.
    The digest is :func:`stable_digest`, so a re-run numbers the same results the same way (a
    collision, ~N² / 2⁶⁵, would number the second identity from 1: its keys stay distinct,
    since a key holds the name too, and the same from one run to the next)."""

    __slots__ = ("_counts", "_once")

    def __init__(self) -> None:
        self._once = DigestSet()
        self._counts = IdTable()

    def next(self, name: str, test_id: int | None, instance_id: int | None) -> int:
        """The ordinal of this result among those of its identity (0 for the first)."""
        digest = stable_digest(f"{test_id}\x1f{instance_id}\x1f{name}")
        if self._once.add(digest):
            return 0
        counted = self._counts.get(digest)
        ordinal = 1 if counted is None else counted[0]
        self._counts.set(digest, ordinal + 1)
        return ordinal
