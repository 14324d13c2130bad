"""Results in, Test Runs out: chunked Xray JSON imports into ONE Test Execution, exactly once.

The call plan: results are written as ``tests[]`` entries as they arrive and packed into chunks
bounded by ``max_tests`` and ``max_bytes`` (evidence counted as the base64 it travels as; a Test
appears at most once per chunk). The first chunk creates the Test Execution (unless a key was
given); its key is journaled before any other import leaves, and every later chunk is imported
with ``testExecutionKey``, ``concurrency`` at a time. ``add`` waits when that many are in flight,
so memory is bounded by a few chunks however many results stream in.

Exactly once:

- The creating request carries a marker (``ptasync<nonce>``, the nonce kept in the journal) in
  the execution's description. When its answer is lost (timeout, dropped connection, 5xx) the
  execution is searched for by that marker before anything else: found, its key is journaled and
  the chunk counts as applied; not found (after ``reconcile_attempts`` searches, Jira's index may
  lag), it is sent again. A process that died while creating does the same on its next run.
- A chunk into a known execution whose answer is lost is sent again (at most ``MAX_RESENDS``):
  Xray updates the Test Run of a Test already in an execution (one Test Run per Test), so a
  re-send cannot duplicate a run. Re-sent evidence may be appended (UNCONFIRMED; README).
- A re-run with the same journal skips confirmed results and sends the rest into the same
  execution.
- 413 splits the chunk in halves (a single result still too large fails, with the size).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

import attrs

from ..batch.report import FailedResult, ProgressCallback, UploadEvent
from ..batch.results import RunResult
from ..errors import (
    APIError,
    AuthenticationError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PractiTestError,
    TransportError,
)
from .journal import XrayJournal
from .transport import PayloadTooLargeError, XrayTransport
from .wire import (
    WireOptions,
    entry_size,
    execution_marker,
    identity_of,
    iso,
    run_entry,
    xray_key_of,
)

log = logging.getLogger("practitest_async.xray")

MAX_TESTS = 1000
MAX_BYTES = 8 * 1024 * 1024
MAX_RESENDS = 2
CONCURRENCY = 2  # mikepenz/xray-action learnt that Xray does not take 12 imports at once


@attrs.frozen(kw_only=True)
class ChunkRule:
    """How big one import may be: at most ``max_tests`` entries and ``max_bytes`` of body."""

    max_tests: int = attrs.field(default=MAX_TESTS, validator=attrs.validators.ge(1))
    max_bytes: int = attrs.field(default=MAX_BYTES, validator=attrs.validators.ge(1024))

    def bound(self, results: int, total_bytes: int) -> int:
        """The most imports ``results`` entries of ``total_bytes`` may take (no 413 splits)."""
        return -(-results // self.max_tests) + -(-total_bytes // self.max_bytes) + 1


@attrs.define(kw_only=True)
class XrayReport:
    """What an Xray upload did. ``ok`` when every result became a Test Run."""

    project_key: str
    test_execution_key: str | None = None
    created_execution: bool = False
    uploaded: int = 0
    already_uploaded: int = 0
    failed: list[FailedResult] = attrs.field(factory=list)
    test_keys: dict[str, str] = attrs.field(factory=dict)  # result key -> Test key, when known
    imports: int = 0
    reconciled: int = 0
    api_calls: int = 0
    bytes_sent: int = 0
    rate_limit_pauses: int = 0
    elapsed: float = 0.0
    fatal_error: PractiTestError | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and self.fatal_error is None

    @property
    def total(self) -> int:
        return self.uploaded + self.already_uploaded + len(self.failed)

    def summary(self) -> str:
        again = f", {self.already_uploaded} already uploaded" if self.already_uploaded else ""
        return (
            f"{self.uploaded} uploaded, {len(self.failed)} failed{again} into "
            f"{self.test_execution_key or 'no Test Execution'} in {self.elapsed:.1f}s with "
            f"{self.api_calls} API calls ({self.imports} imports; "
            f"{self.rate_limit_pauses} rate-limit pauses)"
        )


@attrs.frozen(kw_only=True)
class XrayPlan:
    """What an upload would send (``--dry-run``), without sending anything."""

    project_key: str
    test_execution_key: str | None
    creates_execution: bool
    results: int
    already_uploaded: int
    imports: int
    bytes: int
    calls: int  # the imports, plus Cloud's authentication
    calls_per_second: float
    burst: int = 1  # calls the limiter lets through at once from idle

    @property
    def estimated_seconds(self) -> float:
        """Time the budget alone needs for the calls (the server's own time not counted)."""
        paced = max(0, self.calls - self.burst)
        return paced / self.calls_per_second if self.calls_per_second else 0.0

    def summary(self) -> str:
        target = self.test_execution_key or "a new Test Execution"
        return (
            f"{self.results} results ({self.already_uploaded} already uploaded) into {target} "
            f"of {self.project_key}: {self.imports} imports ({self.calls} calls), "
            f"{self.bytes:,} bytes, about "
            f"{self.estimated_seconds:.0f}s at the configured budget"
        )


@attrs.define(eq=False)
class Item:
    result: RunResult
    key: str
    identity: str
    entry: bytes
    test_key: str | None
    done: bool = False  # confirmed or failed


@attrs.define(eq=False)
class Chunk:
    items: list[Item] = attrs.field(factory=list)
    size: int = 0
    identities: set[str] = attrs.field(factory=set)

    def keys(self) -> list[str]:
        return [i.key for i in self.items]


@attrs.frozen(kw_only=True)
class ExecutionInfo:
    """Fields of the Test Execution the first import creates."""

    summary: str | None = None
    description: str | None = None
    version: str | None = None
    revision: str | None = None
    test_plan_key: str | None = None
    environments: tuple[str, ...] = ()


Mode = Literal["live", "dry"]


class XrayUploader:
    """See the module docstring. Use through :meth:`XrayClient.uploader`."""

    def __init__(
        self,
        transport: XrayTransport,
        *,
        project_key: str,
        wire: WireOptions,
        test_execution_key: str | None = None,
        info: ExecutionInfo | None = None,
        journal: XrayJournal | str | os.PathLike[str] | None = None,
        progress: ProgressCallback | None = None,
        chunks: ChunkRule | None = None,
        concurrency: int = CONCURRENCY,
        extras: Callable[[RunResult], Mapping[str, Any] | None] | None = None,
        reconcile_attempts: int = 3,
        reconcile_delay: float = 2.0,
        expected_results: int = 0,
        mode: Mode = "live",
    ) -> None:
        if not project_key or not project_key.strip():
            raise ValueError("project_key is required (the Jira project of the execution)")
        self.transport = transport
        self.project_key = project_key.strip()
        self.wire = wire
        self.info = info or ExecutionInfo()
        self.chunks = chunks or ChunkRule()
        self.concurrency = max(1, concurrency)
        self.extras = extras
        self.reconcile_attempts = max(1, reconcile_attempts)
        self.reconcile_delay = reconcile_delay
        self.mode = mode
        self.progress = progress
        self.expected = expected_results
        self.report = XrayReport(project_key=self.project_key)
        self.report.test_execution_key = test_execution_key
        self._given_execution = test_execution_key
        self._owns_journal = not isinstance(journal, XrayJournal)
        if isinstance(journal, XrayJournal):
            self.journal = journal
        else:
            self.journal = XrayJournal(":memory:" if journal is None else journal)
        self.scope = "|".join(
            [transport.base_url, self.project_key, test_execution_key or "", *self._scope_info()]
        )
        self._chunk = Chunk()
        self._tasks: set[asyncio.Task[None]] = set()
        self._create_lock = asyncio.Lock()
        self._ordinals: dict[str, int] = {}
        self._seen = 0
        self._sent = 0
        self._resuming = False
        self._nonce = ""
        self._started = 0.0
        self._calls_at_start = 0
        self._bytes_at_start = 0
        self._pauses_at_start = 0
        self.planned_imports = 0
        self.planned_bytes = 0

    def _scope_info(self) -> list[str]:
        i = self.info
        return [i.summary or "", i.test_plan_key or "", i.version or "", i.revision or ""]

    @property
    def marker(self) -> str:
        return execution_marker(self._nonce)

    # -- life cycle --------------------------------------------------------------------------

    async def __aenter__(self) -> XrayUploader:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None or issubclass(exc_type, Exception):
                await self.finish()
        finally:
            for task in self._tasks:
                task.cancel()
            if self._owns_journal:
                self.journal.close()

    async def open(self) -> None:
        self._started = time.monotonic()
        stats = self.transport.stats
        self._calls_at_start, self._bytes_at_start = stats.calls, stats.bytes_sent
        self._pauses_at_start = stats.rate_limited
        state = self.journal.upload(self.scope, secrets.token_hex(8))
        self._nonce = state.nonce
        self._resuming = bool(self.journal.counts(self.scope))
        if self._given_execution is None and state.execution_key is not None:
            self.report.test_execution_key = state.execution_key
        elif self._given_execution is None and state.creating and self.mode == "live":
            # A run before us died (or lost the answer) while creating the execution.
            await self._reconcile_creation(in_flight=False)

    async def add(self, result: RunResult) -> None:
        """Queue one result; waits while ``concurrency`` imports are in flight."""
        self._seen += 1
        key = self._key_of(result)
        if self._resuming:
            state = self.journal.states(self.scope, [key]).get(key)
            if state is not None and state[0] == "confirmed":
                self.report.already_uploaded += 1
                if state[1]:
                    self.report.test_keys[key] = state[1]
                return
        extras = self.extras(result) if self.extras is not None else None
        entry = run_entry(result, self.wire, finished=dt.datetime.now(dt.UTC), extras=extras)
        raw = _compact(entry)
        item = Item(result, key, identity_of(result), raw, xray_key_of(result))
        chunk = self._chunk
        full = len(chunk.items) >= self.chunks.max_tests
        too_big = chunk.items and chunk.size + len(raw) + 1 > self._room()
        if full or too_big or item.identity in chunk.identities:
            await self._flush()
            chunk = self._chunk
        chunk.items.append(item)
        chunk.size += len(raw) + 1
        chunk.identities.add(item.identity)

    def _room(self) -> int:
        return self.chunks.max_bytes - 512  # the envelope: info or testExecutionKey

    def _key_of(self, result: RunResult) -> str:
        if result.key:
            return result.key
        n = self._ordinals.get(result.name, 0)
        self._ordinals[result.name] = n + 1
        return f"{result.name}::{n}"

    async def finish(self) -> XrayReport:
        """Send what is buffered, wait for every import, and complete the report."""
        await self._flush()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        stats = self.transport.stats
        self.report.api_calls = stats.calls - self._calls_at_start
        self.report.bytes_sent = stats.bytes_sent - self._bytes_at_start
        self.report.rate_limit_pauses = stats.rate_limited - self._pauses_at_start
        self.report.elapsed = time.monotonic() - self._started
        self._emit("finished")
        return self.report

    # -- dispatch ----------------------------------------------------------------------------

    async def _flush(self) -> None:
        chunk, self._chunk = self._chunk, Chunk()
        if not chunk.items:
            return
        if self.mode == "dry":
            self.planned_imports += 1
            self.planned_bytes += chunk.size + 64
            return
        if self.report.fatal_error is not None:
            self._fail(chunk.items, str(self.report.fatal_error))
            return
        if self.report.test_execution_key is None:
            await self._send_first(chunk)  # nothing else leaves until the execution exists
            return
        while len(self._tasks) >= self.concurrency:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(self._guarded(chunk))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, chunk: Chunk) -> None:
        """Send a chunk in its own task; whatever escapes fails what it left undecided."""
        try:
            await self._send_into(chunk)
        except Exception as exc:  # a task's error must end up in the report
            error = exc if isinstance(exc, PractiTestError) else _unexpected(exc)
            self._stop(error)
            self._fail([i for i in chunk.items if not i.done], str(error), journal=False)

    def _stop(self, exc: PractiTestError) -> None:
        if self.report.fatal_error is None:
            self.report.fatal_error = exc
            log.error("Xray upload stopped: %s", self.transport.redact(str(exc)))

    async def _send_first(self, chunk: Chunk) -> None:
        async with self._create_lock:
            if self.report.test_execution_key is not None:
                await self._send_into(chunk)
                return
            try:
                await self._send_creating(chunk, resends=0)
            except PractiTestError as exc:
                self._stop(exc)
                self._fail([i for i in chunk.items if not i.done], str(exc))

    def _body(self, chunk: Chunk, execution_key: str | None) -> bytes:
        tests = b"[" + b",".join(i.entry for i in chunk.items) + b"]"
        if execution_key is not None:
            head = _compact({"testExecutionKey": execution_key})
        else:
            head = _compact({"info": self._info()})
        return head[:-1] + b',"tests":' + tests + b"}"

    def _info(self) -> dict[str, Any]:
        i = self.info
        summary = i.summary or f"Automated results {iso(dt.datetime.now(dt.UTC))}"
        description = (i.description + "\n\n" if i.description else "") + (
            f"Uploaded by practitest-async; upload marker: {self.marker}"
        )
        info: dict[str, Any] = {
            "project": self.project_key,
            "summary": summary,
            "description": description,
        }
        if i.version:
            info["version"] = i.version
        if i.revision:
            info["revision"] = i.revision
        if i.test_plan_key:
            info["testPlanKey"] = i.test_plan_key
        if i.environments:
            info["testEnvironments"] = list(i.environments)
        return info

    def _import_path(self) -> str:
        if self.wire.flavor == "cloud":
            return "/api/v2/import/execution"
        return "/rest/raven/2.0/import/execution"  # v2: Test Run custom fields need it

    async def _post(self, chunk: Chunk, execution_key: str | None) -> Any:
        self._sent += len(chunk.items)
        self._emit("sent")
        body = self._body(chunk, execution_key)
        answer = await self.transport.request("POST", self._import_path(), body=body)
        self.report.imports += 1
        return answer

    async def _send_creating(self, chunk: Chunk, *, resends: int) -> None:
        self.journal.creating(self.scope, chunk.keys())
        try:
            answer = await self._post(chunk, None)
        except PayloadTooLargeError as exc:
            self.journal.not_created(self.scope)
            await self._split(chunk, exc)
            return
        except OutcomeUnknownError as exc:
            log.warning("creating the Test Execution: %s; looking for it by marker", exc)
            if await self._reconcile_creation():
                for item in chunk.items:
                    item.done = True
                return
            if resends >= MAX_RESENDS:
                raise
            await self._send_creating(chunk, resends=resends + 1)
            return
        except (AuthenticationError, PermissionDeniedError, TransportError):
            self.journal.not_created(self.scope)
            raise
        except APIError as exc:
            self.journal.not_created(self.scope)
            self._fail(chunk.items, str(exc))
            return
        key = _execution_key(answer)
        if key is None:
            raise APIError(
                status=200,
                method="POST",
                path=self._import_path(),
                titles=["the answer names no Test Execution"],
                body=str(answer)[:300],
            )
        self.journal.execution(self.scope, key)  # before any further import
        self.report.test_execution_key = key
        self.report.created_execution = True
        self._confirm(chunk.items, answer)

    async def _reconcile_creation(self, *, in_flight: bool = True) -> bool:
        """Find the execution by marker; True (and journaled) when the creation was applied.

        Results of a creation ``in_flight`` (this run's) count as uploaded now; those of a
        previous run's count as already uploaded when they are added."""
        for attempt in range(self.reconcile_attempts):
            if attempt:
                await asyncio.sleep(self.reconcile_delay)
            key = await self._find_execution()
            if key is not None:
                self.journal.execution(self.scope, key)
                keys = self.journal.confirm_created(self.scope)
                self.report.test_execution_key = key
                self.report.created_execution = True
                self.report.reconciled += len(keys)
                if in_flight:
                    self.report.uploaded += len(keys)
                log.info("found Test Execution %s by its marker; %d results", key, len(keys))
                return True
        self.journal.not_created(self.scope)
        return False

    async def _find_execution(self) -> str | None:
        jql = (
            f'project = "{self.project_key}" AND issuetype = "Test Execution" '
            f'AND description ~ "{self.marker}"'
        )
        if self.wire.flavor == "server":
            answer = await self.transport.request(
                "GET",
                "/rest/api/2/search",
                params={"jql": jql, "fields": "summary,description", "maxResults": "2"},
            )
            issues = answer.get("issues", []) if isinstance(answer, dict) else []
            keys = [i.get("key") for i in issues if isinstance(i, dict)]
        else:
            query = (
                "query($jql: String, $limit: Int!) { getTestExecutions(jql: $jql, limit: $limit)"
                ' { total results { issueId jira(fields: ["key"]) } } }'
            )
            answer = await self.transport.request(
                "POST",
                "/api/v2/graphql",
                json_body={"query": query, "variables": {"jql": jql, "limit": 2}},
            )
            data = answer.get("data") if isinstance(answer, dict) else None
            found = (data or {}).get("getTestExecutions") or {}
            keys = [(r.get("jira") or {}).get("key") for r in found.get("results") or []]
        found_keys = [k for k in keys if isinstance(k, str)]
        if len(found_keys) > 1:
            log.warning("marker %s found on %s; using the first", self.marker, found_keys)
        return found_keys[0] if found_keys else None

    async def _send_into(self, chunk: Chunk, resends: int = 0) -> None:
        key = self.report.test_execution_key
        assert key is not None
        self.journal.sending(self.scope, chunk.keys())
        try:
            answer = await self._post(chunk, key)
        except PayloadTooLargeError as exc:
            await self._split(chunk, exc)
            return
        except OutcomeUnknownError as exc:
            if resends >= MAX_RESENDS:
                self._fail(chunk.items, f"{exc} (left 'sending' in the journal)", journal=False)
                return
            log.warning(
                "%s; importing the chunk again into %s (updates, never duplicates)", exc, key
            )
            await self._send_into(chunk, resends + 1)
            return
        except (AuthenticationError, PermissionDeniedError, TransportError) as exc:
            self._stop(exc)
            self._fail(chunk.items, str(exc))
            return
        except APIError as exc:
            self._fail(chunk.items, str(exc))
            return
        self._confirm(chunk.items, answer)

    async def _split(self, chunk: Chunk, exc: PayloadTooLargeError) -> None:
        if len(chunk.items) == 1:
            size = len(chunk.items[0].entry)
            self._fail(chunk.items, f"{exc} (this one result is {size:,} bytes of JSON)")
            return
        half = len(chunk.items) // 2
        log.info("413 for %d results: splitting in two", len(chunk.items))
        for part in (chunk.items[:half], chunk.items[half:]):
            sub = Chunk(items=part, size=sum(len(i.entry) + 1 for i in part))
            if self.report.test_execution_key is None:
                await self._send_creating(sub, resends=0)
            else:
                await self._send_into(sub)

    # -- outcomes ----------------------------------------------------------------------------

    def _confirm(self, items: Sequence[Item], answer: Any) -> None:
        errors, success = _server_outcome(answer)
        by_test_key: dict[str, str] = {}
        for error in errors:
            test_key = error.get("testKey") if isinstance(error, dict) else None
            if isinstance(test_key, str):
                messages = error.get("messages") or error.get("message") or "refused"
                by_test_key[test_key] = f"Xray refused the Test Run of {test_key}: {messages}"
        ok: list[Item] = []
        bad: list[tuple[Item, str]] = []
        for item in items:
            why = by_test_key.get(item.test_key or "")
            if why:
                bad.append((item, why))
            else:
                ok.append(item)
        if success and len(success) == len(ok) and not errors:
            for item, entry in zip(ok, success, strict=True):
                found = (
                    entry.get("key") or entry.get("testKey") if isinstance(entry, dict) else None
                )
                if isinstance(found, str) and item.test_key is None:
                    item.test_key = found
        for item in [*ok, *(i for i, _ in bad)]:
            item.done = True
        for item in ok:
            if item.test_key:
                self.report.test_keys[item.key] = item.test_key
        self.journal.confirm(self.scope, [(i.key, i.test_key) for i in ok])
        self.report.uploaded += len(ok)
        if bad:
            self.journal.fail(self.scope, [(i.key, why) for i, why in bad])
            self.report.failed += [FailedResult.of(i.result, key=i.key, error=w) for i, w in bad]
        self._emit("confirmed")

    def _fail(self, items: Sequence[Item], error: str, *, journal: bool = True) -> None:
        error = self.transport.redact(error)
        for item in items:
            item.done = True
        if journal:
            self.journal.fail(self.scope, [(i.key, error) for i in items])
        self.report.failed += [FailedResult.of(i.result, key=i.key, error=error) for i in items]
        self._emit("failed", detail=error)

    def _emit(self, kind: Any, detail: str = "") -> None:
        if self.progress is None:
            return
        stats = self.transport.stats
        self.progress(
            UploadEvent(
                kind=kind,
                results=max(self.expected, self._seen),
                sent=self._sent,
                confirmed=self.report.uploaded,
                failed=len(self.report.failed),
                api_calls=stats.calls - self._calls_at_start,
                pauses=stats.rate_limited - self._pauses_at_start,
                detail=detail,
                already_uploaded=self.report.already_uploaded,
            )
        )


def _unexpected(exc: Exception) -> PractiTestError:
    error = PractiTestError(f"unexpected error while importing: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def _compact(value: Any) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _execution_key(answer: Any) -> str | None:
    """Server: ``testExecIssue.key``; Cloud: ``key`` at the top (reference §2.4)."""
    if not isinstance(answer, dict):
        return None
    nested = answer.get("testExecIssue")
    if isinstance(nested, dict) and isinstance(nested.get("key"), str):
        return str(nested["key"])
    key = answer.get("key")
    return key if isinstance(key, str) else None


def _server_outcome(answer: Any) -> tuple[list[Any], list[Any]]:
    """Server's ``testIssues`` error and success lists ([] when absent, as on Cloud)."""
    issues = answer.get("testIssues") if isinstance(answer, dict) else None
    if not isinstance(issues, dict):
        return [], []
    errors, success = issues.get("error") or [], issues.get("success") or []
    return (errors if isinstance(errors, list) else []), (
        success if isinstance(success, list) else []
    )


__all__ = ["ChunkRule", "ExecutionInfo", "XrayPlan", "XrayReport", "XrayUploader", "entry_size"]
