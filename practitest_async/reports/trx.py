"""MSTest / VSTest TRX (root ``<TestRun>``, namespace ``.../TeamTest/2010`` or ``2006``).

One result per ``<UnitTestResult>`` (or other ``*Result``) of ``<Results>``; a data-driven
result's ``<InnerResults>`` rows are one result each (``Test (0)``, ``Test (1)``...), and the
parent that sums them up is not sent. The raw status word is ``outcome`` lower-cased:

- ``passed``, ``passedbutrunaborted``, ``completed`` -> PASSED; ``warning`` -> PASSED with the
  warning in the output;
- ``failed``, ``error``, ``timeout``, ``aborted``, ``disconnected`` -> FAILED;
- ``notexecuted`` -> NO RUN; ``inconclusive``, ``pending``, ``inprogress`` -> NOT COMPLETED;
- ``notrunnable`` -> BLOCKED; so is a test MSTest failed because its class or assembly
  initialization threw (raw ``blocked``), with that failure as output.

The class of a result lives in ``<TestDefinitions>``, which TRX writes after ``<Results>``: a
first, light pass over the whole file (expat with a start-tag handler only, and the same refusal
of entity declarations) indexes each test id's class in an open-addressing table of 64-bit
hashes (about 24 bytes a test, not the tree); it also finds a malformed file before any result
is sent. Then the results are streamed, stopping at ``</Results>``. A run that failed with no
result at all (the test host crashed) becomes one FAILED result named after the run.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ..batch.results import RunResult, Status
from ._base import Head, ReaderOptions, Report
from ._xmlstream import (
    Case,
    CaseBuilder,
    XmlEvents,
    block,
    check_xml,
    dotnet_class,
    log,
    sections,
    short_name,
    text,
    wrong_root,
)

NAME = "trx"
NAMESPACES = (
    "http://microsoft.com/schemas/VisualStudio/TeamTest/2010",
    "http://microsoft.com/schemas/VisualStudio/TeamTest/2006",
)

_STATUS = {
    "passed": Status.PASSED,
    "passedbutrunaborted": Status.PASSED,
    "completed": Status.PASSED,
    "warning": Status.PASSED,
    "failed": Status.FAILED,
    "error": Status.FAILED,
    "timeout": Status.FAILED,
    "aborted": Status.FAILED,
    "disconnected": Status.FAILED,
    "notexecuted": Status.NO_RUN,
    "inconclusive": Status.NOT_COMPLETED,
    "pending": Status.NOT_COMPLETED,
    "inprogress": Status.NOT_COMPLETED,
    "notrunnable": Status.BLOCKED,
}
# MSTest's message on every test of a class (or assembly) whose initialization threw.
_INIT_FAILED = ("Class Initialization method", "Assembly Initialization method")


CHECKS_WHOLE_FILE = True
"""The class index pass reads the whole file first: read_reports skips its own check."""


def sniff(head: Head) -> bool:
    return head.kind == "xml" and head.root == "TestRun" and head.namespace in NAMESPACES


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    return _Reader(path, options).results()


class _ClassIndex:
    """Test id -> class name in an open-addressing table of 64-bit hashes (12 bytes a slot)."""

    def __init__(self) -> None:
        self.size = 1024
        self.keys = array("Q", bytes(8 * self.size))
        self.values = array("I", bytes(4 * self.size))
        self.count = 0
        self.classes: list[str] = [""]
        self.numbers: dict[str, int] = {"": 0}

    @staticmethod
    def _hash(test_id: str) -> int:
        # str's own 64-bit hash: it differs between processes, but the index lives in one
        return (hash(test_id.lower()) & 0xFFFF_FFFF_FFFF_FFFF) | 1  # 0 marks an empty slot

    def add(self, test_id: str, classname: str) -> None:
        if 2 * (self.count + 1) > self.size:
            self._grow()
        number = self.numbers.setdefault(classname, len(self.classes))
        if number == len(self.classes):
            self.classes.append(classname)
        if self._put(self._hash(test_id), number):
            self.count += 1

    def get(self, test_id: str) -> str:
        key, mask = self._hash(test_id), self.size - 1
        slot = key & mask
        while (found := self.keys[slot]) != 0:
            if found == key:
                return self.classes[self.values[slot]]
            slot = (slot + 1) & mask
        return ""

    def _put(self, key: int, number: int) -> bool:
        mask = self.size - 1
        slot = key & mask
        while (found := self.keys[slot]) != 0:
            if found == key:
                self.values[slot] = number
                return False
            slot = (slot + 1) & mask
        self.keys[slot], self.values[slot] = key, number
        return True

    def _grow(self) -> None:
        keys, values = self.keys, self.values
        self.size *= 2
        self.keys = array("Q", bytes(8 * self.size))
        self.values = array("I", bytes(4 * self.size))
        for key, number in zip(keys, values, strict=True):
            if key:
                self._put(key, number)


def _index_classes(path: Path) -> _ClassIndex:
    """The first pass: ``<UnitTest id>`` -> its ``<TestMethod className>``, start tags only.

    It is also the whole-file check that makes a file all or nothing (``CHECKS_WHOLE_FILE``):
    it reads the file through to its end before the first result, so it raises for a broken
    file what the separate check would have.
    """
    index = _ClassIndex()
    current = [""]

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "TestMethod":
            index.add(current[0], dotnet_class(attrs.get("className", "")))
        elif name == "UnitTest" or ("id" in attrs and name.endswith("Test")):
            current[0] = attrs.get("id", "")

    check_xml(path, start)
    return index


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions) -> None:
        self.path = path
        self.build = CaseBuilder(path, options)
        self.build.passed_word("passed")
        self.classes = _ClassIndex()
        self.count = 0
        self.run_name = ""

    def results(self) -> Iterator[RunResult]:
        self.classes = _index_classes(self.path)
        open_elements: list[Element] = []
        results: list[Element] = []  # the open result elements (a parent and its rows)
        has_rows: set[int] = set()  # ids of open results that had inner rows
        ns = ""
        summary_error = ""
        with XmlEvents(self.path) as events:
            for event, element in events:
                if event == "start":
                    if not open_elements:
                        ns = element.tag.partition("}")[0] + "}" if element.tag[:1] == "{" else ""
                        if element.tag != ns + "TestRun":
                            root = element.tag.rpartition("}")[2]
                            raise wrong_root(self.path, root, "<TestRun>")
                        self.run_name = element.get("name", "")
                    elif open_elements[-1].tag in (ns + "Results", ns + "InnerResults"):
                        if results:
                            has_rows.add(id(results[-1]))
                        results.append(element)
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if results and element is results[-1]:
                    results.pop()
                    if id(element) in has_rows:
                        has_rows.discard(id(element))  # its rows were the results
                    elif (result := self._result(element, ns)) is not None:
                        yield result
                elif results:
                    continue  # part of the result, read when it ends
                elif element.tag == ns + "Results" and self.count:
                    # The first pass read the whole file (well-formed, safe); what follows
                    # (definitions, summary) only matters to a run without results.
                    break
                elif element.tag == ns + "Text" and _run_error(open_elements[-1], ns):
                    summary_error = sections(summary_error, text(element.text)) or ""
                if open_elements:
                    open_elements[-1].remove(element)
        if self.count == 0 and summary_error:
            case = Case(
                name=self.run_name or self.path.name,
                status=self.build.status("error", Status.FAILED),
                output=block("test run error", summary_error),
                key_parts=("run",),
            )
            if (result := self.build.result(case, "run")) is not None:
                yield result

    def _result(self, element: Element, ns: str) -> RunResult | None:
        self.count += 1
        get = element.get
        if get("outcome") == "Passed" and not len(element):  # the common case, made cheaply
            classname = self.classes.get(get("testId", ""))
            name = short_name(get("testName", ""), classname)
            row = _row_key(name, get("dataRowInfo"))
            duration = _timespan(get("duration"))
            if (result := self.build.passed(name, classname, (), duration, row)) is not None:
                return result
        raw = element.get("outcome", "").lower()
        default = _STATUS.get(raw)
        if default is None:
            log.warning("%s: unknown TRX outcome %r; NOT COMPLETED", self.path, raw)
            default = Status.NOT_COMPLETED
        message = stack = stdout = stderr = ""
        notes: list[str] = []
        output = element.find(ns + "Output")
        if output is not None:
            stdout = output.findtext(ns + "StdOut") or ""
            stderr = output.findtext(ns + "StdErr") or ""
            info = output.find(ns + "ErrorInfo")
            if info is not None:
                message = text(info.findtext(ns + "Message"))
                stack = text(info.findtext(ns + "StackTrace"))
            messages = output.find(ns + "TextMessages")
            if messages is not None:
                notes = [text(m.text) for m in messages]
        own = "\n".join(filter(None, (message, stack)))
        if default is Status.FAILED and message.startswith(_INIT_FAILED):
            raw, default = "blocked", Status.BLOCKED
            own = block("initialization failed", own)
        elif raw == "warning":
            own = sections(block("warning", message or "\n".join(notes)), stack) or ""
        classname = self.classes.get(element.get("testId", ""))
        name = short_name(element.get("testName", ""), classname)
        case = Case(
            name=name,
            classname=classname,
            status=self.build.status(raw, default),
            output=sections(own, block("messages", "\n".join(notes)) if raw != "warning" else ""),
            stdout=stdout,
            stderr=stderr,
            seconds=_timespan(element.get("duration")),
            key_name=_row_key(name, element.get("dataRowInfo")),
        )
        return self.build.result(case, self.count)


def _row_key(name: str, row: str | None) -> str | None:
    """The name part of a data row's key: the name and the row (rows may share a name)."""
    return f"{name} [row {row}]" if row else None


def _run_error(parent: Element, ns: str) -> bool:
    """Is ``parent`` a ``<RunInfo>`` that reports an error of the run?"""
    return parent.tag == ns + "RunInfo" and parent.get("outcome") == "Error"


def _timespan(value: str | None) -> float | None:
    """Seconds from a .NET TimeSpan: ``hh:mm:ss.fffffff``, ``d.hh:mm:ss``."""
    if not value:
        return None
    try:
        hours, minutes, secs = value.split(":")
        days, _, hours = hours.rpartition(".")
        total = (int(days or 0) * 24 + int(hours)) * 3600 + int(minutes) * 60 + float(secs)
    except ValueError:
        return math.nan
    return total
