"""The client: one aiohttp session, one limiter, and the services reached as attributes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Iterable, Mapping, Sized
from typing import Any

import aiohttp

from .batch.cache import IdCache
from .batch.journal import Journal
from .batch.report import ProgressCallback, UploadPlan, UploadReport
from .batch.results import RunResult
from .batch.uploader import Uploader
from .batch.writer import DryWriter
from .environment import EU, US, client_options, read_settings
from .errors import ConfigurationError
from .limiter import (
    Limiter,
    RateLimit,
    budget_key,
    make_limiter,
)
from .services import Services, TokenKind
from .session import OwnsSession
from .transport import DEFAULT_TIMEOUT, AuthMode, RetryPolicy, Secret, Transport

__all__ = ["EU", "US", "Client"]


class Client(OwnsSession[Transport], Services):
    """An async PractiTest API v2 client.

    ::

        async with Client(token) as client:
            async for run in client.runs.list(project_id, set_ids=[7]):
                ...

    ``rate_limit`` describes the account's limit (default 30 calls per 60 s). ``limiter``: by
    default every process of one budget on this host shares it through a SQLite file in the
    user's cache directory; ``"redis://host:port/db"`` shares it across machines,
    ``"sqlite:///path"`` names the file, ``"local"`` paces this process alone, or pass a
    :class:`Limiter`. The budget is named by ``limiter_key`` (else ``PRACTITEST_LIMITER_KEY``,
    else the base URL and a hash of the token): two tokens of one account share a budget only
    when they are given the same key.
    With an account token (it has no user of its own) pass ``token_kind="account"`` and
    ``author_id=`` (the user that creates are made as): creates that need a user then raise
    :class:`ConfigurationError` before sending when none is named.
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
        limiter: Limiter | str | None = None,
        limiter_key: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        author_id: int | None = None,
        token_kind: TokenKind = "personal",
    ) -> None:
        if not token or not token.strip():
            raise ConfigurationError("a PractiTest API token is required (it was empty)")
        if isinstance(timeout, (int, float)):
            timeout = aiohttp.ClientTimeout(total=timeout, connect=min(10.0, timeout))
        self.rate_limit = rate_limit or RateLimit()
        key = budget_key(base_url, token, limiter_key or os.environ.get("PRACTITEST_LIMITER_KEY"))
        self.limiter: Limiter = make_limiter(limiter, self.rate_limit, key)
        self._owns_limiter = self.limiter is not limiter  # made here: closed by aclose()
        self.author_id = author_id
        self.token_kind = token_kind
        self.transport = Transport(
            token=Secret(token.strip()),
            base_url=base_url,
            auth=auth,
            email=email,
            limiter=self.limiter,
            retry=(retry or RetryPolicy()).capped_for(self.rate_limit),
            timeout=timeout,
            session=session,
        )
        super().__init__(self.transport, author_id=author_id, token_kind=token_kind)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Client:
        """A client configured from ``PRACTITEST_*`` environment variables.

        ``PRACTITEST_TOKEN`` (required; or ``PRACTITEST_TOKEN_FILE``), ``PRACTITEST_BASE_URL``,
        ``PRACTITEST_EMAIL``, ``PRACTITEST_AUTH`` (header, basic or query),
        ``PRACTITEST_RATE_LIMIT`` (calls per minute), ``PRACTITEST_TOKEN_KIND`` (personal or
        account), ``PRACTITEST_LIMITER`` (local, sqlite:///PATH or redis://HOST:PORT/DB) and
        ``PRACTITEST_LIMITER_KEY`` (the budget's name, e.g. the account's).
        Keyword arguments override the environment.
        """
        options = dict(overrides)
        token, values = read_settings({}, environ=environ, pyproject={})
        token, arguments = client_options(options.pop("token", token), values)
        arguments.update(options)
        return cls(token, **arguments)

    def __repr__(self) -> str:
        t = self.transport
        return f"Client(base_url={t.base_url!r}, auth={t.auth!r}, limiter={self.limiter!r})"

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

    # --- uploading results (the batch layer) --------------------------------------------------

    def uploader(
        self,
        project_id: int,
        *,
        test_set: str | int,
        create_missing: bool = True,
        version: str | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        raise_on_failure: bool = True,
        cache: IdCache | str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> Uploader:
        """A streaming uploader for a harness that reports as tests finish::

            async with client.uploader(project_id, test_set="Nightly") as up:
                await up.add(RunResult("login works", Status.PASSED))
            print(up.report.summary())

        ``add`` returns at once while there is room; full requests go out in the background;
        leaving the block sends the rest and waits. Failed results raise :class:`UploadError`
        on exit unless ``raise_on_failure=False``. ``cache`` (an :class:`IdCache` or a file
        path; off by default) remembers set, test and instance ids for the next upload, which
        then reads nothing it remembers.
        """
        return Uploader(
            self,
            self.transport,
            self.limiter,
            project_id,
            test_set=test_set,
            create_missing=create_missing,
            version=version,
            journal=journal,
            progress=progress,
            raise_on_failure=raise_on_failure,
            cache=cache,
            **options,
        )

    async def upload_results(
        self,
        project_id: int,
        results: Iterable[RunResult] | AsyncIterable[RunResult],
        *,
        test_set: str | int,
        create_missing: bool = True,
        version: str | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        cache: IdCache | str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> UploadReport:
        """Upload any number of results as runs, with the fewest calls, exactly once (with a
        journal). Returns the :class:`UploadReport`; failures are in ``report.failed`` (it
        never raises for them: ``raise_on_failure`` is the streaming uploader's)."""
        options.pop("raise_on_failure", None)
        if isinstance(results, Sized):
            options.setdefault("expected_results", len(results))
        up = self.uploader(
            project_id,
            test_set=test_set,
            create_missing=create_missing,
            version=version,
            journal=journal,
            progress=progress,
            raise_on_failure=False,
            cache=cache,
            **options,
        )
        await _feed(up, results)
        return up.report

    async def plan_upload(
        self,
        project_id: int,
        results: Iterable[RunResult] | AsyncIterable[RunResult],
        *,
        test_set: str | int,
        create_missing: bool = True,
        journal: Journal | str | os.PathLike[str] | None = None,
        cache: IdCache | str | os.PathLike[str] | None = None,
    ) -> UploadPlan:
        """Dry run: which calls of which kind an upload would make, and the time they need at
        the configured rate. Reads (set, instances, tests) are made; nothing is written."""
        up = self.uploader(
            project_id,
            test_set=test_set,
            create_missing=create_missing,
            journal=journal,
            raise_on_failure=False,
            dry_run=True,
            cache=cache,
        )
        await _feed(up, results)
        assert isinstance(up.writer, DryWriter)
        report = up.report
        return UploadPlan(
            project_id=project_id,
            set_id=report.set_id,
            set_exists=up.writer.calls["create set"] == 0,
            results=report.total,
            already_uploaded=report.already_uploaded,
            calls=dict(up.writer.calls),
            lookup_calls=report.api_calls,
            failures=report.failed,  # not copied: past 1,000 they wait in a temporary file
            calls_per_second=_calls_per_second(self.limiter),
            fatal_error=report.fatal_error,
        )


async def _feed(up: Uploader, results: Iterable[RunResult] | AsyncIterable[RunResult]) -> None:
    """Add every result, then wait for the uploader to finish."""
    async with up:
        if isinstance(results, AsyncIterable):
            async for result in results:
                await up.add(result)
        else:
            for result in results:
                await up.add(result)


def _calls_per_second(limiter: Limiter) -> float:
    rate_limit = getattr(limiter, "rate_limit", None)
    return rate_limit.sustained_rate if isinstance(rate_limit, RateLimit) else 0.0
