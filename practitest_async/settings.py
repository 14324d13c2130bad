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
from .transport import AUTH_MODES

_KEYS = {
    # setting: (environment variable, pyproject key)
    "base_url": ("PRACTITEST_BASE_URL", "base-url"),
    "email": ("PRACTITEST_EMAIL", "email"),
    "auth": ("PRACTITEST_AUTH", "auth"),
    "rate_limit": ("PRACTITEST_RATE_LIMIT", "rate-limit"),
    "rate_period": ("PRACTITEST_RATE_PERIOD", "rate-period"),
    "project": ("PRACTITEST_PROJECT", "project"),
    "test_set": ("PRACTITEST_SET", "set"),
    "version": ("PRACTITEST_VERSION", "version"),
    "create_missing": ("PRACTITEST_CREATE_MISSING", "create-missing"),
    "journal": ("PRACTITEST_JOURNAL", "journal"),
    "name_template": ("PRACTITEST_NAME_TEMPLATE", "name-template"),
    "token_file": ("PRACTITEST_TOKEN_FILE", "token-file"),
}


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a front end needs to connect and upload."""

    token: str | None = attrs.field(default=None, repr=False)
    base_url: str = US
    email: str | None = None
    auth: str = "header"
    rate_limit: int = 30
    rate_period: float = 60.0  # seconds; only the emulator and tests compress it
    project: int | None = None
    test_set: str | int | None = None
    version: str | None = None
    create_missing: bool = True
    journal: str | None = None
    name_template: str = "{classname}.{name}"

    def client(self, **overrides: Any) -> Client:
        """A :class:`Client` for these settings (raises ConfigurationError without a token)."""
        if not self.token:
            raise ConfigurationError(
                "no PractiTest token: set PRACTITEST_TOKEN or pass --token-file PATH "
                "(tokens are never taken from flags: process lists are visible)"
            )
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "email": self.email,
            "auth": self.auth,
            "rate_limit": RateLimit(
                calls=self.rate_limit,
                period=self.rate_period,
                latency_margin=min(1.0, self.rate_period / 60),
            ),
        }
        options.update(overrides)
        return Client(self.token, **options)

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
    raw: dict[str, Any] = {}
    for name, (env_key, file_key) in _KEYS.items():
        if name in given:
            raw[name] = given[name]
        elif env.get(env_key, "").strip():
            raw[name] = env[env_key].strip()
        elif file_key in project_file:
            raw[name] = project_file[file_key]
    token = env.get("PRACTITEST_TOKEN", "").strip() or None
    if token_file := raw.pop("token_file", None):
        token = _read_token_file(Path(str(token_file)))
    return Settings(token=token, **_typed(raw))


def _read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the token file {path}: {exc.strerror}") from exc
    if not token:
        raise ConfigurationError(f"the token file {path} is empty")
    return token


def _typed(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for name in ("rate_limit", "project"):
        if name in out:
            try:
                out[name] = int(out[name])
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(
                    f"{name} must be a whole number, not {raw[name]!r}"
                ) from exc
    if "rate_period" in out:
        try:
            out["rate_period"] = float(out["rate_period"])
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"rate period must be seconds, not {raw['rate_period']!r}"
            ) from exc
    if "test_set" in out:
        text = str(out["test_set"]).strip()
        out["test_set"] = int(text) if text.isdigit() else text
    if "create_missing" in out and not isinstance(out["create_missing"], bool):
        out["create_missing"] = str(out["create_missing"]).lower() in ("1", "true", "yes", "on")
    if "auth" in out and out["auth"] not in AUTH_MODES:
        raise ConfigurationError(
            f"auth must be one of {', '.join(AUTH_MODES)}, not {out['auth']!r}"
        )
    if "rate_limit" in out and out["rate_limit"] < 2:
        raise ConfigurationError("rate limit must be at least 2 calls per minute")
    return out
