"""Interactive widgets for JupyterLab: gradient descent on an error surface, live.

This is the first, small version of the chapter 4 explorer: pick a surface, a learning rate and
a number of steps, and see the paths of several optimizers. The figure is built once; a control
change recomputes the paths with ``surfaces.descend`` and only updates the lines' data, then
re-renders the figure as a PNG into an ``ipywidgets.Image`` (which needs no extra front-end
extension). Optimizers are any objects with ``init`` / ``update``, so a student's own optimizer
races the reference ones; one that fails shows its error in the widget instead of raising.
"""

from __future__ import annotations

import io

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from backproplab import optimizers, plotting, surfaces


class DescentExplorer:
    """Descent paths of several optimizers on one surface, with controls.

    Parameters
    ----------
    surface : str
        Initial surface name (any 2-D surface in ``surfaces.SURFACES``).
    optimizer_names : sequence of str
        Reference optimizers to draw (names accepted by ``make_optimizer``).
    custom : dict, optional
        Extra ``{label: factory}`` where ``factory(lr) -> optimizer`` (e.g. the student's).
    lr : float
        Initial learning rate (the slider is logarithmic, 1e-4 to 1).
    steps : int
        Initial number of steps.
    """

    def __init__(
        self,
        surface="rosenbrock",
        optimizer_names=("sgd", "momentum", "adam"),
        custom=None,
        lr=1e-3,
        steps=100,
    ):
        two_d = [name for name, s in surfaces.SURFACES.items() if s.dim == 2]
        if surface not in two_d:
            raise ValueError(f"DescentExplorer: surface must be one of {two_d}, got {surface!r}")
        self.factories = {
            name: (lambda lr, n=name: optimizers.make_optimizer(n, lr=lr))
            for name in optimizer_names
        }
        self.factories.update(custom or {})
        self.surface = W.Dropdown(options=two_d, value=surface, description="surface")
        self.lr = W.FloatLogSlider(
            value=lr, base=10, min=-4, max=0, step=0.1, description="learning rate"
        )
        self.steps = W.IntSlider(value=steps, min=1, max=500, description="steps")
        self.status = W.HTML()
        self.image = W.Image(format="png")
        self.figure = Figure(figsize=(6, 4.5), layout="constrained")
        self.ax = self.figure.add_subplot()
        self.lines = {}
        self._draw_surface()
        for control in (self.surface, self.lr, self.steps):
            control.observe(self._on_change, names="value")
        self.update()
        self.widget = W.VBox([W.HBox([self.surface, self.lr, self.steps]), self.image, self.status])

    def _draw_surface(self):
        self.ax.clear()
        s = surfaces.get_surface(self.surface.value)
        plotting.plot_surface(self.ax, s)
        self.ax.plot(*s.minima.T, "k*", markersize=10, label="minimum")
        self.lines = {
            name: plotting.plot_path(self.ax, np.full((1, 2), np.nan), label=name, i=i)
            for i, name in enumerate(self.factories)
        }
        self.ax.legend(loc="upper right", fontsize="small")

    def _on_change(self, change):
        if change["owner"] is self.surface:
            self._draw_surface()
        self.update()

    def update(self):
        """Recompute every path for the current controls and redraw. Returns the error texts."""
        s = surfaces.get_surface(self.surface.value)
        errors = []
        for name, factory in self.factories.items():
            try:
                path = surfaces.descend(s, factory(self.lr.value), s.start, self.steps.value)
            except Exception as exc:  # a student's optimizer must not kill the widget
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                path = np.full((1, 2), np.nan)
            self.lines[name].set_data(path[:, 0], path[:, 1])
        self.status.value = "<br>".join(f"<span style='color:#D55E00'>{e}</span>" for e in errors)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        self.image.value = buffer.getvalue()
        return errors


def descent_explorer(**kwargs):
    """Build a ``DescentExplorer`` and return its widget, ready to display in a notebook."""
    return DescentExplorer(**kwargs).widget
