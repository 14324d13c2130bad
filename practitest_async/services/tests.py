"""Tests: ``/api/v2/projects/{p}/tests.json`` and ``tests/run_statuses_count.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Unpack, overload

from ..codec import JSON, Ref, encode_draft, unwrap_data
from ..models import RunStatus, Test, TestFields, TestStepDraft, drafts_of
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, document, filters, flag, project_path, saved_filter
from .relationships import Links
from .steps import MAX_STEPS_PER_REQUEST, StepsService


def encode_test_steps(steps: Sequence[TestStepDraft | Mapping[str, Any]]) -> JSON:
    """Test step definitions -> ``{"data": [{name, description, expected-results}]}``."""
    return {"data": [encode_draft(s) for s in drafts_of(TestStepDraft, steps, "steps")]}


class TestsService(Service):
    """Test definitions (the test library)."""

    __test__ = False

    @property
    def linked_requirements(self) -> Links:
        """The test's requirements: ``tests/{id}/relationships/requirements.json``."""
        return Links(self._transport, "tests", "requirements")

    @overload
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
        ids_only: Literal[False] = False,
    ) -> Paginator[Test]: ...

    @overload
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
        ids_only: Literal[True],
    ) -> Paginator[Ref]: ...

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
        ids_only: bool = False,
    ) -> Paginator[Test] | Paginator[Ref]:
        """GET /api/v2/projects/{p}/tests.json (every page; ``name_exact`` is case-sensitive,
        ``name_like`` a case-insensitive substring; ``ptql`` excludes ``filter_id``).
        ``ids_only`` reads each test's id and name alone (:class:`~practitest_async.codec.Ref`),
        a fraction of the cost of a full :class:`Test`."""
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
        path = project_path(project_id, "tests.json")
        if ids_only:
            return self._list_refs(path, query, page_size=page_size)
        return self._list(path, Test, query, page_size=page_size)

    async def get(self, project_id: int, test_id: int, *, relationships: bool = False) -> Test:
        """GET /api/v2/projects/{p}/tests/{id}.json."""
        path = project_path(project_id, f"tests/{int(test_id)}.json")
        return await self._get(path, Test, filters(relationships=flag(relationships)))

    async def create(
        self,
        project_id: int,
        *,
        name: str,
        author_id: int | None = None,
        steps: Sequence[TestStepDraft | Mapping[str, Any]] = (),
        **attributes: Unpack[TestFields],
    ) -> Test:
        """POST /api/v2/projects/{p}/tests.json (``steps`` become the test's steps; beyond 100,
        the rest are appended by POST steps.json, 100 per request)."""
        author = self._author(author_id, required=True, what="creating a test")
        steps = drafts_of(TestStepDraft, steps, "steps")  # checked before anything is sent
        first, rest = steps[:MAX_STEPS_PER_REQUEST], steps[MAX_STEPS_PER_REQUEST:]
        body = document(
            "tests",
            {"name": name, "author_id": author, **attributes},
            steps=encode_test_steps(first) if first else None,
        )
        test = await self._write("POST", project_path(project_id, "tests.json"), Test, body)
        if rest:
            await StepsService(self._transport).create(project_id, test_id=test.id, steps=rest)
            test = await self.get(project_id, test.id)
        return test

    async def update(
        self,
        project_id: int,
        test_id: int,
        *,
        name: str | None = None,
        updated_by_user_id: int | None = None,
        **attributes: Unpack[TestFields],
    ) -> Test:
        """PUT /api/v2/projects/{p}/tests/{id}.json (steps change through ``client.steps``)."""
        path = project_path(project_id, f"tests/{int(test_id)}.json")
        values = {"name": name, "updated_by_user_id": updated_by_user_id, **attributes}
        return await self._write("PUT", path, Test, document("tests", values, clearing=True))

    async def delete(self, project_id: int, test_id: int) -> None:
        """DELETE /api/v2/projects/{p}/tests/{id}.json."""
        await self._delete(project_path(project_id, f"tests/{int(test_id)}.json"))

    async def run_statuses_count(self, project_id: int) -> dict[str, int]:
        """GET /api/v2/projects/{p}/tests/run_statuses_count.json: how many tests have each
        run status (keys are :class:`RunStatus` where known)."""
        answer = await self._transport.request(
            "GET", project_path(project_id, "tests/run_statuses_count.json")
        )
        counts = unwrap_data(answer).get("run-statuses-count") or {}
        known = {s.value: s for s in RunStatus}
        return {known.get(k, k): int(v) for k, v in counts.items()}
