"""Robot Framework ``output.xml`` (RF 2.8 to 7.x, schema versions 1 to 5) in, one result per test.

Read as a stream (defusedxml vets the prolog, the C ``iterparse`` reads the body): a test's
elements are kept until the test ends, then dropped, so memory follows the largest test, not
the file. Every ``<test>`` (tasks too, at any
depth of ``<suite>``) becomes a result:

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
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import attrs

from ..batch.results import RunResult, Status, StepResult
from ..models import StepStatus
from ._base import Head, ReaderOptions, Report, ReportError
from ._shape import (
    Keys,
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
from ._xmlstream import XmlEvents

NAME = "robot"

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


def sniff(head: Head) -> bool:
    """An XML file whose root is ``<robot>``."""
    return head.kind == "xml" and head.root == "robot"


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """A :class:`RunResult` per test (see the module docstring)."""
    teardowns = _failed_teardowns(path) if _mentions_teardown_failure(path) else {}
    yield from _Reader(path, options, report, teardowns).results()


# -- parsing -----------------------------------------------------------------------------------


def _parse(path: Path) -> Iterator[tuple[str, Element]]:
    """``(event, element)`` for starts and ends, with errors as :class:`ReportError`: the shared
    safe reader of :mod:`._xmlstream` (defusedxml vets the prolog, C ``iterparse`` the body)."""
    with XmlEvents(path) as events:
        yield from events


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


def _failed_teardowns(path: Path) -> dict[tuple[int, ...], str]:
    """Suite position -> its teardown's failure, for the suites whose teardown failed."""
    failed: dict[tuple[int, ...], str] = {}
    walker = _SuiteWalker()
    for event, element in _parse(path):
        tag = element.tag  # output.xml has no namespaces
        if event == "start":
            walker.start(element, tag)
            continue
        parent, was_suite = walker.end()
        if parent is None:
            continue
        if tag == "status" and walker.is_suite[-1]:
            message = _teardown_message(element.text or "")
            if message:
                failed[walker.suite_path()] = message
        elif was_suite:
            walker.leave_suite()
        if parent.tag in ("suite", "robot") and tag != "status":
            parent.remove(element)
    return failed


def _teardown_message(status_text: str) -> str:
    marker = "uite teardown failed:"
    at = status_text.find(marker)
    return status_text[at + len(marker) :].strip() if at >= 0 else ""


class _SuiteWalker:
    """The open elements and suites, with each suite's position (``(0, 2, 1)``) in the file."""

    def __init__(self) -> None:
        self.stack: list[Element] = []
        self.is_suite: list[bool] = []  # per open element: a <suite> of the results tree
        self.positions: list[tuple[int, ...]] = []
        self.children: list[int] = [0]

    def start(self, element: Element, tag: str) -> bool:
        """Open ``element``; True when it is a suite (not ``<statistics>``' ``<suite>``)."""
        parent = self.stack[-1].tag if self.stack else None
        suite = tag == "suite" and parent in ("robot", "suite")
        self.stack.append(element)
        self.is_suite.append(suite)
        if suite:
            index = self.children[-1]
            self.children[-1] += 1
            self.positions.append((*(self.positions[-1] if self.positions else ()), index))
            self.children.append(0)
        return suite

    def end(self) -> tuple[Element | None, bool]:
        """Close the innermost element: its parent, and whether it was a suite."""
        self.stack.pop()
        was_suite = self.is_suite.pop()
        return (self.stack[-1] if self.stack else None), was_suite

    def leave_suite(self) -> None:
        self.positions.pop()
        self.children.pop()

    def suite_path(self) -> tuple[int, ...]:
        return self.positions[-1] if self.positions else ()


# -- reading -----------------------------------------------------------------------------------


@attrs.define
class _Suite:
    name: str
    source: str
    position: tuple[int, ...]
    long_name: str
    setup_failure: str | None = None
    messages: list[str] = attrs.field(factory=list)
    message_chars: int = 0
    results: int = 0  # results yielded for tests in this suite or below
    tests: int = 0  # direct tests, for nameless ones

    def note(self, text: str) -> None:
        if self.message_chars < _SUITE_MESSAGES_LIMIT and text.strip():
            self.messages.append(text.strip())
            self.message_chars += len(text)


class _Reader:
    def __init__(
        self,
        path: Path,
        options: ReaderOptions,
        report: Report,
        teardowns: dict[tuple[int, ...], str],
    ) -> None:
        self.path = path
        self.options = options
        self.report = report
        self.teardowns = teardowns
        self.walker = _SuiteWalker()
        self.suites: list[_Suite] = []
        self.keys = Keys(path)
        self.step_statuses: dict[str, StepStatus] = {}

    def results(self) -> Iterator[RunResult]:
        for event, element in _parse(self.path):
            tag = element.tag
            if event == "start":
                if not self.walker.stack and tag != "robot":
                    raise ReportError(
                        self.path, f"not a Robot Framework output.xml: the root is <{tag}>"
                    )
                if self.walker.start(element, tag):
                    self._enter_suite(element)
                continue
            parent, was_suite = self.walker.end()
            if parent is None or parent.tag not in ("suite", "robot"):
                continue  # part of a test or keyword: kept until its owner ends
            if tag == "test" and self.suites:
                if (result := self._test(element)) is not None:
                    for suite in self.suites:
                        suite.results += 1
                    yield result
            elif tag in ("kw", "setup", "teardown") and self.suites:
                self._suite_keyword(element, tag)
            elif was_suite and (result := self._leave_suite(element)) is not None:
                yield result
            elif tag == "errors":
                _log_errors(self.path, element)
            if tag != "status":  # a suite's status is read when the suite ends
                parent.remove(element)  # done with it: the tree never holds more than one test

    # -- suites --------------------------------------------------------------------------

    def _enter_suite(self, element: Element) -> None:
        name = element.get("name", "")
        parent = self.suites[-1].long_name if self.suites else ""
        long_name = ".".join(filter(None, (parent, name)))
        suite = _Suite(name, element.get("source", ""), self.walker.suite_path(), long_name)
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

    def _leave_suite(self, element: Element) -> RunResult | None:
        suite = self.suites.pop()
        self.walker.leave_suite()
        status, message = _status(element)
        if suite.results or status != "fail":
            return None
        # A failed suite with no test to carry its failure: one FAILED result for the suite.
        for parent in self.suites:
            parent.results += 1
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
        return RunResult(
            full_name,
            self.options.status("fail", Status.FAILED),
            duration=_duration(element, self.path),
            output=output or "the suite failed and has no tests",
            key=self.keys.key(outer, name, "(suite)"),
        )

    # -- tests ---------------------------------------------------------------------------

    def _test(self, test: Element) -> RunResult | None:
        suite = self.suites[-1]
        suite.tests += 1
        name = test.get("name", "").strip()
        named = bool(name)
        if not name:
            where = f"test {test.get('id') or '#' + str(suite.tests)}"
            name = fallback_name(self.path, where, suite.long_name, suite.tests)
        raw, message = _status(test)
        status, reason = self._test_status(raw, message)
        if status is Status.NO_RUN and self.options.skipped == "omit":
            return None
        steps = [self._step(child) for child in test if child.tag not in _NOT_STEPS]
        suite_output: list[str] = []
        if status in (Status.FAILED, Status.BLOCKED):
            suite_output = [m for s in self.suites for m in s.messages]
        teardown = self._teardown_failure(message)
        if teardown and raw in ("pass", "fail"):
            reason = f"Parent suite teardown failed:\n{teardown}"
            status = self.options.status("fail", Status.FAILED)
            message = join_output([message, reason]) or reason
        fitted, output = fit_steps(status, steps, join_output([message, *suite_output]), reason)
        values = {
            "classname": suite.long_name,
            "suite": suite.name,
            "file": suite.source,
            "name": name,
        }
        full_name = (named and render_name(self.path, self.options.name_template, values)) or name
        attachments = []
        if self.options.attach_output:
            attachments = output_files(full_name, {"messages": _messages(test)})
        try:
            return RunResult(
                full_name,
                status,
                duration=_duration(test, self.path),
                output=output,
                steps=fitted,
                attachments=attachments,
                key=self.keys.key(suite.long_name, "", name),
            )
        except ValueError as exc:
            self.report(ReportError(self.path, f"test {full_name!r}: {exc}"))
            return None

    def _test_status(self, raw: str, message: str) -> tuple[Status, str | None]:
        setup_failure = next((s.setup_failure for s in self.suites if s.setup_failure), None)
        lowered = message.lower()
        if raw == "fail" and (setup_failure or lowered.startswith(_PARENT_SETUP)):
            return self.options.status("blocked", Status.BLOCKED), message or setup_failure
        default = _DEFAULTS.get(raw)
        if default is None:
            return word_status(self.options, raw or "unknown", f"{self.path}"), message or None
        return self.options.status(raw, default), message or None

    def _teardown_failure(self, message: str) -> str | None:
        if "suite teardown failed" in message.lower():
            return None  # rebot already put it on the test
        for suite in reversed(self.suites):
            if (failure := self.teardowns.get(suite.position)) is not None:
                return failure
        return None

    def _step(self, element: Element) -> StepResult:
        raw, message = _status(element)
        actual = message or _fail_messages(element) or None
        status = self.step_statuses.get(raw)
        if status is None:
            default = _STEP_DEFAULTS.get(raw, Status.NOT_COMPLETED)
            status = self.step_statuses[raw] = step_status(self.options, raw or "not run", default)
        return StepResult(_step_name(element)[:255] or "step", status, actual=actual)


def _status(element: Element) -> tuple[str, str]:
    """The raw status word (lower-case) and message of the element's own ``<status>``."""
    for child in element:
        if child.tag == "status":
            return child.get("status", "").strip().lower(), (child.text or "").strip()
    return "", ""


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
    return "\n".join(
        (m.text or "").strip() for m in element.iter("msg") if m.get("level") == "FAIL"
    ).strip()


def _step_name(element: Element) -> str:
    tag = element.tag
    kind = (element.get("type") or "").lower()
    if tag == "kw" and kind in ("for", "foritem", "while", "if", "else if", "else", "try"):
        return f"{kind.upper()} {element.get('name', '')}".strip()
    if tag == "kw":
        args, assign = _own_texts(element, "arg", "arguments"), _own_texts(element, "var", "assign")
        label = {"setup": "Setup: ", "teardown": "Teardown: "}.get(kind, "")
        library = element.get("library") or element.get("owner")
        name = element.get("name", "")
        if library and not name.startswith(f"{library}."):
            name = f"{library}.{name}"
        call = "    ".join(filter(None, (name, *args)))
        return f"{label}{' '.join(assign) + ' = ' if assign else ''}{call}"
    if tag == "for":
        variables = [v.text or "" for v in element if v.tag == "var"]
        values = [v.text or "" for v in element if v.tag == "value"]
        flavor = element.get("flavor", "IN")
        return "    ".join(["FOR", *variables, flavor, *values])
    if tag in ("if", "try"):
        branch = next((b for b in element if b.tag == "branch"), None)
        condition = branch.get("condition", "") if branch is not None else ""
        return f"{tag.upper()} {condition}".strip()
    detail = element.get("condition") or element.get("name") or ""
    return f"{tag.upper()} {detail}".strip()


def _own_texts(keyword: Element, tag: str, holder: str) -> list[str]:
    """Texts of the keyword's own ``<arg>``/``<var>`` children (RF 4+), or of those under its
    ``<arguments>``/``<assign>`` (RF 2-3); never those of the keywords it called."""
    found: list[str] = []
    for child in keyword:
        local = child.tag
        if local == tag:
            found.append(child.text or "")
        elif local == holder:
            found.extend(c.text or "" for c in child if c.tag == tag)
    return found


def _duration(element: Element, path: Path) -> float | None:
    for child in element:
        if child.tag != "status":
            continue
        where = f"{path}: {element.get('id') or element.get('name') or 'test'}"
        if (elapsed := child.get("elapsed")) is not None:
            return duration(elapsed, where)
        start, end = _instant(child.get("starttime")), _instant(child.get("endtime"))
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
