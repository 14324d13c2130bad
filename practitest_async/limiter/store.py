"""What a shared limiter needs of its store (SQLite file or Redis), and the names of budgets.

A store keeps, per budget key: the log of reserved send slots, the shared state (calls per
window after 429 cuts, the pacing's theoretical arrival time ``tat``, the shared pause, the 429
episode), the processes seen lately, and named locks with a lease (and, for ``LOCK_MEMORY``, the
last holder of each, let go or not). Every operation is one atomic
step on the store's own clock (one ``BEGIN IMMEDIATE`` transaction, or one Lua script reading
Redis ``TIME``); the caller gets durations back, never timestamps, so clocks of different
machines never meet.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

import attrs

from ..redaction import host_and_port
from ..redaction import redact_url as redact_url  # the stores and the settings use it from here

DIRECTORY = "practitest-async"


class StoreUnavailable(Exception):
    """The store did not answer (connection refused or lost, timeout, locked too long)."""


@attrs.frozen(kw_only=True)
class ReserveArgs:
    """One reservation request. Times are seconds."""

    member: str  # unique per reservation
    process: str  # unique per limiter instance (process)
    max_calls: int  # the configured calls per window
    floor: int  # the lowest calls per window after 429 cuts
    window: float  # W: period + latency margin + late tolerance
    capacity: float  # the pacing's bucket capacity for max_calls
    max_wait: float  # reserve nothing when the slot is further away than this
    active_window: float  # a process counts as active this long after its last reservation


@attrs.frozen(kw_only=True)
class HandOver:
    """What a process did on its own while the store did not answer, told to the store when it
    answers again (a restarted store knows none of it). Times are seconds."""

    process: str
    sent: tuple[tuple[str, float], ...]  # (unique member, seconds ago) of each request it sent
    calls: int  # its calls per window (lower after a 429 it met alone)
    max_calls: int
    pause: float  # seconds left of a 429 pause it met alone (0: none)
    window: float
    active_window: float


# How long a store remembers who held a lock last (see :class:`Taken`): longer than the time
# between an upload reading what exists and creating what does not.
LOCK_MEMORY = 7 * 24 * 3600.0


@attrs.frozen
class Taken:
    """A lock just taken, and who held it last within the store's lock memory."""

    last_owner: str | None  # None: nobody (or too long ago)
    released: bool  # it let the lock go (False: its lease ran out: it crashed or overran)


NOBODY_BEFORE = Taken(None, released=True)


@attrs.frozen
class Reservation:
    granted: bool
    wait: float  # seconds from the store's "now" to the slot
    calls: int  # shared calls per window now
    active: int  # processes seen active
    episode: int  # 429 episodes so far


@attrs.frozen
class PauseOutcome:
    new_episode: bool
    pause: float  # seconds from the store's "now" until the pause ends
    calls: int


class Store(Protocol):
    """A shared store for :class:`~.shared.SharedLimiter` (``SqliteStore``, ``RedisStore``).

    Methods raise :class:`StoreUnavailable` when the store does not answer. ``try_lock`` takes a
    lock with a lease (None while another owner holds it) and tells who held it last;
    ``unlock`` lets it go and keeps its owner in memory for ``LOCK_MEMORY``."""

    description: str  # where it is, without credentials

    async def open(self) -> None: ...
    async def reserve(self, args: ReserveArgs) -> Reservation: ...
    async def still_reserved(self, member: str) -> bool: ...
    async def release(self, member: str) -> None: ...
    async def hand_over(self, args: HandOver) -> None: ...
    async def pause(
        self, delay: float, extend: bool, floor: int, max_calls: int
    ) -> PauseOutcome: ...
    async def try_lock(self, name: str, owner: str, lease: float) -> Taken | None: ...
    async def renew_lock(self, name: str, owner: str, lease: float) -> bool: ...
    async def unlock(self, name: str, owner: str) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


def plan_slot(
    now: float,
    *,
    calls: int,
    tat: float,
    pause_until: float,
    newest: float | None,
    nth_newest: float | None,
    window: float,
    capacity: float,
) -> tuple[float, float]:
    """The next send slot and the pacing interval (the Lua script mirrors this).

    ``slot = max(now, pause_until, tat - (c-1)*interval, newest, nth_newest + W)``: the leaky
    bucket of :class:`~.local.AccountLimiter` (capacity c, ``calls`` per W) paces; the log check
    against the ``calls``-th newest reserved slot keeps "at most ``calls`` in any W" exact
    whatever the pace did (rate changes, a store that was restarted)."""
    c = max(1.0, min(capacity, calls - 1.0))
    interval = window / (calls + 1 - c)
    slot = max(now, pause_until, tat - (c - 1) * interval)
    if newest is not None:
        slot = max(slot, newest)
    if nth_newest is not None:
        slot = max(slot, nth_newest + window)
    return slot, interval


def budget_key(base_url: str, token: str, configured: str | None = None) -> str:
    """The budget's name: ``configured`` (PRACTITEST_LIMITER_KEY) when given, else the base URL's
    host and a hash of the token. The token itself never appears in a key, file name or log."""
    if configured and configured.strip():
        return configured.strip()
    host = host_and_port(base_url) or base_url  # never a user name or password in the URL
    digest = hashlib.sha256(b"practitest-async budget\0" + token.strip().encode()).hexdigest()
    return f"{host}/{digest[:16]}"


def cache_directory(environ: dict[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/practitest-async``, else ``~/.cache/practitest-async``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / DIRECTORY


def budget_file_name(key: str) -> str:
    """A file name for a budget key: readable, and unique through a hash of the whole key."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")[:60] or "budget"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:10]}.db"


def default_store_url(key: str) -> str:
    """The default budget: one SQLite file per key in the user's cache directory."""
    return f"sqlite:///{cache_directory() / budget_file_name(key)}"
