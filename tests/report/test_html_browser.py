"""The HTML report in a real headless Chromium (Debian's chromium + chromium-driver).

`.ci/run` installs them; locally the tests skip when they are missing, in CI they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qa.glossary.load import load_glossaries
from qa.model import Report
from qa.pipeline import CheckOptions, run_check
from qa.report.html import BLOCK_LEVEL_FAMILIES, render
from tests.conftest import EXAMPLES, REPO

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)")
        pytest.skip("chromium / chromium-driver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def open_report(browser, report: Report, path: Path):
    path.write_text(render(report), encoding="utf-8")
    browser.get(path.resolve().as_uri())
    return browser


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def check(target: Path, source: Path | None, model: str | None) -> Report:
    glossary = load_glossaries(sorted((REPO / "glossaries").glob("*.csv")))
    return run_check(CheckOptions(target=target, source=source, model=model), glossary)


def expected_marks(report: Report) -> int:
    """Findings on a span of text, one mark per range; a range overlapping an earlier one is
    listed under its pair but not highlighted twice."""
    ranges = sorted(
        {(f.line, f.column, f.end_line, f.end_column) for f in report.findings if f.text}
        - {
            (f.line, f.column, f.end_line, f.end_column)
            for f in report.findings
            if f.rule.startswith(BLOCK_LEVEL_FAMILIES)
        }
    )
    kept: list[tuple[int, int, int, int]] = []
    for start_line, start_column, end_line, end_column in ranges:
        if kept and (start_line, start_column) < (kept[-1][2], kept[-1][3]):
            continue
        kept.append((start_line, start_column, end_line, end_column))
    return len(kept)


@pytest.fixture(scope="module", autouse=True)
def screenshots() -> Path:
    folder = REPO / "reports" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_example_report_in_chromium(browser, tmp_path, screenshots):
    from selenium.webdriver.common.by import By

    report = check(EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md", "use-multilingual")
    page = open_report(browser, report, tmp_path / "issue13.review.html")
    marks = page.find_elements(By.CSS_SELECTOR, "mark.finding")
    assert len(marks) == expected_marks(report) >= 10
    assert len(page.find_elements(By.CSS_SELECTOR, "section.pair")) == len(report.pairs)
    assert len(page.find_elements(By.CSS_SELECTOR, "svg rect")) == sum(s.drift is not None for s in report.scores)
    assert console_errors(page) == []
    assert page.save_screenshot(str(screenshots / "issue13.review.png"))

    # Filtering by rule hides that rule's highlights and list entries, and only those.
    rule = "glossary/forbidden-term"
    page.find_element(By.CSS_SELECTOR, f'input[value="rule:{rule}"]').click()
    filtered = page.find_elements(By.CSS_SELECTOR, "mark.finding.filtered")
    assert filtered and all(m.get_attribute("data-rule") == rule for m in filtered)
    hidden = [li for li in page.find_elements(By.CSS_SELECTOR, "li[data-rule]") if not li.is_displayed()]
    assert len(hidden) == sum(f.rule == rule for f in report.findings)


@pytest.mark.slow
def test_seed_report_without_source_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    seed = REPO.parent / "shared" / "seeds" / "issue13.zh.md"
    if not seed.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    report = check(seed, None, None)
    page = open_report(browser, report, tmp_path / "seed13.review.html")
    assert len(page.find_elements(By.CSS_SELECTOR, "mark.finding")) == expected_marks(report) > 5
    assert console_errors(page) == []
    assert page.save_screenshot(str(REPO / "reports" / "screenshots" / "seed13.review.png"))


HOSTILE = [
    "<script>alert('zh')</script>",
    '<img src="x" onerror="alert(1)">',
    "[点我](javascript:alert(2)) 变压器",
    '<iframe src="https://example.com/"></iframe>',
    "![](https://example.com/tracker.png)",
]


def test_document_text_cannot_run_script_or_load_anything(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    (tmp_path / "h.en.md").write_text("\n\n".join(h.replace("变压器", "Transformer") for h in HOSTILE) + "\n")
    (tmp_path / "h.zh.md").write_text("\n\n".join(HOSTILE) + "\n")
    report = check(tmp_path / "h.zh.md", tmp_path / "h.en.md", None)
    page = open_report(browser, report, tmp_path / "h.review.html")
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018 - reading it is the test
    assert page.find_elements(By.CSS_SELECTOR, "main script, main img, main iframe, main a[href^=javascript]") == []
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert "<script>alert('zh')</script>" in page.find_element(By.TAG_NAME, "main").text
