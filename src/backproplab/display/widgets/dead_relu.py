r"""Chapter 8: too large a learning rate kills ReLUs, and they stay dead.

An MLP with ReLU hidden layers is trained with plain SGD on the 8x8 digits at the chosen
learning rate; after every epoch the fraction of dead units of each hidden layer (units whose
pre-activation is :math:`\le 0` on every training example) is measured and plotted. With a
large rate one bad step pushes many biases far negative and those units never recover.
``dead_fraction`` can be the student's own function.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from backproplab import diagnostics, network, optimizers, training
from backproplab.display import plotting
from backproplab.display.widgets._canvas import PlotWidget, error_html

__all__ = ["DeadReluMeter", "dead_relu_meter"]


class DeadReluMeter(PlotWidget):
    """Fraction of dead ReLUs per hidden layer over training, with a learning-rate control.

    Parameters
    ----------
    dead_fraction : callable, optional
        ``dead_fraction(pre_activations (N, M)) -> float``, by default
        ``diagnostics.dead_relu_fraction``. Errors (or a result outside [0, 1]) are shown.
    lr : float
        Initial learning rate (log slider, 1e-3 to 3).
    epochs : int
        Epochs of SGD.
    hidden : sequence of int
        Hidden layer sizes.
    n_examples, batch_size, seed
        Training set size (first digits), mini-batch size and the seed of the run's ``rng``.
    """

    def __init__(
        self,
        dead_fraction=None,
        lr=0.01,
        epochs=15,
        hidden=(64, 64),
        n_examples=500,
        batch_size=32,
        seed=0,
    ):
        self.dead_fraction = dead_fraction or diagnostics.dead_relu_fraction
        self._digits(n_examples)
        self.hidden, self.batch_size, self.seed = tuple(hidden), batch_size, seed
        self.lr = W.FloatLogSlider(
            value=lr,
            base=10,
            min=-3,
            max=0.5,
            step=0.1,
            description="learning rate",
            style={"description_width": "initial"},
            continuous_update=False,
        )
        self.epochs = W.IntSlider(value=epochs, min=1, max=50, description="epochs")
        self._plot()
        self.ax.set(xlabel="epoch", ylabel="fraction of dead ReLUs", ylim=(-0.02, 1.02))
        self.lines = [
            self.ax.plot([], [], "o-", color=plotting.color(i), label=f"hidden layer {i + 1}")[0]
            for i in range(len(self.hidden))
        ]
        self.ax.legend(loc="upper left")
        self.history = None
        self._assemble((self.lr, self.epochs), [W.HBox([self.lr, self.epochs])], "bpl-dead-relu")

    def _dead(self, params):
        _, caches = network.mlp_forward(params, self.X, "relu")
        out = []
        for cache in caches[:-1]:  # the output layer has no ReLU
            f = float(self.dead_fraction(cache.z))
            if not 0.0 <= f <= 1.0:
                raise ValueError(f"dead_fraction returned {f}, but a fraction is in [0, 1]")
            out.append(f)
        return out

    def compute(self):
        """(fractions (epochs + 1, layers), note): dead fractions before and after each epoch."""
        rng = np.random.default_rng(self.seed)
        sizes = [self.X.shape[1], *self.hidden, 10]
        params = network.init_mlp(sizes, rng, scheme="he")
        sgd = optimizers.make_optimizer("sgd", lr=self.lr.value)
        history, note = [self._dead(params)], ""
        for epoch in range(1, self.epochs.value + 1):
            try:
                params, _ = training.train(
                    params, network.mlp_loss_and_grads, self.X, self.y, sgd, 1, self.batch_size, rng
                )
            except ValueError as exc:  # divergence is a result to show at a huge rate
                note = f"training diverged in epoch {epoch}: {exc}"
                break
            history.append(self._dead(params))
        return np.array(history), note

    def update(self):
        """Retrain and redraw; returns the error message, or None."""
        try:
            self.history, note = self.compute()
        except Exception as exc:  # the student's function must not kill the widget
            self.history = None
            self.status.value = error_html("dead_fraction", exc)
        else:
            self.status.value = f"<i>{note}</i>" if note else ""
        for i, line in enumerate(self.lines):
            if self.history is None:
                line.set_data([], [])
            else:
                line.set_data(np.arange(len(self.history)), self.history[:, i])
        self.ax.set_xlim(0, self.epochs.value)
        self.ax.set_title(f"SGD, learning rate {self.lr.value:.3g}")
        self.canvas.draw_idle()
        return None if self.history is not None else self.status.value


def dead_relu_meter(**kwargs):
    """Build a ``DeadReluMeter`` and return its widget."""
    return DeadReluMeter(**kwargs).widget
