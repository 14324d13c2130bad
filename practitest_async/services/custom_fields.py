"""Custom fields: ``/api/v2/projects/{p}/custom_fields.json`` (no create or delete in the API)."""

from __future__ import annotations

from ..models import CustomField, PossibleValues
from ..pagination import PAGE_SIZE, Paginator
from ._base import Service, document, project_path


class CustomFieldsService(Service):
    """Custom fields of a project."""

    def list(self, project_id: int, *, page_size: int = PAGE_SIZE) -> Paginator[CustomField]:
        """GET /api/v2/projects/{p}/custom_fields.json (every page)."""
        return self._list(
            project_path(project_id, "custom_fields.json"), CustomField, page_size=page_size
        )

    async def get(self, project_id: int, custom_field_id: int) -> CustomField:
        """GET /api/v2/projects/{p}/custom_fields/{id}.json."""
        path = project_path(project_id, f"custom_fields/{int(custom_field_id)}.json")
        return await self._get(path, CustomField)

    async def update(
        self,
        project_id: int,
        custom_field_id: int,
        *,
        name: str | None = None,
        possible_values: PossibleValues = None,
        parent_list_id: int | None = None,
        possible_values_parent_cf_id: int | None = None,
    ) -> CustomField:
        """PUT /api/v2/projects/{p}/custom_fields/{id}.json (``possible_values`` replaces the
        list; add a value by sending the old ones and the new one)."""
        path = project_path(project_id, f"custom_fields/{int(custom_field_id)}.json")
        attributes = {
            "name": name,
            "possible_values": possible_values,
            "parent_list_id": parent_list_id,
            "possible_values_parent_cf_id": possible_values_parent_cf_id,
        }
        return await self._write("PUT", path, CustomField, document("custom_fields", attributes))
