"""NUnit XML: NUnit 3 (root ``<test-run>``, or a bare ``<test-suite>``) and NUnit 2
(``<test-results>``).

One result per ``<test-case>``, at any depth of ``<test-suite>``. The raw status word is the
case's ``label`` when it has one (``Error``, ``Invalid``, ``Cancelled``, ``Ignored``,
``Explicit``), else its ``result``; NUnit 2.2 cases without ``result`` read ``executed`` and
``success``. A fixture whose (One)TimeSetUp failed: its cases (NUnit 3 ``site="Parent"``, NUnit 2
"TestFixtureSetUp failed") are BLOCKED with the fixture's failure as output (raw word
``blocked``); a setup failure no case carries, and a OneTimeTearDown failure, become one FAILED
result named after the fixture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from xml.etree.ElementTree import Element

import attrs

from ..batch.results import RunResult, Status
from ._base import Head, ReaderOptions, Report, ReportError
from ._xmlstream import (
    Case,
    CaseBuilder,
    XmlEventBatches,
    block,
    log,
    practitest_properties,
    seconds,
    sections,
    text,
    wrong_root,
)

NAME = "nunit"

_STATUS = {
    "passed": Status.PASSED,
    "success": Status.PASSED,
    "warning": Status.PASSED,  # with the warning in the output
    "failed": Status.FAILED,
    "failure": Status.FAILED,
    "error": Status.FAILED,
    "cancelled": Status.FAILED,
    "timeout": Status.FAILED,
    "skipped": Status.NO_RUN,
    "ignored": Status.NO_RUN,
    "explicit": Status.NO_RUN,
    "notrun": Status.NO_RUN,
    "inconclusive": Status.NOT_COMPLETED,
    "invalid": Status.BLOCKED,
    "notrunnable": Status.BLOCKED,
    "blocked": Status.BLOCKED,
}
_SUITE_TEXTS = ("failure", "reason", "output")  # of a suite, read when they end
# What NUnit writes on a suite whose only problem is its children's.
_CHILD_FAILURES = ("child test failed", "one or more child tests had errors", "onetimesetup:")
_SETUP_FAILED = ("testfixturesetup failed", "parent setup failed", "onetimesetup:")


def sniff(head: Head) -> bool:
    if head.kind != "xml" or head.namespace:
        return False
    if head.root in ("test-run", "test-results"):
        return True
    # A bare NUnit 3 assembly result; JUnit's is <testsuite>, without the dash.
    return head.root == "test-suite"


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    return chain.from_iterable(_Reader(path, options, report).batches())


@attrs.define
class _Suite:
    name: str
    fullname: str
    kind: str  # NUnit's type: Assembly, Namespace, TestFixture, ParameterizedMethod...
    failure: str = ""  # the suite's own setup or teardown failure
    teardown: bool = False
    used: bool = False  # a case carried the failure
    cases: int = 0
    output: str = ""  # what the fixture wrote (OneTimeSetUp logs): for its failed cases
    parts: tuple[str, ...] = attrs.field(init=False)  # the key parts of its cases

    def __attrs_post_init__(self) -> None:
        self.parts = (self.fullname,)


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions, report: Report) -> None:
        self.path = path
        self.report_to = report
        self.ready: list[RunResult | ReportError] = []  # results (and problems) of a chunk
        self.problems = False  # a ReportError waits in ready
        self.build = CaseBuilder(path, options)
        self.suites: list[_Suite] = []
        self.version = 3
        self.passed_raw = "passed"
        self.build.passed_word("passed")
        self.known: dict[tuple[str | None, str | None], tuple[str, Status]] = {}
        self.seconds: dict[str | None, float | None] = {}  # duration texts read

    def report(self, error: ReportError) -> None:
        """A case that cannot become a result: reported in file order, among the results."""
        self.ready.append(error)
        self.problems = True

    def _flush(self, ready: list[RunResult | ReportError]) -> Iterator[RunResult]:
        for item in ready:
            if type(item) is ReportError:
                self.report_to(item)
            else:
                yield item  # type: ignore[misc]

    def batches(self) -> Iterator[Iterable[RunResult]]:
        """The results, a list per chunk read (chained by :func:`read`: no generator step of
        ours per result)."""
        open_elements: list[Element] = []
        kept = 0  # open elements whose children are read when they end (a case, a failure)
        with XmlEventBatches(self.path) as batches:
            for events in batches:  # a list per chunk: no generator per event
                ready = self.ready
                for event, element in events:
                    tag = element.tag
                    if event == "start":
                        if not open_elements:
                            self._root(tag)
                        if tag == "test-suite" and not kept:
                            self.suites.append(self._suite(element))
                        elif tag == "test-case" or (
                            tag in _SUITE_TEXTS and open_elements[-1].tag == "test-suite"
                        ):
                            kept += 1
                        open_elements.append(element)
                        continue
                    open_elements.pop()
                    if tag == "test-case":
                        kept -= 1
                        if not kept and (result := self._case(element)) is not None:
                            ready.append(result)
                    elif kept and tag in _SUITE_TEXTS and open_elements[-1].tag == "test-suite":
                        kept -= 1
                        self._suite_failure(open_elements[-1], element)
                    elif kept:
                        continue  # part of a case or failure, read when that ends
                    elif tag == "test-suite":
                        suite = self.suites.pop()
                        if (result := self._suite_end(suite)) is not None:
                            ready.append(result)
                    if open_elements:
                        open_elements[-1].remove(element)
                if ready:
                    self.ready = []
                    yield self._flush(ready) if self.problems else ready  # type: ignore[misc]

    def _root(self, tag: str) -> None:
        if tag == "test-results":
            self.version, self.passed_raw = 2, "success"
            self.build.passed_word("success")
        elif tag not in ("test-run", "test-suite"):
            raise wrong_root(self.path, tag, "<test-run>, <test-suite> or <test-results>")

    def _suite(self, element: Element) -> _Suite:
        name = element.get("name", "")
        kind = element.get("type", "")
        fullname = element.get("fullname", "")
        if not fullname:  # NUnit 2: a namespace is a suite holding the suites inside it
            outer = self.suites[-1] if self.suites else None
            inside = outer is not None and outer.kind not in ("Assembly", "TestSuite", "Project")
            fullname = f"{outer.fullname}.{name}" if outer and inside else name
        return _Suite(name, fullname, kind)

    def _suite_failure(self, element: Element, failure: Element) -> None:
        if not self.suites:
            return
        suite = self.suites[-1]
        if failure.tag == "output":
            suite.output = text(failure.text)
            return
        message = text(failure.findtext("message"))
        lowered = message.lower()
        site = element.get("site", "")
        if self.version == 3:
            if site not in ("SetUp", "TearDown"):
                return
            suite.teardown = site == "TearDown"
        else:
            result = element.get("result", "")
            if failure.tag == "reason" and result != "NotRunnable":
                return
            if not message or lowered.startswith(_CHILD_FAILURES):
                return
            suite.teardown = lowered.startswith("teardown")
        trace = text(failure.findtext("stack-trace"))
        suite.failure = "\n".join(filter(None, (message, trace)))

    def _suite_end(self, suite: _Suite) -> RunResult | None:
        if not suite.failure or (suite.used and not suite.teardown):
            return None
        where = "OneTimeTearDown" if suite.teardown else "OneTimeSetUp"
        case = Case(
            name=suite.fullname or suite.name,
            status=self.build.status("failed", Status.FAILED),
            output=sections(
                f"[{where} of {suite.fullname or suite.name} failed]\n{suite.failure}",
                block("fixture output", suite.output),
            ),
            key_parts=("suite",),
        )
        return self.build.result(case, "suite")

    def _case(self, element: Element) -> RunResult | None:
        suite = self.suites[-1] if self.suites else None
        if suite is not None:
            suite.cases += 1
        get = element.get
        label, result = get("label"), get("result")
        known = self.known.get((label, result))
        raw, default = known if known else self._raw_status(label, result, element)
        if raw == self.passed_raw and not len(element):  # the common case, made cheaply
            fullname = get("fullname") or get("name") or ""
            name = get("name", "")
            if self.version == 3 and name and fullname.endswith("." + name):
                classname = fullname[: -len(name) - 1]  # what _classname says, inline
            else:
                classname = self._classname(element, fullname)
                name = fullname[len(classname) + 1 :] if classname else fullname
            parts = suite.parts if suite else ("",)
            written = get("duration") or get("time")
            duration = self.seconds.get(written)
            if duration is None:
                duration = seconds(written)
                if len(self.seconds) < 4096:  # the same few values recur
                    self.seconds[written] = duration
            if (passed := self.build.passed(name, classname, parts, duration)) is not None:
                return passed
        message = stack = reason = stdout = ""
        properties: list[tuple[str, str]] = []
        for child in element if len(element) else ():
            tag = child.tag
            if tag == "failure":
                message = text(child.findtext("message"))
                stack = text(child.findtext("stack-trace"))
            elif tag == "reason":
                reason = text(child.findtext("message"))
            elif tag == "output":
                stdout = child.text or ""
            elif tag == "properties":
                properties = [(p.get("name", ""), p.get("value", "")) for p in child]
        own = f"{message}\n{stack}" if message and stack else message or stack
        if default is Status.FAILED and self._blocked(element, message):
            raw, default = "blocked", Status.BLOCKED
        if default is Status.BLOCKED:  # never ran: say why, from its fixture if that failed
            setup = self._setup_failure()
            own = sections(block("setup failure", setup), own if own != setup else "") or ""
        if default in (Status.FAILED, Status.BLOCKED) and (logs := self._suite_output()):
            own = sections(own, logs) or ""
        status = self.build.status(raw, default)
        if raw == "warning":
            output = sections(block("warning", reason or message), own if reason else "")
        elif reason:
            output = sections(own, block(raw, reason))
        else:
            output = own or None
        fullname = get("fullname") or get("name") or ""
        classname = self._classname(element, fullname)
        name = fullname[len(classname) + 1 :] if classname else fullname
        case = Case(
            name=name,
            classname=classname,
            suite=suite.name if suite else "",
            status=status,
            output=output,
            stdout=stdout,
            seconds=seconds(get("duration") or get("time")),
            key_parts=suite.parts if suite else ("",),
        )
        if properties:
            try:
                case.test_id, case.fields = practitest_properties(properties)
            except ValueError as exc:
                self.report(ReportError(self.path, f"test case {fullname!r}: {exc}"))
                return None
        return self.build.result(case, suite.cases if suite else 0)

    def _raw_status(
        self, label: str | None, result: str | None, element: Element
    ) -> tuple[str, Status]:
        """The raw word and its default status; NUnit writes few combinations, so each is
        worked out once."""
        known = self.known.get((label, result))
        if known is not None:
            return known
        raw_label = (label or "").lower()
        raw_result = (result or "").lower()
        if not raw_result:  # NUnit 2.2
            if element.get("executed", "True").lower() != "true":
                raw_result = "skipped"
            else:
                success = element.get("success", "").lower() == "true"
                raw_result = "success" if success else "failure"
        elif raw_result == "skipped" and element.get("runstate", "") == "NotRunnable":
            return "notrunnable", Status.BLOCKED
        default = _STATUS.get(raw_label) or _STATUS.get(raw_result)
        if default is None:
            log.warning("%s: unknown NUnit result %r; NOT COMPLETED", self.path, label or result)
            default = Status.NOT_COMPLETED
        found = (raw_label if raw_label in _STATUS else raw_result), default
        if result and raw_result != "skipped":  # the same pair means the same every time
            self.known[(label, result)] = found
        return found

    def _suite_output(self) -> str:
        """What the enclosing fixtures wrote (a OneTimeSetUp's log), for a case that failed."""
        return "\n\n".join(
            block(f"output of {suite.fullname}", suite.output)
            for suite in self.suites
            if suite.output
        )

    def _blocked(self, element: Element, message: str) -> bool:
        if element.get("site") == "Parent":
            return True
        return self.version == 2 and message.lower().startswith(_SETUP_FAILED)

    def _setup_failure(self) -> str:
        for suite in reversed(self.suites):
            if suite.failure and not suite.teardown:
                suite.used = True
                return suite.failure
        return ""

    def _classname(self, element: Element, fullname: str) -> str:
        name = element.get("name", "")
        if self.version == 3 and name and fullname.endswith("." + name):
            return fullname[: -len(name) - 1]  # the fixture, with its parameters if any
        if self.version == 3 and element.get("classname"):
            classname = element.get("classname", "")
            return classname if fullname.startswith(classname + ".") else ""
        # NUnit 2 names are qualified: Ns.Class.Method(args)
        cut = min((i for i in (fullname.find("("), fullname.find("<")) if i >= 0), default=-1)
        base = fullname if cut < 0 else fullname[:cut]
        return base.rpartition(".")[0]
