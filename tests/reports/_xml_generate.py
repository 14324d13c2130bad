"""Generated reports of any size, one per XML format: ``write(fmt, path, cases)``.

100 cases a class, every 10th failing with a multi-KB stack trace. Used by the memory test and,
at 100,000+ cases, to time the readers (``python tests/reports/_xml_generate.py``).
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

PER_CLASS = 100
TRACE = "".join(
    f"   at Ns.Deep.Frame{i}.Call{i}() in /src/Frame{i}.cs:line {i}\n" for i in range(40)
)


def _cases(cases: int) -> Iterator[tuple[int, int, bool]]:
    for k in range(cases):
        yield k // PER_CLASS, k, k % 10 == 0


def _nunit3(out: TextIO, cases: int) -> None:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<test-run id="2" result="Failed">\n')
    out.write('<test-suite type="Assembly" name="A.dll" fullname="/ci/A.dll">\n')
    cls = -1
    for c, k, failed in _cases(cases):
        if c != cls:
            if cls >= 0:
                out.write("</test-suite>\n")
            cls = c
            out.write(f'<test-suite type="TestFixture" name="C{c}" fullname="Ns.C{c}">\n')
        head = f'<test-case name="T{k}" fullname="Ns.C{c}.T{k}" classname="Ns.C{c}" duration="0.01"'
        if failed:
            out.write(
                f'{head} result="Failed"><failure><message><![CDATA[Expected 1 but was 2]]>'
                f"</message><stack-trace><![CDATA[{TRACE}]]></stack-trace></failure>"
                "<output><![CDATA[some output]]></output></test-case>\n"
            )
        else:
            out.write(f'{head} result="Passed"/>\n')
    out.write("</test-suite>\n" if cls >= 0 else "")
    out.write("</test-suite>\n</test-run>\n")


def _nunit2(out: TextIO, cases: int) -> None:
    out.write('<?xml version="1.0"?>\n<test-results name="A.dll">\n')
    out.write('<test-suite type="Assembly" name="A.dll"><results>\n')
    cls = -1
    for c, k, failed in _cases(cases):
        if c != cls:
            if cls >= 0:
                out.write("</results></test-suite>\n")
            cls = c
            out.write(f'<test-suite type="TestFixture" name="C{c}"><results>\n')
        head = f'<test-case name="Ns.C{c}.T{k}" executed="True" time="0.01"'
        if failed:
            out.write(
                f'{head} result="Failure" success="False"><failure><message><![CDATA[boom]]>'
                f"</message><stack-trace><![CDATA[{TRACE}]]></stack-trace></failure></test-case>\n"
            )
        else:
            out.write(f'{head} result="Success" success="True"/>\n')
    out.write("</results></test-suite>\n" if cls >= 0 else "")
    out.write("</results></test-suite>\n</test-results>\n")


def _xunit2(out: TextIO, cases: int) -> None:
    out.write('<?xml version="1.0"?>\n<assemblies>\n<assembly name="/ci/A.dll" total="0">\n')
    cls = -1
    for c, k, failed in _cases(cases):
        if c != cls:
            if cls >= 0:
                out.write("</collection>\n")
            cls = c
            out.write(f'<collection name="Test collection for Ns.C{c}">\n')
        head = f'<test name="Ns.C{c}.T{k}" type="Ns.C{c}" method="T{k}" time="0.01"'
        if failed:
            out.write(
                f'{head} result="Fail"><failure exception-type="Xunit.Sdk.TrueException">'
                f"<message><![CDATA[Assert.True() Failure]]></message><stack-trace><![CDATA["
                f"{TRACE}]]></stack-trace></failure></test>\n"
            )
        else:
            out.write(f'{head} result="Pass"/>\n')
    out.write("</collection>\n" if cls >= 0 else "")
    out.write("</assembly>\n</assemblies>\n")


def _xunit1(out: TextIO, cases: int) -> None:
    out.write('<?xml version="1.0"?>\n<assembly name="/ci/A.dll" test-framework="xUnit.net 1.9">\n')
    cls = -1
    for c, k, failed in _cases(cases):
        if c != cls:
            if cls >= 0:
                out.write("</class>\n")
            cls = c
            out.write(f'<class name="Ns.C{c}">\n')
        head = f'<test name="Ns.C{c}.T{k}" type="Ns.C{c}" method="T{k}" time="0.01"'
        if failed:
            out.write(
                f'{head} result="Fail"><failure exception-type="E"><message>boom</message>'
                f"<stack-trace><![CDATA[{TRACE}]]></stack-trace></failure></test>\n"
            )
        else:
            out.write(f'{head} result="Pass"/>\n')
    out.write("</class>\n" if cls >= 0 else "")
    out.write("</assembly>\n")


def _testng(out: TextIO, cases: int) -> None:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testng-results>\n<suite name="S">\n')
    out.write('<test name="T">\n')
    cls = -1
    for c, k, failed in _cases(cases):
        if c != cls:
            if cls >= 0:
                out.write("</class>\n")
            cls = c
            out.write(f'<class name="ns.C{c}">\n')
        head = f'<test-method signature="t{k}()" name="t{k}" duration-ms="10"'
        if failed:
            out.write(
                f'{head} status="FAIL"><exception class="java.lang.AssertionError"><message>'
                f"<![CDATA[boom]]></message><full-stacktrace><![CDATA[{TRACE}]]>"
                "</full-stacktrace></exception><reporter-output></reporter-output>"
                "</test-method>\n"
            )
        else:
            out.write(f'{head} status="PASS"><reporter-output></reporter-output></test-method>\n')
    out.write("</class>\n" if cls >= 0 else "")
    out.write("</test>\n</suite>\n</testng-results>\n")


def _trx(out: TextIO, cases: int) -> None:
    ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
    out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="r" name="ci" xmlns="{ns}">\n')
    out.write("<Results>\n")
    ids = [str(uuid.UUID(int=k + 1)) for k in range(cases)]
    for _, k, failed in _cases(cases):
        head = (
            f'<UnitTestResult executionId="{ids[k]}" testId="{ids[k]}" testName="T{k}" '
            f'duration="00:00:00.0100000"'
        )
        if failed:
            out.write(
                f'{head} outcome="Failed"><Output><ErrorInfo><Message>Assert.Fail failed.</Message>'
                f"<StackTrace>{TRACE}</StackTrace></ErrorInfo></Output></UnitTestResult>\n"
            )
        else:
            out.write(f'{head} outcome="Passed"/>\n')
    out.write("</Results>\n<TestDefinitions>\n")
    for c, k, _ in _cases(cases):
        out.write(
            f'<UnitTest name="T{k}" id="{ids[k]}"><Execution id="{ids[k]}"/><TestMethod '
            f'codeBase="A.dll" className="Ns.C{c}, A, Version=1.0.0.0" name="T{k}"/></UnitTest>\n'
        )
    out.write('</TestDefinitions>\n<ResultSummary outcome="Failed"/>\n</TestRun>\n')


WRITERS: dict[str, Callable[[TextIO, int], None]] = {
    "nunit3": _nunit3,
    "nunit2": _nunit2,
    "xunit2": _xunit2,
    "xunit1": _xunit1,
    "testng": _testng,
    "trx": _trx,
}
MODULES = {
    "nunit3": "nunit",
    "nunit2": "nunit",
    "xunit2": "xunit",
    "xunit1": "xunit",
    "testng": "testng",
    "trx": "trx",
}


def write(fmt: str, path: Path, cases: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        WRITERS[fmt](out, cases)
    return path


def _time(fmt: str, path: Path) -> None:  # pragma: no cover - a manual check
    import importlib
    import resource
    import subprocess
    import xml.etree.ElementTree as ET

    from practitest_async.reports import ReaderOptions

    if fmt == "floor":
        start = time.process_time()
        for _, element in ET.iterparse(path):
            element.clear()
        print(f"{time.process_time() - start:.2f}", end=" ")
    elif fmt in MODULES:
        module = importlib.import_module(f"practitest_async.reports.{MODULES[fmt]}")
        start = time.process_time()
        count = sum(1 for _ in module.read(path, ReaderOptions(), print))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{time.process_time() - start:.2f} {count} {rss}", end=" ")
    else:
        for name in WRITERS:
            target = write(name, path / f"{name}.xml", int(fmt))
            run = [sys.executable, __file__, "--time"]
            floor = subprocess.run([*run, "floor", str(target)], capture_output=True, text=True)
            ours = subprocess.run([*run, name, str(target)], capture_output=True, text=True)
            base = float(floor.stdout.split()[0])
            seconds, count, rss = ours.stdout.split()
            print(
                f"{name:7} {count:>8} cases  CPU: floor {base:6.2f} s, reader "
                f"{float(seconds):6.2f} s ({float(seconds) / base:.2f}x)  peak RSS {rss} MB"
            )
            target.unlink()


if __name__ == "__main__":  # pragma: no cover
    # python tests/reports/_xml_generate.py CASES FOLDER
    if sys.argv[1] == "--time":
        _time(sys.argv[2], Path(sys.argv[3]))
    else:
        _time(sys.argv[1], Path(sys.argv[2]))
