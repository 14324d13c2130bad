"""Resource objects for each record type, with the attributes PractiTest documents (§8)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing.jsonapi import attributes_of, identifiers, iso, resource
from practitest_async.testing.records import (
    Instance,
    Project,
    Run,
    StepRun,
    Test,
    TestSet,
)
from practitest_async.testing.status import combine
from practitest_async.testing.store import Store

PROJECT = (
    "name",
    "created_at",
    "automation_support",
    "enable_delete_issues",
    "time_management_support",
)
TEST = (
    "project_id",
    "display_id",
    "name",
    "description",
    "status",
    "author_id",
    "assigned_to_id",
    "assigned_to_type",
    "cloned_from_id",
    "planned_execution",
    "version",
    "priority",
    "duration_estimate",
    "test_type",
    "custom_fields",
    "folder_id",
    "created_at",
    "updated_at",
)
SET = (
    "project_id",
    "display_id",
    "name",
    "description",
    "assigned_to_id",
    "assigned_to_type",
    "planned_execution",
    "version",
    "priority",
    "custom_fields",
    "folder_id",
    "milestone_id",
    "created_at",
    "updated_at",
)
INSTANCE = (
    "project_id",
    "set_id",
    "test_id",
    "custom_fields",
    "tester_id",
    "priority",
    "last_run_duration",
    "last_run",
    "run_status",
    "planned_execution",
    "version",
    "assigned_to_id",
    "assigned_to_type",
    "created_at",
    "updated_at",
)
RUN = (
    "project_id",
    "status",
    "tester_id",
    "instance_id",
    "preconditions",
    "version",
    "test_id",
    "run_type",
    "custom_fields",
    "automated_execution_output",
    "run_duration",
    "created_at",
    "updated_at",
)
STEP_RUN = (
    "project_id",
    "run_id",
    "name",
    "description",
    "expected_results",
    "actual_results",
    "status",
    "position",
    "created_at",
    "updated_at",
)


def project(store: Store, p: Project) -> dict[str, Any]:
    return resource("projects", p.id, attributes_of(p, PROJECT))


def run_state_of_test(store: Store, test_id: int) -> tuple[str, Any]:
    """A test shows the status and time of its most recent run, over all its instances."""
    runs = [r for r in store.runs.values() if r.test_id == test_id]
    if not runs:
        return "NO RUN", None
    latest = max(runs, key=lambda r: r.id)
    return latest.status, latest.created_at


def a_test(store: Store, t: Test, *, relationships: bool = False) -> dict[str, Any]:
    attrs = attributes_of(t, TEST)
    status, last_run = run_state_of_test(store, t.id)
    attrs["steps-count"] = len(store.steps_of_test(t.id))
    attrs["run-status"], attrs["last-run"] = status, iso(last_run)
    attrs["tags"] = list(t.tags)
    rel = None
    if relationships:
        rel = {
            "requirements": identifiers(
                "requirements", store.linked(("tests", t.id), "requirements")
            )
        }
    return resource("tests", t.id, attrs, rel)


def a_set(store: Store, s: TestSet, *, duration: bool = False) -> dict[str, Any]:
    attrs = attributes_of(s, SET)
    instances = store.instances_of_set(s.id)
    runs = [i.last_run for i in instances if i.last_run is not None]
    attrs["instances-count"] = len(instances)
    attrs["run-status"] = combine(i.run_status for i in instances)
    attrs["last-run"] = iso(max(runs)) if runs else None
    attrs["tags"] = list(s.tags)
    if duration:
        estimates = [store.tests[i.test_id].duration_estimate for i in instances]
        attrs["duration-estimate"] = add_durations(estimates)
        attrs["actual-duration"] = add_durations(i.last_run_duration for i in instances)
    return resource("sets", s.id, attrs)


def instance(store: Store, i: Instance) -> dict[str, Any]:
    attrs = attributes_of(i, INSTANCE)
    test_set, the_test = store.sets[i.set_id], store.tests[i.test_id]
    attrs["name"] = the_test.name
    attrs["set-display-id"] = test_set.display_id
    attrs["test-display-id"] = the_test.display_id
    attrs["display-id"] = f"{test_set.display_id}:{i.number}"
    if i.parameters is not None:
        attrs["parameters"] = i.parameters
    return resource("instances", i.id, attrs)


def run(store: Store, r: Run) -> dict[str, Any]:
    return resource("runs", r.id, attributes_of(r, RUN))


def step_run(store: Store, s: StepRun) -> dict[str, Any]:
    return resource("step-runs", s.id, attributes_of(s, STEP_RUN))


def add_durations(durations: Any) -> str:
    total = 0
    for d in durations:
        h, m, s = (int(x) for x in str(d).split(":"))
        total += h * 3600 + m * 60 + s
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
