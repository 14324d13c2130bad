"""Reading request bodies field by field, with 422 titles that name the field and the problem.

``Fields(value, "data[3].attributes")`` wraps one JSON object; each accessor checks one key and
raises ``Invalid("data[3].attributes.instance-id is required")`` on a problem.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection
from typing import Any

import attrs

from practitest_async.testing.errors import ApiError

DURATION = re.compile(r"\d{2,}:[0-5]\d:[0-5]\d\Z")
CUSTOM_FIELD_KEY = re.compile(r"---f-(\d+)\Z")


class Invalid(Exception):
    """One problem with a request body; becomes one 422 error title."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.title = title


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


@attrs.frozen
class Fields:
    """One JSON object from a request body and where it sits (for error titles)."""

    values: dict[str, Any]
    where: str

    @classmethod
    def of(cls, value: Any, where: str, *, required: bool = True) -> Fields:
        if value is None and not required:
            return cls({}, where)
        if not isinstance(value, dict):
            what = "is required" if value is None else f"must be an object, not {kind_of(value)}"
            raise Invalid(f"{where} {what}")
        return cls(value, where)

    def path(self, key: str) -> str:
        return f"{self.where}.{key}"

    def _get(self, key: str) -> Any:
        """The value of ``key``; a kebab-case key sent in snake_case (``expected_results``) is
        refused rather than silently ignored, as the server would: the API spells it so."""
        if key not in self.values and "-" in key:
            snake = key.replace("-", "_")
            if snake in self.values:
                raise Invalid(f"{self.path(snake)}: the API spells this key {key}")
        return self.values.get(key)

    def has(self, key: str) -> bool:
        self._get(key)
        return key in self.values

    def raw(self, key: str) -> Any:
        return self._get(key)

    def sub(self, key: str, *, required: bool = False) -> Fields:
        return Fields.of(self._get(key), self.path(key), required=required)

    def _missing(self, key: str, required: bool) -> bool:
        if self._get(key) is None:
            if required:
                raise Invalid(f"{self.path(key)} is required")
            return True
        return False

    def text(self, key: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        if self._missing(key, required):
            return None
        value = self.values[key]
        if not isinstance(value, str):
            raise Invalid(f"{self.path(key)} must be a string, not {kind_of(value)}")
        if required and not value.strip():
            raise Invalid(f"{self.path(key)} must not be blank")
        if max_len is not None and len(value) > max_len:
            raise Invalid(f"{self.path(key)} is {len(value)} characters; at most {max_len}")
        return value

    def required_text(self, key: str, *, max_len: int | None = None) -> str:
        value = self.text(key, required=True, max_len=max_len)
        assert value is not None
        return value

    def id(self, key: str, *, required: bool = False) -> int | None:
        """A system id: an integer, or a string of digits (PractiTest's examples send both)."""
        if self._missing(key, required):
            return None
        return as_id(self.values[key], self.path(key))

    def required_id(self, key: str) -> int:
        value = self.id(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str) -> int | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{self.path(key)} must be an integer, not {kind_of(value)}")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self._get(key)
        if value is None or isinstance(value, bool):
            return value
        raise Invalid(f"{self.path(key)} must be true or false, not {kind_of(value)}")

    def choice(self, key: str, choices: Collection[str]) -> str | None:
        value = self.text(key)
        if value is not None and value not in choices:
            raise Invalid(f"{self.path(key)} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def duration(self, key: str) -> str | None:
        value = self._get(key)
        if value is not None and not (isinstance(value, str) and DURATION.match(value)):
            raise Invalid(f"{self.path(key)} must be a duration HH:MM:SS, got {value!r}")
        return value

    def array(self, key: str, *, required: bool = False) -> list[Any]:
        if self._missing(key, required):
            return []
        value = self.values[key]
        if not isinstance(value, list):
            raise Invalid(f"{self.path(key)} must be an array, not {kind_of(value)}")
        return value

    def text_list(self, key: str) -> list[str] | None:
        if self._get(key) is None:
            return None
        items = self.array(key)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise Invalid(f"{self.path(key)}[{i}] must be a string, not {kind_of(item)}")
        return list(items)

    def id_list(self, key: str, *, required: bool = False) -> list[int]:
        return [
            as_id(v, f"{self.path(key)}[{i}]")
            for i, v in enumerate(self.array(key, required=required))
        ]

    def custom_fields(
        self, key: str = "custom-fields", *, allow_null: bool = False
    ) -> dict[str, Any] | None:
        """The ``---f-N`` hash: string values, or arrays of strings for multilists (the docs'
        examples); ``null`` (to empty a field) where ``allow_null`` (updates)."""
        if self._get(key) is None:
            return None
        value = self.values[key]
        if not isinstance(value, dict):
            raise Invalid(f"{self.path(key)} must be an object, not {kind_of(value)}")
        for name, item in value.items():
            where = f"{self.path(key)}.{name}"
            if not CUSTOM_FIELD_KEY.match(name):
                raise Invalid(f"{where}: custom field keys look like ---f-123")
            if item is None and allow_null:
                continue
            if not _is_field_value(item):
                raise Invalid(
                    f"{where} must be a string or an array of strings, not {kind_of(item)}"
                )
        return dict(value)


def _is_field_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def as_id(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise Invalid(f"{where} must be an integer id, not a boolean")
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise Invalid(f"{where} must be a positive integer id, got {value!r}")


def decode_base64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a base64 string, not {kind_of(value)}")
    # `base64 file` wraps lines at 76 characters; the wrapping is not an error.
    compact = "".join(value.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{where} is not valid base64") from None


def data_of(body: Any) -> Any:
    """The ``data`` member of a request body (400 when the body is not an object)."""
    if not isinstance(body, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {kind_of(body)}")
    if body.get("data") is None:
        raise ApiError(422, "data is required")
    return body["data"]


def single(body: Any) -> Fields:
    """``data`` as one object (for creates and updates of one resource)."""
    try:
        return Fields.of(data_of(body), "data")
    except Invalid as exc:
        raise ApiError(422, exc.title) from None


def items(body: Any, limit: int, noun: str) -> tuple[list[Fields], bool]:
    """``data`` as one object or an array of at most ``limit``; returns (items, was_array)."""
    data = data_of(body)
    if isinstance(data, dict):
        return [Fields(data, "data")], False
    if not isinstance(data, list):
        raise ApiError(422, f"data must be an object or an array, not {kind_of(data)}")
    if not data:
        raise ApiError(422, "data must not be an empty array")
    if len(data) > limit:
        raise ApiError(422, f"data has {len(data)} {noun}; at most {limit} per request")
    found, problems = [], []
    for i, item in enumerate(data):
        try:
            found.append(Fields.of(item, f"data[{i}]"))
        except Invalid as exc:
            problems.append(exc.title)
    if problems:
        raise ApiError(422, *problems)
    return found, True
