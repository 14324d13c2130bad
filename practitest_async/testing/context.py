"""What a handler gets (``Call``) and what it gives back (``Reply``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from yarl import URL

from practitest_async.testing.config import EmulatorConfig, TokenGrant
from practitest_async.testing.errors import ApiError
from practitest_async.testing.records import Project
from practitest_async.testing.store import Store


@attrs.frozen(kw_only=True)
class Reply:
    """A response: JSON ``body`` (None for no content) or ``raw`` bytes."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class Call:
    """One authenticated, routed request. ``params`` are the ids in the path."""

    store: Store
    config: EmulatorConfig
    grant: TokenGrant
    params: Mapping[str, int]
    query: Mapping[str, str]
    body: Any
    url: URL
    project_or_none: Project | None = None
    method: str = "GET"

    @property
    def project(self) -> Project:
        if self.project_or_none is None:
            raise ApiError(500, "route has no project")  # a route-table mistake, not the caller's
        return self.project_or_none

    @property
    def pid(self) -> int:
        return self.project.id

    @property
    def id(self) -> int:
        return self.params["id"]


Handler = Callable[[Call], Reply]


def ok(body: Any) -> Reply:
    return Reply(body=body)


def done(call: Call, document: Any) -> Reply:
    """The answer to a delete or a link change, as the config's ``delete_response`` says."""
    if call.config.delete_response == "no_content":
        return Reply(status=204)
    return Reply(body=document)
