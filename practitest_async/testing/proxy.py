"""A programmable HTTP proxy on loopback, for the answers the emulator itself never gives.

It forwards every request to ``upstream`` (usually a ``FakePractiTest``) and records what
reached it; rules make it answer otherwise for the requests they match: a redirect to another
origin, a canned answer (an empty 200, ``[]``, an error page echoing the request's headers), or
no answer at all (a black hole: the connection is accepted and never answered). Without an
upstream it answers ``200 {}`` to everything: a stand-in for "another host" that records what a
client sent there.

    async with FaultProxy(fake.url) as proxy:
        proxy.redirect("GET", "tests.json", f"{elsewhere.url}/steal", status=302)
        proxy.black_hole_after(5)   # the 6th request on never gets an answer

Like the emulator, it shares no request code with the client.
"""

from __future__ import annotations

import asyncio
from typing import Literal, Self

import aiohttp
import attrs
from aiohttp import web

from practitest_async.testing.faults import target_matches

from .serving import LoopbackServer

Action = Literal["redirect", "reply", "echo_headers", "black_hole"]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}
)


@attrs.frozen
class Arrival:
    """One request as it reached the proxy."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@attrs.define(kw_only=True)
class Rule:
    """Answer requests matching ``method`` ("*" = any) and ``target`` (path suffix or route;
    "*" = any) with ``action``, ``remaining`` times (None: always)."""

    method: str
    target: str
    action: Action
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)
    remaining: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method not in ("*", method):
            return False
        return self.target in ("", "/", "*") or target_matches(self.target, path, None)


class FaultProxy(LoopbackServer):
    """See the module docstring. ``url`` is its base URL; ``log`` what reached it."""

    def __init__(self, upstream: str | None = None, *, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.upstream = upstream.rstrip("/") if upstream else None
        self.log: list[Arrival] = []
        self.rules: list[Rule] = []
        self._hole_after: int | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- rules ----------------------------------------------------------------------------

    def redirect(
        self, method: str, target: str, location: str, *, status: int = 302, count: int | None = 1
    ) -> None:
        """Answer with ``status`` and ``Location: location``."""
        self.rules.append(
            Rule(
                method=method.upper(),
                target=target,
                action="redirect",
                status=status,
                headers={"Location": location},
                remaining=count,
            )
        )

    def reply(
        self,
        method: str,
        target: str,
        *,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        count: int | None = 1,
    ) -> None:
        """Answer with exactly this status, body and headers (nothing reaches upstream)."""
        self.rules.append(
            Rule(
                method=method.upper(),
                target=target,
                action="reply",
                status=status,
                body=body,
                headers=dict(headers or {}),
                remaining=count,
            )
        )

    def echo_headers(
        self, method: str, target: str, *, status: int = 500, count: int | None = None
    ) -> None:
        """Answer with an error page that quotes every request header (as some gateways do)."""
        self.rules.append(
            Rule(
                method=method.upper(),
                target=target,
                action="echo_headers",
                status=status,
                remaining=count,
            )
        )

    def black_hole(self, method: str = "*", target: str = "*", *, count: int | None = None) -> None:
        """Accept matching requests and never answer them."""
        self.rules.append(
            Rule(method=method.upper(), target=target, action="black_hole", remaining=count)
        )

    def black_hole_after(self, requests: int) -> None:
        """Forward the next ``requests`` requests, then answer none at all."""
        self._hole_after = len(self.log) + requests

    # --- lifecycle --------------------------------------------------------------------------

    what = "proxy"

    def make_app(self) -> web.Application:
        """Every path goes to the pipeline."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def start(self) -> Self:
        await super().start()
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await super().close()

    # --- the pipeline -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.log.append(
            Arrival(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
            )
        )
        if self._hole_after is not None and len(self.log) > self._hole_after:
            return await _never()
        rule = next((r for r in self.rules if r.matches(request.method, request.path)), None)
        if rule is not None and rule.remaining is not None:
            rule.remaining -= 1
        if rule is None:
            return await self._forward(request, body)
        if rule.action == "black_hole":
            return await _never()
        if rule.action == "echo_headers":
            quoted = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
            page = f"<html><body><h1>Error {rule.status}</h1><pre>{quoted}</pre></body></html>"
            return web.Response(status=rule.status, text=page, content_type="text/html")
        return web.Response(status=rule.status, body=rule.body, headers=rule.headers)

    async def _forward(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if self.upstream is None or self._session is None:
            return web.json_response({})
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.rel_url.path_qs,
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as answer:
            content = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=answer.status, body=content, headers=kept)


async def _never() -> web.StreamResponse:
    """Hold the request open until the client gives up (the handler is then cancelled)."""
    await asyncio.sleep(24 * 3600)
    return web.Response(status=504)  # pragma: no cover - nobody waits a day
