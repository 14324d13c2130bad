"""The fake Xray itself, through raw HTTP (no client code): shapes and rules of the reference."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

from practitest_async.testing.xray import FakeXray, XrayFakeConfig


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, token: str | None, **kw: Any
) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, headers=headers, **kw) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


def _test(status: str, **extra: Any) -> dict[str, Any]:
    info = {"projectKey": "CALC", "summary": "a.b", "definition": "a.b"}
    return {"testInfo": info, "status": status, **extra}


async def test_cloud_auth_import_search_and_read_back() -> None:
    async with FakeXray(XrayFakeConfig(flavor="cloud")) as fake, aiohttp.ClientSession() as s:
        c = fake.config
        status, _, _ = await _call(s, "POST", fake.url + "/api/v2/authenticate", None, json={})
        assert status == 400
        creds = {"client_id": c.client_id, "client_secret": c.client_secret}
        status, jwt, _ = await _call(s, "POST", fake.url + "/api/v2/authenticate", None, json=creds)
        assert status == 200
        assert jwt.count(".") == 2
        url = fake.url + "/api/v2/import/execution"
        test = _test(
            "PASSED", testInfo={"projectKey": "CALC", "type": "Generic", "definition": "a.b"}
        )
        no_summary = {"info": {"project": "CALC"}, "tests": [test]}
        status, body, _ = await _call(s, "POST", url, jwt, json=no_summary)
        assert status == 400
        assert "summary" in body["error"]
        server_shape = {**test, "evidences": [{"data": "AA==", "filename": "x"}]}
        doc = {"info": {"project": "CALC", "summary": "S", "description": "w ptasyncabc"}}
        status, body, _ = await _call(s, "POST", url, jwt, json={**doc, "tests": [server_shape]})
        assert status == 400  # Cloud's field is "evidence"
        evidence = [{"data": base64.b64encode(b"\x00hi").decode(), "filename": "x.bin"}]
        status, body, _ = await _call(
            s, "POST", url, jwt, json={**doc, "tests": [{**test, "evidence": evidence}]}
        )
        assert status == 200
        assert set(body) == {"id", "key", "self"}
        query = {
            "query": "{ getTestExecutions }",
            "variables": {"jql": 'description ~ "ptasyncabc"', "limit": 5},
        }
        status, found, _ = await _call(s, "POST", fake.url + "/api/v2/graphql", jwt, json=query)
        assert found["data"]["getTestExecutions"]["results"][0]["jira"]["key"] == body["key"]
        runs_q = {"query": "{ getTestRuns }", "variables": {"testExecIssueIds": [body["id"]]}}
        status, runs, _ = await _call(s, "POST", fake.url + "/api/v2/graphql", jwt, json=runs_q)
        (run,) = runs["data"]["getTestRuns"]["results"]
        assert run["status"]["name"] == "PASSED"
        assert run["evidence"] == [{"filename": "x.bin"}]
        status, _, _ = await _call(s, "POST", url, "not.a.jwt", json={**doc, "tests": [test]})
        assert status == 401


async def test_server_import_shape_search_read_back_and_limits() -> None:
    config = XrayFakeConfig(flavor="server", limit=4, window=60.0, max_body=2000)
    async with FakeXray(config) as fake, aiohttp.ClientSession() as s:
        pat = fake.config.pat
        url = fake.url + "/rest/raven/2.0/import/execution"
        test = _test(
            "PASS", testInfo={"projectKey": "CALC", "testType": "Generic", "definition": "a.b"}
        )
        status, body, _ = await _call(s, "POST", url, pat, json={"tests": [test]})
        assert status == 400  # no project: Jira's issuetype error
        doc = {"info": {"project": "CALC", "summary": "S", "description": "ptasyncdef"}}
        status, body, _ = await _call(s, "POST", url, pat, json={**doc, "tests": [test]})
        assert status == 200
        key = body["testExecIssue"]["key"]
        assert body["testIssues"]["success"][0]["key"] == "CALC-2"
        status, found, _ = await _call(
            s,
            "GET",
            fake.url + "/rest/api/2/search",
            pat,
            params={"jql": 'project = CALC AND description ~ "ptasyncdef"'},
        )
        assert [i["key"] for i in found["issues"]] == [key]
        status, run, _ = await _call(
            s,
            "GET",
            fake.url + "/rest/raven/latest/api/testrun",
            pat,
            params={"testExecIssueKey": key, "testIssueKey": "CALC-2"},
        )
        assert run["status"] == "PASS"
        big = {**doc, "tests": [{**test, "comment": "x" * 3000}]}
        status, _, headers = await _call(s, "POST", url, pat, json=big)
        assert status == 429  # the 5th call in the window
        assert headers["X-RateLimit-Remaining"] == "0"
        assert int(headers["Retry-After"]) >= 1
        fake.config.limit = 100
        status, _, _ = await _call(s, "POST", url, pat, json=big)
        assert status == 413
        assert len(fake.state.executions) == 1
