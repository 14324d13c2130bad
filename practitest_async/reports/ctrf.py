"""CTRF JSON (``{"results": {"tool", "summary", "tests": [...]}}``) in, one result per test.

The ``results.tests`` array is read one test at a time. Each entry becomes a result:

- **name**: ``name_template`` with ``{classname}``/``{suite}`` the entry's ``suite`` (a list is
  joined with `` > ``), ``{file}`` its ``filePath``, ``{name}`` its ``name``; ``parameters``
  (an object) are appended in brackets so data-driven rows differ. Repeated entries of one name
  (Playwright ``--repeat-each``) stay separate results with their own ordinals.
- **status**: passed -> PASSED, failed -> FAILED, skipped -> NO RUN, pending -> NOT COMPLETED,
  other -> by its ``rawStatus`` (timedOut, interrupted -> FAILED...) else NOT COMPLETED; raw
  words go through ``--status-map``.
- **retries**: an entry is already the final attempt; ``retryAttempts`` (their failures) or
  ``retries``/``flaky`` go into its output.
- **output**: message, trace, snippet, stdout and stderr for a FAILED test; the message
  otherwise. **steps**: ``steps[]`` (name, status), kept only where they agree with the status
  (see :mod:`._shape`). **attachments**: ``attachments[].path`` files that exist inside the
  report's folder (a report cannot make us upload other files). **duration**: ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..batch.results import Attachment, RunResult, Status, StepResult
from . import _jsonstream as js
from ._base import Head, ReaderOptions, Report, ReportError
from ._shape import (
    WORDS,
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

NAME = "ctrf"

_TESTS = "results.tests"


def sniff(head: Head) -> bool:
    """A JSON object with ``results`` (and no Xray/Cucumber keys), or ``reportFormat``."""
    if head.kind != "json" or head.json_type != "object":
        return False
    return "reportFormat" in head.json_keys or "results" in head.json_keys


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """A :class:`RunResult` per ``results.tests[]`` entry (see the module docstring)."""
    events = js.events(path)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise ReportError(path, "not a CTRF report: the top level is not a JSON object")
    reader = _Reader(path, options, report)
    seen_tests = False
    for event in events:
        prefix, kind, _ = event
        if prefix == _TESTS and not seen_tests:
            if kind != "start_array":
                raise ReportError(path, "not a CTRF report: results.tests is not an array")
            seen_tests = True
        elif prefix == f"{_TESTS}.item":
            test = js.build(event, events)
            if result := reader.result(test):
                yield result
    if not seen_tests:
        raise ReportError(path, "not a CTRF report: it has no results.tests array")
    reader.finish()


class _Reader:
    def __init__(self, path: Path, options: ReaderOptions, report: Report) -> None:
        self.path = path
        self.options = options
        self.report = report
        self.keys = Keys(path)
        self.position = 0
        self.folder = path.parent.resolve()
        self.missing_files = 0

    def result(self, test: Any) -> RunResult | None:
        self.position += 1
        where = f"{self.path}: results.tests[{self.position - 1}]"
        if not isinstance(test, dict):
            self.report(ReportError(self.path, f"{where} is not a JSON object; skipped"))
            return None
        suite = _suite(test.get("suite"))
        file = js.text(test, "filePath")
        name = js.text(test, "name").strip()
        named = bool(name)
        if not name:
            name = fallback_name(self.path, where, suite or file, self.position)
        name += _parameters(test.get("parameters"))
        status = self._status(test, where)
        if status is Status.NO_RUN and self.options.skipped == "omit":
            return None
        values = {"classname": suite, "suite": suite, "file": file, "name": name}
        full_name = (named and render_name(self.path, self.options.name_template, values)) or name
        message = js.text(test, "message").strip()
        stdout, stderr = _lines(test.get("stdout")), _lines(test.get("stderr"))
        attachments = self._attachments(test)
        if self.options.attach_output:
            attachments += output_files(name, {"stdout": stdout, "stderr": stderr})
            stdout = stderr = ""
        if status is Status.FAILED:
            parts = [
                message,
                _unless_in(js.text(test, "trace"), message),
                js.text(test, "snippet"),
                f"[stdout]\n{stdout}" if stdout else "",
                f"[stderr]\n{stderr}" if stderr else "",
            ]
        else:
            parts = [message]
        parts.extend(_retries(test))
        steps = [self._step(s) for s in js.items(test, "steps") if isinstance(s, dict)]
        fitted, output = fit_steps(status, steps, join_output(parts), message or None)
        key = self.keys.key(file, suite, name)
        ms = test.get("duration")
        seconds = ms / 1000 if isinstance(ms, int | float) and not isinstance(ms, bool) else ms
        try:
            return RunResult(
                full_name,
                status,
                duration=duration(seconds, where),
                output=output,
                steps=fitted,
                attachments=attachments,
                key=key,
            )
        except ValueError as exc:
            self.report(ReportError(self.path, f"{where}: {exc}"))
            return None

    def _status(self, test: dict[str, Any], where: str) -> Status:
        word = js.text(test, "status").strip().lower()
        raw = js.text(test, "rawStatus").strip().lower()
        if word == "other" and raw in WORDS and word not in self.options.status_map:
            word = raw
        return word_status(self.options, word or "unknown", where)

    def _step(self, step: dict[str, Any]) -> StepResult:
        word = js.text(step, "status").strip().lower()
        default = WORDS.get(word, Status.NOT_COMPLETED)
        name = js.text(step, "name").strip()[:255] or "step"
        return StepResult(name, step_status(self.options, word, default))

    def _attachments(self, test: dict[str, Any]) -> list[Attachment]:
        found: list[Attachment] = []
        for item in js.items(test, "attachments"):
            raw = js.text(item, "path")
            if not raw:
                continue
            target = (self.folder / raw).resolve()
            if not target.is_relative_to(self.folder) or not target.is_file():
                self.missing_files += 1
                continue
            try:
                found.append(Attachment.from_path(target))
            except OSError as exc:
                log.warning("%s: not attaching %s: %s", self.path, raw, exc.strerror)
        return found

    def finish(self) -> None:
        if self.missing_files:
            log.warning(
                "%s: %d attachment path(s) not attached: missing, or outside the report's "
                "folder %s",
                self.path,
                self.missing_files,
                self.folder,
            )


def _suite(value: Any) -> str:
    if isinstance(value, list):
        return " > ".join(str(v) for v in value if v is not None)
    return value.strip() if isinstance(value, str) else ""


def _parameters(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    return " [" + ", ".join(f"{k}={v}" for k, v in value.items()) + "]"


def _unless_in(text: str, already: str) -> str:
    return "" if not text.strip() or text.strip() == already else text


def _lines(value: Any) -> str:
    """CTRF's stdout/stderr: a list of lines (or, from some tools, one string)."""
    lines = value if isinstance(value, list) else [value]
    return "\n".join(v for v in lines if isinstance(v, str) and v.strip()).strip()


def _retries(test: dict[str, Any]) -> list[str]:
    attempts = [a for a in js.items(test, "retryAttempts") if isinstance(a, dict)]
    retries = test.get("retries")
    count = len(attempts) or (retries if isinstance(retries, int) and retries > 0 else 0)
    if not count:
        return []
    flaky = " (flaky: passed on a retry)" if test.get("flaky") is True else ""
    parts = [f"[retried] {count} earlier attempt(s); this result is the final one{flaky}"]
    for number, attempt in enumerate(attempts, 1):
        word = js.text(attempt, "status") or "unknown"
        detail = js.text(attempt, "message", "trace").strip()
        parts.append(f"[attempt {number}: {word}]\n{detail}".strip())
    return parts


__all__ = ["NAME", "read", "sniff"]
