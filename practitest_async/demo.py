"""``practitest-async demo``: the main job, end to end, on the built-in emulator (no account).

It starts the emulator on 127.0.0.1 with PractiTest's limit of 30 calls per window (the window
compressed from 60 s to a couple of seconds so the demo is short), seeds a project in which some
of the sample tests already exist, uploads the JUnit files in ``examples/junit`` with the same
code as ``practitest-async upload``, and shows what reached the emulator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from .settings import Settings
from .testing import EmulatorConfig, FakePractiTest

Upload = Callable[[Settings, Path, TextIO], Awaitable[int]]
"""``practitest-async upload PATH`` with these settings (the command passes its own, so that the
demo runs the command's code without this module importing the command)."""

LIMIT = 30
SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "junit"
EXISTING_TESTS = (
    "tests.test_login.test_login_with_valid_password",
    "tests.test_login.test_login_with_wrong_password",
    "tests.test_login.test_login_locks_after_five_attempts",
    "tests.test_search.test_search_pagination",
    "tests.test_checkout.test_cart_total",
    "tests.test_checkout.test_apply_coupon",
)


async def run_demo(*, window: float, out: TextIO, upload: Upload) -> int:
    """Run the demo; returns the upload's exit code."""
    if not SAMPLES.is_dir():
        print(f"The sample results are not here: {SAMPLES} (run from a source checkout).", file=out)
        return 2
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=window)) as fake:
        test_set = fake.add_set(1, "Nightly")
        for i, name in enumerate(EXISTING_TESTS):
            test = fake.add_test(1, name)
            if i % 2 == 0:
                fake.add_instance(1, test_set.id, test.id)
        print(
            f"PractiTest emulator at {fake.url}: limit {LIMIT} calls per {window:g} s window "
            f"(PractiTest's is {LIMIT} per 60 s; compressed for the demo).\n"
            f"Project 1 has {len(EXISTING_TESTS)} tests; set 'Nightly' (id {test_set.id}) "
            f"holds {len(fake.state.instances)} of them.\n"
            f"Uploading {SAMPLES}/ ...",
            file=out,
        )
        settings = Settings(
            token=fake.token,
            base_url=fake.url,
            rate_limit=LIMIT,
            rate_period=window,
            project=1,
            test_set="Nightly",
            limiter="local",  # one process, and an emulator that lives for the demo only
        )
        code = await upload(settings, SAMPLES, out)
        _show_emulator(fake, window, out)
    return code


def _show_emulator(fake: FakePractiTest, window: float, out: TextIO) -> None:
    statuses = Counter(run.status for run in fake.state.runs.values())
    routes = Counter(f"{r.method} {r.route}" for r in fake.log)
    print("\nWhat reached the emulator:", file=out)
    for route, n in sorted(routes.items(), key=lambda item: -item[1]):
        print(f"  {n:4d} x {route}", file=out)
    print(
        f"  runs by status: {', '.join(f'{s} {n}' for s, n in sorted(statuses.items()))}\n"
        f"  {len(fake.log)} calls in all; at most {fake.max_calls_in_any_window()} in any "
        f"{window:g} s window (limit {LIMIT}); {fake.stats.rate_limited} refused with 429",
        file=out,
    )
