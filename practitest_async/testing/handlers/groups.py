"""Groups of a project: list, and show with permissions."""

from __future__ import annotations

from practitest_async.testing import render_account
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.handlers.common import find
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated


def list_groups(call: Call) -> Reply:
    groups = [g for g in call.store.groups.values() if g.project_id == call.pid]
    return paginated(call, groups, lambda g: render_account.group(call.store, g))


def show_group(call: Call) -> Reply:
    g = find(call, call.store.groups, "group")
    return ok(document(render_account.group(call.store, g, permissions=True)))
