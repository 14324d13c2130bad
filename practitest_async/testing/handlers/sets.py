"""Test sets: list, create (with instances), show, update, delete, clone."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.filters import by_ids, by_names, flag, id_set
from practitest_async.testing.handlers.common import (
    acting_user,
    collect,
    entity_fields,
    exists,
    find,
    set_present,
)
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import TestSet
from practitest_async.testing.validate import Fields, single

COPIED = (
    "description",
    "author_id",
    "assigned_to_id",
    "assigned_to_type",
    "planned_execution",
    "status",
    "version",
    "priority",
    "custom_fields",
    "folder_id",
    "milestone_id",
    "tags",
)


def _render(call: Call, s: TestSet) -> dict[str, Any]:
    return render.a_set(call.store, s, duration=flag(call, "duration"))


def list_sets(call: Call) -> Reply:
    sets = [s for s in call.store.sets.values() if s.project_id == call.pid]
    sets = by_ids(sets, id_set(call, "display-ids"), lambda s: s.display_id)
    return paginated(call, by_names(call, sets, lambda s: s.name), lambda s: _render(call, s))


def show_set(call: Call) -> Reply:
    return ok(document(_render(call, find(call, call.store.sets, "test set"))))


def set_fields(call: Call, f: Fields) -> dict[str, Any]:
    def milestone(key: str) -> int | None:
        mid = f.id(key)
        if mid is not None:
            exists(call, call.store.milestones, mid, f.path(key), "milestone")
        return mid

    return entity_fields(call, f, {"status": f.text, "milestone-id": milestone, "folder-id": f.id})


def _test_ids(call: Call, data: Fields) -> list[int]:
    block = data.sub("instances")
    ids = block.id_list("test-ids")
    for i, tid in enumerate(ids):
        exists(call, call.store.tests, tid, f"{block.path('test-ids')}[{i}]", "test")
    return ids


def create_set(call: Call) -> Reply:
    data = single(call.body)

    def check() -> tuple[str, dict[str, Any], list[int]]:
        f = data.sub("attributes", required=True)
        fields = set_fields(call, f)
        fields["author_id"] = acting_user(call, f, "author-id", required_for_account=False)
        return f.required_text("name"), fields, _test_ids(call, data)

    name, fields, test_ids = collect([check])[0]
    s = call.store.add_set(call.pid, name, test_ids=test_ids, **fields)
    return ok(document(_render(call, s)))


def _updates(call: Call, f: Fields) -> dict[str, Any]:
    fields = set_fields(call, f)
    if f.has("name"):
        fields["name"] = f.required_text("name")
    return fields


def update_set(call: Call) -> Reply:
    s = find(call, call.store.sets, "test set")
    data = single(call.body)
    set_present(s, collect([lambda: _updates(call, data.sub("attributes"))])[0])
    s.updated_at = call.store.now()
    return ok(document(_render(call, s)))


def delete_set(call: Call) -> Reply:
    s = find(call, call.store.sets, "test set")
    body = document(_render(call, s))
    call.store.delete_set(s.id)
    return done(call, body)


def clone_set(call: Call) -> Reply:
    """A copy with the given overrides and one new, unrun instance per original instance."""
    original = find(call, call.store.sets, "test set")
    data = Fields({}, "data") if call.body is None else single(call.body)
    overrides = collect([lambda: _updates(call, data.sub("attributes"))])[0]
    fields = {name: getattr(original, name) for name in COPIED} | overrides
    name = fields.pop("name", original.name)
    tests = [
        i.test_id for i in sorted(call.store.instances_of_set(original.id), key=lambda i: i.number)
    ]
    clone = call.store.add_set(call.pid, name, test_ids=tests, **_deep_copy(fields))
    return ok(document(_render(call, clone)))


def _deep_copy(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.copy() if isinstance(v, dict | list) else v) for k, v in fields.items()}
