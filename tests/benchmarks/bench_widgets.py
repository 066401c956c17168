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
ratio says how much the drawing adds, and the same move with all six reference optimizers
plus a student's rule. Also reported: a step of the animation (no recomputation) and a full
redraw (what changing the surface or the number of steps costs).
"""

import time

import numpy as np

from backproplab import optimizers, surfaces
from backproplab.widgets import DescentExplorer

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

    def slide(ex):
        def move(lr):
            ex.lr.value = float(lr)

        return move

    rows = [
        ("bare descend, 3 optimizers", median_ms(bare(default), LRS)),
        ("slider move, 3 optimizers", median_ms(slide(ex3), LRS)),
        ("bare descend, 7 paths", median_ms(bare((*every, "momentum")), LRS)),
        ("slider move, 6 optimizers + student", median_ms(slide(ex7), LRS)),
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


if __name__ == "__main__":
    main()
