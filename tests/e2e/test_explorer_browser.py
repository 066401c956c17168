"""The static descent explorer, driven by headless Chromium, offline.

Two pages: the explorer's fragment alone (``explorer_html()`` in a bare HTML file, quick), and
the built chapter 4 page (``_build/html`` under ``BACKPROPLAB_BOOK_OUTPUT``, as in
``test_book.py``, when that page holds the current explorer, or else a build of chapter 4
alone into a temporary folder, so a stale build is never tested). Every request that is not
a local file is refused and fails the test: the explorer must work offline.

- The page's descent (``window.bplDescent``, a JavaScript port) gives the paths of
  ``surfaces.descend`` to 1e-9 on every surface, rule and several learning rates and starts.
- On the two-weight fit, the page's validation loss is ``Surface.val_value`` to 1e-9 along
  paths, and choosing that surface draws the validation curve with its lowest step.
- Each control redraws; a drag on the contours moves the start and changes the paths; each
  optimizer draws in its own colour; a URL with a state reopens that view; every control has
  an accessible name and works from the keyboard; a redraw takes under 50 ms.
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.browser import chromium, offline_page

from backproplab import optimizers, surfaces
from backproplab.display.static_explorer import BETAS, LEARNING_RATES, STEPS, explorer_html

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900), pytest.mark.xdist_group(name="book")]

REPO = Path(__file__).resolve().parents[2]
PAGE = Path("book") / "ch04_gradient_descent.html"
ROOT = ".bpl-static-explorer"
COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7")
REDRAW_MS = 50.0


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def fragment(tmp_path_factory):
    page = tmp_path_factory.mktemp("explorer") / "explorer.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>explorer</title></head>"
        f"<body>{explorer_html()}</body></html>",
        encoding="utf-8",
    )
    return page


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


def _open(page, url):
    page.goto(url)
    page.wait_for_selector(f"{ROOT}[data-state]", timeout=30_000)
    page.locator(ROOT).scroll_into_view_if_needed()


def _control(page, name):
    return page.locator(f"{ROOT} [data-control={name}]")


def _state(page):
    return json.loads(page.get_attribute(ROOT, "data-state"))


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


def _clean(log):
    assert not log.problems(), log.problems()


# --- the descent in the page is the package's ------------------------------------------------


class _Nudged:
    """An optimizer whose every iterate is moved by a relative 2^-46 (64 roundings)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def init(self, w):
        return self.optimizer.init(w)

    def update(self, w, dw, state):
        w, state = self.optimizer.update(w, dw, state)
        return w * (1.0 + 2.0**-46 * np.array([1.0, -1.0])[: w.size]), state


def _parted(a, b, tol=1e-9):
    """First step where paths a and b differ by more than tol (relative, absolute below 1)."""
    with np.errstate(invalid="ignore"):
        far = np.abs(a - b) > tol * np.maximum(1.0, np.abs(b))
    far |= np.isnan(a) != np.isnan(b)
    bad = np.flatnonzero(far.any(axis=1))
    return int(bad[0]) if len(bad) else len(a)


def test_the_pages_descent_is_surfaces_descend(browser, fragment):
    """JavaScript paths equal Python's to 1e-9, as long as Python's own path is not chaotic.

    Late in some runs (RMSprop oscillating around a minimum, say) a relative change of one
    rounding (2^-52) in an iterate grows by orders of magnitude per step, so two correct
    implementations that round differently (JavaScript's tanh and pow are not NumPy's, nor its
    summation order) part there. The comparison covers each path up to that step, which the
    test finds by running Python again with every iterate moved by a relative 2^-46 (1.4e-14,
    still 5 orders of magnitude below the tolerance); nearly every path is compared whole.
    """
    rng = np.random.default_rng(0)
    cases = []
    for s in surfaces.SURFACES.values():
        starts = [s.start] + [
            [rng.uniform(*s.xlim), rng.uniform(*s.ylim)][: s.dim] for _ in range(2)
        ]
        for name in optimizers.OPTIMIZER_NAMES:
            for lr in (0.001, 0.0215, 0.1, 1.0):
                for start in starts:
                    cases.append((s.name, name, lr, 0.9 if lr < 0.05 else 0.5, list(start)))
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri())
        paths = page.evaluate(
            """cases => {
                const data = JSON.parse(document.querySelector('script.bpl-data').textContent);
                return cases.map(([s, name, lr, beta, start]) => {
                    const entry = data.surfaces.find(e => e.name === s);
                    const hp = Object.assign({lr: lr}, data.hparams[name]);
                    if (data.decay[name]) hp[data.decay[name]] = beta;
                    const path = window.bplDescent.descend(entry, name, hp, start, data.steps);
                    return Array.from(path, v => (isNaN(v) ? null : v));
                });
            }""",
            cases,
        )
        _clean(log)
    whole, diverged = 0, 0
    for (surface, name, lr, beta, start), got in zip(cases, paths, strict=True):
        s = surfaces.get_surface(surface)
        hp = {"lr": lr} | ({optimizers.DECAY[name]: beta} if optimizers.DECAY[name] else {})
        opt = optimizers.make_optimizer(name, **hp)
        ref = surfaces.descend(s, opt, start, STEPS)
        js = np.array([np.nan if v is None else v for v in got], dtype=float).reshape(ref.shape)
        chaotic = _parted(surfaces.descend(s, _Nudged(opt), start, STEPS), ref)
        agree = _parted(js, ref)
        assert agree >= chaotic, (
            f"{name} on {surface} (lr={lr}, beta={beta}, start={start}): the page's path "
            f"leaves surfaces.descend's at step {agree}: {js[agree]} instead of {ref[agree]}"
        )
        whole += chaotic == len(ref)
        diverged += bool(np.isnan(ref).any())
    print(f"page vs surfaces.descend: {whole} of {len(cases)} paths compared whole")
    assert whole >= 0.9 * len(cases), f"only {whole} of {len(cases)} paths compared whole"
    assert diverged >= 10  # divergence (NaN from the same step on) is compared too


def test_the_pages_validation_loss_is_the_packages(browser, fragment):
    """On the two-weight fit, the page's training and validation losses along its own paths
    equal ``value`` and ``val_value`` along ``surfaces.descend``'s, to 1e-9."""
    s = surfaces.get_surface("two_weight_fit")
    cases = [
        (name, lr, start)
        for name in ("sgd", "momentum", "adam")
        for lr in (0.0215, 0.1)
        for start in ([0.0, 0.0], [-0.5, 1.5], [3.0, -1.0])
    ]
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri())
        got = page.evaluate(
            """cases => {
                const data = JSON.parse(document.querySelector('script.bpl-data').textContent);
                const entry = data.surfaces.find(e => e.name === 'two_weight_fit');
                const f = window.bplDescent.surface(entry);
                return cases.map(([name, lr, start]) => {
                    const hp = Object.assign({lr: lr}, data.hparams[name]);
                    if (data.decay[name]) hp[data.decay[name]] = 0.9;
                    const w = window.bplDescent.descend(entry, name, hp, start, data.steps);
                    const train = [], val = [];
                    for (let k = 0; k <= data.steps; k++) {
                        train.push(f.value([w[2 * k], w[2 * k + 1]]));
                        val.push(f.val([w[2 * k], w[2 * k + 1]]));
                    }
                    return [train, val];
                });
            }""",
            cases,
        )
        _clean(log)
    lowest = []
    for (name, lr, start), (train, val) in zip(cases, got, strict=True):
        decay = optimizers.DECAY[name]
        hp = {"lr": lr} | ({decay: 0.9} if decay else {})
        path = surfaces.descend(s, optimizers.make_optimizer(name, **hp), start, STEPS)
        assert np.isfinite(path).all()
        where = f"{name}, lr={lr}, start={start}"
        np.testing.assert_allclose(val, s.val_value(path), rtol=1e-9, atol=1e-12, err_msg=where)
        np.testing.assert_allclose(train, s.value(path), rtol=1e-9, atol=1e-12, err_msg=where)
        lowest.append(int(np.argmin(val)))
    # the curves compared are not flat: most paths pass a lower validation loss than their end
    assert sum(0 < k < STEPS for k in lowest) >= len(cases) // 2, lowest


def test_choosing_the_fit_shows_its_validation_curve(browser, fragment):
    s = surfaces.get_surface("two_weight_fit")
    orange = COLOURS[0]  # sgd
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri() + "?optimizers=sgd&lr=0.1")
        assert page.get_attribute(ROOT, "data-validation") is None
        assert "validation" not in page.inner_text(f"{ROOT} [data-role=readout]")
        before = _drawing(page)
        _control(page, "surface").select_option(value=str(list(surfaces.SURFACES).index(s.name)))
        assert _state(page)["surface"] == "two_weight_fit" and _drawing(page) != before
        path = surfaces.descend(s, optimizers.make_optimizer("sgd", lr=0.1), None, STEPS)
        val = s.val_value(path)
        shown = json.loads(page.get_attribute(ROOT, "data-validation"))["sgd"]
        j = int(np.argmin(val))
        assert shown["step"] == j and 0 < j < STEPS
        np.testing.assert_allclose([shown["lowest"], shown["now"]], [val[j], val[-1]], rtol=1e-9)
        readout = page.inner_text(f"{ROOT} [data-role=readout]")
        assert f"validation loss {val[-1]:.3f}" in readout  # 3 significant digits, as the page
        assert f"at step {j} of {STEPS}" in readout
        # The dotted validation curve is drawn where val_value puts it, in sgd's colour, and
        # not where the training loss is.
        axes, flat, width = page.evaluate(
            """root => {
                const el = document.querySelector(root);
                const c = el.querySelector('[data-role=loss-plot]');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
                return [el.bplLossAxes, Array.from(d.data), c.width];
            }""",
            ROOT,
        )
        rgba = np.array(flat, dtype=np.uint8).reshape(-1, width, 4)
        ratio = width / page.evaluate(
            "root => document.querySelector(root + ' [data-role=loss-plot]').clientWidth", ROOT
        )
        box, lo, hi = axes["box"], axes["lo"], axes["hi"]

        def near(k, value):
            x = (box["l"] + k / STEPS * box["w"]) * ratio
            y = (box["t"] + (1 - (np.log10(value) - lo) / (hi - lo)) * box["h"]) * ratio
            window = rgba[int(y) - 4 : int(y) + 5, int(x) - 6 : int(x) + 7]
            return _pixels_near(window, orange, tolerance=40)

        train = s.value(path)
        for k in (100, 140):
            assert abs(np.log10(val[k]) - np.log10(train[k])) > 0.5  # far apart on the plot
            assert near(k, val[k]) >= 2, f"no validation curve at step {k}"
            assert near(k, np.sqrt(val[k] * 10.0**hi)) == 0  # above it: nothing orange
        assert near(j, val[j]) >= 10, "no diamond at the lowest validation loss"
        # Back to a surface without validation: gone.
        _control(page, "surface").select_option(value="0")
        assert page.get_attribute(ROOT, "data-validation") is None
        assert "validation" not in page.inner_text(f"{ROOT} [data-role=readout]")
        _clean(log)


# --- the reader's explorer -----------------------------------------------------------------


def test_a_drag_moves_the_start_and_changes_the_paths(browser, fragment):
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri())
        before, drawing = _state(page), _drawing(page)
        box = page.locator(f"{ROOT} [data-role=surface-plot]").bounding_box()
        page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
        page.mouse.down()
        for i in range(1, 21):
            page.mouse.move(
                box["x"] + (0.3 + 0.02 * i) * box["width"],
                box["y"] + (0.3 + 0.01 * i) * box["height"],
            )
            page.wait_for_timeout(20)
        page.mouse.up()
        page.wait_for_timeout(300)
        after = _state(page)
        assert after["start"] != before["start"], "the drag did not move the start"
        # Dragged right and down: w1 grew, w2 fell, and the start is on the pointer.
        assert after["start"][0] > -1.0 and after["start"][1] < before["start"][1]
        assert _drawing(page) != drawing, "the paths did not change"
        # The readout's first path point is the new start.
        assert f"({after['start'][0]:.3g}"[:5] in page.inner_text(f"{ROOT} [data-role=readout]")
        timings = page.evaluate("root => document.querySelector(root).bplTimings", ROOT)
        drag_ms = statistics.median(timings[1:])
        print(f"static explorer redraw: median {drag_ms:.2f} ms over {len(timings) - 1} redraws")
        assert drag_ms < REDRAW_MS, f"a redraw takes {drag_ms:.1f} ms (median)"
        # The address now holds the dragged start: opening it shows the same view.
        url = page.url
        assert f"start={after['start'][0]},{after['start'][1]}" in url
        drawing = _drawing(page)
        with offline_page(browser) as (again, log2):
            _open(again, url)
            assert _state(again) == after
            assert _drawing(again) == drawing
            _clean(log2)
        _clean(log)


def _pixels_near(rgba, colour, tolerance=10):
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgba[..., :3].astype(int) - target).max(axis=-1) <= tolerance).sum())


def test_each_optimizer_draws_in_its_own_colour(browser, fragment):
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri() + "?optimizers=" + ",".join(optimizers.OPTIMIZER_NAMES))
        assert _state(page)["optimizers"] == list(optimizers.OPTIMIZER_NAMES)
        for role in ("surface-plot", "loss-plot"):
            flat, width = page.evaluate(
                """([root, role]) => {
                    const c = document.querySelector(root + ' [data-role=' + role + ']');
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
                    return [Array.from(d.data), c.width];
                }""",
                [ROOT, role],
            )
            rgba = np.array(flat, dtype=np.uint8).reshape(-1, width, 4)
            counts = {c: _pixels_near(rgba, c) for c in COLOURS}
            assert min(counts.values()) >= 15, f"{role}: a colour is missing: {counts}"
        swatches = page.evaluate(
            """root => [...document.querySelectorAll(root + ' .bpl-se-optimizers .bpl-se-swatch')]
                .map(s => getComputedStyle(s).backgroundColor)""",
            ROOT,
        )
        assert len(set(swatches)) == len(optimizers.OPTIMIZER_NAMES), swatches
        _clean(log)


def test_every_control_is_named_and_works_from_the_keyboard(browser, fragment):
    with offline_page(browser) as (page, log):
        _open(page, fragment.as_uri())
        unnamed = page.evaluate(
            """root => [...document.querySelector(root).querySelectorAll(
                    'input, select, button, canvas[tabindex]')]
                .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                             && !c.textContent.trim())
                .map(c => c.outerHTML.slice(0, 80))""",
            ROOT,
        )
        assert not unnamed, f"controls without a name: {unnamed}"
        # Chromium's accessibility tree finds each one by role and name.
        for role, name in [
            ("combobox", "surface"),
            ("slider", "learning rate"),
            ("slider", "β (momentum, ρ, β₁)"),
            ("slider", "start w₁"),
            ("slider", "start w₂"),
            ("slider", "step shown"),
            ("checkbox", "momentum"),
            ("button", "default start"),
            ("application", "Contour plot with the descent paths"),
        ]:
            assert page.get_by_role(role, name=name).count() >= 1, (role, name)
        # Tab reaches the contour plot; the arrow keys move the start, Home puts it back.
        start = _state(page)["start"]
        page.get_by_role("button", name="default start").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.dataset.role") == "surface-plot"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Shift+ArrowUp")
        moved = _state(page)["start"]
        assert moved[0] == pytest.approx(start[0] + 8 / 50) and moved[1] > start[1]
        page.keyboard.press("Home")
        assert _state(page)["start"] == start
        # The sliders and the checkboxes answer keys too.
        lr = _state(page)["lr"]
        page.get_by_role("slider", name="learning rate").press("ArrowRight")
        assert _state(page)["lr"] > lr
        page.get_by_role("checkbox", name="nesterov").press("Space")
        assert "nesterov" in _state(page)["optimizers"]
        page.get_by_role("slider", name="start w₂").press("ArrowLeft")
        assert _state(page)["start"][1] < start[1]
        _clean(log)


def test_every_control_of_the_chapters_explorer_redraws_offline(browser, chapter):
    assert "bpl-static-explorer" in chapter.read_text(encoding="utf-8")
    size = chapter.stat().st_size
    print(f"chapter 4 page: {size / 1e6:.2f} MB")
    assert size < 3_000_000, f"the chapter 4 page is {size / 1e6:.2f} MB"
    with offline_page(browser, viewport={"width": 1200, "height": 1000}) as (page, log):
        _open(page, chapter.as_uri())
        (x1, y1, w1), (x2, y2, w2) = _panels(page)
        assert y1 == y2 and x2 >= x1 + w1, "the two panels are not side by side"
        assert min(w1, w2) >= 250, f"panels too narrow: {w1}, {w2}"

        seen = [_drawing(page)]

        def changed(what):
            now = _drawing(page)
            assert now != seen[-1], f"changing the {what} did not change the drawing"
            seen.append(now)

        _control(page, "surface").select_option(value="1")  # Rosenbrock
        changed("surface")
        _control(page, "lr").fill(str(LEARNING_RATES.index(0.001)))
        changed("learning rate")
        _control(page, "beta").fill(str(BETAS.index(0.5)))  # momentum is shown and has a beta
        changed("momentum beta")
        _control(page, "optimizer").nth(2).check()  # nesterov
        changed("optimizer selection")
        _control(page, "start-x").fill("0.5")
        changed("start slider")
        _control(page, "reset").click()
        changed("reset button")
        _control(page, "step").click()
        changed("step button")
        _control(page, "frame").fill("40")
        changed("step slider")
        _control(page, "play").click()
        page.wait_for_timeout(400)
        _control(page, "play").click()  # pause
        changed("play button")
        page.set_viewport_size({"width": 480, "height": 1000})
        page.wait_for_timeout(200)
        changed("narrow window")
        (x1, y1, w1), (x2, y2, w2) = _panels(page)
        assert y2 > y1 and x1 == x2, "the panels did not stack on a narrow screen"
        root_width = page.evaluate("root => document.querySelector(root).clientWidth", ROOT)
        assert max(w1, w2) <= root_width, "a panel overflows the narrow explorer"
        state = _state(page)
        assert state["surface"] == "rosenbrock" and state["beta"] == 0.5
        assert "nesterov" in state["optimizers"] and not state["playing"]
        _clean(log)


def test_a_link_with_a_state_reopens_that_view_in_the_chapter(browser, chapter):
    query = "surface=himmelblau&optimizers=sgd,adam&lr=0.01&beta=0.5&start=-1.5,2.25&step=40"
    with offline_page(browser) as (page, log):
        _open(page, f"{chapter.as_uri()}?{query}")
        expected = {
            "surface": "himmelblau",
            "optimizers": ["sgd", "adam"],
            "lr": 0.01,
            "beta": 0.5,
            "start": [-1.5, 2.25],
            "step": 40,
            "playing": False,
        }
        assert _state(page) == expected
        # The controls show it, and the explorer is in view.
        assert _control(page, "surface").input_value() == str(
            list(surfaces.SURFACES).index("himmelblau")
        )
        checked = page.evaluate(
            "root => [...document.querySelectorAll(root + ' [data-control=optimizer]')]"
            ".filter(b => b.checked).map(b => b.value)",
            ROOT,
        )
        assert checked == ["sgd", "adam"]
        assert _control(page, "frame").input_value() == "40"
        assert page.locator(ROOT).is_visible() and page.evaluate(
            "root => document.querySelector(root).getBoundingClientRect().top < innerHeight",
            ROOT,
        )
        # Changing a control writes the address, so the next link carries it.
        _control(page, "lr").fill(str(LEARNING_RATES.index(0.1)))
        page.wait_for_timeout(300)
        assert "lr=0.1&" in page.url and "surface=himmelblau" in page.url
        _clean(log)
