"""The pages in a real browser: Debian's chromium driven by Playwright (pointed at
/usr/bin/chromium; nothing is downloaded), each page checked by axe-core for WCAG 2.x A and AA
violations, used with the keyboard, and photographed into test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, SCREENSHOTS

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
# Chromium flags for a closed network: no background traffic, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PAGES = {
    "home-and-dashboard": "/",
    "matrix": "/matrix",
    "matrix-filtered": "/matrix?kind=lpb&status=noReply",
    "list-filtered": "/set/organisation?kind=force&status=receivedNotPublished",
    "report": "/doc/report/safe-to-share",
    "super-complaint": "/doc/super-complaint/liberty-and-southall-black-sisters",
    "recommendation": "/doc/recommendation/safe-to-share/1",
    "action": "/doc/action/safe-to-share/3",
    "force": "/doc/organisation/essex-police",
    "local-policing-body": "/doc/organisation/mayors-office-for-policing-and-crime",
    "national-body": "/doc/organisation/home-office",
    "response": "/doc/response/safe-to-share/essex-police",
    "responsibility": "/doc/responsibility/safe-to-share/recommendation-1/college-of-policing/support",
    "dataset": "/doc/dataset/safe-to-share",
    "query-page": "/sparql",
    "validator": "/validate",
    "vocabulary": "/def/s2s",
    "shapes": "/def/shapes",
    "not-found": "/doc/organisation/no-such-body",
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed: run tests/install-test-tools"
    assert AXE.exists(), "axe-core is needed: run tests/install-test-tools"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def check_with_axe(page) -> list[str]:
    """Run axe-core on the page; return one line per WCAG A/AA violation."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                          WCAG_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in found["violations"]]


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(server, tab, name):
    response = tab.goto(server + PAGES[name])
    assert response.status == (404 if name == "not-found" else 200)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = check_with_axe(tab)
    assert not violations, json.dumps(violations, indent=1)


def test_the_query_page_runs_an_example_by_keyboard_and_mouse(server, tab):
    tab.goto(server + "/sparql")
    tab.get_by_role("link", name=re.compile("Which forces did not reply")).click()
    assert tab.get_by_role("heading", level=2, name=re.compile("Which forces did not reply"))
    table = tab.locator("table.results")
    assert table.locator("tbody tr").count() == 1
    assert table.get_by_role("link", name="West Yorkshire Police").count() == 1
    tab.locator("#query").focus()
    tab.keyboard.press("Tab")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")  # the Run query button, reached by keyboard
    assert tab.url == server + "/sparql"
    assert tab.locator("table.results tbody tr").count() == 1
    tab.screenshot(path=str(SCREENSHOTS / "query-page-example-run.png"), full_page=True)
    assert not check_with_axe(tab)


def test_a_list_filter_works_by_keyboard(server, tab):
    tab.goto(server + "/set/organisation")
    tab.locator("#filter-kind").select_option("lpb")
    tab.locator("#filter-status").select_option("noReply")
    tab.locator("#filter-status").focus()
    tab.keyboard.press("Tab")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "kind=lpb" in tab.url and "status=noReply" in tab.url
    assert tab.locator("table.list tbody tr").count() == 13


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(server, tab):
    tab.goto(server + "/")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert tab.locator(".skip-link").is_visible(), "the skip link shows when focused"
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible(server, tab):
    tab.goto(server + "/")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_the_validator_form_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/validate")
    page.locator("#data").fill('<https://w3id.org/safe-to-share/id/organisation/x> '
                               'a <https://w3id.org/safe-to-share/def/s2s#NationalBody> .')
    with page.expect_navigation():
        page.get_by_role("button", name="Validate").click()
    assert "Does not conform" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "validator-report.png"), full_page=True)
    context.close()
