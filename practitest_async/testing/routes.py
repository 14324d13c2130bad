"""Every endpoint the emulator serves, in one table (§7). Add a resource by adding lines."""

from __future__ import annotations

from practitest_async.testing.context import Handler
from practitest_async.testing.handlers import (
    attachments,
    auto_create,
    custom_fields,
    groups,
    instances,
    issues,
    milestones,
    projects,
    requirements,
    runs,
    sets,
    step_runs,
    steps,
    tests,
    user_projects,
    users,
)
from practitest_async.testing.handlers.relationships import PAIRS, Relationship
from practitest_async.testing.router import Route

P = "/api/v2/projects/{p}"
ID = "{id}"


def crud(
    segment: str, index: Handler, create: Handler, show: Handler, update: Handler, delete: Handler
) -> tuple[Route, ...]:
    """The five routes of a project resource: list, create, show, update (PUT), delete."""
    return (
        Route("GET", f"{P}/{segment}.json", index),
        Route("POST", f"{P}/{segment}.json", create),
        Route("GET", f"{P}/{segment}/{ID}.json", show),
        Route("PUT", f"{P}/{segment}/{ID}.json", update),
        Route("DELETE", f"{P}/{segment}/{ID}.json", delete),
    )


def traceability() -> tuple[Route, ...]:
    routes: list[Route] = []
    for base_segment, base, other_segment, other in PAIRS:
        rel = Relationship(base, other)
        path = f"{P}/{base_segment}/{ID}/relationships/{other_segment}.json"
        routes += [
            Route("GET", path, rel.list),
            Route("POST", path, rel.add),
            Route("PATCH", path, rel.replace),
            Route("DELETE", path, rel.remove),
        ]
    return tuple(routes)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/projects.json", projects.list_projects),
    Route("GET", f"{P}.json", projects.show_project),
    Route("GET", f"{P}/groups.json", groups.list_groups),
    Route("GET", f"{P}/groups/{ID}.json", groups.show_group),
    # users (account-wide, no project in the path)
    Route("GET", "/api/v2/users.json", users.list_users),
    Route("POST", "/api/v2/users.json", users.create_user),
    Route("GET", f"/api/v2/users/{ID}.json", users.show_user),
    Route("PUT", f"/api/v2/users/{ID}.json", users.update_user),
    Route("GET", f"/api/v2/users/{ID}/projects.json", user_projects.list_user_projects),
    Route("PUT", f"/api/v2/users/{ID}/projects.json", user_projects.replace_user_projects),
    Route("DELETE", f"/api/v2/users/{ID}/projects.json", user_projects.revoke_user_projects),
    # attachments; the download has no .json and answers a redirect
    Route("GET", f"{P}/attachments.json", attachments.list_attachments),
    Route("POST", f"{P}/attachments.json", attachments.create_attachments),
    Route("GET", f"{P}/attachments/{ID}", attachments.download_attachment),
    Route("DELETE", f"{P}/attachments/{ID}.json", attachments.delete_attachment),
    # fields
    Route("GET", f"{P}/fields.json", custom_fields.list_fields),
    Route("GET", f"{P}/custom_fields.json", custom_fields.list_custom_fields),
    Route("GET", f"{P}/custom_fields/{ID}.json", custom_fields.show_custom_field),
    Route("PUT", f"{P}/custom_fields/{ID}.json", custom_fields.update_custom_field),
    # planning
    *crud(
        "requirements",
        requirements.list_requirements,
        requirements.create_requirement,
        requirements.show_requirement,
        requirements.update_requirement,
        requirements.delete_requirement,
    ),
    Route("GET", f"{P}/tests/run_statuses_count.json", tests.run_statuses_count),
    *crud(
        "tests",
        tests.list_tests,
        tests.create_test,
        tests.show_test,
        tests.update_test,
        tests.delete_test,
    ),
    *crud(
        "steps",
        steps.list_steps,
        steps.create_steps,
        steps.show_step,
        steps.update_step,
        steps.delete_step,
    ),
    *crud("sets", sets.list_sets, sets.create_set, sets.show_set, sets.update_set, sets.delete_set),
    Route("POST", f"{P}/sets/{ID}/clone.json", sets.clone_set),
    *crud(
        "instances",
        instances.list_instances,
        instances.create_instances,
        instances.show_instance,
        instances.update_instance,
        instances.delete_instance,
    ),
    # execution
    Route("GET", f"{P}/runs.json", runs.list_runs),
    Route("POST", f"{P}/runs.json", runs.create_runs),
    Route("POST", f"{P}/runs/auto_create.json", auto_create.auto_create),
    Route("GET", f"{P}/step_runs.json", step_runs.list_step_runs),
    # milestones and issues
    Route("GET", f"{P}/milestones.json", milestones.list_milestones),
    Route("GET", f"{P}/milestones/{ID}.json", milestones.show_milestone),
    *crud(
        "issues",
        issues.list_issues,
        issues.create_issue,
        issues.show_issue,
        issues.update_issue,
        issues.delete_issue,
    ),
    Route("PUT", f"{P}/issues/{ID}/update_status.json", issues.update_status),
    *traceability(),
)
