"""Robot Framework ``output.xml`` (RF 2.8 to 7.x, schema versions 1 to 5) in, one result per test.

Read as a stream with expat callbacks (defusedxml's policy: a file that declares entities or
refers to external ones is refused before anything is expanded): only what a result needs of
the open test (its status, and per top-level step its status, name parts and failure messages)
and of the open suites is kept, so memory follows the largest test, not the file. Every
``<test>`` (tasks too, at any depth of ``<suite>``) becomes a result:

- **name**: ``name_template`` with ``{classname}`` the suite's long name (``Top.Sub``, as Robot
  writes it), ``{suite}`` the innermost suite's name, ``{file}`` its source, ``{name}`` the
  test's. A nameless test is called after its suite and position, with a warning.
- **status**: the test's own ``<status>``: PASS -> PASSED, FAIL -> FAILED, SKIP and NOT RUN ->
  NO RUN. A FAIL because the parent suite's setup failed (Robot never ran the test) -> BLOCKED
  (raw word ``blocked``), with the setup's failure and messages as output. Raw words
  (``pass``, ``fail``, ``skip``, ``not run``, ``blocked``) go through ``--status-map``.
- **suite teardown**: when a suite's teardown fails Robot fails all its tests (``Parent suite
  teardown failed``), but ``output.xml`` only says so after them, on the suite. Files that
  mention a failed suite teardown are read twice (the first pass keeps only which suites
  failed so); their tests are FAILED with the teardown's failure in the output and as a step.
- **steps**: the test's top-level body in order (keywords with their arguments, setup and
  teardown, FOR, IF, TRY, WHILE, GROUP...), each with its status (NOT RUN -> N/A) and failure
  message as actual result. Output.xml does not mark ``[Template]`` rows, so each row is a step
  named with its arguments; the test is one result, as Robot counts it. Steps are kept where
  they agree with the test's status (see :mod:`._shape`).
- **suite failures with no test to carry them** (a suite whose setup failed and that has no
  tests, one whose file did not parse): one FAILED result named after the suite.
- **output**: the status message; for FAILED and BLOCKED tests also their suites' setup
  messages (WARN, ERROR and FAIL ones; all of them when the setup failed), up to 64 KiB a
  suite. Robot's ``<errors>`` (bad imports, syntax) are logged as a warning. **duration**:
  ``elapsed`` (RF 7) or end - start.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat
from zlib import adler32, crc32

import attrs
import defusedxml

from ..batch.results import RunResult, Status, StepResult
from ..models import StepStatus
from ._base import Head, ReaderOptions, Report, ReportError, key_path
from ._common import BIT_MASK, FAST, NameTemplate, Ordinals, identity
from ._shape import (
    duration,
    fallback_name,
    fit_steps,
    join_output,
    log,
    output_files,
    render_name,
    step_status,
    word_status,
)
from .detect import REFUSED

NAME = "robot"

_CHUNK = 1 << 16
_TEARDOWN_MARK = b"uite teardown failed"
_SUITE_MESSAGES_LIMIT = 64 * 1024
_NOT_STEPS = frozenset({"doc", "tags", "tag", "status", "timeout", "msg", "meta", "metadata"})
_DEFAULTS = {
    "pass": Status.PASSED,
    "fail": Status.FAILED,
    "skip": Status.NO_RUN,
    "not run": Status.NO_RUN,
    "not_run": Status.NO_RUN,
}
_STEP_DEFAULTS = {**_DEFAULTS, "not run": Status.NA, "not_run": Status.NA}
_PARENT_SETUP = ("parent suite setup failed", "setup of the parent suite failed")
_TIME_FORMATS = ("%Y%m%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S")
_RF_TIME = re.compile(r"(\d{4})(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?", re.ASCII)
_LABELS = {"setup": "Setup: ", "teardown": "Teardown: "}
_CONTROL_KINDS = frozenset({"for", "foritem", "while", "if", "else if", "else", "try"})

Attrs = dict[str, str]
Handler = Callable[..., Any]
Place = tuple[int, ...]


def sniff(head: Head) -> bool:
    """An XML file whose root is ``<robot>``."""
    return head.kind == "xml" and head.root == "robot"


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """A :class:`RunResult` per test (see the module docstring)."""
    teardowns = {}
    if _mentions_teardown_failure(path):
        teardowns = _failed_teardowns(path, options, report)
    yield from _Reader(path, options, report, teardowns).results()


# -- parsing -----------------------------------------------------------------------------------


class _Parser:
    """An expat parser with defusedxml's policy (no entity declarations, no external
    references), fed the file in chunks; errors become :class:`ReportError` with line and column."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.expat = parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse  # type: ignore[assignment]
        self.refused_at: tuple[int, int] | None = None

    def _refuse(self, *_: object) -> None:
        self.refused_at = (self.expat.CurrentLineNumber, self.expat.CurrentColumnNumber + 1)
        raise defusedxml.EntitiesForbidden("", None, None, None, None, None)

    def chunks(self) -> Iterator[None]:
        """Feed the whole file, pausing after each chunk (the handlers' work is done by then)."""
        parser, path = self.expat, self.path
        try:
            with path.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    parser.Parse(chunk, False)
                    yield
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            message = expat.errors.messages[exc.code]
            raise ReportError(path, message, line=exc.lineno, column=exc.offset + 1) from None
        except defusedxml.DefusedXmlException:
            line, column = self.refused_at or (None, None)
            raise ReportError(path, REFUSED, line=line, column=column) from None
        except OSError as exc:
            raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None
        yield


def _mentions_teardown_failure(path: Path) -> bool:
    """A fast byte scan: does any suite's teardown fail in this file? (Usually not: one pass.)"""
    tail = b""
    try:
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                if _TEARDOWN_MARK in tail + chunk:
                    return True
                tail = chunk[-len(_TEARDOWN_MARK) :]
    except OSError:
        return False  # the real pass reports it
    return False


def _failed_teardowns(path: Path, options: ReaderOptions, report: Report) -> dict[Place, str]:
    """Suite position -> its teardown's failure, for the suites whose teardown failed."""
    scan = _Reader(path, options, report, {}, scan=True)
    for _ in scan.results():
        pass
    return scan.found


def _teardown_message(status_text: str) -> str:
    marker = "uite teardown failed:"
    at = status_text.find(marker)
    return status_text[at + len(marker) :].strip() if at >= 0 else ""


class _Positions:
    """Each open suite's position in the file (``(0, 2, 1)``): the same in both passes."""

    def __init__(self) -> None:
        self.positions: list[Place] = []
        self.children: list[int] = [0]

    @property
    def open(self) -> bool:
        return bool(self.positions)

    def enter(self) -> None:
        index = self.children[-1]
        self.children[-1] += 1
        self.positions.append((*(self.positions[-1] if self.positions else ()), index))
        self.children.append(0)

    def leave(self) -> None:
        self.positions.pop()
        self.children.pop()

    def path(self) -> Place:
        return self.positions[-1] if self.positions else ()


# -- reading -----------------------------------------------------------------------------------


@attrs.define
class _Suite:
    name: str
    source: str
    position: Place
    long_name: str
    id: str = ""
    setup_failure: str | None = None
    messages: list[str] = attrs.field(factory=list)
    message_chars: int = 0
    first: int = 0  # results read before it started (_Reader.count)
    tests: int = 0  # direct tests, for nameless ones
    key_head: str | None = None  # "long name::::", the start of its tests' keys
    statuses: list[Attrs] = attrs.field(factory=list)  # its own <status> elements' attributes
    status_text: list[str] = attrs.field(factory=list)  # the first one's text

    def note(self, text: str) -> None:
        if self.message_chars < _SUITE_MESSAGES_LIMIT and text.strip():
            self.messages.append(text.strip())
            self.message_chars += len(text)


class _Step:
    """What a step needs of a top-level element of a test: its tag and attributes, its own
    ``<status>``, the texts its name is made of and its FAIL messages (at any depth)."""

    __slots__ = ("args", "attrs", "branch", "fails", "status", "tag", "text", "values", "vars")

    def __init__(self, tag: str, attrs: Attrs) -> None:
        self.tag = tag
        self.attrs = attrs
        self.status: Attrs | None = None
        self.text: list[str] = []
        self.args: list[list[str]] = []
        self.vars: list[list[str]] = []
        self.values: list[list[str]] = []
        self.branch: str | None = None  # the first <branch>'s condition (IF, TRY)
        self.fails: list[list[str]] = []


class _Reader:
    """Reads one output.xml with expat callbacks, keeping only what is still open.

    Three sets of handlers take turns: the suite level (``robot`` and ``suite`` elements, their
    ``status``), a test (from its start to its end), and a suite keyword or ``<errors>``; what
    is read nowhere (``statistics``, ``doc``, ``metadata``...) is skipped whole.
    """

    def __init__(
        self,
        path: Path,
        options: ReaderOptions,
        report: Report,
        teardowns: dict[Place, str],
        *,
        scan: bool = False,
    ) -> None:
        self.path = path
        self.scan = scan  # only note which suites' teardown failed (see _failed_teardowns)
        self.found: dict[Place, str] = {}
        self.options = options
        self.report = report
        self.teardowns = teardowns
        self.suites: list[_Suite] = []
        self.positions = _Positions()
        self.containers: list[str] = []  # the open robot and suite elements, by tag
        self.key_prefix = key_path(path)
        self.ordinals = Ordinals()
        self.step_statuses: dict[str, StepStatus] = {}
        self.test_statuses: dict[str, Status] = {}
        self.same_steps: dict[tuple[str, StepStatus], StepResult] = {}
        self.omit_skipped = options.skipped == "omit"
        try:  # the default template's separator, for names joined without rendering
            self.separator = NameTemplate.parse(options.name_template).class_dot_name
        except ValueError:
            self.separator = None  # render_name says what is wrong, at the first test
        self.attach = options.attach_output
        self.ready: list[RunResult | ReportError] = []
        self.count = 0  # results read so far (a failed suite without any becomes one)
        self.parser = _Parser(path)
        self.expat = self.parser.expat
        self.capturing = False
        self.depth = 0  # inside a test, keyword, <errors> or skipped element: how deep
        # the open test
        self.test_attrs: Attrs = {}
        self.statuses: list[Attrs] = []
        self.status_text: list[str] = []
        self.steps: list[_Step] = []
        self.step: _Step | None = None  # the open top-level element's step, if it is one
        self.holder = ""  # the open second-level element's tag (arguments, assign...)
        self.messages: list[tuple[Attrs, list[str]]] = []  # every msg, with attach_output
        # the open suite keyword (kw, setup, teardown) or <errors>
        self.block_tag = ""
        self.block_attrs: Attrs = {}
        self.block_messages: list[tuple[str, list[str]]] = []
        self._outer()

    # -- handlers --------------------------------------------------------------------------

    def _set(self, start: Handler, end: Handler) -> None:
        self.expat.StartElementHandler = start
        self.expat.EndElementHandler = end

    def _outer(self) -> None:
        self._set(self._outer_start, self._outer_end)

    def _capture(self, into: list[str]) -> None:
        self.expat.CharacterDataHandler = into.append
        self.capturing = True

    def _stop(self) -> None:
        self.expat.CharacterDataHandler = None
        self.capturing = False

    def _outer_start(self, tag: str, attrs: Attrs) -> None:
        if self.capturing:
            self._stop()
        if not self.containers:  # the root
            if tag != "robot":
                raise ReportError(
                    self.path, f"not a Robot Framework output.xml: the root is <{tag}>"
                )
            self.containers.append(tag)
            return
        if tag == "suite":
            self.containers.append(tag)
            self.positions.enter()
            self._enter_suite(attrs)
        elif tag == "robot":
            self.containers.append(tag)
        elif self.scan and tag != "status":
            self._skip()
        elif tag == "test" and self.suites:
            self.test_attrs = attrs
            self.statuses = []
            self.status_text = []
            self.steps = []
            self.step = None
            if self.attach:
                self.messages = []
            self.depth = 0
            self._set(self._test_start, self._test_end)
        elif tag in ("kw", "setup", "teardown", "errors") and (self.suites or tag == "errors"):
            self.block_tag = tag
            self.block_attrs = attrs
            self.block_messages = []
            self.statuses = []
            self.status_text = []
            self.depth = 0
            self._set(self._block_start, self._block_end)
        elif tag == "status" and self.containers[-1] == "suite" and self.suites:
            suite = self.suites[-1]
            if not suite.statuses:
                self._capture(suite.status_text)
            suite.statuses.append(attrs)
            self._skip()
        else:
            self._skip()

    def _skip(self) -> None:
        """Skip the element just started, and all it holds."""
        self.depth = 0
        self._set(self._skip_start, self._skip_end)

    def _outer_end(self, tag: str) -> None:
        if self.capturing:
            self._stop()
        self.containers.pop()
        if tag == "suite" and (result := self._leave_suite()) is not None:
            self.ready.append(result)

    def _skip_start(self, tag: str, attrs: Attrs) -> None:
        if self.capturing:
            self._stop()
        self.depth += 1

    def _skip_end(self, tag: str) -> None:
        if self.capturing:
            self._stop()
        if self.depth:
            self.depth -= 1
        else:
            self._outer()

    # a test

    def _test_start(self, tag: str, attrs: Attrs) -> None:
        # (the hot path: one call per element of every test; _capture and _stop inline)
        if self.capturing:
            self.expat.CharacterDataHandler = None
            self.capturing = False
        depth = self.depth = self.depth + 1
        if depth == 1:
            if tag not in _NOT_STEPS:
                self.step = new = _Step(tag, attrs)
                self.steps.append(new)
                return
            self.step = None
            if tag == "status":
                if not self.statuses:
                    self.expat.CharacterDataHandler = self.status_text.append
                    self.capturing = True
                self.statuses.append(attrs)
            elif tag == "msg" and self.attach:
                self._message(attrs, None)
            return
        step = self.step
        if tag == "msg":
            if depth == 2:
                self.holder = tag
            self._message(attrs, step)
            return
        if step is None:
            if depth == 2:
                self.holder = tag
            return
        parts: list[str] | None = None
        if depth == 2:
            self.holder = tag
            if tag == "arg":
                if step.tag == "kw":
                    parts = []
                    step.args.append(parts)
            elif tag == "status":
                if step.status is None:
                    step.status = attrs
                    parts = step.text
            elif tag == "var":
                if step.tag == "kw" or step.tag == "for":
                    parts = []
                    step.vars.append(parts)
            elif tag == "value":
                if step.tag == "for":
                    parts = []
                    step.values.append(parts)
            elif tag == "branch" and step.branch is None:
                step.branch = attrs.get("condition", "")
        elif depth == 3 and step.tag == "kw":
            holder = self.holder
            if holder == "arguments" and tag == "arg":
                parts = []
                step.args.append(parts)
            elif holder == "assign" and tag == "var":
                parts = []
                step.vars.append(parts)
        if parts is not None:
            self.expat.CharacterDataHandler = parts.append
            self.capturing = True

    def _message(self, attrs: Attrs, step: _Step | None) -> None:
        failed = step is not None and attrs.get("level") == "FAIL"
        if failed or self.attach:
            parts: list[str] = []
            self._capture(parts)
            if step is not None and failed:
                step.fails.append(parts)
            if self.attach:
                self.messages.append((attrs, parts))

    def _test_end(self, tag: str) -> None:
        if self.capturing:
            self.expat.CharacterDataHandler = None
            self.capturing = False
        depth = self.depth
        if depth:
            self.depth = depth - 1
            return
        self._outer()
        if (result := self._test()) is not None:
            self.count += 1
            self.ready.append(result)

    # a suite keyword, or <errors>

    def _block_start(self, tag: str, attrs: Attrs) -> None:
        if self.capturing:
            self._stop()
        depth = self.depth = self.depth + 1
        if tag == "msg":
            parts: list[str] = []
            self.block_messages.append((attrs.get("level", ""), parts))
            self._capture(parts)
        elif depth == 1 and tag == "status":
            if not self.statuses:
                self._capture(self.status_text)
            self.statuses.append(attrs)

    def _block_end(self, tag: str) -> None:
        if self.capturing:
            self._stop()
        if self.depth:
            self.depth -= 1
            return
        self._outer()
        if self.block_tag == "errors":
            _log_errors(self.path, ["".join(parts) for _, parts in self.block_messages])
        else:
            self._suite_keyword()

    # -- suites --------------------------------------------------------------------------

    def results(self) -> Iterator[RunResult]:
        try:
            for _ in self.parser.chunks():
                if self.ready:
                    yield from self._flush()
        except ReportError:
            yield from self._flush()  # what precedes a break (read_reports' partial=True)
            raise

    def _flush(self) -> Iterator[RunResult]:
        ready, self.ready = self.ready, []
        for item in ready:
            if type(item) is ReportError:
                self.report(item)
            else:
                yield item  # type: ignore[misc]

    def _enter_suite(self, attrs: Attrs) -> None:
        name = attrs.get("name", "")
        parent = self.suites[-1].long_name if self.suites else ""
        long_name = ".".join(filter(None, (parent, name)))
        position = self.positions.path()
        suite = _Suite(name, attrs.get("source", ""), position, long_name, attrs.get("id", ""))
        suite.first = self.count
        self.suites.append(suite)

    def _suite_keyword(self) -> None:
        tag = self.block_tag
        kind = (self.block_attrs.get("type") or tag).lower()
        suite = self.suites[-1]
        status, message = _status(self.statuses, self.status_text)
        failed = status == "fail"
        for level, parts in self.block_messages:
            if failed or level in ("FAIL", "ERROR", "WARN"):
                suite.note(f"[{kind} {level}] {''.join(parts)}")
        if kind == "setup" and failed:
            fails = [parts for level, parts in self.block_messages if level == "FAIL"]
            suite.setup_failure = message or _fail_messages(fails) or "suite setup failed"

    def _leave_suite(self) -> RunResult | None:
        suite = self.suites.pop()
        self.positions.leave()
        if self.scan:
            if message := _teardown_message("".join(suite.status_text)):
                self.found[suite.position] = message
            return None
        status, message = _status(suite.statuses, suite.status_text)
        if self.count != suite.first or status != "fail":
            return None  # results were read in it, or it did not fail
        # A failed suite with no test to carry its failure: one FAILED result for the suite.
        self.count += 1
        name = suite.name or fallback_name(self.path, "a suite", "", len(suite.position))
        outer = self.suites[-1].long_name if self.suites else ""
        values = {
            "classname": outer,
            "suite": name,
            "file": suite.source,
            "name": name,
        }
        full_name = render_name(self.path, self.options.name_template, values) or name
        output = join_output([message, *suite.messages])
        where = f"{self.path}: {suite.id or suite.name or 'test'}"
        return RunResult(
            full_name,
            self.options.status("fail", Status.FAILED),
            duration=_duration(suite.statuses, where),
            output=output or "the suite failed and has no tests",
            key=self._suite_key(outer, name),
        )

    def _suite_key(self, outer: str, name: str) -> str:
        ident = identity(outer, name, "(suite)")
        return f"{self.key_prefix}::{ident}::{self.ordinals.next(ident)}"

    # -- tests ---------------------------------------------------------------------------

    def _test(self) -> RunResult | None:
        suite = self.suites[-1]
        suite.tests += 1
        test = self.test_attrs
        name = test.get("name", "").strip()
        named = bool(name)
        if not name:
            where = f"test {test.get('id') or '#' + str(suite.tests)}"
            name = fallback_name(self.path, where, suite.long_name, suite.tests)
        raw, message = _status(self.statuses, self.status_text)
        status, reason = self._test_status(raw, message)
        if status is Status.NO_RUN and self.omit_skipped:
            return None
        steps = [self._step(step) for step in self.steps]
        suite_output: list[str] = []
        if status is Status.FAILED or status is Status.BLOCKED:
            suite_output = [m for s in self.suites for m in s.messages]
        teardown = self.teardowns and raw in ("pass", "fail") and self._teardown_failure(message)
        if teardown:
            reason = f"Parent suite teardown failed:\n{teardown}"
            status = self.options.status("fail", Status.FAILED)
            message = join_output([message, reason]) or reason
        output = join_output([message, *suite_output]) if message or suite_output else None
        if steps and _agree(status, steps):
            fitted: tuple[StepResult, ...] = tuple(steps)
        else:
            fitted, output = fit_steps(status, steps, output, reason)
        separator = self.separator
        if not named:
            full_name = name
        elif separator is not None:
            long_name = suite.long_name
            full_name = f"{long_name}{separator}{name}".strip() if long_name else name
        else:
            values = {
                "classname": suite.long_name,
                "suite": suite.name,
                "file": suite.source,
                "name": name,
            }
            full_name = render_name(self.path, self.options.name_template, values) or name
        key = self._key(suite, name)
        elapsed = self._elapsed(test)
        if self.attach or not FAST:
            attachments = []
            if self.attach:
                attachments = output_files(full_name, {"messages": _messages(self.messages)})
            try:
                return RunResult(
                    full_name,
                    status,
                    duration=elapsed,
                    output=output,
                    steps=fitted,
                    attachments=attachments,
                    key=key,
                )
            except ValueError as exc:
                self.ready.append(ReportError(self.path, f"test {full_name!r}: {exc}"))
                return None
        # What RunResult's converters and checks would make of these values, which are in
        # their final form already: a non-empty stripped name, a checked timedelta, steps that
        # derive the status (fit_steps); see _common.plain_result.
        result: RunResult = _new(RunResult)
        _set_name(result, full_name)
        _set_status(result, status)
        _set_duration(result, elapsed)
        _set_output(result, output)
        _set_steps(result, fitted)
        _set_attachments(result, ())
        _set_custom_fields(result, {})
        _set_version(result, None)
        _set_test_id(result, None)
        _set_instance_id(result, None)
        _set_key(result, key)
        return result

    def _key(self, suite: _Suite, name: str) -> str:
        """``Keys.key(suite.long_name, "", name)``, with the suite's part joined once."""
        head = suite.key_head
        if head is None:
            head = suite.key_head = f"{suite.long_name}::::"
        ident = head + name
        if ident.count("::") != 2:
            ident = identity(suite.long_name, "", name)
        ordinals = self.ordinals
        bits = ordinals.bits
        if bits is None:
            return f"{self.key_prefix}::{ident}::{ordinals.next(ident)}"
        data = ident.encode()  # Ordinals.next, inline (as CaseBuilder.key does)
        one = crc32(data) & BIT_MASK
        two = adler32(data) & BIT_MASK
        mask_one, mask_two = 1 << (one & 7), 1 << (two & 7)
        if bits[one >> 3] & mask_one and bits[two >> 3] & mask_two:
            return f"{self.key_prefix}::{ident}::{ordinals.repeat(ident)}"
        bits[one >> 3] |= mask_one
        bits[two >> 3] |= mask_two
        return f"{self.key_prefix}::{ident}::0"

    def _elapsed(self, test: Attrs) -> dt.timedelta | None:
        """The test's duration: RF 7's ``elapsed`` strings recur (``0.012``), so each one's
        checked timedelta is kept; a value that fails the check warns every time."""
        statuses = self.statuses
        if not statuses:
            return None
        elapsed = statuses[0].get("elapsed")
        if elapsed is not None:
            known = _ELAPSED.get(elapsed)
            if known is not None:
                return known
        where = f"{self.path}: {test.get('id') or test.get('name') or 'test'}"
        seconds = _duration(statuses, where)
        if seconds is None:
            return None
        value = dt.timedelta(seconds=seconds)
        if elapsed is not None:  # (then the seconds are the elapsed value's)
            if len(_ELAPSED) >= 4096:
                _ELAPSED.clear()
            _ELAPSED[elapsed] = value
        return value

    def _test_status(self, raw: str, message: str) -> tuple[Status, str | None]:
        if raw == "fail":
            setup_failure = None
            for suite in self.suites:
                if suite.setup_failure:
                    setup_failure = suite.setup_failure
                    break
            if setup_failure or message.lower().startswith(_PARENT_SETUP):
                return self.options.status("blocked", Status.BLOCKED), message or setup_failure
        status = self.test_statuses.get(raw)
        if status is None:
            default = _DEFAULTS.get(raw)
            if default is None:  # said (warned) every time, so not kept
                return word_status(self.options, raw or "unknown", f"{self.path}"), message or None
            status = self.test_statuses[raw] = self.options.status(raw, default)
        return status, message or None

    def _teardown_failure(self, message: str) -> str | None:
        if "suite teardown failed" in message.lower():
            return None  # rebot already put it on the test
        for suite in reversed(self.suites):
            if (failure := self.teardowns.get(suite.position)) is not None:
                return failure
        return None

    def _step(self, step: _Step) -> StepResult:
        own = step.status
        raw = own.get("status", "").strip().lower() if own is not None else ""
        message = "".join(step.text).strip() if step.text else ""
        actual = message or (step.fails and _fail_messages(step.fails)) or None
        status = self.step_statuses.get(raw)
        if status is None:
            default = _STEP_DEFAULTS.get(raw, Status.NOT_COMPLETED)
            status = self.step_statuses[raw] = step_status(self.options, raw or "not run", default)
        name = _step_name(step)[:255] or "step"
        if not STEPS_FAST:
            return StepResult(name, status, actual=actual)
        if actual is None:  # the same call with the same outcome: one (immutable) step
            known = self.same_steps.get((name, status))
            if known is not None:
                return known
        made: StepResult = _new(StepResult)
        _step_name_set(made, name)
        _step_status_set(made, status)
        _step_description_set(made, None)
        _step_expected_set(made, None)
        _step_actual_set(made, actual)
        _step_attachments_set(made, ())
        if actual is None:
            if len(self.same_steps) >= 4096:
                self.same_steps.clear()
            self.same_steps[(name, status)] = made
        return made


def _agree(status: Status, steps: list[StepResult]) -> bool:
    """Do the steps derive ``status`` (PractiTest's rule), for the two usual cases?"""
    if status is Status.PASSED:
        return all(s.status is StepStatus.PASSED for s in steps)
    if status is Status.FAILED:
        return any(s.status is StepStatus.FAILED for s in steps)
    return False


_new = object.__new__
_ELAPSED: dict[str, dt.timedelta] = {}
STEPS_FAST = tuple(f.name for f in attrs.fields(StepResult)) == (
    *("name", "status", "description", "expected", "actual", "attachments"),
)
"""StepResult has exactly these slots: steps are built without the converters (the status is
a StepStatus already, attachments an empty tuple); else with the constructor."""


def _slot(cls: type, field: str) -> Callable[[Any, object], None]:
    """The slot's own setter (a frozen class's ``__setattr__`` refuses), bound once."""
    descriptor: Any = cls.__dict__.get(field)
    if not hasattr(descriptor, "__set__"):  # not a slot: FAST/STEPS_FAST are False then
        return lambda made, value: object.__setattr__(made, field, value)
    setter: Callable[[Any, object], None] = descriptor.__set__
    return setter


(
    _set_name,
    _set_status,
    _set_duration,
    _set_output,
    _set_steps,
    _set_attachments,
    _set_custom_fields,
    _set_version,
    _set_test_id,
    _set_instance_id,
    _set_key,
) = (
    _slot(RunResult, field)
    for field in (
        *("name", "status", "duration", "output", "steps", "attachments", "custom_fields"),
        *("version", "test_id", "instance_id", "key"),
    )
)
(
    _step_name_set,
    _step_status_set,
    _step_description_set,
    _step_expected_set,
    _step_actual_set,
    _step_attachments_set,
) = (
    _slot(StepResult, field)
    for field in ("name", "status", "description", "expected", "actual", "attachments")
)


def _status(statuses: list[Attrs], text: list[str]) -> tuple[str, str]:
    """The raw status word (lower-case) and message of an element's own (first) ``<status>``."""
    if not statuses:
        return "", ""
    return statuses[0].get("status", "").strip().lower(), "".join(text).strip()


def _messages(messages: list[tuple[Attrs, list[str]]]) -> str:
    """Every message the test logged, one per line: ``time LEVEL text``."""
    return "\n".join(
        f"{m.get('time') or m.get('timestamp') or ''} {m.get('level', '')} {''.join(t)}".strip()
        for m, t in messages
    )


def _log_errors(path: Path, texts: list[str]) -> None:
    """Robot's execution errors and warnings (bad imports, syntax...): said, not uploaded."""
    messages = [text for text in texts if text.strip()]
    if messages:
        first = " ".join(messages[0].split())[:200]
        log.warning(
            "%s: Robot reported %d execution error(s) or warning(s), the first: %s",
            path,
            len(messages),
            first,
        )


def _fail_messages(fails: list[list[str]]) -> str:
    return "\n".join("".join(parts).strip() for parts in fails).strip()


def _step_name(step: _Step) -> str:
    tag, attrs = step.tag, step.attrs
    kind = attrs.get("type")
    kind = kind.lower() if kind else ""
    if tag == "kw":
        if kind in _CONTROL_KINDS:
            return f"{kind.upper()} {attrs.get('name', '')}".strip()
        library = attrs.get("library") or attrs.get("owner")
        name = attrs.get("name", "")
        if library and not name.startswith(f"{library}."):
            name = f"{library}.{name}"
        call = "    ".join(filter(None, (name, *["".join(parts) for parts in step.args])))
        if step.vars:
            assign = " ".join(["".join(parts) for parts in step.vars])
            call = f"{assign} = {call}"
        return f"{_LABELS[kind]}{call}" if kind in _LABELS else call
    if tag == "for":
        variables = ["".join(parts) for parts in step.vars]
        values = ["".join(parts) for parts in step.values]
        flavor = attrs.get("flavor", "IN")
        return "    ".join(["FOR", *variables, flavor, *values])
    if tag in ("if", "try"):
        return f"{tag.upper()} {step.branch or ''}".strip()
    detail = attrs.get("condition") or attrs.get("name") or ""
    return f"{tag.upper()} {detail}".strip()


def _duration(statuses: list[Attrs], where: str) -> float | None:
    """``elapsed`` (RF 7) or end - start of the element's own ``<status>``."""
    for status in statuses:
        if (elapsed := status.get("elapsed")) is not None:
            return duration(elapsed, where)
        start, end = _instant(status.get("starttime")), _instant(status.get("endtime"))
        if start is not None and end is not None:
            return duration((end - start).total_seconds(), where)
    return None


def _instant(text: str | None) -> dt.datetime | None:
    if not text or text == "N/A":
        return None
    for layout in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


__all__ = ["NAME", "read", "sniff"]
