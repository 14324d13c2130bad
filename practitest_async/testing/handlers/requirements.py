"""Requirements: list with filters, create (with linked tests), show, update, delete (§8.8)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_trace
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
from practitest_async.testing.records import Requirement
from practitest_async.testing.validate import Fields, Invalid, single


def _render(call: Call, r: Requirement) -> dict[str, Any]:
    return render_trace.requirement(call.store, r, related=flag(call, "relationships"))


def list_requirements(call: Call) -> Reply:
    found = [r for r in call.store.requirements.values() if r.project_id == call.pid]
    found = by_ids(found, id_set(call, "display-ids"), lambda r: r.display_id)
    return paginated(call, by_names(call, found, lambda r: r.name), lambda r: _render(call, r))


def show_requirement(call: Call) -> Reply:
    return ok(document(_render(call, find(call, call.store.requirements, "requirement"))))


def requirement_fields(call: Call, f: Fields, *, own_id: int | None = None) -> dict[str, Any]:
    def parent(key: str) -> int | None:
        pid = f.id(key)
        if pid is not None:
            exists(call, call.store.requirements, pid, f.path(key), "requirement")
            if pid == own_id:
                raise Invalid(f"{f.path(key)}: a requirement cannot be its own parent")
        return pid

    return entity_fields(call, f, {"parent-id": parent, "folder-id": f.id})


def _linked_tests(call: Call, data: Fields) -> list[int]:
    block = data.sub("traceability")
    ids = block.id_list("test-ids")
    for n, tid in enumerate(ids):
        exists(call, call.store.tests, tid, f"{block.path('test-ids')}[{n}]", "test")
    return ids


def create_requirement(call: Call) -> Reply:
    data = single(call.body)

    def check() -> tuple[str, dict[str, Any], list[int]]:
        f = data.sub("attributes", required=True)
        fields = requirement_fields(call, f)
        fields["author_id"] = acting_user(call, f, "author-id", required_for_account=True)
        return f.required_text("name"), fields, _linked_tests(call, data)

    name, fields, test_ids = collect([check])[0]
    r = call.store.add_requirement(call.pid, name, **fields)
    for tid in test_ids:
        call.store.link(("requirements", r.id), ("tests", tid))
    return ok(document(_render(call, r)))


def update_requirement(call: Call) -> Reply:
    r = find(call, call.store.requirements, "requirement")
    data = single(call.body)

    def check() -> dict[str, Any]:
        f = data.sub("attributes", required=True)
        fields = requirement_fields(call, f, own_id=r.id)
        if f.has("name"):
            fields["name"] = f.required_text("name")
        fields["updated_by_user_id"] = acting_user(
            call, f, "updated-by-user-id", required_for_account=False
        )
        return fields

    set_present(r, collect([check])[0])
    r.updated_at = call.store.now()
    return ok(document(_render(call, r)))


def delete_requirement(call: Call) -> Reply:
    r = find(call, call.store.requirements, "requirement")
    body = document(_render(call, r))
    call.store.delete_requirement(r.id)
    return done(call, body)
