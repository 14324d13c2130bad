"""``FakeXray``: Xray Server/DC or Xray Cloud on 127.0.0.1, written from the reference
(``shared/reference/xray-api.md``), sharing no request code with the client.

Served: Cloud ``POST /api/v2/authenticate`` (a quoted JWT with ``exp``) and Bearer JWT auth;
Server Basic and Bearer PAT auth; ``POST …/import/execution`` (Xray JSON, both flavors'
shapes and response documents); Jira's ``GET /rest/api/2/search`` (Server) and Cloud GraphQL
``getTestExecutions`` / ``getTestRuns`` for finding an execution by a word of its description;
Server's Test Run read-back ``GET /rest/raven/<v>/api/testrun`` and ``…/api/testexec/<key>/test``;
a fixed window of ``limit`` calls per ``window`` seconds for the instance (429; Cloud sends no
``Retry-After``, Server sends Jira's headers when ``rate_limit_headers``); 413 above ``max_body``.

Faults for tests: ``drop_after_apply`` / ``drop_imports`` (imports applied, then the connection
closed unanswered),
``fail_next`` (statuses answered before applying), ``expire_tokens()`` (Cloud JWTs refused).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal

import attrs
from aiohttp import web

from practitest_async.testing.xray.state import (
    Evidence,
    ExecutionRecord,
    TestRecord,
    TestRunRecord,
    XrayState,
)

from ..serving import LoopbackServer

FakeFlavor = Literal["server", "cloud"]
SERVER_STATUSES = frozenset({"PASS", "FAIL", "TODO", "EXECUTING", "ABORTED"})
CLOUD_STATUSES = frozenset({"PASSED", "FAILED", "TODO", "TO DO", "EXECUTING", "ABORTED"})
TOP_KEYS = frozenset({"testExecutionKey", "info", "tests"})
IMPORT_PATH = re.compile(r"^/rest/raven/(1\.0|2\.0|latest)/import/execution/?$")
TESTRUN_PATH = re.compile(r"^/rest/raven/(1\.0|2\.0|latest)/api/testrun/?$")
EXEC_TESTS_PATH = re.compile(r"^/rest/raven/(1\.0|2\.0|latest)/api/testexec/([A-Z0-9_]+-\d+)/test$")
MARKER_IN_JQL = re.compile(r'(summary|description|text)\s*~\s*"([^"]+)"')
PROJECT_IN_JQL = re.compile(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?')


class Refused(Exception):
    """An answer other than 2xx, decided before anything is applied."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@attrs.define(kw_only=True)
class XrayFakeConfig:
    """How the fake behaves. Windows compress (``window=1.0``) for tests."""

    flavor: FakeFlavor = "server"
    projects: tuple[str, ...] = ("CALC",)
    limit: int = 300
    window: float = 300.0
    rate_limit_headers: bool = True  # Server only: Jira DC's Retry-After and X-RateLimit-*
    max_body: int = 100 * 1024 * 1024
    jwt_ttl: float = 24 * 3600.0
    username: str = "jira-user"
    password: str = "jira-password-" + "x" * 8
    pat: str = "pat-" + "p" * 24
    client_id: str = "CLIENTID0123456789ABCDEF"
    client_secret: str = "secret-" + "s" * 40
    custom_statuses: tuple[str, ...] = ()
    import_delay: float = 0.0  # seconds before an import is applied
    reimport_evidence: Literal["replace", "append"] = "replace"
    clock: Callable[[], float] = time.time


@attrs.define
class XrayRequest:
    """One request as the fake saw it (never its Authorization header)."""

    time: float
    method: str
    path: str
    size: int
    status: int = 0
    body: Any = None
    auth: str = "none"  # "basic", "pat", "jwt", "none"


class FakeXray(LoopbackServer):
    """``async with FakeXray(XrayFakeConfig(flavor="cloud")) as fake:`` then use ``fake.url``."""

    def __init__(
        self, config: XrayFakeConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(host, port)
        self.config = config or XrayFakeConfig()
        self.state = XrayState(projects=set(self.config.projects))
        self.log: list[XrayRequest] = []
        self.drop_after_apply = 0  # the next N imports are applied, then left unanswered
        self.drop_imports: set[int] = set()  # these imports (1 = the first) likewise
        self.fail_next: list[int] = []  # statuses for the next imports, before applying
        self._applied = 0
        self._signing_key = secrets.token_bytes(32)
        self._revoked_before = 0.0
        self._window: tuple[int, int] = (-1, 0)

    # -- serving ---------------------------------------------------------------------------------

    what = "fake Xray"
    cancel_on_disconnect = False  # an import goes on when its client gives up, as on Jira

    def make_app(self) -> web.Application:
        """The fake's app: every path goes to one handler."""
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    # -- what tests read -------------------------------------------------------------------------

    @property
    def imports(self) -> list[XrayRequest]:
        """Import requests, whatever their answer."""
        return [r for r in self.log if "/import/execution" in r.path]

    def calls_in_any_window(self, window: float | None = None) -> int:
        """The most requests that arrived within any ``window`` seconds."""
        span = self.config.window if window is None else window
        times = sorted(r.time for r in self.log)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= span:
                start += 1
            best = max(best, end - start + 1)
        return best

    def expire_tokens(self) -> None:
        """Every JWT issued so far is refused from now on (as when it expires)."""
        self._revoked_before = self.config.clock() + 1e-6

    def credentials(self) -> dict[str, str]:
        """Keyword arguments for a client of this fake."""
        c = self.config
        if c.flavor == "cloud":
            return {"client_id": c.client_id, "client_secret": c.client_secret}
        return {"token": c.pat}

    # -- pipeline --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        rec = XrayRequest(self.config.clock(), request.method, request.path, len(raw))
        self.log.append(rec)
        try:
            self._admit()
            rec.auth = self._authenticate(request, raw)
            if len(raw) > self.config.max_body:
                raise Refused(413, {"error": "Request Entity Too Large"})
            status, body = await self._route(request, raw, rec)
        except Refused as exc:
            rec.status = exc.status
            return web.json_response(exc.body, status=exc.status, headers=exc.headers)
        except _Dropped:
            rec.status = -1
            return web.Response()
        rec.status = status
        return web.json_response(body, status=status)

    def _admit(self) -> None:
        c = self.config
        now = c.clock()
        index = math.floor(now / c.window)
        current, calls = self._window
        calls = calls + 1 if current == index else 1
        self._window = (index, calls)
        if calls <= c.limit:
            return
        headers: dict[str, str] = {}
        if c.flavor == "server" and c.rate_limit_headers:
            wait = (index + 1) * c.window - now
            headers = {
                "Retry-After": str(max(1, math.ceil(wait))) if c.window >= 1 else f"{wait:.3f}",
                "X-RateLimit-Limit": str(c.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Interval-Seconds": f"{c.window:g}",
                "X-RateLimit-FillRate": str(c.limit),
            }
        raise Refused(429, {"error": "Too many requests"}, headers)

    def _authenticate(self, request: web.Request, raw: bytes) -> str:
        c = self.config
        header = request.headers.get("Authorization", "")
        if c.flavor == "cloud":
            if request.path == "/api/v2/authenticate":
                return "none"
            if not header.startswith("Bearer ") or not self._valid_jwt(header[7:]):
                raise Refused(401, {"error": "Expired or invalid token"})
            return "jwt"
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:], c.pat):
            return "pat"
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user = password = ""
            if user == c.username and hmac.compare_digest(password, c.password):
                return "basic"
        raise Refused(401, {"errorMessages": ["You are not authenticated."]})

    # -- JWT -------------------------------------------------------------------------------------

    def _issue_jwt(self) -> str:
        def part(value: dict[str, Any]) -> str:
            text = json.dumps(value, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(text).decode().rstrip("=")

        now = self.config.clock()
        claims = {
            "iss": "fake-xray",
            "iat": now,
            "exp": now + self.config.jwt_ttl,
            "jti": secrets.token_hex(6),
        }
        head = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
        sig = hmac.new(self._signing_key, head.encode(), hashlib.sha256).digest()
        return head + "." + base64.urlsafe_b64encode(sig).decode().rstrip("=")

    def _valid_jwt(self, token: str) -> bool:
        try:
            head, payload, sig = token.split(".")
            expected = hmac.new(self._signing_key, f"{head}.{payload}".encode(), hashlib.sha256)
            given = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, binascii.Error):
            return False
        if not hmac.compare_digest(expected.digest(), given):
            return False
        now = self.config.clock()
        return bool(claims["exp"] > now and claims["iat"] >= self._revoked_before)

    # -- routes ----------------------------------------------------------------------------------

    async def _route(self, request: web.Request, raw: bytes, rec: XrayRequest) -> tuple[int, Any]:
        c, path, method = self.config, request.path, request.method
        if c.flavor == "cloud":
            if method == "POST" and path == "/api/v2/authenticate":
                return self._authenticate_cloud(raw)
            if method == "POST" and path.rstrip("/") == "/api/v2/import/execution":
                return await self._import(request, raw, rec)
            if method == "POST" and path == "/api/v2/graphql":
                return 200, self._graphql(_json(raw))
        else:
            if method == "POST" and IMPORT_PATH.match(path):
                return await self._import(request, raw, rec)
            if method == "GET" and path == "/rest/api/2/search":
                return 200, self._search(request.query.get("jql", ""))
            if method == "GET" and TESTRUN_PATH.match(path):
                return 200, self._testrun(request.query)
            if method == "GET" and (m := EXEC_TESTS_PATH.match(path)):
                return 200, self._execution_tests(m.group(2))
        raise Refused(404, {"error": f"no such endpoint: {method} {path}"})

    def _authenticate_cloud(self, raw: bytes) -> tuple[int, Any]:
        body = _json(raw)
        if not isinstance(body, dict) or not {"client_id", "client_secret"} <= body.keys():
            raise Refused(400, {"error": "Wrong request syntax."})
        c = self.config
        if body["client_id"] != c.client_id or not hmac.compare_digest(
            str(body["client_secret"]), c.client_secret
        ):
            raise Refused(401, {"error": "Authentication failed. Invalid client credentials!"})
        return 200, self._issue_jwt()  # a JSON string: the token in quotes

    async def _import(self, request: web.Request, raw: bytes, rec: XrayRequest) -> tuple[int, Any]:
        if self.fail_next:
            status = self.fail_next.pop(0)
            raise Refused(status, {"error": f"injected {status}"})
        doc = _json(raw)
        rec.body = (
            {"testExecutionKey": doc.get("testExecutionKey")} if isinstance(doc, dict) else None
        )
        plan = self._validate(doc)
        if self.config.import_delay:
            await asyncio.sleep(self.config.import_delay)
        answer = self._apply(doc, plan)
        self._applied += 1
        if self.drop_after_apply > 0 or self._applied in self.drop_imports:
            self.drop_after_apply = max(0, self.drop_after_apply - 1)
            if request.transport is not None:
                request.transport.abort()
            raise _Dropped
        return 200, answer

    # -- validation (everything checked before anything is applied) ------------------------------

    def _validate(self, doc: Any) -> list[str | None]:
        """Check the whole document; returns per test the key of its Test (None: to create)."""
        c = self.config
        if not isinstance(doc, dict):
            raise Refused(400, {"error": "The request body is not valid Xray JSON"})
        unknown = set(doc) - TOP_KEYS
        if unknown:
            raise Refused(400, {"error": f"Unknown properties: {sorted(unknown)}"})
        tests = doc.get("tests")
        if not isinstance(tests, list) or not tests:
            raise Refused(400, {"error": "tests: must have at least 1 item"})
        exec_key = doc.get("testExecutionKey")
        if exec_key is not None and exec_key not in self.state.executions:
            raise Refused(400, {"error": f"Test Execution with key {exec_key} not found"})
        if exec_key is None:
            info = doc.get("info") or {}
            project = info.get("project")
            if project not in self.state.projects:
                if c.flavor == "server":
                    raise Refused(400, {"error": "issuetype: The issue type selected is invalid."})
                raise Refused(400, {"error": f"project: project {project!r} not found"})
            if c.flavor == "cloud" and not info.get("summary"):
                raise Refused(
                    400,
                    {
                        "error": "Error creating Test Execution - Issue create "
                        "failed! - summary: You must specify a summary of the issue."
                    },
                )
        allowed = (SERVER_STATUSES if c.flavor == "server" else CLOUD_STATUSES) | set(
            c.custom_statuses
        )
        evidence_keys = {"evidences", "evidence"} if c.flavor == "server" else {"evidence"}
        wrong_evidence = "evidence" if c.flavor == "server" else "evidences"
        type_key = "testType" if c.flavor == "server" else "type"
        plan: list[str | None] = []
        errors: list[str] = []
        for n, test in enumerate(tests):
            where = f"tests[{n}]"
            if not isinstance(test, dict):
                errors.append(f"{where}: not an object")
                plan.append(None)
                continue
            if test.get("status") not in allowed:
                errors.append(f"{where}.status: status {test.get('status')!r} does not exist")
            if c.flavor == "cloud" and wrong_evidence in test:
                errors.append(f"{where}: unknown property {wrong_evidence!r}")
            for name in evidence_keys & test.keys():
                errors += _check_evidence(test[name], f"{where}.{name}")
            for s, step in enumerate(test.get("steps") or []):
                if step.get("status") not in allowed:
                    errors.append(f"{where}.steps[{s}].status: {step.get('status')!r}")
                for name in evidence_keys & step.keys():
                    errors += _check_evidence(step[name], f"{where}.steps[{s}].{name}")
            key = test.get("testKey")
            if key is not None:
                if key not in self.state.tests and c.flavor == "cloud":
                    errors.append(f"{where}.testKey: Test with key {key} not found")
                plan.append(key)
                continue
            info = test.get("testInfo")
            if not isinstance(info, dict) or info.get(type_key) is None:
                errors.append(f"{where}.testInfo: needs {type_key!r} (or a testKey)")
                plan.append(None)
                continue
            if info.get("projectKey") not in self.state.projects:
                errors.append(f"{where}.testInfo.projectKey: {info.get('projectKey')!r} not found")
            found = self.state.test_by_definition(
                str(info.get("projectKey")), str(info.get("definition"))
            )
            plan.append(found.key if found else None)
        if errors:
            raise Refused(400, {"error": "; ".join(errors[:20])})
        return plan

    # -- applying --------------------------------------------------------------------------------

    def _apply(self, doc: dict[str, Any], plan: list[str | None]) -> dict[str, Any]:
        c, state = self.config, self.state
        exec_key = doc.get("testExecutionKey")
        if exec_key is None:
            info = doc.get("info") or {}
            key, issue_id = state.new_key(info["project"])
            execution = ExecutionRecord(
                key=key,
                id=issue_id,
                project=info["project"],
                summary=info.get("summary") or f"Execution results {key}",
                description=info.get("description") or "",
                version=info.get("version"),
                revision=info.get("revision"),
                test_plan_key=info.get("testPlanKey"),
                environments=list(info.get("testEnvironments") or []),
            )
            state.executions[key] = execution
        else:
            execution = state.executions[exec_key]
        evidence_key = "evidences" if c.flavor == "server" else "evidence"
        success: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for test, planned in zip(doc["tests"], plan, strict=True):
            test_key = planned
            if test_key is None:
                info = test["testInfo"]
                found = state.test_by_definition(info["projectKey"], str(info.get("definition")))
                if found is None:
                    key, issue_id = state.new_key(info["projectKey"])
                    found = TestRecord(
                        key=key,
                        id=issue_id,
                        project=info["projectKey"],
                        summary=str(info.get("summary") or key),
                        test_type=str(info.get("testType") or info.get("type")),
                        definition=None
                        if info.get("definition") is None
                        else str(info["definition"]),
                    )
                    state.add_test(found)
                test_key = found.key
            elif test_key not in state.tests:  # Server: a per-test error, the rest applied
                errors.append({"testKey": test_key, "messages": [f"Test {test_key} not found"]})
                continue
            evidence = [_decode(e) for e in test.get(evidence_key) or test.get("evidence") or []]
            previous = execution.runs.get(test_key)
            if previous is not None and c.reimport_evidence == "append":
                evidence = previous.evidence + evidence
            execution.runs[test_key] = TestRunRecord(
                test_key=test_key,
                status=test["status"],
                comment=test.get("comment"),
                start=test.get("start"),
                finish=test.get("finish"),
                evidence=evidence,
                steps=[
                    {k: v for k, v in s.items() if k not in ("evidence", "evidences")}
                    for s in test.get("steps") or []
                ],
                step_evidence=[
                    [_decode(e) for e in s.get(evidence_key) or s.get("evidence") or []]
                    for s in test.get("steps") or []
                ],
                defects=list(test.get("defects") or []),
                custom_fields=list(test.get("customFields") or []),
                imports=(previous.imports + 1) if previous else 1,
            )
            issue = state.tests[test_key]
            success.append({"id": str(issue.id), "key": issue.key, "self": self._self(issue.id)})
        ref = {"id": str(execution.id), "key": execution.key, "self": self._self(execution.id)}
        if c.flavor == "cloud":
            return ref
        return {"testExecIssue": ref, "testIssues": {"success": success, "error": errors}}

    def _self(self, issue_id: int) -> str:
        if self.config.flavor == "cloud":
            return f"https://fake-jira.atlassian.net/rest/api/2/issue/{issue_id}"
        return f"{self.url}/rest/api/2/issue/{issue_id}"

    # -- reading back ----------------------------------------------------------------------------

    def _find(self, jql: str) -> list[ExecutionRecord]:
        marker = MARKER_IN_JQL.search(jql)
        project = PROJECT_IN_JQL.search(jql)
        found = []
        for e in self.state.executions.values():
            if project and e.project != project.group(1):
                continue
            if marker and marker.group(2) not in (e.summary + " " + e.description).split():
                continue
            found.append(e)
        return found

    def _search(self, jql: str) -> dict[str, Any]:
        found = self._find(jql)
        return {
            "startAt": 0,
            "maxResults": 50,
            "total": len(found),
            "issues": [
                {
                    "id": str(e.id),
                    "key": e.key,
                    "fields": {"summary": e.summary, "description": e.description},
                }
                for e in found[:50]
            ],
        }

    def _graphql(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise Refused(400, {"error": "a GraphQL request needs a query"})
        query, variables = body["query"], body.get("variables") or {}
        if "getTestExecutions" in query:
            found = self._find(str(variables.get("jql", "")))
            limit = int(variables.get("limit", 100))
            return {
                "data": {
                    "getTestExecutions": {
                        "total": len(found),
                        "results": [
                            {"issueId": str(e.id), "jira": {"key": e.key}} for e in found[:limit]
                        ],
                    }
                }
            }
        if "getTestRuns" in query:
            ids = {str(i) for i in variables.get("testExecIssueIds") or []}
            runs = [
                {
                    "status": {"name": r.status},
                    "comment": r.comment,
                    "test": {"jira": {"key": r.test_key}},
                    "evidence": [{"filename": ev.filename} for ev in r.evidence],
                }
                for e in self.state.executions.values()
                if str(e.id) in ids
                for r in e.runs.values()
            ]
            limit = int(variables.get("limit", 100))
            start = int(variables.get("start", 0))
            return {
                "data": {
                    "getTestRuns": {
                        "total": len(runs),
                        "start": start,
                        "results": runs[start : start + limit],
                    }
                }
            }
        raise Refused(400, {"errors": [{"message": "unsupported query in the fake"}]})

    def _testrun(self, query: Any) -> dict[str, Any]:
        execution = self.state.executions.get(query.get("testExecIssueKey", ""))
        run = execution.runs.get(query.get("testIssueKey", "")) if execution else None
        if run is None:
            raise Refused(404, {"error": "Test Run not found"})
        return {
            "status": run.status,
            "comment": run.comment,
            "startedOn": run.start,
            "finishedOn": run.finish,
            "defects": run.defects,
            "evidences": [
                {"fileName": ev.filename, "fileSize": len(ev.data), "mimeType": ev.content_type}
                for ev in run.evidence
            ],
        }

    def _execution_tests(self, key: str) -> list[dict[str, Any]]:
        execution = self.state.executions.get(key)
        if execution is None:
            raise Refused(404, {"error": f"Test Execution {key} not found"})
        return [
            {
                "id": self.state.tests[k].id if k in self.state.tests else 0,
                "key": k,
                "status": r.status,
                "rank": n + 1,
            }
            for n, (k, r) in enumerate(execution.runs.items())
        ]


class _Dropped(Exception):
    pass


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, {"error": "The request body is not valid JSON"}) from None


def _check_evidence(items: Any, where: str) -> list[str]:
    if not isinstance(items, list):
        return [f"{where}: must be a list"]
    errors = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not {"data", "filename"} <= item.keys():
            errors.append(f"{where}[{n}]: needs data and filename")
            continue
        try:
            base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            errors.append(f"{where}[{n}].data: not base64")
    return errors


def _decode(item: dict[str, Any]) -> Evidence:
    return Evidence(
        filename=str(item["filename"]),
        content_type=str(item.get("contentType") or "application/octet-stream"),
        data=base64.b64decode(item["data"]),
    )
