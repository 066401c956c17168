r"""The descent explorer of the static book: precomputed paths and a small offline viewer.

A reader of the online book has no kernel, so the paths are computed here, at build time, with
the package's own ``surfaces.descend`` and ``optimizers.make_optimizer``, for a grid of

- every surface in ``surfaces.SURFACES`` (the 1-D one-weight curve included),
- every optimizer in ``optimizers.OPTIMIZER_NAMES``,
- ``LEARNING_RATES`` (13 values, three per decade from :math:`10^{-4}` to 1),
- ``BETAS`` for the rules with a decay (momentum and Nesterov :math:`\beta`, RMSprop
  :math:`\rho`, Adam :math:`\beta_1`; Adam keeps :math:`\beta_2 = 0.999`),

from each surface's ``start`` for ``STEPS`` steps. :func:`explorer_html` returns one
self-contained HTML fragment: the data as compact JSON, the viewer's CSS and JavaScript inline
(``static/explorer.js`` and ``static/explorer.css``), no CDN, nothing fetched, the same bytes
for the same package version. A chapter shows it with ``IPython.display.HTML(explorer_html())``.

Data format (``version`` 1). Coordinates are stored as little-endian int16 in base64: a point
:math:`u` of the plotting box :math:`[lo, hi]` becomes :math:`\mathrm{round}(8000 (u - lo) /
(hi - lo))`, so the box is 0..8000 and points up to 4 box-widths outside still fit; farther
points are clipped to the int16 range and ``-32768`` marks a diverged (NaN) step, after which a
path ends. A 2-D surface draws :math:`(w_1, w_2)`; the 1-D curve draws :math:`(w, E(w))`.
The loss is stored as :math:`\mathrm{round}(1000 \log_{10} \max(E, 10^{-30}))`.

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

from backproplab import __version__, optimizers, surfaces

__all__ = ["BETAS", "LEARNING_RATES", "STEPS", "explorer_data", "explorer_html"]

STEPS = 150
"""Steps per precomputed path."""

LEARNING_RATES = tuple(float(f"{lr:.3g}") for lr in np.logspace(-4.0, 0.0, 13))
"""Learning rates of the grid, log-spaced (three per decade)."""

BETAS = (0.5, 0.9, 0.99)
"""Decay rates of the grid: momentum/Nesterov ``beta``, RMSprop ``rho``, Adam ``beta1``."""

# The first view must read at a glance: on the bowl with beta = 0.9, lr = 0.0464 (and above)
# sends momentum zig-zagging across the valley with a ~5-step period, which looks broken to a
# first-time reader; lr = 0.01 leaves SGD half-way along the valley floor and Adam barely
# started. At 0.0215 every default rule heads smoothly for the minimum and the three stories
# differ at a glance: SGD drops to the valley floor and crawls along it (E = 9e-3 at step 150),
# momentum overshoots in a damped, 8-step spiral yet gets closest (E = 4e-6), and Adam, whose
# steps are about lr long whatever the gradient, goes straight but slowly (E = 0.5). No grid
# rate lets all three arrive (Adam needs lr > 0.023 to cover the 3.5 units in 150 steps).
DEFAULTS = {"surface": "bowl", "lr": 0.0215, "beta": 0.9, "optimizers": ("sgd", "momentum", "adam")}
"""What the viewer shows first."""

# The hyperparameter each rule's "beta" slider sets (None: the rule has no decay).
_DECAY = {
    "sgd": None,
    "momentum": "beta",
    "nesterov": "beta",
    "adagrad": None,
    "rmsprop": "rho",
    "adam": "beta1",
}
_SCALE = 8000.0
_NAN = -32768
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
}


def _quantise(u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.round((u - lo) / (hi - lo) * _SCALE)
    return _int16(q)


def _int16(q: np.ndarray) -> np.ndarray:
    # Far-out values clip to +-32767; only NaN becomes the divergence marker -32768.
    nan = np.isnan(q)
    out = np.clip(np.nan_to_num(q, nan=0.0, posinf=32767, neginf=-32767), -32767, 32767)
    out = out.astype("<i2")
    out[nan] = _NAN
    return out


def _b64(q: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(q, dtype="<i2").tobytes()).decode("ascii")


def _display_points(surface, points: np.ndarray) -> np.ndarray:
    """What the viewer draws: (w1, w2) for a 2-D surface, (w, E(w)) for a curve."""
    if surface.dim == 2:
        return points
    finite = np.isfinite(points[:, 0])
    e = np.full(len(points), np.nan)
    e[finite] = surface.value(points[finite])
    return np.column_stack([points[:, 0], e])


def _encode_points(surface, xy: np.ndarray) -> np.ndarray:
    return np.column_stack([_quantise(xy[:, 0], *surface.xlim), _quantise(xy[:, 1], *surface.ylim)])


def _encode_loss(surface, path: np.ndarray) -> np.ndarray:
    loss = np.full(len(path), np.nan)
    finite = np.isfinite(path).all(axis=1)
    loss[finite] = surface.value(path[finite])
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.round(1000.0 * np.log10(np.maximum(loss, 1e-30)))
    return _int16(q)


def _paths(surface, name: str) -> np.ndarray:
    """int16 array (n_lr, n_beta or 1, STEPS + 1, 3): x, y, log-loss of every path."""
    betas = BETAS if _DECAY[name] else (None,)
    out = np.empty((len(LEARNING_RATES), len(betas), STEPS + 1, 3), dtype="<i2")
    for i, lr in enumerate(LEARNING_RATES):
        for j, beta in enumerate(betas):
            hparams = {"lr": lr} if beta is None else {"lr": lr, _DECAY[name]: beta}
            path = surfaces.descend(
                surface, optimizers.make_optimizer(name, **hparams), None, STEPS
            )
            out[i, j, :, :2] = _encode_points(surface, _display_points(surface, path))
            out[i, j, :, 2] = _encode_loss(surface, path)
    return out


def _contours(surface) -> list[list]:
    """Level lines (2-D) or the curve (1-D): ``[level index, base64 int16 (x, y) polyline]``."""
    if surface.dim == 1:
        w = np.linspace(*surface.xlim, 400)
        curve = np.column_stack([w, surface.value(w[:, None])])
        return [[0, _b64(_encode_points(surface, curve))]]
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
        lines += [[i, _b64(_encode_points(surface, line))] for line in gen.lines(level)]
    return lines


def _surface_entry(surface) -> dict:
    entry = {
        "name": surface.name,
        "title": _PLAIN_TITLES.get(surface.name, surface.name),
        "dim": surface.dim,
        "xlim": list(surface.xlim),
        "ylim": list(surface.ylim),
        "minima": _b64(_encode_points(surface, _display_points(surface, surface.minima))),
        "contours": _contours(surface),
        "paths": {name: _b64(_paths(surface, name)) for name in optimizers.OPTIMIZER_NAMES},
    }
    return entry


@functools.cache
def _data_json() -> str:
    data = {
        "version": 1,
        "package": __version__,
        "steps": STEPS,
        "scale": _SCALE,
        "levels": _CONTOUR_LEVELS,
        "lrs": list(LEARNING_RATES),
        "betas": list(BETAS),
        "decay": {name: _DECAY[name] for name in optimizers.OPTIMIZER_NAMES},
        "optimizers": list(optimizers.OPTIMIZER_NAMES),
        "defaults": {
            "surface": DEFAULTS["surface"],
            "lr": DEFAULTS["lr"],
            "beta": DEFAULTS["beta"],
            "optimizers": list(DEFAULTS["optimizers"]),
        },
        "surfaces": [_surface_entry(s) for s in surfaces.SURFACES.values()],
    }
    # "</" cannot appear (base64 and names only), so the JSON is safe inside <script>.
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def explorer_data() -> dict:
    """The precomputed grid as a Python dict (the JSON that :func:`explorer_html` embeds)."""
    return json.loads(_data_json())


def _static(name: str) -> str:
    return (importlib.resources.files("backproplab") / "static" / name).read_text("utf-8")


def explorer_html() -> str:
    """A self-contained HTML fragment with the offline descent explorer.

    Returns
    -------
    str
        A ``<div class="bpl-static-explorer">`` holding the viewer's CSS, the precomputed paths
        as JSON and the viewer's JavaScript, all inline: no network access, no CDN. Calling it
        twice (or in two builds of the same package version) gives the same string. The
        controls carry ``data-control`` attributes (``surface``, ``optimizer``, ``lr``, ``beta``,
        ``frame``, ``play``, ``step``, ``reset``) and the root's ``data-state`` attribute holds
        the current selection as JSON, for tests and for readers' bug reports.
    """
    data = _data_json()
    css = _static("explorer.css")
    js = _static("explorer.js")
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
