"""The one exception handlers raise; the server turns it into ``{"errors": [{"title": ...}]}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An HTTP error answer: a status and one title per problem."""

    def __init__(self, status: int, *titles: str, headers: Mapping[str, str] | None = None):
        super().__init__(f"{status}: {'; '.join(titles)}")
        self.status = status
        self.titles = titles or (f"HTTP {status}",)
        self.headers = dict(headers or {})

    def document(self) -> dict[str, Any]:
        return error_document(self.titles)


def error_document(titles: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"errors": [{"title": t} for t in titles]}


def invalid(*titles: str) -> ApiError:
    return ApiError(422, *titles)


def not_found(kind: str, record_id: int | str, project_id: int | None = None) -> ApiError:
    where = f" in project {project_id}" if project_id is not None else ""
    return ApiError(404, f"{kind} {record_id} not found{where}")
