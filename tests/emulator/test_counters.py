"""What tests can read back: counters by route, 429s, the request log."""

from __future__ import annotations

import asyncio

from practitest_async.testing import EmulatorConfig

from .conftest import P1, Api, attrs_body


async def test_counts_by_route_and_log_records(api: Api) -> None:
    await api.get(f"{P1}/tests.json?name_like=a")
    await api.post(f"{P1}/tests.json", attrs_body(name="a"))
    await api.post(f"{P1}/tests.json", attrs_body(name="b"))
    await api.get("/api/v2/projects/1/tests/100001.json")
    stats = api.fake.stats
    assert stats.calls_by_route["POST /api/v2/projects/{p}/tests.json"] == 2
    assert stats.calls_by_route["GET /api/v2/projects/{p}/tests/{id}.json"] == 1
    assert stats.total_calls == 4
    assert stats.rate_limited == 0
    first, second = api.fake.log[0], api.fake.log[1]
    assert (first.method, first.path, first.query) == (
        "GET",
        f"{P1}/tests.json",
        {"name_like": "a"},
    )
    assert first.body is None
    assert first.status == 200
    assert first.account == 1
    assert second.body == {"data": {"attributes": {"name": "a"}}}
    assert second.route == "/api/v2/projects/{p}/tests.json"
    assert [r.body["data"]["attributes"]["name"] for r in stats.requests("POST", "tests.json")] == [
        "a",
        "b",
    ]


async def test_requests_match_routes_on_whole_segments(api: Api) -> None:
    await api.get(f"{P1}/step_runs.json")
    await api.get(f"{P1}/runs.json")
    assert [r.path for r in api.fake.stats.requests("GET", "runs.json")] == [f"{P1}/runs.json"]
    assert len(api.fake.stats.requests(route="/api/v2/projects/{p}/step_runs.json")) == 1


async def test_max_calls_in_any_window_counts_arrivals(
    practitest_emulator_factory, session
) -> None:
    fake = await practitest_emulator_factory(EmulatorConfig(limit=100, window=0.3))
    api = Api(session, fake)
    await asyncio.gather(*(api.get("/api/v2/projects.json") for _ in range(4)))
    await asyncio.sleep(0.35)
    await api.get("/api/v2/projects.json")
    assert fake.max_calls_in_any_window() == 4
    assert fake.max_calls_in_any_window(10) == 5


async def test_unauthenticated_calls_are_logged_without_account(api: Api) -> None:
    await api.get("/api/v2/projects.json", auth=False)
    record = api.fake.log[-1]
    assert (record.status, record.account) == (401, None)
