"""Test sets: ``/api/v2/projects/{p}/sets.json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..codec import JSON
from ..models import TestSet
from ..pagination import Paginator
from ._base import Service, document, filters, project_path


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
        ptql: str | None = None,
        **extra: Any,
    ) -> Paginator[TestSet]:
        """GET /api/v2/projects/{p}/sets.json (every page)."""
        params = filters(
            name_exact=name_exact,
            name_like=name_like,
            display_ids=display_ids,
            filter_id=filter_id,
            ptql=ptql,
            **extra,
        )
        return self._list(project_path(project_id, "sets.json"), TestSet, params)

    async def get(self, project_id: int, set_id: int) -> TestSet:
        """GET /api/v2/projects/{p}/sets/{id}.json."""
        return await self._get(project_path(project_id, f"sets/{int(set_id)}.json"), TestSet)

    async def create(
        self,
        project_id: int,
        *,
        name: str,
        test_ids: Sequence[int] = (),
        author_id: int | None = None,
        **attributes: Any,
    ) -> TestSet:
        """POST /api/v2/projects/{p}/sets.json (``test_ids`` become its instances)."""
        author = self._author(author_id, required=False, what="creating a test set")
        instances: JSON = {"test-ids": [int(t) for t in test_ids]} if test_ids else None
        body = document(
            "sets", {"name": name, "author_id": author, **attributes}, instances=instances
        )
        return await self._write("POST", project_path(project_id, "sets.json"), TestSet, body)

    async def update(self, project_id: int, set_id: int, **attributes: Any) -> TestSet:
        """PUT /api/v2/projects/{p}/sets/{id}.json."""
        path = project_path(project_id, f"sets/{int(set_id)}.json")
        return await self._write("PUT", path, TestSet, document("sets", attributes))

    async def delete(self, project_id: int, set_id: int) -> None:
        """DELETE /api/v2/projects/{p}/sets/{id}.json."""
        await self._delete(project_path(project_id, f"sets/{int(set_id)}.json"))

    async def clone(self, project_id: int, set_id: int, *, name: str, **attributes: Any) -> TestSet:
        """POST /api/v2/projects/{p}/sets/{id}/clone.json (a copy with fresh instances)."""
        path = project_path(project_id, f"sets/{int(set_id)}/clone.json")
        body = document("sets", {"name": name, **attributes})
        return await self._write("POST", path, TestSet, body)
