"""Where attachment downloads are redirected to, like a storage bucket: no token, not counted."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from practitest_async.testing.records import Attachment
from practitest_async.testing.store import Store

STORAGE_PREFIX = "/_storage/attachments/"


def blob_path(att: Attachment) -> str:
    return f"{STORAGE_PREFIX}{att.id}/{quote(att.name)}"


def serve_blob(store: Store, path: str) -> web.Response:
    attachment_id, _, _ = path.removeprefix(STORAGE_PREFIX).partition("/")
    att = store.attachments.get(int(attachment_id)) if attachment_id.isdigit() else None
    if att is None:
        return web.Response(status=404, text="NoSuchKey", content_type="text/plain")
    return web.Response(
        body=att.content,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{att.name}"'},
    )
