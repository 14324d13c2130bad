"""Issues: ``/api/v2/projects/{p}/issues.json``, workflow transitions, and links (§8.17)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from ..models import Issue, IssueFields
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, document, filters, flag, project_path, saved_filter
from .relationships import Links


class IssuesService(Service):
    """Issues (defects, tasks), and what they trace to (requirements, issues, milestones)."""

    @property
    def linked_requirements(self) -> Links:
        """The issue's requirements: ``issues/{id}/relationships/requirements.json``."""
        return Links(self._transport, "issues", "requirements")

    @property
    def linked_issues(self) -> Links:
        """The issue's related issues: ``issues/{id}/relationships/issues.json``."""
        return Links(self._transport, "issues", "issues")

    @property
    def linked_milestones(self) -> Links:
        """The issue's milestones: ``issues/{id}/relationships/milestones.json``."""
        return Links(self._transport, "issues", "milestones")

    def list(
        self,
        project_id: int,
        *,
        title_exact: str | None = None,
        title_like: str | None = None,
        display_ids: Sequence[int] | None = None,
        filter_id: int | None = None,
        autofilter_value: str | None = None,
        sub_autofilter_value: str | None = None,
        filter_user_id: int | None = None,
        ptql: str | None = None,
        relationships: bool = False,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[Issue]:
        """GET /api/v2/projects/{p}/issues.json (every page; issues filter on ``title_*``)."""
        query = filters(
            params,
            title_exact=title_exact,
            title_like=title_like,
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
            project_path(project_id, "issues.json"), Issue, query, page_size=page_size
        )

    async def get(self, project_id: int, issue_id: int, *, relationships: bool = False) -> Issue:
        """GET /api/v2/projects/{p}/issues/{id}.json."""
        path = project_path(project_id, f"issues/{int(issue_id)}.json")
        return await self._get(path, Issue, filters(relationships=flag(relationships)))

    async def create(
        self,
        project_id: int,
        *,
        title: str,
        author_id: int | None = None,
        **attributes: Unpack[IssueFields],
    ) -> Issue:
        """POST /api/v2/projects/{p}/issues.json."""
        author = self._author(author_id, required=True, what="creating an issue")
        body = document("issues", {"title": title, "author_id": author, **attributes})
        return await self._write("POST", project_path(project_id, "issues.json"), Issue, body)

    async def update(
        self,
        project_id: int,
        issue_id: int,
        *,
        title: str | None = None,
        updated_by_user_id: int | None = None,
        **attributes: Unpack[IssueFields],
    ) -> Issue:
        """PUT /api/v2/projects/{p}/issues/{id}.json (the status changes by update_status)."""
        path = project_path(project_id, f"issues/{int(issue_id)}.json")
        values = {"title": title, "updated_by_user_id": updated_by_user_id, **attributes}
        return await self._write("PUT", path, Issue, document("issues", values, clearing=True))

    async def update_status(
        self, project_id: int, issue_id: int, *, status_name: str, user_id: int | None = None
    ) -> Issue:
        """PUT /api/v2/projects/{p}/issues/{id}/update_status.json: a workflow transition,
        made as ``user_id`` (required with an account token; default: the client's author)."""
        user = self._author(
            user_id, required=True, what="changing an issue's status", argument="user_id"
        )
        path = project_path(project_id, f"issues/{int(issue_id)}/update_status.json")
        body = document("issues", {"status_name": status_name, "user_id": user})
        return await self._write("PUT", path, Issue, body)

    async def delete(self, project_id: int, issue_id: int) -> None:
        """DELETE /api/v2/projects/{p}/issues/{id}.json."""
        await self._delete(project_path(project_id, f"issues/{int(issue_id)}.json"))
