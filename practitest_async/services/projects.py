"""Projects: ``/api/v2/projects.json``."""

from __future__ import annotations

from ..models import Project
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service


class ProjectsService(Service):
    """Projects the token can see."""

    def list(self, *, page_size: int = PAGE_SIZE) -> Paginator[Project]:
        """GET /api/v2/projects.json (every page; a personal token sees its owner's projects)."""
        return self._list("/api/v2/projects.json", Project, page_size=page_size)

    async def get(self, project_id: int) -> Project:
        """GET /api/v2/projects/{p}.json."""
        return await self._get(f"/api/v2/projects/{int(project_id)}.json", Project)
