r"""The perceptron: a weighted sum, a step, and Rosenblatt's learning rule (chapter 1).

A perceptron with weights :math:`w \in \mathbb{R}^D` and bias :math:`b` predicts

.. math:: \hat y = \operatorname{step}(w^\top x + b), \qquad
          \operatorname{step}(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}

and learns one example at a time: :math:`e = y - \hat y`, then
:math:`w \leftarrow w + \eta\, e\, x` and :math:`b \leftarrow b + \eta\, e`. A correct prediction
has :math:`e = 0` and changes nothing; only mistakes move the boundary.
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar, check_rng, non_empty


def step(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Heaviside step with :math:`\operatorname{step}(0) = 0`.

    .. math:: \operatorname{step}(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations. ``inf`` is allowed (``step(inf) == 1``); NaN raises ``ValueError``.

    Returns
    -------
    out : ndarray of float64, same shape as ``z``
        1.0 where ``z > 0``, else 0.0. A scalar ``z`` gives a ``numpy.float64`` scalar.
    """
    z = as_float_array(z, "z", "step")
    out = (z > 0).astype(np.float64)
    # ``out[()]`` turns a 0-d array into a scalar and leaves other shapes untouched.
    return out[()] if out.ndim == 0 else out


def _check_weights(w: ArrayLike, b: float, fn: str) -> tuple[np.ndarray, float]:
    w = as_float_array(w, "w", fn, ndim=1, finite=True)
    b = as_scalar(b, "b", fn)
    return w, b


def _check_label(y: float, fn: str) -> float:
    value = as_scalar(y, "y", fn)
    if value not in (0.0, 1.0):
        raise ValueError(f"{fn}: y must be a 0/1 label, got {value}")
    return value


def perceptron_predict(X: ArrayLike, w: ArrayLike, b: float) -> np.ndarray | np.float64:
    r"""Predict 0/1 labels with a perceptron.

    .. math:: \hat y = \operatorname{step}(X w + b)

    Parameters
    ----------
    X : array_like, shape (N, D) or (D,)
        A batch of N examples, or a single example.
    w : array_like, shape (D,)
        Weights.
    b : float
        Bias.

    Returns
    -------
    y_hat : ndarray of float64, shape (N,), or ``numpy.float64`` for a single example
        1.0 where :math:`w^\top x + b > 0`, else 0.0 (a point exactly on the boundary is 0).
    """
    fn = "perceptron_predict"
    w, b = _check_weights(w, b, fn)
    X = as_float_array(X, "X", fn, finite=True)
    if X.ndim not in (1, 2):
        raise ValueError(f"{fn}: X must be (N, D) or a single example (D,), got shape {X.shape}")
    if X.shape[-1] != w.shape[0]:
        raise ValueError(f"{fn}: X has {X.shape[-1]} features but w has {w.shape[0]}")
    return step(X @ w + b)


def _update(
    w: np.ndarray, b: float, x: np.ndarray, y: float, lr: float
) -> tuple[np.ndarray, float, float]:
    """The learning rule on already-checked inputs; returns (w, b, error)."""
    y_hat = 1.0 if float(x @ w) + b > 0 else 0.0
    error = y - y_hat
    if error == 0.0:
        return w.copy(), b, error
    return w + lr * error * x, b + lr * error, error


def perceptron_update(
    w: ArrayLike, b: float, x: ArrayLike, y: float, lr: float
) -> tuple[np.ndarray, float]:
    r"""One step of the perceptron learning rule on a single example.

    .. math::
        e = y - \operatorname{step}(w^\top x + b), \qquad
        w \leftarrow w + \eta\, e\, x, \qquad b \leftarrow b + \eta\, e

    Parameters
    ----------
    w : array_like, shape (D,)
        Current weights (not modified).
    b : float
        Current bias.
    x : array_like, shape (D,)
        One example.
    y : {0, 1}
        Its label.
    lr : float
        Learning rate :math:`\eta > 0`.

    Returns
    -------
    w : ndarray of float64, shape (D,)
        New weights (always a new array, even when the prediction was right).
    b : float
        New bias.
    """
    fn = "perceptron_update"
    w, b = _check_weights(w, b, fn)
    x = as_float_array(x, "x", fn, ndim=1, finite=True)
    if x.shape[0] != w.shape[0]:
        raise ValueError(f"{fn}: x has {x.shape[0]} features but w has {w.shape[0]}")
    y = _check_label(y, fn)
    lr = as_scalar(lr, "lr", fn, positive=True)
    w_new, b_new, _ = _update(w, b, x, y, lr)
    return w_new, b_new


def train_perceptron(
    X: ArrayLike,
    y: ArrayLike,
    lr: float = 1.0,
    epochs: int = 100,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, float, np.ndarray]:
    r"""Train a perceptron from zero weights with the perceptron learning rule.

    Starts at :math:`w = 0`, :math:`b = 0`. Each epoch visits every example once, in the given
    order when ``rng`` is None, in a fresh ``rng.permutation`` order otherwise, and applies
    :func:`perceptron_update` to it. Training **stops early** after the first epoch with no
    mistake (the weights can no longer change), so ``len(errors_per_epoch) <= epochs``; a last
    entry of 0 means the data were separated.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Training examples, N >= 1.
    y : array_like, shape (N,)
        Labels, each 0 or 1 (bool, int or float).
    lr : float
        Learning rate :math:`\eta > 0`.
    epochs : int
        Maximum number of passes over the data, >= 1.
    rng : numpy.random.Generator or None
        Shuffles the visiting order of every epoch; None keeps the order of ``X``.

    Returns
    -------
    w : ndarray of float64, shape (D,)
    b : float
    errors_per_epoch : ndarray of int64, shape (E,) with 1 <= E <= epochs
        ``errors_per_epoch[e]`` is the number of misclassified examples met during epoch e
        (= the number of updates that changed the weights).
    """
    fn = "train_perceptron"
    X = as_float_array(X, "X", fn, ndim=2, finite=True)
    non_empty(X, "X", fn)
    y = as_float_array(y, "y", fn, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{fn}: X has {X.shape[0]} examples but y has {y.shape[0]}")
    bad = np.unique(y[(y != 0) & (y != 1)])
    if bad.size:
        raise ValueError(f"{fn}: labels must be 0 or 1, got {bad.tolist()}")
    lr = as_scalar(lr, "lr", fn, positive=True)
    epochs = as_int(epochs, "epochs", fn, low=1)
    rng = check_rng(rng, fn, optional=True)

    w = np.zeros(X.shape[1])
    b = 0.0
    errors_per_epoch = []
    for _ in range(epochs):
        order = range(X.shape[0]) if rng is None else rng.permutation(X.shape[0])
        mistakes = 0
        for i in order:
            w, b, error = _update(w, b, X[i], y[i], lr)
            mistakes += error != 0.0
        errors_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors_per_epoch, dtype=np.int64)
