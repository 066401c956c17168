"""Latency of the live descent explorer, measured side by side in one run.

Run with ``python tests/benchmarks/bench_widgets.py``. It is a report, not a test: it prints
PASS/MISS against the target and always exits 0.

Workload: a ``DescentExplorer`` on Rosenbrock with 200 steps. The learning-rate slider is
moved programmatically through a sweep of values (the same observer the browser's slider
triggers), each move recomputing every shown path with ``surfaces.descend`` and redrawing by
blitting: restore the background, draw the paths, encode ipympl's pixel diff (the PNG sent
to the browser). The canvas is put in the state it has once a browser view is connected
(``syncing_data_url`` off). Target: median <= 50 ms with the default three optimizers.

Side by side: the bare computation (``descend`` for the same optimizers, no drawing), so the
ratio says how much the drawing adds, the same move with all six reference optimizers plus a
student's rule, and the chapter 4 race as a student with every rule done sees it (six rules
next to their six references, each rule's match against its reference in the readout). Also
reported: a step of the animation (no recomputation) and a full redraw (what changing the
surface or the number of steps costs).

The static explorer of the book (``static_explorer.explorer_html``) is timed too when Debian's
Chromium and Playwright are there: the page's own redraw (descent of the shown optimizers in
JavaScript plus drawing both canvases, ``performance.now()`` around it) for 40 moves of the
start, as a drag makes them, with all six optimizers shown. Same target.
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from backproplab import optimizers, surfaces
from backproplab.display.widgets import DescentExplorer

STEPS = 200
SURFACE = "rosenbrock"
LRS = np.geomspace(1e-4, 2e-3, 25)
TARGET_MS = 50.0


def median_ms(fn, values):
    times = []
    for v in values:
        t = time.perf_counter()
        fn(v)
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def bare(names):
    s = surfaces.get_surface(SURFACE)

    def run(lr):
        for name in names:
            surfaces.descend(s, optimizers.make_optimizer(name, lr=float(lr)), s.start, STEPS)

    return run


def explorer(**kwargs):
    ex = DescentExplorer(surface=SURFACE, lr=1e-3, steps=STEPS, **kwargs)
    ex.canvas.syncing_data_url = False  # as once JupyterLab has connected a view
    return ex


def main():
    default = ("sgd", "momentum", "adam")
    every = optimizers.OPTIMIZER_NAMES
    ex3 = explorer(optimizers=default)
    ex7 = explorer(optimizers=every, rules={"momentum": optimizers.momentum_update})
    ex12 = explorer(rules={n: getattr(optimizers, f"{n}_update") for n in every})

    def slide(ex):
        def move(lr):
            ex.lr.value = float(lr)

        return move

    rows = [
        ("bare descend, 3 optimizers", median_ms(bare(default), LRS)),
        ("slider move, 3 optimizers", median_ms(slide(ex3), LRS)),
        ("bare descend, 7 paths", median_ms(bare((*every, "momentum")), LRS)),
        ("slider move, 6 optimizers + student", median_ms(slide(ex7), LRS)),
        ("slider move, 6 rules + 6 references", median_ms(slide(ex12), LRS)),
        (
            "animation step (no recompute)",
            median_ms(lambda k: setattr(ex3.frame, "value", int(k)), range(0, 200, 8)),
        ),
        ("full redraw", median_ms(lambda _: ex3.redraw(), range(5))),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"DescentExplorer on {SURFACE}, {STEPS} steps (median over {len(LRS)} slider moves)")
    for name, ms in rows:
        print(f"  {name:<{width}}  {ms:8.1f} ms")
    print(f"  drawing overhead, 3 optimizers: x{rows[1][1] / rows[0][1]:.2f} of the bare descend")
    print(f"  drawing overhead, 7 paths:      x{rows[3][1] / rows[2][1]:.2f} of the bare descend")
    verdict = "PASS" if rows[1][1] <= TARGET_MS else "MISS"
    print(f"{verdict}: slider latency {rows[1][1]:.1f} ms (target <= {TARGET_MS:.0f} ms median)")
    static_explorer()


def static_explorer():
    """The book's explorer in headless Chromium: median redraw over 40 moves of the start."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from playwright.sync_api import sync_playwright
        from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_path
    except ImportError as exc:
        print(f"static explorer: skipped ({exc})")
        return
    browser_path = chromium_path()  # PATH, then the sbin folders, as the browser tests do
    if browser_path is None:
        print(f"static explorer: skipped ({CHROMIUM} not found; apt-get install chromium)")
        return
    from backproplab.display.static_explorer import explorer_html

    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "explorer.html"
        page_file.write_text(f"<!doctype html><meta charset='utf-8'>{explorer_html()}", "utf-8")
        size = len(explorer_html().encode())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{page_file.as_uri()}?optimizers={','.join(optimizers.OPTIMIZER_NAMES)}")
            page.wait_for_selector(".bpl-static-explorer[data-state]")
            times = []
            for surface in ("0", "6"):  # the bowl, and the tiny network (360 examples)
                page.select_option("[data-control=surface]", surface)
                plot = page.locator("[data-role=surface-plot]").bounding_box()
                page.evaluate("document.querySelector('.bpl-static-explorer').bplTimings = []")
                page.mouse.move(plot["x"] + 80, plot["y"] + 60)
                page.mouse.down()
                for i in range(20):
                    page.mouse.move(plot["x"] + 80 + 8 * i, plot["y"] + 60 + 5 * i)
                    page.wait_for_timeout(25)
                page.mouse.up()
                times += page.evaluate("document.querySelector('.bpl-static-explorer').bplTimings")
            browser.close()
    ms = float(np.median(times))
    print(f"Static explorer in Chromium: {size / 1e3:.0f} kB, 6 optimizers, {len(times)} redraws")
    print(f"  redraw on a drag (descend in JS + draw), median  {ms:8.2f} ms")
    print(f"  slowest                                          {max(times):8.2f} ms")
    verdict = "PASS" if ms <= TARGET_MS else "MISS"
    print(f"{verdict}: static redraw {ms:.2f} ms (target <= {TARGET_MS:.0f} ms median)")


if __name__ == "__main__":
    main()
