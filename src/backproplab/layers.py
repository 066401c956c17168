r"""Layers as pairs of pure functions: ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> grads``.

The forward pass keeps in ``cache`` exactly what the backward pass needs. The backward pass
receives the upstream gradient ``dout`` :math:`= \partial L / \partial \text{out}` and returns
the gradient with respect to each input, by the chain rule. Batches come first: ``x`` is
(N, D) for N examples with D features each.

Caches are named tuples of one type per layer (``DenseCache``, ``ReluCache``, ...), so they
unpack like plain tuples (``x, W, b = cache``) but a cache handed to the wrong backward is an
error, not a wrong gradient. Their arrays are read-only copies: changing ``x`` after the
forward pass cannot change what the backward pass computes. A plain tuple with the same
fields is accepted as well (it is what a student's own forward function returns).

Inputs and upstream gradients must be finite (NaN or :math:`\pm\infty` raise ``ValueError``).
"""

from __future__ import annotations

import numpy as np

from backproplab import activations
from backproplab._types import ArrayLike, Grads
from backproplab._validate import as_float_array, cache_type, check_cache, frozen, upstream

DenseCache = cache_type("DenseCache", "x W b", "dense_forward")
ReluCache = cache_type("ReluCache", "x", "relu_forward")
LeakyReluCache = cache_type("LeakyReluCache", "x alpha", "leaky_relu_forward")
SigmoidCache = cache_type("SigmoidCache", "out", "sigmoid_forward")
TanhCache = cache_type("TanhCache", "out", "tanh_forward")
IdentityCache = cache_type("IdentityCache", "shape", "identity_forward")
FlattenCache = cache_type("FlattenCache", "shape", "flatten_forward")


def dense_forward(x: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Fully connected (affine) layer :math:`\text{out} = xW + b`.

    Parameters
    ----------
    x : array_like, shape (N, D)
    W : array_like, shape (D, M)
    b : array_like, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : DenseCache ``(x, W, b)``
    """
    fn = "dense_forward"
    x = as_float_array(x, "x", fn, finite=True)
    if x.ndim != 2:
        hint = " (flatten it first with flatten_forward(x))" if x.ndim > 2 else ""
        raise ValueError(f"{fn}: x must be 2-D (N, D), got shape {x.shape}{hint}")
    W = as_float_array(W, "W", fn, ndim=2, finite=True)
    b = as_float_array(b, "b", fn, ndim=1, finite=True)
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"{fn}: x has {x.shape[1]} features (shape {x.shape}) but W expects "
            f"{W.shape[0]} (shape {W.shape})"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"{fn}: b has shape {b.shape} but W has {W.shape[1]} outputs (shape {W.shape})"
        )
    return x @ W + b, DenseCache(frozen(x), frozen(W), frozen(b))


def dense_backward(dout: ArrayLike, cache: tuple) -> Grads:
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
    cache : DenseCache from ``dense_forward``

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    fn = "dense_backward"
    x, W, _ = check_cache(cache, DenseCache, fn)
    dout = upstream(dout, (x.shape[0], W.shape[1]), fn)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""ReLU layer :math:`\text{out} = \max(0, x)`.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : ReluCache ``(x,)``
    """
    x = as_float_array(x, "x", "relu_forward", finite=True)
    return np.asarray(np.maximum(x, 0.0)), ReluCache(frozen(x))


def relu_backward(dout: ArrayLike, cache: tuple) -> np.ndarray | np.float64:
    r"""Backward of ReLU: :math:`\partial L/\partial x = \text{dout} \odot [x > 0]`.

    The kink :math:`x = 0` gets gradient 0, as ``activations.relu_grad`` does.

    Parameters
    ----------
    dout : array_like, shape of ``x``
    cache : ReluCache from ``relu_forward``

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    (x,) = check_cache(cache, ReluCache, "relu_backward")
    return upstream(dout, x.shape, "relu_backward") * activations.relu_grad(x)


def leaky_relu_forward(x: ArrayLike, alpha: float = 0.01) -> tuple[np.ndarray, tuple]:
    r"""Leaky ReLU layer: :math:`x` for :math:`x > 0`, :math:`\alpha x` otherwise.

    Parameters
    ----------
    x : array_like, any shape
    alpha : float in [0, 1)
        Slope for negative inputs.

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : LeakyReluCache ``(x, alpha)``
    """
    x = as_float_array(x, "x", "leaky_relu_forward", finite=True)
    out = np.asarray(activations.leaky_relu(x, alpha))
    return out, LeakyReluCache(frozen(x), float(alpha))


def leaky_relu_backward(dout: ArrayLike, cache: tuple) -> np.ndarray | np.float64:
    r"""Backward of leaky ReLU.

    .. math:: \frac{\partial L}{\partial x} = \text{dout} \odot
              \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    Parameters
    ----------
    dout : array_like, shape of ``x``
    cache : LeakyReluCache from ``leaky_relu_forward``

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    x, alpha = check_cache(cache, LeakyReluCache, "leaky_relu_backward")
    return upstream(dout, x.shape, "leaky_relu_backward") * activations.leaky_relu_grad(x, alpha)


def sigmoid_forward(x: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Sigmoid layer :math:`\text{out} = \sigma(x)`.

    Caches its *output*: the local gradient :math:`\text{out}(1 - \text{out})` needs nothing else.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : SigmoidCache ``(out,)``
    """
    x = as_float_array(x, "x", "sigmoid_forward", finite=True)
    out = np.asarray(activations.sigmoid(x))
    return out, SigmoidCache(frozen(out))


def sigmoid_backward(dout: ArrayLike, cache: tuple) -> np.ndarray | np.float64:
    r"""Backward of the sigmoid: :math:`\partial L/\partial x = \text{dout} \odot z(1 - z)`.

    Here :math:`z = \sigma(x)` is the layer's output, as in the book's formula
    :math:`dx = W^\top (z(1-z))` for a dense sigmoid layer. :math:`z(1 - z) \le 1/4`, and close
    to 0 when the unit saturates (:math:`z \approx 0` or 1): the origin of vanishing gradients.

    Parameters
    ----------
    dout : array_like, shape of ``x``
    cache : SigmoidCache from ``sigmoid_forward``

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    (z,) = check_cache(cache, SigmoidCache, "sigmoid_backward")
    return upstream(dout, z.shape, "sigmoid_backward") * z * (1.0 - z)


def tanh_forward(x: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Tanh layer :math:`\text{out} = \tanh(x)`. Caches its output.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : TanhCache ``(out,)``
    """
    x = as_float_array(x, "x", "tanh_forward", finite=True)
    out = np.asarray(np.tanh(x))
    return out, TanhCache(frozen(out))


def tanh_backward(dout: ArrayLike, cache: tuple) -> np.ndarray | np.float64:
    r"""Backward of tanh: :math:`\partial L/\partial x = \text{dout} \odot (1 - z^2)`, with
    :math:`z = \tanh(x)` the layer's output.

    Parameters
    ----------
    dout : array_like, shape of ``x``
    cache : TanhCache from ``tanh_forward``

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    (z,) = check_cache(cache, TanhCache, "tanh_backward")
    return upstream(dout, z.shape, "tanh_backward") * (1.0 - z * z)


def identity_forward(x: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Identity layer (a linear output): :math:`\text{out} = x`, as a new array.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : IdentityCache ``(x.shape,)``
    """
    x = as_float_array(x, "x", "identity_forward", finite=True)
    return x.copy(), IdentityCache(x.shape)


def identity_backward(dout: ArrayLike, cache: tuple) -> np.ndarray:
    r"""Backward of the identity: :math:`\partial L/\partial x = \text{dout}` (a copy).

    Parameters
    ----------
    dout : array_like, shape of ``x``
    cache : IdentityCache from ``identity_forward``

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    (shape,) = check_cache(cache, IdentityCache, "identity_backward")
    return upstream(dout, shape, "identity_backward").copy()


def flatten_forward(x: ArrayLike) -> tuple[np.ndarray, tuple]:
    r"""Flatten each example to a row: (N, d1, ..., dk) -> (N, d1 * ... * dk), C order.

    The bridge from convolutional feature maps (N, C, H, W) to a dense layer.

    Parameters
    ----------
    x : array_like, shape (N, ...)

    Returns
    -------
    out : ndarray, shape (N, D) with D the product of the other axes
    cache : FlattenCache ``(x.shape,)``
    """
    x = as_float_array(x, "x", "flatten_forward", finite=True)
    if x.ndim < 1:
        raise ValueError(f"flatten_forward: x needs a batch axis first, got shape {x.shape}")
    # An explicit width: with N = 0, reshape(0, -1) cannot infer it.
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))).copy(), FlattenCache(x.shape)


def flatten_backward(dout: ArrayLike, cache: tuple) -> np.ndarray:
    r"""Backward of ``flatten_forward``: reshape ``dout`` (N, D) back to the input's shape.

    Parameters
    ----------
    dout : array_like, shape (N, D)
    cache : FlattenCache from ``flatten_forward``

    Returns
    -------
    dx : ndarray, shape of the forward input
    """
    (shape,) = check_cache(cache, FlattenCache, "flatten_backward")
    D = int(np.prod(shape[1:], dtype=np.int64))
    return upstream(dout, (shape[0], D), "flatten_backward").reshape(shape).copy()


ACTIVATION_LAYERS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "identity": (identity_forward, identity_backward),
}
"""Activation name -> (forward, backward), used by ``network`` to build MLPs."""
