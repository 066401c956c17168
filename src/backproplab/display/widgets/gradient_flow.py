r"""Chapter 7: how the gradient's size changes from layer to layer of a deep MLP.

One forward and backward pass of a freshly initialised MLP on a batch of the 8x8 digits, and a
bar per layer of :math:`\lVert \nabla_{W_l, b_l} L \rVert` on a log scale: with sigmoids and a
poor initialisation the bars shrink toward the first layers (vanishing gradients); He
initialisation with ReLU keeps them level. ``gradient_norms`` can be the student's own function.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from backproplab import diagnostics, network
from backproplab.display import plotting
from backproplab.display.widgets._canvas import PlotWidget, error_html

__all__ = ["GradientFlow", "gradient_flow"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
SCHEMES = ("he", "xavier", "normal")


class GradientFlow(PlotWidget):
    """Per-layer gradient norms of a deep MLP, with depth / activation / initialisation controls.

    Parameters
    ----------
    gradient_norms : callable, optional
        ``gradient_norms(grads) -> norms (L,)``, by default ``diagnostics.gradient_norms``; pass
        your own to see it drive the plot. If it raises or returns the wrong shape, the widget
        shows the error.
    depth : int
        Number of hidden layers (1 to 30).
    activation : {"sigmoid", "tanh", "relu", "leaky_relu"}
    scheme : {"he", "xavier", "normal"}
    scale : float
        Standard deviation of the weights for ``scheme="normal"``.
    width : int
        Units per hidden layer.
    n_examples : int
        Digits in the batch (the first ones of ``datasets.load_digits``).
    seed : int
        Seed of the weights' ``numpy.random.Generator`` (the same seed gives the same bars).
    """

    def __init__(
        self,
        gradient_norms=None,
        depth=8,
        activation="sigmoid",
        scheme="normal",
        scale=0.1,
        width=32,
        n_examples=200,
        seed=0,
    ):
        self.gradient_norms = gradient_norms or diagnostics.gradient_norms
        self._digits(n_examples)
        self.width, self.seed = width, seed
        self.depth = W.IntSlider(value=depth, min=1, max=30, description="hidden layers")
        self.activation = W.Dropdown(
            options=ACTIVATIONS, value=activation, description="activation"
        )
        self.scheme = W.Dropdown(options=SCHEMES, value=scheme, description="init")
        self.scale = W.FloatLogSlider(value=scale, base=10, min=-3, max=1, description="scale")
        self._plot()
        self.norms = None
        self._assemble(
            (self.depth, self.activation, self.scheme, self.scale),
            [W.HBox([self.depth, self.activation]), W.HBox([self.scheme, self.scale])],
            "bpl-gradient-flow",
        )

    def compute(self):
        """Gradient norms (L,) for the current controls, through ``gradient_norms``."""
        rng = np.random.default_rng(self.seed)
        sizes = [self.X.shape[1], *[self.width] * self.depth.value, 10]
        params = network.init_mlp(sizes, rng, scheme=self.scheme.value, scale=self.scale.value)
        _, grads = network.mlp_loss_and_grads(params, self.X, self.y, self.activation.value)
        norms = np.asarray(self.gradient_norms(grads), dtype=np.float64)
        if norms.shape != (len(sizes) - 1,):
            raise ValueError(
                f"gradient_norms returned shape {norms.shape}, but the network has "
                f"{len(sizes) - 1} layers, so it must return shape ({len(sizes) - 1},)"
            )
        return norms

    def update(self):
        """Recompute and redraw; returns the error message, or None."""
        self.scale.disabled = self.scheme.value != "normal"
        try:
            self.norms = self.compute()
        except Exception as exc:  # the student's function must not kill the widget
            self.norms = None
            self.status.value = error_html("gradient_norms", exc)
        else:
            self.status.value = ""
        self.ax.clear()
        if self.norms is not None:
            layers = np.arange(1, len(self.norms) + 1)
            # A zero norm (every unit saturated or dead) has no logarithm: draw it at the floor.
            floor = 1e-12
            self.bars = self.ax.bar(layers, np.maximum(self.norms, floor), color=plotting.color(3))
            self.ax.set_yscale("log")
            self.ax.set_ylim(floor, max(10.0, float(np.max(self.norms)) * 10.0))
            self.ax.set_xticks(layers if len(layers) <= 16 else layers[::2])
        self.ax.set(
            xlabel="layer l (1 = next to the input)",
            ylabel="‖gradient of layer l‖",
            title=f"{self.activation.value}, {self.scheme.value} init, depth {self.depth.value}",
        )
        self.canvas.draw_idle()
        return None if self.norms is not None else self.status.value


def gradient_flow(**kwargs):
    """Build a ``GradientFlow`` and return its widget."""
    return GradientFlow(**kwargs).widget
