"""``XrayClient``: one Xray instance (Server/Data Center or Cloud), its budget and its uploads."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ..batch.report import ProgressCallback
from ..batch.results import RunResult, Status
from ..errors import ConfigurationError
from ..limiter import Limiter, RateLimit, make_limiter
from ..redaction import host_and_port
from ..session import OwnsSession
from ..transport import RetryPolicy, Secret, check_base_url
from .journal import XrayJournal
from .transport import Credentials, XrayTransport, bounded_timeout
from .uploader import ChunkRule, ExecutionInfo, XrayPlan, XrayReport, XrayUploader
from .wire import FLAVORS, Flavor, WireOptions, status_table

CLOUD_HOST_SUFFIX = "xray.cloud.getxray.app"
CLOUD_URL = "https://xray.cloud.getxray.app"
STANDARD_CALLS = 300  # Xray Cloud Standard: 300 calls per 5 minutes
ENTERPRISE_CALLS = 1000  # Xray Cloud Enterprise: 1,000 per 5 minutes
WINDOW = 300.0


def cloud_rate_limit(*, enterprise: bool = False, period: float = WINDOW) -> RateLimit:
    """Xray Cloud's documented budget (pass ``period`` to compress it in tests)."""
    calls = ENTERPRISE_CALLS if enterprise else STANDARD_CALLS
    return RateLimit(calls=calls, period=period, latency_margin=min(1.0, period / 100))


def detect_flavor(base_url: str) -> Flavor:
    """Cloud for Xray's Cloud hosts (global and regional), Server/DC otherwise."""
    host = (urlsplit(base_url).hostname or "").lower()
    return (
        "cloud" if host == CLOUD_HOST_SUFFIX or host.endswith("." + CLOUD_HOST_SUFFIX) else "server"
    )


def api_root(base_url: str) -> str:
    """The site's root, from a URL that may already name the API (``…/api/v2``,
    ``…/rest/raven/2.0``): the client adds those paths itself."""
    return re.sub(r"/(api/v[12]|rest/raven/[^/]+)/*$", "", base_url.strip().rstrip("/"))


def budget_key(
    base_url: str, flavor: Flavor, client_id: str | None, configured: str | None = None
) -> str:
    """The shared budget's key: one per Xray instance (a Cloud API key belongs to one; a
    Server/DC instance is its host and port). Never a secret: Cloud's client id is hashed, and
    only the URL's host and port are read (never a user name or password written into it).

    ``configured`` (``limiter_key=``, ``XRAY_LIMITER_KEY``) names the budget instead, for
    several API keys of one Cloud instance (whether Xray counts per instance or per key is not
    documented); it is prefixed ``xray:``, so it never names a PractiTest budget."""
    if configured and configured.strip():
        return f"xray:{configured.strip()}"
    if flavor == "cloud":
        digest = hashlib.sha256((client_id or "").encode()).hexdigest()[:16]
        return f"xray:cloud:{digest}"
    return f"xray:server:{host_and_port(base_url)}"


LIMITER_SETTING = "XRAY_LIMITER"


def make_xray_limiter(limiter: Limiter | str | None, rate_limit: RateLimit, key: str) -> Limiter:
    """THE one place a limiter setting becomes a Limiter for Xray: PractiTest's
    :func:`~practitest_async.limiter.make_limiter`, with Xray's budget ``key`` and label.

    None (the default) shares the budget among every process of this host through a SQLite file
    per budget key in the user's cache directory, as PractiTest's does (falling back to pacing
    this process alone, with a warning, when that file cannot be used); ``"local"`` paces this
    process alone; ``"sqlite:///PATH"`` or ``"redis://HOST:PORT/DB"`` share it through that
    store (an unreachable one is a ConfigurationError); a Limiter object is used as it is.
    """
    return make_limiter(limiter, rate_limit, key, label="Xray", setting=LIMITER_SETTING)


class XrayClient(OwnsSession[XrayTransport]):
    """A client of one Xray instance. ``async with XrayClient(...) as xray:``.

    Server/DC: ``token`` (a Personal Access Token, sent as Bearer) or ``username`` + ``password``
    (Basic). Cloud: ``client_id`` + ``client_secret`` (exchanged for a JWT, cached, renewed once
    on 401). ``flavor=None`` picks Cloud for ``*.xray.cloud.getxray.app`` and Server otherwise.
    ``rate_limit`` defaults to Cloud Standard's 300 calls per 300 s (pass
    ``cloud_rate_limit(enterprise=True)`` for 1,000), on both flavors: Server has no Xray limit,
    and Jira's own limit is met by its headers. ``limiter`` (else ``XRAY_LIMITER`` in
    :meth:`from_env`): by default every process of this host shares the instance's budget
    through a SQLite file in the user's cache directory; ``"redis://host:port/db"`` shares it
    across machines, ``"sqlite:///path"`` names the file, ``"local"`` paces this process alone,
    or pass a Limiter (see :func:`make_xray_limiter`). The budget is named by
    :func:`budget_key`, one per Xray instance, separate from PractiTest's; ``limiter_key``
    names it instead (the API keys of one Cloud instance given one name share one budget).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        flavor: Flavor | None = None,
        rate_limit: RateLimit | None = None,
        limiter: Limiter | str | None = None,
        limiter_key: str | None = None,
        timeout: float | aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        status_map: Mapping[Status | str, str] | None = None,
    ) -> None:
        base_url = check_base_url(api_root(base_url))  # a clear error before anything reads it
        flavor = flavor or detect_flavor(base_url)
        if flavor not in FLAVORS:
            raise ConfigurationError(f"flavor must be 'server', 'cloud' or None, not {flavor!r}")
        if flavor == "cloud" and not (client_id and client_secret):
            raise ConfigurationError("Xray Cloud needs client_id and client_secret (an API key)")
        if flavor == "server" and not token and not (username and password):
            raise ConfigurationError(
                "Xray Server/DC needs a Personal Access Token (token) or username and password"
            )
        self.flavor: Flavor = flavor
        self.rate_limit = rate_limit or cloud_rate_limit()
        self.budget_key = budget_key(base_url, flavor, client_id, limiter_key)
        self.limiter = make_xray_limiter(limiter, self.rate_limit, self.budget_key)
        self._owns_limiter = self.limiter is not limiter  # made here: opened and closed here
        self.statuses = status_table(flavor, status_map)
        credentials = Credentials(
            token=Secret(token) if token else None,
            username=username,
            password=Secret(password) if password else None,
            client_id=client_id,
            client_secret=Secret(client_secret) if client_secret else None,
        )
        self.transport = XrayTransport(
            base_url=base_url,
            flavor=flavor,
            credentials=credentials,
            limiter=self.limiter,
            retry=(retry or RetryPolicy()).capped_for(self.rate_limit),
            timeout=bounded_timeout(timeout),
            session=session,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> XrayClient:
        """A client from ``XRAY_BASE_URL``, ``XRAY_TOKEN``, ``XRAY_USERNAME``, ``XRAY_PASSWORD``,
        ``XRAY_CLIENT_ID``, ``XRAY_CLIENT_SECRET``, ``XRAY_FLAVOR``, ``XRAY_LIMITER``,
        ``XRAY_LIMITER_KEY``."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"XRAY_{name}", "").strip()
            return value or None

        base_url = overrides.pop("base_url", None) or get("BASE_URL")
        if base_url is None:
            client_id = get("CLIENT_ID")
            if client_id is None:
                raise ConfigurationError("set XRAY_BASE_URL (your Jira URL, or Xray Cloud's)")
            base_url = CLOUD_URL
        options: dict[str, Any] = {
            "token": get("TOKEN"),
            "username": get("USERNAME"),
            "password": get("PASSWORD"),
            "client_id": get("CLIENT_ID"),
            "client_secret": get("CLIENT_SECRET"),
            "flavor": get("FLAVOR"),
            "limiter": get("LIMITER"),
            "limiter_key": get("LIMITER_KEY"),
        }
        options.update({k: v for k, v in overrides.items() if v is not None})
        return cls(base_url, **options)

    def __repr__(self) -> str:
        return f"XrayClient({self.transport.base_url!r}, flavor={self.flavor!r})"

    def uploader(
        self,
        *,
        project_key: str,
        test_execution_key: str | None = None,
        test_plan_key: str | None = None,
        summary: str | None = None,
        description: str | None = None,
        version: str | None = None,
        revision: str | None = None,
        environments: Iterable[str] = (),
        journal: XrayJournal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        chunks: ChunkRule | None = None,
        concurrency: int = 2,
        extras: Callable[[RunResult], Mapping[str, Any] | None] | None = None,
        comment_limit: int = 30_000,
        reconcile_attempts: int = 3,
        reconcile_delay: float = 2.0,
        expected_results: int = 0,
    ) -> XrayUploader:
        """``async with xray.uploader(project_key=...) as up: await up.add(result)``.

        ``extras(result)`` returns Xray JSON fields merged into that result's ``tests[]``
        entry (``defects``, ``executedBy``, ``assignee``, ``customFields``…).
        """
        return XrayUploader(
            self.transport,
            project_key=project_key,
            wire=WireOptions(
                flavor=self.flavor,
                project_key=project_key,
                statuses=self.statuses,
                comment_limit=comment_limit,
            ),
            test_execution_key=test_execution_key,
            info=ExecutionInfo(
                summary=summary,
                description=description,
                version=version,
                revision=revision,
                test_plan_key=test_plan_key,
                environments=tuple(environments),
            ),
            journal=journal,
            progress=progress,
            chunks=chunks,
            concurrency=concurrency,
            extras=extras,
            reconcile_attempts=reconcile_attempts,
            reconcile_delay=reconcile_delay,
            expected_results=expected_results,
        )

    async def upload_results(
        self,
        results: Iterable[RunResult] | AsyncIterable[RunResult],
        *,
        project_key: str,
        test_execution_key: str | None = None,
        test_plan_key: str | None = None,
        summary: str | None = None,
        version: str | None = None,
        revision: str | None = None,
        environments: Iterable[str] = (),
        journal: XrayJournal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        **options: Any,
    ) -> XrayReport:
        """Upload ``results`` into one Test Execution (created unless ``test_execution_key``)."""
        up = self.uploader(
            project_key=project_key,
            test_execution_key=test_execution_key,
            test_plan_key=test_plan_key,
            summary=summary,
            version=version,
            revision=revision,
            environments=environments,
            journal=journal,
            progress=progress,
            **options,
        )
        async with up:
            if isinstance(results, AsyncIterable):
                async for result in results:
                    await up.add(result)
            else:
                for result in results:
                    await up.add(result)
        return up.report

    async def plan_upload(
        self,
        results: Iterable[RunResult],
        *,
        project_key: str,
        test_execution_key: str | None = None,
        journal: XrayJournal | str | os.PathLike[str] | None = None,
        chunks: ChunkRule | None = None,
        **options: Any,
    ) -> XrayPlan:
        """What :meth:`upload_results` would send; sends nothing (reads the journal only)."""
        up = self.uploader(
            project_key=project_key,
            test_execution_key=test_execution_key,
            journal=journal,
            chunks=chunks,
            **options,
        )
        up.mode = "dry"
        async with up:
            for result in results:
                await up.add(result)
        return XrayPlan(
            project_key=up.project_key,
            test_execution_key=up.report.test_execution_key,
            creates_execution=up.report.test_execution_key is None and up.planned_imports > 0,
            results=up._seen,
            already_uploaded=up.report.already_uploaded,
            imports=up.planned_imports,
            bytes=up.planned_bytes,
            calls=up.planned_imports + (1 if self.flavor == "cloud" else 0),
            calls_per_second=self.rate_limit.sustained_rate,
            burst=self.rate_limit.burst_for(self.rate_limit.calls),
        )
