r"""Activation functions and their derivatives.

Every ``<name>(z)`` works elementwise on an array of any shape and ``<name>_grad(z)`` is its
derivative :math:`\mathrm{d}a / \mathrm{d}z` at the same points, so the chain rule step of a
backward pass is ``dz = da * <name>_grad(z)``. Softmax couples the entries of a row, so it has
a backward function instead of an elementwise derivative.

Numerical stability: ``sigmoid`` never evaluates :math:`e^{-z}` for a negative :math:`z`
(where it would overflow), and ``softmax`` subtracts the row maximum first; both are finite and
warning-free for :math:`|z|` up to the float64 range. NaN inputs raise ``ValueError``;
:math:`\pm\infty` is accepted where the limit exists and is computed exactly (``sigmoid``,
``tanh``, ``relu`` and their derivatives) and refused elsewhere (``leaky_relu``, ``softmax``).
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar, same_shape


def _out(z_in: np.ndarray | np.float64, out: np.ndarray | np.float64) -> np.ndarray | np.float64:
    """Return a NumPy scalar for scalar input, the array otherwise."""
    return out[()] if np.ndim(z_in) == 0 else out


def identity(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Identity :math:`a = z`. Returns a new float64 array (never the input itself).

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The activation :math:`a` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "identity")
    return _out(z, z.copy())


def identity_grad(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Derivative of the identity: :math:`1` everywhere.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The derivative :math:`\mathrm{d}a/\mathrm{d}z` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "identity_grad")
    return _out(z, np.ones_like(z))


def sigmoid(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, range :math:`(0, 1)`.

    Computed from :math:`e^{-|z|} \le 1` so nothing overflows: for :math:`z \ge 0` it is
    :math:`1/(1+e^{-z})`, for :math:`z < 0` the equal form :math:`e^{z}/(1+e^{z})`.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The activation :math:`a` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "sigmoid")
    e = np.exp(-np.abs(z))
    return _out(z, np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def sigmoid_grad(z: ArrayLike) -> np.ndarray | np.float64:
    r""":math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z)) \le 1/4`, largest at :math:`z = 0`.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The derivative :math:`\mathrm{d}a/\mathrm{d}z` (a NumPy scalar for a scalar ``z``).
    """
    s = sigmoid(as_float_array(z, "z", "sigmoid_grad"))
    return s * (1.0 - s)


def tanh(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Hyperbolic tangent, range :math:`(-1, 1)`; zero-centred, unlike the sigmoid.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The activation :math:`a` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "tanh")
    return _out(z, np.tanh(z))


def tanh_grad(z: ArrayLike) -> np.ndarray | np.float64:
    r""":math:`\tanh'(z) = 1 - \tanh^2(z) \le 1`.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The derivative :math:`\mathrm{d}a/\mathrm{d}z` (a NumPy scalar for a scalar ``z``).
    """
    t = np.tanh(as_float_array(z, "z", "tanh_grad"))
    return _out(t, 1.0 - t * t)


def relu(z: ArrayLike) -> np.ndarray | np.float64:
    r"""Rectified linear unit :math:`\max(0, z)`.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The activation :math:`a` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "relu")
    return _out(z, np.maximum(z, 0.0))


def relu_grad(z: ArrayLike) -> np.ndarray | np.float64:
    r""":math:`1` where :math:`z > 0`, else :math:`0`.

    At the kink the derivative is taken as 0: ``relu_grad(0) == 0``.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.

    Returns
    -------
    ndarray, shape of ``z``
        The derivative :math:`\mathrm{d}a/\mathrm{d}z` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "relu_grad")
    return _out(z, (z > 0).astype(np.float64))


def _alpha(alpha: float, fn: str) -> float:
    # alpha >= 1 would make the "leak" at least as steep as the active side: not a leaky ReLU.
    a = as_scalar(alpha, "alpha", fn, low=0.0)
    if a >= 1.0:
        raise ValueError(f"{fn}: alpha is the slope for z < 0 and must be in [0, 1), got {a}")
    return a


def leaky_relu(z: ArrayLike, alpha: float = 0.01) -> np.ndarray | np.float64:
    r"""Leaky ReLU: :math:`z` for :math:`z > 0`, :math:`\alpha z` otherwise.

    The leak :math:`\alpha \in [0, 1)` is a hyperparameter (0.01 by default; 0.1 and 0.002 are
    also common). It keeps a small gradient flowing for negative inputs, so units cannot die.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.
    alpha : float in [0, 1)
        Slope for :math:`z \le 0`.

    Returns
    -------
    ndarray, shape of ``z``
        The activation :math:`a` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "leaky_relu", finite=True)
    a = _alpha(alpha, "leaky_relu")
    return _out(z, np.where(z > 0, z, a * z))


def leaky_relu_grad(z: ArrayLike, alpha: float = 0.01) -> np.ndarray | np.float64:
    r""":math:`1` for :math:`z > 0`, :math:`\alpha` otherwise (including :math:`z = 0`).

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.
    alpha : float in [0, 1)
        Slope for :math:`z \le 0`.

    Returns
    -------
    ndarray, shape of ``z``
        The derivative :math:`\mathrm{d}a/\mathrm{d}z` (a NumPy scalar for a scalar ``z``).
    """
    z = as_float_array(z, "z", "leaky_relu_grad", finite=True)
    a = _alpha(alpha, "leaky_relu_grad")
    return _out(z, np.where(z > 0, 1.0, a))


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``: :math:`p_k = e^{z_k} / \sum_j e^{z_j}`, the probability of class k.

    Outputs are positive and sum to 1 along ``axis``. Subtracting :math:`\max_j z_j` first
    leaves the result unchanged (the factor :math:`e^{-\max}` cancels) and keeps every
    exponent :math:`\le 0`, so nothing overflows.

    Parameters
    ----------
    z : array_like, shape (..., K)
        Logits; must be finite.
    axis : int
        The class axis.
    """
    z = as_float_array(z, "z", "softmax", finite=True)
    axis = _class_axis(z, axis, "z", "softmax")
    if z.shape[axis] == 0:
        raise ValueError(f"softmax: z has no classes along axis {axis} (shape {z.shape})")
    # z - max can only overflow to -inf (for |z| near 1e308), where exp gives the exact 0
    with np.errstate(over="ignore"):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _class_axis(a: np.ndarray, axis: int, name: str, fn: str) -> int:
    if a.ndim == 0:
        raise ValueError(f"{fn}: {name} must have at least one axis of classes, got a scalar")
    axis = as_int(axis, "axis", fn)
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"{fn}: axis {axis} is out of range for {name} of shape {a.shape}")
    return axis


def softmax_backward(dout: ArrayLike, s: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Backward pass of softmax, given its output ``s`` (the probabilities :math:`p`).

    With :math:`J = \mathrm{diag}(p) - p p^\top` the Jacobian of one row,

    .. math:: \frac{\partial L}{\partial z} = J^\top\,\mathrm{dout}
              = p \odot \left(\mathrm{dout} - \textstyle\sum_k \mathrm{dout}_k p_k\right).

    Parameters
    ----------
    dout : array_like, shape (..., K)
        Upstream gradient :math:`\partial L / \partial p`.
    s : array_like, shape (..., K)
        The output of ``softmax`` (not the logits).
    """
    fn = "softmax_backward"
    dout = as_float_array(dout, "dout", fn, finite=True)
    s = as_float_array(s, "s", fn)
    same_shape(dout, s, ("dout", "s"), fn)
    axis = _class_axis(s, axis, "s", fn)
    if np.any(s < 0) or not np.allclose(s.sum(axis=axis), 1.0, atol=1e-6):
        raise ValueError(
            f"{fn}: s must be the softmax output (non-negative, summing to 1 along axis "
            f"{axis}); did you pass the logits z instead?"
        )
    return s * (dout - np.sum(dout * s, axis=axis, keepdims=True))
