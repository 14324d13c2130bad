"""JUnit XML reports in, :class:`RunResult`s out, streamed so a file of any size fits in memory.

The reader drives expat directly (the parser ``defusedxml`` itself wraps), with defusedxml's
policy: a file that declares entities (billion laughs, XXE) or refers to external ones is refused
before anything is expanded. Only the open suites, the current test case and (for a suite that has
a failure) that suite's results are held, so memory is bounded by the largest test case, not by
the file. It reads every shape in the project's JUnit corpus: ``<testsuites>`` or a bare
``<testsuite>``, nested suites, pytest (xunit1 and xunit2), Maven Surefire and Gradle (with
Surefire's flaky and rerun entries), Ant, jest-junit, mocha, gotestsum, go-junit-report, Bazel,
GoogleTest, tst, PHPUnit 3 and 11, Playwright, .NET loggers and more.

How a ``<testcase>`` becomes a result:

- **name**: ``name_template`` over ``{classname}``, ``{name}``, ``{file}`` (the case's ``file``
  attribute, else its suite's) and ``{suite}`` (the innermost suite's name). An empty field is
  dropped together with the separator that joins it to the previous field kept. The class is
  ``classname`` (PHPUnit 3: ``class``); a class equal to the name (jest-junit, Nette) or one the
  name already ends with (mocha-junit-reporter: ``name="Suite title"``, ``classname="title"``)
  counts as empty, so it is not repeated. A case with no name is named after its class, suite or
  file and its position (``"MyTest (unnamed case 2)"``), with a warning.
- **status** (the raw word in brackets, for ``status_map``): ``<failure>`` (``failure``),
  ``<error>`` (``error``), Surefire ``<rerunFailure>``/``<rerunError>`` -> FAILED; else
  ``<skipped>`` (``skipped``; pytest's ``type="pytest.xfail"``: ``xfail`` too, as the
  pytest plugin reports xfail) -> NO RUN, or no result at all with ``skipped="omit"``; else
  GoogleTest ``status="notrun"`` (``notrun``), tst ``status="disabled"`` (``disabled``) -> NO RUN;
  else PASSED (``passed``), also when Surefire recorded ``<flakyFailure>``/``<flakyError>``.
- **retries**: Surefire writes them inside the case (above). A case repeating an earlier FAILED
  case of the same suite, class and name (gotestsum ``--rerun-fails``) is its retry: the two are
  one result, with the last attempt's status and the earlier failures in its output. A repeat of
  a case that did not fail is a different test (mocha, CasperJS): a result of its own.
- **output**: for FAILED, each failure as ``[failure] type: message`` and its text, then the
  flaky attempts, then ``system-out``/``system-err`` (unless ``attach_output``), then the suite's
  own ``<system-out>``/``<system-err>`` (Bazel's test.log, go-junit-report, .NET loggers) and the
  suite's own ``<error>``; for NO RUN, the skip message; for PASSED, the flaky attempts if any.
- **suite-level failures**: an ``<error>``/``<failure>`` directly under ``<testsuite>`` (a class
  that failed to load: Ant, Surefire) reaches the suite's FAILED results; when no case of the
  suite failed (or it has no case at all) it becomes one FAILED result named after the suite.
- **duration**: ``time`` in seconds; a value that is not a finite, non-negative number, or more
  than 7 days (nanoseconds written as seconds), is dropped with a warning.
- **attachments**: with ``attach_output=True`` the case's ``system-out``/``system-err`` become
  ``<name>-stdout.txt``/``<name>-stderr.txt``. Files named as ``[[ATTACHMENT|path]]`` (the Jenkins
  convention; relative to the report) are attached when they lie inside the report's folder.
- **properties** of the case: ``practitest-test-id`` -> ``test_id``;
  ``practitest-field-<N>`` -> custom field N (repeated -> a list).
- **key**: :func:`result_key` over the report's real path, the suite, the class and the name, and
  an ordinal: 0 for the first such case in the file, distinct and repeatable for each repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any
from xml.parsers import expat
from zlib import adler32, crc32

import attrs
import defusedxml

from ..batch.results import Attachment, RunResult, Status
from ._base import Head, ReaderOptions, Report, ReportError, key_path
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
    unnamed,
)
from ._xmlstream import practitest_property
from .detect import REFUSED

__all__ = ["NAME", "REFUSED", "JUnitError", "read", "sniff"]

NAME = "junit"

log = logging.getLogger(__name__)

JUnitError = ReportError
"""The error of the JUnit reader (the same class as :class:`ReportError`)."""

HELD_PER_SUITE = 1000
"""Results of a suite held back (from its first failure on) until the suite ends, so that the
suite's own output and retries can reach them; beyond this they go out as they are."""

CustomFields = dict[int | str, str | list[str]]
_ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|([^\]\r\n]+)\]\]")
_LINK = "[[ATTACHMENT|"  # how every match of _ATTACHMENT starts
# Children of <testcase> that make it FAILED, or (Surefire) that it passed on a rerun, by label.
_FAILED = {
    "failure": "failure",
    "error": "error",
    "rerunFailure": "rerun failure",
    "rerunError": "rerun error",
}
_FLAKY = {"flakyFailure": "flaky failure", "flakyError": "flaky error"}
_SECTIONS = {**_FAILED, **_FLAKY, "skipped": "skipped"}
_NOT_RUN = frozenset({"notrun", "disabled"})
_CHUNK = 1 << 16


def sniff(head: Head) -> bool:
    """A JUnit report: the root is ``<testsuites>`` or ``<testsuite>`` (no namespace)."""
    return head.kind == "xml" and head.root in ("testsuites", "testsuite")


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """Yield a result per test case of the JUnit report at ``path`` (see the module docstring).

    Malformed or truncated XML raises :class:`ReportError` with the line and column, after the
    results before it (callers that want a file all or nothing validate it first); a case that
    cannot become a result goes to ``report`` and the file goes on.
    """
    return chain.from_iterable(_FileReader(path, options, report).batches())


def check_template(template: str) -> None:
    """Raise :class:`ValueError` for a template this reader cannot render."""
    NameTemplate.parse(template)


# -- one file --------------------------------------------------------------------------------------


class _Section:
    """A ``<failure>``, ``<error>``, ``<skipped>``… of a case, or of a suite."""

    __slots__ = ("bracket", "kind", "label", "message", "nested", "text", "type")

    def __init__(self, kind: str, attrs: dict[str, str]) -> None:
        self.kind = kind
        self.label = _SECTIONS.get(kind, kind)
        self.type = attrs.get("type", "")
        self.message = attrs.get("message", "")
        self.text: list[str] = []
        self.nested: list[tuple[str, list[str]]] = []  # Surefire: stackTrace, system-out…
        self.bracket = True  # render() says whether what it read holds a "[" at all

    def render(self) -> str:
        """``[failure] AssertionError: boom`` and the text; empty when it says nothing."""
        kind, message, label = self.type, self.message, self.label
        # Gradle repeats the type at the start of the message.
        if kind and message:
            head = message if message.startswith(kind) else f"{kind}: {message}"
        else:
            head = kind or message
        body = _text("".join(self.text))
        # The label's brackets aside, a "[[ATTACHMENT|...]]" link needs "[" in what was read.
        self.bracket = "[" in body or "[" in kind or "[" in message
        if self.nested:  # Surefire's flaky and rerun entries
            self.bracket = True
            details = [body]
            for tag, texts in self.nested:
                if tag == "stackTrace":
                    details.append(_text("".join(texts)))
                else:
                    details.append(_block(f"{label} {tag}", "".join(texts)))
            if not head and not any(details):
                return ""
            return "\n".join([line for line in [f"[{label}] {head}".rstrip(), *details] if line])
        if not head and not body:
            return ""
        first = f"[{label}] {head}".rstrip()
        return f"{first}\n{body}" if body else first


class _Parts:
    """What a case holds besides its attributes; most cases have none, so it is made on demand."""

    __slots__ = ("err", "failed", "flaky", "out", "skipped")

    def __init__(self) -> None:
        self.failed: list[_Section] = []
        self.flaky: list[_Section] = []
        self.skipped: list[_Section] = []
        self.out: list[str] = []
        self.err: list[str] = []


class _Case:
    __slots__ = ("attrs", "bad", "fields", "parts", "place", "test_id")

    def __init__(self, attrs: dict[str, str], place: tuple[int, int]) -> None:
        self.attrs = attrs
        self.place = place
        self.parts: _Parts | None = None
        self.test_id: int | None = None
        self.fields: CustomFields | None = None
        self.bad = False  # a property it carries could not be used (reported)


class _Suite:
    __slots__ = ("cases", "failures", "file", "held", "name", "out", "place", "retried")

    def __init__(self, name: str, file: str, place: tuple[int, int]) -> None:
        self.name = name
        self.file = file
        self.place = place
        self.cases = 0
        self.failures: list[_Section] = []  # <error>/<failure> directly under <testsuite>
        self.out: list[tuple[str, list[str]]] = []  # its own system-out/system-err
        self.held: list[RunResult] | None = None  # from its first failure on
        self.retried: dict[tuple[str, str], int] = {}  # (class, name) of held FAILED -> index


@attrs.define(slots=True)
class _ClassHead:
    """What the plain cases of one class of one suite share: the title's start, the head of
    their keys (``file::suite::class::``) and that head's checksums, for :class:`Ordinals`."""

    suite: _Suite | None
    classname: str
    prefix: str  # "classname." (the template's separator), or "" without a class
    suffix: str  # " classname": a name ending so already says the class (mocha)
    ident: str  # "suite::class::"
    key: str  # "file::suite::class::"
    plain: bool  # no part needs escaping
    crc: int
    adler: int


_NO_HEAD = _ClassHead(None, "", "", "", "", "", False, 0, 0)


class _CaseProblem(Exception):
    """A test case that cannot become a result; reported with the case's place."""


class _NotJUnit(Exception):
    def __init__(self, message: str, place: tuple[int, int]) -> None:
        super().__init__(message)
        self.place = place


class _FileReader:
    """Reads one report file with expat callbacks, keeping only what is still open."""

    def __init__(self, path: Path, options: ReaderOptions, report: Report) -> None:
        self.path = Path(path)
        self.options = options
        self.report = report
        self.names = NameTemplate.parse(options.name_template)
        # the default template's separator when plain cases can be built inline, else None
        self.plain_separator = self.names.class_dot_name if FAST else None
        self.plain = self.plain_separator is not None
        self.head = _NO_HEAD  # what the cases of the current class share (see _plain_case)
        self.bits = bytearray()  # the ordinals' bit set, once allocated
        self.file_key = key_path(self.path)
        self.ordinals = Ordinals()
        self.suites: list[_Suite] = []
        self.case: _Case | None = None
        self.section: _Section | None = None
        self.in_properties = False
        self.property: tuple[str, list[str]] | None = None
        self.rooted = False  # the root element was seen (and is <testsuites> or <testsuite>)
        self.case_attrs: dict[str, str] | None = None  # of the open <testcase>
        self.case_line = self.case_column = 0  # where it starts (column 0-based: see case_place)
        self.skip_depth = 0  # inside an element we do not read (its children too)
        self.ready: list[RunResult | ReportError] = []  # since the last chunk, in file order
        self.refused_at: tuple[int, int] | None = None
        self.problems = False  # a ReportError waits in ready
        self.parser = self._parser()
        # raw status words, mapped once per file
        status = options.status
        self.st_failure = status("failure", Status.FAILED)
        self.st_error = status("error", Status.FAILED)
        self.st_skipped = status("skipped", Status.NO_RUN)
        self.st_xfail = status("xfail", Status.NO_RUN)
        self.st_passed = status("passed", Status.PASSED)
        self.st_flaky = status("flaky", Status.PASSED)

    # -- parsing

    def _parser(self) -> Any:
        # No interning: pyexpat would look every element and attribute name up in a dict to
        # share one string per name; comparisons by value cost less than that lookup.
        parser = expat.ParserCreate(intern=None)
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        # defusedxml's policy (DefusedXMLParser): no entity declarations, no external references.
        parser.EntityDeclHandler = self._refuse_entity
        parser.UnparsedEntityDeclHandler = self._refuse_unparsed
        parser.ExternalEntityRefHandler = self._refuse_external
        return parser

    def _refuse_entity(self, name: str, _param: bool, value: str | None, *rest: Any) -> None:
        self.refused_at = self.place()
        raise defusedxml.EntitiesForbidden(name, value, *rest[:4])

    def _refuse_unparsed(self, name: str, *rest: Any) -> None:
        self.refused_at = self.place()
        raise defusedxml.EntitiesForbidden(name, None, *rest[:4])

    def _refuse_external(
        self, context: str, base: str | None, sysid: str | None, pubid: str | None
    ) -> int:
        self.refused_at = self.place()
        raise defusedxml.ExternalReferenceForbidden(context, base, sysid, pubid)

    def case_place(self) -> tuple[int, int]:
        """Where the open case starts: line and (1-based) column."""
        return self.case_line, self.case_column + 1

    def place(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def error(self, message: str, place: tuple[int, int] | None) -> ReportError:
        line, column = place if place else (None, None)
        return ReportError(self.path, message, line=line, column=column)

    def batches(self) -> Iterator[Iterable[RunResult]]:
        """The results, a list of them per chunk read (chained by :func:`read`, so that no
        Python generator of ours steps once per result)."""
        parser = self.parser
        try:
            with self.path.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    parser.Parse(chunk, False)
                    ready = self.ready
                    if ready:
                        self.ready = []
                        yield self._flush(ready) if self.problems else ready  # type: ignore[misc]
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            yield self._flush(self.ready)
            raise self.error(
                expat.errors.messages[exc.code], (exc.lineno, exc.offset + 1)
            ) from None
        except defusedxml.DefusedXmlException:
            raise self.error(REFUSED, self.refused_at) from None
        except _NotJUnit as exc:
            raise self.error(str(exc), exc.place) from None
        except OSError as exc:
            raise self.error(f"cannot read: {exc.strerror or exc}", None) from None
        yield self._flush(self.ready)

    def _flush(self, ready: list[RunResult | ReportError]) -> Iterator[RunResult]:
        self.ready = []
        for item in ready:
            if type(item) is ReportError:
                self.report(item)
            else:
                yield item  # type: ignore[misc]

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        # The most common element first: a case starting between cases of a suite.
        if (
            tag == "testcase"
            and self.case_attrs is None
            and self.section is None
            and not self.skip_depth
            and self.suites
        ):
            self.case_attrs = attrs
            parser = self.parser
            self.case_line = parser.CurrentLineNumber
            self.case_column = parser.CurrentColumnNumber
            return
        if self.skip_depth:
            self.skip_depth += 1
            return
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        section = self.section
        if section is not None:  # Surefire's nested stackTrace / system-out in a flaky entry
            texts: list[str] = []
            section.nested.append((tag, texts))
            self.parser.CharacterDataHandler = texts.append
            self.skip_depth = 1  # deeper elements: not read
            return
        if self.case_attrs is not None:  # a child of the open case
            case = self.case
            if case is None:
                case = self.case = _Case(self.case_attrs, self.case_place())
            self._case_child(case, tag, attrs)
            return
        if tag == "testcase" and self.rooted:
            if not self.suites:
                self.suites.append(_Suite("", "", (1, 1)))  # cases under <testsuites> directly
            self.case_attrs = attrs
            parser = self.parser
            # two ints, not a tuple: one object less per case for the garbage collector to track
            self.case_line = parser.CurrentLineNumber
            self.case_column = parser.CurrentColumnNumber
        elif not self.rooted:
            if tag not in ("testsuites", "testsuite"):
                raise _NotJUnit(
                    f"not a JUnit report: the root element is <{tag}>, "
                    "expected <testsuites> or <testsuite>",
                    self.place(),
                )
            self.rooted = True
            if tag == "testsuite":
                self.suites.append(
                    _Suite(attrs.get("name", ""), attrs.get("file", ""), self.place())
                )
        elif tag == "testsuite":
            outer = self.suites[-1] if self.suites else None
            self.suites.append(
                _Suite(
                    attrs.get("name", ""),
                    attrs.get("file", outer.file if outer else ""),
                    self.place(),
                )
            )
        elif self.suites and tag in ("error", "failure"):
            self.section = suite_section = _Section(tag, attrs)
            self.suites[-1].failures.append(suite_section)
            self.parser.CharacterDataHandler = suite_section.text.append
        elif self.suites and tag in ("system-out", "system-err"):
            texts = []
            self.suites[-1].out.append((tag, texts))
            self.parser.CharacterDataHandler = texts.append
            self.skip_depth = 1
        else:
            self.skip_depth = 1  # properties and whatever else: not read

    def _case_child(self, case: _Case, tag: str, attrs: dict[str, str]) -> None:
        if tag in _SECTIONS:
            section = _Section(tag, attrs)
            parts = case.parts = case.parts or _Parts()
            if tag in _FAILED:
                parts.failed.append(section)
            elif tag in _FLAKY:
                parts.flaky.append(section)
            else:
                parts.skipped.append(section)
            self.section = section
            self.parser.CharacterDataHandler = section.text.append
        elif tag == "system-out" or tag == "system-err":
            parts = case.parts = case.parts or _Parts()
            self.parser.CharacterDataHandler = (
                parts.out if tag == "system-out" else parts.err
            ).append
            self.skip_depth = 1
        elif tag == "properties":
            self.in_properties = True
        elif tag == "property" and self.in_properties:
            texts: list[str] = []
            self.property = (attrs.get("name", ""), texts)
            value = attrs.get("value")
            if value is None:
                self.parser.CharacterDataHandler = texts.append
            else:
                texts.append(value)
        else:
            self.skip_depth = 1

    def _end(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
            if self.skip_depth == 0:
                self.parser.CharacterDataHandler = (
                    None if self.section is None else self.section.text.append
                )
            return
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if self.section is not None:  # the end of the section itself
            self.section = None
            self.parser.CharacterDataHandler = None
            return
        attrs = self.case_attrs
        if attrs is not None:
            case = self.case
            if tag == "testcase":
                self.case_attrs = self.case = None
                if case is not None or not self.plain or not self._plain_case(attrs):
                    self._case_done(case or _Case(attrs, self.case_place()))
            elif case is not None and tag == "property" and self.property is not None:
                self.parser.CharacterDataHandler = None
                self._property(case, *self.property)
                self.property = None
            elif case is not None and tag == "properties":
                self.in_properties = False
            return
        if tag == "testsuite" and self.suites:
            self._suite_done(self.suites.pop())
        elif tag == "testsuites" and self.suites:
            self._suite_done(self.suites.pop())  # the stand-in for cases outside any suite

    def _plain_case(self, attrs: dict[str, str]) -> bool:
        """The common case, done inline: a case with no child (so PASSED), a name, no status
        attribute, the default name template, in a suite that holds nothing back. False (and
        nothing done) for any other: :meth:`_case_done` takes it.

        What depends only on the suite and the class (the title's start, the key's head and
        its checksums) is worked out once per run of cases of one class (:meth:`_class_head`).
        """
        name = attrs.get("name")
        if not name or "status" in attrs:
            return False
        suite = self.suites[-1]
        classname = attrs.get("classname") or attrs.get("class") or ""
        head = self.head
        if head.suite is not suite or head.classname != classname:
            head = self._class_head(suite, classname)
        plain_key = head.plain and ":" not in name  # no part of the key needs escaping
        if plain_key:  # Ordinals.next, inline and resumed from the head's checksums
            data = name.encode()
            one = crc32(data, head.crc) & BIT_MASK
            two = adler32(data, head.adler) & BIT_MASK
            bits = self.bits
            mask_one, mask_two = 1 << (one & 7), 1 << (two & 7)
            byte_one = bits[one >> 3]
            seen = byte_one & mask_one and bits[two >> 3] & mask_two
        else:
            seen = True
        # A retry of a failed case (merged by _case_done) repeats a key seen before: the
        # bit set rules most cases out without building a (class, name) tuple.
        if seen and suite.retried and (classname, name) in suite.retried:
            return False
        suffix = head.suffix  # ("in" first: endswith parses its arguments, "in" does not)
        if head.prefix and classname != name and not (suffix in name and name.endswith(suffix)):
            title = (head.prefix + name).strip()
        else:
            title = name.strip()
        if not title:
            return False
        suite.cases += 1
        text = attrs.get("time")
        duration = None
        if text:
            duration = _DURATIONS.get(text)
            if duration is None:
                duration = self._seconds(text, self.case_place())
        if not plain_key:  # a "::" inside a part: written ": :" (see key_part)
            ident = identity(suite.name, classname, name)
            key = f"{self.file_key}::{ident}::{self.ordinals.next(ident)}"
        elif seen:
            key = f"{head.key}{name}::{self.ordinals.repeat(head.ident + name)}"
        else:
            bits[one >> 3] = byte_one | mask_one
            bits[two >> 3] |= mask_two
            key = f"{head.key}{name}::0"
        result = plain_result(title, self.st_passed, duration, None, key)
        held = suite.held
        if held is None:
            self.ready.append(result)
        else:  # after a failure in the suite: held until its end, like the failed results
            held.append(result)
            if len(held) >= HELD_PER_SUITE:
                self._release(suite, final=False)
        return True

    def _key(self, suite: _Suite, classname: str, name: str) -> str:
        """``file::suite::class::name::ordinal`` (what :meth:`_plain_case` builds inline)."""
        head = self.head
        if head.suite is not suite or head.classname != classname:
            head = self._class_head(suite, classname)
        if not head.plain or ":" in name:  # a "::" inside a part: written ": :"
            ident = identity(suite.name, classname, name)
            return f"{self.file_key}::{ident}::{self.ordinals.next(ident)}"
        data = name.encode()
        one = crc32(data, head.crc) & BIT_MASK
        two = adler32(data, head.adler) & BIT_MASK
        bits = self.bits
        mask_one, mask_two = 1 << (one & 7), 1 << (two & 7)
        if bits[one >> 3] & mask_one and bits[two >> 3] & mask_two:
            return f"{head.key}{name}::{self.ordinals.repeat(head.ident + name)}"
        bits[one >> 3] |= mask_one
        bits[two >> 3] |= mask_two
        return f"{head.key}{name}::0"

    def _class_head(self, suite: _Suite, classname: str) -> _ClassHead:
        separator = self.plain_separator or ""
        bits = self.ordinals.bits
        if bits is None:
            bits = self.ordinals.bits = bytearray(BITS >> 3)
        self.bits = bits
        ident = f"{suite.name}::{classname}::"
        data = ident.encode()
        head = self.head = _ClassHead(
            suite=suite,
            classname=classname,
            prefix=f"{classname}{separator}" if classname else "",
            suffix=" " + classname,
            ident=ident,
            key=f"{self.file_key}::{ident}",
            plain=ident.count("::") == 2,
            crc=crc32(data),
            adler=adler32(data),
        )
        return head

    # -- one case

    def _case_done(self, case: _Case) -> None:
        suite = self.suites[-1]
        suite.cases += 1
        if case.bad:
            return
        attrs = case.attrs
        classname = attrs.get("classname") or attrs.get("class") or ""
        name = attrs.get("name") or ""
        try:
            result = self._result(case, suite, classname, name)
        except _CaseProblem as problem:
            self.ready.append(self.error(str(problem), case.place))  # reported in file order
            self.problems = True
            return
        if result is None:
            return
        held = suite.held
        if held is None:
            if result.status is not Status.FAILED:
                self.ready.append(result)
                return
            held = suite.held = []
        retry = (classname, name)
        index = suite.retried.pop(retry, None)
        if index is not None:  # a retry of an earlier failed attempt: one result
            earlier = held[index]
            output = "\n\n".join(
                filter(None, [result.output, f"[earlier attempt]\n{earlier.output or ''}".rstrip()])
            )
            held[index] = _evolve(result, output=cap_output(output), key=earlier.key)
            if result.status is Status.FAILED:
                suite.retried[retry] = index
            return
        if result.status is Status.FAILED:
            suite.retried[retry] = len(held)
        held.append(result)
        if len(held) >= HELD_PER_SUITE:
            self._release(suite, final=False)

    def _result(self, case: _Case, suite: _Suite, classname: str, name: str) -> RunResult | None:
        attrs = case.attrs
        options = self.options
        parts = case.parts
        sections: list[str] = []
        read: list[_Section] = []  # the sections rendered
        if parts is None:
            status = self.st_passed
        elif parts.failed:
            first = parts.failed[0].kind
            status = self.st_error if first in ("error", "rerunError") else self.st_failure
            read = parts.failed + parts.flaky if parts.flaky else parts.failed
            sections = [s.render() for s in read]
        elif parts.skipped:
            xfail = parts.skipped[0].type == "pytest.xfail"
            status = self.st_xfail if xfail else self.st_skipped
            if options.skipped == "omit" and status is Status.NO_RUN:
                return None
            read = parts.skipped
            sections = [s.render() for s in read]
        elif parts.flaky:
            status, read = self.st_flaky, parts.flaky
            sections = [s.render() for s in read]
        else:
            status = self.st_passed
        if (raw := attrs.get("status")) and status is self.st_passed and raw.lower() in _NOT_RUN:
            status = options.status(raw, Status.NO_RUN)  # GoogleTest notrun, tst disabled
            if options.skipped == "omit" and status is Status.NO_RUN:
                return None
            sections = [f"[{raw.lower()}]", *sections]
        shown_class = classname
        if classname and (classname == name or name.endswith(" " + classname)):
            shown_class = ""
        names = self.names
        if not name:
            owner = classname or suite.name or self.path.stem
            title = unnamed(self._where(case), owner, suite.cases)
            name = title.removeprefix(owner).strip()  # "(unnamed case N)", for the key
        elif names.class_dot_name is not None:
            title = f"{shown_class}{names.class_dot_name}{name}" if shown_class else name
        else:
            title = names.render(
                {
                    "classname": shown_class,
                    "name": name,
                    "file": attrs.get("file") or suite.file,
                    "suite": suite.name,
                }
            )
        title = title.strip()
        if not title:
            raise _CaseProblem("test case has no name (no name or classname attribute)")
        key = self._key(suite, classname, name)
        attachments: list[Attachment] = []
        output: str | None = None
        if sections or parts is not None:
            stdout = "".join(parts.out) if parts else ""
            stderr = "".join(parts.err) if parts else ""
            # memchr finds a "[" faster than any search for the link itself (see render)
            if "[" in stdout or "[" in stderr or any([s.bracket for s in read]):
                attachments = self._linked_files(case, [*sections, stdout, stderr])
            if options.attach_output:
                attachments += output_files(title, {"stdout": stdout, "stderr": stderr})
            elif status is Status.FAILED:
                if stdout:
                    sections.append(_block("system-out", stdout))
                if stderr:
                    sections.append(_block("system-err", stderr))
            output = cap_output("\n\n".join([s for s in sections if s]) or None)
        text = attrs.get("time")
        duration = None
        if text:
            duration = _DURATIONS.get(text)
            if duration is None:
                duration = self._seconds(text, case.place)
        if FAST and not attachments and not case.fields and case.test_id is None:
            return plain_result(title, status, duration, output, key)
        try:
            return RunResult(
                title,
                status,
                duration=duration,
                output=output,
                attachments=attachments,
                custom_fields=case.fields or {},
                test_id=case.test_id,
                key=key,
            )
        except ValueError as exc:
            raise _CaseProblem(f"test case {title!r}: {exc}") from None

    def _seconds(self, text: str, place: tuple[int, int]) -> dt.timedelta | None:
        where = ":".join([str(self.path), *(str(n) for n in place)])
        seconds = checked_seconds(text, where, "time")
        if seconds is None:
            return None
        duration = dt.timedelta(seconds=seconds)
        if len(_DURATIONS) < 4096:  # the same few values recur: "0", "0.001", ...
            _DURATIONS[text] = duration
        return duration

    def _property(self, case: _Case, name: str, texts: list[str]) -> None:
        fields = case.fields if case.fields is not None else {}
        try:
            test_id = practitest_property(name, "".join(texts), fields)
        except ValueError as problem:
            self.ready.append(self.error(str(problem), case.place))
            self.problems = True
            case.bad = True
            return
        if test_id is not None:
            case.test_id = test_id
        if fields:
            case.fields = fields

    def _where(self, case: _Case) -> str:
        return ":".join([str(self.path), *(str(n) for n in case.place)])

    def _linked_files(self, case: _Case, texts: list[str]) -> list[Attachment]:
        # The pattern's literal start, as a filter: a 13-character needle is scanned several
        # times faster than "[[" (a failure's text is kilobytes, and it seldom links a file).
        matches = [m for text in texts if _LINK in text for m in _ATTACHMENT.finditer(text)]
        if not matches:
            return []
        directory = self.path.parent.resolve()
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
                    self._where(case),
                    match[1],
                    directory,
                )
                continue
            try:
                attachments.append(Attachment.from_path(target))
            except OSError as exc:
                log.warning("%s: not attaching %s: %s", self._where(case), match[1], exc.strerror)
        return attachments

    # -- one suite

    def _suite_done(self, suite: _Suite) -> None:
        extra = [s.render() for s in suite.failures]
        extra += [_block(f"suite {tag}", "".join(texts)) for tag, texts in suite.out]
        extra = [e for e in extra if e]
        held = suite.held or []
        if suite.failures and not any(r.status is Status.FAILED for r in held):
            self._release(suite, final=True)
            self.ready.append(self._suite_result(suite, extra))
            return
        if extra and held:
            tail = "\n\n".join(extra)
            suite.held = [
                _evolve(r, output=cap_output(f"{r.output}\n\n{tail}" if r.output else tail))
                if r.status is Status.FAILED
                else r
                for r in held
            ]
        self._release(suite, final=True)

    def _release(self, suite: _Suite, *, final: bool) -> None:
        if suite.held:
            self.ready += suite.held
        suite.held = None if final else []
        suite.retried.clear()

    def _suite_result(self, suite: _Suite, extra: list[str]) -> RunResult:
        first = suite.failures[0]
        name = suite.name or self.path.stem
        where = ":".join([str(self.path), *(str(n) for n in suite.place)])
        if suite.cases == 0:
            log.warning("%s: suite %r failed with no test case: one FAILED result", where, name)
        status = self.st_error if first.kind == "error" else self.st_failure
        ident = identity(suite.name, "", name)
        return RunResult(
            name,
            status,
            output=cap_output("\n\n".join(extra) or None),
            key=f"{self.file_key}::{ident}::{self.ordinals.next(ident)}",
        )


_DURATIONS: dict[str, dt.timedelta] = {}


def _evolve(result: RunResult, **changes: Any) -> RunResult:
    return attrs.evolve(result, **changes)


def _block(label: str, text: str | None) -> str:
    return f"[{label}]\n{body}" if (body := _text(text)) else ""


def _text(text: str | None) -> str:
    """The text without the blank lines and indentation that pretty-printing puts around it."""
    return text.lstrip("\n").rstrip() if text and not text.isspace() else ""
