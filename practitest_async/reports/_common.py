"""The rules every reader applies the same way, in one place (JUnit, the XML readers of
:mod:`._xmlstream`, Robot and the JSON readers of :mod:`._shape`).

- **names**: :class:`NameTemplate` renders ``name_template`` over ``{classname}``, ``{name}``,
  ``{file}``, ``{suite}``; an empty field is dropped together with the separator before it, so a
  test without a class is just ``{name}``. :func:`unnamed` names a test that has no name after
  its class, suite or file and its position (``"Cart (unnamed case 2)"``), with a warning.
- **keys**: :class:`Keys` builds :func:`~._base.result_key`'s ``file::suite::class::name::n``
  with the file's real path resolved once; :class:`Ordinals` gives ``n`` in fixed memory.
- **durations**: :func:`checked_seconds` drops (with a warning) a value that is not a finite,
  non-negative number of seconds, or is over 7 days (nanoseconds written as seconds).
- **output**: :func:`cap_output` cuts a run's output at :data:`MAX_OUTPUT` characters with a note.
- :func:`plain_result` builds a :class:`RunResult` from values already in their final form,
  without the constructor's converters (the readers' hot path).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import string
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

import attrs

from ..batch.results import Attachment, RunResult, Status, StepResult
from ._base import key_part, key_path

log = logging.getLogger("practitest_async.reports")

MAX_SECONDS = 7 * 24 * 3600.0
"""A longer duration is a unit mix-up (nanoseconds written as seconds), not a run."""
MAX_OUTPUT = 256 * 1024
"""Characters of one run's output; the rest is cut with a note (a 50 MB log is not a run's)."""

FIELDS = frozenset({"classname", "name", "file", "suite"})
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_FORMATTER = string.Formatter()


# -- names -----------------------------------------------------------------------------------


@attrs.frozen
class NameTemplate:
    """``"{classname}.{name}"`` with an empty field dropped along with the separator before it.

    ``class_dot_name`` is the separator when the template is exactly ``{classname}SEP{name}``
    (the default ``"{classname}.{name}"`` is), so readers can join the two without rendering.
    """

    prefix: str
    fields: tuple[tuple[str, str, str | None], ...]  # (field, format spec, conversion)
    separators: tuple[str, ...]  # the text after each field; the last one is the suffix
    class_dot_name: str | None = None

    @staticmethod
    @lru_cache(maxsize=32)
    def parse(template: str) -> NameTemplate:
        """The parsed template; :class:`ValueError` for an unknown field or no field at all."""
        texts, fields = [""], []
        for literal, field, spec, conversion in _FORMATTER.parse(template):
            texts[-1] += literal
            if field is None:
                continue
            if field not in FIELDS:
                known = ", ".join("{" + f + "}" for f in sorted(FIELDS))
                raise ValueError(f"name_template {template!r}: unknown field {{{field}}} ({known})")
            fields.append((field, spec or "", conversion))
            texts.append("")
        if not fields:
            raise ValueError(f"name_template {template!r} names no field, e.g. {{name}}")
        separators = tuple(texts[1:])
        bare = all(not spec and not conversion for _, spec, conversion in fields)
        plain = bare and texts[0] == "" and separators[-1] == ""
        plain = plain and [f for f, _, _ in fields] == ["classname", "name"]
        return NameTemplate(texts[0], tuple(fields), separators, separators[0] if plain else None)

    def render(self, values: dict[str, str]) -> str:
        """The name for ``values`` (a missing field counts as empty), stripped."""
        out, pending = [self.prefix], ""
        for (field, spec, conversion), after in zip(self.fields, self.separators, strict=True):
            value = values.get(field, "")
            if not value:
                continue
            if spec or conversion:
                value = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec)
            out += [pending, value]
            pending = after
        out.append(self.separators[-1])
        return "".join(out).strip()


def check_template(template: str) -> None:
    """Raise :class:`ValueError` for a name template no reader can render."""
    NameTemplate.parse(template)


def unnamed(where: str, owner: str, position: object) -> str:
    """The name of a test that has none: its class, suite or file (``owner``) and 1-based
    ``position``, e.g. ``"CartTest (unnamed case 2)"``; logs a warning at ``where``."""
    name = f"{owner} (unnamed case {position})".strip()
    log.warning("%s: a test case has no name; named %r", where, name)
    return name


# -- keys ------------------------------------------------------------------------------------


BITS = 1 << 25
BIT_MASK = BITS - 1


class Ordinals:
    """0 for the first result of a key in a file, then a distinct, repeatable number per repeat.

    An exact count of every key would grow with the file; a fixed 4 MiB bit set (a Bloom filter
    over two stable C checksums, CRC-32 and Adler-32) says which keys may have been seen, and only
    those are counted. A false "seen" gives a first result 1 instead of 0: still distinct, and
    the same every time the same file is read.
    """

    def __init__(self) -> None:
        self.bits: bytearray | None = None  # allocated on the first result
        self.counts: dict[str, int] = {}

    def next(self, key: str) -> int:
        bits = self.bits
        if bits is None:
            bits = self.bits = bytearray(BITS >> 3)
        data = key.encode()
        one = zlib.crc32(data) & BIT_MASK
        two = zlib.adler32(data) & BIT_MASK
        mask_one, mask_two = 1 << (one & 7), 1 << (two & 7)
        if bits[one >> 3] & mask_one and bits[two >> 3] & mask_two:
            return self.repeat(key)
        bits[one >> 3] |= mask_one
        bits[two >> 3] |= mask_two
        return 0

    def repeat(self, key: str) -> int:
        """The ordinal of a key the bit set may have seen."""
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        return count


def identity(suite: str, classname: str, name: str) -> str:
    """``suite::class::name`` as it goes into a key (a ``::`` inside a part written ``: :``)."""
    joined = f"{suite}::{classname}::{name}"
    if joined.count("::") != 2:
        joined = f"{key_part(suite)}::{key_part(classname)}::{key_part(name)}"
    return joined


def suite_path(parts: tuple[str, ...]) -> str:
    """Nested suite names (TestNG suite and test, xUnit.net assembly and collection…) as the one
    suite part of a key."""
    return "/".join(p for p in parts if p) if len(parts) != 1 else parts[0]


class Keys:
    """``result_key(path, suite, class, name, ordinal=n)`` for one file, the path resolved once.

    Every reader builds its keys here (JUnit inline, to the same effect), so that
    ``--test-per class|suite`` can read the suite and class back from any of them.
    """

    def __init__(self, path: Path) -> None:
        self.prefix = key_path(path)
        self.ordinals = Ordinals()

    def key(self, suite: str, classname: str, name: str) -> str:
        ident = identity(suite, classname, name)
        return f"{self.prefix}::{ident}::{self.ordinals.next(ident)}"


# -- durations and output ----------------------------------------------------------------------


def checked_seconds(value: object, where: str, what: str = "duration") -> float | None:
    """``value`` as seconds, or ``None``: absent, or (with a warning naming ``what``, the field)
    not a finite non-negative number, or over 7 days."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if 0 <= seconds <= MAX_SECONDS:
        return seconds
    why = "over 7 days" if seconds > MAX_SECONDS else "not a number of seconds"
    log.warning("%s: ignoring %s=%r (%s)", where, what, value, why)
    return None


def cap_output(text: str | None) -> str | None:
    """``text`` cut at :data:`MAX_OUTPUT` characters with a note saying how much was cut."""
    if text and len(text) > MAX_OUTPUT:
        return f"{text[:MAX_OUTPUT]}\n[... {len(text) - MAX_OUTPUT} more characters cut]"
    return text


def output_files(name: str, texts: dict[str, str]) -> list[Attachment]:
    """``<name>-<label>.txt`` attachments of the non-empty texts (``attach_output=True``)."""
    stem = UNSAFE_IN_FILENAME.sub("_", name)[:150]
    return [
        Attachment(f"{stem}-{label}.txt", text.encode())
        for label, text in texts.items()
        if text.strip()
    ]


# -- results -----------------------------------------------------------------------------------


_PLAIN_FIELDS = (
    *("name", "status", "duration", "output", "steps", "attachments", "custom_fields"),
    *("version", "test_id", "instance_id", "key"),
)
FAST = tuple(f.name for f in attrs.fields(RunResult)) == _PLAIN_FIELDS
"""RunResult's converters and checks cost as much as the rest of a case; a plain result (no
attachments, fields or test id, a name already checked) is built directly from values in their
final form, as long as RunResult has exactly the fields listed here (else use the constructor)."""
_new = object.__new__


def slot_setter(cls: type, field: str) -> Callable[[Any, object], None]:
    """The slot's own setter (a frozen class's ``__setattr__`` refuses), bound once: a third
    faster than ``object.__setattr__``, which looks the name up on every call."""
    descriptor: Any = cls.__dict__.get(field)
    if not hasattr(descriptor, "__set__"):  # not a slot (the caller's FAST check is False)
        return lambda made, value: object.__setattr__(made, field, value)
    setter: Callable[[Any, object], None] = descriptor.__set__
    return setter


_name, _status, _duration, _output, _steps, _attachments, _custom_fields = (
    slot_setter(RunResult, field) for field in _PLAIN_FIELDS[:7]
)
_version, _test_id, _instance_id, _key = (slot_setter(RunResult, f) for f in _PLAIN_FIELDS[7:])


def _plain_by_setters(
    name: str,
    status: Status,
    duration: dt.timedelta | None,
    output: str | None,
    key: str,
    steps: tuple[StepResult, ...] = (),
) -> RunResult:
    result: RunResult = _new(RunResult)
    _name(result, name)
    _status(result, status)
    _duration(result, duration)
    _output(result, output)
    _steps(result, steps)
    _attachments(result, ())
    _custom_fields(result, {})
    _version(result, None)
    _test_id(result, None)
    _instance_id(result, None)
    _key(result, key)
    return result


class _Unfrozen(RunResult):
    """A RunResult whose slots take plain attribute stores: the frozen class's ``__setattr__``
    and ``__delattr__`` (attrs' guards) are object's again, so the interpreter stores straight
    into the slots instead of calling a setter per field. It adds no slot, so a result built
    as one becomes a RunResult by ``__class__`` assignment (same layout); none outlives
    :func:`plain_result`."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


class _Slots(Protocol):
    """The fields :func:`plain_result` writes, as the type checker sees an ``_Unfrozen``."""

    name: str
    status: Status
    duration: dt.timedelta | None
    output: str | None
    steps: tuple[StepResult, ...]
    attachments: tuple[object, ...]
    custom_fields: dict[int, str | list[str]]
    version: str | None
    test_id: int | None
    instance_id: int | None
    key: str | None


_become = object.__setattr__


def _plain_by_stores(
    name: str,
    status: Status,
    duration: dt.timedelta | None,
    output: str | None,
    key: str,
    steps: tuple[StepResult, ...] = (),
) -> RunResult:
    result = cast(_Slots, _new(_Unfrozen))
    result.name = name
    result.status = status
    result.duration = duration
    result.output = output
    result.steps = steps
    result.attachments = ()
    result.custom_fields = {}
    result.version = None
    result.test_id = None
    result.instance_id = None
    result.key = key
    _become(result, "__class__", RunResult)
    return cast(RunResult, result)


def _stores_work() -> bool:
    """Whether :func:`_plain_by_stores` gives exactly what the constructor gives (checked once:
    a RunResult that changed its fields or layout falls back to the setters)."""
    if not FAST:
        return False
    try:
        made = _plain_by_stores("n", Status.FAILED, dt.timedelta(seconds=1), "out", "k")
    except (AttributeError, TypeError):
        return False
    expected = RunResult(
        "n", Status.FAILED, duration=dt.timedelta(seconds=1), output="out", key="k"
    )
    return type(made) is RunResult and made == expected


plain_result = _plain_by_stores if _stores_work() else _plain_by_setters
"""A :class:`RunResult` without attachments, fields or ids, from values in their final form
(the readers' hot path; only when :data:`FAST`; ``steps``, when given, must already agree with
the status as ``RunResult`` checks it, see ``_shape.fit_steps``): built as an ``_Unfrozen``
with plain stores and then made a RunResult, half the cost of a setter call per slot (0.33
against 0.65 us), or by the setters where that does not give the constructor's result."""
