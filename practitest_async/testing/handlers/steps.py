"""Test steps: list, create up to 100 for one test, show, update, delete (§8.11)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_trace
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.errors import ApiError
from practitest_async.testing.filters import by_ids, by_names, id_set
from practitest_async.testing.handlers.common import collect, exists, find, read_present
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.validate import Fields, single


def list_steps(call: Call) -> Reply:
    found = [s for s in call.store.steps.values() if s.project_id == call.pid]
    found = by_ids(found, id_set(call, "test-ids"), lambda s: s.test_id)
    found = by_names(call, found, lambda s: s.name)
    found.sort(key=lambda s: (s.test_id, s.position))
    return paginated(call, found, lambda s: render_trace.step(call.store, s))


def show_step(call: Call) -> Reply:
    return ok(document(render_trace.step(call.store, find(call, call.store.steps, "step"))))


def _step_fields(call: Call, f: Fields) -> dict[str, Any]:
    limit = call.config.max_step_name_chars
    fields = read_present(f, {"description": f.text, "expected-results": f.text})
    if f.has("name"):
        fields["name"] = f.required_text("name", max_len=limit)
    return fields


def _new_steps(call: Call, f: Fields) -> tuple[int, list[dict[str, Any]]]:
    test_id = f.required_id("test-id")
    exists(call, call.store.tests, test_id, f.path("test-id"), "test")
    raw = f.array("steps", required=True)
    limit = call.config.max_steps_per_request
    if not raw or len(raw) > limit:
        raise ApiError(422, f"{f.path('steps')} has {len(raw)} steps; 1 to {limit} per request")
    steps = []
    for n, item in enumerate(raw):
        s = Fields.of(item, f"{f.path('steps')}[{n}]")
        steps.append(
            {
                **_step_fields(call, s),
                "name": s.required_text("name", max_len=call.config.max_step_name_chars),
            }
        )
    return test_id, steps


def create_steps(call: Call) -> Reply:
    """Body ``data.attributes = {"test-id": .., "steps": [..]}``; answers every new step."""
    data = single(call.body)
    test_id, steps = collect([lambda: _new_steps(call, data.sub("attributes", required=True))])[0]
    made = [call.store.add_step(test_id, **step) for step in steps]
    return ok(document([render_trace.step(call.store, s) for s in made]))


def update_step(call: Call) -> Reply:
    step = find(call, call.store.steps, "step")
    data = single(call.body)
    for name, value in collect([lambda: _step_fields(call, data.sub("attributes"))])[0].items():
        setattr(step, name, value)
    step.updated_at = call.store.now()
    return ok(document(render_trace.step(call.store, step)))


def delete_step(call: Call) -> Reply:
    step = find(call, call.store.steps, "step")
    body = document(render_trace.step(call.store, step))
    call.store.delete_step(step.id)
    return done(call, body)
