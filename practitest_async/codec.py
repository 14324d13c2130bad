"""The JSON:API codec: one cattrs converter for every model, and the envelope around it.

PractiTest resources look like ``{"id": "49676", "type": "runs", "attributes": {...}}`` with
kebab-case attribute names. Models are attrs classes with snake_case fields; the renames are
generated from the field names, never written by hand. Conventions handled here:

- the string ``id`` becomes an ``int`` (foreign keys inside attributes are ints already);
- ``custom-fields`` keys ``---f-N`` become ``dict[int, value]``, the value kept as the server
  sent it (null, string, number, list); keys of another shape are kept in ``extra``;
- ISO-8601 datetimes with an offset; ``HH:MM:SS`` durations become ``timedelta``;
- an enum value we do not know yet (PractiTest adds values over time) becomes an "unknown"
  member of that enum that carries the raw string (:func:`is_unknown`), never an error;
- attributes the model does not know are kept in ``extra``, and so are the resource's ``links``
  (``extra["@links"]``) and, on models without a ``relationships`` field, its
  ``relationships`` (``extra["@relationships"]``): a newer server must not break us;
- a ``relationships`` field holds the linked ids of ``?relationships=true`` answers;
- fields with ``metadata=RAW_JSON`` take the JSON value as it is (free-form hashes).

What goes out: :func:`encode_attributes` turns snake_case keyword arguments into kebab-case
attributes, leaving ``None`` out; :data:`CLEAR` sends ``null`` (to empty a field on update).
Custom-field values follow :func:`custom_field_value`.

Speed: structure functions are generated once per model, on its first use (not at import), and
each model's attribute names are worked out once. The batch layer reads only ids from bulk
answers with :func:`decode_refs`, which costs a fraction of a full model.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, Final, NamedTuple, TypeAlias, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
CustomFields: TypeAlias = dict[int, JSON]
"""Custom-field values as the server sent them, keyed by the field's id."""

T = TypeVar("T")

log = logging.getLogger("practitest_async")

converter = cattrs.Converter()

_CF_KEY = re.compile(r"^---f-(\d+)$")
_DURATION = re.compile(r"^(-)?(\d+):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$")


@functools.cache
def kebab(name: str) -> str:
    """``project_id`` -> ``project-id`` (cached: the same few names come back all the time)."""
    return name.replace("_", "-")


class Clear(Enum):
    """The type of :data:`CLEAR`."""

    CLEAR = "CLEAR"

    def __repr__(self) -> str:
        return "CLEAR"

    __str__ = __repr__


CLEAR: Final = Clear.CLEAR
"""Send ``null`` for an attribute (``None`` means "leave it out"): ``update(..., version=CLEAR)``
empties the version; ``custom_fields={22: CLEAR}`` empties custom field 22 (updates only)."""


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
    return _seconds_text(round(value.total_seconds()))


@functools.lru_cache(maxsize=1024)  # most durations of an upload are a few distinct seconds
def _seconds_text(total: int) -> str:
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


# --- custom fields --------------------------------------------------------------------------


def custom_field_id(key: int | str) -> int:
    """``22``, ``"22"`` or ``"---f-22"`` -> 22 (ValueError for anything else)."""
    if isinstance(key, bool):
        raise ValueError(f"custom field key {key!r} is not a field id")
    if isinstance(key, int):
        number = key
    else:
        text = str(key).strip().removeprefix("---f-")
        if not text.isdigit():
            raise ValueError(f"custom field key {key!r}: expected a field id such as 22 or ---f-22")
        number = int(text)
    if number <= 0:
        raise ValueError(f"custom field key {key!r}: field ids are positive")
    return number


def _plain_number(value: float | Decimal) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a number PractiTest can store")
        value = Decimal(repr(value))
    if not value.is_finite():
        raise ValueError(f"{value!r} is not a number PractiTest can store")
    text = format(value, "f")
    return text


def _scalar(value: Any, where: str) -> str:
    """One custom-field value (or list item) -> the string PractiTest stores."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int
        raise ValueError(
            f"{where} is {value!r}: PractiTest documents no value for a checkbox, so a "
            "boolean is not sent; pass the string the field expects"
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        try:
            return _plain_number(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()  # YYYY-MM-DD
    if isinstance(value, Enum):
        return _scalar(value.value, where)
    raise TypeError(
        f"{where} is {type(value).__name__} {value!r}: a custom-field value is a string, "
        "a number, a date, or a list of those"
    )


def custom_field_value(value: Any, *, field: int | str = "?", clearing: bool = False) -> JSON:
    """One custom-field value -> its wire form (PractiTest takes strings, lists of strings).

    ``str`` as is; ``int`` / ``float`` / ``Decimal`` written plainly (``1.5``, never ``1e-05``);
    dates as ``YYYY-MM-DD``; any list, tuple or set -> a list of strings (a set sorted);
    ``None`` or :data:`CLEAR` -> ``null``, only when ``clearing`` (an update); a ``bool`` is
    refused (the docs give no checkbox value). Raises ValueError / TypeError naming the field.
    """
    where = f"custom field {field}"
    if value is None or value is CLEAR:
        if clearing:
            return None
        raise ValueError(
            f"{where} is {value!r}: only an update can clear a custom field "
            "(leave the field out instead)"
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        items: list[JSON] = [_scalar(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return sorted(items) if isinstance(value, (set, frozenset)) else items  # type: ignore[type-var]
    return _scalar(value, where)


def custom_field_values(values: Mapping[Any, Any] | None) -> dict[int, str | list[str]]:
    """Custom fields keyed ``22``, ``"22"`` or ``"---f-22"`` -> ``{22: wire value}``, checked
    by the rules of :func:`custom_field_value` (no clearing). The batch layer uses this."""
    out: dict[int, str | list[str]] = {}
    for key, item in (values or {}).items():
        number = custom_field_id(key)
        wire = custom_field_value(item, field=number)
        assert isinstance(wire, (str, list))
        out[number] = wire  # type: ignore[assignment]
    return out


def encode_custom_fields(values: Mapping[Any, Any], *, clearing: bool = False) -> dict[str, JSON]:
    """``{22: "Win"}`` -> ``{"---f-22": "Win"}`` (see :func:`custom_field_value`)."""
    out: dict[str, JSON] = {}
    for key, item in values.items():
        number = custom_field_id(key)
        out[f"---f-{number}"] = custom_field_value(item, field=number, clearing=clearing)
    return out


def _flatten(value: list[Any]) -> list[JSON]:
    """The docs' nested multilist typo ``["ClientA", ["ClientB"]]`` -> one flat list."""
    out: list[JSON] = []
    for item in value:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def split_custom_fields(value: Any) -> tuple[CustomFields, dict[str, JSON]]:
    """A ``custom-fields`` hash -> (``{id: value}``, keys of another shape). Values keep their
    JSON types (null stays None); nested lists are flattened."""
    known: CustomFields = {}
    other: dict[str, JSON] = {}
    if not isinstance(value, Mapping):
        return known, other
    for key, item in value.items():
        match = _CF_KEY.match(key) if isinstance(key, str) else None
        if match is None:
            other[str(key)] = item
        else:
            known[int(match.group(1))] = _flatten(item) if isinstance(item, list) else item
    return known, other


def decode_custom_fields(value: Mapping[str, Any] | None) -> CustomFields:
    """``{"---f-22": "Win", "---f-23": null}`` -> ``{22: "Win", 23: None}`` (keys of another
    shape are left to the caller: :func:`decode_resource` keeps them in ``extra``)."""
    return split_custom_fields(value)[0]


# --- enums: values we do not know yet -------------------------------------------------------

_UNKNOWN: dict[tuple[type[Enum], Any], Enum] = {}


def unknown_member(cls: type[Enum], value: Any) -> Enum:
    """A member of ``cls`` named ``UNKNOWN`` that carries ``value`` (one per value; logged at
    debug level the first time). It equals the raw string, and ``.value`` is that string."""
    key = (cls, value)
    member = _UNKNOWN.get(key)
    if member is None:
        base = cls._member_type_ if cls._member_type_ is not object else None  # type: ignore[attr-defined]
        member = base.__new__(cls, value) if base is not None else object.__new__(cls)
        member._name_ = "UNKNOWN"
        member._value_ = value
        _UNKNOWN[key] = member
        log.debug("unknown %s value %r kept as is", cls.__name__, value)
    return member


def is_unknown(member: Enum) -> bool:
    """Whether a decoded enum value is one this version does not know (see the module doc)."""
    return _UNKNOWN.get((type(member), member._value_)) is member


def _enum_structure(cls: type[Enum]) -> Callable[[Any, Any], Enum]:
    def structure(value: Any, _: Any) -> Enum:
        try:
            return cls(value)
        except ValueError:
            return unknown_member(cls, value)

    return structure


def _is_enum(t: Any) -> bool:  # also used for unstructuring
    return isinstance(t, type) and issubclass(t, Enum)


def _is_optional(t: Any) -> bool:
    args = typing.get_args(t)
    return (
        typing.get_origin(t) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _optional_structure(t: Any) -> Callable[[Any, Any], Any]:
    """``X | None``: the hook of X looked up once, not on every value (a third of decoding)."""
    (inner,) = (a for a in typing.get_args(t) if a is not type(None))
    hook = converter.get_structure_hook(inner)

    def structure(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure


converter.register_structure_hook_factory(_is_optional, _optional_structure)
converter.register_structure_hook(dt.datetime, lambda v, _: parse_datetime(v))
converter.register_unstructure_hook(dt.datetime, format_datetime)
converter.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
converter.register_unstructure_hook(dt.date, lambda v: v.isoformat())
converter.register_structure_hook(dt.timedelta, lambda v, _: parse_duration(v))
converter.register_unstructure_hook(dt.timedelta, format_duration)
converter.register_unstructure_hook_func(_is_enum, lambda v: v.value)


def tolerant_enums(*classes: type[Enum]) -> None:
    """Decode these enums' unknown values as :func:`unknown_member` (registered per class: a
    ``StrEnum`` would otherwise be read by the hook for ``str``)."""
    for cls in classes:
        converter.register_structure_hook(cls, _enum_structure(cls))


# --- what goes out --------------------------------------------------------------------------


def encode_value(value: Any) -> JSON:
    """One Python value -> its wire form (used for create/update keyword arguments).

    Drafts (attrs instances such as :class:`~practitest_async.models.TestStepDraft`) become
    kebab-case objects; mappings keep their keys (free-form hashes such as automated-fields).
    """
    if value is None or type(value) in _PLAIN:  # most values: no isinstance ladder for them
        return value  # type: ignore[no-any-return]
    if type(value) is dt.timedelta:  # a run's duration: every result has one
        return format_duration(value)
    if value is CLEAR:
        return None
    if isinstance(value, Enum):
        return encode_value(value.value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, Decimal):
        return _plain_number(value)
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if attrs.has(type(value)) and type(value) not in RESOURCE_TYPES:
        return encode_draft(value)
    return converter.unstructure(value)  # type: ignore[no-any-return]


_PLAIN = frozenset({str, int, float, bool})


def encode_draft(draft: Any) -> dict[str, JSON]:
    """A draft (an attrs instance of what a caller sends) -> kebab-case attributes."""
    return encode_attributes(draft_values(draft))


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def draft_values(draft: Any) -> dict[str, Any]:
    """``attrs.asdict(draft, recurse=False)``, with the field names read once per class (a
    third of the time: this runs for every result an upload sends)."""
    cls = type(draft)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in attrs.fields(cls))
    return {name: getattr(draft, name) for name in names}


def encode_attributes(values: Mapping[str, Any], *, clearing: bool = False) -> dict[str, JSON]:
    """snake_case keyword arguments -> kebab-case ``attributes``. ``None`` values are left
    out; :data:`CLEAR` is sent as ``null``. ``clearing`` (updates) lets a custom-field value be
    ``None`` / CLEAR, which empties that field."""
    out: dict[str, JSON] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "custom_fields" and value is not CLEAR:
            if value:  # no empty hash on the wire
                out["custom-fields"] = encode_custom_fields(value, clearing=clearing)
        else:
            out[kebab(name)] = encode_value(value)
    return out


# --- resources ------------------------------------------------------------------------------

_EXTRA = "__extra__"
_RELATIONSHIPS = "__relationships__"
_JSON_FIELD = "practitest_async.json"
# resource-level members kept in ``extra`` by models that have no field for them, under keys no
# kebab-case attribute can have ("@links"), so that an attribute named "links" stays apart
_RESOURCE_MEMBERS = {"@links": "links", "@relationships": "relationships"}
# relationship members whose items have another type: a milestone's "suites" are sets
_LINK_TYPES = {"suites": "sets"}
RESOURCE_TYPES: dict[type[Any], str] = {}
_FLAT: set[type[Any]] = set()


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
                struct_hook=_structure_custom_fields,
                unstruct_hook=_unstructure_custom_fields,
            )
        elif field.metadata.get(_JSON_FIELD):
            out[field.name] = override(
                rename=rename(field.name), struct_hook=_passthrough, unstruct_hook=lambda v: v
            )
        else:
            out[field.name] = override(rename=rename(field.name))
    return out


def _structure_custom_fields(value: Any, _: Any) -> CustomFields:
    # decode_resource has already split the hash (int keys); anything else is read here
    if isinstance(value, dict) and all(isinstance(k, int) for k in value):
        return value
    return decode_custom_fields(value)


def _unstructure_custom_fields(value: Mapping[int, Any]) -> dict[str, JSON]:
    """A model's custom fields back to the wire, as they were (no input rules: they came
    from the server)."""
    return {f"---f-{int(k)}": v for k, v in value.items()}


def _is_registered(t: Any) -> bool:
    return t in RESOURCE_TYPES or t in _FLAT


def _structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
    rename = (lambda n: n) if cls in _FLAT else kebab
    return make_dict_structure_fn(cls, converter, **_overrides(cls, rename))


def _unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
    rename = (lambda n: n) if cls in _FLAT else kebab
    return make_dict_unstructure_fn(cls, converter, **_overrides(cls, rename))


# Structure functions are generated on a model's first use, not at import: compiling them for
# every model costs a tenth of a second that a script reading two models should not pay.
converter.register_structure_hook_factory(_is_registered, _structure_factory)
converter.register_unstructure_hook_factory(_is_registered, _unstructure_factory)


def resource(type_name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: register a model as the JSON:API resource ``type_name``.

    The model must be an attrs class with ``id: int`` and ``extra: dict[str, JSON]`` fields; the
    others map to kebab-case attributes.
    """

    def register(cls: type[T]) -> type[T]:
        RESOURCE_TYPES[cls] = type_name
        return cls

    return register


def flat(cls: type[T]) -> type[T]:
    """Class decorator: register a model read from a flat, snake_case object (not JSON:API),
    such as the items of ``fields.json``; unknown keys go to ``extra``."""
    _FLAT.add(cls)
    return cls


@attrs.frozen
class _Decoder:
    """What decoding one model needs, worked out once per model."""

    known: frozenset[str]
    has_relationships: bool
    has_custom_fields: bool
    structure: Callable[[Any, Any], Any]


_DECODERS: dict[type[Any], _Decoder] = {}


def _decoder(cls: type[Any]) -> _Decoder:
    found = _DECODERS.get(cls)
    if found is None:
        names = {f.name for f in attrs.fields(cls)}
        found = _Decoder(
            known=known_attributes(cls),
            has_relationships="relationships" in names,
            has_custom_fields="custom_fields" in names,
            structure=converter.get_structure_hook(cls),
        )
        _DECODERS[cls] = found
    return found


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
    decoder = _decoder(cls)
    attributes = obj.get("attributes") or {}
    known = decoder.known
    data = dict(attributes)
    extra = {k: v for k, v in attributes.items() if k not in known}
    for k in extra:
        del data[k]
    if decoder.has_custom_fields and "custom-fields" in data:
        data["custom-fields"], other = split_custom_fields(data["custom-fields"])
        if other:
            extra["custom-fields"] = other
    if decoder.has_relationships:
        data[_RELATIONSHIPS] = decode_relationships(obj.get("relationships"))
    elif obj.get("relationships") is not None:
        extra["@relationships"] = obj["relationships"]
    if obj.get("links") is not None:
        extra["@links"] = obj["links"]
    data["id"] = obj["id"]
    data[_EXTRA] = extra
    try:
        return decoder.structure(data, cls)  # type: ignore[no-any-return]
    except cattrs.BaseValidationError as exc:
        details = "; ".join(cattrs.transform_error(exc))
        what = f"{obj.get('type', cls.__name__)} {obj['id']}"
        raise ValueError(f"cannot read {what}: {details}") from exc


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
    extra = dict(values.pop(_EXTRA, {}) or {})
    related = values.pop(_RELATIONSHIPS, None)
    model_id = values.pop("id")
    members = {name: extra.pop(key) for key, name in _RESOURCE_MEMBERS.items() if key in extra}
    odd_fields = extra.pop("custom-fields", None) if "custom-fields" in values else None
    attributes: dict[str, JSON] = {**extra, **values}
    if isinstance(odd_fields, Mapping):
        attributes["custom-fields"] = {**odd_fields, **values["custom-fields"]}
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
    out.update(members)
    return out


def unwrap_data(body: Any) -> Any:
    """The ``data`` member of a JSON:API document (raises ValueError if there is none)."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise ValueError(f"expected a JSON:API document with 'data', got {str(body)[:200]}")
    return body["data"]


# --- ids only -------------------------------------------------------------------------------


class Ref(NamedTuple):
    """The ids of one resource of a bulk answer: its own, and the ones the batch layer links
    by (``instance-id`` of a run, ``test-id`` of an instance or a run, ``set-id``), and its
    ``name`` (how the batch layer finds tests and instances)."""

    id: int
    instance_id: int | None = None
    test_id: int | None = None
    set_id: int | None = None
    name: str | None = None


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _items(answer: Any) -> list[Any]:
    data = unwrap_data(answer)
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def decode_ids(answer: Any) -> list[int]:
    """The ids of an answer's ``data`` (a list, or one object), and nothing else: cheap."""
    return [int(item["id"]) for item in _items(answer)]


def decode_refs(answer: Any) -> list[Ref]:
    """The :class:`Ref` of each resource of an answer's ``data``: ids only, no model (about
    a microsecond each, against tens for a full model)."""
    return refs_of(_items(answer))


def refs_of(data: Iterable[Mapping[str, Any]]) -> list[Ref]:
    """The :class:`Ref` of each resource object of ``data`` (a page's items).

    An item without an id or attributes is a ValueError, never skipped: a caller that took it
    as absent would create what already exists (the services turn it into
    :class:`~practitest_async.errors.ResponseDecodeError`, naming the call)."""
    if not isinstance(data, list):
        raise ValueError(f"expected a list of resources, got {str(data)[:200]}")
    out: list[Ref] = []
    new_ref = tuple.__new__  # Ref(...) through NamedTuple's __new__ costs twice as much
    for item in data:
        # JSON objects are dicts: the Mapping ABC's isinstance is for the rare other kind
        mapping = type(item) is dict or isinstance(item, Mapping)
        a = item.get("attributes") if mapping else None
        ident = item.get("id") if mapping else None
        if (
            not (type(a) is dict or isinstance(a, Mapping))
            or ident is None
            or isinstance(ident, bool)
        ):
            raise ValueError(
                f"a resource without an id or attributes in the answer: {str(item)[:200]}"
            )
        name = a.get("name")
        instance_id, test_id, set_id = a.get("instance-id"), a.get("test-id"), a.get("set-id")
        try:
            out.append(
                new_ref(
                    Ref,
                    (
                        int(ident),
                        None if instance_id is None else int(instance_id),
                        None if test_id is None else int(test_id),
                        None if set_id is None else int(set_id),
                        name if isinstance(name, str) else None,
                    ),
                )
            )
        except (TypeError, ValueError):
            raise ValueError(f"a resource id is not a number: {str(item)[:200]}") from None
    return out
