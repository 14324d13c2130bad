"""Issues: list (``title_*`` filters), create, show, update, update_status, delete (§8.17)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_trace
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.errors import ApiError
from practitest_async.testing.filters import by_ids, by_text, flag, id_set
from practitest_async.testing.handlers.common import (
    acting_user,
    collect,
    entity_fields,
    find,
    set_present,
)
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import Issue
from practitest_async.testing.validate import Fields, Invalid, single

CLOSED = "closed"


def _render(call: Call, i: Issue) -> dict[str, Any]:
    return render_trace.issue(call.store, i, related=flag(call, "relationships"))


def list_issues(call: Call) -> Reply:
    found = [i for i in call.store.issues.values() if i.project_id == call.pid]
    found = by_ids(found, id_set(call, "display-ids"), lambda i: i.display_id)
    found = by_text(call, found, lambda i: i.title, "title")
    return paginated(call, found, lambda i: _render(call, i))


def show_issue(call: Call) -> Reply:
    return ok(document(_render(call, find(call, call.store.issues, "issue"))))


def issue_fields(call: Call, f: Fields) -> dict[str, Any]:
    return entity_fields(call, f, {"issue-type": f.text, "folder-id": f.id, "external-id": f.text})


def create_issue(call: Call) -> Reply:
    data = single(call.body)

    def check() -> tuple[str, dict[str, Any]]:
        f = data.sub("attributes", required=True)
        fields = issue_fields(call, f)
        fields["author_id"] = acting_user(call, f, "author-id", required_for_account=True)
        return f.required_text("title"), fields

    title, fields = collect([check])[0]
    issue = call.store.add_issue(call.pid, title, **fields)
    return ok(document(_render(call, issue)))


def update_issue(call: Call) -> Reply:
    issue = find(call, call.store.issues, "issue")
    data = single(call.body)

    def check() -> dict[str, Any]:
        f = data.sub("attributes", required=True)
        fields = issue_fields(call, f)
        if f.has("title"):
            fields["title"] = f.required_text("title")
        fields["updated_by_user_id"] = acting_user(
            call, f, "updated-by-user-id", required_for_account=False
        )
        return fields

    set_present(issue, collect([check])[0])
    issue.updated_at = call.store.now()
    return ok(document(_render(call, issue)))


def _transition(call: Call, f: Fields) -> tuple[str, int | None]:
    name = f.required_text("status-name")
    known = {s.lower(): s for s in call.config.issue_statuses}
    if name.lower() not in known:
        raise Invalid(
            f"{f.path('status-name')} {name!r} is not a status of the workflow "
            f"({', '.join(call.config.issue_statuses)})"
        )
    return name, acting_user(call, f, "user-id", required_for_account=True)


def update_status(call: Call) -> Reply:
    """A workflow transition; closing records who closed the issue and when."""
    issue = find(call, call.store.issues, "issue")
    data = single(call.body)
    name, user_id = collect([lambda: _transition(call, data.sub("attributes", required=True))])[0]
    now = call.store.now()
    issue.status_name, issue.updated_at = name, now
    closing = name.lower() == CLOSED
    issue.closed_at = now if closing else None
    issue.closed_by_id = user_id if closing else None
    return ok(document(_render(call, issue)))


def delete_issue(call: Call) -> Reply:
    issue = find(call, call.store.issues, "issue")
    if not call.project.enable_delete_issues:
        raise ApiError(403, f"deleting issues is disabled in project {call.pid}")
    body = document(_render(call, issue))
    call.store.delete_issue(issue.id)
    return done(call, body)
