"""Runs: list, create one or up to 20 (all or nothing), and auto_create (§8.14)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import partial

import attrs

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.errors import ApiError
from practitest_async.testing.filters import by_ids, id_set
from practitest_async.testing.handlers.common import collect
from practitest_async.testing.handlers.run_input import RUN_TYPES, RunPlan, StepPlan, parse_run
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import Run, StepRun
from practitest_async.testing.validate import items


def list_runs(call: Call) -> Reply:
    store = call.store
    runs = [r for r in store.runs.values() if r.project_id == call.pid]
    runs = by_ids(runs, id_set(call, "instance-ids"), lambda r: r.instance_id)
    runs = by_ids(runs, id_set(call, "test-ids"), lambda r: r.test_id)
    set_ids = id_set(call, "set-ids")
    if set_ids is not None:
        runs = [
            r
            for r in runs
            if r.instance_id in store.instances and store.instances[r.instance_id].set_id in set_ids
        ]
    run_type = call.query.get("run-type")
    if run_type is not None:
        if run_type not in RUN_TYPES:
            raise ApiError(422, f"run-type must be one of {', '.join(RUN_TYPES)}")
        runs = [r for r in runs if r.run_type == run_type]
    hours = call.query.get("updated-hours-ago")
    if hours is not None:
        if not hours.isdigit():
            raise ApiError(422, f"updated-hours-ago must be a whole number, got {hours!r}")
        since = store.now() - timedelta(hours=int(hours))
        runs = [r for r in runs if r.updated_at >= since]
    return paginated(call, runs, lambda r: render.run(store, r))


def _duplicates(plans: list[RunPlan]) -> list[str]:
    seen: dict[int, list[str]] = defaultdict(list)
    for plan in plans:
        if plan.instance_id is not None:
            seen[plan.instance_id].append(plan.where)
    return [
        f"instance-id {iid} appears twice in one request ({' and '.join(where)})"
        for iid, where in seen.items()
        if len(where) > 1
    ]


def create_runs(call: Call) -> Reply:
    """POST runs.json: every item is checked before any is stored."""
    found, bulk = items(call.body, call.config.max_runs_per_request, "runs")
    plans: list[RunPlan] = collect([partial(parse_run, call, f) for f in found])
    problems = _duplicates(plans)
    if problems:
        raise ApiError(422, *problems)
    made = [apply_run(call, plan) for plan in plans]
    rendered = [render.run(call.store, r) for r in made]
    return ok(document(rendered if bulk else rendered[0]))


def apply_run(call: Call, plan: RunPlan) -> Run:
    """Store the run, its step runs and files; the instance takes the run's status."""
    store, now = call.store, call.store.now()
    assert plan.instance_id is not None
    instance = store.instances[plan.instance_id]
    run = Run(
        id=store.new_id("runs"),
        project_id=call.pid,
        instance_id=instance.id,
        test_id=instance.test_id,
        status=plan.status,
        created_at=now,
        updated_at=now,
        **plan.fields,
    )
    store.runs[run.id] = run
    for position, step in enumerate(plan.steps, start=1):
        _store_step_run(call, run, position, step)
    for file in plan.files:
        store.add_attachment(call.pid, "run", run.id, file.filename, file.content)
    instance.run_status, instance.last_run = plan.status, now
    instance.last_run_duration, instance.updated_at = run.run_duration, now
    instance.tester_id = run.tester_id if run.tester_id is not None else instance.tester_id
    return run


def _store_step_run(call: Call, run: Run, position: int, step: StepPlan) -> None:
    store = call.store
    step_run = StepRun(
        id=store.new_id("step-runs"),
        project_id=call.pid,
        run_id=run.id,
        name=step.name,
        status=step.status,
        position=position,
        description=step.description,
        expected_results=step.expected_results,
        actual_results=step.actual_results,
        created_at=run.created_at,
        updated_at=run.created_at,
    )
    store.step_runs[step_run.id] = step_run
    for file in step.files:
        store.add_attachment(call.pid, "step-run", step_run.id, file.filename, file.content)


def with_instance(plan: RunPlan, instance_id: int) -> RunPlan:
    return attrs.evolve(plan, instance_id=instance_id)
