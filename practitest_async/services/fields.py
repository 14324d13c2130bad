"""Project fields: ``/api/v2/projects/{p}/fields.json`` (system and custom; not JSON:API)."""

from __future__ import annotations

from typing import Any

from ..codec import decode_flat
from ..models import Field
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, project_path


def _decode_fields(data: Any) -> list[Field]:
    return [decode_flat(item, Field) for item in data]


class FieldsService(Service):
    """Every field of a project, built-in and custom, with the entities it applies to."""

    def list(self, project_id: int, *, page_size: int = PAGE_SIZE) -> Paginator[Field]:
        """GET /api/v2/projects/{p}/fields.json (every page; flat snake_case items)."""
        path = project_path(project_id, "fields.json")
        return self._list(path, Field, decode=_decode_fields, page_size=page_size)
