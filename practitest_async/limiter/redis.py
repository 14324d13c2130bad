"""The Redis store: processes on many machines share a budget through one Redis server.

Each operation is one Lua script, so it is atomic, and reads the server's clock (``TIME``): the
machines' clocks never enter the arithmetic. Times inside the scripts are integer microseconds
(exact in a Lua double); the scripts return durations. Keys share one hash tag
(``{pta:<key>}``), so a cluster keeps a budget on one node. redis-py's ``AsyncScript`` loads a
script again when the server lost its cache (restart, failover).

``redis`` (redis-py) is an optional dependency: ``pip install 'practitest-async[redis]'``.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from .local import DECREASE_FACTOR
from .store import (
    LOCK_MEMORY,
    NOBODY_BEFORE,
    HandOver,
    PauseOutcome,
    Reservation,
    ReserveArgs,
    StoreUnavailable,
    Taken,
    redact_url,
)

US = 1_000_000

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""

# KEYS: slots, state, procs. ARGV: member, process, max_calls, floor, window, capacity,
# max_wait, active_window (times in µs). Mirrors store.plan_slot and SqliteStore.reserve.
RESERVE = (
    _NOW
    + """
local max_calls = tonumber(ARGV[3])
local w = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local st = redis.call('HMGET', KEYS[2], 'calls', 'tat', 'pause_until', 'last_change', 'episode')
local calls = math.min(tonumber(st[1]) or max_calls, max_calls)
local tat = tonumber(st[2]) or 0
local pause_until = tonumber(st[3]) or 0
local last_change = tonumber(st[4]) or 0
local episode = tonumber(st[5]) or 0
local clean = now - math.max(last_change, pause_until)
if calls < max_calls and clean >= w then
  calls = math.min(max_calls, calls + math.floor(clean / w))
  last_change = now
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - w)
local c = math.max(1, math.min(cap, calls - 1))
local interval = w / (calls + 1 - c)
local slot = math.max(now, pause_until, tat - (c - 1) * interval)
local newest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if newest[2] then slot = math.max(slot, tonumber(newest[2])) end
local nth = redis.call('ZREVRANGE', KEYS[1], calls - 1, calls - 1, 'WITHSCORES')
if nth[2] then slot = math.max(slot, tonumber(nth[2]) + w) end
slot = math.ceil(slot)
redis.call('ZADD', KEYS[3], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[8]))
local active = redis.call('ZCARD', KEYS[3])
local granted = 0
if slot - now <= tonumber(ARGV[7]) then
  granted = 1
  redis.call('ZADD', KEYS[1], slot, ARGV[1])
  tat = math.max(tat, slot) + interval
end
redis.call('HSET', KEYS[2], 'calls', calls, 'tat', math.floor(tat), 'last_change', last_change,
  'interval', math.floor(interval))
local ttl = math.ceil((math.max(pause_until, slot) - now + 2 * w + tonumber(ARGV[8])) / 1000)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return {granted, slot - now, calls, active, episode}
"""
)

# KEYS: slots, state. ARGV: member.
RELEASE = (
    _NOW
    + """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
s = tonumber(s)
redis.call('ZREM', KEYS[1], ARGV[1])
if s > now and redis.call('ZCOUNT', KEYS[1], s, '+inf') == 0 then
  local st = redis.call('HMGET', KEYS[2], 'tat', 'interval')
  local tat = tonumber(st[1]) or 0
  redis.call('HSET', KEYS[2], 'tat', math.max(now, tat - (tonumber(st[2]) or 0)))
end
return 1
"""
)

# KEYS: slots, state, procs. ARGV: process, calls, max_calls, pause, window, active_window (µs),
# then member, seconds-ago (µs) pairs. Mirrors SqliteStore.hand_over.
HAND_OVER = (
    _NOW
    + """
local w = tonumber(ARGV[5])
for i = 7, #ARGV, 2 do
  local ago = tonumber(ARGV[i + 1])
  if ago < w then redis.call('ZADD', KEYS[1], 'NX', now - ago, ARGV[i]) end
end
local max_calls = tonumber(ARGV[3])
local st = redis.call('HMGET', KEYS[2], 'calls', 'tat', 'pause_until')
local calls = math.min(tonumber(st[1]) or max_calls, max_calls)
local tat = tonumber(st[2]) or 0
local pause_until = tonumber(st[3]) or 0
if tonumber(ARGV[2]) < calls then
  redis.call('HSET', KEYS[2], 'calls', tonumber(ARGV[2]), 'last_change', now)
end
local pause = tonumber(ARGV[4])
if pause > 0 and now + pause > pause_until then
  pause_until = now + pause
  redis.call('HSET', KEYS[2], 'pause_until', pause_until, 'tat', math.max(tat, pause_until))
end
redis.call('ZADD', KEYS[3], now, ARGV[1])
local ttl = math.ceil((pause_until - now + 2 * w + tonumber(ARGV[6])) / 1000)
for i = 1, 3 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
"""
)

# KEYS: slots, state. ARGV: delay (µs), extend (1/0), floor, max_calls, decrease factor.
PAUSE = (
    _NOW
    + """
local delay = tonumber(ARGV[1])
local st = redis.call('HMGET', KEYS[2], 'calls', 'pause_until')
local calls = math.min(tonumber(st[1]) or tonumber(ARGV[4]), tonumber(ARGV[4]))
local pause_until = tonumber(st[2]) or 0
local new = 0
if now >= pause_until then
  new = 1
  pause_until = now + delay
  calls = math.max(tonumber(ARGV[3]), math.floor(calls * tonumber(ARGV[5])))
  redis.call('HSET', KEYS[2], 'calls', calls, 'pause_until', pause_until, 'last_change', now,
    'tat', pause_until)
  redis.call('HINCRBY', KEYS[2], 'episode', 1)
elseif ARGV[2] == '1' and now + delay > pause_until then
  pause_until = now + delay
  redis.call('HSET', KEYS[2], 'pause_until', pause_until)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], now + 1, '+inf')
redis.call('PEXPIRE', KEYS[2], math.ceil((pause_until - now) / 1000) + 600000)
return {new, pause_until - now, calls}
"""
)

# KEYS: lock, last. ARGV: owner, lease (ms), memory (ms). The lock key is the owner with the
# lease as its TTL (as versions before ``last`` had it, so they still take turns with this one);
# ``last`` is "h|owner" while held, "r|owner" once let go, kept for the lock memory. Returns nil
# while another owner holds it, else {last} ("" for nobody).
TRY_LOCK = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return false end
local last = redis.call('GET', KEYS[2]) or ''
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], 'h|' .. ARGV[1], 'PX', ARGV[3])
return {last}
"""

# KEYS: lock. ARGV: owner, lease (ms).
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS: lock, last. ARGV: owner, memory (ms).
UNLOCK = """
if redis.call('GET', KEYS[2]) == 'h|' .. ARGV[1] then
  redis.call('SET', KEYS[2], 'r|' .. ARGV[1], 'PX', ARGV[2])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _import_redis() -> Any:
    try:
        import redis.asyncio
    except ImportError:
        raise ConfigurationError(
            "a redis:// limiter needs the redis extra: pip install 'practitest-async[redis]'"
        ) from None
    return redis


class RedisStore:
    """A budget in Redis (see the module docstring). ``url``: ``redis://`` or ``rediss://``."""

    def __init__(
        self, url: str, key: str, *, timeout: float = 2.0, lock_memory: float = LOCK_MEMORY
    ) -> None:
        self._redis = _import_redis()
        self._memory_ms = max(1, round(lock_memory * 1000))
        self._stale = False  # a command found the server gone: the pool may hold dead sockets
        self.description = redact_url(url)
        prefix = "{pta:" + key + "}"
        self._slots = f"{prefix}:slots"
        self._state = f"{prefix}:state"
        self._procs = f"{prefix}:procs"
        self._lock_prefix = f"{prefix}:lock:"
        self._last_prefix = f"{prefix}:last:"  # who held each lock last
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        try:
            # No retries inside redis-py: a store that does not answer is a fallback decision.
            self._client = self._redis.asyncio.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
        except ValueError as exc:
            raise ConfigurationError(f"limiter URL {self.description}: {exc}") from None
        self._reserve = self._client.register_script(RESERVE)
        self._release = self._client.register_script(RELEASE)
        self._pause = self._client.register_script(PAUSE)
        self._hand_over = self._client.register_script(HAND_OVER)
        self._try_lock = self._client.register_script(TRY_LOCK)
        self._renew = self._client.register_script(RENEW)
        self._unlock = self._client.register_script(UNLOCK)

    def __repr__(self) -> str:
        return f"RedisStore({self.description!r})"

    async def _call(self, coro: Any) -> Any:
        errors = self._redis.exceptions
        try:
            return await coro
        except (errors.ConnectionError, errors.TimeoutError, OSError) as exc:
            self._stale = True
            raise StoreUnavailable(f"{self.description}: {exc}") from None
        except errors.RedisError as exc:  # e.g. a server that refuses TIME in scripts, NOPERM
            raise ConfigurationError(f"the limiter's Redis at {self.description}: {exc}") from None

    async def open(self) -> None:
        await self.ping()

    async def ping(self) -> None:
        await self._call(self._client.ping())
        if self._stale:
            # It answers again: the idle connections of the pool were opened before it stopped
            # answering, and a restarted server closed them; the next command on one would
            # fail and lose the store a second time. Open new ones instead.
            self._stale = False
            await self._client.connection_pool.disconnect(inuse_connections=False)

    async def close(self) -> None:
        await self._client.aclose()

    async def reserve(self, args: ReserveArgs) -> Reservation:
        reply = await self._call(
            self._reserve(
                keys=[self._slots, self._state, self._procs],
                args=[
                    args.member,
                    args.process,
                    args.max_calls,
                    args.floor,
                    round(args.window * US),
                    args.capacity,
                    round(args.max_wait * US),
                    round(args.active_window * US),
                ],
            )
        )
        granted, wait, calls, active, episode = (int(x) for x in reply)
        return Reservation(bool(granted), wait / US, calls, active, episode)

    async def still_reserved(self, member: str) -> bool:
        return await self._call(self._client.zscore(self._slots, member)) is not None

    async def release(self, member: str) -> None:
        await self._call(self._release(keys=[self._slots, self._state], args=[member]))

    async def hand_over(self, args: HandOver) -> None:
        sent = [x for member, ago in args.sent for x in (member, round(ago * US))]
        await self._call(
            self._hand_over(
                keys=[self._slots, self._state, self._procs],
                args=[
                    args.process,
                    args.calls,
                    args.max_calls,
                    round(args.pause * US),
                    round(args.window * US),
                    round(args.active_window * US),
                    *sent,
                ],
            )
        )

    async def pause(self, delay: float, extend: bool, floor: int, max_calls: int) -> PauseOutcome:
        reply = await self._call(
            self._pause(
                keys=[self._slots, self._state],
                args=[round(delay * US), int(extend), floor, max_calls, DECREASE_FACTOR],
            )
        )
        new, pause, calls = (int(x) for x in reply)
        return PauseOutcome(bool(new), pause / US, calls)

    async def try_lock(self, name: str, owner: str, lease: float) -> Taken | None:
        ms = max(1, round(lease * 1000))
        keys = [self._lock_prefix + name, self._last_prefix + name]
        reply = await self._call(self._try_lock(keys=keys, args=[owner, ms, self._memory_ms]))
        if reply is None:
            return None
        last = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
        state, _, last_owner = last.partition("|")
        if state not in ("h", "r") or last_owner == owner:
            return NOBODY_BEFORE
        return Taken(last_owner, released=state == "r")

    async def renew_lock(self, name: str, owner: str, lease: float) -> bool:
        ms = max(1, round(lease * 1000))
        reply = await self._call(self._renew(keys=[self._lock_prefix + name], args=[owner, ms]))
        return bool(reply)

    async def unlock(self, name: str, owner: str) -> None:
        keys = [self._lock_prefix + name, self._last_prefix + name]
        await self._call(self._unlock(keys=keys, args=[owner, self._memory_ms]))
