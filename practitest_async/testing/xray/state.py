"""What the fake Xray holds: Jira issues (Tests, Test Executions) and Test Runs."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Evidence:
    filename: str
    content_type: str
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")


@attrs.define
class TestRecord:
    __test__ = False

    key: str
    id: int
    project: str
    summary: str
    test_type: str
    definition: str | None


@attrs.define
class TestRunRecord:
    test_key: str
    status: str
    comment: str | None = None
    start: str | None = None
    finish: str | None = None
    evidence: list[Evidence] = attrs.field(factory=list)
    steps: list[dict[str, Any]] = attrs.field(factory=list)
    step_evidence: list[list[Evidence]] = attrs.field(factory=list)
    defects: list[str] = attrs.field(factory=list)
    custom_fields: list[dict[str, Any]] = attrs.field(factory=list)
    imports: int = 1  # how many imports wrote this Test Run (re-imports update it)


@attrs.define
class ExecutionRecord:
    key: str
    id: int
    project: str
    summary: str
    description: str = ""
    version: str | None = None
    revision: str | None = None
    test_plan_key: str | None = None
    environments: list[str] = attrs.field(factory=list)
    runs: dict[str, TestRunRecord] = attrs.field(factory=dict)


@attrs.define
class XrayState:
    """Issues numbered per project like Jira (``CALC-1``, ``CALC-2``…), ids global."""

    projects: set[str]
    tests: dict[str, TestRecord] = attrs.field(factory=dict)
    executions: dict[str, ExecutionRecord] = attrs.field(factory=dict)
    _numbers: dict[str, int] = attrs.field(factory=dict)
    _by_definition: dict[tuple[str, str], str] = attrs.field(factory=dict)
    _next_id: int = 10_000

    def new_key(self, project: str) -> tuple[str, int]:
        number = self._numbers.get(project, 0) + 1
        self._numbers[project] = number
        self._next_id += 1
        return f"{project}-{number}", self._next_id

    def test_by_definition(self, project: str, definition: str) -> TestRecord | None:
        key = self._by_definition.get((project, definition))
        return None if key is None else self.tests[key]

    def add_test(self, test: TestRecord) -> None:
        self.tests[test.key] = test
        if test.definition is not None:
            self._by_definition[(test.project, test.definition)] = test.key

    @property
    def runs(self) -> list[TestRunRecord]:
        """Every Test Run of every execution."""
        return [run for e in self.executions.values() for run in e.runs.values()]
