"""Instances: ``/api/v2/projects/{p}/instances.json``."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Unpack, overload

from ..codec import JSON, Ref, encode_draft
from ..models import Instance, InstanceDraft, InstanceFields, drafts_of
from ..pagination import PAGE_SIZE, Paginator
from ._base import (
    Service,
    decode_bulk,
    document,
    filters,
    project_path,
    reading,
    set_filter,
)

MAX_INSTANCES_PER_REQUEST = 20


class InstancesService(Service):
    """Instances: a test's place in a test set."""

    @overload
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
        ids_only: Literal[False] = False,
    ) -> Paginator[Instance]: ...

    @overload
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
        ids_only: Literal[True],
    ) -> Paginator[Ref]: ...

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
        ids_only: bool = False,
    ) -> Paginator[Instance] | Paginator[Ref]:
        """GET /api/v2/projects/{p}/instances.json (every page; ``display_id`` is one instance's
        "<set display id>:<n>"; ``set_ptql`` excludes ``set_filter_id``). ``ids_only`` reads
        each item's ids alone (:class:`~practitest_async.codec.Ref`: id, test_id, set_id),
        a fraction of the cost of a full :class:`Instance`."""
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
        path = project_path(project_id, "instances.json")
        if ids_only:
            return self._list_refs(path, query, page_size=page_size)
        return self._list(path, Instance, query, page_size=page_size)

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

    @overload
    async def create_batch(
        self,
        project_id: int,
        instances: Sequence[InstanceDraft | Mapping[str, Any]],
        *,
        ids_only: Literal[False] = False,
    ) -> builtins.list[Instance]: ...

    @overload
    async def create_batch(
        self,
        project_id: int,
        instances: Sequence[InstanceDraft | Mapping[str, Any]],
        *,
        ids_only: Literal[True],
    ) -> builtins.list[Ref]: ...

    async def create_batch(
        self,
        project_id: int,
        instances: Sequence[InstanceDraft | Mapping[str, Any]],
        *,
        ids_only: bool = False,
    ) -> builtins.list[Instance] | builtins.list[Ref]:
        """POST /api/v2/projects/{p}/instances.json with ``data: [...]``: ONE request of at most
        20 instances (:class:`InstanceDraft`, or mappings of its snake_case keys, checked).
        ``ids_only`` returns each instance's :class:`~practitest_async.codec.Ref` (id, test_id,
        set_id) instead of the full model: the cheap read the batch layer uses."""
        drafts = drafts_of(InstanceDraft, instances, "instances")
        if not 1 <= len(drafts) <= MAX_INSTANCES_PER_REQUEST:
            raise ValueError(
                f"one request takes 1 to {MAX_INSTANCES_PER_REQUEST} instances, not {len(drafts)}"
            )
        data: list[JSON] = [{"type": "instances", "attributes": encode_draft(d)} for d in drafts]
        path = project_path(project_id, "instances.json")
        answer = await self._transport.request("POST", path, json={"data": data})
        with reading("POST", path):
            return decode_bulk(answer, Instance, ids_only)

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
