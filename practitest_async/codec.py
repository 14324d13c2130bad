"""The JSON:API codec: one cattrs converter for every model, and the envelope around it.

PractiTest resources look like ``{"id": "49676", "type": "runs", "attributes": {...}}`` with
kebab-case attribute names. Models are attrs classes with snake_case fields; the renames are
generated from the field names, never written by hand. Conventions handled here:

- the string ``id`` becomes an ``int`` (foreign keys inside attributes are ints already);
- ``custom-fields`` keys ``---f-N`` become ``dict[int, str | list[str]]``;
- ISO-8601 datetimes with an offset; ``HH:MM:SS`` durations become ``timedelta``;
- attributes the model does not know are kept in ``extra`` (a newer server must not break us);
- a ``relationships`` field holds the linked ids of ``?relationships=true`` answers;
- fields with ``metadata=RAW_JSON`` take the JSON value as it is (free-form hashes).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeAlias, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
CustomFields: TypeAlias = dict[int, str | list[str]]

T = TypeVar("T")

converter = cattrs.Converter()

_CF_KEY = re.compile(r"^---f-(\d+)$")
_DURATION = re.compile(r"^(-)?(\d+):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$")


def kebab(name: str) -> str:
    """``project_id`` -> ``project-id``."""
    return name.replace("_", "-")


# --- scalar conventions ---------------------------------------------------------------------


def parse_datetime(value: str) -> dt.datetime:
    """ISO-8601 with an offset (``Z`` included) -> aware datetime."""
    return dt.datetime.fromisoformat(value)


def format_datetime(value: dt.datetime) -> str:
    """Aware datetime -> ISO-8601 with its offset; a naive one is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")


def parse_duration(value: str) -> dt.timedelta:
    """``HH:MM:SS`` (hours may exceed 24) -> timedelta."""
    match = _DURATION.match(value.strip())
    if match is None:
        raise ValueError(f"not an HH:MM:SS duration: {value!r}")
    sign, hours, minutes, seconds = match.groups()
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds))
    return -delta if sign else delta


def format_duration(value: dt.timedelta) -> str:
    """timedelta -> ``HH:MM:SS``, rounded to the second (PractiTest keeps whole seconds)."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


def decode_custom_fields(value: Mapping[str, Any] | None) -> CustomFields:
    """``{"---f-22": "Win"}`` -> ``{22: "Win"}``; keys of another shape are dropped."""
    out: CustomFields = {}
    for key, item in (value or {}).items():
        match = _CF_KEY.match(key)
        if match is None:
            continue
        out[int(match.group(1))] = [str(v) for v in item] if isinstance(item, list) else str(item)
    return out


def encode_custom_fields(value: Mapping[int, str | list[str]]) -> dict[str, JSON]:
    """``{22: "Win"}`` -> ``{"---f-22": "Win"}`` (values are strings, lists of strings)."""
    out: dict[str, JSON] = {}
    for key, item in value.items():
        out[f"---f-{int(key)}"] = [str(v) for v in item] if isinstance(item, list) else str(item)
    return out


converter.register_structure_hook(dt.datetime, lambda v, _: parse_datetime(v))
converter.register_unstructure_hook(dt.datetime, format_datetime)
converter.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
converter.register_unstructure_hook(dt.date, lambda v: v.isoformat())
converter.register_structure_hook(dt.timedelta, lambda v, _: parse_duration(v))
converter.register_unstructure_hook(dt.timedelta, format_duration)
converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, Enum), lambda v: v.value
)


def encode_value(value: Any) -> JSON:
    """One Python value -> its wire form (used for create/update keyword arguments)."""
    if isinstance(value, Enum):
        return encode_value(value.value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return converter.unstructure(value)  # type: ignore[no-any-return]


def encode_attributes(values: Mapping[str, Any]) -> dict[str, JSON]:
    """snake_case keyword arguments -> kebab-case ``attributes`` (None values are left out)."""
    out: dict[str, JSON] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "custom_fields":
            out["custom-fields"] = encode_custom_fields(value)
        else:
            out[kebab(name)] = encode_value(value)
    return out


# --- resources ------------------------------------------------------------------------------

_EXTRA = "__extra__"
_RELATIONSHIPS = "__relationships__"
_JSON_FIELD = "practitest_async.json"
# relationship members whose items have another type: a milestone's "suites" are sets
_LINK_TYPES = {"suites": "sets"}
RESOURCE_TYPES: dict[type[Any], str] = {}


# attrs field metadata: take the JSON value as it is (no structuring), for free-form hashes
# such as ``automated-fields`` or ``possible-values``: ``attrs.field(metadata=RAW_JSON, ...)``
RAW_JSON: Mapping[str, bool] = {_JSON_FIELD: True}


def _passthrough(value: Any, _: Any) -> Any:
    return value


def _overrides(cls: type[Any], rename: Callable[[str], str]) -> dict[str, Any]:
    """The cattrs overrides of a model: ``extra``, ``relationships``, ``custom_fields``, JSON."""
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name == "id":
            continue
        if field.name == "extra":
            out["extra"] = override(
                rename=_EXTRA, struct_hook=lambda v, _: dict(v), unstruct_hook=dict
            )
        elif field.name == "relationships":
            out["relationships"] = override(
                rename=_RELATIONSHIPS, struct_hook=lambda v, _: dict(v), unstruct_hook=dict
            )
        elif field.name == "custom_fields":
            out[field.name] = override(
                rename="custom-fields",
                struct_hook=lambda v, _: decode_custom_fields(v),
                unstruct_hook=encode_custom_fields,
            )
        elif field.metadata.get(_JSON_FIELD):
            out[field.name] = override(
                rename=rename(field.name), struct_hook=_passthrough, unstruct_hook=lambda v: v
            )
        else:
            out[field.name] = override(rename=rename(field.name))
    return out


def resource(type_name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: register a model as the JSON:API resource ``type_name``.

    The model must be an attrs class with ``id: int`` and ``extra: dict[str, JSON]`` fields; the
    others map to kebab-case attributes.
    """

    def register(cls: type[T]) -> type[T]:
        RESOURCE_TYPES[cls] = type_name
        _register_lazily(cls, kebab)
        return cls

    return register


def flat(cls: type[T]) -> type[T]:
    """Class decorator: register a model read from a flat, snake_case object (not JSON:API),
    such as the items of ``fields.json``; unknown keys go to ``extra``."""
    _register_lazily(cls, lambda name: name)
    return cls


def _register_lazily(cls: type[Any], rename: Callable[[str], str]) -> None:
    """Register ``cls``'s (un)structure functions, generated on first use: generating them for
    every model at import (``compile`` of generated code) made ``import practitest_async``'s
    light names slow. cattrs caches what a factory returns, so each is built once."""

    def structure(t: Any) -> Any:
        return make_dict_structure_fn(t, converter, **_overrides(t, rename))

    def unstructure(t: Any) -> Any:
        return make_dict_unstructure_fn(t, converter, **_overrides(t, rename))

    converter.register_structure_hook_factory(lambda t: t is cls, structure)
    converter.register_unstructure_hook_factory(lambda t: t is cls, unstructure)


def known_attributes(cls: type[Any]) -> frozenset[str]:
    """The kebab-case attribute names a model has fields for."""
    return frozenset(
        "custom-fields" if f.name == "custom_fields" else kebab(f.name)
        for f in attrs.fields(cls)
        if f.name not in ("id", "extra", "relationships")
    )


def decode_relationships(value: Any) -> dict[str, list[int]]:
    """``{"tests": {"data": [{"id": "5", "type": "tests"}]}}`` -> ``{"tests": [5]}``."""
    out: dict[str, list[int]] = {}
    for name, member in (value or {}).items():
        items = member.get("data") if isinstance(member, Mapping) else None
        out[name] = [int(item["id"]) for item in items or [] if isinstance(item, Mapping)]
    return out


def decode_flat(obj: Mapping[str, Any], cls: type[T]) -> T:
    """One flat object (see :func:`flat`) -> model; keys the model does not know go to extra."""
    names = {f.name for f in attrs.fields(cls)} - {"extra"}  # type: ignore[arg-type]
    data: dict[str, Any] = {k: v for k, v in obj.items() if k in names}
    data[_EXTRA] = {k: v for k, v in obj.items() if k not in names}
    return _structure(data, cls, f"{cls.__name__} {obj.get('id')}")


def decode_resource(obj: Mapping[str, Any], cls: type[T]) -> T:
    """One JSON:API resource object -> model."""
    attributes = obj.get("attributes") or {}
    known = known_attributes(cls)
    data = {k: v for k, v in attributes.items() if k in known}
    data["id"] = obj["id"]
    data[_EXTRA] = {k: v for k, v in attributes.items() if k not in known}
    if any(f.name == "relationships" for f in attrs.fields(cls)):  # type: ignore[arg-type]
        data[_RELATIONSHIPS] = decode_relationships(obj.get("relationships"))
    return _structure(data, cls, f"{obj.get('type', cls.__name__)} {obj['id']}")


def _structure(data: Mapping[str, Any], cls: type[T], what: str) -> T:
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        details = "; ".join(cattrs.transform_error(exc))
        raise ValueError(f"cannot read {what}: {details}") from exc


def decode_many(data: Iterable[Mapping[str, Any]], cls: type[T]) -> list[T]:
    """A list of resource objects -> models."""
    return [decode_resource(item, cls) for item in data]


def encode_resource(model: Any) -> dict[str, JSON]:
    """Model -> JSON:API resource object (the inverse of :func:`decode_resource`)."""
    values: dict[str, Any] = converter.unstructure(model)
    extra = values.pop(_EXTRA, {}) or {}
    related = values.pop(_RELATIONSHIPS, None)
    model_id = values.pop("id")
    attributes: dict[str, JSON] = {**extra, **values}
    out: dict[str, JSON] = {
        "id": str(model_id),
        "type": RESOURCE_TYPES[type(model)],
        "attributes": attributes,
    }
    if related:
        out["relationships"] = {
            name: {"data": [{"id": str(i), "type": _LINK_TYPES.get(name, name)} for i in ids]}
            for name, ids in related.items()
        }
    return out


def unwrap_data(body: Any) -> Any:
    """The ``data`` member of a JSON:API document (raises ValueError if there is none)."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise ValueError(f"expected a JSON:API document with 'data', got {str(body)[:200]}")
    return body["data"]
