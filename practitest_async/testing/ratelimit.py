"""The documented rate limit (§3): LIMIT calls per fixed WINDOW per account, then 429."""

from __future__ import annotations

import math
from typing import Literal

import attrs


@attrs.frozen
class Admission:
    allowed: bool
    retry_after: float  # seconds until the current window ends


@attrs.define
class FixedWindowLimiter:
    """Counts every call, allowed or not. ``clock`` windows start at multiples of ``window``;
    ``first_call`` windows start at the account's first call and follow back to back."""

    limit: int
    window: float
    alignment: Literal["clock", "first_call"] = "clock"
    _origin: dict[int, float] = attrs.Factory(dict)
    _counts: dict[int, tuple[int, int]] = attrs.Factory(dict)  # account -> (window no., calls)

    def _window_index(self, account: int, now: float) -> int:
        origin = 0.0 if self.alignment == "clock" else self._origin.setdefault(account, now)
        return math.floor((now - origin) / self.window)

    def window_end(self, account: int, now: float) -> float:
        origin = 0.0 if self.alignment == "clock" else self._origin.get(account, now)
        return origin + (self._window_index(account, now) + 1) * self.window

    def admit(self, account: int, now: float) -> Admission:
        index = self._window_index(account, now)
        current, calls = self._counts.get(account, (index, 0))
        calls = calls + 1 if current == index else 1
        self._counts[account] = (index, calls)
        return Admission(calls <= self.limit, max(0.0, self.window_end(account, now) - now))
