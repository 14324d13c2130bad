"""Xray JSON execution results (``{"testExecutionKey", "info", "tests": [...]}``) in.

The ``tests`` array is read one test at a time. Each entry becomes a result, or one per row
when it is data-driven:

- **name**: ``name_template``'s ``{name}`` is the ``testKey`` (the Jira key, or whatever the
  tool put there), else ``testInfo.summary``; ``{classname}``, ``{suite}`` and ``{file}`` are
  empty. A test with neither is named after the file and its position, with a warning.
- **data-driven rows**: each ``iterations[]`` entry is its own result, named with its parameters
  (``CALC-1 [Password=123123, Valid=Not Valid]``, else the iteration's name), with the
  iteration's status, steps and log; each status of a Cucumber test's ``examples[]`` is one
  result ``[example N]``.
- **status**: PASSED/PASS -> PASSED; FAILED/FAIL, ABORTED -> FAILED; TODO, SKIPPED -> NO RUN;
  EXECUTING -> NOT COMPLETED; BLOCKED -> BLOCKED; other (custom) statuses -> NOT COMPLETED with
  a warning; all through ``--status-map``.
- **steps**: ``steps[]`` in order, named by ``testInfo.steps[].action`` when given (else
  ``Step N``), with ``actualResult`` as actual result, ``comment`` as description and their
  ``evidences`` attached; kept where they agree with the status (see :mod:`._shape`).
- **output**: the ``comment``, the row's ``log``, and the ``defects``. **attachments**:
  ``evidence``/``evidences`` (base64) within the size rule of :mod:`._shape`. **duration**:
  ``finish - start``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..batch.results import Attachment, RunResult, Status, StepResult
from . import _jsonstream as js
from ._base import Head, ReaderOptions, Report, ReportError
from ._shape import (
    WORDS,
    AttachmentBudget,
    Keys,
    duration,
    fallback_name,
    fit_steps,
    join_output,
    render_name,
    step_status,
    word_status,
)

NAME = "xray_json"

_KEYS = frozenset({"testExecutionKey", "info", "tests"})


def sniff(head: Head) -> bool:
    """A JSON object with ``tests`` and only Xray's top-level keys, or ``testExecutionKey``."""
    if head.kind != "json" or head.json_type != "object":
        return False
    keys = head.json_keys
    return "testExecutionKey" in keys or ("tests" in keys and keys <= _KEYS)


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """A :class:`RunResult` per test (or per data-driven row); see the module docstring."""
    events = js.events(path)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise ReportError(path, "not Xray JSON: the top level is not a JSON object")
    reader = _Reader(path, options, report)
    seen_tests = False
    for event in events:
        prefix, kind, _ = event
        if prefix == "tests" and not seen_tests:
            if kind != "start_array":
                raise ReportError(path, "not Xray JSON: tests is not an array")
            seen_tests = True
        elif prefix == "tests.item":
            yield from reader.results(js.build(event, events))
    if not seen_tests:
        raise ReportError(path, "not Xray JSON: it has no tests array")


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions, report: Report) -> None:
        self.path = path
        self.options = options
        self.report = report
        self.keys = Keys(path)
        self.position = 0

    def results(self, test: Any) -> Iterator[RunResult]:
        self.position += 1
        where = f"{self.path}: tests[{self.position - 1}]"
        if not isinstance(test, dict):
            self.report(ReportError(self.path, f"{where} is not a JSON object; skipped"))
            return
        info = test.get("testInfo") if isinstance(test.get("testInfo"), dict) else {}
        name = js.text(test, "testKey").strip() or js.text(info, "summary").strip()
        named = bool(name)
        if not name:
            name = fallback_name(self.path, where, "", self.position)
        definitions = [s for s in js.items(info, "steps") if isinstance(s, dict)]
        seconds = _seconds(test, where)
        iterations = [i for i in js.items(test, "iterations") if isinstance(i, dict)]
        examples = js.items(test, "examples")
        rows: list[tuple[str, dict[str, Any]]]
        if iterations:
            rows = [(_row_label(it, n), it) for n, it in enumerate(iterations, 1)]
        elif examples:
            rows = [(f"example {n}", {"status": s}) for n, s in enumerate(examples, 1)]
        else:
            rows = [("", test)]
        for number, (label, row) in enumerate(rows):
            row_name = f"{name} [{label}]" if label else name
            # the test's own evidence goes with its first row, not once per row
            own = number == 0
            result = self._result(test, row, row_name, definitions, seconds, where, own, named)
            if result is not None:
                yield result

    def _result(
        self,
        test: dict[str, Any],
        row: dict[str, Any],
        name: str,
        definitions: list[dict[str, Any]],
        seconds: float | None,
        where: str,
        with_test_evidence: bool,
        named: bool = True,
    ) -> RunResult | None:
        status = word_status(self.options, js.text(row, "status") or "unknown", where)
        if status is Status.NO_RUN and self.options.skipped == "omit":
            return None
        budget = AttachmentBudget(f"{where} ({name})")
        attachments = _evidences(budget, test) if with_test_evidence else []
        if row is not test:
            attachments += _evidences(budget, row)
        steps = [
            self._step(step, number, definitions, budget)
            for number, step in enumerate(js.items(row, "steps"), 1)
            if isinstance(step, dict)
        ]
        defects = [str(d) for d in js.items(test, "defects") if isinstance(d, str | int)]
        comment = js.text(test, "comment").strip()
        log = js.text(row, "log").strip() if row is not test else ""
        output = join_output([comment, log, "Defects: " + ", ".join(defects) if defects else ""])
        fitted, output = fit_steps(status, steps, output, log or comment or None)
        output = join_output([output, *budget.left_out])
        values = {"classname": "", "suite": "", "file": "", "name": name}
        full_name = (named and render_name(self.path, self.options.name_template, values)) or name
        try:
            return RunResult(
                full_name,
                status,
                duration=seconds if row is test else None,
                output=output,
                steps=fitted,
                attachments=attachments,
                key=self.keys.key("", "", name),
            )
        except ValueError as exc:
            self.report(ReportError(self.path, f"{where}: {exc}"))
            return None

    def _step(
        self,
        step: dict[str, Any],
        number: int,
        definitions: list[dict[str, Any]],
        budget: AttachmentBudget,
    ) -> StepResult:
        definition = definitions[number - 1] if number <= len(definitions) else {}
        name = js.text(definition, "action").strip().splitlines()
        word = js.text(step, "status").strip().lower() or "unknown"
        return StepResult(
            (name[0] if name else f"Step {number}")[:255],
            step_status(self.options, word, WORDS.get(word, Status.NOT_COMPLETED)),
            description=js.text(step, "comment").strip() or None,
            expected=js.text(definition, "result").strip() or None,
            actual=js.text(step, "actualResult").strip() or None,
            attachments=_evidences(budget, step),
        )


def _row_label(iteration: dict[str, Any], number: int) -> str:
    parameters = [p for p in js.items(iteration, "parameters") if isinstance(p, dict)]
    if parameters:
        return ", ".join(f"{js.text(p, 'name')}={js.text(p, 'value')}" for p in parameters)
    return js.text(iteration, "name").strip() or f"iteration {number}"


def _evidences(budget: AttachmentBudget, holder: dict[str, Any]) -> list[Attachment]:
    found: list[Attachment] = []
    for item in [*js.items(holder, "evidence"), *js.items(holder, "evidences")]:
        if isinstance(item, dict):
            name = js.text(item, "filename") or f"evidence-{len(found) + 1}"
            attachment = budget.add(item.get("data"), name, js.text(item, "contentType") or None)
            if attachment is not None:
                found.append(attachment)
    return found


def _seconds(test: dict[str, Any], where: str) -> float | None:
    start, finish = _instant(js.text(test, "start")), _instant(js.text(test, "finish"))
    if start is not None and finish is not None:
        return duration((finish - start).total_seconds(), where)
    return duration(test.get("duration"), where)


def _instant(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


__all__ = ["NAME", "read", "sniff"]
