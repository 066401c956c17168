r"""A small convolutional network built from ``conv``, ``layers`` and ``losses``.

The architecture is read off the parameters, so ``params`` is the whole model:

- every 4-D ``W{l}`` of shape (F, C, k, k) is a **conv block**: a stride-1 convolution with
  "same" padding :math:`p = (k - 1)/2` (odd k), then ReLU, then 2×2 max pooling with
  stride 2, which halves the height and the width;
- every 2-D ``W{l}`` of shape (D, M) is a **dense layer**, and each dense layer but the last
  is followed by ReLU. The first one reads the C feature maps of size H×W either flattened
  (D = C·H·W) or, when D = C, after **global max pooling** (each map reduced to its
  maximum, which makes the scores nearly blind to where a feature sits);
- the last layer is linear and returns the class scores (logits), to pair with
  ``losses.softmax_cross_entropy``.

Conv blocks come first, then dense layers, and there is at least one dense layer. For the
8×8 digits and ``filters=(8, 16)``:

.. math::

    x \in \mathbb R^{N\times1\times8\times8}
    \xrightarrow{\text{conv }3\times3,\ \text{ReLU, pool}} N\times8\times4\times4
    \xrightarrow{\text{conv }3\times3,\ \text{ReLU, pool}} N\times16\times2\times2
    \xrightarrow{\text{flatten, dense}} N\times10.

The keys are those of :mod:`backproplab.network` (``W1, b1, W2, b2, ...``), so
``network.count_parameters`` and ``diagnostics.gradient_norms`` work unchanged, and
``cnn_loss_and_grads`` has the shape ``training.train`` expects, like
``network.mlp_loss_and_grads``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, check_rng
from backproplab.conv import (
    conv2d_backward,
    conv2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)
from backproplab.layers import (
    dense_backward,
    dense_forward,
    flatten_backward,
    flatten_forward,
    relu_backward,
    relu_forward,
)
from backproplab.losses import softmax_cross_entropy
from backproplab.network import he_init, num_layers

__all__ = [
    "ConvBlockCache",
    "DenseBlockCache",
    "cnn_backward",
    "cnn_forward",
    "cnn_loss_and_grads",
    "init_cnn",
]

POOL = 2
"""Size and stride of the max pooling after every convolution."""


class ConvBlockCache(NamedTuple):
    """What one conv block (conv, ReLU, 2×2 max pool) of ``cnn_forward`` keeps."""

    conv: tuple
    """Cache of ``conv.conv2d_forward``."""
    relu: tuple
    """Cache of ``layers.relu_forward``."""
    pool: tuple
    """Cache of ``conv.maxpool2d_forward``."""
    feature_maps: np.ndarray
    """The block's ReLU output before pooling, (N, F, H, W), read-only (for figures)."""


class DenseBlockCache(NamedTuple):
    """What one dense layer of ``cnn_forward`` keeps."""

    pool: tuple | None
    """Cache of the global max pooling (``conv.maxpool2d_forward``) before the first dense
    layer when it reads one number per feature map, else None."""
    flatten: tuple | None
    """Cache of ``layers.flatten_forward`` for the first dense layer, else None."""
    dense: tuple
    """Cache of ``layers.dense_forward``."""
    relu: tuple | None
    """Cache of ``layers.relu_forward``; None for the output layer (linear)."""


def init_cnn(
    input_shape: tuple[int, int, int] | list[int],
    n_classes: int,
    rng: np.random.Generator,
    filters: Sequence[int] = (8, 16),
    kernel_size: int = 3,
    hidden: Sequence[int] = (),
    global_pool: bool = False,
) -> dict[str, np.ndarray]:
    r"""He-initialised parameters for conv blocks followed by dense layers.

    Filters of a conv block with C input channels and k×k kernels are drawn from
    :math:`\mathcal N(0, 2 / (C k^2))` (He, with fan-in :math:`C k^2`); dense weights from
    :math:`\mathcal N(0, 2 / D)`. Biases start at 0.

    Parameters
    ----------
    input_shape : tuple of 3 int
        (C, H, W) of one image, e.g. ``(1, 8, 8)`` for the digits.
    n_classes : int >= 1
        Number of class scores K.
    rng : numpy.random.Generator
    filters : sequence of int
        Number of filters of each conv block; every block halves H and W, rounding down (its
        2×2 pooling floors like the frameworks' and leaves an odd last row unread), so both must
        be at least :math:`2^{\text{len(filters)}}`.
    kernel_size : int, odd
        k of the k×k kernels.
    hidden : sequence of int
        Widths of hidden dense layers between the feature maps and the scores.
    global_pool : bool
        Reduce each of the last block's feature maps to its maximum before the first dense
        layer (fan-in C), instead of flattening them (fan-in C·H·W). Needs square maps.

    Returns
    -------
    params : dict
        ``W{l}`` (F, C, k, k) and ``b{l}`` (F,) for the conv blocks, then ``W{l}`` (D, M) and
        ``b{l}`` (M,) for the dense layers; the last is (D, K).

    Raises
    ------
    ValueError
        Even kernel size, an image too small for the number of poolings, or non-square
        maps with ``global_pool=True``.
    """
    fn = "init_cnn"
    rng = check_rng(rng, fn)
    shape = tuple(input_shape) if isinstance(input_shape, tuple | list) else None
    if shape is None or len(shape) != 3:
        raise ValueError(f"{fn}: input_shape must be (C, H, W), got {input_shape!r}")
    C, H, W = (as_int(s, "every entry of input_shape", fn, low=1) for s in shape)
    n_classes = as_int(n_classes, "n_classes", fn, low=1)
    k = as_int(kernel_size, "kernel_size", fn, low=1)
    if k % 2 == 0:
        raise ValueError(f"{fn}: kernel_size must be odd for 'same' padding, got {k}")
    filters = [as_int(f, "every entry of filters", fn, low=1) for f in filters]
    hidden = [as_int(m, "every entry of hidden", fn, low=1) for m in hidden]
    if not isinstance(global_pool, bool):
        raise TypeError(f"{fn}: global_pool must be True or False, got {global_pool!r}")
    factor = POOL ** len(filters)
    if H < factor or W < factor:
        raise ValueError(
            f"{fn}: input_shape {tuple(shape)} has H={H}, W={W}, but {len(filters)} conv blocks "
            f"each halve them (rounding down), so both must be at least {factor}; use fewer "
            "filters"
        )
    params = {}
    l = 0
    for F in filters:
        l += 1
        # he_init's (fan_in, fan_out) matrix, one column per filter.
        params[f"W{l}"] = he_init(C * k * k, F, rng).T.reshape(F, C, k, k)
        params[f"b{l}"] = np.zeros(F)
        C, H, W = F, H // POOL, W // POOL
    if global_pool and H != W:
        raise ValueError(
            f"{fn}: global_pool needs square feature maps, but they are {H}x{W} for "
            f"input_shape {tuple(shape)}"
        )
    D = C if global_pool else C * H * W
    for M in [*hidden, n_classes]:
        l += 1
        params[f"W{l}"] = he_init(D, M, rng)
        params[f"b{l}"] = np.zeros(M)
        D = M
    return params


def _layer_kinds(params: dict[str, np.ndarray], fn: str) -> list[str]:
    """Check the keys and the order of ``params``; return ``"conv"``/``"dense"`` per layer."""
    L = num_layers(params, fn)
    kinds = []
    for l in range(1, L + 1):
        W = np.asarray(params[f"W{l}"])
        if W.ndim == 4:
            if kinds and kinds[-1] == "dense":
                raise ValueError(
                    f"{fn}: W{l} is a conv filter bank (shape {W.shape}) after a dense layer; "
                    "conv blocks must come before the dense layers"
                )
            if W.shape[2] % 2 == 0 or W.shape[3] % 2 == 0:
                raise ValueError(
                    f"{fn}: W{l} has shape {W.shape}; 'same' padding needs odd kernel sizes"
                )
            kinds.append("conv")
        elif W.ndim == 2:
            kinds.append("dense")
        else:
            raise ValueError(
                f"{fn}: W{l} has shape {W.shape}; expected a 4-D conv filter bank "
                "(F, C, k, k) or a 2-D dense matrix (D, M)"
            )
    if kinds[-1] != "dense":
        raise ValueError(f"{fn}: the last layer W{L} must be dense (D, K), the class scores")
    return kinds


def _global_pool(maps: np.ndarray, fan_in: int) -> tuple[np.ndarray, tuple | None]:
    """Max over each whole feature map when the dense layer reads one number per map."""
    C, H, W = maps.shape[1:]
    if fan_in not in (C, C * H * W):
        raise ValueError(
            f"the dense layer expects {fan_in} inputs but the feature maps have shape "
            f"{maps.shape[1:]}: flattened they give C*H*W = {C * H * W}, globally max-pooled "
            f"C = {C}"
        )
    if fan_in != C or H * W == 1:
        return maps, None
    if H != W:
        raise ValueError(f"global max pooling needs square feature maps, got {H}x{W}")
    return maxpool2d_forward(maps, size=H, stride=H)


def cnn_forward(
    params: dict[str, np.ndarray], x: ArrayLike
) -> tuple[np.ndarray, list[ConvBlockCache | DenseBlockCache]]:
    r"""Forward pass: conv blocks, then dense layers; returns the class scores.

    Parameters
    ----------
    params : dict
        As returned by :func:`init_cnn`.
    x : array_like, shape (N, C, H, W)

    Returns
    -------
    scores : ndarray, shape (N, K)
        Logits of the last (linear) layer.
    caches : list
        One :class:`ConvBlockCache` or :class:`DenseBlockCache` per layer, for
        :func:`cnn_backward`.

    Raises
    ------
    ValueError
        Bad keys or layer order in ``params``, or shapes that do not chain; the message names
        the layer (``"cnn_forward: layer 2: conv2d_forward: x has 8 channels but w expects
        4"``).
    """
    fn = "cnn_forward"
    kinds = _layer_kinds(params, fn)
    a = as_float_array(x, "x", fn, ndim=4)
    caches = []
    for l, kind in enumerate(kinds, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        try:
            if kind == "conv":
                pad = (np.shape(W)[2] - 1) // 2
                z, conv_cache = conv2d_forward(a, W, b, stride=1, pad=pad)
                maps, relu_cache = relu_forward(z)
                maps.setflags(write=False)  # kept in the cache; nothing may change it
                a, pool_cache = maxpool2d_forward(maps, size=POOL, stride=POOL)
                caches.append(ConvBlockCache(conv_cache, relu_cache, pool_cache, maps))
                continue
            pool_cache = flat_cache = None
            if a.ndim == 4:
                a, pool_cache = _global_pool(a, np.shape(W)[0])
                a, flat_cache = flatten_forward(a)
            z, dense_cache = dense_forward(a, W, b)
            relu_cache = None
            if l < len(kinds):
                z, relu_cache = relu_forward(z)
            caches.append(DenseBlockCache(pool_cache, flat_cache, dense_cache, relu_cache))
            a = z
        except ValueError as exc:
            raise ValueError(f"{fn}: layer {l}: {exc}") from None
    return a, caches


def cnn_backward(
    dscores: ArrayLike, caches: list[ConvBlockCache | DenseBlockCache]
) -> dict[str, np.ndarray]:
    r"""Backward pass of :func:`cnn_forward`, last layer first.

    Each block applies the chain rule through its pieces in reverse: for a conv block
    max-pool backward (gradient routed to each window's maximum), ReLU backward (masked by
    :math:`z > 0`), then conv backward, whose ``dw`` is a valid cross-correlation of the
    input with :math:`\delta` and whose ``dx`` is a full convolution of :math:`\delta` with
    the filters.

    Parameters
    ----------
    dscores : array_like, shape (N, K)
        :math:`\partial L / \partial \text{scores}`, e.g. ``dlogits`` of
        ``softmax_cross_entropy``.
    caches : list
        From :func:`cnn_forward`.

    Returns
    -------
    grads : dict
        Same keys and shapes as ``params``, ordered ``W1, b1, W2, b2, ...``.
    """
    fn = "cnn_backward"
    if (
        not isinstance(caches, list)
        or not caches
        or not all(isinstance(c, ConvBlockCache | DenseBlockCache) for c in caches)
    ):
        raise TypeError(f"{fn}: caches must be the list returned by cnn_forward")
    grads = {}
    da = dscores
    for l in range(len(caches), 0, -1):
        cache = caches[l - 1]
        try:
            if isinstance(cache, ConvBlockCache):
                dmaps = maxpool2d_backward(da, cache.pool)
                dz = relu_backward(dmaps, cache.relu)
                da, grads[f"W{l}"], grads[f"b{l}"] = conv2d_backward(dz, cache.conv)
                continue
            dz = da if cache.relu is None else relu_backward(da, cache.relu)
            da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, cache.dense)
            if cache.flatten is not None:
                da = flatten_backward(da, cache.flatten)
            if cache.pool is not None:
                da = maxpool2d_backward(da, cache.pool)
        except ValueError as exc:
            raise ValueError(f"{fn}: layer {l}: {exc}") from None
    return {key: grads[key] for l in range(1, len(caches) + 1) for key in (f"W{l}", f"b{l}")}


def cnn_loss_and_grads(
    params: dict[str, np.ndarray], x: ArrayLike, y: ArrayLike
) -> tuple[float, dict[str, np.ndarray]]:
    r"""Softmax cross-entropy of the CNN and its gradients: one forward and one backward pass.

    Shaped for ``training.train``: ``train(params, cnn_loss_and_grads, X, y, ...)``.

    Parameters
    ----------
    params : dict
        As returned by :func:`init_cnn`.
    x : array_like, shape (N, C, H, W)
    y : array_like, shape (N,) of int, or (N, K) one-hot

    Returns
    -------
    loss : float
        :math:`L = -\frac{1}{N}\sum_n \log \mathrm{softmax}(s_n)_{y_n}`.
    grads : dict
        :math:`\partial L / \partial` each parameter, same keys and shapes as ``params``.
    """
    scores, caches = cnn_forward(params, x)
    loss, dscores = softmax_cross_entropy(scores, y)
    return loss, cnn_backward(dscores, caches)
