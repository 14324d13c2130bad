"""Decoding never breaks a page (issue 10): answers fed from JSON fixtures in tests/data/api.

- an enum value we do not know decodes to an UNKNOWN member carrying the raw string, on every
  enum-typed field of every model, logged once per value at debug level;
- custom-field values keep null and their JSON types, keys of another shape go to ``extra``,
  the docs' nested multilist typo is flattened;
- ``links`` / ``relationships`` of models without such a field are kept in ``extra``;
- ``decode_refs`` / ``decode_ids`` read ids only, for the batch layer.
"""

from __future__ import annotations

import enum
import json
import logging
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest

from practitest_async import Client, models
from practitest_async.codec import (
    RESOURCE_TYPES,
    Ref,
    decode_flat,
    decode_ids,
    decode_refs,
    decode_resource,
    encode_resource,
    is_unknown,
)
from practitest_async.pagination import parse_page
from practitest_async.testing import FakePractiTest

DATA = Path(__file__).parent / "data" / "api"
MODELS_BY_TYPE = {
    name: cls for cls, name in RESOURCE_TYPES.items() if cls is not models.UserProject
}


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def enum_fields() -> list[tuple[type[Any], str, type[enum.Enum]]]:
    """(model, field, enum) for every enum-typed field of every model."""
    found = []
    for cls in [*MODELS_BY_TYPE.values(), models.Field]:
        attrs.resolve_types(cls, globalns=vars(models))
        for field in attrs.fields(cls):
            for arg in typing.get_args(field.type) or (field.type,):
                if isinstance(arg, type) and issubclass(arg, enum.Enum):
                    found.append((cls, field.name, arg))
    return found


ENUM_FIELDS = enum_fields()
UNKNOWN = fixture("unknown_enums.json")


def decode_fixture(cls: type[Any]) -> tuple[Any, dict[str, Any]]:
    if cls is models.Field:
        raw = UNKNOWN["fields"]
        return decode_flat(raw, cls), raw
    raw = UNKNOWN[RESOURCE_TYPES[cls]]
    return decode_resource(raw, cls), raw["attributes"]


@pytest.mark.parametrize(
    ("cls", "name", "kind"), ENUM_FIELDS, ids=[f"{c.__name__}.{n}" for c, n, _ in ENUM_FIELDS]
)
def test_an_unknown_enum_value_decodes_keeping_the_raw_string(
    cls: type[Any], name: str, kind: type[enum.Enum]
) -> None:
    model, raw = decode_fixture(cls)
    sent = raw[name if cls is models.Field else name.replace("_", "-")]
    value = getattr(model, name)
    assert isinstance(value, kind)
    assert is_unknown(value)
    assert value.name == "UNKNOWN"
    assert value.value == sent
    assert value == sent  # a str enum: it compares (and serialises) as the raw string
    assert json.loads(json.dumps(encode_resource(model) if cls is not models.Field else sent))


def test_every_enum_field_is_in_the_fixture() -> None:
    assert len(ENUM_FIELDS) >= 16
    for cls, name, _ in ENUM_FIELDS:
        _, raw = decode_fixture(cls)
        assert (name if cls is models.Field else name.replace("_", "-")) in raw, (cls, name)


def test_known_values_are_members_as_before() -> None:
    test = decode_resource({"id": "1", "attributes": {"test-type": "ApiTest"}}, models.Test)
    assert test.test_type is models.TestType.API
    assert not is_unknown(test.test_type)


def test_an_unknown_value_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    obj = {"id": "1", "attributes": {"test-type": "NeverSeenBeforeTest"}}
    with caplog.at_level(logging.DEBUG, logger="practitest_async"):
        first = decode_resource(obj, models.Test)
        second = decode_resource(obj, models.Test)
    logged = [r for r in caplog.records if "NeverSeenBeforeTest" in r.getMessage()]
    assert len(logged) == 1
    assert "TestType" in logged[0].getMessage()
    assert first.test_type is second.test_type


@pytest.mark.parametrize("kind", sorted(UNKNOWN.keys() - {"_comment", "fields"}))
def test_a_page_with_unknown_values_decodes_whole(kind: str) -> None:
    cls = MODELS_BY_TYPE[kind]
    other = {"id": "99", "type": kind, "attributes": {}}
    page = parse_page(
        {"data": [UNKNOWN[kind], other], "meta": {"next-page": None}},
        1,
        100,
        lambda data: [decode_resource(item, cls) for item in data],
    )
    assert [item.id for item in page.items] == [int(UNKNOWN[kind]["id"]), 99]


async def test_a_paginator_over_the_emulator_survives_unknown_values() -> None:
    async with FakePractiTest() as fake:
        test = fake.add_test(1, "t")
        fake.state.tests[test.id].test_type = "JUnitTest"
        fake.add_test(1, "u")
        async with Client(fake.token, base_url=fake.url) as client:
            found = await client.tests.list(1).to_list()
    assert [t.name for t in found] == ["t", "u"]
    assert found[0].test_type == "JUnitTest"
    assert is_unknown(found[0].test_type)


# --- custom fields ----------------------------------------------------------------------------


def test_custom_field_values_keep_their_json_types_and_unknown_keys() -> None:
    test = decode_resource(fixture("custom_fields.json")["data"], models.Test)
    assert test.custom_fields == {
        8282: "High",
        24: ["ClientA", "ClientB"],  # the docs' ["ClientA", ["ClientB"]], flattened
        30: None,
        31: 42,
        32: 2.5,
        33: True,
        34: [],
    }
    assert test.extra["custom-fields"] == {
        "___f_35": "fields.json spelling",
        "label": "no id at all",
    }
    back = encode_resource(test)["attributes"]["custom-fields"]  # type: ignore[index]
    assert back["label"] == "no id at all"  # type: ignore[index]
    assert back["---f-31"] == 42  # type: ignore[index]


# --- links and relationships ------------------------------------------------------------------


def test_links_and_relationships_are_kept() -> None:
    run_obj, set_obj, test_obj = fixture("links_and_relationships.json")["data"]
    run = decode_resource(run_obj, models.Run)
    test_set = decode_resource(set_obj, models.TestSet)
    test = decode_resource(test_obj, models.Test)
    assert run.extra["@links"] == run_obj["links"]
    assert run.extra["@relationships"] == run_obj["relationships"]
    assert test_set.extra["@relationships"] == set_obj["relationships"]
    assert test.relationships == {"requirements": [7]}  # a model with the field decodes them
    assert test.extra["@links"] == {"self": "x"}
    encoded = encode_resource(run)
    assert encoded["links"] == run_obj["links"]
    assert "@links" not in encoded["attributes"]  # type: ignore[operator]
    named_links = decode_resource({"id": "4", "attributes": {"links": 3}}, models.Run)
    assert named_links.extra == {"links": 3}  # an attribute of that name stays an attribute
    assert encode_resource(named_links)["attributes"]["links"] == 3  # type: ignore[index]


# --- ids only ---------------------------------------------------------------------------------


def test_decode_refs_reads_the_ids_of_a_bulk_answer() -> None:
    answer = {
        "data": [
            {"id": "5", "type": "runs", "attributes": {"instance-id": 7, "test-id": 9}},
            {"id": "6", "type": "instances", "attributes": {"test-id": 3, "set-id": 2}},
        ]
    }
    assert decode_refs(answer) == [Ref(5, 7, 9, None), Ref(6, None, 3, 2)]
    assert decode_ids(answer) == [5, 6]
    assert decode_ids({"data": {"id": "8", "type": "runs"}}) == [8]
    assert decode_refs({"data": None}) == []


def test_importing_the_models_compiles_no_structure_function() -> None:
    code = (
        "import linecache, practitest_async.models as m, practitest_async.codec as c;"
        "print(sum('cattrs generated' in k for k in linecache.cache));"
        "c.decode_resource({'id': '1', 'attributes': {}}, m.Run);"
        "print(sum('cattrs generated' in k for k in linecache.cache))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "0"  # nothing generated at import
    assert int(out[1]) >= 1  # generated on first use
