"""How fast the XML report readers are, against a bare ``iterparse`` loop over the same file.

For each XML format whose reader is present (JUnit, TestNG, NUnit 3, xUnit.net v2, TRX, Robot
Framework ``output.xml``: a keyword step per test), writes
a report of N cases (default 1,000,000; 10 % failures, each with a multi-KB stack trace), then
reads it in a fresh process three ways and prints, per way, CPU seconds, cases per second and
peak RSS, all measured in the reading process itself (``getrusage`` and ``/proc/self/status``
VmHWM):

- ``iterparse``: ``xml.etree.ElementTree.iterparse`` (C accelerated), ``clear()`` on each
  element at its end: the floor nobody can go under with the standard library;
- ``defused``: the same loop over ``defusedxml.ElementTree.iterparse``, the safe floor (the
  reference of issue 12: our readers within 2 x of it);
- ``reader``: ``practitest_async.reports.read_reports(path, format=NAME)``, every result built,
  including the first pass that checks the file whole.

Usage: ``python benchmarks/readers.py [--cases N] [--formats junit,nunit] [--dir DIR]``.
Absolute figures vary from machine to machine (and with load); the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

TRACE_LINE = "    at com.acme.shop.module{m}.Service{m}.handle(Service{m}.java:{n})\n"


def trace(i: int) -> str:
    """About 3.5 KB of stack trace."""
    return "".join(TRACE_LINE.format(m=i % 17, n=k) for k in range(48))


def _junit(out: TextIO, n: int) -> Iterator[None]:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    for i in range(n):
        if i % 1000 == 0:
            if i:
                out.write("</testsuite>\n")
            out.write(f'<testsuite name="com.acme.Suite{i // 1000}" tests="1000">\n')
        head = f'<testcase classname="com.acme.Class{i // 50}" name="test_{i}" time="0.012"'
        if i % 10 == 7:
            out.write(
                f'{head}><failure message="expected {i}" type="AssertionError">'
                f"{trace(i)}</failure><system-out>log {i}</system-out></testcase>\n"
            )
        else:
            out.write(f"{head}/>\n")
        yield
    out.write("</testsuite>\n</testsuites>\n")


def _testng(out: TextIO, n: int) -> Iterator[None]:
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<testng-results total="{n}">\n')
    out.write('<suite name="S"><test name="T">\n')
    for i in range(n):
        if i % 50 == 0:
            if i:
                out.write("</class>\n")
            out.write(f'<class name="com.acme.Class{i // 50}">\n')
        head = (
            f'<test-method status="{{s}}" signature="test_{i}()" name="test_{i}" '
            f'duration-ms="12" started-at="2024-01-01T00:00:00Z" finished-at="2024-01-01T00:00:00Z"'
        )
        if i % 10 == 7:
            out.write(
                head.format(s="FAIL") + '><exception class="java.lang.AssertionError">'
                f"<message><![CDATA[expected {i}]]></message>"
                f"<full-stacktrace><![CDATA[{trace(i)}]]></full-stacktrace></exception>"
                "</test-method>\n"
            )
        else:
            out.write(head.format(s="PASS") + "/>\n")
        yield
    out.write("</class>\n</test></suite>\n</testng-results>\n")


def _nunit(out: TextIO, n: int) -> Iterator[None]:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(f'<test-run id="2" testcasecount="{n}" result="Failed">\n')
    out.write('<test-suite type="Assembly" name="A.dll" fullname="A.dll">\n')
    for i in range(n):
        if i % 50 == 0:
            if i:
                out.write("</test-suite>\n")
            out.write(
                f'<test-suite type="TestFixture" name="Class{i // 50}" '
                f'fullname="Acme.Class{i // 50}">\n'
            )
        head = (
            f'<test-case id="{i}" name="Test{i}" fullname="Acme.Class{i // 50}.Test{i}" '
            f'result="{{r}}" duration="0.012"'
        )
        if i % 10 == 7:
            out.write(
                head.format(r="Failed") + f"><failure><message><![CDATA[expected {i}]]></message>"
                f"<stack-trace><![CDATA[{trace(i)}]]></stack-trace></failure></test-case>\n"
            )
        else:
            out.write(head.format(r="Passed") + "/>\n")
        yield
    out.write("</test-suite>\n</test-suite>\n</test-run>\n")


def _xunit(out: TextIO, n: int) -> Iterator[None]:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<assemblies>\n')
    out.write(f'<assembly name="A.dll" total="{n}">\n<collection name="C" total="{n}">\n')
    for i in range(n):
        head = (
            f'<test name="Acme.Class{i // 50}.Test{i}" type="Acme.Class{i // 50}" '
            f'method="Test{i}" time="0.012" result="{{r}}"'
        )
        if i % 10 == 7:
            out.write(
                head.format(r="Fail") + '><failure exception-type="Xunit.Sdk.EqualException">'
                f"<message><![CDATA[expected {i}]]></message>"
                f"<stack-trace><![CDATA[{trace(i)}]]></stack-trace></failure></test>\n"
            )
        else:
            out.write(head.format(r="Pass") + "/>\n")
        yield
    out.write("</collection>\n</assembly>\n</assemblies>\n")


def _trx(out: TextIO, n: int) -> Iterator[None]:
    ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<TestRun id="r" xmlns="{ns}">\n<Results>\n')
    for i in range(n):
        head = (
            f'<UnitTestResult executionId="e{i}" testId="t{i}" testName="Test{i}" '
            f'duration="00:00:00.0120000" outcome="{{o}}" testListId="l"'
        )
        if i % 10 == 7:
            out.write(
                head.format(o="Failed") + f"><Output><ErrorInfo><Message>expected {i}</Message>"
                f"<StackTrace>{trace(i)}</StackTrace></ErrorInfo></Output></UnitTestResult>\n"
            )
        else:
            out.write(head.format(o="Passed") + "/>\n")
        yield
    out.write("</Results>\n<TestDefinitions>\n")
    for i in range(n):
        out.write(
            f'<UnitTest name="Test{i}" id="t{i}"><TestMethod className="Acme.Class{i // 50}" '
            f'name="Test{i}"/></UnitTest>\n'
        )
    out.write("</TestDefinitions>\n</TestRun>\n")


def _robot(out: TextIO, n: int) -> Iterator[None]:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<robot generator="Robot 7.0" ')
    out.write('schemaversion="5">\n<suite id="s1" name="Acme">\n')
    times = 'start="2024-01-01T00:00:00.000000" elapsed="0.012"'
    for i in range(n):
        if i % 50 == 0:
            if i:
                out.write(f'<status status="FAIL" {times}/>\n</suite>\n')
            out.write(f'<suite id="s1-s{i // 50}" name="Class{i // 50}">\n')
        out.write(f'<test id="s1-s{i // 50}-t{i}" name="Test {i}" line="3">\n')
        if i % 10 == 7:
            out.write(
                '<kw name="Should Be Equal" owner="BuiltIn"><arg>${x}</arg><arg>1</arg>'
                f'<msg time="2024-01-01T00:00:00.000000" level="FAIL">expected {i}\n{trace(i)}'
                f'</msg><status status="FAIL" {times}/></kw>\n'
                f'<status status="FAIL" {times}>expected {i}</status>\n</test>\n'
            )
        else:
            out.write(
                '<kw name="Should Be Equal" owner="BuiltIn"><arg>${x}</arg><arg>1</arg>'
                f'<status status="PASS" {times}/></kw>\n<status status="PASS" {times}/>\n</test>\n'
            )
        yield
    out.write(f'<status status="FAIL" {times}/>\n</suite>\n')
    out.write(f'<status status="FAIL" {times}/>\n</suite>\n<errors/>\n</robot>\n')


GENERATORS: dict[str, Callable[[TextIO, int], Iterator[None]]] = {
    "junit": _junit,
    "testng": _testng,
    "nunit": _nunit,
    "xunit": _xunit,
    "trx": _trx,
    "robot": _robot,
}

# Run in a fresh interpreter: argv = way, path, format.
MEASURE = r"""
import resource, sys, time
way, path, fmt = sys.argv[1:4]
def peak_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if way == "reader":
    from practitest_async.reports import read_reports
    import logging; logging.disable(logging.WARNING)
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start = cpu()
count = 0
if way == "iterparse":
    from xml.etree.ElementTree import iterparse
    for _, element in iterparse(path):
        element.clear()
        count += 1
elif way == "defused":
    from defusedxml.ElementTree import iterparse
    for _, element in iterparse(path):
        element.clear()
        count += 1
else:
    for result in read_reports(path, format=fmt):
        count += 1
print(count, cpu() - start, peak_mib())
"""


def measure(way: str, path: Path, fmt: str) -> tuple[int, float, float]:
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, way, str(path), fmt],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    count, seconds, peak = run.stdout.split()
    return int(count), float(seconds), float(peak)


def present(name: str) -> bool:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from practitest_async.reports.detect import readers

    return name in readers()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(GENERATORS))
    parser.add_argument("--dir", type=Path, help="where to write the files (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="readers-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()}; N = {args.cases:,} cases, 10 % "
        "failures with ~3.5 KB stack traces; CPU and peak RSS measured in the reading process."
    )
    print("| format | way | results | CPU s | cases/s | × defused | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for name in args.formats.split(","):
        if not present(name):
            print(f"| {name} | (skipped: reader `reports/{name}.py` not present) | | | | | |")
            continue
        path = folder / f"{name}-{args.cases}.xml"
        if not path.exists():
            with path.open("w", encoding="utf-8") as out:
                for _ in GENERATORS[name](out, args.cases):
                    pass
        size = path.stat().st_size / 1e6
        figures = {way: measure(way, path, name) for way in ("iterparse", "defused", "reader")}
        reference = figures["defused"][1]
        for way, (count, seconds, peak) in figures.items():
            rate = args.cases / seconds if seconds else float("inf")
            label = f"{name} ({size:,.0f} MB)" if way == "iterparse" else ""
            print(
                f"| {label} | {way} | {count:,} | {seconds:.1f} | {rate:,.0f} | "
                f"{seconds / reference:.2f} | {peak:.0f} |"
            )
            rows.append(
                {
                    "format": name,
                    "way": way,
                    "results": count,
                    "cpu_s": seconds,
                    "peak_rss_mib": peak,
                    "file_mb": size,
                }
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"(run {started}; files in {folder})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
