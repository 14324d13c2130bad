"""Fault injection: seeded random faults repeat exactly; scripted faults force sequences."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from practitest_async.testing import EmulatorConfig, FakePractiTest, Faults

from .conftest import P1, Api, attrs_body


async def statuses(api: Api, count: int) -> list[int | str]:
    seen: list[int | str] = []
    for n in range(count):
        try:
            seen.append((await api.post(f"{P1}/tests.json", attrs_body(name=f"t{n}"))).status)
        except aiohttp.ClientConnectionError:
            seen.append("dropped")
    return seen


async def test_same_seed_same_fault_sequence(practitest_emulator_factory) -> None:
    faults = Faults(error_rate=0.3, drop_after_apply_rate=0.2, seed=7)
    runs = []
    for _ in range(2):
        fake = await practitest_emulator_factory(EmulatorConfig(limit=1000, faults=faults))
        # a fresh session each time: dropped connections must not leak between runs
        async with aiohttp.ClientSession() as session:
            runs.append(await statuses(Api(session, fake), 30))
    assert runs[0] == runs[1]
    assert {500, 502, 503, 504} & set(runs[0])
    assert "dropped" in runs[0]
    assert 200 in runs[0]


async def test_drop_after_apply_applies_then_drops(api: Api) -> None:
    api.fake.script_fault("POST", "tests.json", "drop_after_apply")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"{P1}/tests.json", attrs_body(name="survivor"))
    assert [t.name for t in api.fake.state.tests.values()] == ["survivor"]
    record = api.fake.log[-1]
    assert (record.status, record.fault) == (None, "drop_after_apply")


async def test_drop_before_apply_changes_nothing(api: Api) -> None:
    api.fake.script_fault("POST", f"{P1}/tests.json", "drop_before_apply")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"{P1}/tests.json", attrs_body(name="lost"))
    assert api.fake.state.tests == {}


async def test_scripted_sequence_and_route_targeting(api: Api) -> None:
    api.fake.script_fault("POST", "/api/v2/projects/{p}/tests.json", "error_503", count=2)
    api.fake.script_fault("*", "tests.json", "rate_limited")
    other = await api.get("/api/v2/projects.json")  # does not match either script
    got = [(await api.post(f"{P1}/tests.json", attrs_body(name="x"))).status for _ in range(4)]
    assert other.status == 200
    assert got == [503, 503, 429, 200]
    assert len(api.fake.state.tests) == 1
    assert api.fake.stats.rate_limited == 1


async def test_gateway_errors_answer_html(api: Api) -> None:
    api.fake.script_fault("GET", "projects.json", "error_502")
    answer = await api.get("/api/v2/projects.json")
    assert answer.status == 502
    assert "Bad Gateway" in answer.body


async def test_timeout_hangs_until_the_client_gives_up(api: Api) -> None:
    api.fake.script_fault("POST", "tests.json", "timeout")
    with pytest.raises(asyncio.TimeoutError):
        await api.post(
            f"{P1}/tests.json", attrs_body(name="never"), timeout=aiohttp.ClientTimeout(total=0.2)
        )
    assert api.fake.state.tests == {}
    assert (await api.post(f"{P1}/tests.json", attrs_body(name="next"))).status == 200


async def test_faults_limited_to_methods_and_latency(api: Api) -> None:
    api.fake.faults = Faults(
        error_rate=1.0, error_statuses=(500,), methods=frozenset({"POST"}), latency=(0.01, 0.02)
    )
    get = await api.get("/api/v2/projects.json")
    post = await api.post(f"{P1}/tests.json", attrs_body(name="x"))
    assert (get.status, post.status) == (200, 500)
    assert api.fake.state.tests == {}


async def test_faulted_calls_count_in_the_window(practitest_emulator_factory, session) -> None:
    fake: FakePractiTest = await practitest_emulator_factory(EmulatorConfig(limit=2))
    fake.script_fault("GET", "projects.json", "error_500", count=2)
    api = Api(session, fake)
    got = [(await api.get("/api/v2/projects.json")).status for _ in range(3)]
    assert got == [500, 500, 429]
