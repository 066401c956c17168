"""How the live descent explorer tells its paths apart: colours, dashes, markers, legend.

Each reference optimizer has its Okabe-Ito colour (``plotting.color`` in the order of
``optimizers.OPTIMIZER_NAMES``, the same as the static explorer). A student's rule for that
optimizer takes the *same* colour, so it is read next to the reference it should match, and is
told apart by its dash and its open triangle markers: a correct rule is a dashed line lying on
the solid one, the reference showing through the gaps. Custom optimizers are black, dash-dot,
with square markers. On a surface with a validation loss, each racer's validation loss is
dotted in its colour, with a diamond at its lowest point, and the legend says so.
"""

from __future__ import annotations

import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D

from backproplab import optimizers
from backproplab.display import plotting

REFERENCE, YOURS, CUSTOM = "reference", "yours", "custom"
YOURS_SUFFIX = " (yours)"
_DASH = (0, (4.0, 2.5))
_MARKERS_PER_PATH = 12


def kind_color(name):
    """(kind, colour) of a racer: ``name`` is the optimizer, or None for a custom one."""
    if name is None:
        return CUSTOM, "black"
    return REFERENCE, plotting.color(optimizers.OPTIMIZER_NAMES.index(name))


def line_style(kind, color):
    """Keyword arguments of the path and loss lines of a racer."""
    if kind == YOURS:
        return {
            "color": color,
            "linestyle": _DASH,
            "lw": 1.6,
            "marker": "^",
            "markersize": 5,
            "mfc": "white",
            "mec": color,
            "zorder": 3.2,
        }
    if kind == CUSTOM:
        return {"color": color, "linestyle": "-.", "lw": 1.4, "marker": "s", "markersize": 4}
    return {"color": color, "linestyle": "-", "lw": 1.8, "zorder": 3.0}


def val_line_style(color):
    """Keyword arguments of a racer's validation-loss line: its colour, dotted."""
    return {"color": color, "linestyle": (0, (1.0, 1.6)), "lw": 2.0, "zorder": 2.8}


def best_style(color):
    """Keyword arguments of the marker at a racer's lowest validation loss."""
    return {
        "marker": "D",
        "linestyle": "none",
        "color": color,
        "markersize": 7,
        "mec": "black",
        "mew": 0.8,
        "zorder": 4.0,
    }


def point_style(kind, color):
    """Keyword arguments of the marker at a racer's current step."""
    marker = {"yours": "^", "custom": "s"}.get(kind, "o")
    return {"marker": marker, "linestyle": "none", "color": color, "markersize": 7, "mec": "white"}


def markevery(steps):
    """About a dozen markers along a path of ``steps`` steps, whatever its length."""
    return max(1, int(steps) // _MARKERS_PER_PATH)


def _proxy(kind, color):
    style = line_style(kind, color)
    if "marker" in style:
        style["markevery"] = None
    return Line2D([], [], **style)


def legend(ax, racers, shown, validation=False):
    """Put the legend right of ``ax``: one row per optimizer, its reference and yours paired.

    With ``validation``, three more rows (in grey) tell the training line, the dotted
    validation line and the diamond at the lowest validation loss apart.

    Parameters
    ----------
    racers : dict
        ``{label: (optimizer name or None, kind)}`` in display order.
    shown : set of str
        Labels currently drawn.

    Returns
    -------
    matplotlib.legend.Legend or None
    """
    old = ax.get_legend()
    if old is not None:
        old.remove()
    pairs = any(kind == YOURS and label in shown for label, (_, kind) in racers.items())
    rows = {}
    for label, (name, kind) in racers.items():
        if label not in shown:
            continue
        color = kind_color(name)[1]
        key = name if name is not None else label
        rows.setdefault(key, {})[kind] = _proxy(kind, color)
    if not rows:
        return None
    blank = Line2D([], [], linestyle="none")
    handles, labels = [], []
    for key, kinds in rows.items():
        if CUSTOM in kinds or not pairs:
            handles.append(next(iter(kinds.values())))
        else:
            handles.append((kinds.get(REFERENCE, blank), kinds.get(YOURS, blank)))
        labels.append(key)
    if validation:
        grey = "0.35"
        handles += [
            Line2D([], [], **line_style(REFERENCE, grey)),
            Line2D([], [], **val_line_style(grey)),
            Line2D([], [], **best_style(grey)),
        ]
        labels += ["training", "validation", "lowest validation"]
    return ax.legend(
        handles,
        labels,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.8)},
        handlelength=4.2 if pairs else 2.0,
        title="solid: reference\ndashed, △: yours" if pairs else None,
        title_fontsize="small",
        alignment="left",
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        fontsize="small",
        frameon=False,
    )


def lowest_note(lowest, j):
    """The readout's validation cell: ``lowest`` is (value, step, value now) or None."""
    if lowest is None:
        return ""
    best, step, now = lowest
    return f"lowest {best:.4g} at step {step} of {j}; at step {j}: {now:.4g}"


def match_note(yours, reference):
    """The readout's verdict on a student's path against the reference path (same settings).

    Paths match when every step agrees to ``rtol = 1e-9`` (``atol = 1e-12``), a diverged
    (NaN) step agreeing only with a diverged one: rounding-level differences from computing
    the same rule in another order are a match, any real difference is not.
    """
    if reference is None:
        return "no reference to compare"
    n = min(len(yours), len(reference))
    close = np.isclose(yours[:n], reference[:n], rtol=1e-9, atol=1e-12, equal_nan=True)
    bad = np.flatnonzero(~close.all(axis=1))
    if len(bad) == 0 and len(yours) == len(reference):
        return "✓ matches the reference"
    k = int(bad[0]) if len(bad) else n
    with np.errstate(invalid="ignore"):
        gap = float(np.nanmax(np.abs(yours[k] - reference[k]))) if k < n else float("nan")
    return f"✗ differs from the reference from step {k} (by {gap:.3g})"
