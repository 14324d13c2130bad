"""What reached the emulator: per-route counters, 429s, and a log of every request."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from practitest_async.testing.faults import target_matches


@attrs.define(kw_only=True)
class RequestRecord:
    """One request as the emulator saw it. ``status`` is None when no answer was sent
    (the connection was dropped, or the request hung until the client gave up)."""

    time: float
    method: str
    path: str
    query: dict[str, str]
    body: Any
    account: int | None = None
    route: str | None = None  # "POST /api/v2/projects/{p}/runs.json"; None if unknown
    status: int | None = None
    fault: str | None = None  # "error", "drop_after_apply", "timeout", ... or None
    basic_user: str | None = None  # the user name of HTTP Basic auth; None for other schemes


@attrs.define
class Stats:
    """Counters tests read through ``fake.stats``."""

    window: float
    log: list[RequestRecord] = attrs.Factory(list)
    calls_by_route: Counter[str] = attrs.Factory(Counter)
    rate_limited: int = 0

    @property
    def total_calls(self) -> int:
        return len(self.log)

    def record(self, rec: RequestRecord) -> None:
        self.log.append(rec)

    def count_route(self, key: str) -> None:
        self.calls_by_route[key] += 1

    def requests(self, method: str | None = None, route: str | None = None) -> list[RequestRecord]:
        """Logged requests, optionally only ``method`` ones and those whose route template or
        path is ``route`` or ends with it on a segment ("tests.json" is not "step_tests.json")."""
        return [
            r
            for r in self.log
            if (method is None or r.method == method)
            and (route is None or target_matches(route, r.path, r.route))
        ]

    def max_calls_in_any_window(
        self, window: float | None = None, account: int | None = None
    ) -> int:
        """The most requests that arrived within any half-open span [t, t + window)."""
        span = self.window if window is None else window
        times = sorted(r.time for r in self.log if account is None or r.account == account)
        best, start = 0, 0
        for end, t in enumerate(times):
            while times[start] <= t - span:
                start += 1
            best = max(best, end - start + 1)
        return best

    def max_calls_by_account(self, window: float | None = None) -> dict[int, int]:
        """For each account: the most requests that arrived in any window (default: the
        rate-limit window). Every token of an account counts toward its one budget."""
        accounts = sorted({r.account for r in self.log if r.account is not None})
        return {a: self.max_calls_in_any_window(window, a) for a in accounts}

    def reset(self) -> None:
        self.log.clear()
        self.calls_by_route.clear()
        self.rate_limited = 0
