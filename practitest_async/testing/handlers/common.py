"""Checks every resource handler needs: lookups, acting users, custom field values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from practitest_async.testing.context import Call
from practitest_async.testing.errors import ApiError, not_found
from practitest_async.testing.validate import CUSTOM_FIELD_KEY, Fields, Invalid


class InProject(Protocol):
    @property
    def project_id(self) -> int: ...


R = TypeVar("R", bound=InProject)


def find(call: Call, table: Mapping[int, R], kind: str, record_id: int | None = None) -> R:
    """The record with ``record_id`` (default: the path's ``{id}``) in the call's project."""
    rid = call.id if record_id is None else record_id
    record = table.get(rid)
    if record is None or record.project_id != call.pid:
        raise not_found(kind, rid, call.pid)
    return record


def exists(call: Call, table: Mapping[int, R], record_id: int, where: str, kind: str) -> R:
    """Like ``find``, for an id inside a body: a missing record is a 422 about that field."""
    record = table.get(record_id)
    if record is None or record.project_id != call.pid:
        raise Invalid(f"{where}: {kind} {record_id} does not exist in project {call.pid}")
    return record


def acting_user(call: Call, f: Fields, key: str, *, required_for_account: bool) -> int | None:
    """The user an action is recorded as: ``key`` if allowed, else the PAT's own user.

    A PAT without impersonation naming another user gets 403 (or is ignored, by config).
    An account token has no user, so ``required_for_account`` fields must be sent.
    """
    named = f.id(key)
    grant = call.grant
    if named is not None:
        check_user(call, named, f.path(key))
    if grant.kind == "account":
        if named is None and required_for_account:
            raise Invalid(f"{f.path(key)} is required when using an account API token")
        return named
    if named is None or named == grant.user_id or grant.impersonation:
        return named if named is not None else grant.user_id
    if call.config.foreign_user_with_pat == "error":
        raise ApiError(
            403,
            f"{f.path(key)} {named}: this personal token may not act as another "
            "user (impersonation is not enabled)",
        )
    return grant.user_id


def check_user(call: Call, user_id: int, where: str) -> None:
    user = call.store.users.get(user_id)
    if user is None or user.account_id != call.grant.account_id:
        raise Invalid(f"{where}: user {user_id} does not exist in this account")


def check_custom_fields(call: Call, values: dict[str, Any] | None, where: str) -> None:
    """In strict mode a ``---f-N`` field must exist in the project and list values be allowed."""
    if values is None or call.config.custom_field_checking != "strict":
        return
    for key, value in values.items():
        match = CUSTOM_FIELD_KEY.match(key)
        assert match is not None  # Fields.custom_fields checked the shape
        cf = call.store.custom_fields.get(int(match.group(1)))
        if cf is None or cf.project_id != call.pid:
            raise Invalid(
                f"{where}.{key}: custom field {match.group(1)} does not exist in project {call.pid}"
            )
        allowed = _allowed_values(cf.possible_values)
        if cf.field_format in ("list", "multilist", "linkedlist") and allowed is not None:
            for item in value if isinstance(value, list) else [value]:
                if item not in allowed:
                    raise Invalid(f"{where}.{key}: {item!r} is not one of the field's values")


def _allowed_values(possible: Any) -> set[str] | None:
    if isinstance(possible, list):
        return set(possible)
    if isinstance(possible, dict):
        return {v for values in possible.values() for v in values}
    return None


def custom_fields(call: Call, f: Fields) -> dict[str, Any] | None:
    """``custom-fields`` of a body; only an update (PUT) may send ``null`` to empty a field."""
    values = f.custom_fields(allow_null=call.method == "PUT")
    check_custom_fields(
        call, {k: v for k, v in (values or {}).items() if v is not None}, f.path("custom-fields")
    )
    return values


def collect(checks: Iterable[Callable[[], Any]]) -> list[Any]:
    """Run each check; raise one 422 listing every problem, or return the results."""
    results, problems = [], []
    for check in checks:
        try:
            results.append(check())
        except Invalid as exc:
            problems.append(exc.title)
    if problems:
        raise ApiError(422, *problems)
    return results


def validated(check: Callable[[], Any]) -> Any:
    """Run one check; an ``Invalid`` becomes a 422."""
    return collect([check])[0]


def set_present(record: Any, updates: Mapping[str, Any]) -> None:
    """Apply validated ``updates`` (snake_case field -> value), skipping absent ones. Custom
    fields are merged into the record's: a field not named keeps its value, and a ``null``
    value empties that field."""
    for name, value in updates.items():
        if name == "custom_fields" and value:
            merged = {**record.custom_fields, **value}
            value = {k: v for k, v in merged.items() if v is not None}
        setattr(record, name, value)


Reader = Callable[[str], Any]
# Fields whose null means "leave empty" rather than a stored None.
CONTAINERS = {"tags": list, "custom-fields": dict, "automated-fields": dict}


def read_present(f: Fields, readers: Mapping[str, Reader]) -> dict[str, Any]:
    """Validated values of the keys present in ``f``, as snake_case field names."""
    out: dict[str, Any] = {}
    for key, read in readers.items():
        if f.has(key):
            value = read(key)
            if value is None and key in CONTAINERS:
                value = CONTAINERS[key]()
            out[key.replace("-", "_")] = value
    return out


def assignee(call: Call, f: Fields) -> dict[str, Any]:
    """``assigned-to-id``/``assigned-to-type``; the type defaults to user (§6.2)."""
    out: dict[str, Any] = {}
    kind = f.choice("assigned-to-type", ("user", "group"))
    if f.has("assigned-to-type"):
        out["assigned_to_type"] = kind
    if f.has("assigned-to-id"):
        target = f.id("assigned-to-id")
        kind = kind or "user"
        if target is not None:
            _check_assignee(call, target, kind, f.path("assigned-to-id"))
        out["assigned_to_id"], out["assigned_to_type"] = target, kind if target else None
    return out


def _check_assignee(call: Call, target: int, kind: str, where: str) -> None:
    if kind == "user":
        check_user(call, target, where)
        return
    group = call.store.groups.get(target)
    if group is None or group.project_id != call.pid:
        raise Invalid(f"{where}: group {target} does not exist in project {call.pid}")


def entity_fields(call: Call, f: Fields, extra: Mapping[str, Reader]) -> dict[str, Any]:
    """The attributes tests, sets, instances, requirements and issues share, plus ``extra``."""
    readers: dict[str, Reader] = {
        "description": f.text,
        "version": f.text,
        "priority": f.text,
        "planned-execution": f.text,
        "tags": f.text_list,
        "custom-fields": lambda _: custom_fields(call, f),
        **extra,
    }
    return {**read_present(f, readers), **assignee(call, f)}


def corporate_only(call: Call) -> None:
    """Users, user projects and attachment create/delete exist on Corporate accounts only."""
    if not call.config.corporate_account:
        raise ApiError(403, "this endpoint is available for Corporate accounts only")
