"""``list(...)`` walks every page; awaiting it gives the first page."""

from __future__ import annotations

from practitest_async import Client
from practitest_async.testing import FakePractiTest

from .conftest import PROJECT as P


async def test_list_walks_every_page_with_the_filters_on_each(
    fake: FakePractiTest, client: Client
) -> None:
    made = [fake.add_test(P, f"case {n:03d}").id for n in range(250)]
    fake.add_test(P, "other")
    found = [t.id async for t in client.tests.list(P, name_like="CASE")]
    assert found == made
    pages = fake.stats.requests("GET", "/api/v2/projects/{p}/tests.json")
    assert [(r.query["page[number]"], r.query["page[size]"]) for r in pages] == [
        ("1", "100"),
        ("2", "100"),
        ("3", "100"),
    ]
    assert all(r.query["name_like"] == "CASE" for r in pages)


async def test_awaiting_a_list_fetches_only_the_first_page(
    fake: FakePractiTest, client: Client
) -> None:
    for n in range(120):
        fake.add_requirement(P, f"r{n}")
    page = await client.requirements.list(P)
    assert (len(page.items), page.total_count, page.total_pages, page.next_number) == (
        100,
        120,
        2,
        2,
    )
    assert len(fake.log) == 1


async def test_an_empty_list_is_one_request(fake: FakePractiTest, client: Client) -> None:
    assert [i async for i in client.issues.list(P)] == []
    assert len(fake.log) == 1
