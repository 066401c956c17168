r"""The smallest deep network: a chain of sigmoid neurons, one per layer (chapter 5).

Layer :math:`j = 1, \dots, L` holds one weight :math:`w^j` and one bias :math:`b^j`:

.. math::
    a^0 = x, \qquad z^j = w^j a^{j-1} + b^j, \qquad a^j = \sigma(z^j),

and the cost of one example with label :math:`y` is :math:`C = (a^L - y)^2`. Everything is a
scalar, so each step of the chain rule is a product of plain numbers that can be checked by
hand. Going backwards, with :math:`\delta^j = \partial C / \partial z^j`:

.. math::
    \delta^L = C'(a^L)\,\sigma'(z^L), \qquad
    \frac{\partial C}{\partial w^j} = \delta^j a^{j-1}, \qquad
    \frac{\partial C}{\partial b^j} = \delta^j, \qquad
    \frac{\partial C}{\partial a^{j-1}} = \delta^j w^j, \qquad
    \delta^{j-1} = \frac{\partial C}{\partial a^{j-1}}\,\sigma'(z^{j-1}).

The factor :math:`\delta^j` is computed once and shared by the weight, the bias and the layer
below: that reuse is what makes backpropagation cheap.
"""

from __future__ import annotations

import numpy as np

from backproplab import activations
from backproplab._validate import as_float_array, as_scalar, cache_type, check_cache, frozen

Chain1dCache = cache_type("Chain1dCache", "z a w", "chain1d_forward")


def _parameters(w, b, fn):
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


def chain1d_forward(x, w, b):
    r"""Forward pass of the 1-D sigmoid chain.

    .. math:: z^j = w^j a^{j-1} + b^j, \quad a^j = \sigma(z^j), \quad a^0 = x

    Parameters
    ----------
    x : float
        The input :math:`a^0`.
    w, b : array_like, shape (L,)
        Weight and bias of layers 1..L (``w[j - 1]`` is :math:`w^j`).

    Returns
    -------
    out : float
        The output :math:`a^L`.
    cache : Chain1dCache ``(z, a, w)``
        ``z`` of shape (L,) with ``z[j - 1]`` = :math:`z^j`; ``a`` of shape (L + 1,) with
        ``a[j]`` = :math:`a^j` (so ``a[0]`` is ``x``); ``w`` the weights.
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


def chain1d_backward(dout, cache):
    r"""Backward pass of ``chain1d_forward``: the chain rule one layer at a time, last first.

    .. math::
        \delta^j = \frac{\partial C}{\partial a^j}\,\sigma'(z^j), \quad
        \frac{\partial C}{\partial w^j} = \delta^j a^{j-1}, \quad
        \frac{\partial C}{\partial b^j} = \delta^j, \quad
        \frac{\partial C}{\partial a^{j-1}} = \delta^j w^j

    with :math:`\sigma'(z^j) = a^j (1 - a^j)`, read from the cached activations.

    Parameters
    ----------
    dout : float
        :math:`\partial C / \partial a^L`, e.g. :math:`C'(a^L) = 2(a^L - y)`.
    cache : Chain1dCache from ``chain1d_forward``

    Returns
    -------
    dx : float
        :math:`\partial C / \partial x = \partial C / \partial a^0`.
    dw, db : ndarray, shape (L,)
        :math:`\partial C / \partial w^j` and :math:`\partial C / \partial b^j` in ``[j - 1]``.
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


def chain1d_gradients(x, y, w, b):
    r"""Cost :math:`C = (a^L - y)^2` of one example and its gradients for every layer.

    A forward pass, :math:`C'(a^L) = 2(a^L - y)`, then ``chain1d_backward``.

    Parameters
    ----------
    x, y : float
        Input and label.
    w, b : array_like, shape (L,)
        Weight and bias of layers 1..L.

    Returns
    -------
    cost : float
    dw, db : ndarray, shape (L,)
        :math:`\partial C / \partial w^j` and :math:`\partial C / \partial b^j` in ``[j - 1]``.
    """
    y = as_scalar(y, "y", "chain1d_gradients")
    out, cache = chain1d_forward(x, w, b)
    _, dw, db = chain1d_backward(2.0 * (out - y), cache)
    return (out - y) ** 2, dw, db
