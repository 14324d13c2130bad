"""The reservation arithmetic (``plan_slot``, which the SQLite store runs and the Lua script
mirrors): whatever the arrival pattern, the pace and the changes of calls per window (429
cuts), no window of W ever holds more than the calls allowed at the time."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from practitest_async.limiter.store import plan_slot


def max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=120),
    calls=st.lists(st.integers(min_value=2, max_value=30), min_size=1, max_size=4),
    capacity=st.floats(min_value=1, max_value=30),
    window=st.floats(min_value=0.1, max_value=5),
)
def test_no_window_holds_more_than_the_calls(
    gaps: list[float], calls: list[int], capacity: float, window: float
) -> None:
    limit = min(calls)  # the strictest the budget ever was: it must hold throughout
    slots: list[float] = []
    tat, now = 0.0, 0.0
    for index, gap in enumerate(gaps):
        now += gap
        current = calls[index * len(calls) // len(gaps)]  # cut or won back as the run goes
        live = sorted(s for s in slots if s > now - window)
        newest = live[-1] if live else None
        nth = live[-current] if len(live) >= current else None
        slot, interval = plan_slot(
            now,
            calls=current,
            tat=tat,
            pause_until=0.0,
            newest=newest,
            nth_newest=nth,
            window=window,
            capacity=capacity,
        )
        assert slot >= now
        slots.append(slot)
        tat = max(tat, slot) + interval
    # (1 ns less: "a whole window later" computed in floats may round a hair early.)
    assert max_in_any_window(slots, window - 1e-9) <= max(calls)
    if len(set(calls)) == 1:
        assert max_in_any_window(slots, window - 1e-9) <= limit


def test_a_steady_pace_spreads_calls_over_the_window() -> None:
    slots: list[float] = []
    tat = 0.0
    for _ in range(60):
        live = sorted(slots)
        slot, interval = plan_slot(
            0.0,
            calls=30,
            tat=tat,
            pause_until=0.0,
            newest=live[-1] if live else None,
            nth_newest=live[-30] if len(live) >= 30 else None,
            window=61.25,
            capacity=1.0,
        )
        slots.append(slot)
        tat = max(tat, slot) + interval
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(slots)}
    assert gaps == {round(61.25 / 30, 6)}  # pacing, not a burst of 30
