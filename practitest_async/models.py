"""attrs models of PractiTest resources, in PractiTest's own words.

Every model is frozen, keyword-only, has the resource's system ``id`` and keeps attributes it
does not know in ``extra``. Attributes the server may leave out default to None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias, TypedDict, TypeVar

import attrs

from .codec import CLEAR as CLEAR  # re-exported: models is where callers look for it
from .codec import JSON, RAW_JSON, Clear, CustomFields, flat, resource, tolerant_enums
from .codec import custom_field_values as custom_field_values
from .codec import is_unknown as is_unknown

PossibleValues = list[str] | dict[str, list[str]] | None
"""A list field's values; a ``linkedlist`` maps each parent value to its child values."""

CustomFieldInput: TypeAlias = (
    "str | int | float | Decimal | dt.date | list[Any] | tuple[Any, ...] | set[Any] "
    "| frozenset[Any] | Clear | None"
)
"""A custom-field value a caller may send (see :func:`practitest_async.codec.custom_field_value`:
numbers written plainly, dates ``YYYY-MM-DD``, lists of strings; ``None``/``CLEAR`` on updates
only; booleans refused)."""
CustomFieldsInput: TypeAlias = Mapping[int, CustomFieldInput]


class RunStatus(StrEnum):
    """A run's status (also ``run-status`` of tests, instances and sets).

    :meth:`parse` also takes the API's strings and loose spellings ("not_completed", "n/a").
    """

    PASSED = "PASSED"
    FAILED = "FAILED"
    BLOCKED = "BLOCKED"
    NOT_COMPLETED = "NOT COMPLETED"
    NO_RUN = "NO RUN"
    NA = "N/A"

    @classmethod
    def parse(cls, value: RunStatus | str) -> RunStatus:
        """``"not completed"``, ``"NOT_COMPLETED"``, ``"n/a"``, ``"NA"`` -> the member."""
        if isinstance(value, RunStatus):
            return value
        exact = cls._value2member_map_.get(value)  # "PASSED": most values are spelled so
        if exact is not None:
            return exact  # type: ignore[return-value]
        text = str(value).strip().upper().replace("_", " ").replace("-", " ")
        aliases = {"NA": cls.NA, "N A": cls.NA, "NORUN": cls.NO_RUN, "SKIPPED": cls.NO_RUN}
        if text in aliases:
            return aliases[text]
        for member in cls:
            if member.value == text:
                return member
        names = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown status {value!r} (expected one of {names})")


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


class TestType(StrEnum):
    """A test's type (``test-type``); the server's default is ``ApiTest``."""

    __test__ = False

    SCRIPTED = "ScriptedTest"
    API = "ApiTest"
    FIRECRACKER = "FireCracker"
    XBOT = "xBotTest"
    EGGPLANT = "EggplantTest"
    BDD = "BDDTest"


class StepKind(StrEnum):
    """A test step: written out, or a call to another test."""

    MANUAL = "ManualStep"
    CALL_TO_TEST = "CallToTest"


class AssigneeType(StrEnum):
    """What ``assigned-to-id`` names (the server's default is a user)."""

    USER = "user"
    GROUP = "group"


class FieldType(StrEnum):
    """An item of ``fields.json``: a built-in field or a custom one."""

    SYSTEM = "SystemField"
    CUSTOM = "CustomField"


class AttachmentEntity(StrEnum):
    """What an attachment belongs to (``entity`` of the attachments endpoints)."""

    ISSUE = "issue"
    REQUIREMENT = "requirement"
    TEST = "test"
    TEST_SET = "testset"
    INSTANCE = "instance"
    STEP = "step"
    RUN = "run"  # listing only: the docs do not list it for uploads
    STEP_RUN = "step-run"


# a value PractiTest adds later decodes to an UNKNOWN member carrying it (codec.is_unknown)
tolerant_enums(RunStatus, StepStatus, RunType, TestType, StepKind, AssigneeType, FieldType)


def _extra() -> dict[str, JSON]:
    return {}


def _links() -> dict[str, list[int]]:
    return {}


@resource("projects")
@attrs.frozen(kw_only=True)
class Project:
    """A PractiTest project.

    ``enable_requirements``, ``enable_issues`` and ``time_management_enabled`` are not in the
    documentation and stay None; the documented flags are the three ``*_support`` /
    ``enable_delete_issues`` ones.
    """

    id: int
    name: str | None = None
    enable_requirements: bool | None = None
    enable_issues: bool | None = None
    time_management_enabled: bool | None = None
    automation_support: bool | None = None
    enable_delete_issues: bool | None = None
    time_management_support: bool | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@attrs.frozen(kw_only=True)
class GroupRef:
    """A group a user has in a project (``groups`` of a user's projects)."""

    id: int
    name: str | None = None


@resource("projects")
@attrs.frozen(kw_only=True)
class UserProject:
    """A project as ``users/{id}/projects.json`` lists it: with the user's groups there."""

    id: int
    name: str | None = None
    automation_support: bool | None = None
    enable_delete_issues: bool | None = None
    time_management_support: bool | None = None
    created_at: dt.datetime | None = None
    groups: list[GroupRef] = attrs.field(factory=list)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@attrs.frozen(kw_only=True)
class Permission:
    """One permission of a group, and whether the group has it."""

    title: str
    description: str | None = None
    allowed: bool = False


@resource("groups")
@attrs.frozen(kw_only=True)
class Group:
    """A user group of a project; ``permissions`` come with ``groups.get`` only."""

    id: int
    name: str | None = None
    created_at: dt.datetime | None = None
    permissions: list[Permission] = attrs.field(factory=list)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("users")
@attrs.frozen(kw_only=True)
class User:
    """A user of the account."""

    id: int
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    created_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("attachments")
@attrs.frozen(kw_only=True)
class AttachmentInfo:
    """A file attached to an entity, as listed (the bytes come from ``attachments.download``).

    Not to be confused with :class:`practitest_async.Attachment`, a file given to the uploader.
    """

    id: int
    name: str | None = None
    size: int | None = None  # bytes
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@flat
@attrs.frozen(kw_only=True)
class Field:
    """An item of ``fields.json`` (system and custom fields; flat, snake_case, not JSON:API).

    ``uniq_name`` of a custom field is ``___f_<id>``; entity payloads key it ``---f-<id>``.
    """

    id: int
    type: FieldType | None = None
    name: str | None = None
    field_format: str | None = None
    possible_values: PossibleValues = attrs.field(default=None, metadata=RAW_JSON)
    uniq_name: str | None = None
    entities: list[str] = attrs.field(factory=list)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("custom-fields")
@attrs.frozen(kw_only=True)
class CustomField:
    """A custom field of a project (``field_format``: list, multilist, linkedlist, text, ...)."""

    id: int
    name: str | None = None
    field_format: str | None = None
    project_id: int | None = None
    possible_values: PossibleValues = attrs.field(default=None, metadata=RAW_JSON)
    parent_list_id: int | None = None
    possible_values_parent_cf_id: int | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("requirements")
@attrs.frozen(kw_only=True)
class Requirement:
    """A requirement; its run status follows the tests linked to it."""

    id: int
    project_id: int | None = None
    display_id: int | None = None
    name: str | None = None
    description: str | None = None
    author_id: int | None = None
    parent_id: int | None = None
    instances_count: int | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    assigned_to_id: int | None = None
    assigned_to_type: AssigneeType | None = None
    planned_execution: dt.datetime | None = None
    version: str | None = None
    priority: str | None = None
    folder_id: int | None = None
    tags: list[str] = attrs.field(factory=list)
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    relationships: dict[str, list[int]] = attrs.field(factory=_links)
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
    assigned_to_type: AssigneeType | None = None
    version: str | None = None
    test_type: TestType | None = None
    priority: str | None = None
    duration_estimate: dt.timedelta | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    steps_count: int | None = None
    cloned_from_id: int | None = None
    planned_execution: dt.datetime | None = None
    folder_id: int | None = None
    scenario: str | None = None
    automated_fields: dict[str, JSON] = attrs.field(factory=dict, metadata=RAW_JSON)
    tags: list[str] = attrs.field(factory=list)
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    relationships: dict[str, list[int]] = attrs.field(factory=_links)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("steps")
@attrs.frozen(kw_only=True)
class Step:
    """A step of a test's definition (what its runs' step runs are made from)."""

    id: int
    project_id: int | None = None
    kind: StepKind | None = None
    test_id: int | None = None
    test_to_call_id: int | None = None
    name: str | None = None
    description: str | None = None
    expected_results: str | None = None
    position: int | None = None
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
    assigned_to_type: AssigneeType | None = None
    version: str | None = None
    planned_execution: dt.datetime | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    instances_count: int | None = None
    description: str | None = None
    folder_id: int | None = None
    milestone_id: int | None = None
    duration_estimate: dt.timedelta | None = None  # with duration=True only
    actual_duration: dt.timedelta | None = None  # with duration=True only
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
    assigned_to_type: AssigneeType | None = None
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


@resource("milestones")
@attrs.frozen(kw_only=True)
class Milestone:
    """A milestone (sprint, release...). With ``relationships=True``, ``relationships`` maps
    ``requirements``, ``issues`` and ``suites`` (test sets) to ids."""

    id: int
    project_id: int | None = None
    display_id: int | None = None
    name: str | None = None
    description: str | None = None
    milestone_status: str | None = None
    milestone_type: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    author_id: int | None = None
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    relationships: dict[str, list[int]] = attrs.field(factory=_links)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


@resource("issues")
@attrs.frozen(kw_only=True)
class Issue:
    """An issue (defect, task...); ``status_name`` comes from the project's workflow."""

    id: int
    project_id: int | None = None
    display_id: int | None = None
    title: str | None = None
    issue_type: str | None = None
    description: str | None = None
    status_name: str | None = None
    status_resolution: str | None = None
    author_id: int | None = None
    assigned_to_id: int | None = None
    assigned_to_type: AssigneeType | None = None
    planned_execution: dt.datetime | None = None
    version: str | None = None
    priority: str | None = None
    closed_at: dt.datetime | None = None
    closed_by_id: int | None = None
    cloned_from_id: int | None = None
    external_id: str | None = None
    folder_id: int | None = None
    instances_count: int | None = None
    run_status: RunStatus | None = None
    last_run: dt.datetime | None = None
    tags: list[str] = attrs.field(factory=list)
    custom_fields: CustomFields = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    relationships: dict[str, list[int]] = attrs.field(factory=_links)
    extra: dict[str, JSON] = attrs.field(factory=_extra)


# --- what a caller sends (drafts), as opposed to what the server returns -------------------
#
# The rule for every service: a single create takes keyword attributes; a bulk create (and a
# list nested in one, such as steps and files) takes drafts, and mappings with the draft's
# snake_case keys are accepted too, checked by :func:`draft_of`.

D = TypeVar("D")


def draft_of(cls: type[D], value: D | Mapping[str, Any], where: str = "item") -> D:
    """``value`` as a ``cls`` draft: a draft as it is, a mapping of its snake_case (or
    kebab-case) keys checked and converted. Raises TypeError / ValueError naming ``where``."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{where}: expected {cls.__name__} or a mapping, not {type(value).__name__}"
        )
    fields = attrs.fields_dict(cls)  # type: ignore[arg-type]
    values = {str(k).replace("-", "_"): v for k, v in value.items()}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(
            f"{where}: {cls.__name__} has no {', '.join(map(repr, unknown))} "
            f"(it takes {', '.join(fields)})"
        )
    missing = [n for n, f in fields.items() if f.default is attrs.NOTHING and n not in values]
    if missing:
        raise ValueError(f"{where}: {cls.__name__} needs {', '.join(missing)}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc


def drafts_of(cls: type[D], values: Any, what: str) -> list[D]:
    """Every item of ``values`` as a ``cls`` draft (see :func:`draft_of`)."""
    return [draft_of(cls, v, f"{what}[{i}]") for i, v in enumerate(values)]


def _files(value: Any) -> tuple[FileDraft, ...]:
    if type(value) is tuple and not value:  # most runs have none (a draft per result)
        return ()
    return tuple(drafts_of(FileDraft, value, "files"))


def _custom_field_input(value: Mapping[Any, Any] | None) -> dict[int, CustomFieldInput]:
    if not value:  # None or empty: nothing to check (most drafts)
        return {}
    # checked now, so that a bad value is reported where the draft is made
    custom_field_values(value)
    return {int(str(k).removeprefix("---f-")): v for k, v in (value or {}).items()}


@attrs.frozen(kw_only=True)
class FileDraft:
    """A file to attach to a run or a step run (sent base64-encoded)."""

    filename: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")


def _step_drafts(value: Any) -> tuple[StepDraft, ...]:
    if type(value) is tuple and not value:
        return ()
    return tuple(drafts_of(StepDraft, value, "steps"))


def _step_status(value: StepStatus | str) -> StepStatus:
    return value if isinstance(value, StepStatus) else StepStatus(value)


@attrs.frozen(kw_only=True)
class StepDraft:
    """A step of a run being reported."""

    name: str
    status: StepStatus = attrs.field(converter=_step_status)
    description: str | None = None
    expected_results: str | None = None
    actual_results: str | None = None
    files: tuple[FileDraft, ...] = attrs.field(default=(), converter=_files)


@attrs.frozen(kw_only=True)
class RunDraft:
    """A run to create on an instance (``POST runs.json``). With steps, ``exit_code`` is ignored
    by the server and the run's status follows from the steps. ``steps`` and ``files`` take
    drafts or mappings; custom-field values follow the rules of :data:`CustomFieldInput`."""

    instance_id: int
    exit_code: int | None = None
    run_type: RunType | None = None
    run_duration: dt.timedelta | None = None
    automated_execution_output: str | None = None
    version: str | None = None
    tester_id: int | None = None
    run_date: dt.datetime | None = None
    custom_fields: Mapping[int, CustomFieldInput] = attrs.field(
        factory=dict, converter=_custom_field_input
    )
    steps: tuple[StepDraft, ...] = attrs.field(default=(), converter=_step_drafts)
    files: tuple[FileDraft, ...] = attrs.field(default=(), converter=_files)


@attrs.frozen(kw_only=True)
class InstanceDraft:
    """An instance to create (``instances.create_many`` / ``create_batch``): a test in a set."""

    set_id: int
    test_id: int
    assigned_to_id: int | None = None
    assigned_to_type: AssigneeType | None = None
    planned_execution: dt.datetime | str | None = None
    version: str | None = None
    priority: str | None = None
    custom_fields: Mapping[int, CustomFieldInput] = attrs.field(
        factory=dict, converter=_custom_field_input
    )


@attrs.frozen(kw_only=True)
class TestStepDraft:
    """A step of a test's definition, to create (with a test, through ``steps.create``, or in
    ``runs.auto_create(test_attributes={"steps": [...]})``)."""

    __test__ = False

    name: str
    description: str | None = None
    expected_results: str | None = None
    position: int | None = None


@attrs.frozen(kw_only=True)
class ProjectGrant:
    """A project a user may see, and the user's groups there (``users.replace_projects``)."""

    project_id: int
    group_ids: tuple[int, ...]


# --- the attributes create / update take, as keyword arguments ------------------------------
# CLEAR (send null, to empty the attribute) is accepted by updates.


class _Planned(TypedDict, total=False):
    assigned_to_id: int | Clear
    assigned_to_type: AssigneeType | Clear
    planned_execution: dt.datetime | str | Clear
    version: str | Clear
    priority: str | Clear
    custom_fields: CustomFieldsInput | Clear


class _Described(_Planned, total=False):
    description: str | Clear
    tags: list[str] | Clear


class TestFields(_Described, total=False):
    """Attributes of ``tests.create`` / ``tests.update`` (besides ``name`` and the users)."""

    test_type: TestType | str
    status: str | Clear
    duration_estimate: dt.timedelta | str | Clear
    automated_fields: dict[str, JSON] | Clear
    scenario: str | Clear
    preconditions: str | Clear
    folder_id: int | Clear


class RequirementFields(_Described, total=False):
    """Attributes of ``requirements.create`` / ``requirements.update``."""

    parent_id: int | Clear
    folder_id: int | Clear


class IssueFields(_Described, total=False):
    """Attributes of ``issues.create`` / ``issues.update``."""

    issue_type: str | Clear


class SetFields(_Described, total=False):
    """Attributes of ``sets.create`` / ``sets.update`` / ``sets.clone``."""

    status: str | Clear
    milestone_id: int | Clear


class InstanceFields(_Planned, total=False):
    """Attributes of ``instances.create`` / ``instances.update``."""


class RunFields(TypedDict, total=False):
    """Run attributes ``runs.create`` and ``runs.auto_create`` take besides the instance (or
    the set and test) and the results."""

    run_type: RunType | None
    run_date: dt.datetime | str | None
    tester_id: int | None
    run_duration: dt.timedelta | None
    automated_execution_output: str | None
    version: str | None
    custom_fields: CustomFieldsInput | None


class TestAttributes(TypedDict, total=False):
    """``test_attributes`` of ``runs.auto_create``: the test to create when none is found by
    id or name (the docs' ``data/test-attributes``); ``steps`` take :class:`TestStepDraft` or
    mappings."""

    name: str
    test_type: TestType | str
    description: str
    preconditions: str
    status: str
    priority: str
    version: str
    tags: list[str]
    custom_fields: CustomFieldsInput
    scenario: str
    duration_estimate: dt.timedelta | str
    folder_id: int
    author_id: int
    steps: list[TestStepDraft | Mapping[str, Any]] | tuple[TestStepDraft | Mapping[str, Any], ...]
