"""POST runs/auto_create.json: find or create the test and the instance, then run (§8.14.1)."""

from __future__ import annotations

from typing import Any

import attrs

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.handlers.common import acting_user, collect, exists
from practitest_async.testing.handlers.run_input import RunPlan, parse_run
from practitest_async.testing.handlers.runs import apply_run, with_instance
from practitest_async.testing.handlers.tests import test_fields
from practitest_async.testing.records import Test
from practitest_async.testing.validate import Fields, Invalid, single


@attrs.frozen(kw_only=True)
class NewTest:
    name: str
    author_id: int | None
    fields: dict[str, Any]
    steps: list[dict[str, Any]]


@attrs.frozen(kw_only=True)
class AutoPlan:
    set_id: int
    test: Test | NewTest
    run: RunPlan


def _by_name(call: Call, name: str) -> Test | None:
    return call.store.test_named(call.pid, name)


def _new_test(call: Call, ta: Fields, name: str) -> NewTest:
    steps = []
    for i, raw in enumerate(ta.array("steps")):
        s = Fields.of(raw, f"{ta.path('steps')}[{i}]")
        s.integer("position")  # documented; the list's order is the steps' order here
        steps.append(
            {
                "name": s.required_text("name", max_len=call.config.max_step_name_chars),
                "description": s.text("description"),
                "expected_results": s.text("expected-results"),
            }
        )
    author = acting_user(call, ta, "author-id", required_for_account=False)
    return NewTest(name=name, author_id=author, fields=test_fields(call, ta), steps=steps)


def _plan(call: Call, data: Fields) -> AutoPlan:
    f = data.sub("attributes", required=True)
    set_id = f.required_id("set-id")
    exists(call, call.store.sets, set_id, f.path("set-id"), "test set")
    ta = data.sub("test-attributes")
    test_id = f.id("test-id")
    test: Test | NewTest | None
    if test_id is not None:
        test = exists(call, call.store.tests, test_id, f.path("test-id"), "test")
    else:
        if ta.raw("name") is None:
            raise Invalid(f"{ta.path('name')} is required when {f.path('test-id')} is absent")
        name = ta.required_text("name")
        test = _by_name(call, name) or _new_test(call, ta, name)
    return AutoPlan(set_id=set_id, test=test, run=parse_run(call, data, need_instance=False))


def auto_create(call: Call) -> Reply:
    plan: AutoPlan = collect([lambda: _plan(call, single(call.body))])[0]
    store, meta = call.store, {}
    test = plan.test
    if isinstance(test, NewTest):
        test = store.add_test(
            call.pid, test.name, author_id=test.author_id, steps=test.steps, **test.fields
        )
        meta["created-test"] = test.id
    found = sorted(
        (i for i in store.instances_of_set(plan.set_id) if i.test_id == test.id), key=lambda i: i.id
    )
    instance = found[0] if found else None
    if instance is None:
        instance = store.add_instance(call.pid, plan.set_id, test.id)
        meta["created-instance"] = instance.id
    run = apply_run(call, with_instance(plan.run, instance.id))
    return ok({"data": render.run(store, run), "meta": meta})
