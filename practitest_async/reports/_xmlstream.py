"""What the XML readers other than JUnit share (TestNG, NUnit, xUnit.net, TRX).

- :class:`XmlEvents`: ``start``/``end`` events of a file whose prolog ``defusedxml`` vetted
  (entity declarations refused), read by the C ``iterparse``; a malformed file, a refused one
  and an unreadable one all become a :class:`ReportError` with the line and column.
  :class:`XmlEventBatches` gives the same events a list per chunk read (NUnit), without
  ``iterparse``'s two Python generator steps per event.
- :class:`CaseBuilder`: the steps every reader takes to turn what it read into a ``RunResult``:
  the name (``name_template``, a made-up one with a warning when the case has none), the status
  (through ``options.status``), the duration (dropped with a warning past 7 days), the output
  or the stdout/stderr attachments, and the key.

Warnings go to the ``practitest_async.reports`` logger: they never stop a file.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from xml.etree import ElementTree
from xml.etree.ElementTree import Element
from xml.parsers import expat
from xml.parsers.expat import ErrorString
from zlib import adler32, crc32

import attrs
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..batch.results import Attachment, RunResult, Status
from ._base import ReaderOptions, ReportError, key_part, key_path
from ._common import (
    BIT_MASK,
    BITS,
    FAST,
    NameTemplate,
    Ordinals,
    cap_output,
    checked_seconds,
    identity,
    output_files,
    plain_result,
    suite_path,
    unnamed,
)
from .detect import REFUSED

log = logging.getLogger("practitest_async.reports")


def text(value: str | None) -> str:
    """Text without the blank lines and indentation pretty-printing puts around it."""
    return value.strip() if value and not value.isspace() else ""


def sections(*parts: str) -> str | None:
    """Non-empty parts joined by a blank line, or ``None``."""
    return "\n\n".join(p for p in parts if p) or None


def block(label: str, value: str | None) -> str:
    """``[label]`` over the text, or nothing when there is no text."""
    body = text(value)
    return f"[{label}]\n{body}" if body else ""


# -- events --------------------------------------------------------------------------------------


class _PrologDone(Exception):
    """The root element has started: everything that could declare an entity is behind us."""


class _PrologTarget:
    def start(self, tag: str, attrs: dict[str, str]) -> None:
        raise _PrologDone

    def end(self, tag: str) -> None: ...

    def data(self, data: str) -> None: ...

    def close(self) -> None: ...


class XmlEvents:
    """``with XmlEvents(path) as events:`` iterates ``(event, element)`` for start and end.

    Safety comes from ``defusedxml``: its parser reads the prolog (all that comes before the
    root element, the only place a DTD can declare entities) and refuses entity declarations
    and external references. The body is then read by the standard library's C ``iterparse``,
    which is faster than the pure-Python parser defusedxml builds on, and which cannot meet
    an entity the prolog did not declare (an undeclared one is an error).

    Errors (malformed, truncated, entity declarations, unreadable) leave the ``with`` block as
    :class:`ReportError` naming the file, line and column.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None

    def __enter__(self) -> Iterator[tuple[str, Element]]:
        return ElementTree.iterparse(self._open(), events=("start", "end"))

    def _open(self) -> BinaryIO:
        try:
            self._file = self.path.open("rb")
            self._check_prolog(self._file)
            self._file.seek(0)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self._file

    def _check_prolog(self, source: BinaryIO) -> None:
        """Refuse entity declarations before the root element (see the class docstring)."""
        parser = DefusedXMLParser(
            target=_PrologTarget(), forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
        try:
            while chunk := source.read(1 << 16):
                parser.feed(chunk)
            parser.close()  # an empty or rootless file: the parser says what is wrong
        except _PrologDone:
            return
        except DefusedXmlException:
            expat = parser.parser
            line, column = int(expat.CurrentLineNumber), int(expat.CurrentColumnNumber) + 1
            raise ReportError(self.path, REFUSED, line=line, column=column) from None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()
        if isinstance(exc, SyntaxError) and not isinstance(exc, ReportError):
            position = getattr(exc, "position", None)
            code = getattr(exc, "code", None)
            message = (ErrorString(code) if isinstance(code, int) else "") or str(exc)
            if position:
                raise ReportError(
                    self.path, message, line=position[0], column=position[1] + 1
                ) from None
            raise ReportError(self.path, message) from None
        if isinstance(exc, OSError):
            raise ReportError(self.path, f"cannot read: {exc.strerror or exc}") from None


class XmlEventBatches(XmlEvents):
    """``with XmlEventBatches(path) as batches:`` the same events as :class:`XmlEvents`, a list
    of them per chunk read: the C parser appends them to the list itself, which saves the two
    Python generators ``iterparse`` runs per event. The list is reused: read it before asking
    for the next. The events before a parse error come first, then the error, as with
    ``iterparse``."""

    def __enter__(self) -> Iterator[list[tuple[str, Element]]]:  # type: ignore[override]
        return self._batches(self._open())

    @staticmethod
    def _batches(source: BinaryIO) -> Iterator[list[tuple[str, Element]]]:
        parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder())
        events: list[tuple[str, Element]] = []
        # as XMLPullParser does, but to a list (typeshed leaves the method out)
        parser._setevents(events, ("start", "end"))  # type: ignore[attr-defined]
        while chunk := source.read(1 << 16):
            try:
                parser.feed(chunk)
            except SyntaxError:
                yield events  # what precedes the error
                raise
            yield events
            events.clear()
        parser.close()  # a file cut short raises here, before any event close() made
        yield events


def check_xml(path: Path, start: StartHandler | None = None) -> None:
    """Raise :class:`ReportError` with line and column unless ``path`` is well-formed XML
    through to its end: one pass of expat with no callbacks (a fraction of the read's cost).

    ``start(local_name, attrs)``, when given, sees every start tag on the way (namespaces
    resolved), for a reader that needs a first pass anyway (TRX's class index): one pass then
    does both, and the file's entity declarations are refused instead of left to the reader.
    """
    parser = expat.ParserCreate(namespace_separator=" " if start else None)
    parser.EntityDeclHandler = _stop  # the reader refuses those, with its own message
    if start is not None:
        parser.StartElementHandler = lambda tag, attrs: start(tag.rpartition(" ")[2], attrs)

        def refuse(*_: object) -> None:
            line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
            raise ReportError(path, REFUSED, line=line, column=column)

        parser.EntityDeclHandler = refuse
        parser.UnparsedEntityDeclHandler = refuse
        parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        with path.open("rb") as source:
            while chunk := source.read(1 << 16):  # larger chunks are no faster
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        return
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code]
        cut = " (the file is cut short)" if exc.code in _CUT_SHORT else ""
        raise ReportError(path, message + cut, line=exc.lineno, column=exc.offset + 1) from None
    except OSError as exc:
        raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None


StartHandler = Callable[[str, dict[str, str]], None]
_CUT_SHORT = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)


class _Stop(Exception):
    pass


def _stop(*_: object) -> None:
    raise _Stop


def wrong_root(path: Path, root: str, expected: str) -> ReportError:
    """A file forced (``--format``) on a reader whose format it is not in."""
    return ReportError(path, f"the root element is <{root}>, expected {expected}")


# -- names ---------------------------------------------------------------------------------------


def short_name(name: str, classname: str) -> str:
    """``name`` without a leading ``classname.`` (xUnit.net and TRX write qualified names)."""
    if classname and name.startswith(classname + "."):
        return name[len(classname) + 1 :]
    return name


def dotnet_class(value: str) -> str:
    """``Ns.Class`` from an assembly-qualified ``Ns.Class, Assembly, Version=...``."""
    return value.partition(",")[0].strip()


# -- results -------------------------------------------------------------------------------------


@attrs.define
class Case:
    """What a reader gathered for one result, before it becomes a :class:`RunResult`."""

    name: str
    classname: str = ""
    suite: str = ""
    file: str = ""
    status: Status = Status.PASSED
    output: str | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float | None = None
    key_parts: tuple[str, ...] = ()
    key_name: str | None = None  # the name part of its key, when not ``name`` (TRX data rows)
    test_id: int | None = None
    fields: dict[int | str, str | list[str]] = attrs.field(factory=dict)


def practitest_properties(
    pairs: Iterable[tuple[str, str]],
) -> tuple[int | None, dict[int | str, str | list[str]]]:
    """``practitest-test-id`` and ``practitest-field-<N>`` among a case's name/value pairs
    (NUnit properties, xUnit.net traits), as the JUnit reader reads them; :class:`ValueError`
    for a value that is not a positive whole number where one is needed."""
    test_id: int | None = None
    fields: dict[int | str, str | list[str]] = {}
    for name, value in pairs:
        test_id = practitest_property(name, value, fields) or test_id
    return test_id, fields


def practitest_property(
    name: str, value: str, fields: dict[int | str, str | list[str]]
) -> int | None:
    """One name/value pair of :func:`practitest_properties`: the test id of a
    ``practitest-test-id``, else None, a ``practitest-field-<N>`` added to ``fields`` (a
    field named twice becomes a list); :class:`ValueError` for a value that is not a positive
    whole number where one is needed."""
    if name == "practitest-test-id":
        return _positive_int(name, value)
    if name.startswith("practitest-field-"):
        number = _positive_int(name, name.removeprefix("practitest-field-"))
        previous = fields.get(number)
        if previous is None:
            fields[number] = value
        else:
            fields[number] = [*(previous if isinstance(previous, list) else [previous]), value]
    return None


def _positive_int(what: str, text: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"property {what}: expected a positive whole number, got {text!r}")
    return number


class CaseBuilder:
    """Turns :class:`Case` records of one file into results (one per file read).

    Keys follow ``result_key(path, suite, class, name, ordinal=n)``: a case's ``key_parts`` (the
    nested scopes it sits in) become the one suite part, joined by ``/``.
    """

    def __init__(self, path: Path, options: ReaderOptions) -> None:
        self.path = path
        self.options = options
        self.names = NameTemplate.parse(options.name_template)
        self.ordinals = Ordinals()
        self.key_path = key_path(path)
        self.omit_skipped = options.skipped == "omit"
        self.plain = self.names.class_dot_name == "."
        self.mapped = bool(options.status_map)
        self.shortcut = False  # may plain passes take the short path? (see passed_word)
        self._prefixes: dict[tuple[str, ...], str] = {}
        self._parts: tuple[str, ...] | None = None  # the scope and class of the last key...
        self._class = ""
        self._head = ""  # ...and its start, "file::suite::class::"...
        self._crc = self._adler = 0  # ...and that start's checksums

    def status(self, raw: str, default: Status) -> Status:
        """``default``, unless ``status_map`` (``--status-map``) maps ``raw`` elsewhere."""
        return self.options.status(raw, default) if self.mapped else default

    def passed_word(self, raw: str) -> None:
        """The format's raw word for a plain pass (``passed``, ``pass``...), for :meth:`passed`."""
        mapped = self.status(raw, Status.PASSED)
        self.shortcut = self.plain and mapped is Status.PASSED

    def prefix(self, parts: tuple[str, ...]) -> str:
        """The start of the keys of a scope: the file and the suite part, ``::``-joined."""
        found = self._prefixes.get(parts)
        if found is None:
            if len(self._prefixes) > 1024:
                self._prefixes.clear()
            suite = identity(suite_path(parts), "", "")[:-4]  # escaped like the other parts
            found = self._prefixes[parts] = f"{self.key_path}::{suite}"
        return found

    def key(self, parts: tuple[str, ...], classname: str, name: str) -> str:
        """The result's key: file, suite, class, name and ordinal (once per case: the
        file/suite/class head, and its checksums, are kept while cases of one class follow each
        other, so only the name is checksummed: zlib resumes from the head's values)."""
        if classname != self._class or parts != self._parts:
            cls = key_part(classname)  # a "::" inside a part is written ": :"
            self._head = f"{self.prefix(parts)}::{cls}::"
            self._parts, self._class = parts, classname
            data = self._head.encode()
            self._crc, self._adler = crc32(data), adler32(data)
        if "::" in name:
            name = key_part(name)
        ordinals = self.ordinals
        bits = ordinals.bits
        if bits is None:
            bits = ordinals.bits = bytearray(BITS >> 3)
        data = name.encode()  # Ordinals.next, inline: this runs once per case
        one = crc32(data, self._crc) & BIT_MASK
        two = adler32(data, self._adler) & BIT_MASK
        mask_one, mask_two = 1 << (one & 7), 1 << (two & 7)
        if bits[one >> 3] & mask_one and bits[two >> 3] & mask_two:
            return f"{self._head}{name}::{ordinals.repeat(self._head + name)}"
        bits[one >> 3] |= mask_one
        bits[two >> 3] |= mask_two
        return f"{self._head}{name}::0"

    def passed(
        self,
        name: str,
        classname: str,
        parts: tuple[str, ...],
        seconds: float | None,
        key_name: str | None = None,
    ) -> RunResult | None:
        """A case with nothing to report but that it passed (most cases), made without the
        general path's steps but with the same name, key and duration it would give; ``None``
        when the shortcut does not apply (a template, a status map, no name): the caller then
        takes the general path. ``key_name`` (default: ``name``) is the name part of its key."""
        if not self.shortcut or not name or name.isspace():
            return None
        title = f"{classname}.{name}" if classname and classname != name else name
        duration = None
        if seconds is not None:
            duration = _DURATIONS.get(seconds)
            if duration is None:
                duration = self._timedelta(seconds, title)
        key = self.key(parts, classname, name if key_name is None else key_name)
        result = plain_result(title, Status.PASSED, duration, None, key)
        return result

    def result(self, case: Case, position: object) -> RunResult | None:
        """The result, or ``None`` for a NO RUN case when skipped results are omitted.

        ``position`` (e.g. the case's number in its suite) names a nameless case.
        """
        if case.status is Status.NO_RUN and self.omit_skipped:
            return None
        classname = "" if case.classname == case.name else case.classname
        if not case.name.strip():
            name = ""
        elif self.plain:  # the default template, without the generic renderer's cost
            name = f"{classname}.{case.name}" if classname else case.name
        else:
            values = {
                "classname": classname,
                "name": case.name,
                "file": case.file,
                "suite": case.suite,
            }
            name = self.names.render(values)
        if not name:
            owner = case.classname or case.suite or self.path.name
            name = unnamed(str(self.path), owner, position)
        output = case.output or None
        attachments: list[Attachment] = []
        if not (case.stdout or case.stderr):
            pass
        elif self.options.attach_output:
            attachments = output_files(name, {"stdout": case.stdout, "stderr": case.stderr})
        else:
            output = sections(
                output or "", block("stdout", case.stdout), block("stderr", case.stderr)
            )
        output = cap_output(output)
        seconds = case.seconds
        duration = None
        if seconds is not None:
            duration = _DURATIONS.get(seconds)
            if duration is None:
                duration = self._timedelta(seconds, name)
        key_name = case.name if case.key_name is None else case.key_name
        key = self.key(case.key_parts, case.classname, key_name)
        if attachments or case.test_id or case.fields or not FAST:
            return RunResult(
                name,
                case.status,
                duration=duration,
                output=output,
                attachments=attachments,
                custom_fields=case.fields,
                test_id=case.test_id,
                key=key,
            )
        return plain_result(name, case.status, duration, output, key)

    def _timedelta(self, seconds: float, name: str) -> dt.timedelta | None:
        checked = checked_seconds(seconds, f"{self.path}: {name}")
        if checked is None:
            return None
        duration = dt.timedelta(seconds=checked)
        if len(_DURATIONS) < 4096:  # the same few values recur: 0, 0.001, 0.012...
            _DURATIONS[checked] = duration
        return duration


_DURATIONS: dict[float, dt.timedelta] = {}


def seconds(value: str | None, scale: float = 1.0) -> float | None:
    """A number of seconds (``scale`` converts e.g. milliseconds), ``None`` if absent or junk."""
    if not value:
        return None
    try:
        return float(value) * scale
    except ValueError:
        return math.nan
