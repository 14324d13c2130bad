"""Groups: ``/api/v2/projects/{p}/groups.json``."""

from __future__ import annotations

from ..models import Group
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, project_path


class GroupsService(Service):
    """User groups of a project (read-only in the API)."""

    def list(self, project_id: int, *, page_size: int = PAGE_SIZE) -> Paginator[Group]:
        """GET /api/v2/projects/{p}/groups.json (every page)."""
        return self._list(project_path(project_id, "groups.json"), Group, page_size=page_size)

    async def get(self, project_id: int, group_id: int) -> Group:
        """GET /api/v2/projects/{p}/groups/{id}.json (with the group's permissions)."""
        return await self._get(project_path(project_id, f"groups/{int(group_id)}.json"), Group)
