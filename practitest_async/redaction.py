"""Keeping credentials out of everything printed: the token, Basic auth's base64 of
``email:token``, and ``developer_email``.

Light on purpose (standard library only): the pytest plugin scrubs its summary line with it
without importing the HTTP stack.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, urlsplit

_QUERY_SECRET = re.compile(r"((?:api_token|developer_email)=)[^&\s\"'<>]+")
_BASIC = re.compile(r"(Basic\s+)([A-Za-z0-9+/]{8,}={0,2})")
MIN_SECRET_CHARS = 6  # no real token is this short; "t" is in every word


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


# HTTP Basic without an email: the docs take any user name ("any:YOUR_TOKEN"), not an empty one
BASIC_USER = "practitest-async"


def basic_credentials(email: str | None, token: str) -> str:
    """The base64 of ``email:token`` that Basic auth sends (``BASIC_USER`` when no email)."""
    return base64.b64encode(f"{email or BASIC_USER}:{token}".encode()).decode()


def credential_secrets(token: str | None, email: str | None = None) -> tuple[Secret, ...]:
    """Every form of the credentials that must not be printed: the token, the base64 of
    ``email:token`` (Basic auth) and the email (``developer_email``)."""
    values = []
    if token:
        values += [token, basic_credentials(email, token)]
    if email:
        values.append(email)
    return tuple(Secret(v) for v in values if len(v) >= MIN_SECRET_CHARS)


def _basic_credentials_redacted(match: re.Match[str]) -> str:
    """``Basic <base64 of user:password>`` -> ``Basic ***``; "Basic authentication" stays."""
    try:
        decoded = base64.b64decode(match[2], validate=True)
    except ValueError:
        return match[0]
    return f"{match[1]}***" if b":" in decoded else match[0]


def redact(text: str, *secrets: Secret | None) -> str:
    """Remove credentials from text that may be printed (URLs with ``api_token=`` or
    ``developer_email=``, ``Authorization: Basic ...`` echoed by an error page, and every form
    of the given secrets, as is and URL-quoted)."""
    text = _QUERY_SECRET.sub(r"\1***", text)
    text = _BASIC.sub(_basic_credentials_redacted, text)
    for secret in secrets:
        if secret is not None and secret.reveal():
            value = secret.reveal()
            for form in {value, quote(value, safe=""), quote(value, safe="@")}:
                text = text.replace(form, "***")
    return text


def host_and_port(url: str) -> str:
    """``host`` or ``host:port`` of a URL (lower case), never its user name or password; ""
    when it has none or cannot be read."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL"
        return ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return host + (f":{port}" if port else "")


def redact_url(url: str) -> str:
    """The URL without user name, password, query or fragment (for errors and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": say only its scheme
        return url.split(":", 1)[0] + "://(an unreadable URL)"
    return parts._replace(netloc=host_and_port(url), query="", fragment="").geturl()
