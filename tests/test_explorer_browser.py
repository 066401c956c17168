"""The static descent explorer in the built chapter 4 page, driven by headless Chromium.

The page comes from the book build (``_build/html`` under ``BACKPROPLAB_BOOK_OUTPUT``, as in
``test_book.py``, made earlier in the same run) when that page holds the current explorer, or
else from a build of chapter 4 alone into a temporary folder, so a stale build is never
tested. Every request that is not a local file is aborted: the explorer must work offline.
Each control is changed in turn, and after each one the drawing must differ and no console
error may appear. The two panels stand side by side in the book's content column and stack
on a narrow screen.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import chromium, require_chromium

from backproplab.static_explorer import explorer_html

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[1]
PAGE = Path("book") / "ch04_gradient_descent.html"
ROOT = ".bpl-static-explorer"


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    output = Path(os.environ.get("BACKPROPLAB_BOOK_OUTPUT", REPO)).resolve()
    built = output / "_build" / "html" / PAGE
    if built.exists() and explorer_html() in built.read_text(encoding="utf-8"):
        return built
    out = tmp_path_factory.mktemp("jb")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", "book/ch04_gradient_descent.md", "--path-output", str(out)],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=800,
    )
    page = (
        out / "_build" / "_page" / "ch04_gradient_descent" / "html" / "ch04_gradient_descent.html"
    )
    if not page.exists():
        pytest.fail(f"building chapter 4 failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return page


def _drawing(page):
    """Both canvases as data URLs, plus the readout text: what the reader sees."""
    return page.evaluate(
        """root => {
            const el = document.querySelector(root);
            const c = el.querySelectorAll('canvas');
            return [c[0].toDataURL(), c[1].toDataURL(),
                    el.querySelector('[data-role=readout]').textContent];
        }""",
        ROOT,
    )


def _panels(page):
    """(left, top, width) of both canvases, in CSS pixels."""
    return page.evaluate(
        """root => [...document.querySelectorAll(root + ' canvas')].map(
            c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.width]; })""",
        ROOT,
    )


def test_every_control_of_the_static_explorer_redraws_offline(chapter):
    require_chromium()
    assert "bpl-static-explorer" in chapter.read_text(encoding="utf-8"), (
        f"{chapter} has no static explorer"
    )
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        blocked = []

        def only_files(route):
            if route.request.url.startswith("file:") or route.request.url.startswith("data:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", only_files)
        page = context.new_page()
        console_errors = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: console_errors.append(str(exc)))
        page.goto(chapter.as_uri())
        page.wait_for_selector(f"{ROOT}[data-state]", timeout=30_000)
        page.locator(ROOT).scroll_into_view_if_needed()
        control = lambda name: page.locator(f"{ROOT} [data-control={name}]")  # noqa: E731

        (x1, y1, w1), (x2, y2, w2) = _panels(page)
        assert y1 == y2 and x2 >= x1 + w1, "the two panels are not side by side"
        assert min(w1, w2) >= 250, f"panels too narrow: {w1}, {w2}"

        seen = [_drawing(page)]

        def changed(what):
            now = _drawing(page)
            assert now != seen[-1], f"changing the {what} did not change the drawing"
            seen.append(now)

        control("surface").select_option(value="1")  # Rosenbrock
        changed("surface")
        control("lr").fill("2")
        changed("learning rate")
        # momentum is shown by default and depends on beta
        control("beta").fill("0")
        changed("momentum beta")
        control("optimizer").nth(2).check()  # nesterov
        changed("optimizer selection")
        control("reset").click()
        changed("reset button")
        control("step").click()
        changed("step button")
        control("frame").fill("40")
        changed("step slider")
        control("play").click()
        page.wait_for_timeout(400)
        control("play").click()  # pause
        changed("play button")
        page.set_viewport_size({"width": 480, "height": 1000})
        page.wait_for_timeout(200)
        changed("narrow window")
        (x1, y1, w1), (x2, y2, w2) = _panels(page)
        assert y2 > y1 and x1 == x2, "the panels did not stack on a narrow screen"
        root_width = page.evaluate("root => document.querySelector(root).clientWidth", ROOT)
        assert max(w1, w2) <= root_width, "a panel overflows the narrow explorer"
        state = page.get_attribute(ROOT, "data-state")
        assert '"surface":"rosenbrock"' in state and '"beta":0.5' in state
        assert '"nesterov"' in state and '"playing":false' in state
        assert not console_errors, f"console errors: {console_errors}"
        local = [u for u in blocked if "127.0.0.1" in u or "localhost" in u]
        assert not local
        context.close()
