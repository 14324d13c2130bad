"""docs/endpoints.md against the code and the emulator.

The table must name, for every endpoint the emulator serves (every endpoint of the reference),
an SDK method that exists and whose docstring names that endpoint; every public service method
must be in it; and every row, called against the emulator, must send exactly the request the
row describes.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from practitest_async import Client
from practitest_async.services import Links
from practitest_async.services._base import Service
from practitest_async.testing import FakePractiTest
from practitest_async.testing.routes import ROUTES

from .conftest import wire
from .endpoint_cases import CASES, P, seed

TABLE = Path(__file__).parents[2] / "docs" / "endpoints.md"
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| (.+) \|$")


@attrs.frozen
class Row:
    method: str
    path: str
    methods: tuple[str, ...]  # "client.tests.get", ...


def read_table() -> list[Row]:
    rows = []
    for line in TABLE.read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            names = tuple(re.findall(r"`(client\.[\w.]+)`", match.group(3)))
            rows.append(Row(match.group(1), match.group(2), names))
    return rows


ROWS = read_table()
CALLS = [(row.method, row.path, name) for row in ROWS for name in row.methods]


def resolve(client: Client, name: str) -> Any:
    target: Any = client
    for part in name.split(".")[1:]:
        target = getattr(target, part)
    return target


def public_methods(client: Client) -> set[str]:
    """``client.<service>.<method>`` for every public method of every service, and
    ``client.<service>.<linked_x>.<method>`` for every traceability pair."""
    names = set()
    for attr, service in vars(client).items():
        if not isinstance(service, Service):
            continue
        for name, member in inspect.getmembers(service):
            if name.startswith("_"):
                continue
            if isinstance(member, Links):
                for verb in ("list", "add", "replace", "remove"):
                    names.add(f"client.{attr}.{name}.{verb}")
            elif inspect.ismethod(member):
                names.add(f"client.{attr}.{name}")
    return names


def test_the_table_has_every_endpoint_once() -> None:
    endpoints = [(row.method, row.path) for row in ROWS]
    assert len(endpoints) == len(set(endpoints)) == 90
    assert all(row.methods for row in ROWS)


def test_the_rows_are_the_endpoints_the_emulator_serves() -> None:
    served = {(route.method, route.template) for route in ROUTES}
    assert {(row.method, row.path) for row in ROWS} == served


def test_every_row_names_a_method_whose_docstring_names_the_endpoint() -> None:
    client = Client("unused", base_url="http://127.0.0.1:9")
    for method, path, name in CALLS:
        function = resolve(client, name)
        assert callable(function), name
        summary = (inspect.getdoc(function) or "").splitlines()[0]
        owner = function.__self__
        if isinstance(owner, Links):
            assert owner.endpoint == path, name
            assert summary.startswith(f"{method} .../{{base}}/{{id}}/relationships/"), name
        else:
            assert summary.startswith(f"{method} {path}"), (name, summary)


def test_every_public_service_method_has_a_row() -> None:
    client = Client("unused", base_url="http://127.0.0.1:9")
    in_table = {name for _, _, name in CALLS}
    assert public_methods(client) == in_table


def test_every_row_has_a_case() -> None:
    assert set(CASES) == {name for _, _, name in CALLS}


@pytest.mark.parametrize(
    ("method", "template", "name"), CALLS, ids=[f"{m} {n}" for m, _, n in CALLS]
)
async def test_row_sends_what_it_says(
    fake: FakePractiTest, client: Client, method: str, template: str, name: str
) -> None:
    world = seed(fake)
    before = len(fake.log)
    sent = await CASES[name](client, world, fake)
    received = fake.log[before:]
    assert len(received) == 1, [(r.method, r.path) for r in received]
    (request,) = received
    assert request.status is not None
    assert request.status < 400
    assert request.route == template
    path = template.replace("{p}", str(P)).replace("{id}", str(sent.id))
    assert wire(request) == (method, path, sent.query, sent.body)
