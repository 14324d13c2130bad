"""Run status rules (§6.6): a run from its steps, a set or requirement from its parts."""

from __future__ import annotations

from collections.abc import Iterable

RUN_STATUSES = ("PASSED", "FAILED", "BLOCKED", "NOT COMPLETED", "NO RUN")
STEP_STATUSES = ("PASSED", "FAILED", "BLOCKED", "NO RUN", "N/A")


def combine(statuses: Iterable[str]) -> str:
    """FAILED beats BLOCKED beats NOT COMPLETED; all unrun is NO RUN, all N/A is N/A.

    Works for step statuses (a run) and for run statuses (a set from its instances).
    """
    found = list(statuses)
    if not found or all(s == "NO RUN" for s in found):
        return "NO RUN"
    for winner in ("FAILED", "BLOCKED", "NOT COMPLETED"):
        if winner in found:
            return winner
    if "NO RUN" in found:
        return "NOT COMPLETED"
    if all(s == "N/A" for s in found):
        return "N/A"
    return "PASSED"


def from_exit_code(exit_code: int) -> str:
    return "PASSED" if exit_code == 0 else "FAILED"
