"""Cucumber JSON: every corpus file, and a small file of our own per rule."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest

from practitest_async.batch.results import Status
from practitest_async.models import StepStatus
from practitest_async.reports import _shape, cucumber
from practitest_async.reports._base import Head, ReaderOptions, ReportError, result_key

from ._json_helpers import (
    by_name,
    corpus_file,
    corpus_names,
    counts,
    json_head,
    read_all,
    statuses,
    write_json,
)

# -- the corpus ------------------------------------------------------------------------------


CORPUS_CUCUMBER = [
    ("behave.json", counts(2, 1, 1)),
    ("cucumber-js-pickles.json", counts(40, 16, not_completed=14)),
    ("cucumber-js200-no-type.json", counts(1, 1, not_completed=1)),
    ("cucumber-jvm-embeddings-big.json", counts(2, 1, not_completed=1)),
    ("cucumber-jvm723-background-fail.json", counts(0, 2)),
    ("cucumber-ruby-pickles.json", counts(40, 17, not_completed=13)),
    ("cucumber-ruby200-outline-no-results.json", counts()),
    # SOURCES.md counts 2 (1 failed, 1 passed): they are two attempts of one scenario under
    # --retry, which the rule makes one result with the last attempt's status.
    ("cucumber-ruby710-retry.json", counts(1)),
]


@pytest.mark.parametrize(("name", "expected"), CORPUS_CUCUMBER)
def test_corpus_counts_and_statuses(name: str, expected: object) -> None:
    results, problems = read_all(cucumber.read, corpus_file("cucumber-json", name))
    assert statuses(results) == expected
    assert not problems
    assert len({r.key for r in results}) == len(results)


def test_corpus_retry_keeps_the_failed_attempt_in_the_output() -> None:
    path = corpus_file("cucumber-json", "cucumber-ruby710-retry.json")
    [result], _ = read_all(cucumber.read, path)
    assert result.status is Status.PASSED
    assert result.output is not None
    assert "[attempt 1: FAILED]" in result.output
    assert "Flaky (RuntimeError)" in result.output


def test_corpus_background_failure_reaches_both_scenarios() -> None:
    path = corpus_file("cucumber-json", "cucumber-jvm723-background-fail.json")
    results, _ = read_all(cucumber.read, path)
    for result in results:
        assert result.steps[0].name == "Given this step fails"
        assert result.steps[0].status is StepStatus.FAILED
        assert "this step failed" in (result.output or "")


def test_corpus_outline_rows_are_told_apart_by_their_values() -> None:
    results, _ = read_all(cucumber.read, corpus_file("cucumber-json", "cucumber-ruby-pickles.json"))
    names = [r.name for r in results]
    assert len(set(names)) == len(names) == 70
    assert "Addition.Adding several numbers [60, 70, 130, 260]" in names
    js200, _ = read_all(cucumber.read, corpus_file("cucumber-json", "cucumber-js200-no-type.json"))
    assert [r.name for r in js200] == [
        "scenario-outline.S1 [passing]",
        "scenario-outline.S1 [failing]",
        "scenario-outline.S1 [pending]",
    ]


def test_corpus_embeddings_become_attachments() -> None:
    path = corpus_file("cucumber-json", "cucumber-jvm-embeddings-big.json")
    results = by_name(read_all(cucumber.read, path)[0])
    failed = results["Second feature.Account may not have sufficient funds [example 1]"]
    files = {a.filename: a.content for a in failed.attachments}
    assert files["Some PNG image.png"].startswith(b"\x89PNG")
    assert any(len(c) > 400_000 for c in files.values())  # the WebM video, 456 kB
    assert "[attachment left out] embedding-9.txt: not valid base64" in (failed.output or "")


# -- rules, on files of our own --------------------------------------------------------------


def _step(keyword: str, name: str, status: str | None, error: str = "", **more: Any) -> Any:
    step: dict[str, Any] = {"keyword": keyword, "name": name, **more}
    if status is not None:
        step["result"] = {"status": status, "duration": 1_000_000}
        if error:
            step["result"]["error_message"] = error
    return step


def _feature(*elements: Any, name: str = "Cart", uri: str = "features/cart.feature") -> Any:
    return [{"uri": uri, "keyword": "Feature", "name": name, "elements": list(elements)}]


def _scenario(name: str, *steps: Any, line: int = 3, **more: Any) -> Any:
    return {
        "type": "scenario",
        "keyword": "Scenario",
        "name": name,
        "id": f"cart;{name}",
        "line": line,
        "steps": list(steps),
        **more,
    }


def _read(tmp_path: Path, data: Any, **options: Any) -> list[Any]:
    results, problems = read_all(cucumber.read, write_json(tmp_path, data), **options)
    assert not problems
    return results


def test_status_is_the_worst_of_the_steps(tmp_path: Path) -> None:
    results = _read(
        tmp_path,
        _feature(
            _scenario("ok", _step("Given ", "a", "passed"), _step("Then ", "b", "passed")),
            _scenario("broken", _step("Given ", "a", "passed"), _step("Then ", "b", "failed", "E")),
            _scenario("todo", _step("Given ", "a", "passed"), _step("Then ", "b", "undefined")),
            _scenario("pending", _step("Given ", "a", "pending"), _step("Then ", "b", "skipped")),
            _scenario("twice", _step("Given ", "a", "ambiguous")),
            _scenario("skipped", _step("Given ", "a", "skipped"), _step("Then ", "b", "skipped")),
        ),
    )
    assert [(r.name, r.status) for r in results] == [
        ("Cart.ok", Status.PASSED),
        ("Cart.broken", Status.FAILED),
        ("Cart.todo", Status.NOT_COMPLETED),
        ("Cart.pending", Status.NOT_COMPLETED),
        ("Cart.twice", Status.NOT_COMPLETED),
        ("Cart.skipped", Status.NO_RUN),
    ]
    ok_key = result_key(tmp_path / "report.json", "features/cart.feature", "Cart", "ok", ordinal=0)
    assert results[0].key == ok_key
    broken = results[1]
    assert [(s.name, s.status, s.actual) for s in broken.steps] == [
        ("Given a", StepStatus.PASSED, None),
        ("Then b", StepStatus.FAILED, "E"),
    ]
    # a pending step then skipped ones: sent as steps PractiTest reads as NOT COMPLETED
    assert [s.status for s in results[3].steps] == [StepStatus.NA, StepStatus.NO_RUN]


def test_a_single_undefined_step_cannot_be_a_step_so_it_is_listed(tmp_path: Path) -> None:
    [result] = _read(tmp_path, _feature(_scenario("todo", _step("Given ", "a", "undefined"))))
    assert result.status is Status.NOT_COMPLETED
    assert result.steps == ()
    assert "Given a" in (result.output or "")


def test_background_steps_belong_to_each_scenario(tmp_path: Path) -> None:
    background = {
        "type": "background",
        "keyword": "Background",
        "name": "",
        "steps": [_step("Given ", "a logged-in user", "failed", "login down")],
    }
    skipped = _step("When ", "I pay", "skipped")
    results = _read(
        tmp_path,
        _feature(background, _scenario("one", skipped), background, _scenario("two", skipped)),
    )
    assert [r.status for r in results] == [Status.FAILED, Status.FAILED]
    for result in results:
        assert [s.name for s in result.steps] == ["Given a logged-in user", "When I pay"]
        assert "login down" in (result.output or "")


def test_failing_hooks_block_or_fail_the_scenario(tmp_path: Path) -> None:
    hook_failed = [{"match": {"location": "Hooks.setUp()"}, "result": {"status": "failed"}}]
    results = _read(
        tmp_path,
        _feature(
            _scenario("before", _step("Given ", "a", "skipped"), before=hook_failed),
            _scenario("after", _step("Given ", "a", "passed"), after=hook_failed),
        ),
    )
    before, after = results
    assert before.status is Status.BLOCKED
    assert before.steps[0].status is StepStatus.BLOCKED
    assert "Hooks.setUp()" in (before.output or "")
    assert after.status is Status.FAILED
    assert after.steps[-1].name == "After hook"


def test_retried_attempts_are_one_result_with_the_last_status(tmp_path: Path) -> None:
    flaky = [
        _scenario("pay", _step("Given ", "a", "failed", "timeout 1")),
        _scenario("pay", _step("Given ", "a", "failed", "timeout 2")),
        _scenario("pay", _step("Given ", "a", "passed")),
    ]
    broken = [_scenario("ship", _step("Given ", "b", "failed", f"no {n}"), line=9) for n in (1, 2)]
    results = _read(tmp_path, _feature(*flaky, *broken))
    assert [(r.name, r.status) for r in results] == [
        ("Cart.pay", Status.PASSED),
        ("Cart.ship", Status.FAILED),
    ]
    assert "[retried] 3 attempts" in (results[0].output or "")
    assert "timeout 1" in (results[0].output or "")
    assert "timeout 2" in (results[0].output or "")
    assert "no 1" in (results[1].output or "")


def test_outline_rows_are_one_result_each_named_by_their_values(tmp_path: Path) -> None:
    rows = [
        {
            **_scenario("Add", _step("Given ", f"I enter {a} and {b}", "passed"), line=10 + a),
            "keyword": "Scenario Outline",
            "id": f"cart;add;;{a}",
        }
        for a, b in ((1, 2), (3, 4))
    ]
    results = _read(tmp_path, _feature(*rows))
    assert [r.name for r in results] == ["Cart.Add [1, 2]", "Cart.Add [3, 4]"]
    assert results[0].key != results[1].key


def test_nameless_scenario_is_named_after_its_feature(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        [result] = _read(tmp_path, _feature(_scenario("", _step("Given ", "a", "passed"))))
    assert result.name == "Cart (unnamed case 1)"
    assert "has no name" in caplog.text


def test_a_duration_over_seven_days_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    step = _step("Given ", "a", "passed")
    step["result"]["duration"] = 8 * 24 * 3600 * 10**9
    with caplog.at_level(logging.WARNING):
        [result] = _read(tmp_path, _feature(_scenario("slow", step)))
    assert result.duration is None
    assert "over 7 days" in caplog.text


def test_embeddings_attached_within_the_size_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_shape, "MAX_ATTACHMENT", 10)
    small = {"mime_type": "text/plain", "data": base64.b64encode(b"hi").decode()}
    large = {"mime_type": "image/png", "name": "shot", "data": base64.b64encode(b"x" * 50).decode()}
    step = _step("Given ", "a", "passed", embeddings=[small, large])
    [result] = _read(tmp_path, _feature(_scenario("s", step)))
    assert [(a.filename, a.content) for a in result.attachments] == [("embedding-1.txt", b"hi")]
    assert "[attachment left out] shot.png: larger than" in (result.output or "")


def test_status_map_and_omitting_skipped(tmp_path: Path) -> None:
    data = _feature(
        _scenario("todo", _step("Given ", "a", "undefined"), _step("Then ", "b", "skipped")),
        _scenario("skip", _step("Given ", "a", "skipped")),
    )
    results, _ = read_all(
        cucumber.read, write_json(tmp_path, data), status_map={"undefined": Status.FAILED}
    )
    assert results[0].status is Status.FAILED
    omitted, _ = read_all(cucumber.read, write_json(tmp_path, data), skipped="omit")
    assert [r.name for r in omitted] == ["Cart.todo"]


def test_behave_uses_the_element_status(tmp_path: Path) -> None:
    data = [
        {
            "keyword": "Feature",
            "name": "B",
            "location": "f.feature:1",
            "status": "failed",
            "elements": [
                {
                    "type": "scenario",
                    "keyword": "Scenario",
                    "name": "s",
                    "location": "f.feature:3",
                    "status": "skipped",
                    "steps": [_step("Given ", "a", "skipped")],
                }
            ],
        }
    ]
    [result] = _read(tmp_path, data)
    assert result.status is Status.NO_RUN


def test_empty_array_reads_as_no_results(tmp_path: Path) -> None:
    assert _read(tmp_path, []) == []


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"name": "x",\n   "elements": [}\n]')
    with pytest.raises(ReportError) as caught:
        list(cucumber.read(path, ReaderOptions(), lambda e: None))
    assert (caught.value.line, caught.value.column) == (3, 17)
    assert str(caught.value).startswith(f"{path}:3:17: malformed JSON")


def test_an_object_is_not_cucumber(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not an array of features"):
        list(cucumber.read(write_json(tmp_path, {"a": 1}), ReaderOptions(), lambda e: None))


def test_sniff() -> None:
    assert cucumber.sniff(json_head(_feature()))
    assert cucumber.sniff(json_head([]))
    assert not cucumber.sniff(json_head({"results": {}}))
    assert not cucumber.sniff(Head(kind="xml", root="robot"))
    assert not cucumber.sniff(json_head([{"foo": 1}]))
    # a feature's keys before a long "elements" value cut detection's look
    assert cucumber.sniff(Head(kind="json", json_type="array", json_keys=frozenset({"status"})))


def test_an_array_of_something_else_is_said(tmp_path: Path) -> None:
    results, problems = read_all(cucumber.read, write_json(tmp_path, [{"foo": 1}, 3]))
    assert results == []
    assert [p.message for p in problems] == [
        "item #1 is not a Cucumber feature; skipped",
        "feature #2 is not a JSON object; skipped",
    ]


def test_every_corpus_file_is_read_above() -> None:
    assert corpus_names("cucumber-json") == {name for name, _ in CORPUS_CUCUMBER}
