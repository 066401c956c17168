r"""The chapter 4 descent explorer: optimizers racing across an error surface, live.

Design, for speed (a slider move must recompute and redraw 200 steps in about 50 ms):

- The figure lives in an ipympl canvas (``ipympl.backend_nbagg.Canvas``), built without
  pyplot so no global figure state is touched. ipympl is a real canvas widget: it takes mouse
  clicks (the start point is set by clicking on the contours) and JupyterLab 4 renders it from
  the extension shipped in the ipympl wheel.
- Everything that changes (paths, current points, loss curves) is an *animated* artist drawn
  by blitting: the contours and axes are rendered once into a background (on every full draw,
  through the ``draw_event``), and an update restores that background, draws only the changed
  artists and sends ipympl's pixel diff. Only changing the surface, the number of steps or
  the 3-D view redraws the whole figure.
- Paths come from ``surfaces.descend`` with ``optimizers.make_optimizer`` and are cached by
  (surface, optimizer, hyperparameters, start): moving :math:`\beta` does not recompute SGD,
  and fewer steps is a slice of a longer path (``descend`` is deterministic).
- Play / pause run in the browser (an ``ipywidgets.Play`` linked to the step slider), so the
  animation needs no kernel thread.

Students race their own rules: ``DescentExplorer(rules={"momentum": my_momentum_update})``
adds a path "momentum (yours)" computed by ``make_optimizer("momentum", rule=...)``, drawn in
the reference's colour but dashed with open triangles (``_explorer_style``), paired with the
reference in the legend; by default only the optimizers given rules are shown, each next to its
reference, and the readout says whether each rule's path matches the reference. A rule or
optimizer that raises or returns the wrong shape is reported in the widget, never raised.

On a surface with a validation loss (``"two_weight_fit"``), the loss panel draws each racer's
validation loss next to its training loss and marks its lowest point, and the readout gives
that step (``_explorer_loss``).
"""

from __future__ import annotations

import functools
import html

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from backproplab import optimizers, surfaces
from backproplab.display import plotting
from backproplab.display.widgets import _explorer_style as style
from backproplab.display.widgets._canvas import (
    Displayable,
    interactive_canvas,
    prime,
    serialized,
)
from backproplab.display.widgets._explorer_loss import LossPanel

__all__ = ["DescentExplorer", "descent_explorer"]

_NAMES = optimizers.OPTIMIZER_NAMES
_DEFAULT_SHOWN = ("sgd", "momentum", "adam")
_CACHE_SIZE = 512


def _slider(name, hparam):
    """The control that sets ``hparam`` of rule ``name``: its decay rate is the "β" slider."""
    return "beta" if hparam == optimizers.DECAY[name] else hparam


class DescentExplorer(Displayable):
    r"""Descent paths of several optimizers on one surface, animated, with controls.

    Parameters
    ----------
    surface : str
        Initial surface, a key of ``surfaces.SURFACES`` (the 1-D ``"one_weight"`` curve too).
    optimizers : sequence of str, optional
        Reference optimizers shown at first (names of ``optimizers.OPTIMIZER_NAMES``); the
        others are one checkbox away. By default the optimizers of ``rules`` (each reference
        next to your rule), or SGD, momentum and Adam when there are no rules.
    rules : dict, optional
        ``{optimizer name: your rule}``: your version of ``<name>_update`` with the reference
        signature, drawn as ``"<name> (yours)"`` in the reference's colour, dashed, with open
        triangles; the readout says whether its path matches the reference's.
    custom : dict, optional
        ``{label: factory}`` where ``factory(lr)`` returns any object with ``init`` /
        ``update`` (the optimizer protocol of ``backproplab.optimizers``).
    lr, beta, beta2, eps : float
        Initial hyperparameters, shared by every optimizer that has them: ``beta`` is
        momentum's and Nesterov's :math:`\beta`, RMSprop's :math:`\rho` and Adam's
        :math:`\beta_1`; ``beta2`` is Adam's :math:`\beta_2`; ``eps`` is :math:`\epsilon` of
        AdaGrad, RMSprop and Adam.
    steps : int
        Number of steps (1 to 500).
    start : array_like, optional
        Start point; the surface's own ``start`` by default.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole explorer (CSS class ``bpl-explorer``); display it in a notebook.
    paths : dict[str, ndarray]
        The current path (steps + 1, dim) of every shown optimizer, by label.
    lowest_val : dict[str, tuple]
        On a surface with a validation loss: for every shown optimizer, (lowest validation
        loss among the steps shown, its step, validation loss at the step shown); empty on
        the other surfaces.
    errors : dict[str, str]
        The error message of every optimizer that failed, by label.
    """

    def __init__(
        self,
        surface="bowl",
        optimizers=None,
        rules=None,
        custom=None,
        lr=0.01,
        beta=0.9,
        beta2=0.999,
        eps=1e-8,
        steps=100,
        start=None,
    ):
        fn = "DescentExplorer"
        if surface not in surfaces.SURFACES:
            raise ValueError(
                f"{fn}: surface must be one of {list(surfaces.SURFACES)}, got {surface!r}"
            )
        rules = dict(rules or {})
        if optimizers is None:
            optimizers = tuple(rules) if rules else _DEFAULT_SHOWN
        unknown = [n for n in [*optimizers, *rules] if n not in _NAMES]
        if unknown:
            raise ValueError(
                f"{fn}: unknown optimizer(s) {unknown}; valid names are {list(_NAMES)}"
            )
        for label, rule in rules.items():
            if not callable(rule):
                raise TypeError(f"{fn}: rules[{label!r}] must be a function like {label}_update")
        # label -> (reference name or None, student rule or custom factory); each student's
        # rule right after its reference, so checkboxes, legend and readout pair them.
        self._racers, self._kinds = {}, {}
        for name in _NAMES:
            self._racers[name], self._kinds[name] = (name, None), style.REFERENCE
            if name in rules:
                label = name + style.YOURS_SUFFIX
                self._racers[label], self._kinds[label] = (name, rules[name]), style.YOURS
        for label, factory in (custom or {}).items():
            self._racers[label], self._kinds[label] = (None, factory), style.CUSTOM
        shown = [*optimizers, *(n + style.YOURS_SUFFIX for n in rules), *(custom or {})]
        self.paths: dict[str, np.ndarray] = {}
        self.errors: dict[str, str] = {}
        self.lowest_val: dict[str, tuple[float, int, float]] = {}
        self._cache: dict[tuple, tuple[np.ndarray | None, str | None]] = {}
        self._busy = False
        self._background = None
        self._build_figure()
        self._build_controls(surface, shown, lr, beta, beta2, eps, steps)
        self._set_surface(surface, start)
        prime(self.canvas)
        self.widget = W.VBox(
            [
                W.HBox([self.surface, self.view3d]),
                self.checkbox_row,
                W.HBox([self.lr, self.beta, self.beta2, self.eps]),
                W.HBox([self.start_x, self.start_y, self.steps]),
                self.canvas,
                W.HBox([self.play, self.step_button, self.reset_button, self.frame]),
                self.readout,
                self.status,
            ]
        )
        self.widget.add_class("bpl-explorer")

    # ---- construction --------------------------------------------------------------------

    def _build_controls(self, surface, shown, lr, beta, beta2, eps, steps):
        style = {"description_width": "initial"}
        self.surface = W.Dropdown(
            options=[(s.name, s.name) for s in surfaces.SURFACES.values()],
            value=surface,
            description="surface",
        )
        self.view3d = W.Checkbox(value=False, description="3-D view", indent=False)
        self.checkboxes = {
            label: W.Checkbox(
                value=label in shown,
                description=self._swatch(label) + html.escape(label),
                description_allow_html=True,
                indent=False,
            )
            for label in self._racers
        }
        for box in self.checkboxes.values():
            box.layout.width = "auto"
        self.checkbox_row = W.HBox(
            list(self.checkboxes.values()), layout=W.Layout(flex_flow="row wrap")
        )
        self.lr = W.FloatLogSlider(
            value=lr, base=10, min=-4, max=0, step=0.05, description="learning rate", style=style
        )
        self.beta = W.FloatSlider(
            value=beta, min=0.0, max=0.999, step=0.001, readout_format=".3f", description="β"
        )
        self.beta2 = W.FloatSlider(
            value=beta2, min=0.9, max=0.9999, step=0.0001, readout_format=".4f", description="β₂"
        )
        self.eps = W.FloatLogSlider(value=eps, base=10, min=-10, max=-1, description="ε")
        self.start_x = W.FloatSlider(description="start w₁", style=style, continuous_update=False)
        self.start_y = W.FloatSlider(description="start w₂", style=style, continuous_update=False)
        self.steps = W.IntSlider(value=steps, min=1, max=500, description="steps")
        self.play = W.Play(value=steps, min=0, max=steps, step=1, interval=40, description="play")
        self.frame = W.IntSlider(value=steps, min=0, max=steps, description="step k")
        W.jslink((self.play, "value"), (self.frame, "value"))
        self.step_button = W.Button(description="step", tooltip="one step forward")
        self.reset_button = W.Button(description="reset", tooltip="back to step 0")
        for button in (self.step_button, self.reset_button):
            button.layout.width = "5em"
        self.readout = W.HTML()
        self.status = W.HTML()
        # Stable hooks for the browser test and for a chapter's CSS.
        self.lr.add_class("bpl-lr")
        self.frame.add_class("bpl-frame")

        # A control's message may arrive on another kernel thread than the browser's request
        # for a frame: each callback holds the canvas's lock (see SerialCanvas).
        serial = functools.partial(serialized, self.canvas)
        for control in (self.lr, self.beta, self.beta2, self.eps, self.start_x, self.start_y):
            control.observe(serial(self._on_change), names="value")
        for box in self.checkboxes.values():
            box.observe(serial(self._on_toggle), names="value")
        self.surface.observe(serial(self._on_surface), names="value")
        self.steps.observe(serial(self._on_steps), names="value")
        self.view3d.observe(serial(self._on_view), names="value")
        self.frame.observe(serial(self._on_frame), names="value")
        self.step_button.on_click(serial(self._on_step))
        self.reset_button.on_click(serial(self._on_reset))

    def _swatch(self, label):
        """A line sample in the racer's colour and dash, for its checkbox."""
        color = style.kind_color(self._racers[label][0])[1]
        border = {"yours": "dashed", "custom": "dotted"}.get(self._kinds[label], "solid")
        return (
            f"<span style='display:inline-block;width:1.6em;margin-right:0.3em;"
            f"vertical-align:middle;border-top:3px {border} {color}'></span>"
        )

    def _build_figure(self):
        self.figure = Figure(figsize=(10.5, 3.6), dpi=72, facecolor="white")
        self.canvas = interactive_canvas(self.figure)
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self.canvas.mpl_connect("button_press_event", self._on_click)

    def _layout_axes(self):
        """(Re)create the axes and the animated artists for the current surface and view."""
        self.figure.clear()
        s = self._surface
        three_d = self.view3d.value and s.dim == 2
        self.ax = self.figure.add_axes(
            (0.06, 0.14, 0.39, 0.76), projection="3d" if three_d else None
        )
        self.loss_panel = LossPanel(self.figure, s, self._racer_kinds(), self.steps.value)
        self.loss_ax, self.loss_lines = self.loss_panel.ax, self.loss_panel.lines
        if three_d:
            n = 60
            X, Y = np.meshgrid(np.linspace(*s.xlim, n), np.linspace(*s.ylim, n))
            Z = s.value(np.stack([X, Y], axis=-1))
            self.ax.plot_surface(X, Y, np.log10(Z + 1e-3), cmap="cividis", alpha=0.6, lw=0)
            self.ax.set(xlabel="$w_1$", ylabel="$w_2$", zlabel="log10(E + 1e-3)", title=s.title)
        else:
            plotting.plot_surface(self.ax, s, n=120, levels=25)
            if s.dim == 2:
                self.ax.plot(*s.minima.T, "k*", markersize=10)
            else:
                self.ax.plot(s.minima[:, 0], s.value(s.minima), "k*", markersize=10)
        self.lines, self.points = {}, {}
        empty = ([], [], []) if three_d else ([], [])
        for label, kind in self._kinds.items():
            color = style.kind_color(self._racers[label][0])[1]
            line_kw = style.line_style(kind, color)
            (self.lines[label],) = self.ax.plot(*empty, label=label, animated=True, **line_kw)
            (self.points[label],) = self.ax.plot(
                *empty, animated=True, zorder=4, **style.point_style(kind, color)
            )
        self._start_marker = self.ax.plot(
            *(([], [], []) if three_d else ([], [])),
            "o",
            mfc="none",
            mec="k",
            markersize=8,
            animated=True,
        )[0]
        self._legend()
        self._three_d = three_d

    def _racer_kinds(self):
        """``{label: (optimizer name or None, kind)}`` of every racer, in display order."""
        return {label: (self._racers[label][0], kind) for label, kind in self._kinds.items()}

    def _legend(self):
        shown = {label for label, box in self.checkboxes.items() if box.value}
        return style.legend(self.loss_ax, self._racer_kinds(), shown, self.loss_panel.validation)

    # ---- computing -----------------------------------------------------------------------

    def _hparams(self, name):
        values = {"lr": self.lr.value, "beta": self.beta.value}
        values.update(beta2=self.beta2.value, eps=self.eps.value)
        return {k: float(values[_slider(name, k)]) for k in optimizers.HYPERPARAMETERS[name]}

    def _optimizer(self, label):
        name, extra = self._racers[label]
        if name is None:
            return extra(float(self.lr.value))
        return optimizers.make_optimizer(name, rule=extra, **self._hparams(name))

    def _key(self, label):
        name, _ = self._racers[label]
        hp = tuple(sorted(self._hparams(name).items())) if name else (("lr", self.lr.value),)
        return (self._surface.name, label, hp, tuple(self._start))

    def _path(self, label):
        """(path, error): the cached or freshly computed path for the current controls."""
        key = self._key(label)
        steps = self.steps.value
        hit = self._cache.get(key)
        if hit is not None and (hit[1] is not None or len(hit[0]) > steps):
            path, error = hit
            return (None if path is None else path[: steps + 1]), error
        try:
            path, error = (
                surfaces.descend(self._surface, self._optimizer(label), self._start, steps),
                None,
            )
        except Exception as exc:  # a student's rule must not kill the widget
            path, error = None, f"{type(exc).__name__}: {exc}"
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (path, error)
        return path, error

    def update(self):
        """Recompute every shown path for the current controls and redraw them.

        Returns
        -------
        errors : dict[str, str]
            The error message of each optimizer that failed (also shown in the widget).
        """
        with self.canvas.lock:  # a cell may call it while a control's message is handled
            self.paths, self.errors = {}, {}
            for label, box in self.checkboxes.items():
                if not box.value:
                    continue
                path, error = self._path(label)
                if error is None:
                    self.paths[label] = path
                else:
                    self.errors[label] = error
            self.status.value = "".join(
                f"<div style='color:#D55E00'><b>{html.escape(label)}</b>: {html.escape(msg)}</div>"
                for label, msg in self.errors.items()
            )
            self._show_frame()
            return dict(self.errors)

    # ---- drawing -------------------------------------------------------------------------

    def _display(self, path):
        """What is drawn for a path: (w1, w2[, L]) on a 2-D surface, (w, L(w)) on a curve."""
        s = self._surface
        loss = np.full(len(path), np.nan)
        finite = np.isfinite(path).all(axis=1)
        loss[finite] = s.value(path[finite])
        if s.dim == 1:
            return (path[:, 0], loss), loss
        if self._three_d:
            return (path[:, 0], path[:, 1], np.log10(loss + 1e-3)), loss
        return (path[:, 0], path[:, 1]), loss

    def _show_frame(self):
        """Set every animated artist's data for the current step, then blit."""
        k = self.frame.value
        rows = []
        self.lowest_val = {}
        every = style.markevery(self.steps.value)
        for label in self._racers:
            line, point = self.lines[label], self.points[label]
            path = self.paths.get(label)
            visible = path is not None
            for artist in (line, point):
                artist.set_visible(visible)
            if not visible:
                self.loss_panel.hide(label)
                continue
            line.set_markevery(every)
            coords, loss = self._display(path[: k + 1])
            last = np.flatnonzero(np.isfinite(loss))
            j = int(last[-1]) if len(last) else 0
            if self._three_d:
                line.set_data_3d(*coords)
                point.set_data_3d(*(c[j : j + 1] for c in coords))
            else:
                line.set_data(*coords)
                point.set_data(*(c[j : j + 1] for c in coords))
            lowest = self.loss_panel.show(label, path[: k + 1], loss, every)
            if lowest is not None:
                self.lowest_val[label] = lowest
            rows.append(self._readout_row(label, path, j, k, lowest))
        start = self._display(np.asarray(self._start)[None, :])[0]
        if self._three_d:
            self._start_marker.set_data_3d(*start)
        else:
            self._start_marker.set_data(*start)
        self.loss_panel.set_frame(k)
        val_head = "<th align=left>validation loss</th>" if self.loss_panel.validation else ""
        self.readout.value = (
            "<table style='font-family:monospace;font-size:12px'>"
            "<tr><th align=left>optimizer</th><th>step</th><th>w</th><th>L(w)</th>"
            f"<th>|∇L(w)|</th>{val_head}<th align=left>your rule</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        self._blit()

    def _readout_row(self, label, path, j, k, lowest=None):
        w = path[j]
        with np.errstate(over="ignore", invalid="ignore"):  # a far-out point has a huge gradient
            g = self._surface.grad(w)
        note = "" if j == k else f" (diverged at step {j + 1})"
        scale = max(float(np.max(np.abs(g))), 1e-300)  # rescaled so the norm cannot overflow
        cells = (
            self._swatch(label) + html.escape(label),
            f"{j}{note}",
            "(" + ", ".join(f"{x:.4g}" for x in w) + ")",
            f"{float(self._surface.value(w)):.4g}",
            f"{float(np.sqrt(np.sum(np.square(g / scale)))) * scale:.4g}",
            *((style.lowest_note(lowest, j),) if self.loss_panel.validation else ()),
            html.escape(self._verdict(label, path)),
        )
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    def _verdict(self, label, path):
        """For a student's rule: does its whole path match the reference's (same settings)?"""
        if self._kinds[label] != style.YOURS:
            return ""
        reference, error = self._path(self._racers[label][0])
        return style.match_note(path, reference if error is None else None)

    def _animated(self):
        return [
            *self.lines.values(),
            *self.points.values(),
            *self.loss_panel.artists(),
            self._start_marker,
        ]

    def _draw_animated(self):
        for artist in self._animated():
            if artist.get_visible():
                artist.axes.draw_artist(artist)

    def _on_draw(self, event):
        # A full draw (ours, or one the browser asks for) leaves out the animated artists:
        # keep that as the background, then paint them on top before the frame is sent.
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_animated()

    def _blit(self):
        if self._background is None or self._three_d:
            self.canvas.draw()  # the 3-D view re-projects everything anyway
            return
        self.canvas.restore_region(self._background)
        self._draw_animated()
        self.canvas.blit(self.figure.bbox)

    def redraw(self):
        """Redraw the whole figure (background included) and show the current step."""
        with self.canvas.lock:
            self._background = None
            self.canvas.draw()
            self._show_frame()

    # ---- callbacks -----------------------------------------------------------------------

    def _set_surface(self, name, start=None):
        self._surface = surfaces.get_surface(name)
        s = self._surface
        self._start = np.array(s.start if start is None else start, dtype=np.float64)
        self._busy = True
        try:
            for slider, lim, value in ((self.start_x, s.xlim, self._start[0]),) + (
                ((self.start_y, s.ylim, self._start[1]),) if s.dim == 2 else ()
            ):
                slider.min, slider.max = -1e9, 1e9  # so the new range is never rejected
                slider.min, slider.max = lim
                slider.step = (lim[1] - lim[0]) / 200
                slider.value = float(value)
            self.start_y.disabled = s.dim == 1
            self.view3d.disabled = s.dim == 1
        finally:
            self._busy = False
        self._layout_axes()
        self._recompute(full=True)

    def _recompute(self, full=False):
        if full:
            self._background = None
            self.canvas.draw()
        self.update()

    def _on_surface(self, change):
        self._set_surface(change["new"])

    def _on_change(self, change):
        if self._busy:
            return
        s = self._surface
        start = [self.start_x.value, self.start_y.value][: s.dim]
        self._start = np.array(start, dtype=np.float64)
        self.update()

    def _on_toggle(self, change):
        # The legend is part of the background, so showing another optimizer redraws it all.
        self._legend()
        self._recompute(full=True)

    def _on_steps(self, change):
        steps = change["new"]
        self._busy = True
        try:
            self.play.max = self.frame.max = steps
            self.play.value = self.frame.value = steps
        finally:
            self._busy = False
        self.loss_ax.set_xlim(0, max(1, steps))
        self._recompute(full=True)

    def _on_view(self, change):
        self._layout_axes()
        self._recompute(full=True)

    def _on_frame(self, change):
        if not self._busy:
            self._show_frame()

    def _on_step(self, button=None):
        self.play.playing = False
        self.frame.value = min(self.frame.value + 1, self.frame.max)

    def _on_reset(self, button=None):
        self.play.playing = False
        self.frame.value = 0

    def _on_click(self, event):
        """A click on the contour plot moves the start point there."""
        if event.inaxes is not self.ax or self._three_d or event.xdata is None:
            return
        s = self._surface
        self._busy = True
        try:
            self.start_x.value = float(np.clip(event.xdata, *s.xlim))
            if s.dim == 2:
                self.start_y.value = float(np.clip(event.ydata, *s.ylim))
        finally:
            self._busy = False
        self._on_change(None)


def descent_explorer(**kwargs):
    """Build a ``DescentExplorer`` and return its widget, ready to display in a notebook."""
    return DescentExplorer(**kwargs).widget
