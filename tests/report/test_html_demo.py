"""The demo's report in a real browser (#15): headless Chromium loads every page of
``heterolab demo``'s report with no console error, the series tables hold the stored values and
the thesis comparisons, screenshots kept as CI artifacts.

Skips with the reason when Chromium, its driver or Selenium is absent.
"""

from __future__ import annotations

import json

import pytest
from report_browser import artifact_dir, chromium

from heterolab.demo import run_demo, write_demo_report

pytestmark = pytest.mark.slow


def test_every_demo_page_loads_without_console_errors(tmp_path):
    from selenium.webdriver.common.by import By

    run = run_demo(tmp_path / "demo", progress=False)
    index = write_demo_report(run)
    pages = sorted(index.parent.rglob("*.html"))
    assert len(pages) >= 1 + 9 + 3  # index, a page per technique, problems/provenance/samples
    series = json.loads(run.results_json.read_text("utf-8"))["series"]
    shots = artifact_dir()
    with chromium(tmp_path / "profile") as driver:
        for page in pages:
            driver.get(page.resolve().as_uri())
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], (page, errors)
            rel = page.relative_to(index.parent)
            driver.save_screenshot(str(shots / f"demo_{str(rel).replace('/', '_')}.png"))
        driver.get(index.resolve().as_uri())
        for sid, rows in series.items():
            table = driver.find_element(By.CSS_SELECTOR, f'table[data-series="{sid}"]')
            cells = table.find_elements(By.CSS_SELECTOR, "tbody tr")
            assert len(cells) == len(rows)
            for tr, row in zip(cells, rows, strict=True):
                value = tr.find_element(By.CSS_SELECTOR, "td[data-value]")
                assert float(value.get_attribute("data-value")) == row["value"]
        eta = driver.find_element(By.CSS_SELECTOR, 'table[data-series="eta-vs-pbs"]')
        verdicts = [td.text for td in eta.find_elements(By.CSS_SELECTOR, "tbody tr td:last-child")]
        assert verdicts == ["ok", "differs", "ok", "ok", "ok"]
