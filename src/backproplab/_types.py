"""Types named once for the hints of the maths modules (issue #14); nothing here computes.

``ArrayLike`` is NumPy's: anything ``np.asarray`` turns into an array (a list, a Python or NumPy
scalar, an ndarray). It is what a function that converts its input with ``as_float_array``
accepts; the values must still be real numbers, as ``_validate`` explains.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "Grads", "LossAndGrads", "Metric", "OptimizerLike", "Shape"]

Shape: TypeAlias = tuple[int, ...]
"""An array's shape, or part of one, e.g. ``(N, C, H, W)``."""

Grads: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray]
"""The three gradients of a layer's backward pass, e.g. ``(dx, dw, db)``."""

LossAndGrads: TypeAlias = Callable[
    [dict[str, np.ndarray], np.ndarray, np.ndarray], tuple[float, Mapping[str, ArrayLike]]
]
"""``loss_and_grads(params, X_batch, y_batch) -> (loss, grads)``, as ``training.train`` calls it."""

Metric: TypeAlias = Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], float]
"""``metric(params, X, y) -> float``, e.g. accuracy, as ``training.train(metric=...)`` calls it."""


class OptimizerLike(Protocol):
    """What ``surfaces.descend`` and ``training.train`` call: any object with these two methods
    (a ``make_optimizer`` result, or a student's own class); the state is opaque to them."""

    def init(self, w: np.ndarray) -> object:
        """The starting state for a parameter shaped like ``w``."""

    def update(self, w: np.ndarray, dw: np.ndarray, state: Any) -> tuple[ArrayLike, Any]:  # noqa: ANN401
        """One step: ``(w_new, state_new)``."""
