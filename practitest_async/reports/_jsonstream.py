"""JSON reports read incrementally, so memory follows one test (or one feature), not the file.

:func:`events` yields ijson's ``(prefix, event, value)`` triples; :func:`build` turns the
events of one value into Python data. Malformed JSON raises :class:`ReportError` naming the
line and column (found again with the standard library for files up to 64 MiB) or, for larger
files, the byte offset where the parser stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from ._base import ReportError

Event = tuple[str, str, Any]

BOM = b"\xef\xbb\xbf"
EXACT_POSITION_UP_TO = 64 * 1024 * 1024
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


class _CountingReader:
    """A binary file that counts what the parser took and drops a UTF-8 byte order mark."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0
        self.first = True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.consumed += len(data)
        if self.first and data:  # ijson first reads 0 bytes to see whether the file is binary
            self.first = False
            data = data.removeprefix(BOM)
        return data


def events(path: Path) -> Iterator[Event]:
    """Every parse event of the file at ``path``; :class:`ReportError` when it is not JSON."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None
    with source:
        reader = _CountingReader(source)
        parsed = ijson.parse(reader, use_float=True)
        while True:
            try:
                event = next(parsed)
            except StopIteration:
                return
            except ijson.JSONError as exc:
                raise syntax_error(path, str(exc), reader.consumed) from None
            except UnicodeDecodeError as exc:
                raise ReportError(path, f"not UTF-8 text: {exc.reason}") from None
            except OSError as exc:
                raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None
            yield event


def syntax_error(path: Path, message: str, consumed: int) -> ReportError:
    """Where the JSON at ``path`` breaks: line and column when the file is small enough to find
    them again, else the byte offset the parser had reached."""
    first_line = message.strip().splitlines()[0] if message.strip() else "malformed JSON"
    try:
        size = os.path.getsize(path)
    except OSError:
        size = EXACT_POSITION_UP_TO + 1
    if size == 0:
        return ReportError(path, "empty file: no JSON in it")
    if size <= EXACT_POSITION_UP_TO:
        try:
            json.loads(path.read_bytes().decode("utf-8-sig"))
        except json.JSONDecodeError as exc:
            return ReportError(
                path, f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno
            )
        except UnicodeDecodeError as exc:
            return ReportError(path, f"not UTF-8 text at byte {exc.start}: {exc.reason}")
        except (OSError, ValueError, RecursionError):
            pass
    return ReportError(path, f"malformed JSON near byte {consumed}: {first_line}")


def build(first: Event, rest: Iterator[Event]) -> Any:
    """The value whose first event is ``first``, consuming its remaining events from ``rest``."""
    builder = ijson.ObjectBuilder()
    _, event, value = first
    builder.event(event, value)
    if event not in _STARTS:
        return builder.value
    depth = 1
    for _, event, value in rest:
        builder.event(event, value)
        if event in _STARTS:
            depth += 1
        elif event in _ENDS:
            depth -= 1
            if depth == 0:
                break
    return builder.value


def skip(first: Event, rest: Iterator[Event]) -> None:
    """Consume the value whose first event is ``first`` without building it."""
    if first[1] not in _STARTS:
        return
    depth = 1
    for _, event, _value in rest:
        if event in _STARTS:
            depth += 1
        elif event in _ENDS:
            depth -= 1
            if depth == 0:
                return


# -- reading fields of JSON data without trusting their types --------------------------------


def text(obj: Any, *keys: str) -> str:
    """The first of ``keys`` in ``obj`` holding a string or number, as text ("" if none)."""
    if not isinstance(obj, dict):
        return ""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return ""


def items(obj: Any, key: str) -> list[Any]:
    """``obj[key]`` when it is a list, else an empty list."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []
