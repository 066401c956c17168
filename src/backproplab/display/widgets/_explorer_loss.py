"""The loss panel of the live descent explorer: each racer's loss per step on a log scale and,
on a surface with a validation loss (``Surface.val_value``), its validation loss next to it.

The validation loss of a racer is drawn in the racer's colour, dotted, with a diamond at its
lowest value among the steps shown so far: the step early stopping would keep if training
ended at the current step. The readout's validation cell says the same in numbers. On the
other surfaces the panel has only the training lines, as before validation was added.
"""

from __future__ import annotations

import numpy as np

from backproplab.display.widgets import _explorer_style as style


class LossPanel:
    """The right-hand axes of the explorer and its animated artists, for one surface.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    surface : backproplab.surfaces.Surface
    racers : dict
        ``{label: (optimizer name or None, kind)}`` in display order.
    steps : int
        Length of the step axis.

    Attributes
    ----------
    ax : matplotlib.axes.Axes
    lines, val_lines, best : dict[str, Line2D]
        Per racer: its loss, its validation loss and the marker at its lowest validation loss
        (the last two empty when the surface has no validation loss).
    """

    def __init__(self, figure, surface, racers, steps):
        self.surface = surface
        self.validation = surface.val_value is not None
        self.ax = figure.add_axes((0.52, 0.14, 0.29, 0.76))
        self.lines, self.val_lines, self.best = {}, {}, {}
        for label, (name, kind) in racers.items():
            color = style.kind_color(name)[1]
            (self.lines[label],) = self.ax.plot(
                [], [], label=label, animated=True, **style.line_style(kind, color)
            )
            if self.validation:
                (self.val_lines[label],) = self.ax.plot(
                    [], [], animated=True, **style.val_line_style(color)
                )
                (self.best[label],) = self.ax.plot([], [], animated=True, **style.best_style(color))
        self.frame_marker = self.ax.axvline(0.0, color="0.7", lw=1, animated=True)
        self.ax.set_yscale("log")
        ylabel = "L(w); dotted: validation" if self.validation else "L(w)"
        self.ax.set(xlabel="step", ylabel=ylabel, xlim=(0, max(1, steps)))
        self.ax.set_ylim(*self._limits())
        self.ax.grid(True, which="major", alpha=0.3)

    def _limits(self):
        s = self.surface
        if s.dim == 1:
            w = np.linspace(*s.xlim, 200)[:, None]
        else:
            X, Y = np.meshgrid(np.linspace(*s.xlim, 60), np.linspace(*s.ylim, 60))
            w = np.stack([X, Y], axis=-1)
        top = float(np.max(s.value(w)))
        if self.validation:
            top = max(top, float(np.max(s.val_value(w))))
        # Fixed per surface, so a slider move never rescales the axis (which would force a
        # full redraw instead of a blit).
        return top * 1e-9, top * 10.0

    def artists(self):
        """Every animated artist of the panel."""
        return [
            *self.lines.values(),
            *self.val_lines.values(),
            *self.best.values(),
            self.frame_marker,
        ]

    def hide(self, label):
        for artists in (self.lines, self.val_lines, self.best):
            if label in artists:
                artists[label].set_visible(False)

    def show(self, label, path, loss, every):
        """Draw racer ``label``'s loss (k + 1,) for its path up to step k (k + 1, dim).

        Returns
        -------
        (lowest, step, now) or None
            The lowest validation loss among steps 0..k, its step, and the validation loss at
            the last finite step; None when the surface has no validation loss.
        """
        lo = self.ax.get_ylim()[0]
        steps = np.arange(len(loss))
        line = self.lines[label]
        line.set_visible(True)
        line.set_markevery(every)
        line.set_data(steps, np.maximum(loss, lo))
        if not self.validation:
            return None
        val = np.full(len(path), np.nan)
        finite = np.isfinite(path).all(axis=1)
        val[finite] = self.surface.val_value(path[finite])
        self.val_lines[label].set_data(steps, np.maximum(val, lo))
        shown = np.flatnonzero(np.isfinite(val))
        j = int(shown[np.argmin(val[shown])]) if len(shown) else 0
        self.best[label].set_data([j], [max(val[j], lo)])
        for artist in (self.val_lines[label], self.best[label]):
            artist.set_visible(len(shown) > 0)
        if not len(shown):
            return None
        return float(val[j]), j, float(val[shown[-1]])

    def set_frame(self, k):
        self.frame_marker.set_xdata([k, k])
