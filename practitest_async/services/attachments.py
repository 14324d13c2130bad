"""Attachments: ``/api/v2/projects/{p}/attachments.json`` (upload and delete: Corporate only)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from ..codec import JSON
from ..models import AttachmentEntity, AttachmentInfo, FileDraft
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, decode_list, filters, project_path
from .runs import encode_files

# what attachments.create may upload to (reference §8.5); "run" is listed for reading only
UPLOAD_ENTITIES = tuple(e for e in AttachmentEntity if e is not AttachmentEntity.RUN)


class AttachmentsService(Service):
    """Files attached to issues, requirements, tests, sets, instances, steps, runs, step runs."""

    def list(
        self,
        project_id: int,
        *,
        entity: AttachmentEntity,
        entity_id: int,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[AttachmentInfo]:
        """GET /api/v2/projects/{p}/attachments.json?entity=..&entity-id=.. (every page)."""
        params = filters(entity=AttachmentEntity(entity).value, entity_id=int(entity_id))
        return self._list(
            project_path(project_id, "attachments.json"),
            AttachmentInfo,
            params,
            page_size=page_size,
        )

    async def create(
        self,
        project_id: int,
        *,
        entity: AttachmentEntity,
        entity_id: int,
        files: Sequence[FileDraft | Mapping[str, Any]],
    ) -> builtins.list[AttachmentInfo]:
        """POST /api/v2/projects/{p}/attachments.json: upload files (sent base64-encoded) to an
        issue, requirement, test, test set, instance, step or step run (not a run: see
        ``runs.create(files=...)``)."""
        if not files:
            raise ValueError("attachments.create needs at least one file")
        entity = AttachmentEntity(entity)
        if entity is AttachmentEntity.RUN:
            # the docs' upload list (reference §8.5) has no "run"; runs take files when created
            raise ValueError(
                "attachments.create cannot upload to a run: PractiTest accepts uploads for "
                f"{', '.join(e.value for e in UPLOAD_ENTITIES)}. Attach a run's files when "
                "creating it: runs.create(..., files=[FileDraft(...)]) (or RunDraft.files)"
            )
        body: JSON = {
            # entity and entity-id sit beside "data", not inside it (reference §8.5)
            "entity": entity.value,
            "entity-id": int(entity_id),
            "data": {"type": "attachments", "files": encode_files(files)},
        }
        answer = await self._transport.request(
            "POST", project_path(project_id, "attachments.json"), json=body
        )
        return [] if answer is None else decode_list(answer, AttachmentInfo)

    async def download(self, project_id: int, attachment_id: int) -> bytes:
        """GET /api/v2/projects/{p}/attachments/{id}: the file's bytes. The answer redirects to
        storage; the token is not sent to another host."""
        path = project_path(project_id, f"attachments/{int(attachment_id)}")
        body: bytes = await self._transport.request("GET", path, raw=True)
        return body

    async def delete(self, project_id: int, attachment_id: int) -> None:
        """DELETE /api/v2/projects/{p}/attachments/{id}.json."""
        await self._delete(project_path(project_id, f"attachments/{int(attachment_id)}.json"))
