"""Runs: ``/api/v2/projects/{p}/runs.json`` and ``runs/auto_create.json``."""

from __future__ import annotations

import asyncio
import base64
import builtins
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Unpack, overload

import attrs

from ..codec import (
    JSON,
    Ref,
    decode_refs,
    decode_resource,
    draft_values,
    encode_attributes,
    encode_value,
    unwrap_data,
)
from ..models import (
    FileDraft,
    Run,
    RunDraft,
    RunFields,
    RunType,
    StepDraft,
    TestAttributes,
    TestStepDraft,
    draft_of,
    drafts_of,
)
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, decode_bulk, filters, project_path, reading, set_filter

MAX_RUNS_PER_REQUEST = 20


@attrs.frozen(kw_only=True)
class AutoCreated:
    """What ``runs/auto_create.json`` did: the run, and ids of a test / instance it created."""

    run: Run
    created_test_id: int | None = None
    created_instance_id: int | None = None

    @property
    def created_test(self) -> bool:
        """Whether the server had to create the test."""
        return self.created_test_id is not None

    @property
    def created_instance(self) -> bool:
        """Whether the server had to create the instance."""
        return self.created_instance_id is not None


def encode_files(files: Sequence[FileDraft | Mapping[str, Any]]) -> JSON:
    """Files -> ``{"data": [{"filename", "content_encoded"}]}`` (base64)."""
    return {
        "data": [
            {"filename": f.filename, "content_encoded": base64.b64encode(f.content).decode()}
            for f in drafts_of(FileDraft, files, "files")
        ]
    }


def encode_step(step: StepDraft | Mapping[str, Any]) -> dict[str, JSON]:
    """One run step -> its wire form (a sibling of the run's attributes)."""
    step = draft_of(StepDraft, step, "step")
    out = encode_attributes(
        {
            "name": step.name,
            "description": step.description,
            "expected_results": step.expected_results,
            "actual_results": step.actual_results,
            "status": step.status,
        }
    )
    if step.files:
        out["files"] = encode_files(step.files)
    return out


def encode_run(draft: RunDraft) -> dict[str, JSON]:
    """A :class:`RunDraft` -> one ``data`` item of POST runs.json (``type`` is "instances", as
    the documentation sends it)."""
    values = draft_values(draft)
    steps, files = values.pop("steps"), values.pop("files")
    values["custom_fields"] = values["custom_fields"] or None  # no empty hash on the wire
    item: dict[str, JSON] = {"type": "instances", "attributes": encode_attributes(values)}
    if steps:
        item["steps"] = {"data": [encode_step(s) for s in steps]}
    if files:
        item["files"] = encode_files(files)
    return item


def encode_test_attributes(values: Mapping[str, Any]) -> dict[str, JSON]:
    """``test_attributes`` of auto_create -> ``data/test-attributes``: kebab-case keys (snake or
    kebab accepted), ``steps`` as a list of ``{name, description, expected-results,
    position}`` (each a :class:`TestStepDraft` or a mapping of its keys)."""
    plain = {str(k).replace("-", "_"): v for k, v in values.items()}
    steps = plain.pop("steps", None)
    out = encode_attributes(plain)
    if steps:
        out["steps"] = [encode_value(d) for d in drafts_of(TestStepDraft, steps, "steps")]
    return out


def chunk_runs(
    drafts: Iterable[RunDraft], size: int = MAX_RUNS_PER_REQUEST
) -> list[list[RunDraft]]:
    """Pack runs into requests of at most ``size``, never one instance twice in a request; the
    order of runs of one instance is kept."""
    pending = list(drafts)
    chunks: list[list[RunDraft]] = []
    while pending:
        chunk: list[RunDraft] = []
        seen: set[int] = set()
        rest: list[RunDraft] = []
        for draft in pending:
            if len(chunk) < size and draft.instance_id not in seen:
                chunk.append(draft)
                seen.add(draft.instance_id)
            else:
                rest.append(draft)
        chunks.append(chunk)
        pending = rest
    return chunks


class RunsService(Service):
    """Runs: results of executing instances."""

    def list(
        self,
        project_id: int,
        *,
        instance_ids: Sequence[int] | None = None,
        test_ids: Sequence[int] | None = None,
        set_ids: Sequence[int] | None = None,
        run_type: RunType | None = None,
        set_filter_id: int | None = None,
        set_filter_user_id: int | None = None,
        updated_hours_ago: int | None = None,
        set_ptql: str | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[Run]:
        """GET /api/v2/projects/{p}/runs.json (every page; ``set_ptql`` excludes
        ``set_filter_id``)."""
        query = filters(
            params,
            instance_ids=instance_ids,
            test_ids=test_ids,
            set_ids=set_ids,
            run_type=run_type,
            set_filter_user_id=set_filter_user_id,
            updated_hours_ago=updated_hours_ago,
            **set_filter(set_ptql=set_ptql, set_filter_id=set_filter_id),
        )
        return self._list(project_path(project_id, "runs.json"), Run, query, page_size=page_size)

    async def create(
        self,
        project_id: int,
        draft: RunDraft | None = None,
        /,
        *,
        instance_id: int | None = None,
        exit_code: int | None = None,
        steps: Sequence[StepDraft | Mapping[str, Any]] = (),
        files: Sequence[FileDraft | Mapping[str, Any]] = (),
        **attributes: Unpack[RunFields],
    ) -> Run:
        """POST /api/v2/projects/{p}/runs.json (one run, given as keyword attributes like every
        other ``create``; ``create(p, RunDraft(...))`` still works until the next release, with
        a DeprecationWarning: drafts are for ``create_many`` / ``create_batch``)."""
        if draft is not None:
            if instance_id is not None or exit_code is not None or steps or files or attributes:
                raise TypeError("runs.create takes a draft or keyword attributes, not both")
            warnings.warn(
                "runs.create(project_id, RunDraft(...)) is deprecated and will be removed in "
                "the next release: pass keyword attributes, runs.create(project_id, "
                "instance_id=..., exit_code=...), or use runs.create_many for drafts",
                DeprecationWarning,
                stacklevel=2,
            )
        else:
            if instance_id is None:
                raise TypeError("runs.create needs instance_id=")
            draft = RunDraft(
                instance_id=instance_id,
                exit_code=exit_code,
                steps=tuple(steps),
                files=tuple(files),
                **{k: v for k, v in attributes.items() if v is not None},  # type: ignore[arg-type]
            )
        item = encode_run(self._with_tester(draft))
        answer = await self._transport.request(
            "POST", project_path(project_id, "runs.json"), json={"data": item}
        )
        return decode_resource(unwrap_data(answer), Run)

    @overload
    async def create_batch(
        self,
        project_id: int,
        drafts: Sequence[RunDraft | Mapping[str, Any]],
        *,
        ids_only: Literal[False] = False,
    ) -> builtins.list[Run]: ...

    @overload
    async def create_batch(
        self,
        project_id: int,
        drafts: Sequence[RunDraft | Mapping[str, Any]],
        *,
        ids_only: Literal[True],
    ) -> builtins.list[Ref]: ...

    async def create_batch(
        self,
        project_id: int,
        drafts: Sequence[RunDraft | Mapping[str, Any]],
        *,
        ids_only: bool = False,
    ) -> builtins.list[Run] | builtins.list[Ref]:
        """POST /api/v2/projects/{p}/runs.json with ``data: [...]``: ONE request of at most 20
        runs on distinct instances (:class:`RunDraft`, or mappings of its keys, checked).
        ``ids_only`` returns each run's :class:`~practitest_async.codec.Ref` (id, instance_id,
        test_id) instead of the full model: the cheap read the batch layer uses."""
        checked = drafts_of(RunDraft, drafts, "drafts")
        data = [encode_run(self._with_tester(d)) for d in checked]
        path, answer = await self._post(project_id, data)
        with reading("POST", path):
            return decode_bulk(answer, Run, ids_only)

    async def create_encoded(
        self, project_id: int, items: Sequence[Mapping[str, Any]]
    ) -> builtins.list[Ref]:
        """POST /api/v2/projects/{p}/runs.json with ``data: [...]`` already in wire form (items
        as :func:`encode_run` makes them, a ManualRun with its tester), checked as
        :meth:`create_batch` checks drafts: the batch layer builds each result's item once,
        without a :class:`RunDraft`. Returns each run's :class:`~practitest_async.codec.Ref`."""
        path, answer = await self._post(project_id, items)
        with reading("POST", path):
            return decode_refs(answer)

    async def _post(self, project_id: int, items: Sequence[Mapping[str, Any]]) -> tuple[str, Any]:
        """ONE POST runs.json of ``items``, checked first: 1 to 20 runs on distinct instances."""
        if not 1 <= len(items) <= MAX_RUNS_PER_REQUEST:
            raise ValueError(
                f"one request takes 1 to {MAX_RUNS_PER_REQUEST} runs, not {len(items)}"
            )
        instance_ids = [item["attributes"]["instance-id"] for item in items]
        if len(set(instance_ids)) != len(instance_ids):
            raise ValueError("one request must not hold two runs of the same instance")
        path = project_path(project_id, "runs.json")
        answer = await self._transport.request("POST", path, json={"data": list(items)})
        return path, answer

    async def create_many(
        self, project_id: int, drafts: Iterable[RunDraft | Mapping[str, Any]]
    ) -> builtins.list[Run]:
        """POST /api/v2/projects/{p}/runs.json in requests of at most 20 runs (never one instance
        twice in a request), sent concurrently through the limiter. Runs of one instance are
        sent in order, one request after another. Items are :class:`RunDraft` or mappings of
        its keys; every one is checked before anything is sent."""
        checked = [self._with_tester(d) for d in drafts_of(RunDraft, drafts, "drafts")]
        runs: builtins.list[Run] = []  # (every draft was checked before anything is sent)
        for wave in _waves(chunk_runs(checked)):
            results = await asyncio.gather(*(self.create_batch(project_id, c) for c in wave))
            runs.extend(run for chunk in results for run in chunk)
        return runs

    async def auto_create(
        self,
        project_id: int,
        *,
        set_id: int,
        test_id: int | None = None,
        test_name: str | None = None,
        test_attributes: TestAttributes | Mapping[str, Any] | None = None,
        exit_code: int | None = None,
        steps: Sequence[StepDraft | Mapping[str, Any]] = (),
        files: Sequence[FileDraft | Mapping[str, Any]] = (),
        **attributes: Unpack[RunFields],
    ) -> AutoCreated:
        """POST /api/v2/projects/{p}/runs/auto_create.json: find or create the test (by id, or
        by exact name: ``test_name`` or ``test_attributes["name"]``) and its instance in the
        set, then create the run, in one call. ``test_attributes`` describe the test to create
        (kebab-cased on the wire at every depth; its ``steps`` take :class:`TestStepDraft`)."""
        described = dict(test_attributes or {})
        named = described.get("name")
        if test_name and named and test_name != named:
            raise ValueError(
                f"auto_create: test_name {test_name!r} and test_attributes['name'] {named!r} "
                "differ; give one"
            )
        if test_id is None and not (test_name or named):
            raise ValueError("auto_create needs test_id, test_name or test_attributes['name']")
        if attributes.get("run_type") == RunType.MANUAL:
            attributes["tester_id"] = self._tester(attributes.get("tester_id"))
        data: dict[str, JSON] = {
            "type": "instances",
            "attributes": encode_attributes(
                {"set_id": set_id, "test_id": test_id, "exit_code": exit_code, **attributes}
            ),
        }
        if test_name or described:
            data["test-attributes"] = encode_test_attributes(
                {**described, "name": test_name or named}
            )
        if steps:
            data["steps"] = {"data": [encode_step(s) for s in steps]}
        if files:
            data["files"] = encode_files(files)
        answer = await self._transport.request(
            "POST", project_path(project_id, "runs/auto_create.json"), json={"data": data}
        )
        meta = (answer.get("meta") or {}) if isinstance(answer, Mapping) else {}
        return AutoCreated(
            run=decode_resource(unwrap_data(answer), Run),
            created_test_id=_int_or_none(meta.get("created-test")),
            created_instance_id=_int_or_none(meta.get("created-instance")),
        )

    def _tester(self, tester_id: int | None) -> int | None:
        return self._author(
            tester_id, required=True, what="creating a ManualRun", argument="tester_id"
        )

    def _with_tester(self, draft: RunDraft) -> RunDraft:
        """A ManualRun's tester: the draft's, else the client's author (required with an
        account token)."""
        if draft.run_type != RunType.MANUAL:
            return draft
        tester = self._tester(draft.tester_id)
        return draft if tester == draft.tester_id else attrs.evolve(draft, tester_id=tester)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _waves(chunks: list[list[RunDraft]]) -> list[list[list[RunDraft]]]:
    """Group chunks so that no two chunks of one wave share an instance (chunk_runs puts the
    second run of an instance in a later chunk; that chunk must wait for the first)."""
    waves: list[list[list[RunDraft]]] = []
    current: list[list[RunDraft]] = []
    seen: set[int] = set()
    for chunk in chunks:
        ids = {d.instance_id for d in chunk}
        if ids & seen:
            waves.append(current)
            current, seen = [], set()
        current.append(chunk)
        seen |= ids
    if current:
        waves.append(current)
    return waves
