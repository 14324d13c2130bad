"""Milestones: list and show, optionally with relationships (§8.16); no writes documented."""

from __future__ import annotations

from practitest_async.testing import render_trace
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.filters import flag
from practitest_async.testing.handlers.common import find
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated


def list_milestones(call: Call) -> Reply:
    related = flag(call, "relationships")
    found = [m for m in call.store.milestones.values() if m.project_id == call.pid]
    return paginated(call, found, lambda m: render_trace.milestone(call.store, m, related=related))


def show_milestone(call: Call) -> Reply:
    m = find(call, call.store.milestones, "milestone")
    related = flag(call, "relationships")
    return ok(document(render_trace.milestone(call.store, m, related=related)))
