"""The live descent explorer in a real JupyterLab, driven by headless Chromium.

``make lab`` starts JupyterLab (the venv's, with the hub's student configuration) on a free
loopback port with a random token and a temporary root; Chromium opens the chapter 4 solutions
notebook and runs every cell. The test checks that no pop-up (JupyterLab's news question)
covers the page, that the six optimizers' colours are all on the explorer's figure and that the
readout finds each of the solutions' rules matching its reference, then moves the
learning-rate slider and checks that the figure's pixels change. Requests to anything but the
server are aborted, so the test also proves the widgets need no network.
"""

import contextlib
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from support.browser import chromium, require_chromium

from backproplab.display import plotting

pytestmark = [pytest.mark.browser, pytest.mark.timeout(660)]

REPO = Path(__file__).resolve().parents[2]
SOLUTION = REPO / "solutions" / "ch04_gradient_descent" / "ch04_gradient_descent.ipynb"
NOTEBOOK = "ch04_gradient_descent.ipynb"
EXPLORER = ".bpl-explorer"
FIGURE = f"{EXPLORER} .jupyter-matplotlib-figure"
ERROR_OUTPUT = ".jp-RenderedText[data-mime-type*=error]"


def _notebook(directory: Path) -> Path:
    """A copy of the chapter 4 solutions notebook, whose race cell builds the explorer."""
    text = SOLUTION.read_text(encoding="utf-8")
    assert "DescentExplorer" in text, f"{SOLUTION} no longer builds a DescentExplorer"
    target = directory / NOTEBOOK
    target.write_text(text, encoding="utf-8")
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _jupyter_lab(root: Path):
    """``make lab``, as a student starts it, on a free port with a token, opening ``root``.

    Only what a test needs is added (LAB_DIR, LAB_ARGS, and folders of its own instead of the
    user's ~/.jupyter): the configuration is the Makefile's, so a pop-up that ``make lab``
    would show shows here too.
    """
    token = secrets.token_hex(16)
    port = _free_port()
    home = root / ".home"
    venv = Path(sys.prefix)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLBACKEND": "Agg",
    }
    env.pop("JUPYTER_CONFIG_PATH", None)
    lab_args = [
        "--no-browser",
        f"--ServerApp.token={token}",
        f"--port={port}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab_args.append("--allow-root")
    # -o: never re-install the venv from inside a test; VENV: this interpreter's venv.
    command = [
        "make",
        "--no-print-directory",
        "-C",
        str(REPO),
        "-o",
        f"{venv}/.installed",
        "lab",
        f"VENV={venv}",
        f"LAB_DIR={root}",
        "LAB_ARGS=" + " ".join(lab_args),
    ]
    # Render every cell (no windowing: offscreen outputs would be missing from the DOM). The
    # news pop-up is left to make lab's configuration: this test checks that it stays away.
    target = home / "settings" / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"windowingMode": "none"}))
    log = (root / ".home.log").open("w")
    # A session of its own, so that stopping make stops the JupyterLab it started.
    server = subprocess.Popen(
        command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "jupyter lab did not start:\n" + (root / ".home.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield url, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _stable_screenshot(locator, timeout=60.0) -> bytes:
    """A screenshot once two in a row agree (the figure has finished arriving)."""
    deadline = time.monotonic() + timeout
    previous = locator.screenshot()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        current = locator.screenshot()
        if current == previous:
            return current
        previous = current
    return previous


def _run_all(page, attempts=3):
    """Run > Run All Cells, again if no cell started (the kernel was not connected yet).

    The status indicator can read "idle" a moment before the kernel's channels are up; a
    "Run All" then is silently dropped, leaving every prompt at "[ ]".
    """
    started = ".jp-InputPrompt:has-text('[*]'), .jp-InputPrompt:has-text('[1]')"
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_selector(started, timeout=30_000, state="attached")
            return
        except Exception:
            page.keyboard.press("Escape")  # close the menu if it is still open
    pytest.fail(f"Run All Cells started no cell in {attempts} attempts")


def _check_no_pop_up(page):
    """make lab's configuration (the hub's) leaves out the news pop-up and its plugin."""
    toasts = page.locator(".Toastify__toast")
    assert toasts.count() == 0, f"JupyterLab shows a pop-up: {toasts.all_inner_texts()}"
    assert "Jupyter news" not in page.inner_text("body")
    config = json.loads(page.inner_text("#jupyter-config-data"))
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]


def _pixels_near(image, colour, tolerance=12):
    rgb = np.asarray(image.convert("RGB"), dtype=int)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) <= tolerance).sum())


def _check_colours_and_verdicts(page, screenshot):
    """Every optimizer's colour is on the figure, and each of the solutions' six rules
    (correct by construction) is reported as matching its reference."""
    from PIL import Image

    image = Image.open(io.BytesIO(screenshot))
    counts = {c: _pixels_near(image, c) for c in plotting.OKABE_ITO[:6]}
    assert min(counts.values()) >= 20, f"an optimizer's colour is missing: {counts}"
    text = page.locator(EXPLORER).first.inner_text()
    assert text.count("matches the reference") == 6, text[-1500:]


def test_moving_a_slider_redraws_the_live_explorer(tmp_path):
    require_chromium()
    _notebook(tmp_path)
    with _jupyter_lab(tmp_path) as (url, token), chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        context.route(
            "**/*",
            lambda route: route.continue_() if route.request.url.startswith(url) else route.abort(),
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        # Wait for the kernel before running, or "Run All" can land before it exists.
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000
        )
        # Now and then a "Run All" starts the first cells and then stops with every later
        # prompt still "[ ]" and the kernel idle (seen under load, cause not found); running
        # all again is harmless, so a stalled run gets two more chances.
        for attempt in range(3):
            _run_all(page)
            try:
                page.wait_for_selector(FIGURE, timeout=120_000, state="attached")
                break
            except Exception:
                if attempt < 2:
                    page.keyboard.press("Escape")
        else:
            shot = tmp_path / "jupyterlab.png"
            page.screenshot(path=shot, full_page=True)
            pytest.fail(
                f"no explorer figure after running the notebook (screenshot: {shot}); "
                f"explorers: {page.locator(EXPLORER).count()}, "
                f"ipympl views: {page.locator('.jupyter-matplotlib').count()}, "
                f"error outputs: {page.locator(ERROR_OUTPUT).count()}, "
                f"page errors: {errors}"
            )
        figure = page.locator(FIGURE).first
        figure.scroll_into_view_if_needed()
        figure.wait_for(state="visible", timeout=60_000)
        figure.scroll_into_view_if_needed()
        before = _stable_screenshot(figure)
        _check_no_pop_up(page)
        _check_colours_and_verdicts(page, before)

        readout = page.locator(f"{EXPLORER} .bpl-lr .widget-readout").first
        lr_before = readout.inner_text()
        handle = page.locator(f"{EXPLORER} .bpl-lr .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(6):
            handle.press("ArrowRight")
        assert readout.inner_text() != lr_before, "the learning-rate slider did not move"
        after = _stable_screenshot(figure)
        assert after != before, "the explorer's figure did not change after moving the slider"
        assert not errors, f"uncaught page errors: {errors}"
        context.close()
