"""Settings of the emulator: rate limit, tokens, seed data and the choices for UNCONFIRMED facts."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from practitest_async.testing.faults import Faults

TokenKind = Literal["personal", "account"]
DEFAULT_TOKEN = "test-token"


@attrs.frozen(kw_only=True)
class TokenGrant:
    """What a token may do: which account it belongs to and whose PAT it is.

    ``kind="personal"`` (a PAT) acts as ``user_id``; ``kind="account"`` has no user, so
    POST tests/requirements/issues must name ``author-id``. ``impersonation`` lets a PAT send
    ``author-id``/``updated-by-user-id``/``user-id``/``tester-id`` of another user.
    """

    account_id: int
    kind: TokenKind = "personal"
    user_id: int | None = None
    impersonation: bool = False

    def __attrs_post_init__(self) -> None:
        if self.kind == "personal" and self.user_id is None:
            raise ValueError("a personal token (PAT) needs a user_id")


@attrs.frozen(kw_only=True)
class ProjectSeed:
    """A project present when the emulator starts."""

    id: int
    name: str
    account_id: int = 1
    automation_support: bool = True
    enable_delete_issues: bool = True
    time_management_support: bool = False


@attrs.frozen(kw_only=True)
class UserSeed:
    """A user present when the emulator starts; a member of every seeded project of its account."""

    id: int
    email: str
    account_id: int = 1
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    time_zone: str = "UTC"


def _default_tokens() -> Mapping[str, TokenGrant]:
    return {DEFAULT_TOKEN: TokenGrant(account_id=1, kind="personal", user_id=1)}


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value}")


@attrs.frozen(kw_only=True)
class EmulatorConfig:
    """Everything the emulator can be told. Defaults follow the docs, or the strict choice.

    Rate limit: ``limit`` calls per fixed ``window`` seconds per account. With
    ``window_alignment="clock"`` windows start at multiples of ``window`` on ``clock``;
    with ``"first_call"`` the first call of an account starts its first window.
    """

    limit: int = attrs.field(default=30, validator=_positive)
    window: float = attrs.field(default=60.0, validator=_positive)
    window_alignment: Literal["clock", "first_call"] = "clock"
    retry_after_header: bool = False
    tokens: Mapping[str, TokenGrant] = attrs.field(factory=_default_tokens)
    projects: tuple[ProjectSeed, ...] = (ProjectSeed(id=1, name="Demo project"),)
    users: tuple[UserSeed, ...] = (UserSeed(id=1, email="tester@example.com"),)
    default_page_size: int = 100
    max_page_size: int = 100
    max_page_size_behaviour: Literal["error", "clamp"] = "error"
    max_output_chars: int = 255
    long_output_behaviour: Literal["error", "truncate"] = "error"
    max_instances_per_request: int = 20
    max_runs_per_request: int = 20
    max_steps_per_request: int = 100
    max_step_name_chars: int = 255
    # A run with neither steps nor exit-code: the docs say nothing; "NO RUN" is the strict choice.
    status_without_result: Literal["NO RUN", "PASSED"] = "NO RUN"
    # A run step without "status": reject (strict) or treat as NO RUN.
    missing_step_status: Literal["error", "no_run"] = "error"
    # A PAT without impersonation naming another user: 403 (strict) or silently ignored.
    foreign_user_with_pat: Literal["error", "ignore"] = "error"
    # "strict": custom field ---f-N must exist in the project and list values be allowed.
    custom_field_checking: Literal["strict", "shape"] = "strict"
    require_json_content_type: bool = True
    # DELETE and traceability POST/PATCH/DELETE: 204 without body, or 200 with a document.
    delete_response: Literal["no_content", "document"] = "no_content"
    attachment_redirect_status: int = 302
    corporate_account: bool = True
    # Issue workflow: update_status accepts these (case-insensitive) and stores the name sent.
    issue_statuses: tuple[str, ...] = (
        "New",
        "Open",
        "Assigned",
        "Fixed",
        "Closed",
        "Reopened",
        "Rejected",
    )
    timeout_fault_seconds: float = 3600.0
    faults: Faults = attrs.field(factory=Faults)
    clock: Callable[[], float] = time.time

    def __attrs_post_init__(self) -> None:
        user_ids = {u.id for u in self.users}
        for token, grant in self.tokens.items():
            if grant.kind == "personal" and grant.user_id not in user_ids:
                raise ValueError(
                    f"token {token!r} is a PAT of user {grant.user_id}, "
                    "who is not among the configured users"
                )

    def grant_for(self, token: str) -> TokenGrant | None:
        return self.tokens.get(token)

    def token_of_account(self, account_id: int) -> str:
        for token, grant in self.tokens.items():
            if grant.account_id == account_id:
                return token
        raise LookupError(f"no token for account {account_id}")
