r"""A two-weight least-squares fit on a small noisy sample: the data behind the error surface
``surfaces.SURFACES["two_weight_fit"]``, with its validation sample and its ridge solutions.

The model is :math:`\hat y = w_1 x_1 + w_2 x_2` (no bias), fitted by the mean squared error

.. math:: L(w) = \frac{1}{N} \sum_{n=1}^{N} (x_n^\top w - y_n)^2 .

Both samples come from one distribution: inputs :math:`x \sim \mathcal N(0, \Sigma)` with unit
variances and correlation ``CORRELATION`` = 0.9, so the two inputs carry nearly the same
information and the training loss is a long, narrow valley along :math:`w_1 - w_2` (the
direction the data pins down least); targets :math:`y = x^\top w_\text{true}` plus noise drawn
from :math:`\mathcal N(0, 1)` (standard deviation ``NOISE``), with :math:`w_\text{true}` =
``W_TRUE`` = (1.2, 0.8). The training sample is small (``N_TRAIN`` = 20), so its
least-squares weights fit part of its noise; the validation sample (``N_VAL`` = 200) is drawn
right after it from the same generator. Everything is reproducible from ``seed``
(:func:`make_fit`); the error surface is the sample of ``SURFACE_SEED``.

For least squares the loss is exactly quadratic around its minimum :math:`w^*`,

.. math:: L(w) - L(w^*) = (w - w^*)^\top G\, (w - w^*), \qquad G = \tfrac1N X^\top X ,

which :func:`excess_loss` evaluates (the error surfaces use it): no cancellation near the
minimum, and two multiplications and additions per term in a fixed order, so the static
explorer's JavaScript computes the same float64 numbers from the exported :math:`G` and
:math:`w^*`.

Ridge regression (L2 weight decay in the book's convention, ``regularization.l2_penalty``) adds
:math:`\frac{\lambda}{2}\lVert w \rVert^2` to :math:`L`; :func:`ridge_solution` is its minimum
and :func:`nearest_ridge` the :math:`\lambda` whose minimum lies closest to given weights, for
comparing early-stopped weights with L2 (Goodfellow, Bengio and Courville 2016, section 7.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, frozen

__all__ = [
    "CORRELATION",
    "NOISE",
    "N_TRAIN",
    "N_VAL",
    "SURFACE_SEED",
    "W_TRUE",
    "LinearFit",
    "excess_loss",
    "excess_loss_grad",
    "loss",
    "loss_grad",
    "make_fit",
    "nearest_ridge",
    "ridge_solution",
]

N_TRAIN = 20
"""Training examples: few, so the least-squares weights fit part of the noise."""
N_VAL = 200
"""Validation examples, from the same distribution."""
CORRELATION = 0.9
"""Correlation of the two inputs (each has variance 1)."""
W_TRUE = (1.2, 0.8)
"""The weights that generate the targets."""
NOISE = 1.0
"""Standard deviation of the target noise."""
SURFACE_SEED = 2
"""The sample of the ``"two_weight_fit"`` surface, chosen among the seeds 0-9 because its
picture is the clearest: the least-squares weights lie far along the valley from the
validation sample's, so the validation loss along gradient descent dips low before it climbs.
Chapter 9 shows every seed, including those where the lowest validation loss comes last."""


@dataclass(frozen=True, eq=False)
class LinearFit:
    """A training and a validation sample and the least-squares weights of each (read-only).

    Attributes
    ----------
    seed : int
    X, y : ndarray, shapes (N_TRAIN, 2) and (N_TRAIN,)
        The training sample.
    X_val, y_val : ndarray, shapes (N_VAL, 2) and (N_VAL,)
        The validation sample.
    w_train, w_val : ndarray, shape (2,)
        The least-squares weights of each sample (``np.linalg.lstsq``): the minimum of the
        training loss and of the validation loss.
    gram, gram_val : ndarray, shape (2, 2)
        :math:`G = X^\top X / N` of each sample (exactly symmetric), the curvature of its loss.
    """

    seed: int
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    w_train: np.ndarray
    w_val: np.ndarray
    gram: np.ndarray
    gram_val: np.ndarray


def _sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    # x = z A^T with A A^T = [[1, c], [c, 1]]: unit variances, correlation c.
    mix = np.linalg.cholesky(np.array([[1.0, CORRELATION], [CORRELATION, 1.0]]))
    X = rng.standard_normal((n, 2)) @ mix.T
    y = X @ np.array(W_TRUE) + NOISE * rng.standard_normal(n)
    return X, y


def make_fit(seed: int) -> LinearFit:
    """Draw the training sample, then the validation sample, from ``default_rng(seed)``.

    Parameters
    ----------
    seed : int >= 0

    Returns
    -------
    LinearFit
        The same arrays for the same seed.
    """
    seed = as_int(seed, "seed", "make_fit", low=0)
    rng = np.random.default_rng(seed)
    X, y = _sample(rng, N_TRAIN)
    X_val, y_val = _sample(rng, N_VAL)
    w_train = np.linalg.lstsq(X, y, rcond=None)[0]
    w_val = np.linalg.lstsq(X_val, y_val, rcond=None)[0]
    arrays = (X, y, X_val, y_val, w_train, w_val, _gram(X), _gram(X_val))
    return LinearFit(seed, *(frozen(a) for a in arrays))


def _gram(X: np.ndarray) -> np.ndarray:
    G = X.T @ X / len(X)
    return (G + G.T) / 2.0


def _check(X: ArrayLike, y: ArrayLike, w: ArrayLike, fn: str) -> tuple[np.ndarray, ...]:
    X = as_float_array(X, "X", fn, ndim=2, finite=True)
    y = as_float_array(y, "y", fn, ndim=1, finite=True)
    if X.shape != (len(y), 2) or len(y) == 0:
        raise ValueError(
            f"{fn}: X must have shape (N, 2) with one row per target, N >= 1; got X of shape "
            f"{X.shape} and y of shape {y.shape}"
        )
    w = as_float_array(w, "w", fn, finite=True)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(f"{fn}: w must have shape (..., 2) (two weights), got shape {w.shape}")
    return X, y, w


def loss(X: ArrayLike, y: ArrayLike, w: ArrayLike) -> np.ndarray:
    r"""Mean squared error :math:`\frac1N \sum_n (x_n^\top w - y_n)^2`, for one or many ``w``.

    Parameters
    ----------
    X : array_like, shape (N, 2)
    y : array_like, shape (N,)
    w : array_like, shape (..., 2)

    Returns
    -------
    L : ndarray, shape (...)
    """
    X, y, w = _check(X, y, w, "loss")
    return np.mean((w @ X.T - y) ** 2, axis=-1)


def loss_grad(X: ArrayLike, y: ArrayLike, w: ArrayLike) -> np.ndarray:
    r"""Gradient :math:`\frac{2}{N} X^\top (X w - y)` of :func:`loss`, same arguments.

    Returns
    -------
    dL : ndarray, shape (..., 2)
    """
    X, y, w = _check(X, y, w, "loss_grad")
    return 2.0 * ((w @ X.T - y) @ X) / len(y)


def _check_quadratic(
    gram: ArrayLike, w_min: ArrayLike, w: ArrayLike, fn: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gram = as_float_array(gram, "gram", fn, finite=True)
    w_min = as_float_array(w_min, "w_min", fn, finite=True)
    if gram.shape != (2, 2) or w_min.shape != (2,):
        raise ValueError(
            f"{fn}: gram must have shape (2, 2) and w_min shape (2,), got {gram.shape} and "
            f"{w_min.shape}"
        )
    _, _, w = _check(np.zeros((1, 2)), np.zeros(1), w, fn)
    return gram, w_min, w


def _gram_times(gram: np.ndarray, w_min: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """:math:`d = w - w^*` and :math:`G d`, term by term in the order the page's JavaScript
    follows (``static/descent.js``), so that both compute the same float64 numbers."""
    d1, d2 = w[..., 0] - w_min[0], w[..., 1] - w_min[1]
    return d1, d2, gram[0, 0] * d1 + gram[0, 1] * d2, gram[1, 0] * d1 + gram[1, 1] * d2


def excess_loss(gram: ArrayLike, w_min: ArrayLike, w: ArrayLike) -> np.ndarray:
    r"""The loss above its minimum, :math:`(w - w^*)^\top G\, (w - w^*)`, never negative.

    With ``gram`` :math:`= X^\top X / N` and ``w_min`` the least-squares weights of
    :math:`(X, y)` this is ``loss(X, y, w) - loss(X, y, w_min)``, without the cancellation of
    that difference near the minimum. Computed term by term as
    :math:`d_1 (G_{11} d_1 + G_{12} d_2) + d_2 (G_{21} d_1 + G_{22} d_2)`,
    :math:`d = w - w^*` (the order the static explorer's JavaScript follows).

    Parameters
    ----------
    gram : array_like, shape (2, 2)
    w_min : array_like, shape (2,)
    w : array_like, shape (..., 2)

    Returns
    -------
    L : ndarray, shape (...)
    """
    d1, d2, gd1, gd2 = _gram_times(*_check_quadratic(gram, w_min, w, "excess_loss"))
    return np.maximum(d1 * gd1 + d2 * gd2, 0.0)


def excess_loss_grad(gram: ArrayLike, w_min: ArrayLike, w: ArrayLike) -> np.ndarray:
    r"""Gradient :math:`2 G (w - w^*)` of :func:`excess_loss` (and of :func:`loss`), same
    arguments; shape (..., 2), exactly 0 at ``w_min``."""
    _, _, gd1, gd2 = _gram_times(*_check_quadratic(gram, w_min, w, "excess_loss_grad"))
    return np.stack([2.0 * gd1, 2.0 * gd2], axis=-1)


def ridge_solution(X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    r"""Minimum of :math:`L(w) + \frac{\lambda}{2} \lVert w \rVert^2` (L2 in the book's form).

    Setting the gradient :math:`\frac2N X^\top (Xw - y) + \lambda w` to zero gives

    .. math:: w_\lambda = \Big(X^\top X + \frac{\lambda N}{2} I\Big)^{-1} X^\top y ,

    the least-squares weights at :math:`\lambda = 0`, shrinking to 0 as :math:`\lambda` grows.

    Parameters
    ----------
    X : array_like, shape (N, 2)
    y : array_like, shape (N,)
    lam : float >= 0, or array_like of them, shape (K,)

    Returns
    -------
    w : ndarray, shape (2,), or (K, 2) for K strengths
    """
    fn = "ridge_solution"
    X, y, _ = _check(X, y, np.zeros(2), fn)
    lams = as_float_array(lam, "lam", fn, finite=True)
    if lams.ndim > 1 or np.any(lams < 0):
        raise ValueError(f"{fn}: lam must be a number >= 0 or a 1-D array of them, got {lam!r}")
    A = X.T @ X + (lams.reshape(-1, 1, 1) * len(y) / 2.0) * np.eye(2)
    w = np.linalg.solve(A, np.broadcast_to(X.T @ y, (len(A), 2))[..., None])[..., 0]
    return w[0] if lams.ndim == 0 else w


def nearest_ridge(X: ArrayLike, y: ArrayLike, w: ArrayLike) -> tuple[float, float]:
    r"""The L2 strength whose ridge solution lies closest to ``w``, and that distance.

    Minimises :math:`\lVert w_\lambda - w \rVert` over :math:`\lambda \ge 0` on a grid of
    :math:`\lambda = 0` and 4001 log-spaced values from :math:`10^{-6}` to :math:`10^{4}`, then
    refines around the best grid point by golden-section search on :math:`\log\lambda`.

    Parameters
    ----------
    X : array_like, shape (N, 2)
    y : array_like, shape (N,)
    w : array_like, shape (2,)

    Returns
    -------
    lam : float
        The strength (0 when the least-squares weights are the nearest).
    distance : float
        :math:`\lVert w_\lambda - w \rVert` there.
    """
    fn = "nearest_ridge"
    X, y, w = _check(X, y, w, fn)
    if w.shape != (2,):
        raise ValueError(f"{fn}: w must have shape (2,), got {w.shape}")
    grid = np.concatenate([[0.0], np.geomspace(1e-6, 1e4, 4001)])
    gaps = np.linalg.norm(ridge_solution(X, y, grid) - w, axis=1)
    i = int(np.argmin(gaps))
    if i == 0:
        return 0.0, float(gaps[0])

    def gap(log_lam: float) -> float:
        return float(np.linalg.norm(ridge_solution(X, y, np.exp(log_lam)) - w))

    a, b = np.log(grid[max(i - 1, 1)]), np.log(grid[min(i + 1, len(grid) - 1)])
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        c, d = b - golden * (b - a), a + golden * (b - a)
        a, b = (a, d) if gap(c) < gap(d) else (c, b)
    log_lam = (a + b) / 2.0
    best = min((gap(log_lam), float(np.exp(log_lam))), (float(gaps[i]), float(grid[i])))
    return best[1], best[0]
