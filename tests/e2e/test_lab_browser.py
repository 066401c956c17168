"""The live descent explorer in a real JupyterLab, driven by headless Chromium.

``make lab`` starts JupyterLab (the venv's, with the hub's student configuration) on a free
loopback port with a random token and a temporary root; Chromium opens the chapter 4 solutions
notebook and runs every cell. The test checks that no pop-up (JupyterLab's news question)
covers the page, that each of the six optimizers' paths is on the explorer's figure (its
colour in the plots, the legend left out) and that the readout finds each of the solutions'
rules matching its reference, then moves the learning-rate slider and checks that the figure's
pixels change. Requests to anything but the server are aborted, so the test also proves the
widgets need no network.

It waits for what a person would wait for, however loaded the machine: the status bar's
"Python 3 (ipykernel) | Idle" before Run All, the readout's six verdicts and a whole figure
with all six paths before judging it, a new whole frame after the slider moves. An open
JupyterLab dialog fails the test, quoting it.
"""

import contextlib
import io
import json
import os
import re
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
VERDICT = "matches the reference"


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


def _kernel_ready(page):
    """Wait until the status bar reads "<kernel> | Idle": the kernel is started and connected.

    The toolbar's execution indicator is no such sign: its ``data-status`` is "idle" before
    any kernel exists ("No Kernel | Initializing" in the status bar). A "Run All" then finds
    no kernel, starts one itself and, under load, asks "Select Kernel" in a dialog instead,
    leaving the cells unrun.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    status = page.locator(f"#jp-main-statusbar [title='Change kernel for {NOTEBOOK}']")
    idle = status.filter(has_text=re.compile(r"^(?!No Kernel).* \| Idle$"))
    try:
        idle.wait_for(timeout=90_000)
    except PlaywrightTimeout:
        _no_dialog(page, "waiting for the kernel")
        pytest.fail(
            f"the kernel never became idle; the status bar reads {status.all_inner_texts()}"
        )


def _no_dialog(page, when):
    """Fail, quoting it, if a JupyterLab dialog is open: it would swallow clicks and cover the
    figure, and none is expected (make lab's configuration shows none, and the kernel is
    ready before anything runs)."""
    dialogs = page.locator(".jp-Dialog")
    if dialogs.count():
        pytest.fail(f"a JupyterLab dialog is open {when}: {dialogs.all_inner_texts()}")


def _run_all(page):
    """Run > Run All Cells, as a person would once the kernel is ready and nothing covers
    the menu."""
    _no_dialog(page, "before Run > Run All Cells")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _drawn(figure, ready, what, timeout=120.0) -> bytes:
    """The figure's screenshot once ``ready(screenshot)`` holds and a second one, a second
    later, is the same (the kernel's frame has arrived and nothing is still being drawn);
    else a failure saying ``what(last screenshot)``.

    Equal screenshots alone are no such sign: under load the figure can stay blank, or stay
    as it was before a change, for longer than a second before the kernel's frame arrives.
    """
    deadline = time.monotonic() + timeout
    previous = None
    while True:
        current = figure.screenshot()
        if current == previous and ready(current):
            return current
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout:.0f} s the explorer's figure {what(current)}")
        previous = current
        time.sleep(1.0)


def _check_no_pop_up(page):
    """make lab's configuration (the hub's) leaves out the news pop-up and its plugin."""
    toasts = page.locator(".Toastify__toast")
    assert toasts.count() == 0, f"JupyterLab shows a pop-up: {toasts.all_inner_texts()}"
    assert "Jupyter news" not in page.inner_text("body")
    config = json.loads(page.inner_text("#jupyter-config-data"))
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]


def _rgb(screenshot):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(screenshot)).convert("RGB"), dtype=int)


def _colours(screenshot, tolerance=12):
    """How many pixels of the two plots are in each of the six optimizers' colours. The plots
    end at 81 % of the figure's width; the legend on their right, which has every colour
    whether or not its path is drawn (about 30 pixels each), is left out."""
    rgb = _rgb(screenshot)
    plots = rgb[:, : int(0.78 * rgb.shape[1])]
    counts = {}
    for colour in plotting.OKABE_ITO[:6]:
        target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        counts[colour] = int((np.abs(plots - target).max(axis=-1) <= tolerance).sum())
    return counts


def _complete(screenshot):
    """Whether the figure's frame is whole: axes, ticks and labels drawn (about 3400 dark
    pixels), not only the moving paths, which ipympl can paint on a blank image (30 dark
    pixels) before the kernel's first full frame arrives."""
    return int((_rgb(screenshot).max(axis=-1) < 100).sum()) >= 1000


def _every_path(screenshot):
    return _complete(screenshot) and min(_colours(screenshot).values()) >= 20


def _verdicts(page, count=6):
    """Wait until the readout finds each of the solutions' six rules (correct by
    construction) matching its reference, then check it says so exactly six times."""
    readout = page.locator(EXPLORER).first
    deadline = time.monotonic() + 120
    while (text := readout.inner_text()).count(VERDICT) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"the readout does not say {VERDICT!r} {count} times:\n{text[-1500:]}")
        time.sleep(1.0)
    assert text.count(VERDICT) == count, text[-1500:]


def test_moving_a_slider_redraws_the_live_explorer(tmp_path):
    require_chromium()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
        _kernel_ready(page)
        _run_all(page)
        try:
            page.wait_for_selector(FIGURE, timeout=180_000, state="attached")
        except PlaywrightTimeout:
            _no_dialog(page, "while the notebook runs")
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
        _verdicts(page)
        _no_dialog(page, "over the explorer")
        _check_no_pop_up(page)
        before = _drawn(
            figure,
            _every_path,
            lambda shot: (
                "does not show every optimizer's path on whole axes: "
                f"{'axes drawn' if _complete(shot) else 'no axes'}, colours {_colours(shot)}"
            ),
        )

        readout = page.locator(f"{EXPLORER} .bpl-lr .widget-readout").first
        lr_before = readout.inner_text()
        handle = page.locator(f"{EXPLORER} .bpl-lr .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(6):
            handle.press("ArrowRight")
        assert readout.inner_text() != lr_before, "the learning-rate slider did not move"
        _drawn(
            figure,
            lambda shot: _complete(shot) and shot != before,
            lambda shot: "did not change after moving the slider",
        )
        assert not errors, f"uncaught page errors: {errors}"
        context.close()
