"""Parallel CI jobs that start together on the same new SQLite file (the id cache under the
user's cache folder, a shared budget, a journal given to several jobs) all open it: switching a
new file to WAL while another connection does made SQLite answer "database is locked" at once,
without its busy timeout, about once in 25 starts of three jobs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from practitest_async.batch.cache import IdCache
from practitest_async.batch.journal import Journal
from practitest_async.limiter.sqlite import SqliteStore
from practitest_async.xray.journal import XrayJournal

Opener = Callable[[Path, threading.Barrier], None]


def _budget(path: Path, start: threading.Barrier) -> None:
    store = SqliteStore(path)
    loop = asyncio.new_event_loop()  # made first: the three jobs open the file together
    try:
        start.wait()
        loop.run_until_complete(store.open())
        loop.run_until_complete(store.close())
    finally:
        loop.close()


def _closing(kind: Callable[[Path], IdCache | Journal | XrayJournal]) -> Opener:
    def open_file(path: Path, start: threading.Barrier) -> None:
        start.wait()
        kind(path).close()

    return open_file


@pytest.mark.parametrize(
    "open_file",
    [_budget, _closing(IdCache), _closing(Journal), _closing(XrayJournal)],
    ids=["shared budget", "id cache", "journal", "xray journal"],
)
def test_three_jobs_opening_one_new_file_at_once_all_open_it(
    tmp_path: Path, open_file: Opener
) -> None:
    failures: list[str] = []

    def job(path: Path, start: threading.Barrier) -> None:
        try:
            open_file(path, start)
        except Exception as exc:  # what a job would have printed and exited with
            failures.append(f"{path.name}: {exc}")

    for attempt in range(150):
        path = tmp_path / f"file-{attempt}.sqlite3"
        start = threading.Barrier(3)
        jobs = [threading.Thread(target=job, args=(path, start)) for _ in range(3)]
        for thread in jobs:
            thread.start()
        for thread in jobs:
            thread.join()
    assert failures == []
