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
re-run. :func:`stable_digest` (BLAKE2b) is the same in every process, for what must be the same
from one run to the next (a result's ordinal, see :class:`Ordinals`).
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from collections.abc import Iterator

_EMPTY = -(1 << 63)  # a free slot (a key equal to it is stored as _EMPTY + 1)
_NONE = _EMPTY  # "no value" in a value column
_LOW, _HIGH = -(1 << 63), (1 << 63) - 1
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


def _fits(value: int) -> bool:
    return _LOW < value <= _HIGH


class _Slots:
    """Open addressing over an ``array('q')`` of keys and ``width`` value columns. Keys are
    ints; one outside 64 bits (no real id is) lives in a small dict beside the arrays."""

    __slots__ = ("_columns", "_keys", "_odd", "_size")

    def __init__(self, width: int) -> None:
        self._keys = array("q", [_EMPTY]) * _MIN_SLOTS
        self._columns = [array("q", [_NONE]) * _MIN_SLOTS for _ in range(width)]
        self._size = 0
        self._odd: dict[int, tuple[int | None, ...]] = {}

    def __len__(self) -> int:
        return self._size + len(self._odd)

    def _slot(self, key: int) -> int:
        """The slot holding ``key``, or the free slot where it would go."""
        keys = self._keys
        size = len(keys)
        i = ((key * _MIX) & _M64) % size
        while True:
            found = keys[i]
            if found in (key, _EMPTY):
                return i
            i += 1
            if i == size:
                i = 0

    def _find(self, key: int) -> int:
        """The slot of ``key``, or -1."""
        i = self._slot(key)
        return i if self._keys[i] == key else -1

    def _put(self, key: int, values: tuple[int | None, ...], *, replace: bool) -> bool:
        """Store ``values`` under ``key``; False (and nothing changed, unless ``replace``) when
        the key was there already."""
        if not _fits(key) or not all(v is None or _fits(v) for v in values):
            if key in self._odd and not replace:
                return False
            new = key not in self._odd
            self._odd[key] = values
            return new
        i = self._slot(key)
        new = self._keys[i] != key
        if not new and not replace:
            return False
        self._keys[i] = key
        for column, value in zip(self._columns, values, strict=True):
            column[i] = _NONE if value is None else value
        if new:
            self._size += 1
            if self._size * 4 >= len(self._keys) * 3:
                self._grow()
        return new

    def _values(self, key: int) -> tuple[int | None, ...] | None:
        if not _fits(key):
            return self._odd.get(key)
        i = self._find(key)
        if i < 0:
            return None
        return tuple(None if (v := c[i]) == _NONE else v for c in self._columns)

    def _grow(self) -> None:
        """Rebuild at half full (load 3/4 -> 1/2), keeping every entry."""
        old_keys, old_columns = self._keys, self._columns
        slots = max(_MIN_SLOTS, self._size * 2)
        self._keys = array("q", [_EMPTY]) * slots
        self._columns = [array("q", [_NONE]) * slots for _ in old_columns]
        keys, columns = self._keys, self._columns
        for j, key in enumerate(old_keys):
            if key != _EMPTY:
                i = self._slot(key)
                keys[i] = key
                for new, old in zip(columns, old_columns, strict=True):
                    new[i] = old[j]

    def _remove(self, key: int) -> bool:
        """Drop ``key`` (linear probing: the entries after it in its run are put back)."""
        if not _fits(key):
            return self._odd.pop(key, None) is not None
        i = self._find(key)
        if i < 0:
            return False
        keys, columns = self._keys, self._columns
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

    def keys(self) -> Iterator[int]:
        """Every key, in no particular order."""
        yield from (k for k in self._keys if k != _EMPTY)
        yield from self._odd

    def nbytes(self) -> int:
        """Bytes the arrays hold (what the table costs, less a few object headers)."""
        arrays = [self._keys, *self._columns]
        return sum(a.buffer_info()[1] * a.itemsize for a in arrays)


def _key(digest: int) -> int:
    return digest if digest != _EMPTY else _EMPTY + 1


class DigestSet(_Slots):
    """A set of 64-bit digests (or ids): 8 bytes a slot, 11-16 bytes an entry."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(0)

    def add(self, digest: int) -> bool:
        """Add ``digest``; True when it was not there yet."""
        return self._put(_key(digest), (), replace=False)

    def discard(self, digest: int) -> None:
        """Remove ``digest`` if present."""
        self._remove(_key(digest))

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, int):
            return False
        key = _key(digest)
        return key in self._odd if not _fits(key) else self._find(key) >= 0


class IdTable(_Slots):
    """64-bit key (a digest, an id) -> one id, and with ``pairs`` an optional second one (e.g.
    instance id and test id): 16 bytes a slot (21-32 an entry), 24 with pairs (32-48)."""

    __slots__ = ("_pairs",)

    def __init__(self, *, pairs: bool = False) -> None:
        super().__init__(2 if pairs else 1)
        self._pairs = pairs

    def setdefault(self, key: int, first: int, second: int | None = None) -> bool:
        """Store the ids under ``key`` unless it has some already (the first one wins); True
        when stored."""
        return self._put(_key(key), self._row(first, second), replace=False)

    def set(self, key: int, first: int, second: int | None = None) -> None:
        """Store the ids under ``key``, replacing what it had."""
        self._put(_key(key), self._row(first, second), replace=True)

    def _row(self, first: int, second: int | None) -> tuple[int | None, ...]:
        if self._pairs:
            return (first, second)
        if second is not None:
            raise ValueError("this table holds one id per key")
        return (first,)

    def get(self, key: int) -> tuple[int, int | None] | None:
        """The ids under ``key`` (the second None without ``pairs``), or None."""
        found = self._values(_key(key))
        if found is None:
            return None
        first = found[0]
        assert first is not None
        return first, found[1] if self._pairs else None

    def pop(self, key: int) -> bool:
        """Forget ``key``; True when it was there."""
        return self._remove(_key(key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and self.get(key) is not None


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
        counted = self._counts.get(digest)
        if counted is not None:
            self._counts.set(digest, counted[0] + 1)
            return counted[0]
        if self._once.add(digest):
            return 0
        self._counts.set(digest, 2)
        return 1
