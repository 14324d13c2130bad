"""JUnit XML reports in, :class:`RunResult`s out, streamed so a file of any size fits in memory.

:func:`iter_results` reads report files one test case at a time (``defusedxml`` ``iterparse``;
each case is dropped once turned into a result), so memory is bounded by the largest test case
(plus a fixed 4 MiB to number repeated names), not by the file. It reads the shapes CI
produces: ``<testsuites>`` or a bare ``<testsuite>``, nested suites, pytest (xunit1 and xunit2),
Maven Surefire and Gradle (one file per class, with Surefire's flaky and rerun entries),
jest-junit and gotestsum.

How a ``<testcase>`` becomes a result:

- **name**: ``name_template`` over ``{classname}``, ``{name}``, ``{file}`` (the case's ``file``
  attribute, else its suite's) and ``{suite}`` (the innermost suite's name). An empty field is
  dropped together with the separator that joins it to the previous field kept, so a case
  without a classname is just ``{name}``. A classname equal to the name (jest-junit's default)
  counts as empty.
- **status**: ``<failure>``, ``<error>`` or Surefire ``<rerunFailure>``/``<rerunError>`` ->
  FAILED; else ``<skipped>`` -> NO RUN (or no result at all with ``skipped="omit"``); else
  PASSED, also when Surefire recorded ``<flakyFailure>``/``<flakyError>`` (it passed on a rerun).
- **output**: for FAILED, each failure as ``[failure] type: message`` and its text, then the
  flaky attempts, then ``system-out``/``system-err`` (unless ``attach_output``); for NO RUN, the
  skip message; for PASSED, the flaky attempts if any, else nothing. An element that carries
  nothing (jest's bare ``<skipped/>``) adds nothing: the status says it all.
- **duration**: ``time`` in seconds; a value that is not a finite, non-negative number is
  ignored with a warning.
- **attachments**: with ``attach_output=True`` the case's ``system-out``/``system-err`` become
  ``<name>-stdout.txt``/``<name>-stderr.txt``. Files named in the case's texts as
  ``[[ATTACHMENT|path]]`` (the Jenkins convention; relative to the report) are attached when they
  lie inside the report file's own directory; others, and missing files, are skipped with a
  warning, so a report cannot make us upload ``/etc/passwd``.
- **properties** of the case: ``practitest-test-id`` -> ``test_id``;
  ``practitest-field-<N>`` -> custom field N (repeated -> a list).
- **key**: ``"<report path resolved>::<suite>::<classname>::<name>::<ordinal>"``; the ordinal is
  0 for the first case of that suite/classname/name in the file and distinct for each repeat, so
  uploading the same file again gives the same keys.

Errors are :class:`JUnitError` with the file, line and column (1-based, as editors count).
Malformed or truncated XML ends that file. A file that declares entities (billion laughs, XXE)
is refused before anything is expanded or read. A case that cannot become a result (bad test
id, no name) is reported on its own and the file goes on.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import math
import os
import re
import string
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers.expat import ErrorString

import attrs
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from .batch.results import Attachment, RunResult, Status
from .errors import PractiTestError
from .reports._base import key_path

__all__ = ["JUnitError", "expand_paths", "iter_results"]

log = logging.getLogger(__name__)

PathArg = str | os.PathLike[str]
SkippedMode = Literal["no-run", "omit"]
CustomFields = dict[int | str, str | list[str]]  # keyed as RunResult takes them

REFUSED = (
    "refused: the file declares entities (DTD), which could expand without bound or read local "
    "files"
)
_FIELDS = frozenset({"classname", "name", "file", "suite"})
_ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|([^\]\r\n]+)\]\]")
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_GLOB_MAGIC = re.compile(r"[*?[]")
# Children of <testcase> that make it FAILED, or (Surefire) that it passed on a rerun, by label.
_FAILED = {
    "failure": "failure",
    "error": "error",
    "rerunFailure": "rerun failure",
    "rerunError": "rerun error",
}
_FLAKY = {"flakyFailure": "flaky failure", "flakyError": "flaky error"}
_FORMATTER = string.Formatter()
_FOUR_WORDS = struct.Struct("<4I")


class JUnitError(PractiTestError):
    """A report file that could not be read, or a test case in it that could not be used.

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
        return (_rebuild_error, (self.path, self.message, self.line, self.column))


def _rebuild_error(path: Path, message: str, line: int | None, column: int | None) -> JUnitError:
    return JUnitError(path, message, line=line, column=column)


# -- which files ---------------------------------------------------------------------------------


def expand_paths(paths: Iterable[PathArg] | PathArg) -> list[Path]:
    """Report files named by ``paths``: files as given, directories as every ``*.xml`` below
    them (sorted), glob patterns (``**`` included) as their matches (sorted). A path that does
    not exist is kept, so that reading it reports the error; duplicates are dropped.
    """
    found: list[Path] = []
    seen: set[str] = set()
    for raw in _as_list(paths):
        for path in _expand_one(raw):
            if (marker := os.path.abspath(path)) not in seen:
                seen.add(marker)
                found.append(path)
    return found


def _as_list(paths: Iterable[PathArg] | PathArg) -> list[PathArg]:
    # A lone string is iterable too, but means one path, not one path per character.
    return [paths] if isinstance(paths, str | os.PathLike) else list(paths)


def _expand_one(raw: PathArg) -> list[Path]:
    path = Path(raw)
    if path.is_dir():
        return _xml_files_below(path)
    if path.exists() or not _GLOB_MAGIC.search(os.fspath(raw)):
        return [path]
    matches: list[Path] = []
    for match in sorted(glob.glob(os.fspath(raw), recursive=True)):
        matches.extend(_xml_files_below(Path(match)) if os.path.isdir(match) else [Path(match)])
    return matches


def _xml_files_below(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix.lower() == ".xml" and p.is_file())


# -- options -------------------------------------------------------------------------------------


@attrs.frozen
class _NameTemplate:
    """``"{classname}.{name}"`` with empty fields dropped along with their separator."""

    prefix: str
    fields: tuple[tuple[str, str, str | None], ...]  # (field, format spec, conversion)
    separators: tuple[str, ...]  # the text after each field; the last one is the suffix

    @classmethod
    def parse(cls, template: str) -> _NameTemplate:
        texts, fields = [""], []
        for literal, field, spec, conversion in string.Formatter().parse(template):
            texts[-1] += literal
            if field is None:
                continue
            if field not in _FIELDS:
                known = ", ".join("{" + f + "}" for f in sorted(_FIELDS))
                raise ValueError(f"name_template {template!r}: unknown field {{{field}}} ({known})")
            fields.append((field, spec or "", conversion))
            texts.append("")
        if not fields:
            raise ValueError(f"name_template {template!r} names no field, e.g. {{name}}")
        return cls(texts[0], tuple(fields), tuple(texts[1:]))

    def render(self, values: dict[str, str]) -> str:
        out, pending = [self.prefix], ""
        for (field, spec, conversion), after in zip(self.fields, self.separators, strict=True):
            value = values[field]
            if not value:
                continue
            if spec or conversion:
                value = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec)
            out += [pending, value]
            pending = after
        out.append(self.separators[-1])
        return "".join(out)


@attrs.frozen
class _Options:
    names: _NameTemplate
    skipped: SkippedMode
    attach_output: bool


# -- the public entry point ----------------------------------------------------------------------


def iter_results(
    paths: Iterable[PathArg] | PathArg,
    *,
    name_template: str = "{classname}.{name}",
    skipped: SkippedMode = "no-run",
    attach_output: bool = False,
    fail_fast: bool = False,
    errors: list[JUnitError] | None = None,
) -> Iterator[RunResult]:
    """Yield a :class:`RunResult` per test case in the JUnit XML reports at ``paths``.

    ``paths`` are files, directories (every ``*.xml`` below, sorted) or glob patterns; see
    :func:`expand_paths`. The mapping is described in this module's docstring.

    A problem (unreadable or malformed file, a directory or pattern with no report, a case that
    cannot become a result) raises :class:`JUnitError`, unless ``errors`` is a list: then it is
    appended there and reading goes on with the next case or file (``fail_fast=True`` raises
    anyway). Results yielded before a problem stand. ``name_template`` and ``skipped`` are
    checked at once, before any file is read.
    """
    if skipped not in ("no-run", "omit"):
        raise ValueError(f"skipped must be 'no-run' or 'omit', not {skipped!r}")
    options = _Options(_NameTemplate.parse(name_template), skipped, attach_output)

    def report(error: JUnitError) -> None:
        if errors is None or fail_fast:
            raise error
        errors.append(error)

    return _iter_files(_as_list(paths), options, report)


def _iter_files(
    raws: list[PathArg], options: _Options, report: Callable[[JUnitError], None]
) -> Iterator[RunResult]:
    seen: set[str] = set()
    for raw in raws:
        files = _expand_one(raw)
        if not files:
            report(JUnitError(raw, "no JUnit XML report found there"))
        for path in files:
            if (marker := os.path.abspath(path)) in seen:
                continue
            seen.add(marker)
            try:
                yield from _ReportReader(path, options, report).results()
            except JUnitError as error:
                report(error)


# -- one file ------------------------------------------------------------------------------------


class _PositionedTreeBuilder(TreeBuilder):
    """A TreeBuilder that notes where the root and each ``<testcase>`` start.

    Events reach us a buffer at a time, after the parser has moved on, so the place has to be
    read here, while the parser is still on the start tag.
    """

    def __init__(self) -> None:
        super().__init__()
        self.locator: object = None  # the expat parser, set once it exists
        self.root_place: tuple[int, int] | None = None
        self.places: dict[Element, tuple[int, int]] = {}  # of the open test cases

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        if self.root_place is None:
            self.root_place = _place(self.locator)
        if _local(tag) == "testcase":
            self.places[element] = _place(self.locator)
        return element


def _place(expat_parser: object) -> tuple[int, int]:
    line = getattr(expat_parser, "CurrentLineNumber", 0)
    column = getattr(expat_parser, "CurrentColumnNumber", 0)
    return int(line), int(column) + 1


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _CaseProblem(Exception):
    """A test case that cannot become a result; reported with the case's place."""


class _ReportReader:
    """Reads one report file, keeping only the open suites and the current test case."""

    def __init__(self, path: Path, options: _Options, report: Callable[[JUnitError], None]):
        self.path = path
        self.options = options
        self.report = report
        self.suites: list[tuple[str, str]] = []  # (name, file) of each open <testsuite>
        self.ordinals = _Ordinals()
        self.builder = _PositionedTreeBuilder()
        self.key_prefix = key_path(path)

    def error(self, message: str, place: tuple[int, int] | None) -> JUnitError:
        line, column = place if place else (None, None)
        return JUnitError(self.path, message, line=line, column=column)

    def results(self) -> Iterator[RunResult]:
        parser = DefusedXMLParser(
            target=self.builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
        self.builder.locator = parser.parser
        try:
            with self.path.open("rb") as source:
                yield from self._walk(iterparse(source, events=("start", "end"), parser=parser))
        except SyntaxError as exc:  # ParseError: malformed or truncated
            position = getattr(exc, "position", None)
            code = getattr(exc, "code", None)
            message = ErrorString(code) if isinstance(code, int) else str(exc)
            place = (position[0], position[1] + 1) if position else None
            raise self.error(message or str(exc), place) from None
        except DefusedXmlException:
            raise self.error(REFUSED, _place(parser.parser)) from None
        except OSError as exc:
            raise self.error(f"cannot read: {exc.strerror or exc}", None) from None

    def _walk(self, events: Iterator[tuple[str, Element]]) -> Iterator[RunResult]:
        open_elements: list[Element] = []
        cases_open = 0  # a case's children are kept until the case itself is done
        for event, element in events:
            tag = _local(element.tag)
            if event == "start":
                if not open_elements and tag not in ("testsuites", "testsuite"):
                    raise self.error(
                        f"not a JUnit report: the root element is <{tag}>, "
                        "expected <testsuites> or <testsuite>",
                        self.builder.root_place,
                    )
                open_elements.append(element)
                if tag == "testsuite":
                    self.suites.append((element.get("name", ""), element.get("file", "")))
                elif tag == "testcase":
                    cases_open += 1
                continue
            open_elements.pop()
            if tag == "testcase":
                cases_open -= 1
                place = self.builder.places.pop(element, None)
                if cases_open == 0 and (result := self._result(element, place)):
                    yield result
            elif tag == "testsuite":
                self.suites.pop()
            if open_elements and cases_open == 0:
                # Done with it: unhook it so the tree never holds more than one case.
                open_elements[-1].remove(element)

    def _result(self, case: Element, place: tuple[int, int] | None) -> RunResult | None:
        try:
            return _CaseReader(self, case, place).result()
        except _CaseProblem as problem:
            self.report(self.error(str(problem), place))
            return None


class _Ordinals:
    """0 for the first case of a key in a file, then a distinct, repeatable number per repeat.

    An exact count of every name would grow with the file; a fixed 4 MiB bit set (a Bloom
    filter with a stable hash) says which keys may have been seen, and only those are counted.
    A false "seen" gives a first case 1 instead of 0: still distinct, and the same every time
    the same file is read.
    """

    BITS = 1 << 25  # ~1.6e-4 false "seen" at a million distinct names, 3e-7 at 200,000

    def __init__(self) -> None:
        self.bits: bytearray | None = None  # allocated on the first case
        self.counts: dict[str, int] = {}

    def next(self, key: str) -> int:
        if self.bits is None:
            self.bits = bytearray(self.BITS // 8)
        bits, seen = self.bits, True
        # A stable hash: str's hash() changes per process, and the keys must not.
        for word in _FOUR_WORDS.unpack(hashlib.blake2b(key.encode(), digest_size=16).digest()):
            bit = word % self.BITS
            mask = 1 << (bit & 7)
            if not bits[bit >> 3] & mask:
                seen = False
                bits[bit >> 3] |= mask
        if not seen:
            return 0
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


# -- one test case -------------------------------------------------------------------------------


class _CaseReader:
    """Turns one ``<testcase>`` element (with its children) into a result."""

    def __init__(self, report: _ReportReader, case: Element, place: tuple[int, int] | None):
        self.report = report
        self.case = case
        self.place = place
        self.classname = case.get("classname", "")
        self.name = case.get("name", "")

    def result(self) -> RunResult | None:
        failed: list[str] = []
        flaky: list[str] = []
        skipped: list[str] = []
        out: list[str] = []
        err: list[str] = []
        test_id: int | None = None
        fields: CustomFields = {}
        for child in self.case:
            tag = _local(child.tag)
            if tag in _FAILED:
                failed.append(_section(_FAILED[tag], child))
            elif tag in _FLAKY:
                flaky.append(_section(_FLAKY[tag], child))
            elif tag == "skipped":
                skipped.append(_section("skipped", child))
            elif tag == "system-out":
                out.append(child.text or "")
            elif tag == "system-err":
                err.append(child.text or "")
            elif tag == "properties":
                test_id, fields = self._properties(child)
        if failed:
            status, sections = Status.FAILED, failed + flaky
        elif skipped:
            if self.report.options.skipped == "omit":
                return None
            status, sections = Status.NO_RUN, skipped
        else:
            status, sections = Status.PASSED, flaky
        name = self._name()
        stdout, stderr = "".join(out), "".join(err)  # several blocks: tools differ, keep all
        attachments = self._linked_files([*sections, stdout, stderr])
        if self.report.options.attach_output:
            attachments += _output_files(name, stdout, stderr)
        elif status is Status.FAILED:
            sections += [_block("system-out", stdout), _block("system-err", stderr)]
        try:
            return RunResult(
                name,
                status,
                duration=self._duration(),
                output="\n\n".join(s for s in sections if s) or None,
                attachments=attachments,
                custom_fields=fields,
                test_id=test_id,
                key=self._key(),
            )
        except ValueError as exc:
            raise _CaseProblem(f"test case {name!r}: {exc}") from None

    def _name(self) -> str:
        suite_name, suite_file = self.report.suites[-1] if self.report.suites else ("", "")
        values = {
            "classname": "" if self.classname == self.name else self.classname,
            "name": self.name,
            "file": self.case.get("file") or suite_file,
            "suite": suite_name,
        }
        name = self.report.options.names.render(values).strip()
        if not name:
            raise _CaseProblem("test case has no name (no name or classname attribute)")
        return name

    def _key(self) -> str:
        suite = self.report.suites[-1][0] if self.report.suites else ""
        key = f"{self.report.key_prefix}::{suite}::{self.classname}::{self.name}"
        return f"{key}::{self.report.ordinals.next(key)}"

    def _duration(self) -> float | None:
        text = self.case.get("time")
        if text is None or not text.strip():
            return None
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
        log.warning("%s: ignoring time=%r, which is not a number of seconds", self.where, text)
        return None

    def _properties(self, properties: Element) -> tuple[int | None, CustomFields]:
        test_id: int | None = None
        fields: CustomFields = {}
        for prop in properties:
            if _local(prop.tag) != "property":
                continue
            name = prop.get("name", "")
            value = prop.get("value")
            value = (prop.text or "") if value is None else value
            if name == "practitest-test-id":
                test_id = _positive_int(name, value)
            elif name.startswith("practitest-field-"):
                number = _positive_int(name, name.removeprefix("practitest-field-"))
                previous = fields.get(number)
                if previous is None:
                    fields[number] = value
                else:
                    fields[number] = [*_as_strings(previous), value]
        return test_id, fields

    @property
    def where(self) -> str:
        """``report.xml:12:5``, for warnings."""
        return ":".join([str(self.report.path), *(str(n) for n in self.place or ())])

    def _linked_files(self, texts: list[str]) -> list[Attachment]:
        matches = [m for text in texts if "[[" in text for m in _ATTACHMENT.finditer(text)]
        if not matches:
            return []
        directory = self.report.path.parent.resolve()
        attachments: list[Attachment] = []
        done: set[Path] = set()
        for match in matches:
            target = (directory / match[1].strip()).resolve()
            if target in done:
                continue
            done.add(target)
            if not target.is_relative_to(directory):
                log.warning(
                    "%s: not attaching %s: it lies outside the report's folder %s",
                    self.where,
                    match[1],
                    directory,
                )
                continue
            try:
                attachments.append(Attachment.from_path(target))
            except OSError as exc:
                log.warning("%s: not attaching %s: %s", self.where, match[1], exc.strerror)
        return attachments


def _section(label: str, element: Element) -> str:
    """``[failure] AssertionError: boom`` and the element's text (Surefire: its children's).

    Empty when the element says nothing (jest's bare ``<skipped/>``): the status says it all.
    """
    kind, message = element.get("type", ""), element.get("message", "")
    # Gradle repeats the type at the start of the message.
    head = (
        message if kind and message.startswith(kind) else ": ".join(filter(None, (kind, message)))
    )
    details = [_text(element.text)]
    for child in element:  # Surefire's flaky and rerun entries nest their details
        tag = _local(child.tag)
        if tag == "stackTrace":
            details.append(_text(child.text))
        elif tag in ("system-out", "system-err"):
            details.append(_block(f"{label} {tag}", child.text))
    if not head and not any(details):
        return ""
    return "\n".join(line for line in [f"[{label}] {head}".rstrip(), *details] if line)


def _block(label: str, text: str | None) -> str:
    return f"[{label}]\n{body}" if (body := _text(text)) else ""


def _text(text: str | None) -> str:
    """The text without the blank lines and indentation that pretty-printing puts around it."""
    return text.lstrip("\n").rstrip() if text and text.strip() else ""


def _output_files(name: str, stdout: str, stderr: str) -> list[Attachment]:
    stem = _UNSAFE_IN_FILENAME.sub("_", name)[:150]
    pairs = ((f"{stem}-stdout.txt", stdout), (f"{stem}-stderr.txt", stderr))
    return [Attachment(filename, text.encode()) for filename, text in pairs if text.strip()]


def _positive_int(what: str, text: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        number = 0
    if number <= 0:
        raise _CaseProblem(f"property {what}: expected a positive whole number, got {text!r}")
    return number


def _as_strings(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]
