"""Users of the account (Corporate only): list, create, show, update."""

from __future__ import annotations

from typing import Any

from practitest_async.testing import render_account
from practitest_async.testing.context import Call, Reply, ok
from practitest_async.testing.errors import ApiError, not_found
from practitest_async.testing.filters import flag
from practitest_async.testing.handlers.common import collect, corporate_only, read_present
from practitest_async.testing.jsonapi import document
from practitest_async.testing.pagination import paginated
from practitest_async.testing.records import User
from practitest_async.testing.validate import Fields, Invalid, single

NAMES = ("first-name", "last-name", "display-name")


def visible_users(call: Call) -> list[User]:
    """Account tokens see every user of the account; a PAT those sharing a project with it."""
    store = call.store
    users = store.account_users(call.grant.account_id)
    if call.grant.kind == "personal":
        mine = set(store.memberships.get(call.grant.user_id or 0, {}))
        users = [u for u in users if mine & set(store.memberships.get(u.id, {}))]
    return sorted(users, key=lambda u: u.id)


def the_user(call: Call) -> User:
    """The path's user, in the token's account (only the list is narrowed for a PAT)."""
    corporate_only(call)
    user = call.store.users.get(call.id)
    if user is None or user.account_id != call.grant.account_id:
        raise not_found("user", call.id)
    return user


def list_users(call: Call) -> Reply:
    corporate_only(call)
    users = visible_users(call)
    email = call.query.get("email")
    if email is not None:
        users = [u for u in users if u.email.lower() == email.lower()]
    if flag(call, "active"):  # active: connected to at least one project now
        users = [u for u in users if call.store.memberships.get(u.id)]
    return paginated(call, users, lambda u: render_account.user(call.store, u))


def show_user(call: Call) -> Reply:
    return ok(document(render_account.user(call.store, the_user(call))))


def _names(f: Fields) -> dict[str, Any]:
    return read_present(f, {key: f.text for key in NAMES})


def _new_user(call: Call, f: Fields) -> tuple[str, dict[str, Any]]:
    email = f.required_text("email")
    if "@" not in email:
        raise Invalid(f"{f.path('email')} {email!r} is not an email address")
    for u in call.store.account_users(call.grant.account_id):
        if u.email.lower() == email.lower():
            raise Invalid(f"{f.path('email')}: a user with email {email} already exists")
    return email, _names(f)


def create_user(call: Call) -> Reply:
    corporate_only(call)
    data = single(call.body)
    email, names = collect([lambda: _new_user(call, data.sub("attributes", required=True))])[0]
    names.setdefault("display_name", email)
    u = call.store.add_user(email, account_id=call.grant.account_id, time_zone=None, **names)
    return ok(document(render_account.user(call.store, u)))


def update_user(call: Call) -> Reply:
    u = the_user(call)
    data = single(call.body)
    names = collect([lambda: _names(data.sub("attributes", required=True))])[0]
    if "email" in data.sub("attributes").values:
        raise ApiError(422, "data.attributes.email cannot be changed")
    for name, value in names.items():
        setattr(u, name, value)
    return ok(document(render_account.user(call.store, u)))
