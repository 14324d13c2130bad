"""``page[number]``/``page[size]`` and the ``links``/``meta`` of every index answer (§4)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import attrs

from practitest_async.testing.context import Call, Reply
from practitest_async.testing.errors import ApiError

T = TypeVar("T")
NUMBER, SIZE = "page[number]", "page[size]"


@attrs.frozen
class Page:
    number: int
    size: int


def _positive(call: Call, key: str, default: int) -> int:
    raw = call.query.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(422, f"{key} must be a positive integer, got {raw!r}")
    return int(raw)


def requested_page(call: Call) -> Page:
    number = _positive(call, NUMBER, 1)
    size = _positive(call, SIZE, call.config.default_page_size)
    limit = call.config.max_page_size
    if size > limit:
        if call.config.max_page_size_behaviour == "error":
            raise ApiError(422, f"{SIZE} is {size}; at most {limit}")
        size = limit
    return Page(number, size)


def link(call: Call, number: int, size: int) -> str:
    """An absolute URL repeating the caller's query (credentials too), sorted as Rails does."""
    pairs = [(k, v) for k, v in call.query.items() if k not in (NUMBER, SIZE)]
    pairs += [(NUMBER, str(number)), (SIZE, str(size))]
    pairs.sort(key=lambda kv: kv[0])
    return f"{call.url.origin()}{call.url.raw_path}?{urlencode(pairs)}"


def links_and_meta(call: Call, page: Page, total: int) -> tuple[dict[str, Any], dict[str, Any]]:
    pages = math.ceil(total / page.size)
    n = page.number
    meta = {
        "current-page": n,
        "next-page": n + 1 if n < pages else None,
        "prev-page": n - 1 if n > 1 else None,
        "total-pages": pages,
        "total-count": total,
    }
    links: dict[str, Any] = {}
    if pages > 1 or n > 1:  # single-page lists answer "links": {} in the docs' examples
        links["self"] = link(call, n, page.size)
        if meta["prev-page"] is not None:
            links["prev"] = link(call, n - 1, page.size)
        if meta["next-page"] is not None:
            links["next"] = link(call, n + 1, page.size)
        links["last"] = link(call, max(pages, 1), page.size)
    return links, meta


def paginated(call: Call, items: Sequence[T], render: Callable[[T], Any]) -> Reply:
    """The index answer for ``items`` (already filtered and ordered)."""
    page = requested_page(call)
    start = (page.number - 1) * page.size
    chosen = items[start : start + page.size]
    links, meta = links_and_meta(call, page, len(items))
    return Reply(body={"data": [render(i) for i in chosen], "links": links, "meta": meta})
