"""Traceability endpoints (§8.9): GET lists links, POST adds, PATCH replaces, DELETE removes.

Links are symmetric: linking requirement 5 to test 9 shows up under both. POST, PATCH and
DELETE take ``{"data": [{"id": .., "type": ..}, ...]}``; DELETE carries that body too.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import attrs

from practitest_async.testing.context import Call, Reply, done, ok
from practitest_async.testing.errors import ApiError, not_found
from practitest_async.testing.handlers.common import collect
from practitest_async.testing.jsonapi import identifiers
from practitest_async.testing.records import Ref
from practitest_async.testing.validate import Fields, Invalid, as_id, data_of, kind_of


@attrs.frozen
class Relationship:
    """The links from ``base`` resources (e.g. "requirements") to ``other`` ones ("tests")."""

    base: str
    other: str

    def _ref(self, call: Call) -> Ref:
        record = call.store.table(self.base).get(call.id)
        if record is None or record.project_id != call.pid:
            raise not_found(self.base.rstrip("s").replace("-", " "), call.id, call.pid)
        return (self.base, call.id)

    def _targets(self, call: Call, ref: Ref) -> list[Ref]:
        data = data_of(call.body)
        if not isinstance(data, list):
            raise ApiError(422, f"data must be an array of {{id, type}}, not {kind_of(data)}")
        checks = [
            partial(self._target, call, ref, item, f"data[{n}]") for n, item in enumerate(data)
        ]
        targets: list[Ref] = collect(checks)
        return targets

    def _target(self, call: Call, ref: Ref, item: Any, where: str) -> Ref:
        f = Fields.of(item, where)
        target_id = as_id(f.raw("id"), f.path("id"))
        sent_type = f.raw("type")
        if sent_type is not None and sent_type != self.other:
            raise Invalid(f"{f.path('type')} must be {self.other!r}, got {sent_type!r}")
        record = call.store.table(self.other).get(target_id)
        if record is None or record.project_id != call.pid:
            raise Invalid(
                f"{f.path('id')}: {self.other} {target_id} does not exist in project {call.pid}"
            )
        if (self.other, target_id) == ref:
            raise Invalid(f"{f.path('id')}: an entity cannot be linked to itself")
        return (self.other, target_id)

    def _checked(self, call: Call) -> tuple[Ref, list[Ref]]:
        ref = self._ref(call)
        return ref, self._targets(call, ref)

    def _listing(self, call: Call, ref: Ref) -> dict[str, Any]:
        return identifiers(self.other, call.store.linked(ref, self.other))

    def list(self, call: Call) -> Reply:
        return ok(self._listing(call, self._ref(call)))

    def add(self, call: Call) -> Reply:
        ref, targets = self._checked(call)
        for target in targets:
            call.store.link(ref, target)
        return done(call, self._listing(call, ref))

    def replace(self, call: Call) -> Reply:
        ref, targets = self._checked(call)
        for old in call.store.linked(ref, self.other):
            call.store.unlink(ref, (self.other, old))
        for target in targets:
            call.store.link(ref, target)
        return done(call, self._listing(call, ref))

    def remove(self, call: Call) -> Reply:
        ref, targets = self._checked(call)
        for target in targets:
            call.store.unlink(ref, target)
        return done(call, self._listing(call, ref))


# (URL segment of the base, its type, URL segment of the other, its type)
PAIRS = (
    ("requirements", "requirements", "tests", "tests"),
    ("requirements", "requirements", "issues", "issues"),
    ("requirements", "requirements", "milestones", "milestones"),
    ("tests", "tests", "requirements", "requirements"),
    ("issues", "issues", "requirements", "requirements"),
    ("issues", "issues", "issues", "issues"),
    ("issues", "issues", "milestones", "milestones"),
    ("step_runs", "step-runs", "issues", "issues"),
)
