"""Step runs: ``/api/v2/projects/{p}/step_runs.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import StepRun, StepStatus
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, filters, project_path
from .relationships import Links


class StepRunsService(Service):
    """The steps of runs, with their statuses (read-only in the API), and their issues."""

    @property
    def linked_issues(self) -> Links:
        """The step run's issues: ``step_runs/{id}/relationships/issues.json``."""
        return Links(self._transport, "step_runs", "issues")

    def list(
        self,
        project_id: int,
        *,
        run_ids: Sequence[int] | None = None,
        name_exact: str | None = None,
        name_like: str | None = None,
        status: StepStatus | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[StepRun]:
        """GET /api/v2/projects/{p}/step_runs.json (every page; ``status`` is case-sensitive)."""
        query = filters(
            params, run_ids=run_ids, name_exact=name_exact, name_like=name_like, status=status
        )
        return self._list(
            project_path(project_id, "step_runs.json"), StepRun, query, page_size=page_size
        )
