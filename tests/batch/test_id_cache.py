"""The id cache: a repeat upload reads nothing it remembers; stale entries heal; no mix-ups."""

from __future__ import annotations

import math
from pathlib import Path

from practitest_async import Client, RunResult
from practitest_async.batch.cache import IdCache, cache_scope
from practitest_async.testing import EmulatorConfig, FakePractiTest

from .conftest import FAST, LIMIT, PROJECT, WINDOW, runs_per_test, seed_set


def report_set(fake: FakePractiTest) -> int:
    """The id of the set named Nightly in the emulator."""
    return next(s.id for s in fake.state.sets.values() if s.name == "Nightly")


def _results(n: int) -> list[RunResult]:
    return [RunResult(f"test {i:05d}", "FAILED" if i % 7 == 0 else "PASSED") for i in range(n)]


async def _upload(fake: FakePractiTest, cache: Path, n: int, **options: object) -> int:
    """Upload ``n`` results with the cache; return the calls the emulator saw."""
    before = fake.stats.total_calls
    async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as client:
        report = await client.upload_results(
            PROJECT, _results(n), test_set="Nightly", cache=cache, **options
        )
    assert report.ok, report.failed[:3]
    assert report.uploaded == n
    return fake.stats.total_calls - before


async def test_a_repeat_upload_makes_only_the_run_posts(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    n = 245
    seed_set(fake, "Nightly", n, with_instances=n)
    cache = tmp_path / "ids.sqlite3"

    first = await _upload(fake, cache, n)
    second = await _upload(fake, cache, n)

    assert first == math.ceil(n / 20) + math.ceil(n / 100) + 1  # find the set, read its pages
    assert second == math.ceil(n / 20) + 1  # the documented constant: one GET of the set
    assert [r.path for r in fake.stats.log[first:] if r.method == "GET"] == [
        f"/api/v2/projects/{PROJECT}/sets/{report_set(fake)}.json"
    ]
    assert runs_per_test(fake) == {f"test {i:05d}": 2 for i in range(n)}


async def test_ids_learned_from_new_tests_and_instances_are_remembered(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    # 10 tests exist in the set, 10 exist outside it, 10 do not exist at all.
    seed_set(fake, "Nightly", 20, with_instances=10)
    cache = tmp_path / "ids.sqlite3"
    results = [RunResult(f"test {i:05d}") for i in range(30)]

    async with Client(fake.token, base_url=fake.url, rate_limit=FAST) as client:
        first = await client.upload_results(PROJECT, results, test_set="Nightly", cache=cache)
        assert first.ok, first.failed[:3]
        before = fake.stats.total_calls
        second = await client.upload_results(PROJECT, results, test_set="Nightly", cache=cache)

    assert second.ok, second.failed[:3]
    assert fake.stats.total_calls - before == math.ceil(30 / 20) + 1
    assert runs_per_test(fake) == {f"test {i:05d}": 2 for i in range(30)}


async def test_a_deleted_instance_is_healed_without_loss_or_duplicate(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    n = 60
    set_id = seed_set(fake, "Nightly", n, with_instances=n)
    cache = tmp_path / "ids.sqlite3"
    await _upload(fake, cache, n)
    # Somebody deletes two instances (and with them their runs) between the two uploads.
    gone = sorted(i.id for i in fake.state.instances.values() if i.set_id == set_id)[5:7]
    for instance_id in gone:
        fake.state.delete_instance(instance_id)

    await _upload(fake, cache, n)

    counts = runs_per_test(fake)
    assert sum(1 for c in counts.values() if c == 2) == n - 2  # untouched: one run per upload
    assert sorted(c for c in counts.values() if c != 2) == [1, 1]  # re-created instance, 1 run
    assert len(fake.state.runs) == 2 * n - 2
    # The healed results now live on new instances, which the cache learned.
    new = {i.test_id: i.id for i in fake.state.instances.values() if i.set_id == set_id}
    ids = IdCache(cache)
    try:
        assert ids.instance_ids(cache_scope(fake.url, PROJECT), set_id, list(new)) == new
    finally:
        ids.close()


async def test_a_cache_of_another_base_url_or_project_is_never_used(tmp_path: Path) -> None:
    cache = tmp_path / "ids.sqlite3"
    n = 40
    config = EmulatorConfig(limit=LIMIT, window=WINDOW)
    async with FakePractiTest(config) as first, FakePractiTest(config) as second:
        seed_set(first, "Nightly", n, with_instances=n)
        await _upload(first, cache, n)
        # The other account has the same names under other ids: the cache must not be used.
        second.add_test(PROJECT, "padding")  # shifts every id by one
        seed_set(second, "Nightly", n, with_instances=n)

        calls = await _upload(second, cache, n)

        assert calls == math.ceil(n / 20) + math.ceil(n / 100) + 1
        assert runs_per_test(second) == {f"test {i:05d}": 1 for i in range(n)}
        # ...and another project of the first account neither.
        other = first.add_project("Other")
        for i in range(3):
            first.add_test(other.id, f"test {i:05d}")
        async with Client(first.token, base_url=first.url, rate_limit=FAST) as client:
            report = await client.upload_results(
                other.id, _results(3), test_set="Nightly", cache=cache
            )
        assert report.ok, report.failed[:3]
        in_other = [r for r in first.state.runs.values() if r.project_id == other.id]
        assert len(in_other) == 3
        assert first.state.sets[report.set_id].project_id == other.id


async def test_a_set_deleted_and_made_again_is_found_by_its_name(
    fake: FakePractiTest, tmp_path: Path
) -> None:
    n = 30
    old = seed_set(fake, "Nightly", n, with_instances=n)
    cache = tmp_path / "ids.sqlite3"
    await _upload(fake, cache, n)
    fake.state.delete_set(old)  # and with it its instances and runs
    new = fake.add_set(PROJECT, "Nightly")
    for test in sorted(fake.state.tests.values(), key=lambda t: t.id):
        fake.add_instance(PROJECT, new.id, test.id)

    await _upload(fake, cache, n)

    assert {r.instance_id for r in fake.state.runs.values()} == {
        i.id for i in fake.state.instances.values() if i.set_id == new.id
    }
    assert len(fake.state.runs) == n
