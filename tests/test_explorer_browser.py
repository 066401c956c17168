"""The static descent explorer in the built chapter 4 page, driven by headless Chromium.

The page comes from the book build (``_build/html``, made by ``test_book.py`` earlier in the
same run), or, if that is missing, from a build of chapter 4 alone into a temporary folder.
Every request that is not a local file is aborted: the explorer must work offline. Each
control is changed in turn, and after each one the drawing must differ and no console error
may appear.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from browser import chromium, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[1]
PAGE = Path("book") / "ch04_gradient_descent.html"
ROOT = ".bpl-static-explorer"


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    built = REPO / "_build" / "html" / PAGE
    if built.exists() and "bpl-static-explorer" in built.read_text(encoding="utf-8"):
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
        state = page.get_attribute(ROOT, "data-state")
        assert '"surface":"rosenbrock"' in state and '"beta":0.5' in state
        assert '"nesterov"' in state and '"playing":false' in state
        assert not console_errors, f"console errors: {console_errors}"
        local = [u for u in blocked if "127.0.0.1" in u or "localhost" in u]
        assert not local
        context.close()
