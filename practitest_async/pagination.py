"""Walking PractiTest's paginated lists: every page, 100 items at a time.

A :class:`Paginator` is both awaitable (the first page, as a :class:`Page`) and async-iterable
(every item of every page). The stop rule trusts ``meta`` first (``next-page``, then
``total-pages``), then ``links.next``; with neither (``links`` can be ``{}`` or missing), a page
shorter than the page size is the last one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

import attrs

PAGE_SIZE = 100

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: its items and what the server said about the others."""

    items: list[T]
    number: int
    next_number: int | None
    total_pages: int | None = None
    total_count: int | None = None


def next_page_number(body: Mapping[str, Any], number: int, received: int, size: int) -> int | None:
    """The page to fetch after page ``number`` of ``body``, or None when this was the last."""
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        if "next-page" in meta:
            nxt = meta["next-page"]
            return int(nxt) if nxt else None
        if meta.get("total-pages") is not None:
            return number + 1 if number < int(meta["total-pages"]) else None
    links = body.get("links")
    if isinstance(links, Mapping) and ("next" in links or "last" in links):
        return number + 1 if links.get("next") else None
    return number + 1 if received >= size and received > 0 else None


def parse_page(
    body: Mapping[str, Any], number: int, size: int, decode: Callable[[Any], list[T]]
) -> Page[T]:
    """A list answer -> :class:`Page`."""
    raw = body.get("data") or []
    meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    return Page(
        items=decode(raw),
        number=number,
        next_number=next_page_number(body, number, len(raw), size),
        total_pages=meta.get("total-pages"),
        total_count=meta.get("total-count"),
    )


class Paginator(Generic[T]):
    """``await paginator`` -> first page; ``async for item in paginator`` -> every item."""

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Awaitable[Any]],
        decode: Callable[[Any], list[T]],
        *,
        page_size: int = PAGE_SIZE,
        reading: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}, not {page_size}")
        self._fetch = fetch
        self._decode = decode
        self._size = page_size
        self._reading = reading  # turns a page it cannot read (items or meta) into an error

    async def page(self, number: int = 1) -> Page[T]:
        """Fetch page ``number`` (1-based)."""
        body = await self._fetch({"page[number]": number, "page[size]": self._size})
        if not isinstance(body, Mapping):
            raise ValueError(f"expected a JSON:API list document, got {str(body)[:200]}")
        with self._reading():
            return parse_page(body, number, self._size, self._decode)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.page(1).__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, in order."""
        number: int | None = 1
        while number is not None:
            page = await self.page(number)
            yield page
            number = page.next_number

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        """Every item of every page, in one list."""
        return [item async for item in self]
