"""Pagination (§4): page[number], page[size], absolute links that repeat the query, meta."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from practitest_async.testing import EmulatorConfig, FakePractiTest

from .conftest import P1, Api


def seed_tests(fake: FakePractiTest, count: int) -> None:
    for n in range(count):
        fake.add_test(1, f"case {n:03d}")


async def test_250_tests_in_three_pages_following_links(api: Api) -> None:
    seed_tests(api.fake, 250)
    first = await api.get(f"{P1}/tests.json")
    assert len(first.data) == 100
    assert first.body["meta"] == {
        "current-page": 1,
        "next-page": 2,
        "prev-page": None,
        "total-pages": 3,
        "total-count": 250,
    }
    names, url, pages = [], f"{P1}/tests.json", 0
    while url:
        page = await api.get(url)
        names += [t["attributes"]["name"] for t in page.data]
        nxt = page.body["links"].get("next")
        url = nxt.removeprefix(api.fake.url) if nxt else ""
        pages += 1
    assert pages == 3
    assert names == [f"case {n:03d}" for n in range(250)]
    assert page.body["meta"]["next-page"] is None
    assert page.body["meta"]["prev-page"] == 2


async def test_links_are_absolute_and_repeat_the_query_including_api_token(api: Api) -> None:
    seed_tests(api.fake, 5)
    query = f"api_token={api.fake.token}&name_like=CASE&page%5Bsize%5D=2"
    answer = await api.get(f"{P1}/tests.json?{query}", auth=False)
    links = answer.body["links"]
    assert set(links) == {"self", "next", "last"}
    nxt = urlsplit(links["next"])
    assert f"{nxt.scheme}://{nxt.netloc}" == api.fake.url
    assert "page%5Bnumber%5D=2" in nxt.query
    assert "page%5Bsize%5D=2" in nxt.query
    assert parse_qs(nxt.query) == {
        "api_token": [api.fake.token],
        "name_like": ["CASE"],
        "page[number]": ["2"],
        "page[size]": ["2"],
    }
    assert parse_qs(urlsplit(links["last"]).query)["page[number]"] == ["3"]


async def test_beyond_last_page_is_empty_and_single_page_has_no_links(api: Api) -> None:
    seed_tests(api.fake, 3)
    beyond = await api.get(f"{P1}/tests.json?page[number]=9")
    single = await api.get(f"{P1}/tests.json")
    assert beyond.status == 200
    assert beyond.data == []
    assert beyond.body["meta"]["total-count"] == 3
    assert single.body["links"] == {}
    assert single.body["meta"]["total-pages"] == 1


async def test_page_size_over_100_is_422_or_clamped(
    api: Api, practitest_emulator_factory, session
) -> None:
    strict = await api.get(f"{P1}/tests.json?page[size]=101")
    bad_number = await api.get(f"{P1}/tests.json?page[number]=0")
    assert strict.status == 422
    assert "page[size]" in strict.titles[0]
    assert bad_number.status == 422
    lenient = await practitest_emulator_factory(EmulatorConfig(max_page_size_behaviour="clamp"))
    seed_tests(lenient, 150)
    clamped = await Api(session, lenient).get(f"{P1}/tests.json?page[size]=500")
    assert len(clamped.data) == 100
    assert clamped.body["meta"]["total-pages"] == 2
