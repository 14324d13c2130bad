"""Tests (the test library): list, create with steps, show, update, delete, status counts."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.filters import by_ids, by_names, flag, id_set
from practitest_async.testing.handlers.common import (
    acting_user,
    collect,
    entity_fields,
    find,
    set_present,
)
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import Test
from practitest_async.testing.status import RUN_STATUSES
from practitest_async.testing.validate import Fields, single

TEST_TYPES = ("ScriptedTest", "ApiTest", "FireCracker", "xBotTest", "EggplantTest", "BDDTest")


def project_tests(call: Call) -> list[Test]:
    """The project's tests after the list filters (``display-ids``, ``name_*``)."""
    tests = [t for t in call.store.tests.values() if t.project_id == call.pid]
    tests = by_ids(tests, id_set(call, "display-ids"), lambda t: t.display_id)
    return by_names(call, tests, lambda t: t.name)


def list_tests(call: Call) -> Reply:
    rel = flag(call, "relationships")
    return paginated(
        call, project_tests(call), lambda t: render.a_test(call.store, t, relationships=rel)
    )


def show_test(call: Call) -> Reply:
    t = find(call, call.store.tests, "test")
    return ok(document(render.a_test(call.store, t, relationships=flag(call, "relationships"))))


def test_fields(call: Call, f: Fields) -> dict[str, Any]:
    """Attributes a test create or update may carry (all but name and the users)."""
    return entity_fields(
        call,
        f,
        {
            "status": f.text,
            "duration-estimate": f.duration,
            "test-type": lambda k: f.choice(k, TEST_TYPES),
            "automated-fields": lambda k: f.sub(k).values,
            "scenario": f.text,
            "preconditions": f.text,
            "folder-id": f.id,
        },
    )


def step_definitions(call: Call, f: Fields, key: str = "steps") -> list[dict[str, Any]]:
    """``data.steps.data[]`` of a test create: name (<= 255 chars), description, expected."""
    limit = call.config.max_step_name_chars
    steps = []
    for i, raw in enumerate(f.sub(key).array("data")):
        s = Fields.of(raw, f"{f.path(key)}.data[{i}]")
        steps.append(
            {
                "name": s.required_text("name", max_len=limit),
                "description": s.text("description"),
                "expected_results": s.text("expected-results"),
            }
        )
    return steps


def create_test(call: Call) -> Reply:
    data = single(call.body)

    def check() -> tuple[str, int | None, dict[str, Any], list[dict[str, Any]]]:
        f = data.sub("attributes", required=True)
        author = acting_user(call, f, "author-id", required_for_account=True)
        return f.required_text("name"), author, test_fields(call, f), step_definitions(call, data)

    name, author, fields, steps = collect([check])[0]
    t = call.store.add_test(call.pid, name, author_id=author, steps=steps, **fields)
    return ok(document(render.a_test(call.store, t)))


def update_test(call: Call) -> Reply:
    t = find(call, call.store.tests, "test")
    data = single(call.body)

    def check() -> dict[str, Any]:
        f = data.sub("attributes", required=True)
        fields = test_fields(call, f)
        if f.has("name"):
            fields["name"] = f.required_text("name")
        fields["updated_by_user_id"] = acting_user(
            call, f, "updated-by-user-id", required_for_account=False
        )
        return fields

    set_present(t, collect([check])[0])
    call.store.tests_renamed()  # whether or not the name changed: cheap, and never stale
    t.updated_at = call.store.now()
    return ok(document(render.a_test(call.store, t)))


def delete_test(call: Call) -> Reply:
    t = find(call, call.store.tests, "test")
    body = document(render.a_test(call.store, t))
    call.store.delete_test(t.id)
    return done(call, body)


def run_statuses_count(call: Call) -> Reply:
    """``{"data": {"type": "tests", "run-statuses-count": {...}}}``: not JSON:API (§8.10)."""
    counts = dict.fromkeys(RUN_STATUSES, 0)
    for t in project_tests(call):
        status, _ = render.run_state_of_test(call.store, t.id)
        if status in counts:
            counts[status] += 1
    return ok({"data": {"type": "tests", "run-statuses-count": counts}})
