"""Requirements: ``/api/v2/projects/{p}/requirements.json``, and their links (§8.8-8.9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from ..codec import JSON
from ..models import Requirement, RequirementFields
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, document, filters, flag, project_path, saved_filter
from .relationships import Links


class RequirementsService(Service):
    """Requirements, and what they trace to (tests, issues, milestones)."""

    @property
    def linked_tests(self) -> Links:
        """The requirement's tests: ``requirements/{id}/relationships/tests.json``."""
        return Links(self._transport, "requirements", "tests")

    @property
    def linked_issues(self) -> Links:
        """The requirement's issues: ``requirements/{id}/relationships/issues.json``."""
        return Links(self._transport, "requirements", "issues")

    @property
    def linked_milestones(self) -> Links:
        """The requirement's milestones: ``requirements/{id}/relationships/milestones.json``."""
        return Links(self._transport, "requirements", "milestones")

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
        relationships: bool = False,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[Requirement]:
        """GET /api/v2/projects/{p}/requirements.json (every page; filters are ANDed)."""
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
            relationships=flag(relationships),
        )
        return self._list(
            project_path(project_id, "requirements.json"), Requirement, query, page_size=page_size
        )

    async def get(
        self, project_id: int, requirement_id: int, *, relationships: bool = False
    ) -> Requirement:
        """GET /api/v2/projects/{p}/requirements/{id}.json."""
        path = project_path(project_id, f"requirements/{int(requirement_id)}.json")
        return await self._get(path, Requirement, filters(relationships=flag(relationships)))

    async def create(
        self,
        project_id: int,
        *,
        name: str,
        author_id: int | None = None,
        test_ids: Sequence[int] = (),
        **attributes: Unpack[RequirementFields],
    ) -> Requirement:
        """POST /api/v2/projects/{p}/requirements.json (``test_ids`` are linked to it)."""
        author = self._author(author_id, required=True, what="creating a requirement")
        traceability: JSON = {"test-ids": [int(t) for t in test_ids]} if test_ids else None
        body = document(
            "requirements",
            {"name": name, "author_id": author, **attributes},
            traceability=traceability,
        )
        path = project_path(project_id, "requirements.json")
        return await self._write("POST", path, Requirement, body)

    async def update(
        self,
        project_id: int,
        requirement_id: int,
        *,
        name: str | None = None,
        updated_by_user_id: int | None = None,
        **attributes: Unpack[RequirementFields],
    ) -> Requirement:
        """PUT /api/v2/projects/{p}/requirements/{id}.json."""
        path = project_path(project_id, f"requirements/{int(requirement_id)}.json")
        values = {"name": name, "updated_by_user_id": updated_by_user_id, **attributes}
        return await self._write(
            "PUT", path, Requirement, document("requirements", values, clearing=True)
        )

    async def delete(self, project_id: int, requirement_id: int) -> None:
        """DELETE /api/v2/projects/{p}/requirements/{id}.json."""
        await self._delete(project_path(project_id, f"requirements/{int(requirement_id)}.json"))
