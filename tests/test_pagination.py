"""Walking every page: 250+ items against the emulator, and the stop rules on documented shapes.

PractiTest's ``links`` are inconsistent (``{}`` on single pages, missing on some lists), so the
paginator asks for pages by number, stops on ``meta`` first, and never asks for more than 100.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import client_for

from practitest_async import Page, Paginator
from practitest_async.pagination import PAGE_SIZE, next_page_number
from practitest_async.testing import FakePractiTest

TESTS = "/api/v2/projects/1/tests.json"


def list_calls(fake: FakePractiTest) -> list[Any]:
    """The GET tests.json requests that reached the emulator."""
    return [r for r in fake.log if r.path == TESTS]


async def test_every_item_of_250_plus_comes_back_once_in_order(emulator: FakePractiTest) -> None:
    names = [f"test {n:03d}" for n in range(257)]
    seeded = [emulator.add_test(1, name).id for name in names]
    async with client_for(emulator) as client:
        tests = await client.tests.list(1).to_list()

    assert [t.id for t in tests] == seeded
    assert [t.name for t in tests] == names
    sent = list_calls(emulator)
    assert [r.query["page[number]"] for r in sent] == ["1", "2", "3"]
    assert all(int(r.query["page[size]"]) <= PAGE_SIZE for r in sent)
    assert [r.status for r in sent] == [200, 200, 200]


async def test_awaiting_a_list_gives_its_first_page(emulator: FakePractiTest) -> None:
    for n in range(250):
        emulator.add_test(1, f"test {n}")
    async with client_for(emulator) as client:
        first = await client.tests.list(1)
        pages = [page async for page in client.tests.list(1).pages()]

    assert len(first.items) == 100
    assert (first.number, first.next_number) == (1, 2)
    assert (first.total_pages, first.total_count) == (3, 250)
    assert [len(p.items) for p in pages] == [100, 100, 50]
    assert [p.next_number for p in pages] == [2, 3, None]
    assert len(list_calls(emulator)) == 1 + 3


async def test_a_single_page_whose_links_are_empty_is_one_call(emulator: FakePractiTest) -> None:
    for n in range(3):
        emulator.add_test(1, f"test {n}")
    async with client_for(emulator) as client:
        raw = await client.request("GET", TESTS)
        tests = await client.tests.list(1).to_list()

    assert raw["links"] == {}  # what the docs show for single-page lists
    assert len(tests) == 3
    assert len(list_calls(emulator)) == 2


async def test_an_empty_list_is_one_call(emulator: FakePractiTest) -> None:
    async with client_for(emulator) as client:
        assert await client.tests.list(1).to_list() == []
    assert len(list_calls(emulator)) == 1


async def test_query_auth_pages_are_asked_by_number_not_by_echoed_links(
    emulator: FakePractiTest,
) -> None:
    for n in range(150):
        emulator.add_test(1, f"test {n}")
    async with client_for(emulator, auth="query") as client:
        tests = await client.tests.list(1).to_list()
    assert len(tests) == 150
    sent = list_calls(emulator)
    assert [r.query["page[number]"] for r in sent] == ["1", "2"]
    assert all(r.query["api_token"] == emulator.token for r in sent)


# --- the stop rules, on the shapes the documentation shows ------------------------------------


class FakeList:
    """A list endpoint served from memory in one documented shape."""

    def __init__(self, total: int, shape: str) -> None:
        self.total, self.shape = total, shape
        self.asked: list[dict[str, Any]] = []

    async def fetch(self, params: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(params)
        number, size = params["page[number]"], params["page[size]"]
        items = list(range(self.total))[(number - 1) * size : number * size]
        pages = max(1, -(-self.total // size))
        body: dict[str, Any] = {"data": [{"n": i} for i in items]}
        more = number < pages
        if self.shape in ("meta", "meta+empty-links"):
            body["meta"] = {
                "current-page": number,
                "next-page": number + 1 if more else None,
                "prev-page": number - 1 if number > 1 else None,
                "total-pages": pages,
                "total-count": self.total,
            }
        if self.shape == "meta+empty-links":
            body["links"] = {}
        if self.shape == "total-pages-only":
            body["meta"] = {"total-pages": pages}
        if self.shape == "links-only":
            body["links"] = {"self": "x", "next": "y" if more else None, "last": "z"}
        if self.shape == "empty-links-no-meta":
            body["links"] = {}
        return body  # shape "bare": no links, no meta


def decode(data: list[dict[str, Any]]) -> list[int]:
    return [item["n"] for item in data]


SHAPES = [
    "meta",
    "meta+empty-links",
    "total-pages-only",
    "links-only",
    "empty-links-no-meta",
    "bare",
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("total", [0, 1, 99, 100, 101, 250, 300])
async def test_every_shape_yields_every_item_and_stops(shape: str, total: int) -> None:
    source = FakeList(total, shape)
    items = await Paginator(source.fetch, decode).to_list()

    assert items == list(range(total))
    pages_needed = max(1, -(-total // PAGE_SIZE))
    # Without meta or links the only hint is a short page: a full last page costs one more call.
    guessing = shape in ("empty-links-no-meta", "bare") and total % PAGE_SIZE == 0 and total > 0
    assert len(source.asked) == pages_needed + (1 if guessing else 0)
    assert [p["page[number]"] for p in source.asked] == list(range(1, len(source.asked) + 1))
    assert all(p["page[size]"] <= PAGE_SIZE for p in source.asked)


@pytest.mark.parametrize("size", [0, 101, 500])
def test_a_page_size_above_100_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        Paginator(FakeList(1, "meta").fetch, decode, page_size=size)


async def test_a_smaller_page_size_is_kept() -> None:
    source = FakeList(25, "meta")
    pages = [page async for page in Paginator(source.fetch, decode, page_size=10).pages()]
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert all(isinstance(p, Page) for p in pages)


def test_meta_next_page_is_trusted_over_links() -> None:
    body = {"meta": {"next-page": None}, "links": {"next": "https://x/?page%5Bnumber%5D=3"}}
    assert next_page_number(body, number=2, received=100, size=100) is None
    body = {"meta": {"next-page": 3}, "links": {}}
    assert next_page_number(body, number=2, received=100, size=100) == 3
