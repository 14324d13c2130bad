"""Fault injection: seeded random faults and a deterministic script of exact faults."""

from __future__ import annotations

import random
from typing import Any, Literal

import attrs

FaultKind = Literal[
    "none",
    "error",
    "drop_before_apply",
    "drop_after_apply",
    "timeout",
    "rate_limited",
    "garbled_after_apply",
    "apply_late",
    "empty_body",
    "empty_list",
    "strip_attributes",
    "strip_ids",
    "drop_last_item",
]
# Faults of an answer the client cannot read (applied after the handler, to its reply).
ANSWER_FAULTS = (
    "garbled_after_apply",
    "empty_body",
    "empty_list",
    "strip_attributes",
    "strip_ids",
    "drop_last_item",
)
SCRIPT_KINDS = (
    "error_404",
    "error_413",
    "error_500",
    "error_502",
    "error_503",
    "error_504",
    "drop_before_apply",
    "drop_after_apply",
    "timeout",
    "rate_limited",
    # A write is applied, then answered 200 with a body that is not JSON.
    "garbled_after_apply",
    # A write is queued: applied ``Faults.late_apply_after`` seconds after it arrived, the
    # connection held until then and dropped (a client with a shorter timeout gave up first).
    "apply_late",
    # A read (or write) answered 200 with: no body; ``[]``; items without ``attributes``;
    # items without ``id``.
    "empty_body",
    "empty_list",
    "strip_attributes",
    "strip_ids",
    # A (bulk) write is applied whole, then answered 200 with the last item of its list left out.
    "drop_last_item",
)
GARBLED_BODY = b"<html><body>Request processed.</body></html>"


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be within [0, 1], got {value}")


def _latency(_: object, __: object, value: tuple[float, float] | None) -> None:
    if value is not None and not 0.0 <= value[0] <= value[1]:
        raise ValueError(f"latency must be (lo, hi) with 0 <= lo <= hi, got {value}")


@attrs.frozen(kw_only=True)
class Faults:
    """Random faults, repeatable for a given ``seed`` and request order.

    ``methods`` and ``routes`` restrict which requests are eligible (None = all). A route entry
    is a route template ("/api/v2/projects/{p}/runs.json") or a path suffix ("runs.json");
    it matches on a whole path segment, so "runs.json" does not match "step_runs.json".
    """

    latency: tuple[float, float] | None = attrs.field(default=None, validator=_latency)
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    drop_after_apply_rate: float = attrs.field(default=0.0, validator=_rate)
    seed: int = 0
    methods: frozenset[str] | None = None
    routes: tuple[str, ...] | None = None
    # Writes applied, then answered with a 200 that is not JSON.
    garbled_rate: float = attrs.field(default=0.0, validator=_rate)
    # Writes applied ``late_apply_after`` seconds after they arrived, the answer lost.
    late_apply_rate: float = attrs.field(default=0.0, validator=_rate)
    late_apply_after: float = 1.0
    # A gateway in front of the API: any request body larger than this gets an HTML 413
    # (every request, whatever ``methods``/``routes`` say). None: no limit.
    max_body_bytes: int | None = None

    def too_large(self, body: bytes) -> bool:
        """Whether a gateway with ``max_body_bytes`` would refuse ``body``."""
        return self.max_body_bytes is not None and len(body) > self.max_body_bytes


@attrs.frozen(kw_only=True)
class FaultDecision:
    """What the emulator does to one request: wait ``delay`` seconds, then ``kind``."""

    kind: FaultKind = "none"
    status: int | None = None
    delay: float = 0.0


NO_FAULT = FaultDecision()


@attrs.define(kw_only=True)
class ScriptedFault:
    """``count`` faults of one ``kind`` for requests matching ``method`` and ``target``."""

    method: str
    target: str
    kind: str
    remaining: int


def target_matches(target: str, path: str, route: str | None) -> bool:
    """True when ``target`` is the route template or a whole-segment suffix of the path."""
    suffix = "/" + target.lstrip("/")
    candidates = [path] if route is None else [path, route]
    return any(c == target or c.endswith(suffix) for c in candidates)


class FaultInjector:
    """Decides, per request, which fault (if any) to inject."""

    def __init__(self, faults: Faults) -> None:
        self._faults = faults
        self._rng = random.Random(faults.seed)
        self._script: list[ScriptedFault] = []

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        # A new Faults object starts its own repeatable sequence.
        self._faults = faults
        self._rng = random.Random(faults.seed)

    def script(self, method: str, target: str, kind: str, count: int = 1) -> None:
        if kind not in SCRIPT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {SCRIPT_KINDS}")
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        self._script.append(
            ScriptedFault(method=method.upper(), target=target, kind=kind, remaining=count)
        )

    def pending_script(self) -> list[ScriptedFault]:
        return [s for s in self._script if s.remaining > 0]

    def clear(self) -> None:
        self._script.clear()
        self.faults = Faults()

    def decide(self, method: str, path: str, route: str | None) -> FaultDecision:
        scripted = self._take_scripted(method, path, route)
        if scripted is not None:
            return scripted
        if not self._eligible(method, path, route):
            return NO_FAULT
        return self._draw()

    def _take_scripted(self, method: str, path: str, route: str | None) -> FaultDecision | None:
        for entry in self._script:
            if entry.remaining <= 0 or entry.method not in ("*", method):
                continue
            if target_matches(entry.target, path, route):
                entry.remaining -= 1
                return _scripted_decision(entry.kind)
        return None

    def _eligible(self, method: str, path: str, route: str | None) -> bool:
        f = self._faults
        if f.methods is not None and method not in {m.upper() for m in f.methods}:
            return False
        return f.routes is None or any(target_matches(t, path, route) for t in f.routes)

    def _draw(self) -> FaultDecision:
        # Always draw the same numbers per eligible request so the sequence stays repeatable.
        f = self._faults
        lo, hi = f.latency if f.latency is not None else (0.0, 0.0)
        delay = self._rng.uniform(lo, hi)
        error_roll, drop_roll = self._rng.random(), self._rng.random()
        status = self._rng.choice(f.error_statuses) if f.error_statuses else 500
        if error_roll < f.error_rate:
            return FaultDecision(kind="error", status=status, delay=delay)
        if drop_roll < f.drop_after_apply_rate:
            return FaultDecision(kind="drop_after_apply", delay=delay)
        if f.garbled_rate or f.late_apply_rate:  # drawn only then: older seeds stay the same
            late_roll, garbled_roll = self._rng.random(), self._rng.random()
            if late_roll < f.late_apply_rate:
                return FaultDecision(kind="apply_late", delay=delay)
            if garbled_roll < f.garbled_rate:
                return FaultDecision(kind="garbled_after_apply", delay=delay)
        return FaultDecision(delay=delay)


def _scripted_decision(kind: str) -> FaultDecision:
    if kind.startswith("error_"):
        return FaultDecision(kind="error", status=int(kind.removeprefix("error_")))
    mapping: dict[str, FaultKind] = {
        "drop_before_apply": "drop_before_apply",
        "drop_after_apply": "drop_after_apply",
        "timeout": "timeout",
        "rate_limited": "rate_limited",
        "garbled_after_apply": "garbled_after_apply",
        "apply_late": "apply_late",
        "empty_body": "empty_body",
        "empty_list": "empty_list",
        "strip_attributes": "strip_attributes",
        "strip_ids": "strip_ids",
        "drop_last_item": "drop_last_item",
    }
    return FaultDecision(kind=mapping[kind])


def mangled_body(kind: str, body: Any) -> tuple[Any, bytes | None]:
    """What an answer fault makes of a JSON reply ``body``: (new JSON body, or raw bytes)."""
    if kind == "garbled_after_apply":
        return None, GARBLED_BODY
    if kind == "empty_body":
        return None, b""
    if kind == "empty_list":
        return [], None
    if kind == "drop_last_item":
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            return {**body, "data": body["data"][:-1]}, None
        return body, None
    drop = "attributes" if kind == "strip_attributes" else "id"
    if not isinstance(body, dict) or "data" not in body:
        return body, None
    data = body["data"]
    items = data if isinstance(data, list) else [data]
    stripped = [
        {k: v for k, v in item.items() if k != drop} if isinstance(item, dict) else item
        for item in items
    ]
    return {**body, "data": stripped if isinstance(data, list) else stripped[0]}, None
