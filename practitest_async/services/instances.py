"""Instances: ``/api/v2/projects/{p}/instances.json``."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Unpack

from ..codec import JSON, encode_draft
from ..models import Instance, InstanceDraft, InstanceFields, drafts_of
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, decode_list, document, filters, project_path, set_filter

MAX_INSTANCES_PER_REQUEST = 20


class InstancesService(Service):
    """Instances: a test's place in a test set."""

    def list(
        self,
        project_id: int,
        *,
        set_ids: Sequence[int] | None = None,
        test_ids: Sequence[int] | None = None,
        test_display_ids: Sequence[int] | None = None,
        name_exact: str | None = None,
        name_like: str | None = None,
        display_id: str | None = None,
        set_filter_id: int | None = None,
        set_filter_user_id: int | None = None,
        set_ptql: str | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[Instance]:
        """GET /api/v2/projects/{p}/instances.json (every page; ``display_id`` is one instance's
        "<set display id>:<n>"; ``set_ptql`` excludes ``set_filter_id``)."""
        query = filters(
            params,
            set_ids=set_ids,
            test_ids=test_ids,
            test_display_ids=test_display_ids,
            name_exact=name_exact,
            name_like=name_like,
            display_id=display_id,
            set_filter_user_id=set_filter_user_id,
            **set_filter(set_ptql=set_ptql, set_filter_id=set_filter_id),
        )
        return self._list(
            project_path(project_id, "instances.json"), Instance, query, page_size=page_size
        )

    async def get(self, project_id: int, instance_id: int) -> Instance:
        """GET /api/v2/projects/{p}/instances/{id}.json."""
        path = project_path(project_id, f"instances/{int(instance_id)}.json")
        return await self._get(path, Instance)

    async def create(
        self, project_id: int, *, set_id: int, test_id: int, **attributes: Unpack[InstanceFields]
    ) -> Instance:
        """POST /api/v2/projects/{p}/instances.json (one instance)."""
        body = document("instances", {"set_id": set_id, "test_id": test_id, **attributes})
        return await self._write("POST", project_path(project_id, "instances.json"), Instance, body)

    async def create_batch(
        self, project_id: int, instances: Sequence[InstanceDraft | Mapping[str, Any]]
    ) -> builtins.list[Instance]:
        """POST /api/v2/projects/{p}/instances.json with ``data: [...]``: ONE request of at most
        20 instances (:class:`InstanceDraft`, or mappings of its snake_case keys, checked)."""
        drafts = drafts_of(InstanceDraft, instances, "instances")
        if not 1 <= len(drafts) <= MAX_INSTANCES_PER_REQUEST:
            raise ValueError(
                f"one request takes 1 to {MAX_INSTANCES_PER_REQUEST} instances, not {len(drafts)}"
            )
        data: list[JSON] = [{"type": "instances", "attributes": encode_draft(d)} for d in drafts]
        answer = await self._transport.request(
            "POST", project_path(project_id, "instances.json"), json={"data": data}
        )
        return decode_list(answer, Instance)

    async def create_many(
        self, project_id: int, instances: Iterable[InstanceDraft | Mapping[str, Any]]
    ) -> builtins.list[Instance]:
        """POST /api/v2/projects/{p}/instances.json in chunks of 20, concurrently; returns the
        instances in the order given (every item is checked before anything is sent)."""
        items = drafts_of(InstanceDraft, instances, "instances")
        chunks = [
            items[i : i + MAX_INSTANCES_PER_REQUEST]
            for i in range(0, len(items), MAX_INSTANCES_PER_REQUEST)
        ]
        results = await asyncio.gather(*(self.create_batch(project_id, c) for c in chunks))
        return [instance for chunk in results for instance in chunk]

    async def update(
        self, project_id: int, instance_id: int, **attributes: Unpack[InstanceFields]
    ) -> Instance:
        """PUT /api/v2/projects/{p}/instances/{id}.json."""
        path = project_path(project_id, f"instances/{int(instance_id)}.json")
        return await self._write(
            "PUT", path, Instance, document("instances", attributes, clearing=True)
        )

    async def delete(self, project_id: int, instance_id: int) -> None:
        """DELETE /api/v2/projects/{p}/instances/{id}.json."""
        await self._delete(project_path(project_id, f"instances/{int(instance_id)}.json"))
