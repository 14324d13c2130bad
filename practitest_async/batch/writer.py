"""The four writes an upload makes, live or counted (for ``plan_upload``'s dry run)."""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol, TypeVar

from ..codec import JSON, Ref
from ..errors import OutcomeUnknownError, ResponseDecodeError
from ..models import Instance, Run, RunDraft, TestSet
from ..services import AutoCreated, Services, project_path
from .answers import check_instance, check_run

T = TypeVar("T")


async def _answered(path: str, write: Awaitable[T]) -> T:
    """The answer of a write, or :class:`OutcomeUnknownError` when it came but cannot be read
    (a 200 that is not JSON, items without their ids): the write may have been applied."""
    try:
        return await write
    except ResponseDecodeError as exc:
        # Only an answer that came and could not be read: a refusal says nothing was applied,
        # and an error raised before sending (our own check of the request) sent nothing.
        raise OutcomeUnknownError(method="POST", path=path, payload=None, cause=exc) from exc


class Writer(Protocol):
    """Where the uploader's writes go."""

    async def create_set(
        self, name: str, test_ids: Sequence[int]
    ) -> tuple[TestSet, list[Instance] | None]:
        """POST sets.json with ``instances.test-ids``; the instances when known (else None:
        the set's instances must be read)."""

    async def create_instances(self, set_id: int, test_ids: Sequence[int]) -> list[Ref]:
        """POST instances.json, at most 20; the ids of what was made."""

    async def auto_create(self, set_id: int, test_name: str, draft: RunDraft) -> AutoCreated:
        """POST runs/auto_create.json."""

    async def post_items(self, items: Sequence[dict[str, JSON]]) -> list[Ref]:
        """POST runs.json of runs in their wire form (:func:`.wire.run_item`), at most 20 on
        distinct instances; the ids of the runs."""


class LiveWriter:
    """Writes to PractiTest through the services."""

    def __init__(self, services: Services, project_id: int) -> None:
        self._services = services
        self._project_id = project_id

    def _path(self, rest: str) -> str:
        return project_path(self._project_id, rest)

    async def create_set(
        self, name: str, test_ids: Sequence[int]
    ) -> tuple[TestSet, list[Instance] | None]:
        """POST sets.json (the answer does not list the instances it made)."""
        sets = self._services.sets
        created = await _answered(
            "sets.json", sets.create(self._project_id, name=name, test_ids=test_ids)
        )
        return created, None if test_ids else []

    async def create_instances(self, set_id: int, test_ids: Sequence[int]) -> list[Ref]:
        """POST instances.json (bulk); reads only the ids of the answer."""
        items = [{"set_id": set_id, "test_id": t} for t in test_ids]

        async def write() -> list[Ref]:
            made = await self._services.instances.create_batch(
                self._project_id, items, ids_only=True
            )
            return [check_instance(i, "POST", self._path("instances.json")) for i in made]

        return await _answered("instances.json", write())

    async def post_items(self, items: Sequence[dict[str, JSON]]) -> list[Ref]:
        """POST runs.json (bulk) of runs already encoded; reads only the ids of the answer (a
        model costs ~10 us)."""

        async def write() -> list[Ref]:
            made = await self._services.runs.create_encoded(self._project_id, items)
            return [check_run(r, "POST", self._path("runs.json")) for r in made]

        return await _answered("runs.json", write())

    async def auto_create(self, set_id: int, test_name: str, draft: RunDraft) -> AutoCreated:
        """POST runs/auto_create.json."""
        write = self._services.runs.auto_create(
            self._project_id,
            set_id=set_id,
            test_name=test_name,
            exit_code=draft.exit_code,
            steps=draft.steps,
            files=draft.files,
            run_duration=draft.run_duration,
            automated_execution_output=draft.automated_execution_output,
            version=draft.version,
            custom_fields=draft.custom_fields or None,
        )

        async def checked() -> AutoCreated:
            made = await write
            check_run(made.run, "POST", self._path("runs/auto_create.json"))
            return made

        return await _answered("runs/auto_create.json", checked())


class DryWriter:
    """Counts the writes instead of making them; invents (negative) ids so planning goes on."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self._next_id = 0

    def _id(self) -> int:
        self._next_id -= 1
        return self._next_id

    async def create_set(
        self, name: str, test_ids: Sequence[int]
    ) -> tuple[TestSet, list[Instance] | None]:
        """Count one POST sets.json."""
        self.calls["create set"] += 1
        made = TestSet(id=self._id(), name=name)
        return made, [Instance(id=self._id(), set_id=made.id, test_id=t) for t in test_ids]

    async def create_instances(self, set_id: int, test_ids: Sequence[int]) -> list[Ref]:
        """Count one POST instances.json."""
        self.calls["create instances (bulk)"] += 1
        return [Ref(self._id(), set_id=set_id, test_id=t) for t in test_ids]

    async def post_items(self, items: Sequence[dict[str, JSON]]) -> list[Ref]:
        """Count one POST runs.json."""
        self.calls["create runs (bulk)"] += 1
        return [Ref(self._id(), instance_id=_instance_of(item)) for item in items]

    async def auto_create(self, set_id: int, test_name: str, draft: RunDraft) -> AutoCreated:
        """Count one POST runs/auto_create.json."""
        self.calls["auto_create"] += 1
        test_id, instance_id = self._id(), self._id()
        run = Run(id=self._id(), instance_id=instance_id, test_id=test_id)
        return AutoCreated(run=run, created_test_id=test_id, created_instance_id=instance_id)


def _instance_of(item: dict[str, JSON]) -> int:
    """The instance id of a POST runs.json item (:func:`.wire.run_item`)."""
    attributes: Any = item["attributes"]
    return int(attributes["instance-id"])
