"""The HTTP seam for Xray: auth per flavor (Basic, PAT, Cloud JWT), the limiter, 429/413, timeouts.

Generic pieces come from PractiTest's transport (``Secret``, ``redact``, ``scrub_exception``,
``check_base_url``, ``RetryPolicy``) and errors (``make_api_error``, ``OutcomeUnknownError``);
what is Xray's own lives here: the Cloud token exchange, Jira's ``X-RateLimit-*`` headers and
the 413 that splits a chunk.

Rules: a request is sent only after ``limiter.acquire()``; a 429 calls ``limiter.penalise``
with Jira's ``Retry-After`` (or the refill time its ``X-RateLimit-*`` headers give) or ``None``
(a whole window); a POST that may have reached the server is never re-sent here (the uploader
decides, see :mod:`.uploader`); a 401 on Cloud renews the JWT once and sends again (a 401 was
not applied).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs

from ..errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    OutcomeUnknownError,
    RedirectError,
    RetryAfterTooLongError,
    TransportError,
    decode_json,
    make_api_error,
)
from ..limiter import Limiter
from ..transport import (
    RetryPolicy,
    Secret,
    check_base_url,
    redact,
    redirect_target,
    retry_after,
    scrub_exception,
)
from .wire import Flavor

log = logging.getLogger("practitest_async.xray")

USER_AGENT = "practitest-async/0.1 (xray)"
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
JWT_FALLBACK_TTL = 23 * 3600.0  # Cloud says 24 h; renew an hour early when exp is unreadable
JWT_RENEW_MARGIN = 60.0
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=900, connect=15, sock_connect=15, sock_read=300)
"""Imports of big chunks take minutes (reference §4.3); bounded, never None."""


class PayloadTooLargeError(APIError):
    """413: the import body is above what the server takes; the uploader splits the chunk."""


def bounded_timeout(timeout: float | aiohttp.ClientTimeout | None) -> aiohttp.ClientTimeout:
    """A timeout that always ends: seconds mean the whole request (reads up to all of it)."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, (int, float)):
        if timeout <= 0:
            raise ConfigurationError(f"timeout must be positive, not {timeout!r}")
        return aiohttp.ClientTimeout(
            total=float(timeout), connect=min(15.0, timeout), sock_read=float(timeout)
        )
    if timeout.total is None and timeout.sock_read is None:
        raise ConfigurationError("timeout must bound the request (total or sock_read), not None")
    return timeout


@attrs.define
class XrayStats:
    """Calls that reached the wire, for reports, benchmarks and tests."""

    calls: int = 0
    by_route: Counter[str] = attrs.field(factory=Counter)
    bytes_sent: int = 0
    rate_limited: int = 0
    renewals: int = 0
    retries: int = 0


@attrs.frozen(kw_only=True)
class Credentials:
    """What authenticates: Basic (username + password), a PAT (token), or Cloud's API key."""

    token: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(s for s in (self.token, self.password, self.client_secret) if s is not None)


def jwt_expiry(token: str, now: float) -> float:
    """When a JWT expires (wall clock seconds), from its ``exp`` claim; 23 h when unreadable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return now + JWT_FALLBACK_TTL


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """How long Jira asks us to wait: ``Retry-After``, else one refill of its token bucket
    (``X-RateLimit-Interval-Seconds`` / ``X-RateLimit-FillRate``); None when it says nothing."""
    wait = retry_after(headers)  # seconds or an HTTP date, read as PractiTest's are
    if wait is not None:
        return wait
    interval = _header_float(headers, "X-RateLimit-Interval-Seconds")
    fill = _header_float(headers, "X-RateLimit-FillRate")
    if interval is not None and fill:
        return interval / fill
    return None


class XrayTransport:
    """One aiohttp session for one Xray instance; shares nothing mutable but the limiter."""

    def __init__(
        self,
        *,
        base_url: str,
        flavor: Flavor,
        credentials: Credentials,
        limiter: Limiter,
        retry: RetryPolicy,
        timeout: aiohttp.ClientTimeout,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.flavor = flavor
        self.credentials = credentials
        self.limiter = limiter
        self.retry = retry
        self.timeout = timeout
        self.stats = XrayStats()
        self._session = session
        self._owns_session = session is None
        self._jwt: Secret | None = None
        self._jwt_expires = 0.0
        self._auth_lock = asyncio.Lock()
        self._not_before = 0.0  # Jira said "no tokens left" on a success: wait before the next
        self._open = False
        self._closed = False

    def __repr__(self) -> str:
        return f"XrayTransport({self.flavor}, {self.base_url!r})"

    def _secrets(self) -> tuple[Secret, ...]:
        extra = (self._jwt,) if self._jwt is not None else ()
        return (*self.credentials.secrets(), *extra)

    def redact(self, text: str) -> str:
        """``text`` without any of our secrets (token, password, client secret, JWT)."""
        return redact(text, *self._secrets())

    def _scrub(self, exc: BaseException) -> BaseException:
        for secret in self._secrets():
            exc = scrub_exception(exc, secret)
        return exc

    async def open(self) -> None:
        if self._closed:
            raise ClientClosedError("this Xray client was closed; create a new one")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        if hasattr(self._session, "_retry_connection"):  # see transport.Transport.open
            self._session._retry_connection = False
        self._open = True

    async def close(self) -> None:
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
        self._open = False
        self._closed = True

    def _live_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this Xray client was closed; create a new one")
        if not self._open or self._session is None:
            raise ClientClosedError("the Xray client is not open: use `async with XrayClient(…)`")
        return self._session

    # -- auth ------------------------------------------------------------------------------------

    async def _authorization(self, *, renew: bool, refused: str | None = None) -> str:
        """The Authorization header. ``renew``: the server refused ``refused`` (401); a new JWT
        is fetched unless another task already replaced that one (one renewal per expiry)."""
        creds = self.credentials
        if self.flavor == "server":
            if creds.token is not None:
                return "Bearer " + creds.token.reveal()
            password = creds.password.reveal() if creds.password is not None else ""
            raw = f"{creds.username or ''}:{password}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        async with self._auth_lock:
            stale = time.time() >= self._jwt_expires - JWT_RENEW_MARGIN
            current = None if self._jwt is None else "Bearer " + self._jwt.reveal()
            if current is None or stale or (renew and refused == current):
                await self._authenticate()
            assert self._jwt is not None
            return "Bearer " + self._jwt.reveal()

    async def _authenticate(self) -> None:
        """Exchange the API key for a JWT (Cloud): one call, through the limiter."""
        creds = self.credentials
        if creds.client_id is None or creds.client_secret is None:
            raise ConfigurationError("Xray Cloud needs client_id and client_secret")
        body = {"client_id": creds.client_id, "client_secret": creds.client_secret.reveal()}
        path = "/api/v2/authenticate"
        pauses = 0
        while True:  # exchanging the key changes nothing on the server: safe to repeat
            status, headers, raw = await self._exchange("POST", path, None, _dump(body), auth=None)
            if status != 429:
                break
            pauses += 1
            self.stats.rate_limited += 1
            if pauses > self.retry.max_rate_limit_pauses:
                raise make_api_error(429, "POST", path, self._clean(raw))
            self.limiter.penalise(self._obeyed_wait("POST", path, headers))
        answer = decode_json(status, "POST", path, self._clean(raw))
        if not isinstance(answer, str) or not answer.strip():
            raise APIError(status=status, method="POST", path=path, titles=["no token returned"])
        token = answer.strip().strip('"')
        self._jwt = Secret(token)
        self._jwt_expires = jwt_expiry(token, time.time())
        self.stats.renewals += 1
        log.info("Xray Cloud: authenticated (token valid until %s)", time.ctime(self._jwt_expires))

    # -- requests --------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        body: bytes | None = None,
    ) -> Any:
        """Send one call and return its decoded JSON (see the module docstring for the rules).

        ``body`` is the JSON already serialized (the uploader measures it); else ``json_body``.
        """
        method = method.upper()
        data = body if body is not None else (_dump(json_body) if json_body is not None else None)
        started = time.monotonic()
        attempt = pauses = 0
        renewed = False
        while True:
            attempt += 1
            auth = await self._authorization(renew=False)
            try:
                status, headers, raw = await self._exchange(method, path, params, data, auth=auth)
            except OutcomeUnknownError:
                raise
            except TransportError as exc:
                delay = self.retry.backoff(attempt)
                if method != "POST" and self.retry.may_retry(attempt, started, delay):
                    self.stats.retries += 1
                    await asyncio.sleep(delay)
                    continue
                raise exc
            if status == 401 and self.flavor == "cloud" and not renewed:
                renewed = True  # an expired JWT: renew once, the refused call was not applied
                log.info("Xray Cloud answered 401: renewing the token once")
                await self._authorization(renew=True, refused=auth)
                continue
            if status == 429:
                pauses += 1
                self.stats.rate_limited += 1
                if pauses > self.retry.max_rate_limit_pauses:
                    raise make_api_error(status, method, path, self._clean(raw))
                self.limiter.penalise(self._obeyed_wait(method, path, headers))
                continue
            if status == 413:
                err = make_api_error(status, method, path, self._clean(raw))
                raise PayloadTooLargeError(
                    status=413, method=method, path=path, titles=err.titles, body=err.body
                )
            if status in RETRYABLE_STATUSES:
                if method == "POST":
                    raise OutcomeUnknownError(method=method, path=path, payload=None, status=status)
                delay = self.retry.backoff(attempt)
                if self.retry.may_retry(attempt, started, delay):
                    self.stats.retries += 1
                    await asyncio.sleep(delay)
                    continue
            self._note_budget(headers)
            if status == 401:
                raise AuthenticationError(
                    status=401, method=method, path=path, body=self._clean(raw).decode()
                )
            return decode_json(status, method, path, self._clean(raw))

    def _obeyed_wait(self, method: str, path: str, headers: Mapping[str, str]) -> float | None:
        """Jira's wait after a 429; longer than ``retry.max_retry_after`` (default three rate
        periods) raises :class:`RetryAfterTooLongError` instead of pausing the whole budget,
        every process sharing it included, for hours."""
        wait = rate_limit_wait(headers)
        cap = self.retry.max_retry_after
        if wait is not None and cap is not None and wait > cap:
            raise RetryAfterTooLongError(method=method, path=path, retry_after=wait, limit=cap)
        return wait

    def _clean(self, raw: bytes) -> bytes:
        return self.redact(raw.decode("utf-8", "replace")).encode()

    def _note_budget(self, headers: Mapping[str, str]) -> None:
        """Jira DC: ``X-RateLimit-Remaining: 0`` with a ``Retry-After`` on a success means the
        bucket is empty: hold the next request that long instead of earning a 429."""
        remaining = _header_float(headers, "X-RateLimit-Remaining")
        wait = retry_after(headers)
        if remaining == 0 and wait:
            if self.retry.max_retry_after is not None:
                wait = min(wait, self.retry.max_retry_after)
            self._not_before = max(self._not_before, time.monotonic() + wait)

    async def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        data: bytes | None,
        *,
        auth: str | None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One request through the limiter; connection failures become our errors."""
        session = self._live_session()
        if (hold := self._not_before - time.monotonic()) > 0:
            await asyncio.sleep(hold)
        await self.limiter.acquire()
        self.stats.calls += 1
        self.stats.by_route[f"{method} {path}"] += 1
        self.stats.bytes_sent += len(data or b"")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth is not None:
            headers["Authorization"] = auth
        try:
            async with session.request(
                method,
                self.base_url + path,
                params=dict(params or {}),
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,  # aiohttp would re-send the body (Cloud's secret) there
            ) as resp:
                status, answer_headers, raw = resp.status, resp.headers, await resp.read()
                here = resp.url
        except (TimeoutError, aiohttp.ClientError) as exc:
            cause = self._scrub(exc)
            never_left = isinstance(
                exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
            )
            if method == "POST" and not never_left:
                raise OutcomeUnknownError(
                    method=method, path=path, payload=None, cause=cause
                ) from cause
            raise TransportError(method=method, path=path, cause=cause) from cause
        location = answer_headers.get("Location")
        if status in REDIRECT_STATUSES and location:
            target = redirect_target(here, location, status, method).origin()
            why = (
                "not followed: Xray's API does not redirect (check XRAY_BASE_URL)"
                if target == here.origin()
                else "another origin; not followed, so the credentials never leave the instance"
            )
            raise RedirectError(
                status=status, method=method, path=path, target=str(target), why=why
            )
        return status, answer_headers, raw


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
