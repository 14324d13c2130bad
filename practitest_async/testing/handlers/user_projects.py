"""A user's projects and groups (Corporate only): list, replace all, revoke all (§8.4)."""

from __future__ import annotations

from functools import partial

from practitest_async.testing import render_account
from practitest_async.testing.context import Call, Reply, done
from practitest_async.testing.handlers.common import collect, validated
from practitest_async.testing.handlers.users import the_user
from practitest_async.testing.pagination import paginated
from practitest_async.testing.validate import Fields, Invalid, as_id, single


def list_user_projects(call: Call) -> Reply:
    user = the_user(call)
    store = call.store
    granted = store.memberships.get(user.id, {})
    projects = sorted((store.projects[p] for p in granted), key=lambda p: p.id)
    return paginated(call, projects, lambda p: render_account.user_project(store, p, granted[p.id]))


def _grant(call: Call, raw: object, where: str) -> tuple[int, list[int]]:
    f = Fields.of(raw, where)
    project_id = f.required_id("id")
    project = call.store.projects.get(project_id)
    if project is None or project.account_id != call.grant.account_id:
        raise Invalid(f"{f.path('id')}: project {project_id} does not exist in this account")
    groups = [
        as_id(Fields.of(g, f"{f.path('groups')}[{n}]").raw("id"), f"{f.path('groups')}[{n}].id")
        for n, g in enumerate(f.array("groups", required=True))
    ]
    if not groups:
        raise Invalid(f"{f.path('groups')} must name at least one group")
    for n, gid in enumerate(groups):
        group = call.store.groups.get(gid)
        if group is None or group.project_id != project_id:
            raise Invalid(f"{f.path('groups')}[{n}].id: group {gid} is not in project {project_id}")
    return project_id, groups


def replace_user_projects(call: Call) -> Reply:
    """PUT replaces the whole set: projects left out lose access. Body has no attributes."""
    user = the_user(call)
    data = single(call.body)
    items = validated(lambda: data.array("projects", required=True))
    grants = collect(
        [partial(_grant, call, raw, f"data.projects[{n}]") for n, raw in enumerate(items)]
    )
    call.store.memberships[user.id] = dict(grants)
    return list_user_projects(call)


def revoke_user_projects(call: Call) -> Reply:
    user = the_user(call)
    call.store.memberships[user.id] = {}
    return done(call, {"data": []})
