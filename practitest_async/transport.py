"""The HTTP seam: one aiohttp session, auth, the limiter, retries, timeouts and error mapping.

Every API call of every service goes through :meth:`Transport.request`. Resources never see
aiohttp objects; they get decoded JSON or a :class:`~practitest_async.errors.PractiTestError`.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import aiohttp
import attrs
from yarl import URL

from .errors import (
    ClientClosedError,
    ConfigurationError,
    OutcomeUnknownError,
    TransportError,
    decode_json,
    make_api_error,
)
from .limiter import Limiter

log = logging.getLogger("practitest_async")

AuthMode = Literal["header", "basic", "query"]
AUTH_MODES: tuple[AuthMode, ...] = ("header", "basic", "query")
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
RETRYABLE_METHODS = frozenset({"GET", "PUT", "DELETE", "PATCH"})
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10, sock_connect=10)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
USER_AGENT = "practitest-async/0.1"
# HTTP Basic without an email: the docs take any user name ("any:YOUR_TOKEN"), not an empty one
BASIC_USER = "practitest-async"


class Secret:
    """A token that never shows itself in repr(), str() or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token itself, for the one place that puts it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def redact(text: str, *secrets: Secret | None) -> str:
    """Remove tokens from text that may be printed (URLs with api_token=, error bodies)."""
    text = re.sub(r"(api_token=)[^&\s\"']+", r"\1***", text)
    for secret in secrets:
        if secret is not None and secret.reveal():
            for form in {secret.reveal(), quote(secret.reveal(), safe="")}:
                text = text.replace(form, "***")
    return text


def scrub_exception(exc: BaseException, secret: Secret) -> BaseException:
    """``exc`` (and the exceptions it chains) with the token taken out of their messages.

    aiohttp puts the whole URL in some messages ("Connection timeout to host http://...?
    api_token=..."), and a traceback prints every chained message. When a message cannot be
    cleaned in place, a RuntimeError with the cleaned text stands in for it.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a, secret) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__
    text = f"{exc}\n{exc!r}"
    if redact(text, secret) == text:
        return exc
    stand_in = RuntimeError(f"{type(exc).__name__}: {redact(str(exc), secret)}")
    stand_in.__suppress_context__ = True
    return stand_in


def redact_links(body: Any, secret: Secret) -> Any:
    """A list answer with the token taken out of its ``links``: with query auth PractiTest
    repeats ``api_token`` in every link, and the caller may print them."""
    if isinstance(body, dict) and isinstance(body.get("links"), dict):
        body["links"] = {
            k: redact(v, secret) if isinstance(v, str) else v for k, v in body["links"].items()
        }
    return body


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to retry a request that failed in a way that is safe to repeat.

    GET/PUT/DELETE/PATCH are retried on 500/502/503/504, connection errors and timeouts, with
    exponential backoff and full jitter, at most ``max_attempts`` times and ``max_elapsed`` seconds
    in all. POST is never re-sent once its body may have reached the server. A 429 is not an
    error but a pause; a request survives ``max_rate_limit_pauses`` of them.
    """

    max_attempts: int = 5
    max_elapsed: float = 120.0
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_rate_limit_pauses: int = 10

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    def may_retry(self, attempt: int, started: float, delay: float) -> bool:
        """Whether another attempt fits in the bounds."""
        elapsed = time.monotonic() - started + delay
        return attempt < self.max_attempts and elapsed <= self.max_elapsed


@attrs.define
class TransportStats:
    """Calls that reached the wire, by kind, for reports and tests."""

    calls: int = 0
    by_route: Counter[str] = attrs.field(factory=Counter)
    retries: int = 0
    rate_limited: int = 0


def check_base_url(base_url: str) -> str:
    """Refuse plain http:// unless the host is loopback (the token would travel in clear)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, not {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http:// to {parts.hostname}: the token would travel in clear; "
            "use https:// (http:// is allowed only for loopback hosts such as the emulator)"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _route_of(path: str) -> str:
    """``/api/v2/projects/7/runs.json`` -> ``/api/v2/projects/{id}/runs.json`` for counting."""
    return re.sub(r"/\d+(?=[/.]|$)", "/{id}", path)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: fall back to a whole period


class Transport:
    """Sends requests for one client; shares nothing mutable but the limiter."""

    def __init__(
        self,
        *,
        token: Secret,
        base_url: str,
        auth: AuthMode,
        email: str | None,
        limiter: Limiter,
        retry: RetryPolicy,
        timeout: aiohttp.ClientTimeout,
        session: aiohttp.ClientSession | None,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ConfigurationError(f"auth must be one of {AUTH_MODES}, not {auth!r}")
        self.token = token
        self.base_url = check_base_url(base_url)
        self.auth = auth
        self.email = email
        self.limiter = limiter
        self.retry = retry
        self.timeout = timeout
        self.stats = TransportStats()
        self._session = session
        self._owns_session = session is None
        self._open = False
        self._closed = False

    async def open(self) -> None:
        """Create the session (unless one was given)."""
        if self._closed:
            raise ClientClosedError("this client was closed; create a new one")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        # aiohttp silently re-sends a GET/PUT/DELETE once when a kept-alive connection drops
        # (aio-libs/aiohttp#10790). That second send would bypass the limiter and could apply a
        # PUT twice; our own retry loop does it instead, through the limiter. No public switch
        # exists, so we clear the flag the session reads.
        if hasattr(self._session, "_retry_connection"):
            self._session._retry_connection = False
        self._open = True

    async def close(self) -> None:
        """Close the session if we created it. Safe to call twice."""
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
        self._open = False
        self._closed = True

    def _headers(self, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.auth == "header":
            headers["PTToken"] = self.token.reveal()
        elif self.auth == "basic":
            raw = f"{self.email or BASIC_USER}:{self.token.reveal()}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        return headers

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, str]:
        out = {k: _param_value(v) for k, v in (params or {}).items() if v is not None}
        if self.auth == "query":
            out["api_token"] = self.token.reveal()
            if self.email:
                out["developer_email"] = self.email
        return out

    def _live_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this client was closed; create a new one")
        if not self._open or self._session is None:
            raise ClientClosedError(
                "the client is not open: use `async with Client(...) as client:`"
            )
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        raw: bool = False,
    ) -> Any:
        """Send one API call (through the limiter, with retries) and return the decoded JSON.

        With ``raw=True`` the body is returned as bytes (attachment downloads).
        """
        method = method.upper()
        session = self._live_session()
        url = self.base_url + path
        started = time.monotonic()
        attempt = 0
        pauses = 0
        while True:
            attempt += 1
            await self.limiter.acquire()
            self._count(method, path)
            try:
                status, headers, body = await self._send(session, method, url, params, json, raw)
            except (TimeoutError, aiohttp.ClientError) as exc:
                cause = scrub_exception(exc, self.token)
                if method == "POST" and _may_have_reached_server(exc):
                    raise OutcomeUnknownError(
                        method=method, path=path, payload=json, cause=cause
                    ) from cause
                delay = self.retry.backoff(attempt)
                if self.retry.may_retry(attempt, started, delay):
                    await self._pause_before_retry(method, path, delay, repr(cause))
                    continue
                raise TransportError(method=method, path=path, cause=cause) from cause
            if status == 429:
                pauses += 1
                self.stats.rate_limited += 1
                if pauses > self.retry.max_rate_limit_pauses:
                    raise make_api_error(status, method, path, self._redact(body))
                self.limiter.penalise(_retry_after(headers))
                continue
            if status in RETRYABLE_STATUSES:
                if method == "POST":
                    raise OutcomeUnknownError(method=method, path=path, payload=json, status=status)
                delay = self.retry.backoff(attempt)
                if method in RETRYABLE_METHODS and self.retry.may_retry(attempt, started, delay):
                    await self._pause_before_retry(method, path, delay, f"HTTP {status}")
                    continue
            if raw and status < 400:
                return body
            if status >= 400:
                body = self._redact(body)  # an error page may quote the URL we asked for
            answer = decode_json(status, method, path, body)
            return redact_links(answer, self.token) if self.auth == "query" else answer

    def _redact(self, body: bytes) -> bytes:
        return redact(body.decode("utf-8", "replace"), self.token).encode()

    async def _pause_before_retry(self, method: str, path: str, delay: float, why: str) -> None:
        self.stats.retries += 1
        log.info("retrying %s %s in %.2fs after %s", method, path, delay, redact(why, self.token))
        await asyncio.sleep(delay)

    def _count(self, method: str, path: str) -> None:
        self.stats.calls += 1
        self.stats.by_route[f"{method} {_route_of(path)}"] += 1

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        raw: bool,
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = self._headers(has_body=json is not None)
        if raw:
            headers.pop("Accept")
        async with session.request(
            method,
            url,
            params=self._params(params),
            json=json,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=not raw,
        ) as resp:
            answer: tuple[int, Mapping[str, str], bytes] = (
                resp.status,
                resp.headers,
                await resp.read(),
            )
        if raw:
            answer = await self._follow_redirects(session, str(resp.url), answer)
        return answer

    async def _follow_redirects(
        self, session: aiohttp.ClientSession, url: str, answer: tuple[int, Mapping[str, str], bytes]
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Follow a download's redirects ourselves: the token goes to the API's own origin only,
        never to the storage host a redirect points at (aiohttp would forward PTToken there)."""
        status, headers, _ = answer
        hops = 0
        while status in REDIRECT_STATUSES and headers.get("Location"):
            hops += 1
            if hops > MAX_REDIRECTS:
                cause = RuntimeError(f"more than {MAX_REDIRECTS} redirects")
                raise TransportError(method="GET", path=URL(url).path, cause=cause)
            target = URL(url).join(URL(headers["Location"]))
            own = target.origin() == URL(self.base_url).origin()
            hop_headers = self._headers(has_body=False) if own else {"User-Agent": USER_AGENT}
            hop_headers.pop("Accept", None)
            async with session.get(
                target, headers=hop_headers, timeout=self.timeout, allow_redirects=False
            ) as resp:
                answer = resp.status, resp.headers, await resp.read()
            status, headers, url = resp.status, resp.headers, str(target)
        return answer


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)


def _may_have_reached_server(exc: BaseException) -> bool:
    """False only when we know the request never left (the connection was never made)."""
    return not isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
