"""Reading ``PRACTITEST_*`` settings: flags, then environment variables, then
``[tool.practitest]`` in ``pyproject.toml``, each value checked and typed.

This is the layer under both :class:`~practitest_async.client.Client` (``Client.from_env``) and
the front ends' :class:`~practitest_async.settings.Settings`, so neither imports the other's
module in both directions.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .limiter import RateLimit
from .limiter.store import redact_url
from .transport import AUTH_MODES, RetryPolicy

US = "https://api.practitest.com"
EU = "https://eu1-prod-api.practitest.app"
TOKEN_KINDS = ("personal", "account")

KEYS: dict[str, tuple[str, str | None]] = {
    # setting: (environment variable, pyproject key; None: not from pyproject)
    "base_url": ("PRACTITEST_BASE_URL", "base-url"),
    "email": ("PRACTITEST_EMAIL", "email"),
    "auth": ("PRACTITEST_AUTH", "auth"),
    "rate_limit": ("PRACTITEST_RATE_LIMIT", "rate-limit"),
    "rate_period": ("PRACTITEST_RATE_PERIOD", "rate-period"),
    "timeout": ("PRACTITEST_TIMEOUT", "timeout"),
    "max_retry_after": ("PRACTITEST_MAX_RETRY_AFTER", "max-retry-after"),
    "circuit_failures": ("PRACTITEST_CIRCUIT_FAILURES", "circuit-failures"),
    "project": ("PRACTITEST_PROJECT", "project"),
    "test_set": ("PRACTITEST_SET", "set"),
    "version": ("PRACTITEST_VERSION", "version"),
    "create_missing": ("PRACTITEST_CREATE_MISSING", "create-missing"),
    # A journal belongs to one upload: a path committed in pyproject would be reused by
    # every build, and each would skip the results of the last.
    "journal": ("PRACTITEST_JOURNAL", None),
    "name_template": ("PRACTITEST_NAME_TEMPLATE", "name-template"),
    "token_file": ("PRACTITEST_TOKEN_FILE", "token-file"),
    "token_kind": ("PRACTITEST_TOKEN_KIND", "token-kind"),
    # The shared budget (issue 8): where it is kept, and its name.
    "limiter": ("PRACTITEST_LIMITER", "limiter"),
    "limiter_key": ("PRACTITEST_LIMITER_KEY", "limiter-key"),
}
LIMITER_SCHEMES = ("sqlite", "redis", "rediss", "unix")
# Seconds: a finite number above zero (0, nan and inf are refused, naming the setting).
_SECONDS = ("rate_period", "timeout", "max_retry_after")


def read_pyproject(start: Path | None = None) -> dict[str, Any]:
    """``[tool.practitest]`` of the nearest pyproject.toml at or above ``start`` (cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigurationError(f"{candidate}: not valid TOML: {exc}") from exc
            section = data.get("tool", {}).get("practitest", {})
            if not isinstance(section, dict):
                raise ConfigurationError(f"{candidate}: [tool.practitest] must be a table")
            return section
    return {}


def read_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    pyproject: Mapping[str, Any] | None = None,
) -> tuple[str | None, dict[str, Any]]:
    """The token and the typed values given (flags, then environment, then pyproject)."""
    env = os.environ if environ is None else environ
    project_file = read_pyproject() if pyproject is None else pyproject
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    if "token" in given:
        raise ConfigurationError("the token cannot be given as a flag; use PRACTITEST_TOKEN")
    raw: dict[str, tuple[Any, str]] = {}  # setting: (value, where it came from)
    for name, (env_key, file_key) in KEYS.items():
        flag = "--" + name.replace("_", "-").replace("test-set", "set")
        if name in given:
            raw[name] = (given[name], flag)
        elif env.get(env_key, "").strip():
            raw[name] = (env[env_key].strip(), env_key)
        elif file_key is not None and file_key in project_file:
            raw[name] = (project_file[file_key], f"[tool.practitest] {file_key}")
    token = env.get("PRACTITEST_TOKEN", "").strip() or None
    if "token_file" in raw:
        token = read_token_file(Path(str(raw.pop("token_file")[0])))
    return token, {name: typed(name, *item) for name, item in raw.items()}


def client_options(token: str | None, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The token and keyword arguments of a ``Client`` for these values (raises
    ConfigurationError without a token)."""
    if not token:
        raise ConfigurationError(
            "no PractiTest token: set PRACTITEST_TOKEN (or PRACTITEST_TOKEN_FILE, or pass "
            "--token-file PATH); tokens are never taken from flags: process lists are visible"
        )
    period = float(values.get("rate_period") or 60.0)
    options: dict[str, Any] = {
        "base_url": values.get("base_url") or US,
        "email": values.get("email"),
        "auth": values.get("auth") or "header",
        "token_kind": values.get("token_kind") or "personal",
        "rate_limit": RateLimit(
            calls=int(values.get("rate_limit") or 30),
            period=period,
            latency_margin=min(1.0, period / 60),
        ),
    }
    if values.get("timeout") is not None:
        options["timeout"] = float(values["timeout"])
    retry = {
        name: values[name]
        for name in ("max_retry_after", "circuit_failures")
        if values.get(name) is not None
    }
    if retry:
        options["retry"] = RetryPolicy(**retry)
    for name in ("limiter", "limiter_key"):
        if values.get(name) is not None:
            options[name] = values[name]
    return token, options


def read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the token file {path}: {exc.strerror}") from exc
    if not token:
        raise ConfigurationError(f"the token file {path} is empty")
    return token


def typed(name: str, value: Any, where: str) -> Any:
    """One setting's value, checked; an error names where the value came from."""

    def bad(expected: str) -> ConfigurationError:
        return ConfigurationError(f"{where} must be {expected}, not {value!r}")

    if name in ("rate_limit", "project", "circuit_failures"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad("a whole number") from None
        if name == "rate_limit" and number < 2:
            raise bad("at least 2 calls per minute")
        if name == "circuit_failures" and number < 1:
            raise bad("at least 1 (failures in a row before the circuit opens)")
        return number
    if name in _SECONDS:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            raise bad("a number of seconds") from None
        if not math.isfinite(seconds) or seconds <= 0:
            raise bad("a finite number of seconds above 0")
        return seconds
    if name == "test_set":
        text = str(value).strip()
        return int(text) if text.isdigit() else text
    if name == "create_missing":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            return value if isinstance(value, bool) else text in ("1", "true", "yes", "on")
        raise bad("true or false")
    if name == "limiter":
        text = str(value).strip()
        if text.lower() != "local" and text.split(":", 1)[0].lower() not in LIMITER_SCHEMES:
            raise ConfigurationError(
                f"{where} must be local, sqlite:///PATH or redis://HOST:PORT/DB, not "
                f"{redact_url(text)!r}"
            )
        return text
    if name in ("auth", "token_kind"):
        choices = AUTH_MODES if name == "auth" else TOKEN_KINDS
        text = str(value).strip().lower()
        if text not in choices:
            raise bad("one of " + ", ".join(choices))
        return text
    return value
