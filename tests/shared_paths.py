"""Paths to ../shared (read-only reference data and spec) with clean skips when absent.

Usage in a test module: ``from shared_paths import shared_file``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"


def shared_file(*parts: str) -> Path:
    """Path into ../shared/data; skips the calling test when the file is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not available: {p}")
    return p
