"""Test sets: ``/api/v2/projects/{p}/sets.json`` and ``sets/{id}/clone.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from ..codec import JSON
from ..models import SetFields, TestSet
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, document, filters, flag, project_path, saved_filter


class SetsService(Service):
    """Test sets (the containers of instances)."""

    def list(
        self,
        project_id: int,
        *,
        name_exact: str | None = None,
        name_like: str | None = None,
        display_ids: Sequence[int] | None = None,
        filter_id: int | None = None,
        autofilter_value: str | None = None,
        sub_autofilter_value: str | None = None,
        filter_user_id: int | None = None,
        ptql: str | None = None,
        duration: bool = False,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[TestSet]:
        """GET /api/v2/projects/{p}/sets.json (every page; ``duration`` adds the estimated and
        actual durations)."""
        query = filters(
            params,
            name_exact=name_exact,
            name_like=name_like,
            display_ids=display_ids,
            filter_user_id=filter_user_id,
            **saved_filter(
                ptql=ptql,
                filter_id=filter_id,
                autofilter_value=autofilter_value,
                sub_autofilter_value=sub_autofilter_value,
            ),
            duration=flag(duration),
        )
        return self._list(
            project_path(project_id, "sets.json"), TestSet, query, page_size=page_size
        )

    async def get(self, project_id: int, set_id: int, *, duration: bool = False) -> TestSet:
        """GET /api/v2/projects/{p}/sets/{id}.json."""
        path = project_path(project_id, f"sets/{int(set_id)}.json")
        return await self._get(path, TestSet, filters(duration=flag(duration)))

    async def create(
        self,
        project_id: int,
        *,
        name: str,
        test_ids: Sequence[int] = (),
        author_id: int | None = None,
        **attributes: Unpack[SetFields],
    ) -> TestSet:
        """POST /api/v2/projects/{p}/sets.json (``test_ids`` become its instances)."""
        author = self._author(author_id, required=False, what="creating a test set")
        instances: JSON = {"test-ids": [int(t) for t in test_ids]} if test_ids else None
        body = document(
            "sets", {"name": name, "author_id": author, **attributes}, instances=instances
        )
        return await self._write("POST", project_path(project_id, "sets.json"), TestSet, body)

    async def update(
        self,
        project_id: int,
        set_id: int,
        *,
        name: str | None = None,
        **attributes: Unpack[SetFields],
    ) -> TestSet:
        """PUT /api/v2/projects/{p}/sets/{id}.json."""
        path = project_path(project_id, f"sets/{int(set_id)}.json")
        values = {"name": name, **attributes}
        return await self._write("PUT", path, TestSet, document("sets", values, clearing=True))

    async def delete(self, project_id: int, set_id: int) -> None:
        """DELETE /api/v2/projects/{p}/sets/{id}.json (its instances and runs go with it)."""
        await self._delete(project_path(project_id, f"sets/{int(set_id)}.json"))

    async def clone(
        self,
        project_id: int,
        set_id: int,
        *,
        name: str | None = None,
        **attributes: Unpack[SetFields],
    ) -> TestSet:
        """POST /api/v2/projects/{p}/sets/{id}/clone.json (a copy with fresh instances; every
        attribute is optional and overrides the copied one, the name included)."""
        path = project_path(project_id, f"sets/{int(set_id)}/clone.json")
        body = document("sets", {"name": name, **attributes}, clearing=True)
        return await self._write("POST", path, TestSet, body)
