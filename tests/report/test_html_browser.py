"""The HTML report in a real headless Chromium (Debian's chromium + chromium-driver).

`.ci/run` installs them; locally the tests skip when they are missing, in CI they fail.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from qa.fix import apply_selected, plan_fixes
from qa.glossary.load import load_glossaries
from qa.model import Applicability, PairScore, Report
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
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
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
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def open_report(browser, report: Report, path: Path):
    path.write_text(render(report), encoding="utf-8")
    browser.get(path.resolve().as_uri())
    return browser


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


GLOSSARIES = sorted((REPO / "glossaries").glob("*.csv"))


def check(target: Path, source: Path | None, model: str | None) -> Report:
    return run_check(CheckOptions(target=target, source=source, model=model), load_glossaries(GLOSSARIES))


def marks_shown(page) -> int:
    """Highlights on the page: a highlight cut by tags (bold, a link) is several <mark>s of one id."""
    return page.execute_script(
        "return new Set([].map.call(document.querySelectorAll('mark.finding'),m=>m.dataset.mark)).size"
    )


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
    assert marks_shown(page) == expected_marks(report) >= 10
    assert len(page.find_elements(By.CSS_SELECTOR, "section.pair")) == len(report.pairs)
    assert len(page.find_elements(By.CSS_SELECTOR, "svg rect.bar")) == sum(s.drift is not None for s in report.scores)
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
def test_seed_report_without_source_in_chromium(browser, tmp_path, screenshots):
    from selenium.webdriver.common.by import By

    seed = REPO.parent / "shared" / "seeds" / "issue13.zh.md"
    if not seed.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    report = check(seed, None, None)
    page = open_report(browser, report, tmp_path / "seed13.review.html")
    assert marks_shown(page) == expected_marks(report) > 5
    # One column: no English side, no "(no English source)" placeholder in any section.
    sections = page.find_elements(By.CSS_SELECTOR, "section.pair")
    assert sections and all(len(s.find_elements(By.CSS_SELECTOR, ":scope > .side")) == 1 for s in sections)
    assert "(no English source)" not in page.find_element(By.TAG_NAME, "main").text
    columns = page.execute_script(
        "return getComputedStyle(document.querySelector('section.pair:not([hidden])')).gridTemplateColumns"
    )
    assert len(columns.split()) == 2  # resolved in pixels: the label column and the Chinese
    # The default view: only the blocks with findings.
    flagged = {f.line for f in report.findings}
    visible = [s for s in sections if s.is_displayed()]
    assert 0 < len(visible) <= len(flagged) < len(sections)
    page.find_element(By.CSS_SELECTOR, 'input[name="view"][value="all"]').click()
    assert all(s.is_displayed() for s in sections)
    page.find_element(By.CSS_SELECTOR, 'input[name="view"][value="flagged"]').click()
    assert console_errors(page) == []
    assert page.save_screenshot(str(screenshots / "seed13.review.png"))


@pytest.mark.slow
def test_seed_report_with_our_english_in_chromium(browser, tmp_path, screenshots):
    from selenium.webdriver.common.by import By

    seed = REPO.parent / "shared" / "seeds" / "issue13.zh.md"
    if not seed.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    report = check(seed, REPO / "bench" / "data" / "seed13.en.md", "use-multilingual")
    page = open_report(browser, report, tmp_path / "seed13-en.review.html")
    assert marks_shown(page) == expected_marks(report) > 5
    assert len(page.find_elements(By.CSS_SELECTOR, "svg rect.bar")) == sum(s.drift is not None for s in report.scores)
    # Every pair with a finding has the stripe of its worst finding.
    for pair in report.pairs:
        found = [f.severity for f in report.findings if f.pair == pair.id]
        classes = page.find_element(By.ID, f"pair-{pair.id}").get_attribute("class").split()
        assert (f"flag-{max(found).label}" in classes) if found else ("clean" in classes)
    assert console_errors(page) == []
    assert page.save_screenshot(str(screenshots / "seed13-en.review.png"))


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
    page.find_element(By.CSS_SELECTOR, 'input[name="view"][value="all"]').click()  # clean paragraphs too
    assert "<script>alert('zh')</script>" in page.find_element(By.TAG_NAME, "main").text
    assert '<img src="x" onerror="alert(1)">' in page.find_element(By.TAG_NAME, "main").text


def download_fixed(page, folder: Path, name: str) -> bytes:
    """Click "Download fixed file" and return the bytes the browser saved."""
    from selenium.webdriver.common.by import By

    for old in folder.iterdir():
        old.unlink()
    page.find_element(By.ID, "fix-download").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = folder / name
        if done.exists() and not list(folder.glob("*.crdownload")):
            return done.read_bytes()
        time.sleep(0.05)
    raise AssertionError(f"no download in {folder}: {list(folder.iterdir())}")


def set_accepted(page, numbers: set[int]) -> None:
    """Tick exactly the fix checkboxes `numbers` (their data-fix), as a reader would click them."""
    from selenium.webdriver.common.by import By

    for box in page.find_elements(By.CSS_SELECTOR, "input[data-fix]"):
        if box.is_selected() != (int(box.get_attribute("data-fix")) in numbers):
            page.execute_script("arguments[0].scrollIntoView({block:'center'})", box)
            box.click()


def offered(page, report: Report) -> list:
    """The findings in checkbox order: the page's data-fix numbers follow qa.fix.fix_candidates."""
    from qa.fix import code_ranges, fix_candidates
    from qa.read.markdown import parse_document

    document = parse_document(report.target, report.target_text)
    return fix_candidates(report.findings, set(Applicability), code_ranges(document))


def copy_example(tmp_path: Path) -> tuple[Path, Path]:
    for name in ("issue13.zh.md", "issue13.en.md"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    return tmp_path / "issue13.zh.md", tmp_path / "issue13.en.md"


def test_fix_workbench_downloads_what_qa_fix_writes(browser, tmp_path, downloads, screenshots):
    from selenium.webdriver.common.by import By

    target, source = copy_example(tmp_path)
    report = check(target, source, None)
    page = open_report(browser, report, tmp_path / "issue13.review.html")
    candidates = offered(page, report)
    boxes = page.find_elements(By.CSS_SELECTOR, "input[data-fix]")
    assert len(boxes) == len(candidates) > 10
    safe = {n for n, f in enumerate(candidates) if f.fix.applicability is Applicability.SAFE}
    assert {n for n, box in enumerate(boxes) if box.is_selected()} == safe != set(range(len(boxes)))

    # The default selection is `qa fix` (one pass; the whole run when one pass is all it needs).
    plan = plan_fixes(CheckOptions(target=target, source=source, model=None), load_glossaries(GLOSSARIES))
    default = download_fixed(page, downloads, "issue13.zh.fixed.md")
    assert default == apply_selected(plan.original, report.findings, [candidates[n] for n in safe], str(target))
    if plan.passes == 2:
        assert default == plan.fixed
    assert default != target.read_bytes()

    # Some safe fixes left out, some unsafe ones accepted: still byte for byte.
    unsafe = sorted(set(range(len(candidates))) - safe)
    chosen = set(sorted(safe)[::2]) | set(unsafe[:2])
    set_accepted(page, chosen)
    assert page.find_element(By.ID, "fix-accepted").text == str(len(chosen))
    picked = download_fixed(page, downloads, "issue13.zh.fixed.md")
    assert picked == apply_selected(plan.original, report.findings, [candidates[n] for n in chosen], str(target))
    assert picked not in (default, target.read_bytes())
    assert console_errors(page) == []
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    page.execute_script("document.querySelector('input[data-fix]').scrollIntoView({block:'center'})")
    assert page.save_screenshot(str(screenshots / "issue13.workbench.png"))


OVERLAPS_AND_CODE = (
    "# 报纸\n\n基于变压器的模型和[剪辑](https://x.dev/剪辑)，还有视觉变形金刚。\n\n"
    "我们看报纸，`变压器` 不改。😀 变压器, 抱抱脸\n\n```\n变压器\n```\n"
)
OVERLAPS_AND_CODE_EN = (
    "# Papers\n\nA Transformer-based model and [CLIP](https://x.dev/剪辑), and Vision Transformer.\n\n"
    "We read the newspaper, `变压器` stays. 😀 Transformer, Hugging Face\n\n```\n变压器\n```\n"
)


@pytest.mark.parametrize(("newline", "bom", "final"), [("\r\n", b"\xef\xbb\xbf", True), ("\n", b"", False)])
def test_fix_workbench_keeps_bom_line_endings_and_astral_characters(browser, tmp_path, downloads, newline, bom, final):
    text = OVERLAPS_AND_CODE if final else OVERLAPS_AND_CODE.rstrip("\n")
    (tmp_path / "w.en.md").write_text(OVERLAPS_AND_CODE_EN, encoding="utf-8")
    target = tmp_path / "w.zh.md"
    target.write_bytes(bom + text.replace("\n", newline).encode("utf-8"))
    report = check(target, tmp_path / "w.en.md", None)
    page = open_report(browser, report, tmp_path / "w.review.html")
    candidates = offered(page, report)
    every = set(range(len(candidates)))
    set_accepted(page, every)
    got = download_fixed(page, downloads, "w.zh.fixed.md")
    assert got == apply_selected(target.read_bytes(), report.findings, candidates, str(target))
    assert got.startswith(bom) and got.count(newline.encode()) == text.count("\n")
    assert "`变压器`".encode() in got and "😀 Transformer".encode() in got
    # A fix that would edit code is not offered at all.
    assert all(not (f.line == 7 and f.fix) for f in candidates)
    unsafe = plan_fixes(
        CheckOptions(target=target, source=tmp_path / "w.en.md", model=None), load_glossaries(GLOSSARIES), unsafe=True
    )
    if unsafe.passes == 2:
        assert got == unsafe.fixed
    assert console_errors(page) == []


def test_fix_workbench_leaves_out_the_later_of_two_overlapping_fixes(browser, tmp_path, downloads):
    from selenium.webdriver.common.by import By

    from qa.model import Edit, Finding, Fix, Severity

    target = tmp_path / "o.zh.md"
    target.write_bytes("甲乙丙丁\n".encode())
    report = check(target, None, None)

    def finding(column: int, end: int, content: str) -> Finding:
        fix = Fix(Applicability.SAFE, f"replace with {content}", (Edit(1, column, 1, end, content),))
        text = "甲乙丙丁"[column - 1 : end - 1]
        return Finding("x/y", Severity.WARNING, str(target), 1, column, 1, end, text, "m", fix=fix)

    findings = (finding(1, 3, "AB"), finding(2, 4, "XY"), finding(4, 5, "D"))
    report = replace(report, findings=findings)
    page = open_report(browser, report, tmp_path / "o.review.html")
    got = download_fixed(page, downloads, "o.zh.fixed.md")
    assert got == "AB丙D\n".encode() == apply_selected(target.read_bytes(), findings, findings, str(target))
    skipped = page.find_elements(By.CSS_SELECTOR, "li.skipped")
    assert len(skipped) == 1 and "L1:2" in skipped[0].text
    assert "1 overlap" in page.find_element(By.ID, "fix-skipped").text


def test_drift_plot_jumps_to_a_pair_the_view_hides(browser, tmp_path):
    from selenium.webdriver.common.by import By

    report = check(EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md", None)
    # Scores without the model: the plot needs numbers, not an encoder.
    scores = tuple(PairScore(p.id, (p.id % 7) / 10) for p in report.pairs)
    signature = replace(report.signature, thresholds=(("drift_high", 0.45),))
    report = replace(report, scores=scores, signature=signature)
    page = open_report(browser, report, tmp_path / "plot.review.html")
    assert len(page.find_elements(By.CSS_SELECTOR, "svg rect.bar")) == len(report.pairs)
    assert page.find_elements(By.XPATH, "//*[name()='text'][contains(., 'threshold 0.45')]")
    assert len(page.find_elements(By.CSS_SELECTOR, "svg rect.bar[fill='#d9534f']")) == sum(
        s.drift > 0.45 for s in scores
    )
    clean = next(p for p in report.pairs if not any(f.pair == p.id for f in report.findings))
    section = page.find_element(By.ID, f"pair-{clean.id}")
    assert not section.is_displayed()
    page.find_element(By.CSS_SELECTOR, f'svg a[data-pair="{clean.id}"] rect.hit').click()
    assert section.is_displayed()
    top, bottom = page.execute_script("var r=arguments[0].getBoundingClientRect(); return [r.top, r.bottom];", section)
    assert top >= 0 and bottom <= page.execute_script("return window.innerHeight")
    assert console_errors(page) == []


def test_cjk_font_note_shows_only_when_chinese_cannot_render(browser, tmp_path):
    from selenium.webdriver.common.by import By

    target = tmp_path / "f.zh.md"
    target.write_text("中文。\n", encoding="utf-8")
    page = open_report(browser, check(target, None, None), tmp_path / "f.review.html")
    note = page.find_element(By.ID, "font-note")
    # CJK fonts are installed here: 中 and 文 draw differently, so no note.
    assert page.execute_script("return qaGlyphsDiffer('中','文')") is True
    assert not note.is_displayed()
    # Two unassigned code points have no glyph in any font: both draw as the same box.
    assert page.execute_script("return qaGlyphsDiffer('\\u0378','\\u0379')") is False
    assert "fonts-noto-cjk" in note.get_attribute("textContent")


def test_rendered_markdown_links_show_text_with_the_url_on_hover(browser, tmp_path):
    from selenium.webdriver.common.by import By

    (tmp_path / "l.en.md").write_text("See [the paper](https://arxiv.org/abs/2103.12731) on **Transformer**.\n")
    (tmp_path / "l.zh.md").write_text("见[论文](https://arxiv.org/abs/2103.12731)中的**变压器**。\n")
    page = open_report(browser, check(tmp_path / "l.zh.md", tmp_path / "l.en.md", None), tmp_path / "l.html")
    links = page.find_elements(By.CSS_SELECTOR, "main .side a")
    assert [a.text for a in links] == ["the paper", "论文"]
    assert {a.get_attribute("title") for a in links} == {"https://arxiv.org/abs/2103.12731"}
    assert "https://" not in page.find_element(By.CSS_SELECTOR, "main .side").text
    mark = page.find_element(By.CSS_SELECTOR, "strong mark.finding")
    assert mark.text == "变压器"
    assert console_errors(page) == []
