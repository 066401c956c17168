"""What the widgets share: an ipympl canvas for a Figure built without pyplot (no global
figure state), and the frame of a widget made of controls, one plot and a status line."""

from __future__ import annotations

import functools
import html
import itertools
import sys
import threading
import warnings

import ipywidgets as W
import matplotlib
from matplotlib import rcsetup
from matplotlib.figure import Figure

from backproplab import datasets


def _import_ipympl():
    """ipympl's canvas classes, leaving pyplot's backend as the user had it.

    Importing ipympl makes it pyplot's backend (its ``__init__`` calls ``matplotlib.use``).
    The widgets build their figures without pyplot, so the user's choice (inline figures in a
    notebook, Agg in a script) is put back; otherwise every later ``plt.subplots()`` in the
    notebook would become an interactive widget.
    """
    previous = matplotlib.rcParams._get("backend")  # unresolved: may be the "auto" sentinel
    from ipympl.backend_nbagg import Canvas, FigureManager

    if previous is rcsetup._auto_backend_sentinel:
        matplotlib.rcParams._set("backend", previous)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].switch_backend(previous)
    else:
        matplotlib.use(previous)
    return Canvas, FigureManager


Canvas, FigureManager = _import_ipympl()

_numbers = itertools.count(1000)


class SerialCanvas(Canvas):
    """An ipympl canvas that one thread at a time draws on: whoever holds ``lock``.

    ipykernel 7 can handle a widget's messages on a subshell thread while the main thread
    handles others (JupyterLab sends them there so that widgets answer while a cell runs), so
    the browser's request for a frame and a slider's change can reach the kernel at the same
    moment, and matplotlib's renderer is not made for two threads. Seen under load: the
    explorer's blit ran during a full draw, sent a frame without axes or contours, and the
    draw's own frame was never sent, so the figure stayed broken. Every message from the
    browser is handled under ``lock``; the widgets' callbacks take it too (:func:`serialized`).
    """

    def __init__(self, figure):
        self.lock = threading.RLock()
        super().__init__(figure)

    def _handle_message(self, object, content, buffers):
        with self.lock:
            super()._handle_message(object, content, buffers)


def serialized(canvas, callback):
    """``callback``, run under ``canvas.lock`` (see :class:`SerialCanvas`)."""

    @functools.wraps(callback)
    def locked(*args, **kwargs):
        with canvas.lock:
            return callback(*args, **kwargs)

    return locked


def interactive_canvas(figure):
    """Attach an ipympl canvas (a widget) to ``figure``, without toolbar or header."""
    canvas = SerialCanvas(figure)
    with warnings.catch_warnings():
        # ipympl 0.10's own Toolbar passes the canvas on to traitlets, which deprecates that;
        # nothing we can change, and the test suite turns warnings into errors.
        warnings.filterwarnings(
            "ignore",
            message=r"Passing unrecognized arguments to super\(Toolbar\)",
            category=DeprecationWarning,
        )
        # The manager holds the canvas's link to the browser (ipympl sends frames through it).
        canvas.manager = FigureManager(canvas, next(_numbers))
    canvas.toolbar_visible = False
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.resizable = False
    return canvas


def prime(canvas):
    """Give the browser its first frame and size, as displaying a bare ipympl canvas would.

    ipympl sets the ``_data_url`` and ``_size`` its front end starts from only when the canvas
    itself is displayed; inside a VBox that never happens and the view stays 0 x 0 with a
    broken image. Later frames travel as binary messages, so stop mirroring them into
    ``_data_url`` (ipympl stores them there without the ``data:`` prefix, a broken URL).
    """
    canvas._repr_mimebundle_()
    canvas.syncing_data_url = False


def error_html(label, exc):
    """A student's exception as a red line of HTML (escaped)."""
    return (
        f"<div style='color:#D55E00'><b>{html.escape(label)}</b> raised "
        f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>"
    )


class Displayable:
    """Shown in a notebook as its ``widget``, so a cell may end with the object itself."""

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class PlotWidget(Displayable):
    """Controls above one plot and a status line; ``update()`` recomputes and redraws.

    A subclass takes its data with ``_digits(n)`` (the chapter widgets run on the first digits),
    calls ``_plot()`` for ``figure``, ``ax``, ``canvas`` and ``status``, builds its
    controls, then ``_assemble(controls, rows, css_class)``: every control's change calls
    ``update()``, which runs once before the widget is shown.
    """

    def _digits(self, n_examples):
        """Keep the first ``n_examples`` of ``datasets.load_digits`` as ``X`` and ``y``."""
        X, y = datasets.load_digits()
        self.X, self.y = X[:n_examples], y[:n_examples]

    def _plot(self):
        self.status = W.HTML()
        self.figure = Figure(figsize=(6.5, 3.2), dpi=72, layout="constrained", facecolor="white")
        self.ax = self.figure.add_subplot()
        self.canvas = interactive_canvas(self.figure)

    def _assemble(self, controls, rows, css_class):
        # update(), from a control's message or from a cell, holds the canvas's lock.
        self.update = serialized(self.canvas, self.update)
        for control in controls:
            control.observe(lambda change: self.update(), names="value")
        self.update()
        prime(self.canvas)
        self.widget = W.VBox([*rows, self.canvas, self.status])
        self.widget.add_class(css_class)
