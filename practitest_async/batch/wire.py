"""How a :class:`RunResult` is said to PractiTest so that the run gets exactly its status.

PractiTest derives a run's status from ``exit-code`` (0 PASSED, else FAILED) unless steps are
sent, in which case the steps decide (reference §6.6) and exit-code is ignored. So:

============== ==============================================================================
status         what is sent (when the result has no steps of its own)
============== ==============================================================================
PASSED         exit-code 0
FAILED         exit-code 1
BLOCKED        one step, BLOCKED
NOT COMPLETED  two steps: PASSED ("started"), then NO RUN ("not completed")
NO RUN         one step, NO RUN
N/A            one step, N/A
============== ==============================================================================

With the user's own steps, the steps are sent and decide (RunResult already checked that they
agree with its status). ``automated-execution-output`` holds at most 255 characters: the start
of the output is sent, and the whole text is attached as ``<name>.output.txt``. The output ends
with a short marker of the result's key, which is how an upload whose answer was lost is
reconciled without sending a duplicate (see :mod:`practitest_async.batch.uploader`).
"""

from __future__ import annotations

import hashlib
import re

import attrs

from ..codec import JSON, encode_value, format_duration
from ..models import FileDraft, RunDraft, StepDraft, StepStatus
from ..services.runs import encode_run
from .results import RunResult, Status, StepResult

MAX_OUTPUT = 255
_ELLIPSIS = " [...]"
_SYNTHETIC_STEPS: dict[Status, tuple[tuple[str, StepStatus], ...]] = {
    Status.BLOCKED: (("", StepStatus.BLOCKED),),
    Status.NOT_COMPLETED: (("started", StepStatus.PASSED), ("not completed", StepStatus.NO_RUN)),
    Status.NO_RUN: (("", StepStatus.NO_RUN),),
    Status.NA: (("", StepStatus.NA),),
}
_MARKER = re.compile(r"\[pta:([0-9a-f]{12})\]")


def marker_for(scope: str, key: str) -> str:
    """A short, stable tag that identifies one result of one upload in the run's output."""
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:12]
    return f"[pta:{digest}]"


def markers_in(text: str | None) -> set[str]:
    """The markers found in a run's execution output."""
    return {f"[pta:{m}]" for m in _MARKER.findall(text or "")}


def execution_output(output: str | None, marker: str | None) -> str | None:
    """The ``automated-execution-output`` to send: the start of the output, then the marker,
    within 255 characters."""
    tail = f"\n{marker}" if marker else ""
    text = (output or "").strip()
    room = MAX_OUTPUT - len(tail)
    if len(text) > room:
        text = text[: room - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
    combined = (text + tail).strip()
    return combined or None


def _file_name(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "result"
    return safe[:120] + ".output.txt"


def _step(step: StepResult) -> StepDraft:
    return StepDraft(
        name=step.name[:255],
        status=step.status,
        description=step.description,
        expected_results=step.expected,
        actual_results=step.actual,
        files=tuple(FileDraft(filename=a.filename, content=a.content) for a in step.attachments),
    )


MAX_STEP_OUTPUT = 64 * 1024  # of a synthetic step's actual results: the whole is attached


def _step_output(output: str | None) -> str | None:
    """The output a synthetic step carries: its start, when long (the whole output goes as the
    run's ``<name>.output.txt``, or, in a request a gateway refused as too large, nowhere)."""
    if output is None or len(output) <= MAX_STEP_OUTPUT:
        return output
    return output[:MAX_STEP_OUTPUT] + _ELLIPSIS


def steps_for(result: RunResult) -> tuple[StepDraft, ...]:
    """The steps to send: the result's own, or the synthetic ones its status needs."""
    if result.steps:
        return tuple(_step(s) for s in result.steps)
    synthetic = _SYNTHETIC_STEPS.get(result.status, ())
    return tuple(
        StepDraft(
            name=(f"{result.name} ({suffix})" if suffix else result.name)[:255],
            status=status,
            actual_results=_step_output(result.output) if status is not StepStatus.PASSED else None,
        )
        for suffix, status in synthetic
    )


def exit_code_for(result: RunResult) -> int | None:
    """exit-code for results whose status is said without steps."""
    if result.steps or result.status not in (Status.PASSED, Status.FAILED):
        return None
    return 0 if result.status is Status.PASSED else 1


def files_for(result: RunResult, *, attach_full_output: bool) -> tuple[FileDraft, ...]:
    """The run's files: the result's attachments, plus its full output when it was cut."""
    files = [FileDraft(filename=a.filename, content=a.content) for a in result.attachments]
    output = (result.output or "").strip()
    if attach_full_output and len(output) > MAX_OUTPUT - 20:
        files.append(FileDraft(filename=_file_name(result.name), content=output.encode()))
    return tuple(files)


def without_files(result: RunResult) -> RunResult:
    """``result`` without its attachments (its own and its steps')."""
    return attrs.evolve(
        result,
        attachments=[],
        steps=[attrs.evolve(s, attachments=[]) for s in result.steps],
    )


def to_draft(
    result: RunResult,
    instance_id: int,
    *,
    version: str | None = None,
    marker: str | None = None,
    attach_full_output: bool = True,
) -> RunDraft:
    """The :class:`RunDraft` (POST runs.json item) for one result on its instance."""
    return RunDraft(
        instance_id=instance_id,
        exit_code=exit_code_for(result),
        run_duration=result.duration,
        automated_execution_output=execution_output(result.output, marker),
        version=result.version or version,
        custom_fields=dict(result.custom_fields),
        steps=steps_for(result),
        files=files_for(result, attach_full_output=attach_full_output),
    )


_EXIT_CODES = {Status.PASSED: 0, Status.FAILED: 1}


def run_item(
    result: RunResult,
    instance_id: int,
    *,
    version: str | None = None,
    marker: str | None = None,
    attach_full_output: bool = True,
) -> dict[str, JSON]:
    """The ``data`` item of POST runs.json for one result on its instance: exactly
    ``encode_run(to_draft(...))``, built directly for the usual result (PASSED or FAILED, no
    steps, attachments or custom fields, an output too short to attach), which spares a
    :class:`RunDraft` and the generic encoder for each result of an upload."""
    output = result.output
    exit_code = _EXIT_CODES.get(result.status)
    if (
        exit_code is None
        or result.steps
        or result.attachments
        or result.custom_fields
        or (output is not None and len(output.strip()) > MAX_OUTPUT - 20)
    ):
        draft = to_draft(
            result,
            instance_id,
            version=version,
            marker=marker,
            attach_full_output=attach_full_output,
        )
        return encode_run(draft)
    attributes: dict[str, JSON] = {
        "instance-id": encode_value(instance_id),
        "exit-code": exit_code,
    }
    if result.duration is not None:
        attributes["run-duration"] = format_duration(result.duration)
    text = execution_output(output, marker)
    if text is not None:
        attributes["automated-execution-output"] = text
    chosen = result.version or version
    if chosen is not None:
        attributes["version"] = encode_value(chosen)
    return {"type": "instances", "attributes": attributes}
