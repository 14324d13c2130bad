"""Who is calling (§2): ``PTToken`` header, HTTP Basic with the token as password, or
``api_token`` in the query. Anything else is 401."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from practitest_async.testing.config import EmulatorConfig, TokenGrant
from practitest_async.testing.errors import ApiError


def _basic_password(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, "the Authorization header is not valid HTTP Basic") from None
    _, colon, password = decoded.partition(":")
    return password if colon else None


def basic_user(headers: Mapping[str, str]) -> str | None:
    """The user name of an HTTP Basic ``Authorization`` header (for the request log)."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The token the request carries, in the order header, Basic, query."""
    if "PTToken" in headers:
        return headers["PTToken"]
    if "Authorization" in headers:
        password = _basic_password(headers["Authorization"])
        if password:
            return password
        raise ApiError(401, "HTTP Basic needs the API token as the password")
    if "api_token" in query:
        return query["api_token"]
    raise ApiError(401, "no API token: send PTToken, HTTP Basic, or api_token")


def authenticate(
    config: EmulatorConfig, headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[str, TokenGrant]:
    token = presented_token(headers, query)
    grant = config.grant_for(token)
    if grant is None:
        raise ApiError(401, "the API token is wrong")
    return token, grant
