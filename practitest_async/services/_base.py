"""What every service shares: building paths, and the four shapes of call (get, list, write)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from ..codec import JSON, decode_many, decode_resource, encode_attributes, unwrap_data
from ..errors import ConfigurationError
from ..pagination import PAGE_SIZE, Paginator
from ..transport import Transport

T = TypeVar("T")


def project_path(project_id: int, rest: str) -> str:
    """``/api/v2/projects/{project_id}/{rest}``."""
    return f"/api/v2/projects/{int(project_id)}/{rest}"


def filters(**values: Any) -> dict[str, Any]:
    """Keyword filters -> wire parameters: ``set_ids`` -> ``set-ids``, except the names that are
    spelled with underscores on the wire (``name_exact``, ``name_like``, ``title_*``)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        wire = name if name.startswith(("name_", "title_")) else name.replace("_", "-")
        out[wire] = value
    return out


class Service:
    """Base of the per-resource services; holds the transport and the default author."""

    def __init__(self, transport: Transport, *, author_id: int | None = None) -> None:
        self._transport = transport
        self._author_id = author_id

    async def _get(self, path: str, cls: type[T], params: Mapping[str, Any] | None = None) -> T:
        body = await self._transport.request("GET", path, params=params)
        return decode_resource(unwrap_data(body), cls)

    def _list(
        self, path: str, cls: type[T], params: Mapping[str, Any] | None = None
    ) -> Paginator[T]:
        base = dict(params or {})

        async def fetch(page: dict[str, Any]) -> Any:
            return await self._transport.request("GET", path, params={**base, **page})

        return Paginator(fetch, lambda data: decode_many(data, cls), page_size=PAGE_SIZE)

    async def _write(self, method: str, path: str, cls: type[T], body: JSON) -> T:
        answer = await self._transport.request(method, path, json=body)
        return decode_resource(unwrap_data(answer), cls)

    async def _delete(self, path: str, body: JSON = None) -> None:
        await self._transport.request("DELETE", path, json=body)

    def _author(self, author_id: int | None, *, required: bool, what: str) -> int | None:
        """The author for a create: the argument, else the client's default."""
        chosen = author_id if author_id is not None else self._author_id
        if chosen is None and required:
            raise ConfigurationError(
                f"{what} needs author_id with an account token: pass author_id=... "
                "or set Client(..., author_id=...)"
            )
        return chosen


def document(type_name: str, attributes: Mapping[str, Any], **siblings: JSON) -> JSON:
    """``{"data": {"type": ..., "attributes": {...kebab...}, **siblings}}``."""
    data: dict[str, JSON] = {"type": type_name, "attributes": encode_attributes(attributes)}
    data.update({k: v for k, v in siblings.items() if v is not None})
    return {"data": data}


def decode_list(answer: Any, cls: type[T]) -> list[T]:
    """The models of a bulk answer, whose ``data`` is a list (or one object for one item)."""
    data = unwrap_data(answer)
    return decode_many(data if isinstance(data, list) else [data], cls)
