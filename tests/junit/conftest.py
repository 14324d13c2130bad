"""Sample reports live in tests/data/junit; tests run from there so keys read as users see them."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "junit"


@pytest.fixture
def in_samples(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from the samples folder, the way CI runs an upload from its workspace."""
    monkeypatch.chdir(DATA)
    return DATA
