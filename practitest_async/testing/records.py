"""What the emulator stores: one attrs class per PractiTest resource, fields in snake_case.

Rendering turns a field name into its kebab-case attribute (``run_status`` -> ``run-status``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

CustomFields = dict[str, Any]
PossibleValues = list[str] | dict[str, list[str]] | None


@attrs.define(kw_only=True)
class Project:
    id: int
    account_id: int
    name: str
    created_at: datetime
    automation_support: bool = True
    enable_delete_issues: bool = True
    time_management_support: bool = False


@attrs.define(kw_only=True)
class User:
    id: int
    account_id: int
    email: str
    created_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    time_zone: str | None = "UTC"


@attrs.define(kw_only=True)
class Permission:
    title: str
    description: str
    allowed: bool


@attrs.define(kw_only=True)
class Group:
    id: int
    project_id: int
    name: str
    created_at: datetime
    permissions: list[Permission] = attrs.Factory(list)


@attrs.define(kw_only=True)
class Test:
    __test__ = False  # not a pytest test class

    id: int
    project_id: int
    display_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    status: str = "Draft"
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    cloned_from_id: int | None = None
    planned_execution: str | None = None
    version: str | None = None
    priority: str | None = None
    duration_estimate: str = "00:00:00"
    test_type: str = "ApiTest"
    custom_fields: CustomFields = attrs.Factory(dict)
    folder_id: int | None = None
    tags: list[str] = attrs.Factory(list)
    automated_fields: dict[str, Any] = attrs.Factory(dict)
    scenario: str | None = None
    preconditions: str | None = None
    updated_by_user_id: int | None = None


@attrs.define(kw_only=True)
class Step:
    id: int
    project_id: int
    test_id: int
    name: str
    position: int
    created_at: datetime
    updated_at: datetime
    kind: str = "ManualStep"
    test_to_call_id: int | None = None
    description: str | None = None
    expected_results: str | None = None


@attrs.define(kw_only=True)
class TestSet:
    __test__ = False  # not a pytest test class

    id: int
    project_id: int
    display_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    planned_execution: str | None = None
    status: str | None = None
    version: str | None = None
    priority: str | None = None
    custom_fields: CustomFields = attrs.Factory(dict)
    folder_id: int | None = None
    milestone_id: int | None = None
    tags: list[str] = attrs.Factory(list)
    instances_made: int = 0  # numbers instances "<set display id>:<n>"


@attrs.define(kw_only=True)
class Instance:
    id: int
    project_id: int
    set_id: int
    test_id: int
    number: int
    created_at: datetime
    updated_at: datetime
    custom_fields: CustomFields = attrs.Factory(dict)
    tester_id: int | None = None
    priority: str | None = None
    last_run_duration: str = "00:00:00"
    last_run: datetime | None = None
    run_status: str = "NO RUN"
    planned_execution: str | None = None
    version: str | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    parameters: Any = None


@attrs.define(kw_only=True)
class Run:
    id: int
    project_id: int
    instance_id: int
    test_id: int
    status: str
    created_at: datetime
    updated_at: datetime
    tester_id: int | None = None
    run_type: str = "AutomatedRun"
    run_date: str | None = None
    exit_code: int | None = None
    preconditions: str | None = None
    version: str | None = None
    custom_fields: CustomFields = attrs.Factory(dict)
    automated_execution_output: str | None = None
    run_duration: str = "00:00:00"


@attrs.define(kw_only=True)
class StepRun:
    id: int
    project_id: int
    run_id: int
    name: str
    status: str
    position: int
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    expected_results: str | None = None
    actual_results: str | None = None


@attrs.define(kw_only=True)
class Attachment:
    id: int
    project_id: int
    entity: str  # issue, requirement, test, testset, instance, step, run, step-run
    entity_id: int
    name: str
    content: bytes
    created_at: datetime

    @property
    def size(self) -> int:
        return len(self.content)


@attrs.define(kw_only=True)
class CustomField:
    id: int
    project_id: int
    name: str
    field_format: str
    created_at: datetime
    updated_at: datetime
    possible_values: PossibleValues = None
    parent_list_id: int | None = None
    possible_values_parent_cf_id: int | None = None
    entities: list[str] = attrs.Factory(lambda: ["Test", "TestSet", "Instance", "Run"])


@attrs.define(kw_only=True)
class Requirement:
    id: int
    project_id: int
    display_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    planned_execution: str | None = None
    version: str | None = None
    priority: str | None = None
    custom_fields: CustomFields = attrs.Factory(dict)
    folder_id: int | None = None
    parent_id: int | None = None
    tags: list[str] = attrs.Factory(list)
    updated_by_user_id: int | None = None


@attrs.define(kw_only=True)
class Issue:
    id: int
    project_id: int
    display_id: int
    title: str
    created_at: datetime
    updated_at: datetime
    issue_type: str = "defect"
    description: str | None = None
    status_name: str = "New"
    status_resolution: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: str | None = None
    planned_execution: str | None = None
    version: str | None = None
    priority: str | None = None
    closed_at: datetime | None = None
    closed_by_id: int | None = None
    cloned_from_id: int | None = None
    external_id: str | None = None
    custom_fields: CustomFields = attrs.Factory(dict)
    folder_id: int | None = None
    tags: list[str] = attrs.Factory(list)
    updated_by_user_id: int | None = None


@attrs.define(kw_only=True)
class Milestone:
    id: int
    project_id: int
    display_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    milestone_status: str = "Active"
    milestone_type: str = "Sprint"
    start_date: str | None = None
    end_date: str | None = None
    author_id: int | None = None
    custom_fields: CustomFields = attrs.Factory(dict)


Ref = tuple[str, int]  # ("tests", 42): a resource type and its id, as in relationship bodies
