"""The request pipeline: log, authenticate, rate-limit, route, inject faults, handle, answer.

Every request under ``/api/`` is logged and counted, whatever its outcome. Handlers are
synchronous, so a change is applied whole or not at all even when the client disconnects.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from aiohttp import web

from practitest_async.testing.auth import authenticate, basic_user
from practitest_async.testing.config import EmulatorConfig, TokenGrant
from practitest_async.testing.context import Call, Reply
from practitest_async.testing.errors import ApiError, error_document, not_found
from practitest_async.testing.faults import (
    ANSWER_FAULTS,
    NO_FAULT,
    FaultDecision,
    FaultInjector,
    mangled_body,
)
from practitest_async.testing.ratelimit import FixedWindowLimiter
from practitest_async.testing.records import Project
from practitest_async.testing.router import Match, Router
from practitest_async.testing.routes import ROUTES
from practitest_async.testing.stats import RequestRecord, Stats
from practitest_async.testing.storage import STORAGE_PREFIX, serve_blob
from practitest_async.testing.store import Store
from practitest_async.testing.validate import Invalid

TOO_MANY = "Too Many Requests -- You're requesting too many resources! Slow down!"
GATEWAY_PAGE = "<html><body><h1>{status} {reason}</h1></body></html>"


class Dropped(Exception):
    """Raised to end a request without any answer (the connection is already closed)."""


class Emulator:
    """One emulator's state and pipeline; ``FakePractiTest`` serves it over HTTP."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.store = Store.from_config(config)
        self.stats = Stats(config.window)
        self.limiter = FixedWindowLimiter(config.limit, config.window, config.window_alignment)
        self.injector = FaultInjector(config.faults)
        self.router = Router(ROUTES)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(STORAGE_PREFIX):
            return serve_blob(self.store, request.path)
        raw = await request.read()
        rec = RequestRecord(
            time=self.config.clock(),
            method=request.method,
            path=request.path,
            query=dict(request.query),
            body=_loose_json(raw),
            basic_user=basic_user(request.headers),
        )
        self.stats.record(rec)
        try:
            reply = await self._process(request, rec, raw)
        except Dropped:
            return web.Response()  # the transport is closed; nothing reaches the client
        rec.status = reply.status
        return to_response(reply)

    async def _process(self, request: web.Request, rec: RequestRecord, raw: bytes) -> Reply:
        rec.route = self.router.template_of(request.path)
        self.stats.count_route(f"{request.method} {rec.route or request.path}")
        decision = NO_FAULT
        try:
            grant = self._admit(request, rec)
            match = self._route(request)
            decision = self.injector.decide(request.method, request.path, rec.route)
            rec.fault = None if decision.kind == "none" else decision.kind
            if self.injector.faults.too_large(raw):
                rec.fault = "too_large"
                raise ApiError(413, "request entity too large")
            await self._before_apply(request, decision)
            call = self._call(request, grant, match, raw)
            if decision.kind == "apply_late":  # queued: applied later, whatever the client does
                late = self.injector.faults.late_apply_after
                asyncio.get_running_loop().call_later(late, match.route.handler, call)
                await asyncio.sleep(late)
                _drop(request)
            reply = match.route.handler(call)
        except ApiError as exc:
            reply = error_reply(exc)
        except Invalid as exc:  # a handler that checked outside collect(): still a 422
            reply = error_reply(ApiError(422, exc.title))
        if decision.kind == "drop_after_apply":
            _drop(request)
        if decision.kind in ANSWER_FAULTS and reply.status < 400:
            body, raw_body = mangled_body(decision.kind, reply.body)
            reply = Reply(status=200, body=body, raw=raw_body, content_type=_answer_type(raw_body))
        return reply

    def _admit(self, request: web.Request, rec: RequestRecord) -> TokenGrant:
        _, grant = authenticate(self.config, request.headers, request.query)
        rec.account = grant.account_id
        admission = self.limiter.admit(grant.account_id, rec.time)
        if not admission.allowed:
            raise self._too_many(admission.retry_after)
        return grant

    def _too_many(self, retry_after: float) -> ApiError:
        self.stats.rate_limited += 1
        headers = {}
        if self.config.retry_after_header:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        limit = f"(limit: {self.config.limit} calls per {self.config.window:g} s per account)"
        return ApiError(429, f"{TOO_MANY} {limit}", headers=headers)

    def _route(self, request: web.Request) -> Match:
        match = self.router.resolve(request.method, request.path)
        accept = request.headers.get("Accept", "*/*")
        if match.route.is_json and not _accepts_json(accept):
            raise ApiError(406, f"Accept {accept!r} excludes JSON; this API only speaks JSON")
        return match

    async def _before_apply(self, request: web.Request, decision: FaultDecision) -> None:
        if decision.delay > 0:
            await asyncio.sleep(decision.delay)
        if decision.kind == "error":
            raise ApiError(decision.status or 500, "injected server error")
        if decision.kind == "rate_limited":
            raise self._too_many(self.config.window)
        if decision.kind == "drop_before_apply":
            _drop(request)
        if decision.kind == "timeout":
            await asyncio.sleep(self.config.timeout_fault_seconds)
            raise ApiError(504, "injected timeout")

    def _call(self, request: web.Request, grant: TokenGrant, match: Match, raw: bytes) -> Call:
        project = self._project(grant, match.params["p"]) if "p" in match.params else None
        return Call(
            store=self.store,
            config=self.config,
            grant=grant,
            params=match.params,
            query=request.query,
            body=self._body(request, raw),
            url=request.url,
            project_or_none=project,
            method=request.method,
        )

    def _project(self, grant: TokenGrant, project_id: int) -> Project:
        project = self.store.projects.get(project_id)
        if project is None or not self.store.can_see(grant, project):
            raise not_found("project", project_id)
        return project

    def _body(self, request: web.Request, raw: bytes) -> Any:
        if not raw.strip():
            return None
        if self.config.require_json_content_type and request.content_type != "application/json":
            raise ApiError(
                400, f"Content-Type must be application/json, not {request.content_type!r}"
            )
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"the request body is not valid JSON: {exc}") from None


def _answer_type(raw: bytes | None) -> str:
    return "text/html" if raw else "application/json"


def _drop(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()
    raise Dropped


def _accepts_json(accept: str) -> bool:
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(t in ("*/*", "application/*", "") or "json" in t for t in types)


def _loose_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def error_reply(exc: ApiError) -> Reply:
    if exc.status in (413, 502, 504):  # what a gateway in front of the API would send: HTML
        page = GATEWAY_PAGE.format(status=exc.status, reason=_reason(exc.status))
        return Reply(
            status=exc.status, raw=page.encode(), content_type="text/html", headers=exc.headers
        )
    return Reply(status=exc.status, body=error_document(exc.titles), headers=exc.headers)


def _reason(status: int) -> str:
    reasons = {413: "Request Entity Too Large", 502: "Bad Gateway", 504: "Gateway Time-out"}
    return reasons.get(status, "Error")


def to_response(reply: Reply) -> web.Response:
    if reply.raw is not None:
        return web.Response(
            status=reply.status,
            body=reply.raw,
            headers=reply.headers,
            content_type=reply.content_type,
        )
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    return web.Response(
        status=reply.status,
        text=json.dumps(reply.body),
        content_type="application/json",
        headers=reply.headers,
    )
