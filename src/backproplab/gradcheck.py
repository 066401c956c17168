r"""Numerical gradients by central differences, and the relative error used to compare them.

The central difference

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

has error :math:`O(h^2)`, so with :math:`h = 10^{-5}` in float64 an analytic gradient that
is right agrees to a relative error of about :math:`10^{-7}` or better away from kinks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_scalar


def _perturbable(x: object, fn: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{fn}: x must be a float64 numpy array (it is perturbed in place and restored), "
            f"got {got}"
        )
    if not x.flags.writeable:
        raise ValueError(f"{fn}: x must be writeable (it is perturbed in place and restored)")
    return x


def _each_index(x: np.ndarray) -> Iterable[tuple[int, ...]]:
    return np.ndindex(x.shape) if x.ndim else [()]


def _both_sides(
    f: Callable[[np.ndarray], Any], x: np.ndarray, i: tuple[int, ...], h: float
) -> tuple[Any, Any]:
    """``f(x + h e_i)`` and ``f(x - h e_i)``, restoring ``x[i]`` even if ``f`` raises."""
    old = x[i]
    try:
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
    finally:
        x[i] = old
    return plus, minus


def numerical_gradient(
    f: Callable[[np.ndarray], ArrayLike], x: NDArray[np.float64], h: float = 1e-5
) -> np.ndarray:
    r"""Gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; it reads ``x``, which is perturbed one entry at a time.
    x : ndarray of float64, any shape
        Point at which to differentiate. Restored to its original values on return, even if
        ``f`` raises.
    h : float
        Step size.

    Returns
    -------
    grad : ndarray, same shape as ``x``
        :math:`g_i = (f(x + h e_i) - f(x - h e_i)) / 2h`.
    """
    fn = "numerical_gradient"
    x = _perturbable(x, fn)
    h = as_scalar(h, "h", fn, positive=True)
    grad = np.zeros_like(x)
    for i in _each_index(x):
        f_plus, f_minus = _both_sides(lambda t: _scalar(f(t), fn), x, i, h)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_vjp(
    f: Callable[[np.ndarray], ArrayLike], x: NDArray[np.float64], dout: ArrayLike, h: float = 1e-5
) -> np.ndarray:
    r"""Vector-Jacobian product :math:`J^\top \cdot dout` of an array function, numerically.

    This is what a backward pass computes: for ``out = f(x)`` and upstream gradient
    ``dout`` = :math:`\partial L / \partial out`, it returns :math:`\partial L / \partial x`
    with :math:`L = \sum dout \odot f(x)`.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the same shape as ``dout``.
    x : ndarray of float64, any shape
        Restored on return.
    dout : ndarray
        Upstream gradient, shape of ``f(x)``.
    h : float
        Step size.

    Returns
    -------
    dx : ndarray, same shape as ``x``
    """
    fn = "numerical_vjp"
    x = _perturbable(x, fn)
    dout = as_float_array(dout, "dout", fn)
    h = as_scalar(h, "h", fn, positive=True)
    grad = np.zeros_like(x)
    for i in _each_index(x):
        # a copy, because f may return a view of x
        out_plus, out_minus = _both_sides(lambda t: np.array(f(t), dtype=np.float64), x, i, h)
        if out_plus.shape != dout.shape:
            raise ValueError(
                f"{fn}: f(x) has shape {out_plus.shape} but dout has shape {dout.shape}"
            )
        grad[i] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""Largest absolute difference, relative to the size of the values.

    .. math:: \frac{\max_i |a_i - b_i|}{\max(10^{-8}, \max_i (|a_i| + |b_i|))}

    Rough reading for float64 central differences: above 1e-2 the gradient is wrong;
    around 1e-4 suspicious (or a kink nearby); 1e-7 and below it is right. These thresholds
    come from the CS231n notes, which state them for the element-wise ratio
    :math:`\max_i |a_i - b_i| / \max(|a_i|, |b_i|)`; this function's value is never larger
    than that ratio (it divides the largest difference by at least the sum of that entry's
    sizes), so it is the more lenient reading of the same thresholds.

    One scale serves the whole array, so entries near zero are not drowned in the rounding
    noise of central differences (the element-wise ratio calls 1e-12 vs 3e-12 a 67% error).
    The price: an entry far smaller than the largest is only checked to the largest's scale,
    e.g. ``relative_error([1e4, 1e-4], [1e4, 0])`` is 5e-9. Check such entries separately,
    entry by entry, e.g. with ``np.allclose``.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0.0 for empty arrays.
    """
    fn = "relative_error"
    a = as_float_array(a, "a", fn)
    b = as_float_array(b, "b", fn)
    if a.shape != b.shape:
        raise ValueError(f"{fn}: a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(a) + np.abs(b))))
    return float(np.max(np.abs(a - b))) / scale


def _scalar(value: ArrayLike, fn: str) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(
            f"{fn}: f must return a scalar, got shape {arr.shape}; use numerical_vjp for "
            "array-valued functions"
        )
    return float(arr.reshape(()))
