"""A report of any size is read one test case at a time: memory does not grow with the file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import practitest_async
from practitest_async.batch import Status
from practitest_async.junit import iter_results


def generate(
    path: Path, cases: int, *, bare_suite: bool = False, suite_every: int | None = None
) -> Path:
    """A pytest-like report: mostly passes, a failure with output every 100, a repeat every 1000;
    with ``suite_every``, a new suite (gotestsum's one per package) every so many cases."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        out.write("" if bare_suite else "<testsuites>")
        out.write(f'<testsuite name="pytest" tests="{cases}">\n')
        for i in range(cases):
            if suite_every and i and i % suite_every == 0:
                out.write(f'</testsuite><testsuite name="pkg{i}"><properties/>\n')
            name = f"test_{i - 1 if i % 1000 == 999 else i}"
            head = f'<testcase classname="tests.test_mod{i % 50}" name="{name}" time="0.001"'
            if i % 100 == 7:
                out.write(
                    f'{head}><failure message="assert {i} == 0">def {name}():\n'
                    f"&gt;   assert {i} == 0\nE   AssertionError</failure>"
                    f"<system-out>log line {i}\n</system-out></testcase>\n"
                )
            else:
                out.write(f"{head}/>\n")
        out.write("</testsuite>")
        out.write("\n" if bare_suite else "</testsuites>\n")
    return path


def traced_peak(path: Path) -> tuple[int, int]:
    """(results, peak bytes allocated by Python while reading)."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_results(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_cases(tmp_path: Path) -> None:
    small = generate(tmp_path / "small.xml", 2_000, bare_suite=True)
    large = generate(tmp_path / "large.xml", 40_000, bare_suite=True)

    small_count, small_peak = traced_peak(small)
    large_count, large_peak = traced_peak(large)

    assert (small_count, large_count) == (2_000, 40_000)
    # Twenty times the cases, the same peak (a 4 MiB bit set for the keys, one case, buffers).
    assert large_peak - small_peak < 512 * 1024, (small_peak, large_peak)
    assert large_peak < 30 * 1024 * 1024


def test_memory_does_not_grow_with_the_number_of_suites(tmp_path: Path) -> None:
    small = generate(tmp_path / "small.xml", 2_000, suite_every=10)
    large = generate(tmp_path / "large.xml", 20_000, suite_every=10)

    small_peak, large_peak = traced_peak(small)[1], traced_peak(large)[1]

    assert large_peak - small_peak < 512 * 1024, (small_peak, large_peak)


def test_a_200k_case_report_streams_quickly_in_bounded_memory(tmp_path: Path) -> None:
    report = generate(tmp_path / "big.xml", 200_000)
    assert report.stat().st_size > 14_000_000
    # A fresh interpreter, so its peak resident size measures this read and nothing else.
    script = textwrap.dedent(
        """
        import resource, sys, time
        from practitest_async.junit import iter_results
        def peak_kib(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        before = peak_kib()
        started = time.perf_counter()
        statuses = {}
        for result in iter_results(sys.argv[1]):
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1
        print(sorted(statuses.items()), time.perf_counter() - started, peak_kib() - before)
        """
    )
    started = time.perf_counter()
    package_root = Path(practitest_async.__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", script, str(report)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(package_root)},
    )
    wall = time.perf_counter() - started

    statuses, seconds, grown_kib = run.stdout.rsplit(" ", 2)
    assert statuses == str([(Status.FAILED.value, 2_000), (Status.PASSED.value, 198_000)])
    assert int(grown_kib) < 30 * 1024, f"resident size grew by {int(grown_kib) // 1024} MiB"
    assert float(seconds) < 10, f"took {float(seconds):.1f} s"
    assert wall < 15
