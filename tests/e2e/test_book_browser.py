"""The built book in a real browser, offline: maths typeset, animations playing, no errors.

Every page of the table of contents is opened from disk in headless Chromium (see
``tests/support/browser.py``) with the network cut: any request that would leave the machine is
refused and fails the test, as does any console error or uncaught exception. The book is
built (or its build reused) through ``support.book.build_book``.
"""

import re

import pytest
import support
from support.book import SOURCE, build_book
from support.browser import chromium, offline_page

pytestmark = [pytest.mark.browser, pytest.mark.book, pytest.mark.xdist_group(name="book")]

PAGES = support.toc_pages(SOURCE)
# TeX that MathJax should have replaced; a `$` inside prose means dollarmath missed it.
RAW_MATHS = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|(?<![\w$])\$[^\s$][^$\n]*\$")
# Everything the browser needs to typeset one page's maths.
MATHS_TIMEOUT_MS = 20_000
FRAME_TIMEOUT_MS = 5_000


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def html():
    html_dir, failure = build_book()
    if failure:  # the full report is in tests/e2e/test_book.py's failures, once
        pytest.fail("the book did not build; see the failures of tests/e2e/test_book.py")
    return html_dir


def prose_text(page):
    """The article's visible prose: no code, no program output, no typeset maths."""
    return page.evaluate(
        """() => {
            const article = document.querySelector("article") || document.body;
            const copy = article.cloneNode(true);
            copy.querySelectorAll("pre, code, script, style, mjx-container, .math")
                .forEach((node) => node.remove());
            return copy.textContent;
        }"""
    )


def check_maths(page):
    """Every maths element holds a MathJax rendering, and no raw TeX is left in the prose."""
    count = page.locator(".math").count()
    if count == 0:
        return []
    try:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=MATHS_TIMEOUT_MS,
        )
    except Exception:  # Playwright's TimeoutError
        return [f"MathJax did not start within {MATHS_TIMEOUT_MS / 1000:.0f} s ({count} maths)"]
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    untypeset = page.evaluate(
        """() => [...document.querySelectorAll(".math")]
            .filter((node) => !node.querySelector("mjx-container"))
            .map((node) => node.textContent.trim().slice(0, 60))"""
    )
    problems = [f"maths not typeset: {text!r}" for text in untypeset]
    problems += [
        f"MathJax error: {text!r}"
        for text in page.evaluate(
            "() => [...document.querySelectorAll('mjx-merror')].map((n) => n.textContent)"
        )
    ]
    problems += [f"raw maths in the text: {m!r}" for m in RAW_MATHS.findall(prose_text(page))]
    return problems


def frame_source(page, figure):
    return figure.locator("img").first.get_attribute("src")


def check_animations(page):
    """Each animation's Play button and slider change the frame shown, and it fits the page."""
    problems = []
    figures = page.locator("figure.bpl-animation")
    for index in range(figures.count()):
        figure = figures.nth(index)
        label = figure.get_attribute("aria-label") or f"animation {index + 1}"
        figure.scroll_into_view_if_needed()
        image = figure.locator("img").first
        first = image.get_attribute("src")
        if not first or not first.startswith("data:image/"):
            problems.append(f"{label}: the first frame is not an embedded image ({first!r:.40})")
            continue
        handle = image.element_handle()
        figure.get_by_role("button", name="Play", exact=True).click()
        try:
            page.wait_for_function(
                "([img, first]) => img.src !== first", arg=[handle, first], timeout=FRAME_TIMEOUT_MS
            )
        except Exception:  # Playwright's TimeoutError; the message says what matters
            problems.append(f"{label}: Play does not change the frame")
        figure.get_by_role("button", name="Pause", exact=True).click()
        slider = figure.locator("input[type=range]").first
        last = int(slider.get_attribute("max"))
        if last < 1:
            problems.append(f"{label}: only one frame")
            continue
        slider.fill("0")
        at_start = image.get_attribute("src")
        slider.fill(str(last))
        if image.get_attribute("src") == at_start:
            problems.append(f"{label}: moving the slider does not change the frame")
        box, column = figure.bounding_box(), page.locator("article").first.bounding_box()
        if (
            box["x"] < column["x"] - 1
            or box["x"] + box["width"] > column["x"] + column["width"] + 1
        ):
            problems.append(f"{label}: wider than the text column")
    return problems


@pytest.mark.parametrize("page_name", PAGES)
def test_page_works_offline(browser, html, page_name):
    path = html / f"{page_name}.html"
    assert path.is_file(), f"{page_name} was not built"
    with offline_page(browser) as (page, log):
        page.goto(path.as_uri(), wait_until="load")
        problems = check_maths(page) + check_animations(page)
        # Let late requests (fonts, lazy MathJax parts) and timers show up in the log.
        page.wait_for_timeout(300)
        problems += log.problems()
    assert not problems, f"{page_name}:\n" + "\n".join(problems)


def test_the_guard_sees_a_network_request(browser, tmp_path):
    """The offline page really refuses and reports a request to another host."""
    probe = tmp_path / "probe.html"
    probe.write_text('<img src="https://example.org/pixel.png" alt="">', encoding="utf-8")
    with offline_page(browser) as (page, log):
        page.goto(probe.as_uri(), wait_until="load")
        page.wait_for_timeout(200)
    assert "https://example.org/pixel.png" in log.blocked
