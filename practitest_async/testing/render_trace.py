"""Resource objects for requirements, issues, milestones and steps, with relationships."""

from __future__ import annotations

from typing import Any

from practitest_async.testing.jsonapi import attributes_of, identifiers, iso, resource
from practitest_async.testing.records import Issue, Milestone, Requirement, Step
from practitest_async.testing.render import run_state_of_test
from practitest_async.testing.status import combine
from practitest_async.testing.store import Store

REQUIREMENT = (
    "project_id",
    "display_id",
    "name",
    "description",
    "author_id",
    "assigned_to_id",
    "assigned_to_type",
    "planned_execution",
    "version",
    "priority",
    "custom_fields",
    "folder_id",
    "parent_id",
    "tags",
    "created_at",
    "updated_at",
)
ISSUE = (
    "project_id",
    "display_id",
    "title",
    "issue_type",
    "description",
    "status_name",
    "status_resolution",
    "author_id",
    "assigned_to_id",
    "assigned_to_type",
    "planned_execution",
    "version",
    "priority",
    "closed_at",
    "closed_by_id",
    "cloned_from_id",
    "external_id",
    "custom_fields",
    "folder_id",
    "tags",
    "created_at",
    "updated_at",
)
MILESTONE = (
    "project_id",
    "display_id",
    "name",
    "description",
    "milestone_status",
    "milestone_type",
    "start_date",
    "end_date",
    "author_id",
    "custom_fields",
    "created_at",
    "updated_at",
)
STEP = (
    "project_id",
    "kind",
    "test_id",
    "test_to_call_id",
    "name",
    "description",
    "expected_results",
    "position",
    "created_at",
    "updated_at",
)


def relationships(store: Store, ref: tuple[str, int], *types: str) -> dict[str, Any]:
    return {t: identifiers(t, store.linked(ref, t)) for t in types}


def requirement(store: Store, r: Requirement, *, related: bool = False) -> dict[str, Any]:
    """A requirement's run status and counts come from the tests linked to it."""
    attrs = attributes_of(r, REQUIREMENT)
    test_ids = store.linked(("requirements", r.id), "tests")
    states = [run_state_of_test(store, t) for t in test_ids]
    runs = [when for _, when in states if when is not None]
    attrs["instances-count"] = sum(len(store.instances_of_test(t)) for t in test_ids)
    attrs["run-status"] = combine(status for status, _ in states)
    attrs["last-run"] = iso(max(runs)) if runs else None
    rel = None
    if related:
        rel = relationships(store, ("requirements", r.id), "tests", "issues", "milestones")
    return resource("requirements", r.id, attrs, rel)


def tests_of_issue(store: Store, issue_id: int) -> list[int]:
    """Tests an issue reaches through the step runs linked to it."""
    found = set()
    for step_run_id in store.linked(("issues", issue_id), "step-runs"):
        step_run = store.step_runs.get(step_run_id)
        run = store.runs.get(step_run.run_id) if step_run else None
        if run is not None:
            found.add(run.test_id)
    return sorted(found)


def issue(store: Store, i: Issue, *, related: bool = False) -> dict[str, Any]:
    rel = None
    if related:
        rel = relationships(store, ("issues", i.id), "issues", "requirements", "milestones")
        rel["tests"] = identifiers("tests", tests_of_issue(store, i.id))
    return resource("issues", i.id, attributes_of(i, ISSUE), rel)


def milestone(store: Store, m: Milestone, *, related: bool = False) -> dict[str, Any]:
    rel = None
    if related:
        rel = relationships(store, ("milestones", m.id), "requirements", "issues")
        # test sets are listed under "suites", with type "sets" (§8.16)
        sets = sorted(s.id for s in store.sets.values() if s.milestone_id == m.id)
        rel["suites"] = identifiers("sets", sets)
    return resource("milestones", m.id, attributes_of(m, MILESTONE), rel)


def step(store: Store, s: Step) -> dict[str, Any]:
    return resource("steps", s.id, attributes_of(s, STEP))
