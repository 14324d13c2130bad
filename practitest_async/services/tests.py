"""Tests: ``/api/v2/projects/{p}/tests.json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Test
from ..pagination import Paginator
from ._base import Service, document, filters, project_path


class TestsService(Service):
    """Test definitions."""

    __test__ = False

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
    ) -> Paginator[Test]:
        """GET /api/v2/projects/{p}/tests.json (every page)."""
        params = filters(
            name_exact=name_exact,
            name_like=name_like,
            display_ids=display_ids,
            filter_id=filter_id,
            ptql=ptql,
            **extra,
        )
        return self._list(project_path(project_id, "tests.json"), Test, params)

    async def get(self, project_id: int, test_id: int) -> Test:
        """GET /api/v2/projects/{p}/tests/{id}.json."""
        return await self._get(project_path(project_id, f"tests/{int(test_id)}.json"), Test)

    async def create(
        self, project_id: int, *, name: str, author_id: int | None = None, **attributes: Any
    ) -> Test:
        """POST /api/v2/projects/{p}/tests.json."""
        author = self._author(author_id, required=False, what="creating a test")
        body = document("tests", {"name": name, "author_id": author, **attributes})
        return await self._write("POST", project_path(project_id, "tests.json"), Test, body)

    async def update(self, project_id: int, test_id: int, **attributes: Any) -> Test:
        """PUT /api/v2/projects/{p}/tests/{id}.json."""
        path = project_path(project_id, f"tests/{int(test_id)}.json")
        return await self._write("PUT", path, Test, document("tests", attributes))

    async def delete(self, project_id: int, test_id: int) -> None:
        """DELETE /api/v2/projects/{p}/tests/{id}.json."""
        await self._delete(project_path(project_id, f"tests/{int(test_id)}.json"))
