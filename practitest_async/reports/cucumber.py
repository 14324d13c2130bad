"""Cucumber JSON (cucumber-jvm, cucumber-js, cucumber-ruby, behave) in, one result per scenario.

The file is a JSON array of features, read one feature at a time (memory follows the largest
feature, never the whole file). Each element of type ``scenario`` (or, as cucumber-js 2/3 write
it, with no type and a keyword other than Background) becomes a result:

- **name**: ``name_template`` with ``{classname}`` and ``{suite}`` the feature's name,
  ``{file}`` its uri, ``{name}`` the scenario's. Scenario-outline rows (keyword Scenario
  Outline/Template, an id with ``;;N``, or several elements of one name on different lines)
  are one result each, their name followed by the row's values in brackets (the words in which
  the rows' step texts differ, e.g. ``Adding [60, 70, 130]``; ``[example N]`` when the rows do
  not line up word for word).
- **steps**: the preceding Background element's steps, then the scenario's, each named keyword
  + text, with the error message as its actual result. A failing before hook adds a BLOCKED
  step, a failing after hook a FAILED one (a failing hook around a step fails that step).
- **status**: behave's own element status when it has one; else, as Cucumber decides it, the
  worst of hooks and steps: any failed step or after hook -> FAILED; a failed before hook with
  no failed step -> BLOCKED (the scenario never ran); ambiguous, undefined, pending, a step
  without a result, or no steps -> NOT COMPLETED; skipped -> NO RUN; else PASSED. Raw words go
  through ``--status-map``.
- **retries** (``--retry``): consecutive elements with the same id and line are attempts of one
  scenario: one result with the last attempt's status and the earlier failures in its output.
- **attachments**: ``embeddings`` of steps and hooks (base64) within the size rule of
  :mod:`._shape`.
- **duration**: the sum of the steps' and hooks' durations (nanoseconds; behave: seconds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..batch.results import Attachment, RunResult, Status, StepResult
from ..models import StepStatus
from . import _jsonstream as js
from ._base import Head, ReaderOptions, Report, ReportError
from ._shape import (
    AttachmentBudget,
    Keys,
    duration,
    fallback_name,
    fit_steps,
    join_output,
    render_name,
    step_status,
)

NAME = "cucumber"

# Cucumber's order of badness, worst first, and each word's status.
# A step without a result ranks under skipped: behave leaves the result off the steps after a
# skipped one; a scenario whose steps have no result at all was never reported -> NOT COMPLETED.
_WORST_FIRST = ("failed", "ambiguous", "undefined", "pending", "skipped", "no result", "passed")
_NOT_DONE = frozenset({"ambiguous", "undefined", "pending"})
_RUN_STATUS = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.NO_RUN,
    "untested": Status.NO_RUN,
    "pending": Status.NOT_COMPLETED,
    "undefined": Status.NOT_COMPLETED,
    "ambiguous": Status.NOT_COMPLETED,
    "no result": Status.NOT_COMPLETED,
    "no steps": Status.NOT_COMPLETED,
    "error": Status.FAILED,
}
_STEP_STATUS = {word: status for word, status in _RUN_STATUS.items()}
_OUTLINE_ID = re.compile(r";;(\d+)$")
_FEATURE_KEYS = frozenset(
    {"uri", "id", "keyword", "name", "description", "line", "elements", "tags", "comments"}
    | {"status", "location"}  # behave
)


def sniff(head: Head) -> bool:
    """A JSON array whose first element shows only a feature's keys (detection sees the keys
    before the first value too long for its look, so maybe none: an array is ours)."""
    if head.kind != "json" or head.json_type != "array":
        return False
    return head.json_keys <= _FEATURE_KEYS


def read(path: Path, options: ReaderOptions, report: Report) -> Iterator[RunResult]:
    """A :class:`RunResult` per scenario (see the module docstring)."""
    events = js.events(path)
    first = next(events, None)
    if first is None:
        return
    if first[1] != "start_array":
        raise ReportError(path, "not Cucumber JSON: the top level is not an array of features")
    keys = Keys(path)
    position = 0
    for event in events:
        if event[0] != "item":
            continue
        position += 1
        if event[1] != "start_map":
            js.skip(event, events)
            report(ReportError(path, f"feature #{position} is not a JSON object; skipped"))
            continue
        feature = js.build(event, events)
        if "elements" not in feature and "keyword" not in feature:
            # not a feature: say so rather than read it as zero scenarios
            report(ReportError(path, f"item #{position} is not a Cucumber feature; skipped"))
            continue
        yield from _Feature(path, options, report, feature, position, keys).results()


class _Feature:
    def __init__(
        self,
        path: Path,
        options: ReaderOptions,
        report: Report,
        feature: dict[str, Any],
        position: int,
        keys: Keys,
    ) -> None:
        self.path = path
        self.options = options
        self.report = report
        self.feature = feature
        self.name = js.text(feature, "name").strip()
        self.uri = js.text(feature, "uri", "location").strip()
        self.where = f"{path}: feature {self.name or '#' + str(position)!r}"
        self.keys = keys
        self.behave = "status" in feature or "location" in feature

    def results(self) -> Iterator[RunResult]:
        scenarios = list(self._scenarios())
        row_names = _RowNames(scenarios)
        attempts: list[tuple[dict[str, Any], list[Any]]] = []
        for index, (element, background) in enumerate(scenarios):
            attempts.append((element, background))
            following = scenarios[index + 1][0] if index + 1 < len(scenarios) else None
            if following is not None and _same_attempt(element, following):
                continue
            try:
                yield self._result(attempts, row_names.name(index), index + 1)
            except _Omit:
                pass
            except ValueError as exc:
                self.report(ReportError(self.path, f"{self.where}: {exc}"))
            attempts = []

    def _scenarios(self) -> Iterator[tuple[dict[str, Any], list[Any]]]:
        """Each scenario element with the steps of the Background element just before it."""
        background: list[Any] = []
        for element in js.items(self.feature, "elements"):
            if not isinstance(element, dict):
                continue
            kind = js.text(element, "type").lower()
            keyword = js.text(element, "keyword").strip().lower()
            if kind == "background" or (not kind and keyword == "background"):
                background = js.items(element, "steps")
            elif kind == "scenario" or (not kind and keyword != "background"):
                yield element, background
                background = []
            # "scenario_outline" (cucumber-ruby 2 without results): the rows are not run.

    def _result(
        self, attempts: list[tuple[dict[str, Any], list[Any]]], name: str, position: int
    ) -> RunResult:
        element, background = attempts[-1]
        full_name = ""
        if not name:
            name = full_name = fallback_name(
                self.path, "a scenario", self.name or self.uri, position
            )
        values = {"classname": self.name, "suite": self.name, "file": self.uri, "name": name}
        full_name = full_name or render_name(self.path, self.options.name_template, values) or name
        run = _Scenario(self, element, background)
        status, steps, reason = run.outcome()
        earlier = [
            _Scenario(self, e, b).failure_text(i + 1) for i, (e, b) in enumerate(attempts[:-1])
        ]
        if len(attempts) > 1:
            earlier.insert(0, f"[retried] {len(attempts)} attempts; the last one counts")
        output = join_output([reason if status is not Status.PASSED else None, *earlier])
        if status is Status.NO_RUN and self.options.skipped == "omit":
            raise _Omit
        fitted, output = fit_steps(status, steps, output, reason)
        output = join_output([output, *run.budget.left_out])
        key = self.keys.key(self.uri or self.name, self.name, name)
        return RunResult(
            full_name,
            status,
            duration=run.duration(),
            output=output,
            steps=fitted,
            attachments=run.attachments,
            key=key,
        )


class _Omit(ValueError):
    """A skipped scenario left out (``skipped="omit"``)."""


def _same_attempt(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Two consecutive elements that are attempts of one scenario (``--retry``)."""
    ident = js.text(one, "id") or js.text(one, "name")
    if not ident or ident != (js.text(other, "id") or js.text(other, "name")):
        return False
    return js.text(one, "line", "location") == js.text(other, "line", "location")


class _RowNames:
    """Scenario names, with each outline row's values appended so that rows differ."""

    def __init__(self, scenarios: list[tuple[dict[str, Any], list[Any]]]) -> None:
        self.names = [js.text(e, "name").strip() for e, _ in scenarios]
        groups: dict[str, list[int]] = {}
        for index, (element, _) in enumerate(scenarios):
            if _is_row(element, self.names[index], self.names, scenarios):
                groups.setdefault(self.names[index], []).append(index)
        self.suffix: dict[int, str] = {}
        for indexes in groups.values():
            self._name_rows(indexes, [scenarios[i][0] for i in indexes])

    def _name_rows(self, indexes: list[int], elements: list[dict[str, Any]]) -> None:
        words = [[js.text(s, "name").split() for s in js.items(e, "steps")] for e in elements]
        labels = [f"example {n}" for n in range(1, len(indexes) + 1)]
        if len({tuple(len(w) for w in ws) for ws in words}) == 1 and len(indexes) > 1:
            # rows line up word for word: the words that differ between rows are the values
            places = [
                (s, w)
                for s, step in enumerate(words[0])
                for w in range(len(step))
                if len({ws[s][w] for ws in words}) > 1
            ]
            if places:
                labels = [", ".join(ws[s][w] for s, w in places) for ws in words]
        seen: dict[str, int] = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        for number, (index, label) in enumerate(zip(indexes, labels, strict=True), 1):
            # rows with the same values (repeated in another Examples table) also get their place
            self.suffix[index] = f" [{label} #{number}]" if seen[label] > 1 else f" [{label}]"

    def name(self, index: int) -> str:
        name = self.names[index]
        return name + self.suffix.get(index, "") if name else ""


def _is_row(
    element: dict[str, Any],
    name: str,
    names: list[str],
    scenarios: list[tuple[dict[str, Any], list[Any]]],
) -> bool:
    keyword = js.text(element, "keyword").lower()
    if "outline" in keyword or "template" in keyword or _OUTLINE_ID.search(js.text(element, "id")):
        return True
    # cucumber-js 2/3 write rows as plain scenarios of one name on different lines
    lines = {
        js.text(e, "line", "location")
        for (e, _), n in zip(scenarios, names, strict=True)
        if n == name
    }
    return bool(name) and len(lines) > 1


class _Scenario:
    """One attempt of a scenario: its status, steps, output and attachments."""

    def __init__(self, feature: _Feature, element: dict[str, Any], background: list[Any]) -> None:
        self.feature = feature
        self.element = element
        self.background = background
        self.options = feature.options
        self.attachments: list[Attachment] = []
        self.budget = AttachmentBudget(f"{feature.where}, scenario {js.text(element, 'name')!r}")
        self.seconds = 0.0
        self.timed = False

    def outcome(self) -> tuple[Status, list[StepResult], str | None]:
        words: list[str] = []
        steps: list[StepResult] = []
        self.step_words: list[str] = []  # the raw word of each step, for the N/A rule
        failures: list[str] = []
        for hook in js.items(self.element, "before"):
            word, error = self._hook(hook)
            if word == "failed":
                steps.append(StepResult("Before hook", StepStatus.BLOCKED, actual=error))
                self.step_words.append("failed")
                failures.append(f"[before hook failed] {error}".strip())
                words.append("before failed")
        for step in [*self.background, *js.items(self.element, "steps")]:
            if isinstance(step, dict):
                steps.append(self._step(step, words, failures))
        for hook in js.items(self.element, "after"):
            word, error = self._hook(hook)
            if word == "failed":
                steps.append(StepResult("After hook", StepStatus.FAILED, actual=error))
                self.step_words.append("failed")
                failures.append(f"[after hook failed] {error}".strip())
                words.append("failed")
        raw = self._raw_status(words)
        if raw == "before failed":
            status = self.options.status("blocked", Status.BLOCKED)
        else:
            status = self.options.status(raw, _RUN_STATUS.get(raw, Status.NOT_COMPLETED))
        reason = "\n\n".join(failures) or None
        if status is Status.NOT_COMPLETED and all(s.status is StepStatus.NO_RUN for s in steps):
            # A pending step and the skipped ones after it: pending as N/A makes PractiTest's
            # rule (some NO RUN, not all) say NOT COMPLETED, as Cucumber does.
            steps = [
                StepResult(s.name, StepStatus.NA, actual=s.actual) if w in _NOT_DONE else s
                for s, w in zip(steps, self.step_words, strict=True)
            ]
        return status, steps, reason

    def _raw_status(self, words: list[str]) -> str:
        own = js.text(self.element, "status").lower()
        if self.feature.behave and own:
            return own
        if not words:
            return "no steps"
        if "failed" in words:
            return "failed"
        if "before failed" in words:
            return "before failed"
        return next(w for w in _WORST_FIRST if w in words)

    def _step(self, step: dict[str, Any], words: list[str], failures: list[str]) -> StepResult:
        text = f"{js.text(step, 'keyword').strip()} {js.text(step, 'name').strip()}".strip()
        result = step.get("result")
        word = js.text(result, "status").lower() or "no result"
        error = js.text(result, "error_message").strip()
        self._time(result)
        self._embed(step)
        for hook in [*js.items(step, "before"), *js.items(step, "after")]:
            hook_word, hook_error = self._hook(hook)
            if hook_word == "failed":
                word, error = "failed", "\n".join(filter(None, (error, hook_error)))
        words.append(word if word in _WORST_FIRST else "undefined")
        self.step_words.append(word)
        if word == "failed":
            failures.append(f"[failed] {text}\n{error}".strip())
        elif error:
            failures.append(f"[{word}] {text}\n{error}".strip())
        default = _STEP_STATUS.get(word, Status.NOT_COMPLETED)
        return StepResult(
            text[:255] or "step",
            step_status(self.options, word, default),
            actual=error or None,
        )

    def _hook(self, hook: Any) -> tuple[str, str]:
        result = hook.get("result") if isinstance(hook, dict) else None
        self._time(result)
        if isinstance(hook, dict):
            self._embed(hook)
        where = js.text(hook.get("match") if isinstance(hook, dict) else None, "location")
        error = js.text(result, "error_message").strip()
        return js.text(result, "status").lower(), "\n".join(filter(None, (where, error)))

    def _time(self, result: Any) -> None:
        value = result.get("duration") if isinstance(result, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            self.seconds += value if self.feature.behave else value / 1e9
            self.timed = True

    def _embed(self, holder: dict[str, Any]) -> None:
        for embedding in js.items(holder, "embeddings"):
            if not isinstance(embedding, dict):
                continue
            mime = js.text(embedding, "mime_type") or js.text(embedding.get("media"), "type")
            name = js.text(embedding, "name") or f"embedding-{len(self.attachments) + 1}"
            attachment = self.budget.add(embedding.get("data"), name, mime or None)
            if attachment is not None:
                self.attachments.append(attachment)

    def duration(self) -> float | None:
        return duration(self.seconds, self.feature.where) if self.timed else None

    def failure_text(self, attempt: int) -> str:
        status, _, reason = self.outcome()
        return f"[attempt {attempt}: {status.value}]\n{reason or ''}".strip()


__all__ = ["NAME", "read", "sniff"]
