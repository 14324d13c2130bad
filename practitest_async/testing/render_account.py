"""Resource objects for users, groups, custom fields, attachments and the fields.json list."""

from __future__ import annotations

from typing import Any

from practitest_async.testing.jsonapi import attributes_of, plain, resource
from practitest_async.testing.records import Attachment, CustomField, Group, Project, User
from practitest_async.testing.render import PROJECT
from practitest_async.testing.store import Store

USER = ("first_name", "last_name", "display_name", "email", "time_zone", "created_at")
CUSTOM_FIELD = (
    "name",
    "field_format",
    "project_id",
    "possible_values",
    "parent_list_id",
    "possible_values_parent_cf_id",
    "created_at",
    "updated_at",
)
# (name, field_format, uniq_name, entities) of the system fields every project has
SYSTEM_FIELDS = (
    ("Status", "list", "issue_status", ["Issue"]),
    ("Priority", "list", "priority", ["Issue", "Requirement", "Test", "TestSet"]),
    ("Assigned To", "user", "assigned_to", ["Issue", "Requirement", "Test", "TestSet"]),
    ("Version", "text", "version", ["Issue", "Requirement", "Test", "TestSet", "Instance"]),
    ("Test Type", "list", "test_type", ["Test"]),
)
SYSTEM_FIELD_BASE = 88001


def user(store: Store, u: User) -> dict[str, Any]:
    return resource("users", u.id, attributes_of(u, USER))


def group(store: Store, g: Group, *, permissions: bool = False) -> dict[str, Any]:
    attrs = attributes_of(g, ("name", "created_at"))
    if permissions:
        attrs["permissions"] = [
            attributes_of(p, ("title", "description", "allowed")) for p in g.permissions
        ]
    return resource("groups", g.id, attrs)


def user_project(store: Store, p: Project, group_ids: list[int]) -> dict[str, Any]:
    """A project of a user, with the user's groups there (ids are integers here, §12.6)."""
    attrs = attributes_of(p, PROJECT)
    attrs["groups"] = [
        {"id": g, "name": store.groups[g].name} for g in group_ids if g in store.groups
    ]
    return resource("projects", p.id, attrs)


def custom_field(store: Store, cf: CustomField) -> dict[str, Any]:
    return resource("custom-fields", cf.id, attributes_of(cf, CUSTOM_FIELD))


def attachment(store: Store, a: Attachment) -> dict[str, Any]:
    return resource("attachments", a.id, {"name": a.name, "size": a.size})


def system_fields() -> list[dict[str, Any]]:
    """fields.json items for system fields: flat, snake_case, integer ids (§8.6)."""
    return [
        {
            "id": SYSTEM_FIELD_BASE + n,
            "type": "SystemField",
            "name": name,
            "field_format": fmt,
            "possible_values": None,
            "uniq_name": uniq,
            "entities": entities,
        }
        for n, (name, fmt, uniq, entities) in enumerate(SYSTEM_FIELDS)
    ]


def project_field(cf: CustomField) -> dict[str, Any]:
    """A custom field as fields.json lists it: ``uniq_name`` is ``___f_<id>``."""
    return {
        "id": cf.id,
        "type": "CustomField",
        "name": cf.name,
        "field_format": cf.field_format,
        "possible_values": plain(cf.possible_values),
        "uniq_name": f"___f_{cf.id}",
        "entities": list(cf.entities),
    }
