"""The report in a real browser: headless Chromium loads every page with no console error,
hostile names stay text, table values equal the store's, screenshots kept (#15).

Skips with the reason when Chromium, its driver or Selenium is absent.
"""

from __future__ import annotations

import time

import pytest
from report_browser import artifact_dir, chromium
from report_site import EVIL, stored_values, write_results

from heterolab.report.html import build_site
from heterolab.report.html_source import from_results_folder

pytestmark = pytest.mark.slow


def _wait_for_plots(driver, timeout: float = 15.0) -> int:
    """Wait until every plot div has been drawn by plotly.js; return their number."""
    script = (
        "const d = document.querySelectorAll('div.plot');"
        "return [d.length, Array.from(d).filter(x => x.querySelector('.main-svg')).length];"
    )
    end = time.monotonic() + timeout
    while True:
        total, drawn = driver.execute_script(script)
        if drawn == total or time.monotonic() > end:
            return drawn
        time.sleep(0.1)


# (step, quantity, data-value, shown text) of every number cell: cards name the quantity on the
# row, series tables in the column header.
_CELLS = """
const out = [];
for (const td of document.querySelectorAll('td[data-value]')) {
  const tr = td.closest('tr');
  const step = tr.dataset.step || (td.closest('section') || {dataset: {}}).dataset.step;
  let name = tr.dataset.name;
  if (!name) {
    const th = td.closest('table').querySelectorAll('thead th')[td.cellIndex];
    name = th ? th.dataset.name : null;
  }
  out.push([step, name, td.dataset.value, td.textContent]);
}
return out;
"""


def test_every_page_loads_without_console_errors_and_values_match(tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    payload = write_results(tmp_path / "results")
    stored = stored_values(payload)
    site = build_site(from_results_folder(tmp_path / "results"), tmp_path / "site")
    shots = artifact_dir()
    checked: set[tuple[str, str]] = set()
    headings: list[str] = []
    with chromium(tmp_path / "profile") as driver:
        for page in site.pages:
            driver.get(page.resolve().as_uri())
            n_plots = len(driver.find_elements(By.CSS_SELECTOR, "div.plot"))
            assert _wait_for_plots(driver) == n_plots, page
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], (page, errors)
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 - the injected script never ran
            rel = page.relative_to(site.root)
            driver.save_screenshot(str(shots / f"{str(rel).replace('/', '_')}.png"))
            for step, name, value, text in driver.execute_script(_CELLS):
                if (step, name) not in stored:
                    continue
                v, err = stored[(step, name)]
                assert float(value) == v
                shown = float(text.split(" ± ")[0].strip("("))
                scale = 10 ** float(text.split("e")[1]) if text.startswith("(") else 1.0
                assert abs(shown * scale - v) <= max(abs(err or 0.0), abs(v) * 1e-6)
                checked.add((step, name))
            headings.append(driver.find_element(By.TAG_NAME, "h1").text)
    assert checked == set(stored)
    assert f"Sample: {EVIL}" in headings  # shown as text, never run
