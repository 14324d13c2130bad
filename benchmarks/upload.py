"""Upload benchmark: calls, time, client CPU and memory, ours against two common ways of doing it.

    python benchmarks/upload.py                       # steady, repeat, fresh at 10,000
    python benchmarks/upload.py --n 10000 --n 100000  # the sizes of the README table
    python benchmarks/upload.py --baselines           # also the per-result uploaders
    python benchmarks/upload.py --dry-run-cases 1000000  # peak RSS of `upload --dry-run`

Scenarios (each an upload of N results into one set of an emulated account):

- ``steady``: the nightly job. Tests and instances exist; no id cache: names are resolved from
  the server (a call per 100 instances) before the runs go out 20 per request.
- ``repeat``: the same job with the id cache warm from a previous upload: the runs alone.
- ``fresh``: no test exists yet: one ``runs/auto_create.json`` per test (the API's only way to
  create a test together with its run).
- ``auto_create`` / ``lookup+post`` (``--baselines``): one auto_create per result, or a name
  look-up plus a POST per result, as most uploaders do; paced by our limiter, so only the number
  of calls differs.

Method. The rate window is compressed (30 calls per 0.2 s instead of per 60 s) so that 100,000
results finish in minutes; calls and ratios are what a real account would see, and the lower
bound is calls / (30 per 0.2 s). The emulator runs in this process; each upload runs in a child
process of its own, which measures itself: CPU is that process's user + system time over the
upload (building the results included: they come from a generator, as a harness would feed
them), divided by N; peak RSS is the child's ``VmHWM`` (``/proc/self/status``), which, unlike
``ru_maxrss``, does not inherit the parent's memory at fork. Absolute figures vary from machine
to machine; the script prints the machine it ran on.

``--dry-run-cases N`` writes a JUnit report of N cases whose tests are all new (the generator of
``benchmarks/readers.py``: 10 % failures with a ~3.5 KB trace), and runs ``practitest-async
upload FILE --dry-run`` on it in a child process against the emulator (in this process, as
above), which prints its plan and measures its own CPU and peak RSS (``VmHWM``), the second
reading of the file for the ``--test-per class`` estimate included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LIMIT, WINDOW = 30, 0.2
PROJECT = 1
SET_NAME = "Benchmark"


def results(n: int) -> Iterator[Any]:
    from practitest_async import RunResult

    for i in range(n):
        yield RunResult(f"test {i:06d}", "FAILED" if i % 10 == 0 else "PASSED", duration=1.5)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _per_result(client: Any, n: int, scenario: str, set_id: int) -> None:
    todo = results(n)

    async def worker() -> None:
        for result in todo:
            exit_code = 0 if result.status.value == "PASSED" else 1
            if scenario == "auto_create":
                await client.runs.auto_create(
                    PROJECT, set_id=set_id, test_name=result.name, exit_code=exit_code
                )
            else:
                page = await client.instances.list(
                    PROJECT, set_ids=[set_id], name_exact=result.name
                )
                await client.runs.create(PROJECT, instance_id=page.items[0].id, exit_code=exit_code)

    await asyncio.gather(*(worker() for _ in range(8)))


async def child(scenario: str, n: int, url: str, token: str, cache: str) -> dict[str, Any]:
    """One upload, measured from inside its own process."""
    from practitest_async import Client, RateLimit

    rate = RateLimit(calls=LIMIT, period=WINDOW, latency_margin=0.02)
    options: dict[str, Any] = {}
    if cache:
        options["cache"] = cache
    async with Client(token, base_url=url, rate_limit=rate, limiter="local") as client:
        cpu0, wall0 = _cpu(), time.monotonic()
        if scenario in ("steady", "repeat", "fresh", "warm"):
            report = await client.upload_results(PROJECT, results(n), test_set=SET_NAME, **options)
            assert report.ok, report.failed[:3]
        else:
            found = await client.sets.list(PROJECT, name_exact=SET_NAME)
            await _per_result(client, n, scenario, found.items[0].id)
        cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
        calls = client.api_calls
    return {
        "calls": calls,
        "wall": wall,
        "cpu_us_per_result": cpu / n * 1e6,
        "peak_rss_mb": _vm_hwm_mb(),
    }


async def _run_child(scenario: str, n: int, url: str, token: str, cache: str) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", scenario, str(n), url, token, cache]
    proc = await asyncio.create_subprocess_exec(*args, stdout=subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{scenario} at N={n} failed (exit {proc.returncode})")
    row: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return row


async def measure(scenario: str, n: int) -> dict[str, Any]:
    from practitest_async.testing import EmulatorConfig, FakePractiTest

    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        test_set = fake.add_set(PROJECT, SET_NAME)
        if scenario != "fresh":
            for i in range(n):
                test = fake.add_test(PROJECT, f"test {i:06d}")
                fake.add_instance(PROJECT, test_set.id, test.id)
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "ids.sqlite3") if scenario == "repeat" else ""
            if cache:  # a first upload fills the cache; the second is measured
                await _run_child("warm", n, fake.url, fake.token, cache)
                fake.stats.reset()
                runs_before = len(fake.state.runs)
            else:
                runs_before = 0
            row = await _run_child(scenario, n, fake.url, fake.token, cache)
        row.update(
            scenario=scenario,
            n=n,
            runs=len(fake.state.runs) - runs_before,
            max_per_window=fake.max_calls_in_any_window(),
            rejected=fake.stats.rate_limited,
        )
        if row["runs"] != n:
            raise SystemExit(f"{scenario} at N={n}: {row['runs']} runs for {n} results")
        return row


def dry_run_child(path: str, url: str, token: str) -> dict[str, Any]:
    """``practitest-async upload PATH --dry-run``, measured from inside its own process."""
    import contextlib
    import io

    from practitest_async.cli import main as command

    os.environ["PRACTITEST_TOKEN"] = token
    args = ["upload", path, "--project", str(PROJECT), "--set", "Dry run", "--dry-run"]
    args += ["--base-url", url, "--limiter", "local", "--no-cache"]
    printed = io.StringIO()
    cpu0 = _cpu()
    with contextlib.redirect_stdout(printed):
        code = command(args)
    return {
        "exit_code": code,
        "cpu_s": _cpu() - cpu0,
        "peak_rss_mb": _vm_hwm_mb(),
        "plan": printed.getvalue().strip(),
    }


async def measure_dry_run(cases: int, folder: Path) -> dict[str, Any]:
    from practitest_async.testing import EmulatorConfig, FakePractiTest

    path = folder / f"junit-{cases}.xml"
    if not path.exists():
        from readers import _junit  # the readers benchmark's generator (same folder)

        with path.open("w", encoding="utf-8") as out:
            for _ in _junit(out, cases):
                pass
    async with FakePractiTest(EmulatorConfig(limit=LIMIT, window=WINDOW)) as fake:
        args = [sys.executable, __file__, "--dry-run-child", str(path), fake.url, fake.token]
        proc = await asyncio.create_subprocess_exec(*args, stdout=subprocess.PIPE)
        out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"the dry run of {cases:,} cases failed (exit {proc.returncode})")
    row: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    row.update(cases=cases, file_mb=path.stat().st_size / 1e6)
    return row


def floor_calls(scenario: str, n: int) -> str:
    posts = -(-n // 20)
    return {
        "steady": f"{posts + -(-n // 100) + 1:,}",
        "repeat": f"{posts + 1:,}",  # the run POSTs and one GET of the remembered set
        "fresh": f"{n + 1:,}",  # an auto_create per test, and finding the set
    }.get(scenario, "")


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| N | scenario | calls | floor | max calls in any window (limit 30) | 429s | wall s "
        "| lower bound s | wall / bound | client CPU µs/result | client peak RSS MB |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        bound = r["calls"] / (LIMIT / WINDOW)
        floor = floor_calls(r["scenario"], r["n"])
        lines.append(
            f"| {r['n']:,} | {r['scenario']} | {r['calls']:,} | {floor} "
            f"| {r['max_per_window']} | {r['rejected']} | {r['wall']:.1f} | {bound:.1f} "
            f"| {r['wall'] / bound:.2f} | {r['cpu_us_per_result']:.0f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="result counts (repeatable)")
    parser.add_argument("--scenario", action="append", help="steady, repeat, fresh (repeatable)")
    parser.add_argument("--baselines", action="store_true", help="add the per-result uploaders")
    parser.add_argument("--dry-run-cases", type=int, help="measure `upload --dry-run` instead")
    parser.add_argument("--dir", type=Path, help="where the dry run's report is written (or found)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, n, url, token, cache = args.child
        print(json.dumps(asyncio.run(child(scenario, int(n), url, token, cache))))
        return
    if args.dry_run_child:
        print(json.dumps(dry_run_child(*args.dry_run_child)))
        return
    if args.dry_run_cases:
        folder = args.dir or Path(tempfile.mkdtemp(prefix="dry-run-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        row = asyncio.run(measure_dry_run(args.dry_run_cases, folder))
        print(f"\nMachine: {machine()}.")
        print(f"`upload --dry-run` of {row['cases']:,} new tests ({row['file_mb']:,.0f} MB JUnit):")
        print(f"  {row['plan']}")
        print(
            f"  exit {row['exit_code']}; CPU {row['cpu_s']:.1f} s; "
            f"peak RSS {row['peak_rss_mb']:.0f} MB (VmHWM of the command's process)"
        )
        return
    sizes = args.n or [10_000]
    scenarios = args.scenario or ["steady", "repeat", "fresh"]
    if args.baselines:
        scenarios += ["auto_create", "lookup+post"]
    rows = []
    for n in sizes:
        for scenario in scenarios:
            rows.append(asyncio.run(measure(scenario, n)))
            print(f"  measured {scenario} at N={n:,}", file=sys.stderr)
    print(f"\nMachine: {machine()}.")
    print(f"Rate window compressed to {LIMIT} calls per {WINDOW} s ({Path(__file__).name}).\n")
    print(table(rows))


if __name__ == "__main__":
    main()
