"""Checking a journal's path before anything is sent (PractiTest's and Xray's journals alike).

SQLite opens a read-only file without complaint and fails at the first write, mid-upload; it
also writes beside the file (``-wal``, ``-shm``), so the folder must be writable too.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigurationError


def check_journal_path(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ConfigurationError` naming the problem when ``path`` cannot be a journal."""
    where = Path(path)
    if where.is_dir():
        raise ConfigurationError(f"the journal {path} is a directory; give a file path")
    if not where.parent.is_dir():
        raise ConfigurationError(
            f"the journal {path} cannot be created: its folder {where.parent} does not exist"
        )
    for needed in ([where] if where.exists() else []) + [where.parent]:
        if not os.access(needed, os.W_OK):
            raise ConfigurationError(f"the journal {path} cannot be written: {needed} is read-only")
