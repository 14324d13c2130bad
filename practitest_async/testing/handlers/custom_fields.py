"""Custom fields: list, show, update; and fields.json, the flat list of all fields (§8.6-8.7)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_account
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.handlers.common import collect, exists, find
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import CustomField
from practitest_async.testing.validate import Fields, Invalid, single

LIST_FORMATS = ("list", "multilist")


def _project_fields(call: Call) -> list[CustomField]:
    return [cf for cf in call.store.custom_fields.values() if cf.project_id == call.pid]


def list_fields(call: Call) -> Reply:
    """Not JSON:API: flat snake_case items, integer ids, system fields first."""
    items = render_account.system_fields()
    items += [render_account.project_field(cf) for cf in _project_fields(call)]
    return paginated(call, items, lambda item: item)


def list_custom_fields(call: Call) -> Reply:
    return paginated(
        call, _project_fields(call), lambda cf: render_account.custom_field(call.store, cf)
    )


def show_custom_field(call: Call) -> Reply:
    cf = find(call, call.store.custom_fields, "custom field")
    return ok(document(render_account.custom_field(call.store, cf)))


def _possible_values(cf: CustomField, f: Fields) -> Any:
    key = "possible-values"
    if cf.field_format == "linkedlist":
        values = f.sub(key).values
        for parent, children in values.items():
            Fields({"v": children}, f.path(f"{key}.{parent}")).text_list("v")
        return values
    if cf.field_format not in LIST_FORMATS:
        raise Invalid(f"{f.path(key)}: a {cf.field_format} field has no possible values")
    return f.text_list(key) or []


def _updates(call: Call, cf: CustomField, f: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.has("name"):
        out["name"] = f.required_text("name")
    if f.has("possible-values"):
        out["possible_values"] = _possible_values(cf, f)
    for key in ("parent-list-id", "possible-values-parent-cf-id"):
        if f.has(key):
            target = f.id(key)
            if target is not None and key.endswith("cf-id"):
                exists(call, call.store.custom_fields, target, f.path(key), "custom field")
            out[key.replace("-", "_")] = target
    return out


def update_custom_field(call: Call) -> Reply:
    cf = find(call, call.store.custom_fields, "custom field")
    data = single(call.body)
    changes = collect([lambda: _updates(call, cf, data.sub("attributes", required=True))])[0]
    for name, value in changes.items():
        setattr(cf, name, value)
    cf.updated_at = call.store.now()
    return ok(document(render_account.custom_field(call.store, cf)))
