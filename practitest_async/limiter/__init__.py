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
    Held,
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
    "Held",
    "Limiter",
    "LimiterStats",
    "RateLimit",
    "SharedLimiter",
    "SupportsLock",
    "budget_key",
    "cache_directory",
    "close_limiter",
    "default_store_url",
    "make_limiter",
    "open_limiter",
    "open_store",
]

LOCAL = "local"


def make_limiter(
    spec: str | Limiter | None,
    rate_limit: RateLimit | None = None,
    key: str = "default",
    *,
    label: str = "PractiTest",
    setting: str = "PRACTITEST_LIMITER",
) -> Limiter:
    """The limiter for a ``limiter=`` setting.

    - ``None`` or ``""``: the default, a :class:`SharedLimiter` on a SQLite file per budget
      ``key`` in the user's cache directory (:func:`default_store_url`); if that file cannot
      be used, the process paces on its own (with a warning).
    - ``"local"``: :class:`AccountLimiter`, this process alone.
    - ``"sqlite:///PATH"``, ``"redis://HOST:PORT/DB"``, ``"rediss://..."``: a
      :class:`SharedLimiter` on that store; an unreachable store is a ConfigurationError.
    - a :class:`Limiter`: used as it is.

    ``label`` names the service in log lines ("Xray rate limit hit (429)"), ``setting`` the
    variable that chooses the limiter (named when the default file cannot be used). Neither
    changes the budget: ``key`` alone names it.
    """
    if spec is not None and not isinstance(spec, str):
        return spec
    text = (spec or "").strip()
    if not text:
        return SharedLimiter(
            default_store_url(key),
            rate_limit,
            key=key,
            fallback_on_open=True,
            label=label,
            setting=setting,
        )
    if text.lower() == LOCAL:
        return AccountLimiter(rate_limit, label=label)
    return SharedLimiter(text, rate_limit, key=key, label=label, setting=setting)


async def open_limiter(limiter: Limiter) -> None:
    """Reach a limiter's store now, if it has one (a shared budget that cannot be reached fails
    here, with a clear :class:`~practitest_async.errors.ConfigurationError`)."""
    opener = getattr(limiter, "open", None)
    if opener is not None:
        await opener()


async def close_limiter(limiter: Limiter) -> None:
    """Stop a limiter's background work and close its store's connection, if it has them."""
    closer = getattr(limiter, "aclose", None)
    if closer is not None:
        await closer()
