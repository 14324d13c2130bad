"""What every report reader shares: its options, its error, and the shape of a reader.

A reader is a module of this package exposing ``NAME`` (the ``--format`` value), ``sniff(head)``
(does this file's :class:`Head` look like my format?) and ``read(path, options, report)`` (yield
a :class:`RunResult` per result, streaming: memory bounded by one case, not by the file).
Problems that do not end the file go to ``report``; ones that do are raised as
:class:`ReportError`. :mod:`practitest_async.reports.detect` holds the registry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal, Protocol

import attrs

from ..batch.results import RunResult, Status
from ..errors import PractiTestError

PathArg = str | os.PathLike[str]
SkippedMode = Literal["no-run", "omit"]
GroupBy = Literal["case", "class", "suite"]


class ReportError(PractiTestError):
    """A report file that could not be read, or a result in it that could not be used.

    ``str(error)`` reads ``"report.xml:12:5: mismatched tag"``; ``line`` and ``column`` are
    1-based and ``None`` when the problem has no place in the file (it cannot be opened).
    """

    def __init__(
        self, path: PathArg, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column
        where = [str(self.path)] + [str(n) for n in (line, column) if n is not None]
        super().__init__(f"{':'.join(where)}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self)._rebuild, (self.path, self.message, self.line, self.column))

    @classmethod
    def _rebuild(
        cls, path: Path, message: str, line: int | None, column: int | None
    ) -> ReportError:
        return cls(path, message, line=line, column=column)


Report = Callable[[ReportError], None]
"""Where a reader sends a problem that does not end the file (a case it cannot use)."""


@attrs.frozen(kw_only=True)
class ReaderOptions:
    """How results are built, the same for every format.

    ``status_map`` overrides the default mapping: raw status words of the format (lower-cased,
    e.g. ``"inconclusive"``, ``"notrun"``) to a :class:`Status`.
    """

    name_template: str = "{classname}.{name}"
    skipped: SkippedMode = "no-run"
    attach_output: bool = False
    status_map: Mapping[str, Status] = attrs.field(factory=dict)

    def status(self, raw: str, default: Status) -> Status:
        """``default`` unless the caller mapped ``raw`` (case-insensitive) to something else."""
        return self.status_map.get(raw.lower(), default)


@attrs.frozen(kw_only=True)
class Head:
    """What detection saw at the start of a file.

    For XML: ``root`` is the root element's local name (namespace stripped), ``namespace`` its
    namespace URI or ``None``, ``root_attrs`` its attributes. For JSON: ``json_type`` is
    ``"object"`` or ``"array"`` and ``json_keys`` the keys of the top-level object (of the first
    element, for an array), as far as the first bytes show them.
    """

    kind: Literal["xml", "json", "unknown"]
    root: str | None = None
    namespace: str | None = None
    root_attrs: Mapping[str, str] = attrs.field(factory=dict)
    json_type: Literal["object", "array"] | None = None
    json_keys: frozenset[str] = frozenset()


class ReaderModule(Protocol):
    """The module interface each reader exposes (see the module docstring)."""

    NAME: str

    def sniff(self, head: Head) -> bool: ...

    def read(self, path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]: ...


def key_path(path: PathArg) -> str:
    """The file part of a result's key: the resolved absolute path, so a key never depends on
    how the path was typed (``reports/x.xml``, ``./reports/x.xml``, ``/ci/reports/x.xml``)."""
    return Path(os.path.realpath(path)).as_posix()


def result_key(path: PathArg, *parts: str, ordinal: int) -> str:
    """A stable key for a result: file + suite path + name + ordinal, ``::``-joined.

    Call it as ``result_key(path, suite, class, name, ordinal=n)`` (``""`` for a part the format
    does not have): ``--test-per class|suite`` reads the suite and class back from the key. A
    ``::`` inside a part is written ``: :`` so that the parts can be told apart.
    """
    return "::".join((key_path(path), *map(key_part, parts), str(ordinal)))


def key_part(part: str) -> str:
    """``part`` as it goes into a key (``::`` inside it written ``: :``)."""
    return part.replace("::", ": :") if "::" in part else part
