"""Each error class, from a real emulator answer: never retried, and ``str()`` says what to fix.

Also the pure half of the seam: ``decode_json`` turns (status, body) into data or an error,
tested with plain bytes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import StartEmulator, client_for

from practitest_async import (
    APIError,
    AuthenticationError,
    Client,
    NotFoundError,
    PermissionDeniedError,
    PractiTestError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from practitest_async.errors import decode_json, error_class
from practitest_async.testing import FakePractiTest, TokenGrant, UserSeed

Call = Callable[[Client], Awaitable[Any]]


async def bad_body(client: Client) -> Any:
    return await client.request("POST", "/api/v2/projects/1/tests.json", json=["not", "an object"])


async def unknown_project(client: Client) -> Any:
    return await client.projects.get(999)


async def wrong_method(client: Client) -> Any:
    return await client.request("DELETE", "/api/v2/projects.json")


async def not_json_format(client: Client) -> Any:
    return await client.request("GET", "/api/v2/projects.xml")


async def page_too_big(client: Client) -> Any:
    return await client.request("GET", "/api/v2/projects.json", params={"page[size]": 500})


async def someone_elses_name(client: Client) -> Any:
    # A PAT without impersonation may not create a test in another user's name.
    return await client.tests.create(1, name="login works", author_id=2)


CASES: list[tuple[str, Call, int, type[APIError], str, str]] = [
    ("400", bad_body, 400, ValidationError, "POST /api/v2/projects/1/tests.json", "JSON object"),
    ("404", unknown_project, 404, NotFoundError, "GET /api/v2/projects/999.json", "not found"),
    ("405", wrong_method, 405, APIError, "DELETE /api/v2/projects.json", ""),
    ("406", not_json_format, 406, APIError, "GET /api/v2/projects.xml", "json"),
    ("422", page_too_big, 422, ValidationError, "GET /api/v2/projects.json", "page[size]"),
    (
        "403",
        someone_elses_name,
        403,
        PermissionDeniedError,
        "POST /api/v2/projects/1/tests.json",
        "",
    ),
]


@pytest.mark.parametrize(
    ("call", "status", "cls", "where", "title_part"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_client_errors_are_raised_at_once_and_say_what_went_wrong(
    start_emulator: StartEmulator,
    call: Call,
    status: int,
    cls: type[APIError],
    where: str,
    title_part: str,
) -> None:
    fake = await start_emulator(users=_two_users())
    async with client_for(fake) as client:
        with pytest.raises(cls) as caught:
            await call(client)
        assert client.api_calls == 1
        assert client.transport.stats.retries == 0

    error = caught.value
    assert len(fake.log) == 1  # never retried
    assert fake.log[0].status == status == error.status
    titles = error.titles
    assert titles, "the server's errors[].title is carried"
    assert title_part.lower() in " ".join(titles).lower()
    message = str(error)
    assert message.startswith(f"{where} -> {status} ")
    assert titles[0] in message
    assert error.method == where.split()[0]
    assert error.path == where.split()[1]


async def test_a_wrong_token_is_authentication_error_in_every_auth_mode(
    emulator: FakePractiTest,
) -> None:
    for auth in ("header", "basic", "query"):
        async with client_for(emulator, token="not-the-token", auth=auth) as client:
            with pytest.raises(AuthenticationError) as caught:
                await client.projects.list()
        assert caught.value.status == 401
        assert str(caught.value) == (
            "GET /api/v2/projects.json -> 401 Unauthorized: the API token is wrong"
        )
    assert [r.status for r in emulator.log] == [401, 401, 401]  # one each: never retried


async def test_a_token_of_another_account_does_not_see_the_project(
    start_emulator: StartEmulator,
) -> None:
    tokens = {"other": TokenGrant(account_id=2, kind="account")}
    fake = await start_emulator(tokens=tokens)
    async with client_for(fake) as client:
        with pytest.raises(NotFoundError, match=r"GET /api/v2/projects/1\.json -> 404"):
            await client.projects.get(1)
    assert len(fake.log) == 1


def _two_users() -> Any:
    return (UserSeed(id=1, email="tester@example.com"), UserSeed(id=2, email="other@example.com"))


# --- the pure function: (status, body) -> data or error ---------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, APIError),
        (406, APIError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_decode_json_maps_each_status_to_its_class(status: int, cls: type[APIError]) -> None:
    body = json.dumps({"errors": [{"title": "first"}, {"title": "second"}]}).encode()
    with pytest.raises(cls) as caught:
        decode_json(status, "PUT", "/api/v2/projects/1/tests/5.json", body)
    assert type(caught.value) is cls is error_class(status)
    assert isinstance(caught.value, PractiTestError)
    assert caught.value.titles == ["first", "second"]
    assert str(caught.value).startswith(f"PUT /api/v2/projects/1/tests/5.json -> {status} ")
    assert str(caught.value).endswith(": first; second")


def test_decode_json_falls_back_to_the_raw_text_of_a_non_json_error() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    with pytest.raises(ServerError) as caught:
        decode_json(502, "GET", "/api/v2/projects.json", page)
    assert caught.value.titles == []
    assert "502 Bad Gateway" in str(caught.value)


def test_decode_json_returns_data_and_none_for_an_empty_body() -> None:
    assert decode_json(200, "GET", "/x.json", b'{"data": []}') == {"data": []}
    assert decode_json(204, "DELETE", "/x.json", b"") is None
    with pytest.raises(APIError, match="not JSON"):
        decode_json(200, "GET", "/x.json", b"<html>")
