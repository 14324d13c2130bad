"""Checking a journal's path before anything is sent (PractiTest's and Xray's journals alike).

SQLite opens a read-only file without complaint and fails at the first write, mid-upload; it
also writes beside the file (``-wal``, ``-shm``), so the folder must be writable too.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigurationError


def journal_path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be a journal (a sentence naming it), or None when it can."""
    where = Path(path)
    if where.is_dir():
        return f"the journal {path} is a directory; give a file path"
    if not where.parent.is_dir():
        return f"the journal {path} cannot be created: its folder {where.parent} does not exist"
    for needed in ([where] if where.exists() else []) + [where.parent]:
        if not os.access(needed, os.W_OK):
            return f"the journal {path} cannot be written: {needed} is read-only"
    return None


def check_journal_path(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ConfigurationError` naming the problem when ``path`` cannot be a journal."""
    if (problem := journal_path_problem(path)) is not None:
        raise ConfigurationError(problem)
