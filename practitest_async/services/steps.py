"""Test steps: ``/api/v2/projects/{p}/steps.json`` (created up to 100 per request)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..codec import encode_draft
from ..models import Step, TestStepDraft, drafts_of
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, decode_list, document, filters, project_path

MAX_STEPS_PER_REQUEST = 100


class StepsService(Service):
    """The steps of tests' definitions."""

    def list(
        self,
        project_id: int,
        *,
        test_ids: Sequence[int] | None = None,
        name_exact: str | None = None,
        name_like: str | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[Step]:
        """GET /api/v2/projects/{p}/steps.json (every page)."""
        query = filters(params, test_ids=test_ids, name_exact=name_exact, name_like=name_like)
        return self._list(project_path(project_id, "steps.json"), Step, query, page_size=page_size)

    async def get(self, project_id: int, step_id: int) -> Step:
        """GET /api/v2/projects/{p}/steps/{id}.json."""
        return await self._get(project_path(project_id, f"steps/{int(step_id)}.json"), Step)

    async def create(
        self,
        project_id: int,
        *,
        test_id: int,
        steps: Iterable[TestStepDraft | Mapping[str, Any]],
    ) -> builtins.list[Step]:
        """POST /api/v2/projects/{p}/steps.json: append steps to a test, 100 per request, one
        request after another so that they keep their order (:class:`TestStepDraft` or
        mappings of its keys, all checked before anything is sent)."""
        items = drafts_of(TestStepDraft, steps, "steps")
        if not items:
            raise ValueError("steps.create needs at least one step")
        made: builtins.list[Step] = []
        for start in range(0, len(items), MAX_STEPS_PER_REQUEST):
            chunk = items[start : start + MAX_STEPS_PER_REQUEST]
            attributes = {
                "test-id": int(test_id),
                # a plain list inside attributes here, unlike data.steps.data of tests.create
                "steps": [encode_draft(s) for s in chunk],
            }
            answer = await self._transport.request(
                "POST",
                project_path(project_id, "steps.json"),
                json={"data": {"type": "steps", "attributes": attributes}},
            )
            made += [] if answer is None else decode_list(answer, Step)
        return made

    async def update(
        self,
        project_id: int,
        step_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        expected_results: str | None = None,
    ) -> Step:
        """PUT /api/v2/projects/{p}/steps/{id}.json."""
        path = project_path(project_id, f"steps/{int(step_id)}.json")
        values = {"name": name, "description": description, "expected_results": expected_results}
        return await self._write("PUT", path, Step, document("steps", values, clearing=True))

    async def delete(self, project_id: int, step_id: int) -> None:
        """DELETE /api/v2/projects/{p}/steps/{id}.json."""
        await self._delete(project_path(project_id, f"steps/{int(step_id)}.json"))
