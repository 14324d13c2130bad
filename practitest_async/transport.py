"""The HTTP seam: one aiohttp session, auth, the limiter, retries, timeouts and error mapping.

Every API call of every service goes through :meth:`Transport.request`. Resources never see
aiohttp objects; they get decoded JSON or a :class:`~practitest_async.errors.PractiTestError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import attrs
from yarl import URL

from .errors import (
    CircuitOpenError,
    ClientClosedError,
    ConfigurationError,
    OutcomeUnknownError,
    RedirectError,
    ResponseDecodeError,
    RetryAfterTooLongError,
    TransportError,
    decode_json,
    make_api_error,
)
from .limiter import Limiter, RateLimit
from .redaction import Secret, basic_credentials, credential_secrets, redact, redact_url

__all__ = [
    "AUTH_MODES",
    "DEFAULT_TIMEOUT",
    "AuthMode",
    "RetryPolicy",
    "Secret",
    "Transport",
    "TransportStats",
    "redact",
]

log = logging.getLogger("practitest_async")

AuthMode = Literal["header", "basic", "query"]
AUTH_MODES: tuple[AuthMode, ...] = ("header", "basic", "query")
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
RETRYABLE_METHODS = frozenset({"GET", "PUT", "DELETE", "PATCH"})
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10, sock_connect=10)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
CREDENTIAL_PARAMS = frozenset({"api_token", "developer_email"})
USER_AGENT = "practitest-async/0.1"


def scrub_exception(exc: BaseException, *secrets: Secret) -> BaseException:
    """``exc`` (and the exceptions it chains) with the token taken out of their messages.

    aiohttp puts the whole URL in some messages ("Connection timeout to host http://...?
    api_token=..."), and a traceback prints every chained message. When a message cannot be
    cleaned in place, a RuntimeError with the cleaned text stands in for it.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a, *secrets) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__
    text = f"{exc}\n{exc!r}"
    if redact(text, *secrets) == text:
        return exc
    stand_in = RuntimeError(f"{type(exc).__name__}: {redact(str(exc), *secrets)}")
    stand_in.__suppress_context__ = True
    return stand_in


def redact_links(body: Any, *secrets: Secret) -> Any:
    """A list answer with the token taken out of its ``links``: with query auth PractiTest
    repeats ``api_token`` in every link, and the caller may print them."""
    if isinstance(body, dict) and isinstance(body.get("links"), dict):
        body["links"] = {
            k: redact(v, *secrets) if isinstance(v, str) else v for k, v in body["links"].items()
        }
    return body


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to retry a request that failed in a way that is safe to repeat.

    GET/PUT/DELETE/PATCH are retried on 500/502/503/504, connection errors and timeouts, with
    exponential backoff and full jitter, at most ``max_attempts`` times and ``max_elapsed`` seconds
    in all. POST is never re-sent once its body may have reached the server. A 429 is not an
    error but a pause; a request survives ``max_rate_limit_pauses`` of them, each at most
    ``max_retry_after`` seconds: a longer ``Retry-After`` raises
    :class:`~practitest_async.errors.RetryAfterTooLongError` at once (None: three periods of
    the client's rate limit).

    Circuit breaker: after ``circuit_failures`` requests in a row got no HTTP answer (connection
    refused or dropped, timeout), the transport sends nothing for ``circuit_cooldown`` seconds:
    every request raises :class:`~practitest_async.errors.CircuitOpenError` at once instead of
    waiting out another timeout. After the cool-down one request probes; any HTTP answer closes
    the circuit.
    """

    max_attempts: int = 5
    max_elapsed: float = 120.0
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_rate_limit_pauses: int = 10
    max_retry_after: float | None = None
    circuit_failures: int = 5
    circuit_cooldown: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    def capped_for(self, rate_limit: RateLimit) -> RetryPolicy:
        """This policy, with the longest Retry-After obeyed defaulting to three rate periods."""
        if self.max_retry_after is not None:
            return self
        capped: RetryPolicy = attrs.evolve(self, max_retry_after=3 * rate_limit.period)
        return capped

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
    try:
        parts = urlsplit(base_url)
    except ValueError as exc:  # "Invalid IPv6 URL"
        raise ConfigurationError(f"base_url {redact_url(base_url)!r}: {exc}") from None
    if parts.username is not None or parts.password is not None:
        # It would be printed wherever the URL is (reprs, messages) and named in budget keys.
        raise ConfigurationError(
            f"base_url {redact_url(base_url)!r} must not hold a user name or password: "
            "credentials are given separately, never in the URL"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, not {redact_url(base_url)!r}")
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


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date); None when absent
    or unreadable (the limiter then pauses a whole period)."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP-date
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable: fall back to a whole period
    return max(0.0, when.timestamp() - time.time())


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
        # Every form of the credentials that must never be printed (token, Basic's base64 of
        # email:token, the email), for error bodies, exception messages and logs.
        self.secrets = credential_secrets(token.reveal(), email)
        self.base_url = check_base_url(base_url)
        self.origin = URL(self.base_url).origin()
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
        self._failures_in_row = 0  # requests that got no HTTP answer, since the last answer
        self._last_failure: BaseException | None = None
        self._circuit_opened = 0.0  # monotonic time of the last failure that kept it open
        self._rate_blocked_until = 0.0  # a Retry-After beyond the cap: send nothing until then

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
            headers["Authorization"] = "Basic " + basic_credentials(self.email, self.token.reveal())
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
            self._check_before_sending(method, path)
            await self.limiter.acquire()
            self._check_before_sending(method, path)  # the wait may have opened the circuit
            self._count(method, path)
            try:
                status, headers, body = await self._send(session, method, url, params, json, raw)
            except (TimeoutError, aiohttp.ClientError) as exc:
                cause = scrub_exception(exc, *self.secrets)
                self._no_answer(cause)
                if method == "POST" and _may_have_reached_server(exc):
                    raise OutcomeUnknownError(
                        method=method, path=path, payload=json, cause=cause
                    ) from cause
                delay = self.retry.backoff(attempt)
                if self.retry.may_retry(attempt, started, delay):
                    await self._pause_before_retry(method, path, delay, repr(cause))
                    continue
                raise TransportError(method=method, path=path, cause=cause) from cause
            self._failures_in_row = 0  # an answer, whatever it says: the server is there
            if status == 429:
                pauses += 1
                self.stats.rate_limited += 1
                if pauses > self.retry.max_rate_limit_pauses:
                    raise make_api_error(status, method, path, self._redact(body))
                wait = retry_after(headers)
                cap = self.retry.max_retry_after
                if wait is not None and cap is not None and wait > cap:
                    self._rate_blocked_until = time.monotonic() + wait
                    raise RetryAfterTooLongError(
                        method=method, path=path, retry_after=wait, limit=cap
                    )
                self.limiter.penalise(wait)
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
                body = self._redact(body)  # an error page may quote the URL or our headers
            answer = decode_json(status, method, path, body)
            if method == "GET" and not isinstance(answer, dict):
                raise ResponseDecodeError(
                    status=status,
                    method=method,
                    path=path,
                    titles=[
                        "expected a JSON object (a JSON:API document), got "
                        + ("an empty body" if answer is None else type(answer).__name__)
                    ],
                    body=self._redact(body).decode("utf-8", "replace"),
                )
            return redact_links(answer, *self.secrets) if self.auth == "query" else answer

    def _check_before_sending(self, method: str, path: str) -> None:
        """Raise instead of sending while the circuit is open or a long Retry-After runs."""
        now = time.monotonic()
        if now < self._rate_blocked_until:
            cap = self.retry.max_retry_after or 0.0
            raise RetryAfterTooLongError(
                method=method, path=path, retry_after=self._rate_blocked_until - now, limit=cap
            )
        if (
            self._failures_in_row >= self.retry.circuit_failures
            and self._last_failure is not None
            and now - self._circuit_opened < self.retry.circuit_cooldown
        ):
            raise CircuitOpenError(
                method=method,
                path=path,
                cause=self._last_failure,
                failures=self._failures_in_row,
            )

    def _no_answer(self, cause: BaseException) -> None:
        self._failures_in_row += 1
        self._last_failure = cause
        if self._failures_in_row >= self.retry.circuit_failures:
            self._circuit_opened = time.monotonic()
        if self._failures_in_row == self.retry.circuit_failures:  # it opens: say it once
            log.warning(
                "%d requests in a row got no answer (last: %s): sending nothing for %.0f s",
                self._failures_in_row,
                redact(repr(cause), *self.secrets),
                self.retry.circuit_cooldown,
            )

    def _redact(self, body: bytes) -> bytes:
        return redact(body.decode("utf-8", "replace"), *self.secrets).encode()

    async def _pause_before_retry(self, method: str, path: str, delay: float, why: str) -> None:
        self.stats.retries += 1
        log.info(
            "retrying %s %s in %.2fs after %s", method, path, delay, redact(why, *self.secrets)
        )
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
        target, query = URL(url), self._params(params)
        for _ in range(MAX_REDIRECTS + 1):
            # Redirects are never left to aiohttp: it would forward PTToken (and with query auth
            # the api_token the Location repeats) to whatever host the Location names.
            async with session.request(
                method,
                target,
                params=query,
                json=json,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            ) as resp:
                answer: tuple[int, Mapping[str, str], bytes] = (
                    resp.status,
                    resp.headers,
                    await resp.read(),
                )
                here = resp.url
            status, answer_headers, _ = answer
            location = answer_headers.get("Location")
            if status not in REDIRECT_STATUSES or not location:
                return answer
            target = redirect_target(here, location, status, method)
            if raw:
                return await self._follow_redirects(session, str(here), answer)
            self._check_redirect(status, method, url, target)
            # Same origin: follow with the query the Location gives, credentials our own.
            target, query = _without_credentials(target), self._params(None)
        cause = RuntimeError(f"more than {MAX_REDIRECTS} redirects")
        raise TransportError(method=method, path=URL(url).path, cause=cause)

    def _check_redirect(self, status: int, method: str, url: str, target: URL) -> None:
        """Refuse a redirect off the API's origin, or one that would turn a write into a GET."""
        path = URL(url).path
        where = str(target.origin())
        if target.origin() != self.origin:
            raise RedirectError(
                status=status,
                method=method,
                path=path,
                target=where,
                why=f"another origin than {self.origin}; not followed, so the credentials "
                "never leave the API's origin",
            )
        if method != "GET" and status not in (307, 308):
            raise RedirectError(
                status=status,
                method=method,
                path=path,
                target=where,
                why=f"a {status} would turn the {method} into a GET; not followed",
            )

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
            target = redirect_target(URL(url), headers["Location"], status, "GET")
            own = target.origin() == self.origin
            if not own:  # the storage host gets no credential, not even one the Location repeats
                target = _without_credentials(target)
            hop_headers = self._headers(has_body=False) if own else {"User-Agent": USER_AGENT}
            hop_headers.pop("Accept", None)
            async with session.get(
                target, headers=hop_headers, timeout=self.timeout, allow_redirects=False
            ) as resp:
                answer = resp.status, resp.headers, await resp.read()
            status, headers, url = resp.status, resp.headers, str(target)
        return answer


def redirect_target(here: URL, location: str, status: int, method: str) -> URL:
    """Where a redirect points (relative to ``here``); an unreadable Location is a
    RedirectError, never a ValueError from deep inside yarl."""
    try:
        target = here.join(URL(location))
        target.origin()
    except ValueError:
        raise RedirectError(
            status=status,
            method=method,
            path=here.path,
            target="an unreadable Location",
            why="not followed",
        ) from None
    return target


def _without_credentials(url: URL) -> URL:
    """``url`` without user info and without ``api_token`` / ``developer_email`` in its query."""
    query = [(k, v) for k, v in url.query.items() if k not in CREDENTIAL_PARAMS]
    return url.with_user(None).with_query(query)


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)


def _may_have_reached_server(exc: BaseException) -> bool:
    """False only when we know the request never left (the connection was never made)."""
    return not isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
