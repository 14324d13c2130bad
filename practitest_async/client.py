"""The client: one aiohttp session, one limiter, and the services reached as attributes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from .errors import ConfigurationError
from .limiter import AccountLimiter, Limiter, RateLimit
from .services import Services
from .transport import AUTH_MODES, DEFAULT_TIMEOUT, AuthMode, RetryPolicy, Secret, Transport

US = "https://api.practitest.com"
EU = "https://eu1-prod-api.practitest.app"


class Client(Services):
    """An async PractiTest API v2 client.

    ::

        async with Client(token) as client:
            async for run in client.runs.list(project_id, set_ids=[7]):
                ...

    ``rate_limit`` describes the account's limit (default 30 calls per 60 s); pass the same
    ``limiter=`` to several clients of one account so that they share one budget.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = US,
        email: str | None = None,
        auth: AuthMode = "header",
        rate_limit: RateLimit | None = None,
        timeout: float | aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        limiter: Limiter | None = None,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        author_id: int | None = None,
    ) -> None:
        if not token or not token.strip():
            raise ConfigurationError("a PractiTest API token is required (it was empty)")
        if isinstance(timeout, (int, float)):
            timeout = aiohttp.ClientTimeout(total=timeout, connect=min(10.0, timeout))
        self.rate_limit = rate_limit or RateLimit()
        self.limiter: Limiter = limiter or AccountLimiter(self.rate_limit)
        self.author_id = author_id
        self.transport = Transport(
            token=Secret(token.strip()),
            base_url=base_url,
            auth=auth,
            email=email,
            limiter=self.limiter,
            retry=retry or RetryPolicy(),
            timeout=timeout,
            session=session,
        )
        super().__init__(self.transport, author_id=author_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Client:
        """A client configured from ``PRACTITEST_*`` environment variables.

        ``PRACTITEST_TOKEN`` (required), ``PRACTITEST_BASE_URL``, ``PRACTITEST_EMAIL``,
        ``PRACTITEST_AUTH`` (header, basic or query), ``PRACTITEST_RATE_LIMIT`` (calls per minute).
        Keyword arguments override the environment.
        """
        env = os.environ if environ is None else environ
        token = env.get("PRACTITEST_TOKEN", "").strip()
        if not token and "token" not in overrides:
            raise ConfigurationError(
                "PRACTITEST_TOKEN is not set: export your PractiTest API token "
                "(Account Settings -> API Tokens, or a personal API token)"
            )
        kwargs: dict[str, Any] = {}
        if base_url := env.get("PRACTITEST_BASE_URL", "").strip():
            kwargs["base_url"] = base_url
        if email := env.get("PRACTITEST_EMAIL", "").strip():
            kwargs["email"] = email
        if auth := env.get("PRACTITEST_AUTH", "").strip().lower():
            if auth not in AUTH_MODES:
                raise ConfigurationError(
                    f"PRACTITEST_AUTH must be one of {', '.join(AUTH_MODES)}, not {auth!r}"
                )
            kwargs["auth"] = auth
        if rate := env.get("PRACTITEST_RATE_LIMIT", "").strip():
            try:
                kwargs["rate_limit"] = RateLimit(calls=int(rate))
            except ValueError as exc:
                raise ConfigurationError(
                    f"PRACTITEST_RATE_LIMIT must be a whole number of calls per minute >= 2, "
                    f"not {rate!r}"
                ) from exc
        kwargs.update(overrides)
        token = kwargs.pop("token", token)
        return cls(token, **kwargs)

    def __repr__(self) -> str:
        t = self.transport
        return f"Client(base_url={t.base_url!r}, auth={t.auth!r}, limiter={self.limiter!r})"

    async def __aenter__(self) -> Client:
        await self.transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (if the client created it)."""
        await self.transport.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call any endpoint (path starts with ``/api/v2/``) with the client's auth, limiter,
        retries and errors; returns the decoded JSON."""
        return await self.transport.request(method, path, params=params, json=json)

    @property
    def api_calls(self) -> int:
        """How many requests this client has put on the wire (retries and 429s included)."""
        return self.transport.stats.calls
