"""Step 5 of PractiTest's automation guide: clone last release's set for the new version, then
send this version's results to the clone.

    python examples/clone_set_for_version.py
"""

from __future__ import annotations

import asyncio

from _connect import connect

from practitest_async import Client, RunResult, TestSet


async def main() -> None:
    async with connect() as (client, project_id):
        template = await _a_release_set(client, project_id)
        clone = await client.sets.clone(project_id, template.id, name="Regression 2.1")
        print(f"cloned set {template.id} ({template.name!r}) as {clone.id} ({clone.name!r})")

        results = [
            RunResult(f"regression.case_{i:02d}", "FAILED" if i == 4 else "PASSED")
            for i in range(12)
        ]
        report = await client.upload_results(project_id, results, test_set=clone.id, version="2.1")
        print(report.summary())


async def _a_release_set(client: Client, project_id: int) -> TestSet:
    """The set to clone: "Regression 2.0" if it exists, else one made here for the example."""
    page = await client.sets.list(project_id, name_exact="Regression 2.0")
    if page.items:
        return page.items[0]
    tests = [
        await client.tests.create(project_id, name=f"regression.case_{i:02d}") for i in range(12)
    ]
    return await client.sets.create(
        project_id, name="Regression 2.0", test_ids=[t.id for t in tests]
    )


if __name__ == "__main__":
    asyncio.run(main())
