"""Headless Chromium for the report tests (Selenium); skips cleanly when it is absent.

Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Screenshots
go to ``$HETEROLAB_ARTIFACTS/report-screenshots`` (default ``artifacts/report-screenshots``
in the repository), which CI keeps.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)


def artifact_dir() -> Path:
    """Folder for screenshots kept by CI."""
    root = Path(os.environ.get("HETEROLAB_ARTIFACTS", REPO / "artifacts"))
    out = root / "report-screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _binary(*names: str) -> str | None:
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


@contextmanager
def chromium(profile: Path) -> Iterator[object]:
    """A Selenium Chrome driver on headless Chromium with a fresh profile in ``profile``."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    browser = _binary("chromium", "chromium-browser", "google-chrome")
    driver_bin = _binary("chromedriver", "chromium-driver")
    if browser is None or driver_bin is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
