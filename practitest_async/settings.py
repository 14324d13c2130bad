"""Front-end settings: flags, then ``PRACTITEST_*`` environment variables, then
``[tool.practitest]`` in ``pyproject.toml``, in that order of precedence.

The token is read from the environment (``PRACTITEST_TOKEN``) or from a file
(``--token-file`` / ``PRACTITEST_TOKEN_FILE``), never from a flag or pyproject: process lists and
repositories are visible to others.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .client import US, Client
from .errors import ConfigurationError
from .limiter import RateLimit
from .limiter.store import redact_url
from .transport import AUTH_MODES

TOKEN_KINDS = ("personal", "account")
LIMITER_SCHEMES = ("sqlite", "redis", "rediss", "unix")

_KEYS: dict[str, tuple[str, str | None]] = {
    # setting: (environment variable, pyproject key; None: not from pyproject)
    "base_url": ("PRACTITEST_BASE_URL", "base-url"),
    "email": ("PRACTITEST_EMAIL", "email"),
    "auth": ("PRACTITEST_AUTH", "auth"),
    "rate_limit": ("PRACTITEST_RATE_LIMIT", "rate-limit"),
    "rate_period": ("PRACTITEST_RATE_PERIOD", "rate-period"),
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


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a front end needs to connect and upload."""

    token: str | None = attrs.field(default=None, repr=False)
    base_url: str = US
    email: str | None = None
    auth: str = "header"
    token_kind: str = "personal"
    rate_limit: int = 30
    rate_period: float = 60.0  # seconds; only the emulator and tests compress it
    project: int | None = None
    test_set: str | int | None = None
    version: str | None = None
    create_missing: bool = True
    journal: str | None = None
    name_template: str = "{classname}.{name}"
    limiter: str | None = attrs.field(default=None, repr=False)  # a URL may hold a password
    limiter_key: str | None = None

    def client(self, **overrides: Any) -> Client:
        """A :class:`Client` for these settings (raises ConfigurationError without a token)."""
        token, options = self.client_arguments(**overrides)
        return Client(token, **options)

    def client_arguments(self, **overrides: Any) -> tuple[str, dict[str, Any]]:
        """The token and keyword arguments of a :class:`Client` for these settings."""
        if not self.token:
            raise ConfigurationError(
                "no PractiTest token: set PRACTITEST_TOKEN (or PRACTITEST_TOKEN_FILE, or pass "
                "--token-file PATH); tokens are never taken from flags: process lists are visible"
            )
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "email": self.email,
            "auth": self.auth,
            "token_kind": self.token_kind,
            "rate_limit": RateLimit(
                calls=self.rate_limit,
                period=self.rate_period,
                latency_margin=min(1.0, self.rate_period / 60),
            ),
        }
        if self.limiter is not None:
            options["limiter"] = self.limiter
        if self.limiter_key is not None:
            options["limiter_key"] = self.limiter_key
        options.update(overrides)
        return self.token, options

    def require_upload_target(self) -> tuple[int, str | int]:
        """The project id and the set (name or id), or a clear error naming what is missing."""
        missing = [
            flag
            for flag, value in (("--project", self.project), ("--set", self.test_set))
            if value is None
        ]
        if missing:
            raise ConfigurationError(
                f"missing {' and '.join(missing)} (or PRACTITEST_PROJECT / PRACTITEST_SET, "
                "or [tool.practitest] in pyproject.toml)"
            )
        assert self.project is not None
        assert self.test_set is not None
        return self.project, self.test_set


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


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    pyproject: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge flags (None = not given), the environment and pyproject, and validate."""
    env = os.environ if environ is None else environ
    project_file = read_pyproject() if pyproject is None else pyproject
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    if "token" in given:
        raise ConfigurationError("the token cannot be given as a flag; use PRACTITEST_TOKEN")
    raw: dict[str, tuple[Any, str]] = {}  # setting: (value, where it came from)
    for name, (env_key, file_key) in _KEYS.items():
        flag = "--" + name.replace("_", "-").replace("test-set", "set")
        if name in given:
            raw[name] = (given[name], flag)
        elif env.get(env_key, "").strip():
            raw[name] = (env[env_key].strip(), env_key)
        elif file_key is not None and file_key in project_file:
            raw[name] = (project_file[file_key], f"[tool.practitest] {file_key}")
    token = env.get("PRACTITEST_TOKEN", "").strip() or None
    if "token_file" in raw:
        token = _read_token_file(Path(str(raw.pop("token_file")[0])))
    return Settings(token=token, **{name: _typed(name, *item) for name, item in raw.items()})


def _read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the token file {path}: {exc.strerror}") from exc
    if not token:
        raise ConfigurationError(f"the token file {path} is empty")
    return token


def _typed(name: str, value: Any, where: str) -> Any:
    """One setting's value, checked; an error names where the value came from."""

    def bad(expected: str) -> ConfigurationError:
        return ConfigurationError(f"{where} must be {expected}, not {value!r}")

    if name in ("rate_limit", "project"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad("a whole number") from None
        if name == "rate_limit" and number < 2:
            raise bad("at least 2 calls per minute")
        return number
    if name == "rate_period":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad("a number of seconds") from None
    if name == "limiter":
        text = str(value).strip()
        if text.lower() != "local" and text.split(":", 1)[0].lower() not in LIMITER_SCHEMES:
            raise ConfigurationError(
                f"{where} must be local, sqlite:///PATH or redis://HOST:PORT/DB, not "
                f"{redact_url(text)!r}"
            )
        return text
    if name == "test_set":
        text = str(value).strip()
        return int(text) if text.isdigit() else text
    if name == "create_missing":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            return value if isinstance(value, bool) else text in ("1", "true", "yes", "on")
        raise bad("true or false")
    if name in ("auth", "token_kind"):
        choices = AUTH_MODES if name == "auth" else TOKEN_KINDS
        text = str(value).strip().lower()
        if text not in choices:
            raise bad("one of " + ", ".join(choices))
        return text
    return value
