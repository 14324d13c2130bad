"""The few fields the uploader reads from PractiTest's list answers, read straight from the JSON.

Decoding a whole :class:`~practitest_async.models.Instance` costs ~50 µs; the uploader reads its
id, its test's id and its name. A set of 100,000 instances is 1,000 pages: these readers keep the
uploader's CPU and the name index's memory (a small slotted object per entity) to what it uses.
The public services still return full models. An item we cannot read (no id, attributes that
are not an object) is an error, never "absent": taking it as absent would create duplicates.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..errors import PractiTestError
from ..models import Instance, Test


class UnreadableAnswerError(PractiTestError):
    """A list answer whose items are not what the API documents."""


@attrs.frozen(slots=True)
class InstanceRef:
    """An instance of the set, as the uploader knows it."""

    id: int
    test_id: int | None = None
    name: str | None = None

    @classmethod
    def of(cls, instance: Instance) -> InstanceRef:
        """From a full model (one the uploader created)."""
        return cls(instance.id, instance.test_id, instance.name)


@attrs.frozen(slots=True)
class TestRef:
    """A test of the project, as the uploader knows it."""

    __test__ = False  # not a pytest class

    id: int
    name: str | None = None

    @classmethod
    def of(cls, test: Test) -> TestRef:
        """From a full model."""
        return cls(test.id, test.name)


def _items(raw: Any, what: str) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(raw, list):
        raise UnreadableAnswerError(f"the {what} list answer has no list of items: {raw!r:.200}")
    out = []
    for item in raw:
        attributes = item.get("attributes") if isinstance(item, dict) else None
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(attributes, dict) or ident is None or isinstance(ident, bool):
            raise UnreadableAnswerError(
                f"a {what} in PractiTest's answer has no id or no attributes: {item!r:.200}"
            )
        try:
            out.append((int(ident), attributes))
        except (TypeError, ValueError):
            raise UnreadableAnswerError(f"a {what} id is not a number: {ident!r:.50}") from None
    return out


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def instance_refs(raw: Any) -> list[InstanceRef]:
    """``data`` of a GET instances.json page -> the instances' ids, test ids and names."""
    return [
        InstanceRef(ident, _optional_int(a.get("test-id")), a.get("name"))
        for ident, a in _items(raw, "instance")
    ]


def test_refs(raw: Any) -> list[TestRef]:
    """``data`` of a GET tests.json page -> the tests' ids and names."""
    return [TestRef(ident, a.get("name")) for ident, a in _items(raw, "test")]
