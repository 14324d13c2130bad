"""The documented limit (§3): LIMIT calls per fixed WINDOW per account, then 429."""

from __future__ import annotations

import asyncio
import time

from practitest_async.testing import EmulatorConfig, TokenGrant

from .conftest import P1, Api, attrs_body


class ManualClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def sleep_to_window_start(window: float) -> None:
    await asyncio.sleep(window - time.time() % window + 0.01)


async def test_sixth_call_in_a_window_is_429_and_changes_nothing(
    practitest_emulator_factory, session
) -> None:
    fake = await practitest_emulator_factory(EmulatorConfig(limit=5, window=0.5))
    api = Api(session, fake)
    await sleep_to_window_start(0.5)
    answers = [await api.post(f"{P1}/tests.json", attrs_body(name=f"t{n}")) for n in range(6)]
    assert [a.status for a in answers] == [200] * 5 + [429]
    assert answers[5].titles[0].startswith("Too Many Requests")
    assert "Retry-After" not in answers[5].headers
    assert sorted(t.name for t in fake.state.tests.values()) == ["t0", "t1", "t2", "t3", "t4"]
    assert (await api.get("/api/v2/projects.json")).status == 429  # the rest of the window
    await sleep_to_window_start(0.5)
    assert (await api.post(f"{P1}/tests.json", attrs_body(name="later"))).status == 200
    assert fake.stats.rate_limited == 2


async def test_clock_windows_are_fixed_not_sliding(practitest_emulator_factory, session) -> None:
    clock = ManualClock(1000.0)
    fake = await practitest_emulator_factory(EmulatorConfig(limit=2, window=60, clock=clock))
    api = Api(session, fake)
    statuses = []
    for at in (1019.0, 1019.5, 1020.0, 1021.0, 1079.9):  # windows [960,1020) and [1020,1080)
        clock.now = at
        statuses.append((await api.get("/api/v2/projects.json")).status)
    assert statuses == [200, 200, 200, 200, 429]
    # Fixed windows let 4 calls through within 2 s across the boundary; a sliding count sees it.
    assert fake.max_calls_in_any_window() == 4
    assert fake.max_calls_in_any_window(2.5) == 4
    assert fake.max_calls_in_any_window(1.0) == 2


async def test_first_call_alignment_and_retry_after(practitest_emulator_factory, session) -> None:
    clock = ManualClock(1019.0)
    fake = await practitest_emulator_factory(
        EmulatorConfig(
            limit=1, window=60, clock=clock, window_alignment="first_call", retry_after_header=True
        )
    )
    api = Api(session, fake)
    assert (await api.get("/api/v2/projects.json")).status == 200
    clock.now = 1050.0  # a clock-aligned window would have restarted at 1020
    refused = await api.get("/api/v2/projects.json")
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "29"
    clock.now = 1079.0
    assert (await api.get("/api/v2/projects.json")).status == 200


async def test_limit_is_per_account_not_per_token(practitest_emulator_factory, session) -> None:
    tokens = {
        "a1": TokenGrant(account_id=1, user_id=1),
        "a2": TokenGrant(account_id=1, kind="account"),
        "other": TokenGrant(account_id=2, kind="account"),
    }
    fake = await practitest_emulator_factory(
        EmulatorConfig(limit=2, tokens=tokens, clock=ManualClock())
    )
    api = Api(session, fake)
    got = [
        (await api.get("/api/v2/projects.json", headers={"PTToken": t})).status
        for t in ("a1", "a2", "a1", "other")
    ]
    assert got == [200, 200, 429, 200]
