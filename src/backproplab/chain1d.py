r"""The smallest deep network: a chain of sigmoid neurons, one per layer (chapter 5).

Layer :math:`l = 1, \dots, n_\text{layers}` holds one weight :math:`w^l` and one bias
:math:`b^l`:

.. math::
    a^0 = x, \qquad z^l = w^l a^{l-1} + b^l, \qquad a^l = \sigma(z^l),

and the loss of one example with label :math:`y` is :math:`L = (\hat y - y)^2`, with
:math:`\hat y = a^{n_\text{layers}}`. Everything is a
scalar, so each step of the chain rule is a product of plain numbers that can be checked by
hand. Going backwards, with :math:`\delta^l = \partial L / \partial z^l`:

.. math::
    \delta^{n_\text{layers}}
        = \frac{\partial L}{\partial \hat y}\,\sigma'(z^{n_\text{layers}}), \qquad
    \frac{\partial L}{\partial w^l} = \delta^l a^{l-1}, \qquad
    \frac{\partial L}{\partial b^l} = \delta^l, \qquad
    \frac{\partial L}{\partial a^{l-1}} = \delta^l w^l, \qquad
    \delta^{l-1} = \frac{\partial L}{\partial a^{l-1}}\,\sigma'(z^{l-1}).

The factor :math:`\delta^l` is computed once and shared by the weight, the bias and the layer
below: that reuse is what makes backpropagation cheap.
"""

from __future__ import annotations

import numpy as np

from backproplab import activations
from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_scalar, cache_type, check_cache, frozen

Chain1dCache = cache_type("Chain1dCache", "z a w", "chain1d_forward")


def _parameters(w: ArrayLike, b: ArrayLike, fn: str) -> tuple[np.ndarray, np.ndarray]:
    w = as_float_array(w, "w", fn, ndim=1, finite=True)
    b = as_float_array(b, "b", fn, ndim=1, finite=True)
    if w.shape != b.shape:
        raise ValueError(
            f"{fn}: w has shape {w.shape} but b has shape {b.shape}; one weight and one bias "
            "per layer"
        )
    if w.size == 0:
        raise ValueError(f"{fn}: w is empty; the chain needs at least one layer")
    return w, b


def chain1d_forward(x: float, w: ArrayLike, b: ArrayLike) -> tuple[float, tuple]:
    r"""Forward pass of the 1-D sigmoid chain.

    .. math:: z^l = w^l a^{l-1} + b^l, \quad a^l = \sigma(z^l), \quad a^0 = x

    Parameters
    ----------
    x : float
        The input :math:`a^0`.
    w, b : array_like, shape (n_layers,)
        Weight and bias of layers 1..n_layers (``w[l - 1]`` is :math:`w^l`).

    Returns
    -------
    out : float
        The output :math:`\hat y = a^{n_\text{layers}}`.
    cache : Chain1dCache ``(z, a, w)``
        ``z`` of shape (n_layers,) with ``z[l - 1]`` = :math:`z^l`; ``a`` of shape
        (n_layers + 1,) with ``a[l]`` = :math:`a^l` (so ``a[0]`` is ``x``); ``w`` the weights.
    """
    fn = "chain1d_forward"
    x = as_scalar(x, "x", fn)
    w, b = _parameters(w, b, fn)
    z = np.empty(w.size)
    a = np.empty(w.size + 1)
    a[0] = x
    for j in range(1, w.size + 1):
        z[j - 1] = w[j - 1] * a[j - 1] + b[j - 1]
        a[j] = activations.sigmoid(z[j - 1])
    return float(a[-1]), Chain1dCache(frozen(z), frozen(a), frozen(w))


def chain1d_backward(dout: float, cache: tuple) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Backward pass of ``chain1d_forward``: the chain rule one layer at a time, last first.

    .. math::
        \delta^l = \frac{\partial L}{\partial a^l}\,\sigma'(z^l), \quad
        \frac{\partial L}{\partial w^l} = \delta^l a^{l-1}, \quad
        \frac{\partial L}{\partial b^l} = \delta^l, \quad
        \frac{\partial L}{\partial a^{l-1}} = \delta^l w^l

    with :math:`\sigma'(z^l) = a^l (1 - a^l)`, read from the cached activations.

    Parameters
    ----------
    dout : float
        :math:`\partial L / \partial \hat y` (:math:`\hat y = a^{n_\text{layers}}`), e.g.
        :math:`2(\hat y - y)` for the squared error.
    cache : Chain1dCache from ``chain1d_forward``

    Returns
    -------
    dx : float
        :math:`\partial L / \partial x = \partial L / \partial a^0`.
    dw, db : ndarray, shape (n_layers,)
        :math:`\partial L / \partial w^l` and :math:`\partial L / \partial b^l` in ``[l - 1]``.
    """
    fn = "chain1d_backward"
    _, a, w = check_cache(cache, Chain1dCache, fn)
    da = as_scalar(dout, "dout", fn)
    dw = np.empty(w.size)
    db = np.empty(w.size)
    for j in range(w.size, 0, -1):
        delta = da * a[j] * (1.0 - a[j])  # computed once, shared by dw, db and the layer below
        dw[j - 1] = delta * a[j - 1]
        db[j - 1] = delta
        da = delta * w[j - 1]
    return float(da), dw, db


def chain1d_gradients(
    x: float, y: float, w: ArrayLike, b: ArrayLike
) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Loss :math:`L = (\hat y - y)^2` of one example and its gradients for every layer.

    :math:`\hat y = a^{n_\text{layers}}` is the chain's output.

    A forward pass, :math:`\partial L / \partial \hat y = 2(\hat y - y)`, then
    ``chain1d_backward``.

    Parameters
    ----------
    x, y : float
        Input and label.
    w, b : array_like, shape (n_layers,)
        Weight and bias of layers 1..n_layers.

    Returns
    -------
    cost : float
    dw, db : ndarray, shape (n_layers,)
        :math:`\partial L / \partial w^l` and :math:`\partial L / \partial b^l` in ``[l - 1]``.
    """
    y = as_scalar(y, "y", "chain1d_gradients")
    out, cache = chain1d_forward(x, w, b)
    _, dw, db = chain1d_backward(2.0 * (out - y), cache)
    return (out - y) ** 2, dw, db
