"""Rate limiting that keeps an account under PractiTest's per-window call limit.

- :mod:`.local`: :class:`AccountLimiter`, one process's pacing, and the arithmetic every limiter
  here keeps (its docstring: why pacing, the latency margin, 429 and AIMD).
- :mod:`.shared`: :class:`SharedLimiter`, one budget for every process of an account, kept in a
  SQLite file (one host; the default) or Redis (many machines).
- :func:`make_limiter`: what ``Client(limiter=...)``, ``PRACTITEST_LIMITER``, ``--limiter`` and
  ``--practitest-limiter`` accept.
"""

from __future__ import annotations

from .local import (
    DECREASE_FACTOR,
    AccountLimiter,
    Limiter,
    LimiterStats,
    RateLimit,
    SupportsLock,
)
from .shared import SharedLimiter, open_store
from .store import budget_key, cache_directory, default_store_url

__all__ = [
    "DECREASE_FACTOR",
    "AccountLimiter",
    "Limiter",
    "LimiterStats",
    "RateLimit",
    "SharedLimiter",
    "SupportsLock",
    "budget_key",
    "cache_directory",
    "default_store_url",
    "make_limiter",
    "open_store",
]

LOCAL = "local"


def make_limiter(
    spec: str | Limiter | None, rate_limit: RateLimit | None = None, key: str = "default"
) -> Limiter:
    """The limiter for a ``limiter=`` setting.

    - ``None`` or ``""``: the default, a :class:`SharedLimiter` on a SQLite file per budget
      ``key`` in the user's cache directory (:func:`default_store_url`); if that file cannot
      be used, the process paces on its own (with a warning).
    - ``"local"``: :class:`AccountLimiter`, this process alone.
    - ``"sqlite:///PATH"``, ``"redis://HOST:PORT/DB"``, ``"rediss://..."``: a
      :class:`SharedLimiter` on that store; an unreachable store is a ConfigurationError.
    - a :class:`Limiter`: used as it is.
    """
    if spec is not None and not isinstance(spec, str):
        return spec
    text = (spec or "").strip()
    if not text:
        return SharedLimiter(default_store_url(key), rate_limit, key=key, fallback_on_open=True)
    if text.lower() == LOCAL:
        return AccountLimiter(rate_limit)
    return SharedLimiter(text, rate_limit, key=key)
