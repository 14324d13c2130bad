"""The JSON:API codec, as properties (hypothesis): what the wire says survives a round trip.

- kebab-case attribute names <-> snake_case fields;
- the string ``id`` <-> int;
- ``custom-fields`` ``---f-N`` keys <-> ``dict[int, str | list[str]]``;
- ISO-8601 datetimes with an offset <-> aware datetimes;
- ``HH:MM:SS`` <-> timedelta;
- attributes a model does not know are tolerated and kept.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from practitest_async.codec import (
    custom_field_value,
    decode_custom_fields,
    decode_resource,
    encode_custom_fields,
    encode_resource,
    format_datetime,
    format_duration,
    kebab,
    parse_datetime,
    parse_duration,
)
from practitest_async.models import Instance, Project, Run, RunStatus, StepRun, Test, TestSet

MODELS = [Project, Test, TestSet, Instance, Run, StepRun]

# --- strategies -------------------------------------------------------------------------------

words = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
snake_names = st.lists(words, min_size=1, max_size=4).map("_".join)
system_ids = st.integers(min_value=1, max_value=10**12)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
custom_values = st.one_of(texts, st.lists(texts, max_size=4))
custom_fields = st.dictionaries(system_ids, custom_values, max_size=5)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=offsets
).map(lambda d: d.replace(microsecond=0))
durations = st.integers(min_value=-(10**7), max_value=10**7).map(lambda s: dt.timedelta(seconds=s))
# JSON values a newer server might send for attributes we do not know yet
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def run_objects(draw: st.DrawFn) -> dict[str, Any]:
    """A ``runs`` resource object as PractiTest sends it (no nulls: absent is absent)."""
    candidates: dict[str, Any] = {
        "project-id": draw(system_ids),
        "status": draw(st.sampled_from([s.value for s in RunStatus])),
        "tester-id": draw(system_ids),
        "instance-id": draw(system_ids),
        "preconditions": draw(texts),
        "version": draw(texts),
        "test-id": draw(system_ids),
        "run-type": draw(st.sampled_from(["AutomatedRun", "ManualRun"])),
        "automated-execution-output": draw(texts),
        "run-duration": format_duration(draw(durations)),
        "custom-fields": encode_custom_fields(draw(custom_fields)),
        "created-at": format_datetime(draw(aware_datetimes)),
        "updated-at": format_datetime(draw(aware_datetimes)),
    }
    present = draw(st.sets(st.sampled_from(sorted(candidates))))
    attributes = {k: v for k, v in candidates.items() if k in present}
    unknown = draw(st.dictionaries(snake_names.map(kebab), json_values, max_size=4))
    attributes.update({k: v for k, v in unknown.items() if k not in candidates})
    return {"id": str(draw(system_ids)), "type": "runs", "attributes": attributes}


# --- names ------------------------------------------------------------------------------------


@given(snake_names)
def test_kebab_case_and_snake_case_are_each_others_inverse(name: str) -> None:
    assert "_" not in kebab(name)
    assert kebab(name).replace("-", "_") == name


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_field_travels_under_its_kebab_case_name(model: type[Any]) -> None:
    fields = {f.name for f in attrs.fields(model)} - {"id", "extra", "relationships"}
    encoded = encode_resource(decode_resource({"id": "1", "attributes": {}}, model))
    assert set(encoded["attributes"]) == {kebab(name) for name in fields}  # type: ignore[arg-type]


# --- ids, custom fields, dates, durations -----------------------------------------------------


@given(system_ids)
def test_string_ids_become_ints_and_back(system_id: int) -> None:
    run = decode_resource({"id": str(system_id), "type": "runs", "attributes": {}}, Run)
    assert run.id == system_id
    assert isinstance(run.id, int)
    assert encode_resource(run)["id"] == str(system_id)


@given(custom_fields)
def test_custom_fields_round_trip(values: dict[int, str | list[str]]) -> None:
    wire = encode_custom_fields(values)
    assert all(key.startswith("---f-") for key in wire)
    assert all(isinstance(v, str) or all(isinstance(i, str) for i in v) for v in wire.values())
    assert decode_custom_fields(wire) == values


def test_custom_field_keys_of_another_shape_are_ignored() -> None:
    # fields.json spells them ___f_N; only ---f-N belongs in an entity's custom-fields
    wire = {"---f-22": "Windows", "---f-24": ["ClientA", "ClientB"], "___f_25": "x", "f-3": "y"}
    assert decode_custom_fields(wire) == {22: "Windows", 24: ["ClientA", "ClientB"]}


@given(aware_datetimes)
def test_datetimes_keep_their_offset(moment: dt.datetime) -> None:
    text = format_datetime(moment)
    back = parse_datetime(text)
    assert back == moment
    assert back.utcoffset() == moment.utcoffset()
    assert format_datetime(back) == text


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("2017-01-27T12:19:46+00:00", 0),
        ("2020-12-09T17:00:24+02:00", 2),
        ("2019-07-10T20:18:34Z", 0),
    ],
)
def test_the_documented_datetime_spellings_parse(text: str, offset_hours: int) -> None:
    parsed = parse_datetime(text)
    assert parsed.utcoffset() == dt.timedelta(hours=offset_hours)


@given(durations)
def test_durations_round_trip_through_hh_mm_ss(duration: dt.timedelta) -> None:
    text = format_duration(duration)
    assert parse_duration(text) == duration
    hours, minutes, seconds = text.lstrip("-").split(":")
    assert len(hours) >= 2
    assert len(minutes) == 2
    assert len(seconds) == 2


@given(st.integers(0, 999), st.integers(0, 59), st.integers(0, 59))
def test_hh_mm_ss_strings_round_trip(hours: int, minutes: int, seconds: int) -> None:
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    assert parse_duration(text) == dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize("text", ["", "12:00", "1:60:00", "aa:bb:cc", "01:02:03:04"])
def test_a_malformed_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM:SS"):
        parse_duration(text)


# --- whole resources --------------------------------------------------------------------------


@given(run_objects())
def test_a_resource_survives_decode_then_encode(obj: dict[str, Any]) -> None:
    run = decode_resource(obj, Run)
    encoded = encode_resource(run)
    # A known attribute that was absent comes back as null ({} for custom fields): the same
    # thing said twice. Unknown ones come back exactly as they were.
    known = {kebab(f.name) for f in attrs.fields(Run)} | {"custom-fields"}
    attributes = {
        k: v
        for k, v in encoded["attributes"].items()  # type: ignore[union-attr]
        if k not in known or v not in (None, {})
    }
    obj_attributes = {k: v for k, v in obj["attributes"].items() if k not in known or v != {}}
    assert encoded["id"] == obj["id"]
    assert encoded["type"] == "runs"
    assert attributes == obj_attributes
    assert json.loads(json.dumps(encoded)) == encoded  # plain JSON all the way down


@given(run_objects())
def test_unknown_attributes_are_tolerated_and_kept(obj: dict[str, Any]) -> None:
    run = decode_resource(obj, Run)
    known = {kebab(f.name) for f in attrs.fields(Run)} | {"custom-fields"}
    unknown = {k: v for k, v in obj["attributes"].items() if k not in known}
    assert run.extra == unknown


@given(run_objects())
def test_a_model_survives_encode_then_decode(obj: dict[str, Any]) -> None:
    run = decode_resource(obj, Run)
    assert decode_resource(encode_resource(run), Run) == run


def test_a_wrongly_typed_attribute_names_the_resource() -> None:
    obj = {"id": "7", "type": "runs", "attributes": {"run-duration": "soon"}}
    with pytest.raises(ValueError, match="runs 7"):
        decode_resource(obj, Run)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_custom_field_value_is_written_plainly(value: float) -> None:
    text = custom_field_value(value, field=1)
    assert isinstance(text, str)
    assert "e" not in text.lower()
    assert float(text) == value
