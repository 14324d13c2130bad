"""Traceability links: ``.../{entity}/{id}/relationships/{other}.json`` (reference §8.9).

One small class serves all eight documented pairs. Each pair is an attribute of the service of
its base entity, named after what it links to::

    await client.requirements.linked_tests.add(project_id, requirement_id, [test_id])
    await client.issues.linked_requirements.list(project_id, issue_id)       # -> [ids]
    await client.step_runs.linked_issues.remove(project_id, step_run_id, [issue_id])

``add`` links more, ``replace`` makes the given ids the whole set, ``remove`` unlinks them.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping

from ..codec import JSON, unwrap_data
from ..transport import Transport
from ._base import project_path


class Links:
    """The links from one kind of entity (``base``, a URL segment such as "requirements") to
    another (``other``, its JSON:API type such as "tests")."""

    def __init__(self, transport: Transport, base: str, other: str) -> None:
        self._transport = transport
        self._base = base
        self._other = other

    @property
    def endpoint(self) -> str:
        """The path template, e.g. ``/api/v2/projects/{p}/requirements/{id}/relationships/
        tests.json``."""
        return f"/api/v2/projects/{{p}}/{self._base}/{{id}}/relationships/{self._other}.json"

    def _path(self, project_id: int, entity_id: int) -> str:
        rest = f"{self._base}/{int(entity_id)}/relationships/{self._other}.json"
        return project_path(project_id, rest)

    def _body(self, ids: Iterable[int]) -> JSON:
        return {"data": [{"id": int(i), "type": self._other} for i in ids]}

    async def list(self, project_id: int, entity_id: int) -> builtins.list[int]:
        """GET .../{base}/{id}/relationships/{other}.json: the linked ids (not paginated)."""
        answer = await self._transport.request("GET", self._path(project_id, entity_id))
        data = unwrap_data(answer) or []
        return [int(item["id"]) for item in data if isinstance(item, Mapping)]

    async def add(self, project_id: int, entity_id: int, ids: Iterable[int]) -> None:
        """POST .../{base}/{id}/relationships/{other}.json: link these too."""
        await self._send("POST", project_id, entity_id, ids)

    async def replace(self, project_id: int, entity_id: int, ids: Iterable[int]) -> None:
        """PATCH .../{base}/{id}/relationships/{other}.json: link exactly these (the rest go)."""
        await self._send("PATCH", project_id, entity_id, ids)

    async def remove(self, project_id: int, entity_id: int, ids: Iterable[int]) -> None:
        """DELETE .../{base}/{id}/relationships/{other}.json (with a JSON body): unlink these."""
        await self._send("DELETE", project_id, entity_id, ids)

    async def _send(self, method: str, project_id: int, entity_id: int, ids: Iterable[int]) -> None:
        # What these answer is not documented (204 or a document); nothing is read from it.
        body = self._body(ids)
        await self._transport.request(method, self._path(project_id, entity_id), json=body)

    def __repr__(self) -> str:
        return f"Links({self._base} -> {self._other})"
