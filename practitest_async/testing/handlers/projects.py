"""Projects: list the ones the token can see, show one."""

from __future__ import annotations

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated


def list_projects(call: Call) -> Reply:
    projects = sorted(call.store.visible_projects(call.grant), key=lambda p: p.id)
    return paginated(call, projects, lambda p: render.project(call.store, p))


def show_project(call: Call) -> Reply:
    return ok(document(render.project(call.store, call.project)))
