"""Step runs: ``/api/v2/projects/{p}/step_runs.json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import StepRun
from ..pagination import Paginator
from ._base import Service, filters, project_path


class StepRunsService(Service):
    """The steps of runs, with their statuses (read-only in the API)."""

    def list(
        self,
        project_id: int,
        *,
        run_ids: Sequence[int] | None = None,
        name_exact: str | None = None,
        name_like: str | None = None,
        status: str | None = None,
        **extra: Any,
    ) -> Paginator[StepRun]:
        """GET /api/v2/projects/{p}/step_runs.json (every page; ``status`` is case-sensitive)."""
        params = filters(
            run_ids=run_ids, name_exact=name_exact, name_like=name_like, status=status, **extra
        )
        return self._list(project_path(project_id, "step_runs.json"), StepRun, params)
