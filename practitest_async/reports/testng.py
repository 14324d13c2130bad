"""TestNG ``testng-results.xml`` (root ``<testng-results>``: suite, test, class, test-method).

One result per ``<test-method>`` that is not a configuration method (``is-config="true"``).
Raw status words: ``pass`` -> PASSED, ``fail`` -> FAILED, ``skip`` -> NO RUN.

- **Data providers**: each row is its own ``<test-method>``; its ``<params>`` go into the name,
  ``method(1, "a")``, so rows are told apart.
- **Retries** (``retried="true"``, TestNG 7's IRetryAnalyzer): the attempts before the last are
  folded into the final attempt's result, whose status it keeps, with the earlier attempts'
  failures in its output. Attempts with no final one become one FAILED result (raw ``retried``).
- **Failed configuration methods** (``@BeforeClass``, ``@BeforeMethod``, ``@BeforeSuite``...):
  the tests TestNG then skipped are BLOCKED (raw ``blocked``) with the configuration failure as
  output: those of the same class, and those of other classes of the suite that carry no
  exception of their own (or the same one). A configuration failure no test carries becomes one
  FAILED result named ``Class.configMethod``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import attrs

from ..batch.results import RunResult, Status
from ._base import Head, ReaderOptions, Report
from ._xmlstream import (
    Case,
    CaseBuilder,
    XmlEvents,
    block,
    log,
    seconds,
    sections,
    text,
    wrong_root,
)

NAME = "testng"

_STATUS = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.NO_RUN}
_PARAM_CHARS = 100  # per value in a name; longer values are cut with an ellipsis


def sniff(head: Head) -> bool:
    return head.kind == "xml" and not head.namespace and head.root == "testng-results"


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    return _Reader(path, options).results()


@attrs.define
class _Config:
    """A failed configuration method."""

    classname: str
    name: str
    exception: str  # its exception class, to recognise the skips it caused elsewhere
    output: str
    key_parts: tuple[str, ...]
    used: bool = False


@attrs.define
class _Class:
    name: str
    configs: list[_Config] = attrs.field(factory=list)
    retried: dict[str, list[str]] = attrs.field(factory=dict)  # name -> earlier attempts
    last_retried: dict[str, Case] = attrs.field(factory=dict)
    count: int = 0


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions) -> None:
        self.path = path
        self.build = CaseBuilder(path, options)
        self.build.passed_word("pass")
        self.suite = ""
        self.test = ""
        self.suite_configs: list[_Config] = []
        self.cls: _Class | None = None

    def results(self) -> Iterator[RunResult]:
        open_elements: list[Element] = []
        kept = 0
        with XmlEvents(self.path) as events:
            for event, element in events:
                tag = element.tag
                if event == "start":
                    if not open_elements and tag != "testng-results":
                        raise wrong_root(self.path, tag, "<testng-results>")
                    if kept or tag == "test-method":
                        kept += 1
                    elif tag == "suite":
                        self.suite, self.suite_configs = element.get("name", ""), []
                    elif tag == "test":
                        self.test = element.get("name", "")
                    elif tag == "class":
                        self.cls = _Class(element.get("name", ""))
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if kept:
                    kept -= 1
                    if kept:
                        continue
                    if (result := self._method(element)) is not None:
                        yield result
                elif tag == "class":
                    yield from self._class_end()
                elif tag == "suite":
                    yield from self._suite_end()
                if open_elements:
                    open_elements[-1].remove(element)

    def _method(self, element: Element) -> RunResult | None:
        cls = self.cls or _Class("")
        get = element.get
        plain = get("status") == "PASS" and get("is-config") != "true" and _bare(element)
        if plain and get("retried") != "true" and (name := get("name", "")) not in cls.retried:
            duration = seconds(get("duration-ms"), 0.001)
            parts = (self.suite, self.test)
            if (result := self.build.passed(name, cls.name, parts, duration)) is not None:
                cls.count += 1  # the common case, made cheaply
                return result
        params = _params(element)
        name = element.get("name", "")
        name = f"{name}({params})" if params is not None else name
        raw = element.get("status", "").lower()
        exception, failure = _exception(element)
        stdout = "\n".join(text(line.text) for r in element.iter("reporter-output") for line in r)
        parts = (self.suite, self.test)
        if element.get("is-config") == "true":
            if raw == "fail":
                shown = sections(failure, block("reporter output", stdout)) or "(no message)"
                failed = _Config(cls.name, name, exception, shown, parts)
                cls.configs.append(failed)
                self.suite_configs.append(failed)
            return None
        cls.count += 1
        default = _STATUS.get(raw)
        if default is None:
            log.warning("%s: unknown TestNG status %r; NOT COMPLETED", self.path, raw)
            default = Status.NOT_COMPLETED
        output: str | None = failure or None
        if default is Status.NO_RUN and (config := self._config_for(cls, exception)):
            raw, default = "blocked", Status.BLOCKED
            output = sections(
                block(
                    f"configuration method {config.classname}.{config.name} failed", config.output
                ),
                failure,
            )
        case = Case(
            name=name,
            classname=cls.name,
            suite=self.test or self.suite,
            status=self.build.status(raw, default),
            output=output,
            stdout=stdout,
            seconds=seconds(element.get("duration-ms"), 0.001),
            key_parts=parts,
        )
        if element.get("retried") == "true":
            attempts = cls.retried.setdefault(name, [])
            attempts.append(
                block(f"attempt {len(attempts) + 1}, retried", failure or "(no message)")
            )
            cls.last_retried[name] = case
            return None
        if earlier := cls.retried.pop(name, None):
            cls.last_retried.pop(name, None)
            case.output = sections(case.output or "", *earlier)
        return self.build.result(case, cls.count)

    def _config_for(self, cls: _Class, exception: str) -> _Config | None:
        """The failed configuration method that made TestNG skip a test, if any."""
        candidates = cls.configs or [
            c for c in self.suite_configs if not exception or c.exception == exception
        ]
        if not candidates:
            return None
        config = candidates[-1]
        config.used = True
        return config

    def _class_end(self) -> Iterator[RunResult]:
        cls, self.cls = self.cls, None
        if cls is None:
            return
        for name, case in cls.last_retried.items():  # retried, with no final attempt
            case.status = self.build.status("retried", Status.FAILED)
            case.output = sections(*cls.retried.get(name, []))
            if (result := self.build.result(case, name)) is not None:
                yield result

    def _suite_end(self) -> Iterator[RunResult]:
        for config in self.suite_configs:
            if config.used:
                continue
            case = Case(
                name=config.name,
                classname=config.classname,
                suite=config.key_parts[-1],
                status=self.build.status("fail", Status.FAILED),
                output=f"[configuration method failed]\n{config.output}",
                key_parts=(*config.key_parts, "config"),
            )
            if (result := self.build.result(case, "config")) is not None:
                yield result
        self.suite_configs = []


def _bare(element: Element) -> bool:
    """No child but an empty ``<reporter-output>`` (no parameters, exception or output)."""
    if not len(element):
        return True
    return len(element) == 1 and element[0].tag == "reporter-output" and not len(element[0])


def _params(element: Element) -> str | None:
    """``1, "a"`` from ``<params>``, or ``None`` when the method has none."""
    params = element.find("params")
    if params is None:
        return None
    values = []
    for param in params:
        value = param.find("value")
        if value is None or value.get("is-null") == "true":
            values.append("null")
            continue
        shown = text(value.text).strip()
        values.append(shown if len(shown) <= _PARAM_CHARS else shown[:_PARAM_CHARS] + "…")
    return ", ".join(values)


def _exception(element: Element) -> tuple[str, str]:
    """The exception's class and what to show of it (message and stack trace)."""
    exception = element.find("exception")
    if exception is None:
        return "", ""
    kind = exception.get("class", "")
    trace = text(exception.findtext("full-stacktrace"))
    if trace:
        return kind, trace  # starts with the class and message
    message = text(exception.findtext("message"))
    return kind, ": ".join(filter(None, (kind, message)))
