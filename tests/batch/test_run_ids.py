"""The report's run ids past the point where they move to a temporary file: every key is still
found, updated and removed as in a dict (the file is looked at only for keys that went there)."""

from __future__ import annotations

import pytest

from practitest_async.batch.runids import RunIds


def test_run_ids_spilled_to_the_file_read_update_and_delete_like_a_dict() -> None:
    ids = RunIds(spill=3)
    expected: dict[str, int] = {}
    for n in range(10):
        ids[f"results.xml::suite::case {n}::0"] = 100 + n
        expected[f"results.xml::suite::case {n}::0"] = 100 + n
    ids["results.xml::suite::case 1::0"] = 999  # in the file by now
    expected["results.xml::suite::case 1::0"] = 999
    del ids["results.xml::suite::case 2::0"]
    del expected["results.xml::suite::case 2::0"]

    assert "file" in repr(ids)  # most of them really are in the file
    assert len(ids) == len(expected) == 9
    assert ids == expected
    assert ids["results.xml::suite::case 0::0"] == 100
    assert ids.get("results.xml::suite::case 2::0") is None
    with pytest.raises(KeyError):
        del ids["results.xml::suite::case 2::0"]
    assert list(ids) == list(expected)
