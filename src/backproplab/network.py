r"""Multi-layer perceptrons built from ``layers``: initialisation, forward and backward.

Parameters live in a plain dict ``{"W1": (D0, D1), "b1": (D1,), "W2": ..., ...}`` for layer
sizes ``sizes = [D0, D1, ..., DL]``. Hidden layers apply the chosen activation; the last layer
is linear and returns the logits (pair it with ``losses.softmax_cross_entropy``):

.. math:: \hat y = W^L \cdots \sigma(W^2 \sigma(W^1 x + b^1) + b^2) \cdots + b^L

(written for row vectors, ``x @ W``, as the code computes it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar, check_rng, layer_count
from backproplab.layers import ACTIVATION_LAYERS, dense_backward, dense_forward
from backproplab.losses import softmax_cross_entropy

INIT_SCHEMES = ("he", "xavier", "normal")


def _init_args(
    fan_in: int, fan_out: int, rng: np.random.Generator, fn: str
) -> tuple[int, int, np.random.Generator]:
    fan_in, fan_out = as_int(fan_in, "fan_in", fn, low=1), as_int(fan_out, "fan_out", fn, low=1)
    return fan_in, fan_out, check_rng(rng, fn)


def xavier_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""Xavier/Glorot normal initialisation.

    :math:`W_{ij} \sim \mathcal N(0, 2/(n_\text{in} + n_\text{out}))`.

    Keeps the variance of activations and of gradients roughly constant through layers of
    tanh or sigmoid units.

    Returns
    -------
    W : ndarray, shape (fan_in, fan_out)
    """
    fan_in, fan_out, rng = _init_args(fan_in, fan_out, rng, "xavier_init")
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""He (Kaiming) normal initialisation, :math:`W_{ij} \sim \mathcal N(0, 2/n_\text{in})`.

    The factor 2 makes up for ReLU zeroing half of its inputs, so signal variance is preserved
    through deep ReLU networks.

    Returns
    -------
    W : ndarray, shape (fan_in, fan_out)
    """
    fan_in, fan_out, rng = _init_args(fan_in, fan_out, rng, "he_init")
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def init_mlp(
    sizes: Sequence[int],
    rng: np.random.Generator,
    scheme: str = "he",
    scale: float = 0.01,
    bias: float = 0.0,
) -> dict[str, np.ndarray]:
    r"""Initialise an MLP with layer sizes ``[D0, D1, ..., DL]``.

    Parameters
    ----------
    sizes : sequence of int, length >= 2
        Input size, hidden sizes, output size.
    rng : numpy.random.Generator
    scheme : {"he", "xavier", "normal"}
        ``"normal"`` draws :math:`\mathcal N(0, \text{scale}^2)` regardless of the fan-in; too
        small a scale makes signals vanish and too large saturates sigmoids.
    scale : float
        Standard deviation for ``scheme="normal"`` (ignored otherwise).
    bias : float
        Initial value of every bias (a small positive value keeps ReLUs alive at the start).

    Returns
    -------
    params : dict
        ``"W{l}"`` of shape (D_{l-1}, D_l) and ``"b{l}"`` of shape (D_l,) for l = 1..L.
    """
    fn = "init_mlp"
    rng = check_rng(rng, fn)
    try:
        sizes = [as_int(s, "every layer size", fn, low=1) for s in sizes]
    except TypeError as exc:
        raise TypeError(f"{exc} (sizes was {sizes!r})") from None
    if len(sizes) < 2:
        raise ValueError(f"{fn}: sizes needs an input and an output size, got {sizes}")
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"{fn}: scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    scale = as_scalar(scale, "scale", fn, positive=True)
    bias = as_scalar(bias, "bias", fn)
    params = {}
    for l, (fan_in, fan_out) in enumerate(pairwise(sizes), start=1):
        if scheme == "he":
            W = he_init(fan_in, fan_out, rng)
        elif scheme == "xavier":
            W = xavier_init(fan_in, fan_out, rng)
        else:
            W = rng.normal(0.0, scale, size=(fan_in, fan_out))
        params[f"W{l}"] = W
        params[f"b{l}"] = np.full(fan_out, bias)
    return params


def count_parameters(params: Mapping[str, ArrayLike]) -> int:
    r"""Total number of scalars in ``params``: :math:`\sum_l (D_{l-1} D_l + D_l)`."""
    return int(sum(np.size(v) for v in params.values()))


class LayerCache(NamedTuple):
    """What one layer of ``mlp_forward`` keeps for the backward pass."""

    dense: tuple
    """Cache of ``dense_forward``."""
    activation: str
    """Activation name (``"identity"`` for the output layer)."""
    act: tuple
    """Cache of the activation's forward function."""
    z: np.ndarray
    """Pre-activation :math:`z^l = a^{l-1} W^l + b^l`, shape (N, D_l) (for diagnostics)."""
    skip: bool = False
    r"""Whether this layer adds its input to its output: :math:`a^l = \sigma(z^l) + a^{l-1}`."""


def num_layers(params: dict[str, np.ndarray], fn: str = "num_layers") -> int:
    """Number of dense layers L in ``params``, checking the ``W1, b1, ..., WL, bL`` keys."""
    return layer_count(params, "params", fn)


def mlp_forward(
    params: dict[str, np.ndarray], x: ArrayLike, activation: str = "relu", skip: bool = False
) -> tuple[np.ndarray, list[LayerCache]]:
    r"""Forward pass of an MLP: dense + activation for hidden layers, dense for the output.

    With ``skip=True`` every hidden layer after the first is residual,
    :math:`a^l = \sigma(z^l) + a^{l-1}`, so it needs as many inputs as outputs. The identity
    branch passes the gradient back unchanged, a "highway" past the squashing activations
    (the idea behind ResNet's skip connections).

    Parameters
    ----------
    params : dict
        As returned by ``init_mlp``.
    x : array_like, shape (N, D0)
    activation : {"relu", "leaky_relu", "sigmoid", "tanh", "identity"}
        Hidden-layer activation.
    skip : bool
        Add skip (residual) connections around hidden layers 2 .. L-1.

    Returns
    -------
    out : ndarray, shape (N, DL)
        Logits :math:`z^L`.
    caches : list of LayerCache, one per layer
    """
    fn = "mlp_forward"
    if activation not in ACTIVATION_LAYERS:
        raise ValueError(
            f"{fn}: activation must be one of {sorted(ACTIVATION_LAYERS)}, got {activation!r}"
        )
    if not isinstance(skip, bool):
        raise TypeError(f"{fn}: skip must be True or False, got {skip!r}")
    L = num_layers(params, fn)
    a = as_float_array(x, "x", fn, ndim=2)
    caches = []
    for l in range(1, L + 1):
        try:
            z, dense_cache = dense_forward(a, params[f"W{l}"], params[f"b{l}"])
        except ValueError as exc:
            raise ValueError(f"{fn}: layer {l}: {exc}") from None
        name = activation if l < L else "identity"
        residual = skip and 1 < l < L
        if residual and z.shape != a.shape:
            raise ValueError(
                f"{fn}: layer {l} maps {a.shape[1]} units to {z.shape[1]}, but a skip "
                "connection needs equal widths; use equal hidden sizes or skip=False"
            )
        forward, _ = ACTIVATION_LAYERS[name]
        z.setflags(write=False)  # kept for diagnostics; nothing may change it afterwards
        out, act_cache = forward(z)
        caches.append(LayerCache(dense_cache, name, act_cache, z, residual))
        a = out + a if residual else out
    return a, caches


def mlp_backward(dout: ArrayLike, caches: list[LayerCache]) -> dict[str, np.ndarray]:
    r"""Backward pass of ``mlp_forward``: the chain rule applied layer by layer, last first.

    For each layer, with :math:`\delta^l = \partial L / \partial z^l`:

    .. math::
        \frac{\partial L}{\partial W^l} = (a^{l-1})^\top \delta^l, \quad
        \frac{\partial L}{\partial b^l} = \textstyle\sum_n \delta^l_n, \quad
        \delta^{l-1} = (\delta^l (W^l)^\top) \odot \varphi'(z^{l-1}),

    where :math:`\varphi` is the hidden layers' activation. For a residual layer the gradient
    of its input also receives
    :math:`\partial L / \partial a^l` directly through the skip connection.

    Parameters
    ----------
    dout : array_like, shape (N, DL)
        :math:`\partial L / \partial \text{out}`, e.g. ``dlogits`` of ``softmax_cross_entropy``.
    caches : list of LayerCache
        From ``mlp_forward``.

    Returns
    -------
    grads : dict
        Same keys and shapes as ``params``: ``"dW"`` for ``"W{l}"`` is stored under ``"W{l}"``.
    """
    fn = "mlp_backward"
    if not isinstance(caches, list) or not all(isinstance(c, LayerCache) for c in caches):
        raise TypeError(f"{fn}: caches must be the list returned by mlp_forward")
    grads = {}
    da = dout
    for l in range(len(caches), 0, -1):
        cache = caches[l - 1]
        _, backward = ACTIVATION_LAYERS[cache.activation]
        try:
            dz = backward(da, cache.act)
        except ValueError as exc:
            raise ValueError(f"{fn}: layer {l}: {exc}") from None
        da_in, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, cache.dense)
        # a skip connection copies a^{l-1} forward, so its gradient flows back unchanged too
        da = da_in + da if cache.skip else da_in
    return dict(sorted(grads.items(), key=lambda kv: (int(kv[0][1:]), kv[0][0] == "b")))


def mlp_loss_and_grads(
    params: dict[str, np.ndarray],
    x: ArrayLike,
    y: ArrayLike,
    activation: str = "relu",
    skip: bool = False,
) -> tuple[float, dict[str, np.ndarray]]:
    r"""Softmax cross-entropy of an MLP and its gradients: one forward and one backward pass.

    Shaped for ``training.train``:
    ``train(params, lambda p, xb, yb: mlp_loss_and_grads(p, xb, yb, "tanh"), ...)``.

    Parameters
    ----------
    params : dict
        As returned by ``init_mlp``.
    x : array_like, shape (N, D0)
    y : array_like, shape (N,) of int, or (N, DL) one-hot
    activation, skip
        As in ``mlp_forward``.

    Returns
    -------
    loss : float
        :math:`L = -\frac{1}{N}\sum_n \log \mathrm{softmax}(z^L_n)_{y_n}`.
    grads : dict
        :math:`\partial L / \partial` each parameter, same keys and shapes as ``params``.
    """
    out, caches = mlp_forward(params, x, activation, skip)
    loss, dout = softmax_cross_entropy(out, y)
    return loss, mlp_backward(dout, caches)
