"""Attachments: list an entity's, upload base64 files, download (redirect), delete (§8.5)."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_account
from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.errors import ApiError, not_found
from practitest_async.testing.handlers.common import collect, corporate_only, find
from practitest_async.testing.handlers.run_input import FilePlan, files_of
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.storage import blob_path
from practitest_async.testing.validate import Fields, Invalid, as_id

# attachment "entity" -> JSON:API type of the table it names
ENTITIES = {
    "issue": "issues",
    "requirement": "requirements",
    "test": "tests",
    "testset": "sets",
    "instance": "instances",
    "step": "steps",
    "run": "runs",
    "step-run": "step-runs",
}
UPLOAD_ENTITIES = tuple(e for e in ENTITIES if e != "run")  # "run" is not documented for POST


def _entity(
    call: Call, entity: Any, entity_id: Any, allowed: tuple[str, ...], where: str
) -> tuple[str, int]:
    if entity not in allowed:
        raise Invalid(f"{where}entity must be one of {', '.join(allowed)}; got {entity!r}")
    if entity_id is None:
        raise Invalid(f"{where}entity-id is required")
    record_id = as_id(entity_id, f"{where}entity-id")
    record = call.store.table(ENTITIES[entity]).get(record_id)
    if record is None or record.project_id != call.pid:
        raise not_found(entity, record_id, call.pid)
    return entity, record_id


def list_attachments(call: Call) -> Reply:
    entity, entity_id = collect(
        [
            lambda: _entity(
                call, call.query.get("entity"), call.query.get("entity-id"), tuple(ENTITIES), ""
            )
        ]
    )[0]
    found = call.store.attachments_of(entity, entity_id)
    return paginated(call, found, lambda a: render_account.attachment(call.store, a))


def _upload(call: Call) -> tuple[str, int, list[FilePlan]]:
    if not isinstance(call.body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    entity, entity_id = _entity(
        call, call.body.get("entity"), call.body.get("entity-id"), UPLOAD_ENTITIES, ""
    )
    data = Fields.of(call.body.get("data"), "data")
    files = files_of(data)
    if not files:
        raise Invalid("data.files.data must list at least one file")
    return entity, entity_id, files


def create_attachments(call: Call) -> Reply:
    """Body: top-level ``entity`` and ``entity-id``, files in ``data.files.data``."""
    corporate_only(call)
    entity, entity_id, files = collect([lambda: _upload(call)])[0]
    made = [
        call.store.add_attachment(call.pid, entity, entity_id, f.filename, f.content) for f in files
    ]
    return ok(document([render_account.attachment(call.store, a) for a in made]))


def download_attachment(call: Call) -> Reply:
    """Not JSON: a redirect to where the bytes are (302 unless configured otherwise)."""
    att = find(call, call.store.attachments, "attachment")
    location = f"{call.url.origin()}{blob_path(att)}"
    return Reply(
        status=call.config.attachment_redirect_status, body=None, headers={"Location": location}
    )


def delete_attachment(call: Call) -> Reply:
    corporate_only(call)
    att = find(call, call.store.attachments, "attachment")
    body = document(render_account.attachment(call.store, att))
    del call.store.attachments[att.id]
    return done(call, body)
