"""Front-end settings: flags, then PRACTITEST_* variables, then [tool.practitest]."""

from __future__ import annotations

from pathlib import Path

import pytest

from practitest_async import ConfigurationError
from practitest_async.settings import load_settings, read_pyproject

PYPROJECT = {"project": 7, "set": "From pyproject", "version": "0.9", "rate-limit": 60}


def test_flags_beat_the_environment_which_beats_pyproject() -> None:
    env = {"PRACTITEST_TOKEN": "tok", "PRACTITEST_SET": "From env", "PRACTITEST_VERSION": "1.0"}

    settings = load_settings({"version": "2.0"}, environ=env, pyproject=PYPROJECT)

    assert settings.version == "2.0"  # flag
    assert settings.test_set == "From env"  # environment
    assert settings.project == 7  # pyproject
    assert settings.rate_limit == 60
    assert settings.token == "tok"


def test_a_numeric_set_is_a_set_id() -> None:
    settings = load_settings({"test_set": "1234"}, environ={}, pyproject={})
    assert settings.test_set == 1234


def test_the_token_never_comes_from_a_flag_or_shows_in_repr() -> None:
    with pytest.raises(ConfigurationError, match="cannot be given as a flag"):
        load_settings({"token": "secret"}, environ={}, pyproject={})
    settings = load_settings({}, environ={"PRACTITEST_TOKEN": "secret"}, pyproject={})
    assert "secret" not in repr(settings)


def test_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")

    settings = load_settings({"token_file": str(token_file)}, environ={}, pyproject={})

    assert settings.token == "from-file"
    with pytest.raises(ConfigurationError, match="cannot read the token file"):
        load_settings({"token_file": str(tmp_path / "nope")}, environ={}, pyproject={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PRACTITEST_PROJECT": "seven"}, "PRACTITEST_PROJECT must be a whole number, not 'seven'"),
        ({"PRACTITEST_AUTH": "cookie"}, "PRACTITEST_AUTH must be one of header, basic, query"),
        ({"PRACTITEST_CREATE_MISSING": "maybe"}, "PRACTITEST_CREATE_MISSING must be true or false"),
        ({"PRACTITEST_RATE_LIMIT": "1"}, "at least 2 calls per minute"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({}, environ=env, pyproject={})


def test_a_bad_value_names_where_it_came_from() -> None:
    with pytest.raises(ConfigurationError, match=r"\[tool.practitest\] project must be a whole"):
        load_settings({}, environ={}, pyproject={"project": "x"})
    with pytest.raises(ConfigurationError, match="--rate-limit must be at least 2"):
        load_settings({"rate_limit": 1}, environ={}, pyproject={})


def test_the_journal_is_never_read_from_pyproject() -> None:
    # one journal per upload: a committed path would make every build skip the last one's
    assert load_settings({}, environ={}, pyproject={"journal": "j.sqlite"}).journal is None
    assert load_settings({}, environ={"PRACTITEST_JOURNAL": "j"}, pyproject={}).journal == "j"


def test_missing_token_and_target_are_clear_errors() -> None:
    settings = load_settings({}, environ={}, pyproject={})
    with pytest.raises(ConfigurationError, match="no PractiTest token"):
        settings.client()
    with pytest.raises(ConfigurationError, match="missing --project and --set"):
        settings.require_upload_target()


def test_pyproject_is_found_above_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.practitest]\nproject = 3\nset = "Nightly"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)

    assert read_pyproject(nested) == {"project": 3, "set": "Nightly"}
    (tmp_path / "pyproject.toml").write_text("[tool.practitest\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        read_pyproject(nested)


@pytest.mark.parametrize(
    "variable",
    ["PRACTITEST_RATE_PERIOD", "PRACTITEST_TIMEOUT", "PRACTITEST_MAX_RETRY_AFTER"],
)
@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_seconds_must_be_a_finite_number_above_zero(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        load_settings({}, environ={variable: value}, pyproject={})


def test_timeout_retry_after_cap_and_circuit_reach_the_client() -> None:
    env = {
        "PRACTITEST_TOKEN": "tok",
        "PRACTITEST_TIMEOUT": "2.5",
        "PRACTITEST_MAX_RETRY_AFTER": "30",
        "PRACTITEST_CIRCUIT_FAILURES": "4",
    }
    client = load_settings({}, environ=env, pyproject={}).client()

    assert client.transport.timeout.total == 2.5
    assert client.transport.retry.max_retry_after == 30
    assert client.transport.retry.circuit_failures == 4
    with pytest.raises(ConfigurationError, match="PRACTITEST_CIRCUIT_FAILURES must be at least 1"):
        load_settings({}, environ={"PRACTITEST_CIRCUIT_FAILURES": "0"}, pyproject={})


def test_the_email_is_not_in_the_settings_repr() -> None:
    env = {"PRACTITEST_TOKEN": "tok", "PRACTITEST_EMAIL": "dev.person@example.com"}
    assert "dev.person" not in repr(load_settings({}, environ=env, pyproject={}))
