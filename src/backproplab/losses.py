r"""Loss functions: how far the prediction is from the label, as one number to minimise.

Shapes must match exactly: ``mse(y_hat, y)`` with ``y_hat`` (N, 1) and ``y`` (N,) would
otherwise broadcast to an (N, N) table of every pair and return a wrong loss silently.

Probabilities of exactly 0 or 1 are clipped to :math:`[\epsilon, 1 - \epsilon]` with
:math:`\epsilon` = ``PROB_EPS`` before taking logarithms, so the losses stay finite (at most
:math:`-\log \epsilon \approx 27.6` per example) and no warning is emitted. The gradient
functions evaluate the analytic derivative at the clipped :math:`p`, so they stay finite too
(they are not the derivative of the clipped loss, which is flat below :math:`\epsilon`).
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import (
    as_array,
    as_float_array,
    as_int,
    as_labels,
    non_empty,
    same_shape,
)

PROB_EPS = 1e-12
"""Clipping bound for probabilities inside logarithms."""


def mse(y_hat: ArrayLike, y: ArrayLike) -> float:
    r"""Mean squared error :math:`\frac{1}{n}\sum_i (\hat y_i - y_i)^2`, over all elements.

    Always :math:`\ge 0`; squaring punishes large errors more than small ones, which also makes
    it sensitive to outliers.

    Parameters
    ----------
    y_hat, y : array_like, same shape
        Predictions and targets.
    """
    y_hat, y = _pair(y_hat, y, "mse")
    return float(np.mean((y_hat - y) ** 2))


def mse_grad(y_hat: ArrayLike, y: ArrayLike) -> np.ndarray | np.float64:
    r"""Gradient of ``mse`` w.r.t. ``y_hat``: :math:`\frac{2}{n}(\hat y - y)`, shaped like y_hat."""
    y_hat, y = _pair(y_hat, y, "mse_grad")
    return 2.0 * (y_hat - y) / y_hat.size


def binary_cross_entropy(p: ArrayLike, y: ArrayLike) -> float:
    r"""Binary cross-entropy :math:`-\frac{1}{n}\sum_i [y_i \log p_i + (1 - y_i)\log(1 - p_i)]`.

    Parameters
    ----------
    p : array_like
        Predicted probabilities of class 1, in :math:`[0, 1]` (e.g. a sigmoid output).
    y : array_like, same shape
        Targets in :math:`[0, 1]` (usually 0 or 1).
    """
    p, y = _probabilities(p, y, "binary_cross_entropy")
    pc = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    return float(-np.mean(y * np.log(pc) + (1.0 - y) * np.log1p(-pc)))


def binary_cross_entropy_grad(p: ArrayLike, y: ArrayLike) -> np.ndarray | np.float64:
    r"""Gradient of ``binary_cross_entropy`` w.r.t. ``p``.

    .. math:: \frac{\partial L}{\partial p} = \frac{1}{n}\frac{p - y}{p(1 - p)}
    """
    p, y = _probabilities(p, y, "binary_cross_entropy_grad")
    pc = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    return (pc - y) / (pc * (1.0 - pc)) / p.size


def one_hot(y: ArrayLike, K: int) -> np.ndarray:
    r"""Integer labels as one-hot rows: :math:`Y_{nk} = [y_n = k]`.

    Parameters
    ----------
    y : array_like of int, shape (N,)
        Labels in :math:`\{0, \dots, K-1\}`.
    K : int
        Number of classes, >= 1.

    Returns
    -------
    Y : ndarray of float64, shape (N, K)
    """
    K = as_int(K, "K", "one_hot", low=1)
    labels = _int_labels(y, K, "one_hot")
    out = np.zeros((labels.shape[0], K))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def cross_entropy(p: ArrayLike, y: ArrayLike) -> float:
    r"""Categorical cross-entropy :math:`L = -\frac{1}{N}\sum_n \sum_k y_{nk} \log p_{nk}`.

    Only the true class contributes for one-hot labels: predicting 0.3 for the true class costs
    :math:`-\log 0.3 \approx 1.20`, predicting 0.5 costs :math:`\approx 0.69`, and 1 costs 0.

    Parameters
    ----------
    p : array_like, shape (N, K)
        Predicted probabilities; each row sums to 1 (e.g. a softmax output).
    y : array_like, shape (N, K) or (N,)
        One-hot (or soft) labels, or integer class labels.
    """
    fn = "cross_entropy"
    p = _probability_rows(p, fn)
    y = _labels_as_rows(y, p.shape, fn)
    # + 0.0 turns the -0.0 of a perfect prediction into 0.0 (it would print as "-0.00").
    return float(-np.sum(y * np.log(np.clip(p, PROB_EPS, 1.0))) / p.shape[0]) + 0.0


def softmax_cross_entropy(logits: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
    r"""Softmax followed by cross-entropy, fused: returns the loss and its gradient.

    With :math:`p = \mathrm{softmax}(z)`, the gradient of the mean cross-entropy w.r.t. the
    logits is the remarkably simple

    .. math:: \frac{\partial L}{\partial z} = \frac{1}{N}(p - y).

    The loss is computed as :math:`\log\sum_k e^{z_k} - z_{\text{true}}` with the row maximum
    subtracted, so logits of any finite size give a finite loss.

    Parameters
    ----------
    logits : array_like, shape (N, K)
    y : array_like, shape (N, K) or (N,)
        One-hot (or soft) labels, or integer class labels.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, K)
    """
    fn = "softmax_cross_entropy"
    z = as_float_array(logits, "logits", fn, ndim=2, finite=True)
    non_empty(z, "logits", fn)
    y = _labels_as_rows(y, z.shape, fn)
    # z - max overflows to -inf only for |z| near 1e308; exp(-inf) = 0 is then exact, and the
    # masked multiply keeps 0 * -inf from turning classes with no label weight into NaN
    with np.errstate(over="ignore"):
        shifted = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        log_p = shifted - log_norm
    N = z.shape[0]
    loss = float(-np.sum(np.multiply(y, log_p, out=np.zeros_like(y), where=y != 0)) / N)
    dlogits = (np.exp(log_p) - y) / N
    return loss, dlogits


def _pair(
    y_hat: ArrayLike, y: ArrayLike, fn: str, name: str = "y_hat"
) -> tuple[np.ndarray, np.ndarray]:
    """A prediction (called ``name``) and its target, as float arrays of one non-empty shape."""
    y_hat = as_float_array(y_hat, name, fn)
    y = as_float_array(y, "y", fn)
    same_shape(y_hat, y, (name, "y"), fn)
    non_empty(y_hat, name, fn)
    return y_hat, y


def _probabilities(p: ArrayLike, y: ArrayLike, fn: str) -> tuple[np.ndarray, np.ndarray]:
    p, y = _pair(p, y, fn, "p")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(
            f"{fn}: p must be probabilities in [0, 1], got values in "
            f"[{p.min()}, {p.max()}]; apply a sigmoid to raw scores first"
        )
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{fn}: y must be in [0, 1], got values in [{y.min()}, {y.max()}]")
    return p, y


def _probability_rows(p: ArrayLike, fn: str) -> np.ndarray:
    p = as_float_array(p, "p", fn, ndim=2)
    non_empty(p, "p", fn)
    if np.any(p < 0) or np.any(p > 1) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(
            f"{fn}: each row of p must be probabilities summing to 1; did you pass logits? "
            "Use softmax_cross_entropy(logits, y) for raw scores"
        )
    return p


def _int_labels(y: ArrayLike, K: int, fn: str) -> np.ndarray:
    y = as_labels(y, "labels", fn)
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(
            f"{fn}: labels must be in 0..{K - 1} for {K} classes, got values in "
            f"[{y.min()}, {y.max()}]"
        )
    return y


def _labels_as_rows(y: ArrayLike, shape: tuple[int, int], fn: str) -> np.ndarray:
    """Labels as (N, K) rows: integer labels become one-hot, one-hot/soft rows are checked."""
    N, K = shape
    y_arr = as_array(y, "y", fn)
    if y_arr.ndim == 1:
        if y_arr.shape[0] != N:
            raise ValueError(f"{fn}: {N} predictions but {y_arr.shape[0]} labels")
        return one_hot(_int_labels(y_arr, K, fn), K)
    y_rows = as_float_array(y_arr, "y", fn, ndim=2)
    if y_rows.shape != (N, K):
        raise ValueError(
            f"{fn}: y has shape {y_rows.shape} but the predictions have shape {(N, K)}; "
            "pass one-hot labels (N, K) or integer labels (N,)"
        )
    if np.any(y_rows < 0) or not np.allclose(y_rows.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"{fn}: each row of a one-hot y must be non-negative and sum to 1")
    return y_rows
