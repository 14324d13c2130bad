"""Robot Framework ``output.xml`` (RF 2.8 to 7.x, schema versions 1 to 5) in, one result per test.

Read as a stream (defusedxml's policy on the prolog: a file that declares entities or refers to
external ones is refused before anything is expanded; then the C parser builds the body with no
Python call per element): after each chunk what is complete is read and dropped, so the tree
holds a chunk's worth of elements and the open suites, and memory follows the largest test, not
the file. Every ``<test>`` (tasks too, at any depth of ``<suite>``) becomes a result:

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser
from xml.parsers import expat
from xml.parsers.expat import ErrorString
from zlib import adler32, crc32

import attrs

from ..batch.results import RunResult, Status, StepResult
from ..models import StepStatus
from ._base import Head, ReaderOptions, Report, ReportError, key_path
from ._common import (
    BIT_MASK,
    FAST,
    MAX_SECONDS,
    NameTemplate,
    Ordinals,
    identity,
    plain_result,
    slot_setter,
)
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


class _RootReached(Exception):
    """The root element has started: everything that could declare an entity is behind us."""


class _Refused(Exception):
    pass


def _vet_prolog(path: Path, source: BinaryIO) -> None:
    """defusedxml's policy on what precedes the root element, the only place a DTD can declare
    entities: a declaration or an external reference is refused (:class:`ReportError`), as is
    a file that is malformed or empty before its root."""
    parser = expat.ParserCreate()
    refused: list[tuple[int, int]] = []

    def root(*_: object) -> None:
        raise _RootReached

    def refuse(*_: object) -> None:
        refused.append((parser.CurrentLineNumber, parser.CurrentColumnNumber + 1))
        raise _Refused

    parser.StartElementHandler = root
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        while chunk := source.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except _Refused:
        line, column = refused[0]
        raise ReportError(path, REFUSED, line=line, column=column) from None
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code]
        raise ReportError(path, message, line=exc.lineno, column=exc.offset + 1) from None


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
    statuses: list[Element] = attrs.field(factory=list)  # its own <status> elements

    def note(self, text: str) -> None:
        if self.message_chars < _SUITE_MESSAGES_LIMIT and text.strip():
            self.messages.append(text.strip())
            self.message_chars += len(text)


class _Reader:
    """Reads one output.xml: the C parser builds the tree, and what is complete of it is read
    after each chunk and dropped.

    A chunk fed to the parser leaves a tree whose elements are all complete except the last
    child of each open ``robot``/``suite`` (the chain down to where the chunk ended). Those are
    read at the next chunk (or at the end); everything else is read in document order and
    removed from its parent, so the tree holds one chunk's worth of elements and the open
    suites. On a parse error the builder itself says which elements were still open
    (``TreeBuilder.end`` closes and returns them one by one): what was complete before the
    break is read (``read_reports``' ``partial=True``), then the error is raised.
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
        self.nodes: list[Element] = []  # the entered robot and suite elements, outermost first
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
        self.rooted = False

    def results(self) -> Iterator[RunResult]:
        path = self.path
        try:
            with path.open("rb") as source:
                _vet_prolog(path, source)
                source.seek(0)
                builder = TreeBuilder()
                top = builder.start("", {})  # the document's root becomes its child
                parser = XMLParser(target=builder)
                try:
                    while chunk := source.read(_CHUNK):
                        parser.feed(chunk)
                        self._read(top, None)
                        if self.ready:
                            yield from self._flush()
                    parser.close()
                except ParseError as exc:
                    still_open: set[int] = set()
                    while (element := builder.end("")) is not top:
                        still_open.add(id(element))
                    self._read(top, still_open)  # what was complete before the break
                    yield from self._flush()
                    code = getattr(exc, "code", None)
                    message = (ErrorString(code) if isinstance(code, int) else "") or str(exc)
                    position = getattr(exc, "position", None)
                    if position:
                        line, column = position
                        raise ReportError(path, message, line=line, column=column + 1) from None
                    raise ReportError(path, message) from None
        except OSError as exc:
            raise ReportError(path, f"cannot read: {exc.strerror or exc}") from None
        self._read(top, set())
        yield from self._flush()

    def _flush(self) -> Iterator[RunResult]:
        ready, self.ready = self.ready, []
        for item in ready:
            if type(item) is ReportError:
                self.report(item)
            else:
                yield item  # type: ignore[misc]

    # -- the tree ----------------------------------------------------------------------------

    def _read(self, top: Element, still_open: set[int] | None) -> None:
        """Read what is complete. ``still_open``: the elements not complete (after a parse error;
        empty at the end); ``None`` while parsing: the last child of each open element."""
        if not self.rooted:
            if not len(top):
                return
            root = top[0]
            if root.tag != "robot":
                raise ReportError(
                    self.path, f"not a Robot Framework output.xml: the root is <{root.tag}>"
                )
            self.rooted = True
            self.nodes.append(root)
        if self.nodes:  # (else the root was read whole)
            root = self.nodes[0]
            self._walk(root, still_open is None or id(root) in still_open, still_open)

    def _walk(self, root: Element, root_open: bool, still_open: set[int] | None) -> None:
        """Read the complete children of ``root`` and of the robot and suite elements in it, in
        document order (entering those), drop them, and leave each one that is complete.

        A loop with its own stack, not recursion: suites may nest deeper than Python's stack.
        A frame is ``[element, open, index of the next child, how the child we went into
        ended]``; an open child ends the reading of its parent (and of theirs) for now.
        """
        frames: list[list[Any]] = [[root, root_open, 0, None]]
        while frames:
            frame = frames[-1]
            node, node_open, index, came_back = frame
            if came_back == "open":
                stopped = True
            else:
                stopped = False
                if came_back == "done":
                    index += 1
                last = len(node) - 1
                while index <= last:
                    child = node[index]
                    if still_open is None:
                        child_open = node_open and index == last
                    else:
                        child_open = id(child) in still_open
                    tag = child.tag
                    if tag == "suite" or tag == "robot":
                        break
                    if child_open:
                        stopped = True
                        break
                    self._child(node, child, tag)
                    index += 1
                else:
                    child = None
                if child is not None and not stopped:  # a robot or suite element: go in
                    depth = len(frames)
                    nodes = self.nodes
                    if len(nodes) <= depth or nodes[depth] is not child:
                        nodes.append(child)
                        if child.tag == "suite":
                            self._enter_suite(child)
                    frame[2], frame[3] = index, None
                    frames.append([child, child_open, 0, None])
                    continue
            # as far as this element can be read now: drop what was read, leave it if complete
            if index:
                del node[:index]
            frames.pop()
            if frames:
                frames[-1][3] = "open" if node_open else "done"
            if not node_open:
                self.nodes.pop()
                if node.tag == "suite" and (result := self._leave_suite()) is not None:
                    self.ready.append(result)

    def _child(self, node: Element, child: Element, tag: str) -> None:
        """A complete child of a robot or suite element, other than a suite."""
        if tag == "test":
            if self.suites and not self.scan and (result := self._test(child)) is not None:
                self.count += 1
                self.ready.append(result)
        elif tag == "status":
            if node.tag == "suite" and self.suites:
                self.suites[-1].statuses.append(child)
        elif self.scan:
            pass
        elif tag in ("kw", "setup", "teardown"):
            if self.suites:
                self._suite_keyword(child, tag)
        elif tag == "errors":
            _log_errors(self.path, child)

    # -- suites --------------------------------------------------------------------------

    def _enter_suite(self, element: Element) -> None:
        self.positions.enter()
        name = element.get("name", "")
        parent = self.suites[-1].long_name if self.suites else ""
        long_name = ".".join(filter(None, (parent, name)))
        position = self.positions.path()
        source, ident = element.get("source", ""), element.get("id", "")
        suite = _Suite(name, source, position, long_name, ident)
        suite.first = self.count
        self.suites.append(suite)

    def _suite_keyword(self, element: Element, tag: str) -> None:
        kind = (element.get("type") or tag).lower()
        suite = self.suites[-1]
        status, message = _status(element)
        failed = status == "fail"
        for msg in element.iter("msg"):
            level = msg.get("level", "")
            if failed or level in ("FAIL", "ERROR", "WARN"):
                suite.note(f"[{kind} {level}] {msg.text or ''}")
        if kind == "setup" and failed:
            suite.setup_failure = message or _fail_messages(element) or "suite setup failed"

    def _leave_suite(self) -> RunResult | None:
        suite = self.suites.pop()
        self.positions.leave()
        first = suite.statuses[0] if suite.statuses else None
        if self.scan:
            text = (first.text or "") if first is not None else ""
            if message := _teardown_message(text):
                self.found[suite.position] = message
            return None
        status, message = _own_status(first)
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

    def _test(self, test: Element) -> RunResult | None:
        suite = self.suites[-1]
        suite.tests += 1
        name = test.get("name", "").strip()
        named = bool(name)
        if not name:
            where = f"test {test.get('id') or '#' + str(suite.tests)}"
            name = fallback_name(self.path, where, suite.long_name, suite.tests)
        statuses: list[Element] = []
        body: list[Element] = []
        for child in test:
            tag = child.tag
            if tag == "status":
                statuses.append(child)
            elif tag not in _NOT_STEPS:
                body.append(child)
        raw, message = _own_status(statuses[0] if statuses else None)
        status, reason = self._test_status(raw, message)
        if status is Status.NO_RUN and self.omit_skipped:
            return None
        steps = [self._step(element) for element in body]
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
        elapsed = self._elapsed(test, statuses)
        if self.attach or not FAST:
            attachments = []
            if self.attach:
                attachments = output_files(full_name, {"messages": _messages(test)})
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
        return plain_result(full_name, status, elapsed, output, key, fitted)

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

    def _elapsed(self, test: Element, statuses: list[Element]) -> dt.timedelta | None:
        """The test's duration: RF 7's ``elapsed`` strings recur (``0.012``), so each one's
        checked timedelta is kept; a value that fails the check warns every time."""
        if not statuses:
            return None
        first = statuses[0]
        elapsed = first.get("elapsed")
        if elapsed is not None:
            known = _ELAPSED.get(elapsed)
            if known is not None:
                return known
        else:
            span = _same_day_span(first.get("starttime"), first.get("endtime"))
            if span is not None and 0 <= span <= MAX_SECONDS:
                return dt.timedelta(seconds=span)
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

    def _step(self, element: Element) -> StepResult:
        name, own = _step_name(element)
        name = name[:255] or "step"
        if own is None:
            word, message = "", ""
        else:
            word, message = own.get("status", ""), (own.text or "").strip()
        actual = message or _fail_messages(element) or None
        status = self.step_statuses.get(word)  # by the word as written: mapped once
        if status is None:
            raw = word.strip().lower()
            default = _STEP_DEFAULTS.get(raw, Status.NOT_COMPLETED)
            status = self.step_statuses[word] = step_status(self.options, raw or "not run", default)
        if not _STEPS_FAST:
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
            if len(self.same_steps) >= _SAME_STEPS:
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
_SAME_STEPS = 256
"""Steps kept for reuse per file (a few hundred distinct calls repeat; more would only cost
memory: each is about 300 bytes)."""
_STEPS_FAST = tuple(f.name for f in attrs.fields(StepResult)) == (
    *("name", "status", "description", "expected", "actual", "attachments"),
)
"""StepResult has exactly these slots: steps are built without the converters (the status is
a StepStatus already, attachments an empty tuple); else with the constructor."""


(
    _step_name_set,
    _step_status_set,
    _step_description_set,
    _step_expected_set,
    _step_actual_set,
    _step_attachments_set,
) = (
    slot_setter(StepResult, field)
    for field in ("name", "status", "description", "expected", "actual", "attachments")
)


def _status(element: Element) -> tuple[str, str]:
    """The raw status word (lower-case) and message of the element's own ``<status>``."""
    for child in element:
        if child.tag == "status":
            return child.get("status", "").strip().lower(), (child.text or "").strip()
    return "", ""


def _own_status(status: Element | None) -> tuple[str, str]:
    """:func:`_status` of an element whose first ``<status>`` is ``status``."""
    if status is None:
        return "", ""
    return status.get("status", "").strip().lower(), (status.text or "").strip()


def _messages(test: Element) -> str:
    """Every message the test logged, one per line: ``time LEVEL text``."""
    return "\n".join(
        f"{m.get('time') or m.get('timestamp') or ''} {m.get('level', '')} {m.text or ''}".strip()
        for m in test.iter("msg")
    )


def _log_errors(path: Path, errors: Element) -> None:
    """Robot's execution errors and warnings (bad imports, syntax...): said, not uploaded."""
    messages = [m for m in errors.iter("msg") if (m.text or "").strip()]
    if messages:
        first = " ".join((messages[0].text or "").split())[:200]
        log.warning(
            "%s: Robot reported %d execution error(s) or warning(s), the first: %s",
            path,
            len(messages),
            first,
        )


def _fail_messages(element: Element) -> str:
    texts = [(m.text or "").strip() for m in element.iter("msg") if m.get("level") == "FAIL"]
    return "\n".join(texts).strip() if texts else ""


def _step_name(element: Element) -> tuple[str, Element | None]:
    """The step's name, and its own (first) ``<status>``: one look at its children."""
    tag = element.tag
    kind = element.get("type")
    kind = kind.lower() if kind else ""
    own = None
    if tag == "kw":
        args: list[str] = []
        assign: list[str] = []
        for child in element:  # its own <arg>/<var> (RF 4+), or under <arguments>/<assign>
            local = child.tag
            if local == "arg":
                args.append(child.text or "")
            elif local == "status":
                if own is None:
                    own = child
            elif local == "var":
                assign.append(child.text or "")
            elif local == "arguments":
                args.extend(c.text or "" for c in child if c.tag == "arg")
            elif local == "assign":
                assign.extend(c.text or "" for c in child if c.tag == "var")
        if kind in _CONTROL_KINDS:
            return f"{kind.upper()} {element.get('name', '')}".strip(), own
        library = element.get("library") or element.get("owner")
        name = element.get("name", "")
        if library and not name.startswith(f"{library}."):
            name = f"{library}.{name}"
        call = "    ".join(filter(None, (name, *args)))
        if assign:
            call = f"{' '.join(assign)} = {call}"
        return (f"{_LABELS[kind]}{call}" if kind in _LABELS else call), own
    own = next((child for child in element if child.tag == "status"), None)
    if tag == "for":
        variables = [v.text or "" for v in element if v.tag == "var"]
        values = [v.text or "" for v in element if v.tag == "value"]
        flavor = element.get("flavor", "IN")
        return "    ".join(["FOR", *variables, flavor, *values]), own
    if tag in ("if", "try"):
        branch = next((b for b in element if b.tag == "branch"), None)
        condition = branch.get("condition", "") if branch is not None else ""
        return f"{tag.upper()} {condition}".strip(), own
    detail = element.get("condition") or element.get("name") or ""
    return f"{tag.upper()} {detail}".strip(), own


def _duration(statuses: list[Element], where: str) -> float | None:
    """``elapsed`` (RF 7) or end - start of the element's own ``<status>``."""
    for status in statuses:
        if (elapsed := status.get("elapsed")) is not None:
            return duration(elapsed, where)
        start, end = _instant(status.get("starttime")), _instant(status.get("endtime"))
        if start is not None and end is not None:
            return duration((end - start).total_seconds(), where)
    return None


def _same_day_span(start: str | None, end: str | None) -> float | None:
    """``(end - start).total_seconds()`` of RF 2-6's ``20240101 10:00:00.123`` times of the
    same day, the usual case (both ``_instant``-valid, the same float), read without building
    datetimes; ``None`` when they are not both of that shape: then ``_instant`` decides."""
    if (
        start is None
        or end is None
        or len(start) != 21
        or len(end) != 21
        or start[:9] != end[:9]
        or not _valid_day(start[:9])
    ):
        return None
    one, two = _time_of_day(start), _time_of_day(end)
    if one is None or two is None:
        return None
    return (two - one) / 1_000_000  # as timedelta.total_seconds() divides its microseconds


def _valid_day(text: str) -> bool:
    """``"20240101 "``: eight ASCII digits of a real date, and the space."""
    known = _DAYS.get(text)
    if known is None:
        known = False
        if text[8] == " " and text[:8].isascii() and text[:8].isdigit():
            try:
                dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
                known = True
            except ValueError:
                pass
        if len(_DAYS) >= 1024:
            _DAYS.clear()
        _DAYS[text] = known
    return known


def _time_of_day(text: str) -> int | None:
    """Microseconds since midnight of ``"... HH:MM:SS.fff"`` (ASCII digits, real values)."""
    if text[11] != ":" or text[14] != ":" or text[17] != ".":
        return None
    digits = text[9:11] + text[12:14] + text[15:17] + text[18:21]
    if not (digits.isascii() and digits.isdigit()):
        return None
    hour, minute, second = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if hour > 23 or minute > 59 or second > 59:
        return None
    return ((hour * 60 + minute) * 60 + second) * 1_000_000 + int(digits[6:]) * 1000


_DAYS: dict[str, bool] = {}


def _instant(text: str | None) -> dt.datetime | None:
    """RF 2-6's ``20240101 10:00:00.123``: what ``strptime`` makes of it with either layout.

    ``strptime`` costs about 5 us a call, two per test; the usual shape (ASCII digits in fixed
    places, 1 to 6 fraction digits) is read by a regular expression and the ``datetime``
    constructor, which refuses the same impossible values. Anything else, or anything the
    constructor refuses, still goes to ``strptime``.
    """
    if not text or text == "N/A":
        return None
    if (found := _RF_TIME.fullmatch(text)) is not None:
        year, month, day, hour, minute, second, fraction = found.groups()
        try:
            return dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second),
                int(fraction.ljust(6, "0")) if fraction else 0,
            )
        except ValueError:
            pass
    for layout in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


__all__ = ["NAME", "read", "sniff"]
