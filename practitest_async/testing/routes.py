"""Every endpoint the emulator serves, in one table (§7). Add a resource by adding lines."""

from __future__ import annotations

from practitest_async.testing.handlers import (
    auto_create,
    instances,
    projects,
    runs,
    sets,
    step_runs,
    tests,
)
from practitest_async.testing.router import Route

P = "/api/v2/projects/{p}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/projects.json", projects.list_projects),
    Route("GET", f"{P}.json", projects.show_project),
    # tests
    Route("GET", f"{P}/tests.json", tests.list_tests),
    Route("POST", f"{P}/tests.json", tests.create_test),
    Route("GET", f"{P}/tests/run_statuses_count.json", tests.run_statuses_count),
    Route("GET", f"{P}/tests/{{id}}.json", tests.show_test),
    Route("PUT", f"{P}/tests/{{id}}.json", tests.update_test),
    Route("DELETE", f"{P}/tests/{{id}}.json", tests.delete_test),
    # sets
    Route("GET", f"{P}/sets.json", sets.list_sets),
    Route("POST", f"{P}/sets.json", sets.create_set),
    Route("GET", f"{P}/sets/{{id}}.json", sets.show_set),
    Route("PUT", f"{P}/sets/{{id}}.json", sets.update_set),
    Route("DELETE", f"{P}/sets/{{id}}.json", sets.delete_set),
    Route("POST", f"{P}/sets/{{id}}/clone.json", sets.clone_set),
    # instances
    Route("GET", f"{P}/instances.json", instances.list_instances),
    Route("POST", f"{P}/instances.json", instances.create_instances),
    Route("GET", f"{P}/instances/{{id}}.json", instances.show_instance),
    Route("PUT", f"{P}/instances/{{id}}.json", instances.update_instance),
    Route("DELETE", f"{P}/instances/{{id}}.json", instances.delete_instance),
    # runs and step runs
    Route("GET", f"{P}/runs.json", runs.list_runs),
    Route("POST", f"{P}/runs.json", runs.create_runs),
    Route("POST", f"{P}/runs/auto_create.json", auto_create.auto_create),
    Route("GET", f"{P}/step_runs.json", step_runs.list_step_runs),
)
