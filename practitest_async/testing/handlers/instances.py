"""Instances (a test inside a set): list, create one or up to 20, show, update, delete."""

from __future__ import annotations

from functools import partial
from typing import Any

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.filters import by_ids, by_names, id_set
from practitest_async.testing.handlers.common import (
    collect,
    entity_fields,
    exists,
    find,
    set_present,
)
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import Instance
from practitest_async.testing.validate import Fields, items, single


def _display_id(call: Call, i: Instance) -> str:
    return f"{call.store.sets[i.set_id].display_id}:{i.number}"


def list_instances(call: Call) -> Reply:
    store = call.store
    found = [i for i in store.instances.values() if i.project_id == call.pid]
    found = by_ids(found, id_set(call, "set-ids"), lambda i: i.set_id)
    found = by_ids(found, id_set(call, "test-ids"), lambda i: i.test_id)
    found = by_ids(
        found, id_set(call, "test-display-ids"), lambda i: store.tests[i.test_id].display_id
    )
    wanted = call.query.get("display-id")
    if wanted is not None:
        found = [i for i in found if _display_id(call, i) == wanted]
    found = by_names(call, found, lambda i: store.tests[i.test_id].name)
    return paginated(call, found, lambda i: render.instance(store, i))


def show_instance(call: Call) -> Reply:
    return ok(document(render.instance(call.store, find(call, call.store.instances, "instance"))))


def instance_fields(call: Call, f: Fields) -> dict[str, Any]:
    fields = entity_fields(call, f, {"parameters": f.raw})
    fields.pop("description", None)  # instances have no description of their own
    fields.pop("tags", None)
    return fields


def _new_instance(call: Call, item: Fields) -> tuple[int, int, dict[str, Any]]:
    f = item.sub("attributes", required=True)
    set_id, test_id = f.required_id("set-id"), f.required_id("test-id")
    exists(call, call.store.sets, set_id, f.path("set-id"), "test set")
    exists(call, call.store.tests, test_id, f.path("test-id"), "test")
    return set_id, test_id, instance_fields(call, f)


def create_instances(call: Call) -> Reply:
    """One instance (``data: {...}``) or several (``data: [...]``); all or nothing."""
    found, bulk = items(call.body, call.config.max_instances_per_request, "instances")
    plans = collect([partial(_new_instance, call, f) for f in found])
    made = [call.store.add_instance(call.pid, s, t, **fields) for s, t, fields in plans]
    rendered = [render.instance(call.store, i) for i in made]
    return ok(document(rendered if bulk else rendered[0]))


def update_instance(call: Call) -> Reply:
    i = find(call, call.store.instances, "instance")
    data = single(call.body)
    set_present(i, collect([lambda: instance_fields(call, data.sub("attributes"))])[0])
    i.updated_at = call.store.now()
    return ok(document(render.instance(call.store, i)))


def delete_instance(call: Call) -> Reply:
    i = find(call, call.store.instances, "instance")
    body = document(render.instance(call.store, i))
    call.store.delete_instance(i.id)
    return done(call, body)
