"""Rendering helpers for JSON:API documents: resources, kebab-case attributes, timestamps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any


def kebab(name: str) -> str:
    return name.replace("_", "-")


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with an offset, as PractiTest writes it: 2017-01-27T12:19:46+00:00."""
    return None if value is None else value.isoformat(timespec="seconds")


def plain(value: Any) -> Any:
    """A stored value as JSON: datetimes become ISO strings, containers are copied."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def attributes_of(record: Any, names: Iterable[str]) -> dict[str, Any]:
    """``{"run-status": ..., ...}`` from the record's snake_case fields ``names``."""
    return {kebab(n): plain(getattr(record, n)) for n in names}


def resource(
    type_: str, id_: int, attributes: dict[str, Any], relationships: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One resource object; ``id`` is a string, as PractiTest sends it."""
    obj: dict[str, Any] = {"id": str(id_), "type": type_, "attributes": attributes}
    if relationships is not None:
        obj["relationships"] = relationships
    return obj


def identifiers(type_: str, ids: Iterable[int]) -> dict[str, Any]:
    """A relationship member: ``{"data": [{"id": "5", "type": "tests"}, ...]}``."""
    return {"data": [{"id": str(i), "type": type_} for i in ids]}


def document(data: Any, **extra: Any) -> dict[str, Any]:
    return {"data": data, **extra}
