"""Users of the account, and their projects: ``/api/v2/users.json`` (Corporate accounts)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from ..codec import JSON
from ..models import ProjectGrant, User, UserProject, drafts_of
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, decode_list, document, filters, flag


def _user_path(user_id: int, rest: str = ".json") -> str:
    return f"/api/v2/users/{int(user_id)}{rest}"


class UsersService(Service):
    """Users of the account (a personal token sees those sharing a project with its owner)."""

    def list(
        self, *, email: str | None = None, active: bool = False, page_size: int = PAGE_SIZE
    ) -> Paginator[User]:
        """GET /api/v2/users.json (every page; ``active`` keeps users now in some project)."""
        params = filters(email=email, active=flag(active))
        return self._list("/api/v2/users.json", User, params, page_size=page_size)

    async def get(self, user_id: int) -> User:
        """GET /api/v2/users/{id}.json."""
        return await self._get(_user_path(user_id), User)

    async def create(
        self,
        *,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """POST /api/v2/users.json (422 if a user with that email exists)."""
        attributes = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "display_name": display_name,
        }
        return await self._write("POST", "/api/v2/users.json", User, document("users", attributes))

    async def update(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """PUT /api/v2/users/{id}.json (names only; the email cannot change)."""
        attributes = {
            "first_name": first_name,
            "last_name": last_name,
            "display_name": display_name,
        }
        return await self._write("PUT", _user_path(user_id), User, document("users", attributes))

    def list_projects(self, user_id: int, *, page_size: int = PAGE_SIZE) -> Paginator[UserProject]:
        """GET /api/v2/users/{id}/projects.json: the user's projects and groups (every page)."""
        return self._list(_user_path(user_id, "/projects.json"), UserProject, page_size=page_size)

    async def replace_projects(
        self, user_id: int, grants: Iterable[ProjectGrant | Mapping[str, Any]]
    ) -> builtins.list[UserProject]:
        """PUT /api/v2/users/{id}/projects.json: these projects and groups, and no others
        (:class:`ProjectGrant`, or mappings with ``project_id`` and ``group_ids``)."""
        checked = drafts_of(ProjectGrant, grants, "grants")
        projects: list[JSON] = [
            {"id": int(g.project_id), "groups": [{"id": int(gid)} for gid in g.group_ids]}
            for g in checked
        ]
        body: JSON = {"data": {"projects": projects}}  # no "attributes" here, as documented
        answer = await self._transport.request(
            "PUT", _user_path(user_id, "/projects.json"), json=body
        )
        return _user_projects(answer)

    async def revoke_projects(self, user_id: int) -> None:
        """DELETE /api/v2/users/{id}/projects.json: remove the user from every project."""
        await self._delete(_user_path(user_id, "/projects.json"))


def _user_projects(answer: object) -> builtins.list[UserProject]:
    return [] if answer is None else decode_list(answer, UserProject)
