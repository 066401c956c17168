"""Matplotlib figures for the book and the exercises.

Every function draws into an ``ax`` it is given and returns the artists it made, so a chapter
composes figures freely and a widget can update an artist's data instead of redrawing.
Colours come from the Okabe–Ito palette, which stays distinguishable with the common forms
of colour blindness. This module may import the maths modules, never the other way round.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap

from backproplab import activations

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow (weak on white: used last)
    "#000000",
)
"""Colour-blind-safe colours, in the order figures use them."""

_ACTIVATIONS = {
    "identity": (activations.identity, activations.identity_grad),
    "sigmoid": (activations.sigmoid, activations.sigmoid_grad),
    "tanh": (activations.tanh, activations.tanh_grad),
    "relu": (activations.relu, activations.relu_grad),
    "leaky_relu": (activations.leaky_relu, activations.leaky_relu_grad),
}


def color(i):
    """The ``i``-th palette colour (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def plot_activation(ax, name, z=None, derivative=True):
    """Plot an activation function and, dashed, its derivative.

    Parameters
    ----------
    ax : matplotlib Axes
    name : {"identity", "sigmoid", "tanh", "relu", "leaky_relu"}
    z : ndarray, optional
        Points to plot at; default ``linspace(-5, 5, 401)``.
    derivative : bool
        Also draw the derivative.

    Returns
    -------
    list of Line2D
    """
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"plot_activation: name must be one of {sorted(_ACTIVATIONS)}, got {name!r}"
        )
    f, grad = _ACTIVATIONS[name]
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    lines = ax.plot(z, f(z), color=color(3), label=f"{name}(z)")
    if derivative:
        lines += ax.plot(z, grad(z), color=color(4), linestyle="--", label=f"{name}'(z)")
    ax.axhline(0.0, color="0.8", linewidth=0.8, zorder=0)
    ax.set(xlabel="z", ylabel="value", title=name)
    ax.legend(loc="best")
    return lines


def plot_surface(ax, surface, n=200, levels=30):
    """Contours of a 2-D error surface (log-spaced levels), or the curve of a 1-D one.

    Returns
    -------
    QuadContourSet for a 2-D surface, Line2D for a 1-D one.
    """
    if surface.dim == 1:
        w = np.linspace(*surface.xlim, n)
        (line,) = ax.plot(w, surface.value(w[:, None]), color=color(3))
        ax.set(xlabel="w", ylabel="loss L(w)", title=surface.title, ylim=surface.ylim)
        return line
    xs = np.linspace(*surface.xlim, n)
    ys = np.linspace(*surface.ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = surface.value(np.stack([X, Y], axis=-1))
    # log-spaced levels show the floor of the valley as well as its steep walls
    low = max(float(np.min(Z)), 0.0)
    span = float(np.max(Z)) - low
    lv = low + np.geomspace(span * 1e-4, span, levels)
    contours = ax.contour(X, Y, Z, levels=lv, cmap="cividis", linewidths=0.8)
    ax.set(
        xlabel="$w_1$", ylabel="$w_2$", title=surface.title, xlim=surface.xlim, ylim=surface.ylim
    )
    return contours


def plot_path(ax, path, label=None, i=0):
    """A descent path (steps+1, 2) as a line with markers; the start is the first point.

    Returns
    -------
    Line2D
    """
    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"plot_path: path must have shape (steps+1, 2), got {path.shape}")
    (line,) = ax.plot(
        path[:, 0],
        path[:, 1],
        marker="o",
        markersize=2.5,
        linewidth=1.2,
        color=color(i),
        label=label,
    )
    return line


def plot_decision_regions(ax, predict, X, y, resolution=200, padding=0.5):
    """Shade the class each point of the plane is assigned to, and scatter the data on top.

    Parameters
    ----------
    predict : callable
        ``predict(points (M, 2)) -> labels (M,)`` of integers.
    X : ndarray, shape (N, 2)
    y : ndarray, shape (N,)

    Returns
    -------
    (QuadContourSet, PathCollection)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"plot_decision_regions: X must be (N, 2) and y (N,), got {X.shape} and {y.shape}"
        )
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    labels = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    classes = np.unique(np.concatenate([np.unique(labels), np.unique(y)]))
    cmap = ListedColormap([color(i) for i in range(len(classes))])
    index = np.searchsorted(classes, labels)
    regions = ax.contourf(
        gx, gy, index, levels=np.arange(len(classes) + 1) - 0.5, cmap=cmap, alpha=0.3
    )
    points = ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.searchsorted(classes, y),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(classes) - 0.5,
        edgecolors="k",
        linewidths=0.5,
        s=25,
    )
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(x0, x1), ylim=(y0, y1))
    return regions, points


def plot_loss_curves(ax, histories, xlabel="epoch"):
    """One line per named loss history, e.g. ``{"model A": [...], "model B": [...]}``.

    Returns
    -------
    list of Line2D
    """
    lines = []
    for i, (name, losses) in enumerate(histories.items()):
        losses = np.asarray(losses, dtype=np.float64)
        (line,) = ax.plot(
            np.arange(1, len(losses) + 1),
            losses,
            color=color(i),
            label=name,
            marker="o",
            markersize=3,
        )
        lines.append(line)
    ax.set(xlabel=xlabel, ylabel="loss")
    ax.legend(loc="best")
    return lines


_TRAIN_VAL = {
    "loss": ("epoch_loss", "val_loss", "loss", np.argmin),
    "metric": ("train_metric", "val_metric", "metric", np.argmax),
}


def plot_train_val(ax, history, kind="loss", scale=1.0, linewidth=1.0, best=True):
    """Training (solid) and validation (dashed) curves of one ``training.train`` history.

    ``kind="loss"`` draws ``history["epoch_loss"]`` and ``history["val_loss"]``;
    ``kind="metric"`` draws ``history["train_metric"]`` and ``history["val_metric"]`` (train
    with ``val=`` and ``metric=``). Epochs count from 1. Training is always the first palette
    colour and validation the second, so the curves of several runs drawn into one ``ax``
    read as two families. With ``best=True`` a dot marks the best validation epoch: the
    lowest loss, or the highest metric (the first one on ties). ``scale`` multiplies the
    values, e.g. 100 for an accuracy in percent.

    Returns
    -------
    list of Line2D
        The training line, the validation line and, with ``best``, the dot.
    """
    if kind not in _TRAIN_VAL:
        raise ValueError(f"plot_train_val: kind must be 'loss' or 'metric', got {kind!r}")
    train_key, val_key, ylabel, pick = _TRAIN_VAL[kind]
    missing = [key for key in (train_key, val_key) if key not in history]
    if missing:
        raise ValueError(
            f"plot_train_val: the history has no {' or '.join(map(repr, missing))}; train with "
            + ("val=(X_val, y_val)" if kind == "loss" else "val=(X_val, y_val) and metric=...")
            + " to record it"
        )
    train = scale * np.asarray(history[train_key], dtype=np.float64)
    val = scale * np.asarray(history[val_key], dtype=np.float64)
    if train.shape != val.shape or train.ndim != 1:
        raise ValueError(
            f"plot_train_val: {train_key} and {val_key} must be 1-D and of equal length, got "
            f"shapes {train.shape} and {val.shape}"
        )
    epochs = np.arange(1, len(train) + 1)
    (train_line,) = ax.plot(epochs, train, color=color(0), linewidth=linewidth, label="training")
    (val_line,) = ax.plot(
        epochs, val, "--", color=color(1), linewidth=linewidth, label="validation"
    )
    ax.set(xlabel="epoch", ylabel=ylabel)
    lines = [train_line, val_line]
    if best:
        k = int(pick(val))
        (dot,) = ax.plot([epochs[k]], [val[k]], "o", color=color(1), markersize=4)
        lines.append(dot)
    return lines
