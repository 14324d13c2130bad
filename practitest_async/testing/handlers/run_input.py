"""Reading one run from a POST runs body into a ``RunPlan``; nothing is stored here."""

from __future__ import annotations

from typing import Any

import attrs

from practitest_async.testing.context import Call
from practitest_async.testing.handlers.common import acting_user, custom_fields, exists
from practitest_async.testing.status import STEP_STATUSES, combine, from_exit_code
from practitest_async.testing.validate import Fields, Invalid, decode_base64

RUN_TYPES = ("AutomatedRun", "ManualRun")
# The docs' ManualRun example puts these beside "attributes"; the table puts them inside.
BESIDE_ATTRIBUTES = ("run-type", "tester-id", "run-date")


@attrs.frozen
class FilePlan:
    filename: str
    content: bytes


@attrs.frozen(kw_only=True)
class StepPlan:
    name: str
    status: str
    description: str | None
    expected_results: str | None
    actual_results: str | None
    files: list[FilePlan]


@attrs.frozen(kw_only=True)
class RunPlan:
    where: str  # "data" or "data[3]", for error titles
    instance_id: int | None
    status: str
    fields: dict[str, Any]  # snake_case Run fields: tester_id, run_type, version, ...
    steps: list[StepPlan]
    files: list[FilePlan]


def files_of(item: Fields, key: str = "files") -> list[FilePlan]:
    """``{key: {"data": [{"filename": ..., "content_encoded": <base64>}]}}``."""
    block = item.sub(key)
    plans = []
    for i, raw in enumerate(block.array("data")):
        f = Fields.of(raw, f"{block.path('data')}[{i}]")
        name = f.required_text("filename")
        plans.append(
            FilePlan(name, decode_base64(f.raw("content_encoded"), f.path("content_encoded")))
        )
    return plans


def _step(call: Call, f: Fields) -> StepPlan:
    status = f.choice("status", STEP_STATUSES)
    if status is None:
        if call.config.missing_step_status == "error":
            raise Invalid(f"{f.path('status')} is required (one of {', '.join(STEP_STATUSES)})")
        status = "NO RUN"
    return StepPlan(
        name=f.required_text("name", max_len=call.config.max_step_name_chars),
        status=status,
        description=f.text("description"),
        expected_results=f.text("expected-results"),
        actual_results=f.text("actual-results"),
        files=files_of(f),
    )


def _output(call: Call, f: Fields) -> str | None:
    text = f.text("automated-execution-output")
    limit = call.config.max_output_chars
    if text is None or len(text) <= limit:
        return text
    if call.config.long_output_behaviour == "truncate":
        return text[:limit]
    raise Invalid(
        f"{f.path('automated-execution-output')} is {len(text)} characters; at most {limit}"
    )


def _attributes(item: Fields) -> Fields:
    f = item.sub("attributes", required=True)
    beside = {k: item.raw(k) for k in BESIDE_ATTRIBUTES if item.has(k)}
    return Fields({**beside, **f.values}, f.where)


def run_status(call: Call, steps: list[StepPlan], exit_code: int | None) -> str:
    """From the steps if any were sent (exit-code is then ignored, §6.6), else the exit code."""
    if steps:
        return combine(s.status for s in steps)
    if exit_code is not None:
        return from_exit_code(exit_code)
    return call.config.status_without_result


def parse_run(call: Call, item: Fields, *, need_instance: bool = True) -> RunPlan:
    f = _attributes(item)
    instance_id = f.required_id("instance-id") if need_instance else None
    if instance_id is not None:
        exists(call, call.store.instances, instance_id, f.path("instance-id"), "instance")
    run_type = f.choice("run-type", RUN_TYPES) or "AutomatedRun"
    tester = acting_user(call, f, "tester-id", required_for_account=run_type == "ManualRun")
    exit_code = f.integer("exit-code")
    steps = [
        _step(call, Fields.of(raw, f"{item.path('steps')}.data[{i}]"))
        for i, raw in enumerate(item.sub("steps").array("data"))
    ]
    fields = {
        "tester_id": tester,
        "run_type": run_type,
        "run_date": f.text("run-date"),
        "exit_code": exit_code,
        "version": f.text("version"),
        "custom_fields": custom_fields(call, f) or {},
        "automated_execution_output": _output(call, f),
        "run_duration": f.duration("run-duration") or "00:00:00",
    }
    return RunPlan(
        where=item.where,
        instance_id=instance_id,
        status=run_status(call, steps, exit_code),
        fields=fields,
        steps=steps,
        files=files_of(item),
    )
