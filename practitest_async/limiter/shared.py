"""One account budget for every process and machine: :class:`SharedLimiter`.

PractiTest's 30 calls a minute belong to the ACCOUNT; parallel CI jobs each pacing themselves
send k times the budget. A SharedLimiter keeps the budget in a store that every process of the
budget key reaches: a SQLite file (processes of one host; the default) or Redis (many
machines). It keeps :class:`~.local.AccountLimiter`'s arithmetic (see ``local.py``) and adds:

Reservation, not polling
    ``acquire()`` asks the store, in one atomic step, for the next send slot
    (:func:`~.store.plan_slot`: the same leaky-bucket pace, plus a log check that no window of
    ``W`` ever holds more than ``calls`` reserved slots), then sleeps once until it.

Latency margin and late slots
    A reserved slot is strict for the slot, not for the moment the request leaves: a process
    that the OS wakes late sends an old slot inside a later window (measured: 34-36 calls in a
    30-call window with 8 processes on 2 cores). So the slots' window is ``W = period +
    latency_margin + late_tolerance``, and a slot woken more than ``late_tolerance`` late is not
    used: it is given back and the caller reserves again. Sends then keep ``calls`` per
    ``period + latency_margin``, and arrivals ``calls`` per ``period``.

Fairness
    A process holds at most one reservation at a time (its other tasks queue locally), and the
    store serves reservations first come, first served: busy processes alternate, and a process
    with 50 tasks waiting cannot queue 50 slots ahead of the others.

429, shared
    ``penalise()`` closes this process's gate at once (as AccountLimiter does) and records the
    pause in the store: every process's next slot is after it, reservations not yet used are
    void (their holders reserve again, after the pause), and the shared calls per window is cut
    (x0.7) and won back by one call per clean window.

Cancellation and crashes
    A waiter cancelled while it waits gives its slot back. A process killed while it holds a
    reservation leaves one unused slot, which expires with its window; SQLite's write lock is
    released by the OS; locks (:meth:`SharedLimiter.lock`) have a lease.

The store goes away
    Unreachable at the first use: :class:`ConfigurationError` naming the store (the default
    SQLite file falls back to in-process pacing with a warning instead). Lost later: a warning,
    once, then in-process pacing at a conservative share, ``calls // processes seen active``
    (at least 1), until the store answers again (probed in the background). Nothing is lost: the
    requests only wait longer.

The store answers again
    Before it paces anyone again, the process hands over what it did alone: the requests it
    sent in the last window go into the store's log of slots (so the log check counts them; a
    restarted Redis knows none of them), and its lower calls per window or a 429 pause it met
    alone go into the shared state. Waiters still queued on the in-process pace then reserve
    from the store like everyone else: the in-process pace admits nobody once the store is back
    (it would run beside the shared one, for as long as its queue lasts).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import attrs

from ..errors import ConfigurationError
from .local import (
    DECREASE_FACTOR,
    AccountLimiter,
    Held,
    LimiterStats,
    NamedLocks,
    RateLimit,
)
from .store import HandOver, ReserveArgs, Store, StoreUnavailable, Taken, redact_url

log = logging.getLogger("practitest_async.limiter")


def open_store(url: str, key: str) -> Store:
    """The store for ``sqlite:///PATH`` (a file, or a directory: one file per key) or
    ``redis://``/``rediss://``/``unix://`` (``key`` names the budget inside it)."""
    from .store import budget_file_name

    text = url.strip()
    scheme = text.split(":", 1)[0].lower()
    if scheme == "sqlite":
        raw = text[len("sqlite:") :].lstrip("/")
        if not raw:
            raise ConfigurationError(f"limiter {text!r}: no file (sqlite:///path/to/budget.db)")
        path = Path("/" + raw) if text.startswith("sqlite:///") else Path(raw)
        path = path.expanduser()
        if path.is_dir() or text.endswith("/"):
            path = path / budget_file_name(key)
        from .sqlite import SqliteStore

        return SqliteStore(path)
    if scheme in ("redis", "rediss", "unix"):
        from .redis import RedisStore

        return RedisStore(text, key)
    raise ConfigurationError(
        f"limiter {redact_url(text)!r}: expected local, sqlite:///PATH or redis://HOST:PORT/DB"
    )


def default_late_tolerance(rate_limit: RateLimit) -> float:
    """How late a slot may be used: half the latency margin, between 10 ms and 250 ms."""
    return min(0.25, max(0.01, rate_limit.latency_margin / 2))


class SharedLimiter:
    """A :class:`~.local.Limiter` whose budget every process of ``key`` shares (module docstring).

    ``store``: ``"sqlite:///path/budget.db"``, ``"redis://host:6379/0"`` (``rediss://`` for TLS)
    or a :class:`~.store.Store`. ``key`` names the budget (one account). Also a
    :class:`~.local.SupportsLock`: :meth:`lock` serializes a section across every process of
    the budget, with a lease of ``lock_lease`` seconds renewed while held, and tells whether
    another holder had the name before (the store remembers the last holder of each name for
    :data:`~.store.LOCK_MEMORY`).
    """

    def __init__(
        self,
        store: str | Store,
        rate_limit: RateLimit | None = None,
        *,
        key: str = "default",
        late_tolerance: float | None = None,
        lock_lease: float = 30.0,
        fallback_on_open: bool = False,
        label: str = "PractiTest",
        setting: str = "PRACTITEST_LIMITER",
    ) -> None:
        self.rate_limit = rl = rate_limit or RateLimit()
        self.key = key
        self.label = label  # the service whose budget this is, for log lines
        self.setting = setting  # where the user chooses the limiter, for log lines
        self.store: Store = open_store(store, key) if isinstance(store, str) else store
        self.late_tolerance = (
            default_late_tolerance(rl) if late_tolerance is None else late_tolerance
        )
        # The slots' window: what a server window can hold, plus how late a slot may be used.
        self.window = rl.span + self.late_tolerance
        pacing = attrs.evolve(rl, latency_margin=rl.latency_margin + self.late_tolerance)
        self.capacity = pacing.capacity_for(rl.calls)
        self.lock_lease = lock_lease
        self.stats = LimiterStats(calls_per_window=rl.calls)
        self._fallback_on_open = fallback_on_open
        self._process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._opened = False
        self._open_lock: asyncio.Lock | None = None
        self._turn: asyncio.Lock | None = None  # one outstanding reservation per process
        self._paused_until = 0.0  # loop time; this process's gate
        self._fallback: AccountLimiter | None = None
        # Requests sent on the in-process pace (number, loop time), told to the store when it
        # answers again; only the last window's are kept.
        self._alone: collections.deque[tuple[int, float]] = collections.deque()
        self._alone_count = 0
        self._active = 1
        # Sticky: another process of this budget was seen active since this limiter opened.
        self.others_seen = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._locks = NamedLocks()  # this process's tasks queue here first

    def __repr__(self) -> str:
        rl = self.rate_limit
        return (
            f"SharedLimiter({self.store.description}, {rl.calls} per {rl.period:g}s, "
            f"now {self.stats.calls_per_window})"
        )

    @property
    def description(self) -> str:
        """Where the budget is kept (no credentials)."""
        return self.store.description

    @property
    def degraded(self) -> bool:
        """True while the store does not answer and this process paces on its own."""
        return self._fallback is not None

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- opening and losing the store -----------------------------------------------------------

    async def open(self) -> None:
        """Reach the store (done by the first ``acquire()``; ``Client.__aenter__`` calls it)."""
        if self._opened:
            return
        if self._open_lock is None:
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            if self._opened:
                return
            try:
                await self.store.open()
            except StoreUnavailable as exc:
                if not self._fallback_on_open:
                    raise ConfigurationError(
                        f"cannot reach the shared limiter at {self.description}: {_reason(exc)}"
                    ) from None
                log.warning(
                    "cannot use the shared %s rate-limit budget at %s (%s); pacing this "
                    "process on its own (set %s to choose another)",
                    self.label,
                    self.description,
                    _reason(exc),
                    self.setting,
                )
                self._fallback = AccountLimiter(self.rate_limit, label=self.label)
            self._opened = True

    async def aclose(self) -> None:
        """Stop background work and close the store's connection."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self.store.close()
        self._opened = False

    def _lose_store(self, exc: StoreUnavailable) -> None:
        if self._fallback is not None:
            return
        rl = self.rate_limit
        share = max(1, self.stats.calls_per_window // max(1, self._active))
        burst = None if rl.burst is None else min(rl.burst, share)
        self._fallback = AccountLimiter(
            attrs.evolve(rl, calls=share, burst=burst), label=self.label
        )
        self.stats.store_lost += 1
        log.warning(
            "the shared %s rate-limit budget at %s stopped answering (%s); pacing this process "
            "alone at %d calls per %gs (1/%d of the budget) until it answers again",
            self.label,
            self.description,
            _reason(exc),
            share,
            rl.period,
            max(1, self._active),
        )
        self._spawn(self._probe())

    async def _probe(self) -> None:
        interval = max(0.05, min(1.0, self.rate_limit.period / 10))
        while self._fallback is not None:
            await asyncio.sleep(interval)
            try:
                await self.store.ping()
            except StoreUnavailable:
                continue
            try:
                await self._hand_over()
            except StoreUnavailable:
                continue
            log.warning(
                "the shared %s rate-limit budget at %s answers again", self.label, self.description
            )

    async def _hand_over(self) -> None:
        """Tell the store what this process did alone (module docstring), then pace through it
        again. Requests sent during a round trip are told in the next one; the switch happens
        with nothing left untold (no await between the last check and the switch)."""
        rl = self.rate_limit
        told = 0
        pause = max(0.0, self._paused_until - self._now())
        first = True
        while True:
            fresh = [(n, t) for n, t in self._alone if n > told]
            if not fresh and not first:
                break
            now = self._now()
            sent = tuple((uuid.uuid4().hex, now - t) for _, t in fresh)
            told = max((n for n, _ in fresh), default=told)
            await self.store.hand_over(
                HandOver(
                    process=self._process,
                    sent=sent,
                    calls=self.stats.calls_per_window,
                    max_calls=rl.calls,
                    pause=pause if first else 0.0,
                    window=self.window,
                    active_window=2 * self.window,
                )
            )
            first = False
        self._alone.clear()
        self._fallback = None

    # --- the Limiter protocol -------------------------------------------------------------------

    async def acquire(self) -> None:
        """Wait for a slot of the shared budget; then one request may start."""
        await self.open()
        if self._turn is None:
            self._turn = asyncio.Lock()
        while True:
            await self._wait_for_gate()
            fallback = self._fallback
            if fallback is not None:
                await fallback.acquire()
                if self._fallback is not fallback:
                    continue  # the store answers again: reserve from it, not the stale pace
                if (now := self._now()) >= self._paused_until:
                    self._sent_alone(now)
                    self.stats.admitted += 1
                    return
                continue
            async with self._turn:
                if self._fallback is not None or self._now() < self._paused_until:
                    continue
                try:
                    admitted = await self._reserve_and_wait()
                except StoreUnavailable as exc:
                    self._lose_store(exc)
                    continue
            if admitted:
                self.stats.admitted += 1
                return

    def _sent_alone(self, now: float) -> None:
        self._alone_count += 1
        self._alone.append((self._alone_count, now))
        while self._alone and now - self._alone[0][1] >= self.window:
            self._alone.popleft()

    async def _wait_for_gate(self) -> None:
        while (wait := self._paused_until - self._now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    def _args(self, member: str) -> ReserveArgs:
        rl = self.rate_limit
        return ReserveArgs(
            member=member,
            process=self._process,
            max_calls=rl.calls,
            floor=min(rl.floor, rl.calls),
            window=self.window,
            capacity=self.capacity,
            max_wait=4 * self.window,
            active_window=2 * self.window,
        )

    async def _reserve_and_wait(self) -> bool:
        """One reservation: True when its slot came and may be used now."""
        member = uuid.uuid4().hex
        task = asyncio.ensure_future(self.store.reserve(self._args(member)))
        try:
            reservation = await asyncio.shield(task)
        except asyncio.CancelledError:
            # The store may still grant it: give it back once it has.
            self._spawn(self._release_after(task, member))
            raise
        loop = asyncio.get_running_loop()
        due = loop.time() + reservation.wait
        self._active = reservation.active
        self.others_seen = self.others_seen or reservation.active > 1
        self.stats.calls_per_window = reservation.calls
        if not reservation.granted:
            await asyncio.sleep(min(reservation.wait, self.window))
            return False
        if reservation.wait <= 0:
            if loop.time() < self._paused_until:  # a 429 arrived during the round trip
                await self.store.release(member)
                return False
            return True
        try:
            await asyncio.sleep(reservation.wait)
        except asyncio.CancelledError:
            await self._give_back(member)
            raise
        if loop.time() - due > self.late_tolerance:
            # Woken too late: sending now could put this slot in a later window. Reserve again.
            self.stats.late += 1
            await self.store.release(member)
            return False
        if loop.time() < self._paused_until:  # a 429 here while we slept
            await self.store.release(member)
            return False
        # A 429 elsewhere voids every reservation not yet used.
        return await self.store.still_reserved(member)

    async def _release_after(self, task: asyncio.Task[Any], member: str) -> None:
        with contextlib.suppress(Exception):
            await task
            await self.store.release(member)

    async def _give_back(self, member: str) -> None:
        """A cancelled waiter's slot goes back to the budget (shielded from the cancellation)."""

        async def release() -> None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.release(member)

        task = self._spawn(release())
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    def penalise(self, retry_after: float | None = None) -> float:
        """A request got 429: close this process's gate now, and pause every process of the
        budget through the store (see the module docstring)."""
        now = self._now()
        rl = self.rate_limit
        self.stats.rate_limited += 1
        if now < self._paused_until:  # same episode: another in-flight request hit it too
            if retry_after is not None:
                self._paused_until = max(self._paused_until, now + retry_after)
                self._spawn(self._share_pause(retry_after, extend=True))
            return self._paused_until - now
        delay = retry_after if retry_after is not None else rl.period
        delay += random.uniform(0, rl.latency_margin)
        self._paused_until = now + delay
        self.stats.pauses += 1
        self.stats.paused_seconds += delay
        self.stats.calls_per_window = max(
            min(rl.floor, rl.calls), int(self.stats.calls_per_window * DECREASE_FACTOR)
        )
        log.warning(
            "%s rate limit hit (429): pausing every request of the budget for %.1fs; "
            "pacing now %d calls per %gs",
            self.label,
            delay,
            self.stats.calls_per_window,
            rl.period,
        )
        self._spawn(self._share_pause(delay, extend=retry_after is not None))
        return delay

    async def _share_pause(self, delay: float, *, extend: bool) -> None:
        if self._fallback is not None:
            return
        rl = self.rate_limit
        try:
            outcome = await self.store.pause(delay, extend, min(rl.floor, rl.calls), rl.calls)
        except StoreUnavailable:
            return  # this process's own gate is closed; the others meet the 429 themselves
        self.stats.calls_per_window = outcome.calls

    # --- the lock (SupportsLock) ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[Held]:
        """Hold ``name`` among every process of the budget for the ``async with`` block.

        Tasks of this process queue on an in-process lock first; then the store's lock is taken
        (polled), with a lease of ``lock_lease`` seconds renewed every third of it while held, so
        a holder that crashed blocks the others for at most one lease. If the store does not
        answer, only this process is serialized (with the warning of a lost store).

        Yields :class:`~.local.Held`: ``by_others`` when the store says that the last holder of
        ``name`` (within :data:`~.store.LOCK_MEMORY`) was another limiter (another process, or
        another SharedLimiter of this one), or a holder whose lease ran out; and when the store
        does not answer, or did not once while another process was about (it may have come back
        without its memory), as nobody can tell then."""
        async with self._locks.hold(name):
            await self.open()
            owner = f"{self._process}:{uuid.uuid4().hex[:8]}"
            taken = await self._take(name, owner)
            renewal = self._spawn(self._renew(name, owner)) if taken is not None else None
            try:
                yield Held(by_others=taken is None or self._by_others(taken))
            finally:
                if renewal is not None:
                    renewal.cancel()
                if taken is not None:
                    with contextlib.suppress(StoreUnavailable):
                        await self.store.unlock(name, owner)

    def _by_others(self, taken: Taken) -> bool:
        if not taken.released:  # crashed or overran its lease: whatever it was doing
            return True
        if self.stats.store_lost and self.others_seen:
            # The store stopped answering once: it may have come back empty (a Redis restarted
            # without persistence) and forgotten who held what. Trust only "nobody else" seen.
            return True
        last = taken.last_owner
        return last is not None and not last.startswith(self._process + ":")

    async def _take(self, name: str, owner: str) -> Taken | None:
        delay = 0.01
        while self._fallback is None:
            try:
                taken = await self.store.try_lock(name, owner, self.lock_lease)
            except StoreUnavailable as exc:
                self._lose_store(exc)
                return None
            if taken is not None:
                return taken
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(0.2, delay * 2)
        return None

    async def _renew(self, name: str, owner: str) -> None:
        while True:
            await asyncio.sleep(self.lock_lease / 3)
            with contextlib.suppress(StoreUnavailable):
                if not await self.store.renew_lock(name, owner, self.lock_lease):
                    log.warning("the shared lock %r expired before its holder let it go", name)
                    return


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
