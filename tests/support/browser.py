"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

The browser is ``$CHROMIUM`` when set, else ``chromium`` found by :func:`support.find_program`
(``PATH``, then the sbin folders). Playwright's own browser downloads are never used. Without a
browser a test skips with the install command, except under CI (the ``CI`` variable set), where
a missing browser is a failure: CI installs Debian's chromium in ``.ci/run``, so its absence
there is a broken setup. ``conftest.py`` calls :func:`require_chromium` before any fixture of a
test marked ``browser`` is set up, so nothing is built for a test that will skip.

:func:`offline_page` opens a page that may read local files only: every other request is
blocked and recorded, together with console errors and uncaught exceptions, so a test can
assert that the page needed nothing from the network and ran cleanly.
"""

import contextlib
import dataclasses
import os

import support

# The browser's name or path; chromium_path() resolves it.
CHROMIUM = os.environ.get("CHROMIUM") or "chromium"
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


def chromium_path():
    """The browser's absolute path, or None."""
    return support.find_program(CHROMIUM)


def require_chromium():
    """The browser's path; a skip (locally) or failure (under CI) when Chromium or Playwright
    is missing, saying what to install."""
    __tracebackhide__ = True
    problems = []
    path = chromium_path()
    if path is None:
        where = CHROMIUM if os.sep in CHROMIUM else f"{CHROMIUM} in {support.search_path()}"
        problems.append(f"no Chromium ({where}): apt-get install chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed: pip install -r requirements.txt")
    if problems:
        support.unavailable("browser test: " + "; ".join(problems))
    return path


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright ``Browser``), closed afterwards."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
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
