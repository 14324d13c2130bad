"""attrs models of PractiTest resources, in PractiTest's own words.

Every model is frozen, keyword-only, has the resource's system ``id`` and keeps attributes it
does not know in ``extra``. Attributes the server may leave out default to None.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import attrs

from .codec import JSON, CustomFields, resource


class RunStatus(StrEnum):
    """A run's status (also ``run-status`` of tests, instances and sets)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    BLOCKED = "BLOCKED"
    NOT_COMPLETED = "NOT COMPLETED"
    NO_RUN = "NO RUN"
    NA = "N/A"


class StepStatus(StrEnum):
    """A step's status in a run (step runs)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    BLOCKED = "BLOCKED"
    NO_RUN = "NO RUN"
    NA = "N/A"


class RunType(StrEnum):
    """How a run was executed."""

    AUTOMATED = "AutomatedRun"
    MANUAL = "ManualRun"


def _extra() -> dict[str, JSON]:
    return {}


@resource("projects")
@attrs.frozen(kw_only=True)
class Project:
    """A PractiTest project."""

    id: int
    name: str | None = None
    enable_requirements: bool | None = None
    enable_issues: bool | None = None
    time_management_enabled: bool | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("tests")
@attrs.frozen(kw_only=True)
class Test:
    """A test (the definition; runs happen on its instances)."""

    __test__ = False  # not a pytest test class

    id: int
    project_id: int | None = None
    display_id: int | None = None
    name: str | None = None
    description: str | None = None
    preconditions: str | None = None
    status: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    version: str | None = None
    test_type: str | None = None
    priority: str | None = None
    duration_estimate: dt.timedelta | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    tags: list[str] = attrs.field(factory=list)
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("sets")
@attrs.frozen(kw_only=True)
class TestSet:
    """A test set: the container of instances that runs are reported against."""

    __test__ = False

    id: int
    project_id: int | None = None
    display_id: int | None = None
    name: str | None = None
    priority: str | None = None
    status: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    version: str | None = None
    planned_execution: dt.datetime | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    instances_count: int | None = None
    tags: list[str] = attrs.field(factory=list)
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("instances")
@attrs.frozen(kw_only=True)
class Instance:
    """A test's place in a test set; runs are created on instances."""

    id: int
    project_id: int | None = None
    display_id: str | None = None
    set_id: int | None = None
    set_display_id: int | None = None
    test_id: int | None = None
    test_display_id: int | None = None
    name: str | None = None
    priority: str | None = None
    tester_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    version: str | None = None
    planned_execution: dt.datetime | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    last_run_duration: dt.timedelta | None = None
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("runs")
@attrs.frozen(kw_only=True)
class Run:
    """One execution of an instance."""

    id: int
    project_id: int | None = None
    status: RunStatus | None = None
    tester_id: int | None = None
    instance_id: int | None = None
    preconditions: str | None = None
    version: str | None = None
    test_id: int | None = None
    run_type: RunType | None = None
    automated_execution_output: str | None = None
    run_duration: dt.timedelta | None = None
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("step-runs")
@attrs.frozen(kw_only=True)
class StepRun:
    """One step of a run, with its status."""

    id: int
    project_id: int | None = None
    run_id: int | None = None
    step_id: int | None = None
    name: str | None = None
    description: str | None = None
    expected_results: str | None = None
    actual_results: str | None = None
    status: StepStatus | None = None
    position: int | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


# --- what a caller sends (drafts), as opposed to what the server returns -------------------


@attrs.frozen(kw_only=True)
class FileDraft:
    """A file to attach to a run or a step run (sent base64-encoded)."""

    filename: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")


@attrs.frozen(kw_only=True)
class StepDraft:
    """A step of a run being reported."""

    name: str
    status: StepStatus
    description: str | None = None
    expected_results: str | None = None
    actual_results: str | None = None
    files: tuple[FileDraft, ...] = ()


@attrs.frozen(kw_only=True)
class RunDraft:
    """A run to create on an instance (``POST runs.json``). With steps, ``exit_code`` is ignored
    by the server and the run's status follows from the steps."""

    instance_id: int
    exit_code: int | None = None
    run_type: RunType | None = None
    run_duration: dt.timedelta | None = None
    automated_execution_output: str | None = None
    version: str | None = None
    tester_id: int | None = None
    run_date: dt.datetime | None = None
    custom_fields: CustomFields = attrs.field(factory=dict)
    steps: tuple[StepDraft, ...] = ()
    files: tuple[FileDraft, ...] = ()
