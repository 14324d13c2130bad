"""xUnit.net XML: v2 (root ``<assemblies>``: assembly, collection, test) and v1 (root
``<assembly>``: class, test).

One result per ``<test>``; theory rows are separate ``<test>`` elements whose names carry their
arguments (``Ns.Class.Method(x: 1)``). The raw status word is ``result`` lower-cased: ``pass`` ->
PASSED, ``fail`` -> FAILED, ``skip`` and ``notrun`` -> NO RUN. Failures no test carries (v2
``<errors><error type="test-class-cleanup">``, a v1 ``<failure>`` on a ``<class>``) become one
FAILED result each, named after the class or the error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PureWindowsPath
from xml.etree.ElementTree import Element

from ..batch.results import RunResult, Status
from ._base import Head, ReaderOptions, Report, ReportError
from ._xmlstream import (
    Case,
    CaseBuilder,
    XmlEvents,
    block,
    log,
    practitest_properties,
    seconds,
    sections,
    short_name,
    text,
    wrong_root,
)

NAME = "xunit"

_STATUS = {
    "pass": Status.PASSED,
    "fail": Status.FAILED,
    "skip": Status.NO_RUN,
    "notrun": Status.NO_RUN,
}
_CONTAINERS = ("assembly", "collection", "class")


def sniff(head: Head) -> bool:
    if head.kind != "xml" or head.namespace:
        return False
    if head.root == "assemblies":
        return True
    # v1: <assembly> with xUnit's own attributes (not an MSBuild or .NET config file)
    attrs = head.root_attrs
    return head.root == "assembly" and (
        "test-framework" in attrs or ("total" in attrs and "passed" in attrs)
    )


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    return _Reader(path, options, report).results()


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions, report: Report) -> None:
        self.path = path
        self.report = report
        self.build = CaseBuilder(path, options)
        self.build.passed_word("pass")
        self.scopes: list[tuple[str, str]] = []  # (tag, name) of open assembly/collection/class
        self.count = 0
        self.key_parts: tuple[str, ...] = ()  # the names of the open scopes

    def results(self) -> Iterator[RunResult]:
        open_elements: list[Element] = []
        kept = 0  # open elements whose children are read when they end: a test, an error
        with XmlEvents(self.path) as events:
            for event, element in events:
                tag = element.tag
                if event == "start":
                    if not open_elements and tag not in ("assemblies", "assembly"):
                        raise wrong_root(self.path, tag, "<assemblies> or <assembly>")
                    if kept:
                        pass
                    elif tag in _CONTAINERS:
                        self.scopes.append((tag, self._scope_name(tag, element)))
                        self.key_parts = tuple(name for _, name in self.scopes)
                    elif tag in ("test", "error") or (
                        tag == "failure" and open_elements[-1].tag == "class"
                    ):
                        kept += 1
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if kept and (
                    tag in ("test", "error")
                    or (tag == "failure" and open_elements[-1].tag == "class")
                ):
                    kept -= 1
                    if not kept:
                        result = self._test(element) if tag == "test" else self._error(element)
                        if result is not None:
                            yield result
                elif kept:
                    continue
                elif tag in _CONTAINERS:
                    self.scopes.pop()
                    self.key_parts = tuple(name for _, name in self.scopes)
                if open_elements:
                    open_elements[-1].remove(element)

    @staticmethod
    def _scope_name(tag: str, element: Element) -> str:
        name = element.get("name", "")
        if tag == "assembly":  # a path to the DLL; its file name is what tells it apart
            return PureWindowsPath(name).name if "\\" in name else Path(name).name
        return name

    def _test(self, element: Element) -> RunResult | None:
        self.count += 1
        get = element.get
        if get("result") == "Pass" and not len(element):  # the common case, made cheaply
            classname = get("type", "")
            name = short_name(get("name", ""), classname)
            duration = seconds(get("time"))
            if (result := self.build.passed(name, classname, self.key_parts, duration)) is not None:
                return result
        raw = element.get("result", "").lower()
        default = _STATUS.get(raw)
        if default is None:
            log.warning("%s: unknown xUnit result %r; NOT COMPLETED", self.path, raw)
            default = Status.NOT_COMPLETED
        failure = reason = stdout = ""
        traits: list[tuple[str, str]] = []
        for child in element if len(element) else ():
            if child.tag == "failure":
                failure = _failure(child)
            elif child.tag == "reason":
                reason = text(child.text) or text(child.findtext("message"))
            elif child.tag == "output":
                stdout = child.text or ""
            elif child.tag == "traits":
                traits = [(t.get("name", ""), t.get("value", "")) for t in child]
        classname = element.get("type", "")
        case = Case(
            name=short_name(element.get("name", ""), classname),
            classname=classname,
            suite=self.scopes[-1][1] if self.scopes else "",
            status=self.build.status(raw, default),
            output=sections(failure, block(raw, reason)) if failure or reason else None,
            stdout=stdout,
            seconds=seconds(element.get("time")),
            key_parts=self.key_parts,
        )
        if traits:
            try:
                case.test_id, case.fields = practitest_properties(traits)
            except ValueError as exc:
                name = element.get("name", "")
                self.report(ReportError(self.path, f"test {name!r}: {exc}"))
                return None
        return self.build.result(case, self.count)

    def _error(self, element: Element) -> RunResult | None:
        """A v2 ``<error>`` or a v1 class ``<failure>``: a failure no test carries."""
        if element.tag == "error":
            kind = element.get("type", "error")
            name = element.get("name") or (self.scopes[-1][1] if self.scopes else "")
            detail = next((_failure(c) for c in element if c.tag == "failure"), "")
        else:
            kind, name, detail = "class failure", self.scopes[-1][1], _failure(element)
        case = Case(
            name=f"{name} [{kind}]" if name else f"[{kind}]",
            status=self.build.status("fail", Status.FAILED),
            output=sections(f"[{kind}] {name}".rstrip(), detail),
            key_parts=(*self.key_parts, kind),
        )
        return self.build.result(case, kind)


def _failure(element: Element) -> str:
    kind = element.get("exception-type", "")
    message = text(element.findtext("message"))
    head = message if not kind or message.startswith(kind) else f"{kind}: {message}"
    return "\n".join(filter(None, (head, text(element.findtext("stack-trace")))))
