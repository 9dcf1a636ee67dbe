"""Playwright driving Debian's Chromium against the live server, with axe-core on every page."""

import functools
import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the Django test database is used from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = Path(os.environ.get("SVTOOLKIT_CHROMIUM", "/usr/bin/chromium"))
AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_STATIC_PATH = "test-axe/axe.min.js"  # where tests/settings.py serves it
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    # Never skipped: a missing browser is a failure, so CI cannot pass without running these tests.
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM} for the browser tests: apt-get install chromium")
    if not AXE_SOURCE.exists():
        pytest.fail("axe-core is missing: run `make assets` (npm ci) first")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class BrowserErrors(list):
    """Console errors and uncaught exceptions seen by a page (a CSP violation shows up here)."""


@pytest.fixture
def new_page(browser, live_server):
    contexts, errors = [], BrowserErrors()

    def make(*, javascript=True):
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
        context.live_server_url = live_server.url  # for cookies given to it (pages.start_session)
        context.javascript = javascript
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    make.errors = errors
    yield make
    for context in contexts:
        context.close()
    assert list(errors) == [], "The browser reported errors"


@pytest.fixture
def page(new_page):
    return new_page()


# Only the violations come back from the page, and only what the message names. axe still runs every rule on
# every element; it no longer gathers each passing and inapplicable node (a third of its time), never read.
# null if the page has no axe yet: asked in the same call as the run, which saves a round trip a page.
AXE_RUN = """async (tags) => {
    if (typeof axe === 'undefined') return null;
    const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
    const result = await axe.run(document, options);
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target),
    }));
}"""


@functools.cache
def _axe_source():
    return AXE_SOURCE.read_text()


def _load_axe(page):
    """axe-core into the page, when a check first needs it. A page that runs scripts loads it as a script
    file the test server serves (tests/settings.py): Chromium keeps the file and its compiled code, so a
    page costs little more than the run itself. Given to every page a context opens, the 650 kB were compiled
    again on each navigation (30 ms of Chromium's time a page, checked or not); sent to each page, more."""
    if page.context.javascript:
        page.add_script_tag(url=settings.STATIC_URL + AXE_STATIC_PATH)
    else:  # the page's own scripts are off, a script element would not run: the source is evaluated
        page.evaluate(_axe_source())


def assert_accessible(page):
    """axe-core finds no WCAG 2.2 A/AA or best-practice violations on the page as it stands."""
    page.wait_for_load_state()  # a click that navigates returns once the new page starts to load
    violations = page.evaluate(AXE_RUN, AXE_TAGS)
    if violations is None:  # the page has no axe yet
        _load_axe(page)
        violations = page.evaluate(AXE_RUN, AXE_TAGS)
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in violations]
    assert problems == [], f"axe-core violations on {page.url}:\n" + "\n".join(problems)


def assert_fits(page, width=320, *, within=None):
    """The page (or the part of it that ``within`` selects) needs no sideways scrolling on a screen ``width``
    pixels wide (WCAG 2.2 reflow)."""
    page.wait_for_load_state()  # a click that navigates returns once the new page starts to load
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    if within is None:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    else:
        overflow = page.evaluate(
            """(selector) => {
                const part = document.querySelector(selector);
                const widest = Math.max(...[part, ...part.querySelectorAll('*')].map(
                    (element) => element.getBoundingClientRect().right));
                return Math.ceil(widest - document.documentElement.clientWidth);
            }""",
            within,
        )
    widest = page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 3)
            .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
            .join(', ')"""
    )
    if before:
        page.set_viewport_size(before)
    assert overflow <= 0, (
        f"{within or 'The page'} at {page.url} is {overflow} px too wide for {width} px ({widest})"
    )
