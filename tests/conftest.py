"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_paths import SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    """Root of ../shared/data (skips when absent)."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA
