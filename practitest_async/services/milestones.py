"""Milestones: ``/api/v2/projects/{p}/milestones.json`` (read-only in the API)."""

from __future__ import annotations

from ..models import Milestone
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, filters, flag, project_path


class MilestonesService(Service):
    """Milestones (sprints, releases) of a project."""

    def list(
        self, project_id: int, *, relationships: bool = False, page_size: int = PAGE_SIZE
    ) -> Paginator[Milestone]:
        """GET /api/v2/projects/{p}/milestones.json (every page)."""
        query = filters(relationships=flag(relationships))
        return self._list(
            project_path(project_id, "milestones.json"), Milestone, query, page_size=page_size
        )

    async def get(
        self, project_id: int, milestone_id: int, *, relationships: bool = False
    ) -> Milestone:
        """GET /api/v2/projects/{p}/milestones/{id}.json."""
        path = project_path(project_id, f"milestones/{int(milestone_id)}.json")
        return await self._get(path, Milestone, filters(relationships=flag(relationships)))
