"""Index filters shared by resources: ``name_exact``, ``name_like``, id lists, display ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from practitest_async.testing.context import Call
from practitest_async.testing.errors import ApiError

T = TypeVar("T")


def id_set(call: Call, key: str) -> set[int] | None:
    """A comma-separated id list from the query (``test-ids=1,2``), or None when absent."""
    raw = call.query.get(key)
    if raw is None or raw == "":
        return None
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ApiError(422, f"{key} must be comma-separated integers, got {raw!r}")
        ids.add(int(part))
    return ids


def by_ids(items: Iterable[T], ids: set[int] | None, key: Callable[[T], int]) -> list[T]:
    return [i for i in items if ids is None or key(i) in ids]


def by_text(call: Call, items: Iterable[T], text: Callable[[T], str], prefix: str) -> list[T]:
    """``{prefix}_exact`` (case-sensitive) and ``{prefix}_like`` (case-insensitive substring)."""
    exact = call.query.get(f"{prefix}_exact")
    like = call.query.get(f"{prefix}_like")
    found = list(items)
    if exact is not None:
        found = [i for i in found if text(i) == exact]
    if like is not None:
        found = [i for i in found if like.lower() in text(i).lower()]
    return found


def by_names(call: Call, items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    return by_text(call, items, name, "name")


def flag(call: Call, key: str) -> bool:
    return call.query.get(key, "").lower() == "true"
