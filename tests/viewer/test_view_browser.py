"""``harness view`` in a real browser: Debian's chromium, headless, driven by Selenium through chromedriver,
over seed runs of ``lead`` and ``textrank`` and a run scoring a hostile output (markup, a wrong date and
place) on the same seed. Sort, filter to contradicted, open the example and check its marks, compare two
runs; the page never runs a script from the data.

The screenshots go to $HARNESS_VIEWER_SCREENSHOTS when set (the docs' images are made with
``HARNESS_VIEWER_SCREENSHOTS=docs/images python -m pytest tests/viewer/test_view_browser.py``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from testkit import requires, run_harness
from viewer_server import folder_digest, serving

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
QUICK = ("dataset=seed", "metrics.names=[rouge,facts,auto_facts]", "metrics.bootstrap_samples=10")
HOSTILE = (
    "Russia and North Korea signed the pact on 20 June 2024 in Moscow, <script>alert('x')</script> "
    "said Kim Jong Un <img src=x onerror=alert(1)>."
)

pytestmark = [
    requires(CHROMIUM is not None, "Debian's chromium", "apt-get install -y chromium"),
    requires(CHROMEDRIVER is not None, "chromedriver", "apt-get install -y chromium-driver"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("view-browser")
    outputs = root / "hostile.txt"
    outputs.write_text(HOSTILE + "\n", encoding="utf-8")
    run_harness(root / "results" / "lead", "model=lead", *QUICK)
    run_harness(root / "results" / "textrank", "model=textrank", *QUICK)
    run_harness(root / "results" / "hostile", "model=predictions", f"model.path={outputs}", *QUICK)
    return root / "results"


@pytest.fixture(scope="module")
def url(results: Path) -> Iterator[str]:
    before = folder_digest(results)
    with serving(str(results), "--port", "0") as (address, _):
        yield address
    assert folder_digest(results) == before, "the viewer wrote into a run folder"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("HARNESS_VIEWER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))


def _follow(driver: WebDriver, element: WebElement) -> None:
    """Click a link or button and wait for the next page to replace this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 30).until(staleness_of(page))


def _column(driver: WebDriver, name: str) -> list[str]:
    headers = [th.text.rstrip(" ▲▼") for th in driver.find_elements(By.CSS_SELECTOR, "#examples thead th")]
    index = headers.index(name) + 1
    return [td.text for td in driver.find_elements(By.CSS_SELECTOR, f"#examples tbody td:nth-child({index})")]


def _no_script_ran(driver: WebDriver) -> None:
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "img") == []
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 (reading it is the check)


def _screenshot(driver: WebDriver, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1600, min(max(int(height), 600), 1800))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    assert path.stat().st_size > 10_000


def test_sort_filter_open_an_example_and_compare(browser: WebDriver, url: str, shots: Path) -> None:
    browser.get(url)
    assert browser.find_element(By.ID, "count").text.startswith("3 row(s)")
    _follow(browser, browser.find_element(By.CSS_SELECTOR, 'a.sort[data-column="rouge1"]'))
    values = [float(v) for v in _column(browser, "rouge1")]
    assert len(values) == 3 and values == sorted(values, reverse=True)
    _follow(browser, browser.find_element(By.CSS_SELECTOR, 'a.sort[data-column="rouge1"]'))  # again: ascending
    assert [float(v) for v in _column(browser, "rouge1")] == sorted(values)
    _no_script_ran(browser)
    assert "<script>alert('x')</script>" in browser.find_element(By.ID, "examples").text  # shown as text
    _screenshot(browser, shots / "viewer-table.png")

    Select(browser.find_element(By.ID, "verdict")).select_by_value("contradicted")
    _follow(browser, browser.find_element(By.ID, "apply"))
    assert browser.find_element(By.ID, "count").text.startswith("1 row(s)")
    assert _column(browser, "run") == ["predictions:hostile.txt"]
    assert _column(browser, "facts contradicted") == ["2"]

    _follow(browser, browser.find_element(By.CSS_SELECTOR, "#examples a.example"))
    assert browser.find_element(By.ID, "example-id").text == "russia-dprk-pact-2024"
    focused = browser.find_element(By.CSS_SELECTOR, "section.run.focus")
    contradicted = [m.text for m in focused.find_elements(By.CSS_SELECTOR, ".output mark.contradicted")]
    assert contradicted == ["20 June 2024", "Moscow"]
    assert "contradicts key fact treaty_date" in focused.find_element(
        By.CSS_SELECTOR, "mark.contradicted"
    ).get_attribute("title")
    evidence = browser.find_elements(By.CSS_SELECTOR, "#source mark.evidence")
    assert evidence and all(m.text in browser.find_element(By.ID, "source").text for m in evidence)
    assert focused.find_elements(By.CSS_SELECTOR, "tr.contradicted")  # the verdict table with reasons
    _no_script_ran(browser)
    _screenshot(browser, shots / "viewer-example.png")

    _follow(browser, browser.find_element(By.LINK_TEXT, "compare two runs"))
    Select(browser.find_element(By.ID, "a")).select_by_visible_text("lead")
    Select(browser.find_element(By.ID, "b")).select_by_visible_text("textrank")
    _follow(browser, browser.find_element(By.ID, "go"))
    Select(browser.find_element(By.ID, "metric")).select_by_visible_text("rouge1")
    _follow(browser, browser.find_element(By.ID, "go"))
    assert "Paired bootstrap of rouge1 (1 examples" in browser.find_element(By.ID, "bootstrap").text
    assert "too few examples" in browser.find_element(By.ID, "too-few").text
    assert browser.find_element(By.ID, "changed").text.startswith("1 example(s) changed")
    _screenshot(browser, shots / "viewer-compare.png")

    Select(browser.find_element(By.ID, "b")).select_by_visible_text("predictions:hostile.txt")
    _follow(browser, browser.find_element(By.ID, "go"))
    assert browser.find_elements(By.ID, "bootstrap")  # the same seed: comparable
