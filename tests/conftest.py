"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from shared_paths import SHARED_DATA

# Property tests are reproducible (same examples every run) and free of wall-clock deadlines,
# which a loaded 2-core CI machine would otherwise trip at random.
settings.register_profile(
    "heterolab", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("heterolab")


@pytest.fixture
def shared_data() -> Path:
    """Root of ../shared/data (skips when absent)."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA
