r"""The descent explorer of the static book: a small offline viewer that descends in the page.

A reader of the online book has no kernel, so the page computes the paths itself: its
JavaScript (``static/descent.js``) is a port of the six update rules of
``backproplab.optimizers`` and of the gradients of every surface in ``surfaces.SURFACES``,
run like ``surfaces.descend`` from wherever the reader clicks or drags on the contour plot
(``static/explorer.js`` is the viewer, ``static/canvas.js`` its drawing helpers and
``static/losspanel.js`` its loss panel). On the one surface with a validation loss
(``"two_weight_fit"``) the page computes that too and draws it next to the training loss, dotted,
with a diamond at each optimizer's lowest validation loss so far. The browser
test ``tests/e2e/test_explorer_browser.py`` checks the port against the package: the JavaScript
paths equal ``surfaces.descend``'s to 1e-9 on every surface and rule (up to the step where a
path turns chaotic, if it does: there any two roundings part). What the page cannot compute
cheaply is precomputed here, at build time:

- the contour lines of every surface (the 1-D one-weight curve included), quantised;
- each surface's box, minima, title and default start;
- the tiny network's data (its 360 inputs and targets, as exact float64 JSON), and for the
  two-weight fit each sample's :math:`G = X^\top X / N` and least-squares weights (the same),
  from which the page computes both losses as ``linear_fit.excess_loss`` does;
- the hyperparameters of every rule, from ``optimizers.HYPERPARAMETERS`` (the decay rate the
  "β" slider sets comes from ``optimizers.DECAY``; the others keep their defaults);
- the slider grids ``LEARNING_RATES`` and ``BETAS``, and ``STEPS`` steps per path.

:func:`explorer_html` returns one self-contained HTML fragment: that data as compact JSON, the
viewer's CSS and JavaScript inline, no CDN, nothing fetched, the same bytes for the same
package version. A chapter shows it with ``IPython.display.HTML(explorer_html())``, or opens it
on another surface, learning rate or set of optimizers with the arguments of
:func:`explorer_html` (chapter 9: the two-weight fit). The
viewer keeps its whole state (surface, optimizers, learning rate, β, start, step) in the
page's address, so a link reopens the same view.

Contours are stored as little-endian int16 in base64: a point :math:`u` of the plotting box
:math:`[lo, hi]` becomes :math:`\mathrm{round}(8000 (u - lo) / (hi - lo))`, so the box is
0..8000. A 2-D surface draws :math:`(w_1, w_2)`; the 1-D curve draws :math:`(w, L(w))`.

This module uses NumPy and contourpy (a matplotlib dependency) only; it is not a maths
module and the maths modules never import it.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.resources
import json

import numpy as np

from backproplab import __version__, linear_fit, optimizers, surfaces

__all__ = ["BETAS", "LEARNING_RATES", "STEPS", "explorer_data", "explorer_html"]

STEPS = 150
"""Steps per path."""

LEARNING_RATES = tuple(float(f"{lr:.3g}") for lr in np.logspace(-4.0, 0.0, 25))
"""Learning rates of the slider, log-spaced (six per decade, 1e-4 to 1)."""

BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
"""Decay rates of the "β" slider: momentum/Nesterov ``beta``, RMSprop ``rho``, Adam ``beta1``."""

# The first view must read at a glance: on the bowl with beta = 0.9, lr = 0.0464 (and above)
# sends momentum zig-zagging across the valley with a ~5-step period, which looks broken to a
# first-time reader; lr = 0.01 leaves SGD half-way along the valley floor and Adam barely
# started. At 0.0215 every default rule heads smoothly for the minimum and the three stories
# differ at a glance: SGD drops to the valley floor and crawls along it (L = 9e-3 at step 150),
# momentum overshoots in a damped, 8-step spiral yet gets closest (L = 4e-6), and Adam, whose
# steps are about lr long whatever the gradient, goes straight but slowly (L = 0.5). No grid
# rate lets all three arrive (Adam needs lr > 0.023 to cover the 3.5 units in 150 steps).
DEFAULTS = {"surface": "bowl", "lr": 0.0215, "beta": 0.9, "optimizers": ("sgd", "momentum", "adam")}
"""What the viewer shows first (a URL with a state overrides it)."""

_SCALE = 8000.0
_CONTOUR_GRID = 120
_CONTOUR_LEVELS = 18
# Titles in plain text: the page's MathJax must not typeset (or choke on) the viewer's labels.
_PLAIN_TITLES = {
    "bowl": "Ill-conditioned bowl ½(x² + 25y²)",
    "rosenbrock": "Rosenbrock valley",
    "beale": "Beale",
    "himmelblau": "Himmelblau (four minima)",
    "saddle": "Saddle x² − y² + y⁴/4 + 1",
    "one_weight": "One-weight error |0.3w − 0.8|",
    "tiny_net": "Tiny network w₂·tanh(w₁x) on digits 0 vs 1",
    "two_weight_fit": "Two-weight fit w₁x₁ + w₂x₂, training and validation",
}


def _encode_points(surface, xy: np.ndarray) -> str:
    """Base64 of int16 (x, y) pairs, each coordinate mapped from its box to 0..8000."""
    q = np.column_stack(
        [
            np.round((xy[:, 0] - surface.xlim[0]) / (surface.xlim[1] - surface.xlim[0]) * _SCALE),
            np.round((xy[:, 1] - surface.ylim[0]) / (surface.ylim[1] - surface.ylim[0]) * _SCALE),
        ]
    )
    q = np.clip(q, -32767, 32767).astype("<i2")
    return base64.b64encode(np.ascontiguousarray(q).tobytes()).decode("ascii")


def _contours(surface) -> list[list]:
    """Level lines (2-D) or the curve (1-D): ``[level index, base64 int16 (x, y) polyline]``."""
    if surface.dim == 1:
        w = np.linspace(*surface.xlim, 400)
        return [[0, _encode_points(surface, np.column_stack([w, surface.value(w[:, None])]))]]
    from contourpy import contour_generator

    xs = np.linspace(*surface.xlim, _CONTOUR_GRID)
    ys = np.linspace(*surface.ylim, _CONTOUR_GRID)
    X, Y = np.meshgrid(xs, ys)
    Z = surface.value(np.stack([X, Y], axis=-1))
    # Log-spaced levels, as plotting.plot_surface: the valley floor and the walls both show.
    low = max(float(Z.min()), 0.0)
    span = float(Z.max()) - low
    gen = contour_generator(X, Y, Z)
    lines = []
    for i, level in enumerate(low + np.geomspace(span * 1e-4, span, _CONTOUR_LEVELS)):
        lines += [[i, _encode_points(surface, line)] for line in gen.lines(level)]
    return lines


def _floats(a) -> list:
    # JSON numbers written with repr round-trip exactly to the same float64 in JavaScript.
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _surface_entry(surface) -> dict:
    entry = {
        "name": surface.name,
        "title": _PLAIN_TITLES.get(surface.name, surface.name),
        "dim": surface.dim,
        "xlim": list(surface.xlim),
        "ylim": list(surface.ylim),
        "minima": [_floats(m) for m in surface.minima],
        "start": _floats(surface.start),
        "contours": _contours(surface),
    }
    if surface.name == "tiny_net":
        x, y = surfaces._tiny_net_data()
        entry["data"] = {"x": _floats(x), "y": _floats(y)}
    if surface.name == "two_weight_fit":
        # The page needs each sample's G = X^T X / N and least-squares weights, not the samples.
        fit = linear_fit.make_fit(linear_fit.SURFACE_SEED)
        entry["data"] = {"gram": _floats(fit.gram)}
        entry["validation"] = {"gram": _floats(fit.gram_val), "minimum": _floats(fit.w_val)}
    return entry


def _hyperparameters() -> dict:
    """Every rule's fixed hyperparameters (its defaults), without lr and the decay rate."""
    return {
        name: {k: v for k, v in table.items() if k not in ("lr", optimizers.DECAY[name])}
        for name, table in optimizers.HYPERPARAMETERS.items()
    }


@functools.cache
def _data_json(surface: str, lr: float, shown: tuple[str, ...]) -> str:
    data = {
        "version": 2,
        "package": __version__,
        "steps": STEPS,
        "scale": _SCALE,
        "levels": _CONTOUR_LEVELS,
        "lrs": list(LEARNING_RATES),
        "betas": list(BETAS),
        "decay": dict(optimizers.DECAY),
        "hparams": _hyperparameters(),
        "optimizers": list(optimizers.OPTIMIZER_NAMES),
        "defaults": {
            "surface": surface,
            "lr": lr,
            "beta": DEFAULTS["beta"],
            "optimizers": list(shown),
        },
        "surfaces": [_surface_entry(s) for s in surfaces.SURFACES.values()],
    }
    # "</" cannot appear (numbers, base64 and names only), so the JSON is safe in <script>.
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def _first_view(surface: str | None, lr: float | None, shown: object) -> tuple:
    """Check :func:`explorer_html`'s arguments; each None is the ``DEFAULTS`` value."""
    fn = "explorer_html"
    surface = DEFAULTS["surface"] if surface is None else surface
    if surface not in surfaces.SURFACES:
        raise ValueError(f"{fn}: surface must be one of {list(surfaces.SURFACES)}, got {surface!r}")
    lr = DEFAULTS["lr"] if lr is None else lr
    if lr not in LEARNING_RATES:
        raise ValueError(f"{fn}: lr must be a value of the slider, LEARNING_RATES; got {lr!r}")
    shown = DEFAULTS["optimizers"] if shown is None else tuple(shown)
    unknown = [n for n in shown if n not in optimizers.OPTIMIZER_NAMES]
    if unknown or not shown:
        raise ValueError(
            f"{fn}: optimizers must be a non-empty list of {list(optimizers.OPTIMIZER_NAMES)}, "
            f"got {list(shown)}"
        )
    return surface, float(lr), shown


def explorer_data(
    surface: str | None = None, lr: float | None = None, optimizers: object = None
) -> dict:
    """What the page needs besides its script, as a dict (the JSON :func:`explorer_html` embeds
    with the same arguments)."""
    return json.loads(_data_json(*_first_view(surface, lr, optimizers)))


def _static(name: str) -> str:
    return (importlib.resources.files("backproplab.display") / "static" / name).read_text("utf-8")


def explorer_html(
    surface: str | None = None, lr: float | None = None, optimizers: object = None
) -> str:
    """A self-contained HTML fragment with the offline descent explorer.

    Parameters
    ----------
    surface : str, optional
        The surface shown first, a key of ``surfaces.SURFACES``; ``DEFAULTS["surface"]``
        (the bowl) by default. Chapter 9 opens on ``"two_weight_fit"``.
    lr : float, optional
        The first learning rate, one of ``LEARNING_RATES``; ``DEFAULTS["lr"]`` by default.
    optimizers : sequence of str, optional
        The optimizers shown first; ``DEFAULTS["optimizers"]`` by default.

    The reader may change all three, and a URL with a state overrides them.

    Returns
    -------
    str
        A ``<div class="bpl-static-explorer">`` holding the viewer's CSS, its data as JSON
        (:func:`explorer_data`) and its JavaScript, all inline: no network access, no CDN.
        Calling it twice (or in two builds of the same package version) gives the same string.
        The controls carry ``data-control`` attributes (``surface``, ``optimizer``, ``lr``,
        ``beta``, ``start-x``, ``start-y``, ``start-reset``, ``frame``, ``play``, ``step``,
        ``reset``), the contour plot ``data-role="surface-plot"``, and the root's
        ``data-state`` attribute holds the current state as JSON, for tests and for readers'
        bug reports. ``window.bplStaticExplorer.descend`` exposes the page's descent (used by
        the browser test to compare it with ``surfaces.descend``).
    """
    data = _data_json(*_first_view(surface, lr, optimizers))
    css = _static("explorer.css")
    # The drawing helpers, the descent, the loss panel and the viewer, in that order, in one
    # script.
    js = "\n".join(
        _static(name) for name in ("canvas.js", "descent.js", "losspanel.js", "explorer.js")
    )
    if "</script" in data.lower() or "</script" in js.lower():
        raise RuntimeError("explorer_html: a '</script' inside the embedded data or script")
    return (
        f'<div class="bpl-static-explorer tex2jax_ignore mathjax_ignore" '
        f'data-version="{html.escape(__version__)}">\n'
        f"<style>{css}</style>\n"
        f'<script type="application/json" class="bpl-data">{data}</script>\n'
        f"<noscript>The descent explorer needs JavaScript.</noscript>\n"
        f"<script>{js}</script>\n"
        f"</div>\n"
    )
