"""What every service shares: building paths, and the four shapes of call (get, list, write)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypeVar

from ..codec import (
    JSON,
    Ref,
    decode_many,
    decode_refs,
    decode_resource,
    encode_attributes,
    refs_of,
    unwrap_data,
)
from ..errors import ConfigurationError, ResponseDecodeError
from ..pagination import PAGE_SIZE, Paginator
from ..transport import Transport

T = TypeVar("T")
TokenKind = Literal["personal", "account"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("personal", "account")


def project_path(project_id: int, rest: str) -> str:
    """``/api/v2/projects/{project_id}/{rest}``."""
    return f"/api/v2/projects/{int(project_id)}/{rest}"


def filters(params: Mapping[str, Any] | None = None, /, **values: Any) -> dict[str, Any]:
    """Keyword filters -> wire parameters: ``set_ids`` -> ``set-ids``, except the names that are
    spelled with underscores on the wire (``name_exact``, ``name_like``, ``title_*``). Lists are
    comma-joined by the transport; ``False`` flags are left out (the server's default).
    ``params`` are extra wire parameters, sent as given (for filters the docs do not list)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value is False:
            continue
        wire = name if name.startswith(("name_", "title_")) else name.replace("_", "-")
        out[wire] = [int(v) for v in value] if isinstance(value, (list, tuple)) else value
    out.update(params or {})
    return out


def saved_filter(
    *,
    ptql: str | None = None,
    filter_id: int | None = None,
    autofilter_value: str | None = None,
    sub_autofilter_value: str | None = None,
) -> dict[str, Any]:
    """The saved-filter keywords of tests, requirements, issues and sets, checked before
    sending: PTQL cannot be combined with a saved filter, and a second-level auto-filter value
    needs the first-level one (reference §8.8, §8.18)."""
    if ptql is not None and (filter_id, autofilter_value, sub_autofilter_value) != (None,) * 3:
        raise ValueError("ptql cannot be combined with filter_id / autofilter_value")
    if sub_autofilter_value is not None and autofilter_value is None:
        raise ValueError("sub_autofilter_value needs autofilter_value")
    return {
        "ptql": ptql,
        "filter_id": filter_id,
        "autofilter_value": autofilter_value,
        "sub_autofilter_value": sub_autofilter_value,
    }


def set_filter(*, set_ptql: str | None = None, set_filter_id: int | None = None) -> dict[str, Any]:
    """The test-set filter keywords of instances and runs: ``set_ptql`` excludes
    ``set_filter_id`` (reference §8.18)."""
    if set_ptql is not None and set_filter_id is not None:
        raise ValueError("set_ptql cannot be combined with set_filter_id")
    return {"set_ptql": set_ptql, "set_filter_id": set_filter_id}


def flag(value: bool) -> bool | None:
    """An opt-in query flag (``relationships=true``, ``duration=true``): sent only when True."""
    return True if value else None


def check_page_size(page_size: int) -> None:
    """``page[size]`` is 1 to 100 (reference §4); anything else is refused before sending."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise TypeError(f"page_size must be an int from 1 to {PAGE_SIZE}, not {page_size!r}")
    if not 1 <= page_size <= PAGE_SIZE:
        raise ValueError(f"page_size must be from 1 to {PAGE_SIZE}, not {page_size}")


class Service:
    """Base of the per-resource services; holds the transport and whom creates act as.

    ``author_id`` is the client's default user for ``author-id`` / ``tester-id`` / ``user-id``.
    It is sent only with ``token_kind="account"``: an account token has no user of its own, so
    a create that needs one raises before sending when neither the call nor the client names it.
    A personal token acts as its owner, and naming another user needs impersonation
    (reference §2.1), so with a personal token only a user named in the call itself is sent.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        author_id: int | None = None,
        token_kind: TokenKind = "personal",
    ) -> None:
        if token_kind not in TOKEN_KINDS:
            raise ConfigurationError(
                f"token_kind must be one of {', '.join(TOKEN_KINDS)}, not {token_kind!r}"
            )
        self._transport = transport
        self._author_id = author_id
        self._token_kind = token_kind

    async def _get(self, path: str, cls: type[T], params: Mapping[str, Any] | None = None) -> T:
        body = await self._transport.request("GET", path, params=params)
        with reading("GET", path):
            return decode_resource(unwrap_data(body), cls)

    def _list(
        self,
        path: str,
        cls: type[T],
        params: Mapping[str, Any] | None = None,
        *,
        decode: Callable[[Any], list[T]] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Paginator[T]:
        check_page_size(page_size)  # before anything is sent
        base = dict(params or {})

        async def fetch(page: dict[str, Any]) -> Any:
            body = await self._transport.request("GET", path, params={**base, **page})
            if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
                # never read as "nothing there": that would create what exists
                raise ResponseDecodeError(
                    status=200,
                    method="GET",
                    path=path,
                    titles=[
                        "the answer cannot be read: expected a JSON:API list with a 'data' list"
                    ],
                    body=str(body),
                )
            return body

        def decode_resources(data: Any) -> list[T]:
            return decode_many(data, cls)

        chosen = decode or decode_resources

        return Paginator(fetch, chosen, page_size=page_size, reading=lambda: reading("GET", path))

    def _list_refs(
        self, path: str, params: Mapping[str, Any] | None, *, page_size: int
    ) -> Paginator[Ref]:
        """Like :meth:`_list`, reading only the ids of each item (:class:`Ref`)."""
        return self._list(path, Ref, params, decode=refs_of, page_size=page_size)

    async def _write(self, method: str, path: str, cls: type[T], body: JSON) -> T:
        answer = await self._transport.request(method, path, json=body)
        with reading(method, path):
            return decode_resource(unwrap_data(answer), cls)

    async def _delete(self, path: str, body: JSON = None) -> None:
        await self._transport.request("DELETE", path, json=body)

    def _author(
        self,
        author_id: int | None,
        *,
        required: bool,
        what: str,
        argument: str = "author_id",
    ) -> int | None:
        """The acting user of a write: the argument; else, with an account token, the client's
        default (a personal token acts as its owner: sending the default would be
        impersonation, which the owner may not have). When ``required`` (the docs require it
        with an account token), a missing one raises :class:`ConfigurationError` before
        anything is sent."""
        if author_id is not None or self._token_kind != "account":
            return author_id
        chosen = self._author_id
        if chosen is None and required:
            raise ConfigurationError(
                f"{what} with an account token needs {argument}: pass {argument}=... "
                "or set Client(..., author_id=...) (a personal token acts as its owner)"
            )
        return chosen


@contextlib.contextmanager
def reading(method: str, path: str) -> Iterator[None]:
    """Turn a failure to read a 2xx answer (a resource without ``id``, a wrong type) into a
    :class:`ResponseDecodeError` naming the call, instead of a bare KeyError or TypeError."""
    try:
        yield
    except ResponseDecodeError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        why = f"a resource has no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ResponseDecodeError(
            status=200, method=method, path=path, titles=[f"the answer cannot be read: {why}"]
        ) from exc


def document(
    type_name: str, attributes: Mapping[str, Any], *, clearing: bool = False, **siblings: JSON
) -> JSON:
    """``{"data": {"type": ..., "attributes": {...kebab...}, **siblings}}``; ``clearing`` (an
    update) lets :data:`~practitest_async.codec.CLEAR` / ``None`` empty a custom field."""
    data: dict[str, JSON] = {
        "type": type_name,
        "attributes": encode_attributes(attributes, clearing=clearing),
    }
    data.update({k: v for k, v in siblings.items() if v is not None})
    return {"data": data}


def decode_bulk(answer: Any, cls: type[T], ids_only: bool) -> list[T] | list[Ref]:
    """A bulk answer's models, or only their :class:`Ref` (ids) when ``ids_only``."""
    return decode_refs(answer) if ids_only else decode_list(answer, cls)


def decode_list(answer: Any, cls: type[T]) -> list[T]:
    """The models of a bulk answer, whose ``data`` is a list (or one object for one item)."""
    data = unwrap_data(answer)
    return decode_many(data if isinstance(data, list) else [data], cls)
