"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright's own browser downloads are never used. Without a browser a test skips with the
reason, except under CI (the ``CI`` variable set), where a missing browser is a failure:
CI installs Debian's chromium in ``.ci/run``, so its absence there is a broken setup.

:func:`offline_page` opens a page that may read local files only: every other request is
blocked and recorded, together with console errors and uncaught exceptions, so a test can
assert that the page needed nothing from the network and ran cleanly.
"""

import contextlib
import dataclasses
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, which a closed
# network refuses noisily; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Schemes that never leave the machine.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def require_chromium():
    """Skip (locally) or fail (under CI) when Chromium or Playwright is missing."""
    problems = []
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install -r requirements.txt)")
    if problems:
        reason = "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(reason)


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright ``Browser``), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclasses.dataclass
class PageLog:
    """What an offline page tried and reported while a test used it."""

    blocked: list = dataclasses.field(default_factory=list)
    """URLs of requests that would have left the machine (all refused)."""
    console_errors: list = dataclasses.field(default_factory=list)
    """Text of every ``console.error`` message, failed resource loads included."""
    page_errors: list = dataclasses.field(default_factory=list)
    """Uncaught JavaScript exceptions."""

    def problems(self):
        """Every recorded problem as one line each; empty when the page was clean."""
        return (
            [f"network request: {url}" for url in self.blocked]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"uncaught exception: {text}" for text in self.page_errors]
        )


@contextlib.contextmanager
def offline_page(browser, *, viewport=None):
    """A new page that can load local files only; yields ``(page, log)``.

    Every request whose URL is not local (``file:``, ``data:``, ``blob:``) is aborted and its
    URL appended to ``log.blocked``: a page that works offline makes none.
    """
    log = PageLog()
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    try:

        def guard(route):
            url = route.request.url
            if url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                log.blocked.append(url)
                route.abort("blockedbyclient")

        def refuse_socket(socket):
            log.blocked.append(socket.url)
            socket.close()

        context.route("**/*", guard)
        # A web socket is not a request that page.route sees.
        context.route_web_socket("**/*", refuse_socket)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                log.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        yield page, log
    finally:
        context.close()
