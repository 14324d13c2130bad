"""Which format a report file is in, told from its content (never from its extension alone).

:func:`head_of` reads the first bytes of a file into a :class:`Head`: for XML the root element
(expat over a prefix, so a file of any size costs one small read), for JSON the top-level type and
the keys the prefix shows (a small tokenizer that stops at the first nested value it cannot
finish, so it is safe on a file of any size). Each reader module's ``sniff(head)`` says whether
the file is its format; :data:`READERS` lists the modules, imported by name so that a format whose
module is not installed is simply absent.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import cast
from xml.parsers import expat

from ._base import Head, PathArg, ReaderModule, ReportError

__all__ = ["READERS", "REFUSED", "detect_format", "head_of", "reader", "readers"]

READERS = ("junit", "testng", "nunit", "xunit", "trx", "robot", "cucumber", "ctrf", "xray_json")
"""Reader modules of this package, in the order they are asked (the first ``sniff`` wins)."""

PREFIX = 64 * 1024
"""How much of a file detection reads."""

REFUSED = (
    "refused: the file declares entities (DTD), which could expand without bound or read local "
    "files"
)
"""Why a file that declares entities (billion laughs, XXE) is not read (defusedxml's policy)."""

_registry: dict[str, ReaderModule] | None = None


def readers() -> Mapping[str, ReaderModule]:
    """The reader modules present, by their ``NAME``: ``{"junit": <module>, ...}``."""
    global _registry
    if _registry is None:
        found: dict[str, ReaderModule] = {}
        for module_name in READERS:
            module = _import(module_name)
            if module is not None:
                found[module.NAME] = cast(ReaderModule, module)
        _registry = found
    return _registry


def _import(module_name: str) -> ModuleType | None:
    qualified = f"{__package__}.{module_name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:  # not written (or not merged) yet: the format is absent
            return None
        raise


def reader(name: str) -> ReaderModule:
    """The reader for ``--format NAME``; :class:`ValueError` naming the known ones otherwise."""
    known = readers()
    try:
        return known[name]
    except KeyError:
        raise ValueError(
            f"unknown report format {name!r} (known: {', '.join(sorted(known))})"
        ) from None


def detect_format(path: PathArg) -> str:
    """The ``NAME`` of the reader for the file at ``path``.

    Raises :class:`ReportError` when the file cannot be read or is in no known format, naming
    what its root was (``<assemblies>``, a JSON object with keys …).
    """
    head = head_of(path)
    for name, module in readers().items():
        if module.sniff(head):
            return name
    raise ReportError(path, f"not a report in a known format: {describe(head)}")


def describe(head: Head) -> str:
    """What detection saw, for a person."""
    if head.kind == "xml":
        ns = f" (namespace {head.namespace})" if head.namespace else ""
        return f"XML whose root element is <{head.root}>{ns}"
    if head.kind == "json":
        keys = ", ".join(sorted(head.json_keys)[:10]) or "none seen"
        first = " (keys of its first element)" if head.json_type == "array" else ""
        return f"JSON {head.json_type} with keys {keys}{first}"
    return "neither XML nor JSON"


def head_of(path: PathArg) -> Head:
    """The :class:`Head` of the file at ``path`` (its first :data:`PREFIX` bytes)."""
    try:
        with open(path, "rb") as source:
            data = source.read(PREFIX)
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    stripped = data.lstrip()
    if stripped.startswith(b"<"):
        return _xml_head(path, data)
    if stripped[:1] in (b"{", b"["):
        return _json_head(stripped.decode("utf-8", errors="replace"))
    if not stripped:
        raise ReportError(path, "the file is empty")
    return Head(kind="unknown")


class _Root(Exception):
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs


class _Refused(Exception):
    pass


def _xml_head(path: PathArg, data: bytes) -> Head:
    parser = expat.ParserCreate(namespace_separator="\x1f")

    def start(tag: str, attrs: dict[str, str]) -> None:
        raise _Root(tag, attrs)

    def refuse(*_: object) -> None:
        raise _Refused  # before anything could be expanded (the root's attributes could)

    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    try:
        parser.Parse(data, False)
    except _Refused:
        line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        raise ReportError(path, REFUSED, line=line, column=column) from None
    except _Root as root:
        namespace, _, local = root.tag.rpartition("\x1f")
        if not local:
            return Head(kind="xml")
        attrs = {key.rpartition("\x1f")[2]: value for key, value in root.attrs.items()}
        return Head(kind="xml", root=local, namespace=namespace or None, root_attrs=attrs)
    except expat.ExpatError:
        pass
    return Head(kind="xml")


_DECODER = json.JSONDecoder()


def _json_head(text: str) -> Head:
    """Top-level type and keys from a prefix: each key is read, each value skipped with
    ``raw_decode`` (a value cut by the prefix ends the look)."""
    kind = "object" if text[0] == "{" else "array"
    position = 1
    if kind == "array":
        position = _skip_space(text, position)
        if position >= len(text) or text[position] != "{":
            return Head(kind="json", json_type="array")
        position += 1
    keys: set[str] = set()
    while True:
        position = _skip_space(text, position)
        if position >= len(text) or text[position] != '"':
            break
        try:
            key, position = _DECODER.raw_decode(text, position)
            position = _skip_space(text, position)
            if text[position : position + 1] != ":":
                break
            keys.add(str(key))
            position = _skip_value(text, _skip_space(text, position + 1))
        except (ValueError, IndexError):
            break
        position = _skip_space(text, position)
        if text[position : position + 1] != ",":
            break
        position += 1
    return Head(
        kind="json", json_type="object" if kind == "object" else "array", json_keys=frozenset(keys)
    )


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _skip_value(text: str, position: int) -> int:
    """The position after the JSON value at ``position``; ``ValueError`` if the prefix cuts it."""
    return int(_DECODER.raw_decode(text, position)[1])


def sniff_path(path: PathArg) -> tuple[str, Head]:
    """(format name, head) — for callers that want both."""
    head = head_of(path)
    for name, module in readers().items():
        if module.sniff(head):
            return name, head
    raise ReportError(Path(path), f"not a report in a known format: {describe(head)}")
