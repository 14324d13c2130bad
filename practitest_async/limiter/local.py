"""Client-side rate limiting that keeps an account under PractiTest's per-window call limit.

PractiTest allows ``calls`` API calls per ``period`` per ACCOUNT (30 per minute, shared by every
token and process); call number 31 gets 429 and blocks the account until the window is over.

How :class:`AccountLimiter` guarantees "at most ``calls`` in ANY window of ``period``"
-------------------------------------------------------------------------------------------
It paces requests with an aiolimiter leaky bucket ``AsyncLimiter(capacity, capacity / rate)``.
Such a bucket admits at most ``ceil(capacity + rate * W) - 1`` requests in any half-open window
of length ``W``. Requests reach the server up to ``latency_margin`` seconds after they leave us,
so a server window of ``period`` holds requests that we sent within ``W = period +
latency_margin``. We choose ``rate = (calls + 1 - capacity) / (period + latency_margin)``, which
makes that bound exactly ``calls``, for arrival times as well as send times.

Why not ``AsyncLimiter(30, 60)``: its bucket holds 30 and drains 0.5/s, so from idle it admits
30 at once plus one every 2 s: 59 calls in the first minute. ``benchmarks/limiter.py`` shows it.

Burst against sustained rate
----------------------------
Every call of burst costs one call per window of sustained rate. We take the largest burst that
keeps the sustained rate at or above 95% of ``calls / period`` (``RateLimit.min_use``). With the
defaults (30 per 60 s, 1 s margin) that is a burst of 2 and a pace of 29 per 61 s (95.1%): a job
of a handful of calls pays about 2 s per call after the first two, a long job runs at 28.5
calls a minute. We chose smooth pacing over a bigger burst on purpose: the account's budget is
shared with other processes, and two clients that each burst at the start of a minute are what
produces 429 storms; paced clients interleave.

The capacity is the burst, plus, when the burst is a single call, a fraction of a call of slack
(``RateLimit.wake_slack`` seconds' worth, at most what keeps ``min_use``). Why: a bucket of
capacity 1 is empty whenever a waiter is due, so every wake-up that the event loop runs late
(a millisecond idle, several on a loaded machine) is time lost for good; measured, it cost 1.5 to
3 points of use at 20 calls a second. With slack the level has not reached zero when the waiter
is due, so a late wake-up is absorbed and the pace stays on its schedule (drift-free), at the
price of ``slack`` calls per window. A burst of 2 or more already leaves a whole call of slack.

Reacting to 429
---------------
A 429 means the request was refused, not applied. :meth:`AccountLimiter.penalise` closes the gate
for every task until the server's window has surely passed (``Retry-After`` when the server sends
one, otherwise one whole ``period`` from the 429). 429s that arrive while the gate is already
closed belong to the same episode: they are counted but do not extend the pause or log again.
Each new episode means somebody else is spending the account's budget, so the local budget per
window is cut multiplicatively (x0.7, floor ``RateLimit.floor``) and won back by one call per
clean window.

Several processes of one account share one budget through :class:`~.shared.SharedLimiter`
(SQLite on one host, Redis across machines), which keeps this arithmetic; any other limiter can
be plugged in through the :class:`Limiter` protocol: ``acquire()`` before every request,
``penalise()`` on every 429.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

log = logging.getLogger("practitest_async.limiter")

DECREASE_FACTOR = 0.7


@attrs.frozen(kw_only=True)
class RateLimit:
    """The account's limit: at most ``calls`` requests in any window of ``period`` seconds.

    ``latency_margin`` is how much later than we send it a request may reach the server (seconds);
    tests that compress the period to a second pass a small one. ``burst`` is derived when None.
    ``wake_slack`` is how late (seconds) the event loop may wake a waiter without costing pace.
    """

    # 1 is allowed: a shared limiter that lost its store paces each process at its share.
    calls: int = attrs.field(default=30, validator=attrs.validators.ge(1))
    period: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    latency_margin: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    burst: int | None = None
    min_use: float = 0.95
    wake_slack: float = attrs.field(default=0.02, validator=attrs.validators.ge(0))
    floor: int = attrs.field(default=3, validator=attrs.validators.ge(1))

    def __attrs_post_init__(self) -> None:
        if self.burst is not None and not 1 <= self.burst <= self.calls:
            raise ValueError(f"burst must be between 1 and calls ({self.calls}), not {self.burst}")

    @property
    def span(self) -> float:
        """The send-time window that a server window of ``period`` can hold: period + margin."""
        return self.period + self.latency_margin

    def burst_for(self, calls: int) -> int:
        """The largest burst that keeps the sustained rate at ``min_use`` of ``calls/period``."""
        if self.burst is not None:
            return min(self.burst, calls)
        needed = math.ceil(self.min_use * calls * self.span / self.period - 1e-9)
        return max(1, min(calls, calls + 1 - needed))

    def capacity_for(self, calls: int) -> float:
        """The bucket's capacity: the burst, plus slack for late wake-ups when the burst is 1."""
        burst = self.burst_for(calls)
        if burst > 1:
            return float(burst)
        # slack s buys wake_slack seconds at the rate it leaves: s = wake_slack * (calls - s) / span
        slack = self.wake_slack * calls / (self.span + self.wake_slack)
        room = calls - self.min_use * calls * self.span / self.period
        return 1.0 + max(0.0, min(slack, room))

    def rate_for(self, calls: int) -> float:
        """Sustained requests per second when ``calls`` are allowed per window."""
        return (calls + 1 - self.capacity_for(calls)) / self.span

    @property
    def sustained_rate(self) -> float:
        """Requests per second the limiter allows when work is always queued."""
        return self.rate_for(self.calls)


@runtime_checkable
class Limiter(Protocol):
    """What the transport needs of a rate limiter (plug a shared one in through ``limiter=``)."""

    async def acquire(self) -> None:
        """Wait until one request may start."""

    def penalise(self, retry_after: float | None = None) -> float:
        """A request got 429: hold every caller back; returns the pause in seconds."""


@runtime_checkable
class SupportsLock(Protocol):
    """A limiter that can also serialize a critical section among everyone sharing its budget.

    The batch layer takes ``lock("set:<project>:<name>")`` around "look again, then create" for
    sets and instances, so parallel jobs of one account do not create the same thing twice.
    In-process limiters serialize the tasks of one process; shared ones (SQLite, Redis) serialize
    every process of the budget, with a lease so a crashed holder never blocks the others. The
    lock yields :class:`Held`: whether another holder had the name before, so the batch layer
    looks again only then.
    """

    def lock(self, name: str) -> AbstractAsyncContextManager[Held]:
        """Hold the named lock for the ``async with`` block (``async with lock(n) as held``)."""
        ...


@attrs.frozen
class Held:
    """What a holder of :meth:`SupportsLock.lock` learns on taking it.

    ``by_others``: a holder other than this limiter held the same name before (lately: within
    :data:`~.store.LOCK_MEMORY`), so what it guards may have been made since we last read it;
    a holder that crashed or overran its lease counts as another, and so does "cannot know" (a
    shared limiter whose store does not answer). The batch layer looks at the server again
    before creating only then. In-process locks answer False: this process's tasks record
    what they make."""

    by_others: bool


NOT_BY_OTHERS = Held(by_others=False)


@attrs.define
class LimiterStats:
    """What the limiter did, for reports and progress bars."""

    admitted: int = 0
    pauses: int = 0
    rate_limited: int = 0
    paused_seconds: float = 0.0
    calls_per_window: int = 0
    late: int = 0  # shared limiters: reservations woken too late to use, reserved again
    store_lost: int = 0  # shared limiters: times the shared store stopped answering


class AccountLimiter:
    """Pace requests for one account; pause everybody on 429 (see the module docstring)."""

    def __init__(self, rate_limit: RateLimit | None = None, *, label: str = "PractiTest") -> None:
        self.rate_limit = rate_limit or RateLimit()
        self.label = label  # the service whose budget this is, for log lines
        self.stats = LimiterStats(calls_per_window=self.rate_limit.calls)
        self._bucket = self._new_bucket(self.rate_limit.calls)
        self._fill_bucket = False
        self._paused_until = 0.0
        self._last_change = -math.inf
        self._locks = NamedLocks()

    def __repr__(self) -> str:
        rl = self.rate_limit
        return f"AccountLimiter({rl.calls} per {rl.period:g}s, now {self.stats.calls_per_window})"

    def _new_bucket(self, calls: int) -> AsyncLimiter:
        capacity = self.rate_limit.capacity_for(calls)
        return AsyncLimiter(capacity, capacity / self.rate_limit.rate_for(calls))

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def acquire(self) -> None:
        """Wait for the gate to open and for a slot in the pace; then one request may start."""
        while True:
            if self._paused_until > self._now():  # (no coroutine for an open gate)
                await self._wait_for_gate()
            self._maybe_recover()
            bucket = self._bucket
            if self._fill_bucket:
                # A replaced bucket does not know what the old one just admitted: start it
                # full, so a rate change never grants a fresh burst on top of the last window.
                self._fill_bucket = False
                await bucket.acquire(bucket.max_rate)
            await bucket.acquire()
            # Re-check: a 429 may have closed the gate, or the rate changed, while we waited.
            if bucket is self._bucket and self._now() >= self._paused_until:
                self.stats.admitted += 1
                return

    def lock(self, name: str) -> AbstractAsyncContextManager[Held]:
        """Serialize the tasks of this process on ``name`` (see :class:`SupportsLock`)."""
        return self._locks.hold(name)

    async def _wait_for_gate(self) -> None:
        # A plain sleep loop: the pause can only grow, and each waiter re-reads it on waking.
        while (wait := self._paused_until - self._now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    def penalise(self, retry_after: float | None = None) -> float:
        """Record a 429; close the gate until the server's window has passed."""
        now = self._now()
        self.stats.rate_limited += 1
        if now < self._paused_until:  # same episode: another in-flight request hit it too
            if retry_after is not None:
                self._paused_until = max(self._paused_until, now + retry_after)
            return self._paused_until - now
        # Jitter so that two processes sharing the account do not resume in lock step.
        delay = retry_after if retry_after is not None else self.rate_limit.period
        delay += random.uniform(0, self.rate_limit.latency_margin)
        self._paused_until = now + delay
        self.stats.pauses += 1
        self.stats.paused_seconds += delay
        self._set_calls(
            max(self.rate_limit.floor, int(self.stats.calls_per_window * DECREASE_FACTOR)), now
        )
        log.warning(
            "%s rate limit hit (429): pausing every request for %.1fs; pacing now %d calls per %gs",
            self.label,
            delay,
            self.stats.calls_per_window,
            self.rate_limit.period,
        )
        return delay

    def _maybe_recover(self) -> None:
        """Win back one call per clean window (additive increase); windows in which nothing
        was sent are clean too, so a client idle for long is back at the full pace."""
        now = self._now()
        clean = now - max(self._last_change, self._paused_until)
        if self.stats.calls_per_window < self.rate_limit.calls and clean >= self.rate_limit.span:
            won = int(clean // self.rate_limit.span)
            self._set_calls(min(self.rate_limit.calls, self.stats.calls_per_window + won), now)

    def _set_calls(self, calls: int, now: float) -> None:
        if calls == self.stats.calls_per_window:
            return
        self.stats.calls_per_window = calls
        self._last_change = now
        self._bucket = self._new_bucket(calls)
        self._fill_bucket = True


class NamedLocks:
    """In-process locks by name, each kept only while a task holds it or waits for it: the
    uploader takes one per new test's name, which would otherwise stay for the life of the
    limiter (a million locks for a million new tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, _LockEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def hold(self, name: str) -> AbstractAsyncContextManager[Held]:
        """``async with locks.hold(name):`` holds the lock named ``name``."""
        return _Hold(self._entries, name)


class _LockEntry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # tasks holding or waiting


class _Hold(AbstractAsyncContextManager[Held]):
    __slots__ = ("_entries", "_entry", "_name")

    def __init__(self, entries: dict[str, _LockEntry], name: str) -> None:
        self._entries = entries
        self._name = name
        self._entry: _LockEntry | None = None

    async def __aenter__(self) -> Held:
        entry = self._entries.get(self._name)
        if entry is None:
            entry = self._entries[self._name] = _LockEntry()
        self._entry = entry
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: it never held the lock
            self._leave()
            raise
        return NOT_BY_OTHERS

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._entry is not None
        self._entry.lock.release()
        self._leave()

    def _leave(self) -> None:
        entry = self._entry
        assert entry is not None
        entry.users -= 1
        if entry.users == 0 and self._entries.get(self._name) is entry:
            del self._entries[self._name]
