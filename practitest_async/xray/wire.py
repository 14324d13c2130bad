"""RunResult -> one element of Xray JSON's ``tests[]``, per flavor; chunk sizes; markers.

Pure functions, no I/O. The shapes follow ``shared/reference/xray-api.md`` §5: the Server and
Cloud flavors differ in status names, in the evidence field (``evidences`` on Server,
``evidence`` on Cloud) and in the test type field of ``testInfo`` (``testType`` / ``type``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import mimetypes
import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ..batch.results import Attachment, RunResult, Status, StepResult

Flavor = Literal["server", "cloud"]
FLAVORS: tuple[Flavor, ...] = ("server", "cloud")

XRAY_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
"""A Jira issue key such as ``PROJ-123``: a result whose key (or name) is one names its Test."""

# Our status -> the built-in Xray status of each flavor (README "Xray", reference §5.4).
# PASS/FAIL/TODO/EXECUTING are Server's undeletable built-ins; ABORTED is the status Xray's own
# coverage rules name next to TODO. Cloud's import table says TODO (its status list says "TO DO");
# which spelling the import takes is UNCONFIRMED, so it is a setting (``status_map``).
SERVER_STATUSES: Mapping[Status, str] = {
    Status.PASSED: "PASS",
    Status.FAILED: "FAIL",
    Status.BLOCKED: "ABORTED",
    Status.NOT_COMPLETED: "EXECUTING",
    Status.NO_RUN: "TODO",
    Status.NA: "TODO",
}
CLOUD_STATUSES: Mapping[Status, str] = {
    Status.PASSED: "PASSED",
    Status.FAILED: "FAILED",
    Status.BLOCKED: "ABORTED",
    Status.NOT_COMPLETED: "EXECUTING",
    Status.NO_RUN: "TODO",
    Status.NA: "TODO",
}

MARKER_PREFIX = "ptasync"
"""Markers are one word (no hyphen), so Jira's text search finds them as a single token."""


def default_statuses(flavor: Flavor) -> dict[Status, str]:
    """The status table of a flavor (a copy, to override entries of)."""
    return dict(SERVER_STATUSES if flavor == "server" else CLOUD_STATUSES)


def status_table(flavor: Flavor, overrides: Mapping[Status | str, str] | None) -> dict[Status, str]:
    """The flavor's table with ``overrides`` applied (keys: our statuses, any spelling)."""
    table = default_statuses(flavor)
    for ours, theirs in (overrides or {}).items():
        table[Status.parse(ours)] = str(theirs)
    return table


def execution_marker(nonce: str) -> str:
    """The word put in the Test Execution's description to find it after a lost answer."""
    return f"{MARKER_PREFIX}{nonce}"


def xray_key_of(result: RunResult) -> str | None:
    """The Xray Test key a result names: its ``key`` or its ``name`` when one is ``PROJ-123``."""
    for candidate in (result.key, result.name):
        if candidate and XRAY_KEY.match(candidate.strip()):
            return candidate.strip()
    return None


def definition_of(result: RunResult) -> str:
    """The Generic Test definition identifying an auto-provisioned Test: the result's name.

    For JUnit that is ``classname.name`` (the reader's default name), the very string Xray's own
    JUnit import uses. ``RunResult.key`` is not used: it holds the report's path, which differs
    between CI workspaces, so the same test would become a new Test on every machine.
    """
    return result.name.strip()


def identity_of(result: RunResult) -> str:
    """What makes two results the same Test in one execution (one Test Run per Test)."""
    key = xray_key_of(result)
    return f"key:{key}" if key else f"def:{definition_of(result)}"


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with an offset and whole seconds, as Xray's examples write it."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


@attrs.frozen(kw_only=True)
class WireOptions:
    """How results are written for one upload."""

    flavor: Flavor
    project_key: str
    statuses: Mapping[Status, str]
    comment_limit: int = 30_000  # Jira text fields hold 32,767 characters
    output_filename: str = "output.txt"


def _evidence(attachment: Attachment) -> dict[str, str]:
    content_type = mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
    return {
        "data": base64.b64encode(attachment.content).decode("ascii"),
        "filename": attachment.filename,
        "contentType": content_type,
    }


def _evidence_field(flavor: Flavor) -> str:
    return "evidences" if flavor == "server" else "evidence"


def _step(step: StepResult, options: WireOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"status": options.statuses[Status.parse(step.status.value)]}
    comment = "\n".join(t for t in (step.description, step.expected) if t)
    if comment:
        out["comment"] = comment
    if step.actual:
        out["actualResult"] = step.actual
    if step.attachments:
        out[_evidence_field(options.flavor)] = [_evidence(a) for a in step.attachments]
    return out


def run_entry(
    result: RunResult,
    options: WireOptions,
    *,
    finished: dt.datetime,
    extras: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``tests[]`` element: the Test (by key, or a Generic definition) and its Test Run."""
    entry: dict[str, Any] = {}
    key = xray_key_of(result)
    if key:
        entry["testKey"] = key
    else:
        entry["testInfo"] = {
            "projectKey": options.project_key,
            "summary": result.name.strip()[:255],
            ("testType" if options.flavor == "server" else "type"): "Generic",
            "definition": definition_of(result),
        }
    status = result.status
    assert status is not None  # RunResult sets it in __attrs_post_init__
    entry["status"] = options.statuses[status]
    if result.duration is not None:
        entry["start"] = iso(finished - result.duration)
        entry["finish"] = iso(finished)
    evidence = [_evidence(a) for a in result.attachments]
    output = result.output or ""
    if output:
        if len(output) <= options.comment_limit:
            entry["comment"] = output
        else:
            cut = output[: options.comment_limit - 80]
            entry["comment"] = (
                f"{cut}\n[… the full output is the evidence {options.output_filename}]"
            )
            evidence.append(_evidence(Attachment(options.output_filename, output.encode())))
    if evidence:
        entry[_evidence_field(options.flavor)] = evidence
    if result.steps:
        entry["steps"] = [_step(s, options) for s in result.steps]
    if result.custom_fields:
        entry["customFields"] = [
            {"id": fid if options.flavor == "server" else str(fid), "value": value}
            for fid, value in sorted(result.custom_fields.items())
        ]
    if extras:
        entry.update(extras)
    return entry


def entry_size(entry: Mapping[str, Any]) -> int:
    """Bytes the entry takes in the request body (evidence counted as the base64 it is)."""
    return len(json.dumps(entry, separators=(",", ":")).encode())


def import_body(
    tests: list[dict[str, Any]],
    *,
    execution_key: str | None,
    info: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The whole Xray JSON document of one import."""
    body: dict[str, Any] = {}
    if execution_key:
        body["testExecutionKey"] = execution_key
    elif info:
        body["info"] = dict(info)
    body["tests"] = tests
    return body
