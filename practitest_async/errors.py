"""The exception tree, and the pure function that turns an HTTP answer into data or one of them.

Every error the SDK raises is a :class:`PractiTestError`. Errors that come from an HTTP answer
carry the method, the path (never the query string, which may hold a token), the status, the
server's ``errors[].title`` list and a truncated body, so ``str(error)`` tells a person what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

BODY_EXCERPT = 500

_REASONS = {
    200: "OK",
    201: "Created",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class PractiTestError(Exception):
    """Base class of every error raised by practitest_async."""


class ConfigurationError(PractiTestError, ValueError):
    """The client was set up wrongly (missing token, insecure URL, bad setting)."""


class ClientClosedError(PractiTestError, RuntimeError):
    """The client was used before ``async with`` / after ``aclose()``."""


class APIError(PractiTestError):
    """PractiTest answered with an error status."""

    def __init__(
        self,
        *,
        status: int,
        method: str,
        path: str,
        titles: Sequence[str] = (),
        body: str = "",
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.titles = list(titles)
        self.body = body[:BODY_EXCERPT]
        super().__init__(self._describe())

    def _describe(self) -> str:
        reason = _REASONS.get(self.status, "HTTP error")
        text = f"{self.method} {self.path} -> {self.status} {reason}"
        if self.titles:
            return f"{text}: " + "; ".join(self.titles)
        if self.body:
            return f"{text}: {self.body}"
        return text


class AuthenticationError(APIError):
    """401: the token is wrong or missing."""


class PermissionDeniedError(APIError):
    """403: the token may not do this (plan, PAT permissions, corporate-only feature)."""


class NotFoundError(APIError):
    """404: no such project or entity (check the system id, not the display id)."""


class ValidationError(APIError):
    """400 / 422: the request's parameters are wrong or missing; see ``titles``."""


class RateLimitError(APIError):
    """429 still answered after the rate-limit pauses this request was allowed."""


class RetryAfterTooLongError(RateLimitError):
    """429 with a ``Retry-After`` longer than the client is allowed to wait
    (``RetryPolicy.max_retry_after``, ``PRACTITEST_MAX_RETRY_AFTER``; default three rate periods).

    The request is not retried, and until that time has passed the client sends nothing: every
    request raises this at once, so an upload fails its remaining results as rate-limited
    instead of sleeping for hours.
    """

    def __init__(self, *, method: str, path: str, retry_after: float, limit: float) -> None:
        self.retry_after = retry_after
        self.limit = limit
        super().__init__(
            status=429,
            method=method,
            path=path,
            titles=[
                f"rate-limited: the server asked to wait {retry_after:.0f} s (Retry-After), "
                f"longer than the {limit:.0f} s this client waits (max_retry_after, "
                "PRACTITEST_MAX_RETRY_AFTER); not sent, not waiting"
            ],
        )


class RedirectError(APIError):
    """A redirect the client does not follow: to another origin (the credentials must never
    leave the API's own origin), or one that would change the method of a write.

    ``target`` is the origin it pointed at (scheme, host and port; never its path or query,
    which may repeat the token).
    """

    def __init__(self, *, status: int, method: str, path: str, target: str, why: str) -> None:
        self.target = target
        super().__init__(
            status=status, method=method, path=path, titles=[f"redirect to {target}: {why}"]
        )


class ResponseDecodeError(APIError):
    """A 2xx answer the client cannot read: not JSON, empty where a document was due, or not
    the shape the API documents. Never taken to mean "nothing there"."""


class ServerError(APIError):
    """5xx on a request that is safe to retry, after every retry was spent."""


class TransportError(PractiTestError):
    """The request did not get an HTTP answer (connection refused or dropped, timeout)."""

    def __init__(self, *, method: str, path: str, cause: BaseException) -> None:
        self.method = method
        self.path = path
        self.cause = cause
        super().__init__(f"{method} {path} failed: {_describe(cause)}")


class CircuitOpenError(TransportError):
    """Several requests in a row got no HTTP answer: the server is taken as gone.

    The transport stops sending (it raises this at once instead of waiting out another timeout)
    until ``cooldown`` has passed; the uploader fails the remaining results quickly with this as
    their cause. ``cause`` is the last transport failure seen.
    """

    def __init__(self, *, method: str, path: str, cause: BaseException, failures: int) -> None:
        super().__init__(method=method, path=path, cause=cause)
        self.failures = failures
        self.args = (
            f"{method} {path} not sent: the last {failures} requests got no answer "
            f"(last: {_describe(cause)}); "
            "the server is taken as unreachable",
        )


def _describe(exc: BaseException) -> str:
    """``TimeoutError``, or ``ClientConnectorError: Cannot connect to ...``."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class OutcomeUnknownError(PractiTestError):
    """A POST may or may not have been applied: it was sent, then no clear answer came back.

    It is never re-sent blindly. ``payload`` is the JSON body that was sent, so the caller can
    read the server's state (e.g. the runs of those instances) before deciding to send again.
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        payload: Any,
        status: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.payload = payload
        self.status = status
        self.cause = cause
        why = f"HTTP {status}" if status is not None else type(cause).__name__
        super().__init__(
            f"{method} {path}: outcome unknown ({why}); the request may have been applied, "
            "so it was not re-sent"
        )


_BY_STATUS: Mapping[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class(status: int) -> type[APIError]:
    """The exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


def error_titles(body: bytes) -> list[str]:
    """The ``errors[].title`` strings of an error body, or [] when it has none."""
    try:
        decoded = json.loads(body)
    except ValueError:
        return []
    errors = decoded.get("errors") if isinstance(decoded, dict) else None
    if not isinstance(errors, list):
        return []
    titles: list[str] = []
    for item in errors:
        if isinstance(item, dict) and item.get("title") is not None:
            titles.append(str(item["title"]))
    return titles


def make_api_error(status: int, method: str, path: str, body: bytes) -> APIError:
    """Build the right :class:`APIError` subclass for an error answer."""
    return error_class(status)(
        status=status,
        method=method,
        path=path,
        titles=error_titles(body),
        body=body.decode("utf-8", "replace"),
    )


def decode_json(status: int, method: str, path: str, body: bytes) -> Any:
    """Turn a final HTTP answer into decoded JSON, or raise the matching error.

    Pure (no I/O), so it is tested with plain bytes. An empty 2xx body decodes to ``None``;
    a body that is not JSON raises :class:`ResponseDecodeError`.
    """
    if status >= 400:
        raise make_api_error(status, method, path, body)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ResponseDecodeError(
            status=status,
            method=method,
            path=path,
            titles=[f"response is not JSON: {exc}"],
            body=body.decode("utf-8", "replace"),
        ) from exc
