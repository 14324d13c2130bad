"""Front-end settings: flags, then ``PRACTITEST_*`` environment variables, then
``[tool.practitest]`` in ``pyproject.toml``, in that order of precedence.

The token is read from the environment (``PRACTITEST_TOKEN``) or from a file
(``--token-file`` / ``PRACTITEST_TOKEN_FILE``), never from a flag or pyproject: process lists and
repositories are visible to others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .client import Client
from .environment import (
    TOKEN_KINDS,
    US,
    client_options,
    read_pyproject,
    read_settings,
)
from .errors import ConfigurationError

__all__ = ["TOKEN_KINDS", "Settings", "load_settings", "read_pyproject"]


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a front end needs to connect and upload."""

    token: str | None = attrs.field(default=None, repr=False)
    base_url: str = US
    email: str | None = attrs.field(default=None, repr=False)  # developer_email: never shown
    auth: str = "header"
    token_kind: str = "personal"
    rate_limit: int = 30
    rate_period: float = 60.0  # seconds; only the emulator and tests compress it
    timeout: float | None = None  # seconds per request (None: the client's default, 60)
    max_retry_after: float | None = None  # longest Retry-After obeyed (None: 3 periods)
    circuit_failures: int | None = None  # requests in a row without answer (None: 5)
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
        token, options = client_options(self.token, attrs.asdict(self))
        options.update(overrides)
        return token, options

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


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    pyproject: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge flags (None = not given), the environment and pyproject, and validate."""
    token, values = read_settings(flags, environ=environ, pyproject=pyproject)
    return Settings(token=token, **values)
