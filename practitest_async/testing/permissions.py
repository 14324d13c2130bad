"""The permission list a group shows (GET groups/{id}.json), as in PractiTest's example."""

from __future__ import annotations

from practitest_async.testing.records import Permission

PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("Requirements - View", "View Requirements"),
    ("Requirements - Editor", "Create, Edit and View Requirements"),
    ("Requirements - Admin", "Create, Edit, Delete and View Requirements"),
    ("Tests - View", "View Tests, View Runs"),
    ("Runs", "View Tests, Run Tests, View and Edit Instances & Runs"),
    ("Runs - Admin", "Same as Runs, with the option to Delete Instances and Runs"),
    ("Tests - Editor", "Create, Edit and View Tests; Run Tests; View and Edit Instances & Runs"),
    ("Tests - Admin", "Create, Edit, Delete and View Tests; Run Tests; View, Edit and Delete Runs"),
    ("Issues - View", "View Issues"),
    ("Issues - Status Modifier", "View Issues; Change Issue Status by workflow transitions"),
    ("Issues - Editor", "Create, Edit and View Issues"),
    ("Issues - Admin", "Create, Edit, Delete and View Issues. Delete on specific projects."),
    ("Reports", "View, Create, Edit and Delete Reports"),
    ("Customization", "Customize Custom fields"),
    ("Workflow", "Customize Issue status workflow"),
    ("Project, Users & Permissions, Integrations", "Add and Delete Users & Groups"),
)
# Which titles each default group is denied; every other permission is allowed.
DENIED = {
    "Administrators": frozenset[str](),
    "Developers": frozenset(t for t, _ in PERMISSIONS if not t.startswith(("Issues", "Tests - V"))),
    "Testers": frozenset(
        {
            "Issues - Admin",
            "Customization",
            "Workflow",
            "Project, Users & Permissions, Integrations",
        }
    ),
}


def default_group_permissions(group_name: str) -> list[Permission]:
    denied = DENIED.get(group_name, frozenset(t for t, _ in PERMISSIONS))
    return [Permission(title=t, description=d, allowed=t not in denied) for t, d in PERMISSIONS]
