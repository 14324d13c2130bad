"""Step runs: the list (they come into being through POST runs with steps)."""

from __future__ import annotations

from practitest_async.testing import render
from practitest_async.testing.context import Call, Reply
from practitest_async.testing.filters import by_ids, by_names, id_set
from practitest_async.testing.pagination import paginated


def list_step_runs(call: Call) -> Reply:
    store = call.store
    found = [s for s in store.step_runs.values() if s.project_id == call.pid]
    found = by_ids(found, id_set(call, "run-ids"), lambda s: s.run_id)
    found = by_names(call, found, lambda s: s.name)
    status = call.query.get("status")
    if status is not None:  # case sensitive, as documented
        found = [s for s in found if s.status == status]
    found.sort(key=lambda s: (s.run_id, s.position))
    return paginated(call, found, lambda s: render.step_run(store, s))
