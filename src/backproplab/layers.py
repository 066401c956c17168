r"""Layers as pairs of pure functions: ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> grads``.

The forward pass keeps in ``cache`` exactly what the backward pass needs. The backward pass
receives the upstream gradient ``dout`` :math:`= \partial L / \partial \text{out}` and returns
the gradient with respect to each input, by the chain rule. Batches come first: ``x`` is
(N, D) for N examples with D features each.
"""

from __future__ import annotations

import numpy as np

from backproplab import activations
from backproplab._validate import as_float_array, check_cache


def dense_forward(x, W, b):
    r"""Fully connected (affine) layer :math:`\text{out} = xW + b`.

    Parameters
    ----------
    x : array_like, shape (N, D)
    W : array_like, shape (D, M)
    b : array_like, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : tuple ``(x, W, b)``
    """
    fn = "dense_forward"
    x = as_float_array(x, "x", fn)
    if x.ndim != 2:
        hint = " (flatten it first with x.reshape(len(x), -1))" if x.ndim > 2 else ""
        raise ValueError(f"{fn}: x must be 2-D (N, D), got shape {x.shape}{hint}")
    W = as_float_array(W, "W", fn, ndim=2)
    b = as_float_array(b, "b", fn, ndim=1)
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"{fn}: x has {x.shape[1]} features (shape {x.shape}) but W expects "
            f"{W.shape[0]} (shape {W.shape})"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"{fn}: b has shape {b.shape} but W has {W.shape[1]} outputs (shape {W.shape})"
        )
    return x @ W + b, (x, W, b)


def dense_backward(dout, cache):
    r"""Backward pass of ``dense_forward``.

    .. math::
        \frac{\partial L}{\partial x} = \text{dout}\, W^\top, \qquad
        \frac{\partial L}{\partial W} = x^\top \text{dout}, \qquad
        \frac{\partial L}{\partial b} = \textstyle\sum_n \text{dout}_n

    The sums over the batch in ``dW`` and ``db`` add up each example's contribution; the
    loss already divides by N, so no further averaging happens here.

    Parameters
    ----------
    dout : array_like, shape (N, M)
    cache : tuple from ``dense_forward``

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    fn = "dense_backward"
    x, W, _ = check_cache(cache, 3, fn)
    dout = _dout(dout, (x.shape[0], W.shape[1]), fn)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    r"""ReLU layer :math:`\max(0, x)`, any shape. ``cache = (x,)``."""
    x = as_float_array(x, "x", "relu_forward")
    return activations.relu(x), (x,)


def relu_backward(dout, cache):
    r""":math:`\partial L/\partial x = \text{dout} \odot [x > 0]`; the kink :math:`x = 0` gets 0."""
    (x,) = check_cache(cache, 1, "relu_backward")
    return _dout(dout, x.shape, "relu_backward") * activations.relu_grad(x)


def leaky_relu_forward(x, alpha=0.01):
    r"""Leaky ReLU layer: :math:`x` for :math:`x > 0`, :math:`\alpha x` otherwise.
    ``cache = (x, alpha)``."""
    x = as_float_array(x, "x", "leaky_relu_forward")
    return activations.leaky_relu(x, alpha), (x, alpha)


def leaky_relu_backward(dout, cache):
    r"""Backward of leaky ReLU.

    :math:`\partial L/\partial x = \text{dout} \odot (1 \text{ if } x > 0 \text{ else } \alpha)`.
    """
    x, alpha = check_cache(cache, 2, "leaky_relu_backward")
    return _dout(dout, x.shape, "leaky_relu_backward") * activations.leaky_relu_grad(x, alpha)


def sigmoid_forward(x):
    r"""Sigmoid layer :math:`z = \sigma(x)`. Caches the *output* ``(z,)``, which is all the
    backward pass needs."""
    x = as_float_array(x, "x", "sigmoid_forward")
    z = np.asarray(activations.sigmoid(x))
    return z, (z,)


def sigmoid_backward(dout, cache):
    r""":math:`\partial L/\partial x = \text{dout} \odot z(1 - z)`, with :math:`z` the output.

    :math:`z(1 - z) \le 1/4`, and close to 0 when the unit saturates (:math:`z \approx 0` or 1):
    the origin of vanishing gradients.
    """
    (z,) = check_cache(cache, 1, "sigmoid_backward")
    return _dout(dout, z.shape, "sigmoid_backward") * z * (1.0 - z)


def tanh_forward(x):
    r"""Tanh layer :math:`z = \tanh(x)`. Caches the output ``(z,)``."""
    x = as_float_array(x, "x", "tanh_forward")
    z = np.asarray(activations.tanh(x))
    return z, (z,)


def tanh_backward(dout, cache):
    r""":math:`\partial L/\partial x = \text{dout} \odot (1 - z^2)`, with :math:`z` the output."""
    (z,) = check_cache(cache, 1, "tanh_backward")
    return _dout(dout, z.shape, "tanh_backward") * (1.0 - z * z)


def identity_forward(x):
    r"""Identity layer (a linear output): ``out = x``, ``cache = (x.shape,)``."""
    x = as_float_array(x, "x", "identity_forward")
    return x.copy(), (x.shape,)


def identity_backward(dout, cache):
    r""":math:`\partial L/\partial x = \text{dout}`."""
    (shape,) = check_cache(cache, 1, "identity_backward")
    return _dout(dout, shape, "identity_backward").copy()


def flatten_forward(x):
    r"""Flatten each example to a row: (N, d1, ..., dk) -> (N, d1 * ... * dk).

    The bridge from convolutional feature maps (N, C, H, W) to a dense layer.
    ``cache = (x.shape,)``.
    """
    x = as_float_array(x, "x", "flatten_forward")
    if x.ndim < 1:
        raise ValueError(f"flatten_forward: x needs a batch axis first, got shape {x.shape}")
    return x.reshape(x.shape[0], -1).copy(), (x.shape,)


def flatten_backward(dout, cache):
    r"""Backward of ``flatten_forward``: reshape ``dout`` (N, D) back to the input's shape."""
    (shape,) = check_cache(cache, 1, "flatten_backward")
    N = shape[0]
    D = int(np.prod(shape[1:], dtype=np.int64))
    return _dout(dout, (N, D), "flatten_backward").reshape(shape).copy()


def _dout(dout, expected_shape, fn):
    dout = as_float_array(dout, "dout", fn)
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"{fn}: dout has shape {dout.shape} but the forward output had shape "
            f"{tuple(expected_shape)}; dout must match the layer's output"
        )
    return dout


ACTIVATION_LAYERS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "identity": (identity_forward, identity_backward),
}
"""Activation name -> (forward, backward), used by ``network`` to build MLPs."""
