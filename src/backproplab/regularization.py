r"""Layers and helpers that keep training well behaved: batch normalization and gradient
clipping (dropout and L2 weight decay join this module with chapter 9).

Everything here is a pure function in the package's shape: ``batchnorm_forward(...) -> (out,
cache)`` and ``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)``; nothing mutates its
inputs and nothing keeps hidden state. Batch normalization's running statistics, which
frameworks store inside the layer object, come back in the cache as a *new* dict
(``cache.running``), for the caller to pass to the next call (docs/decisions.md, "Batch norm
and clipping").
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike, Grads
from backproplab._validate import (
    as_float_array,
    as_scalar,
    cache_type,
    check_cache,
    frozen,
    upstream,
)

BatchNormCache = cache_type(
    "BatchNormCache", "xhat gamma inv_std train running", "batchnorm_forward"
)


def _running(running: object, D: int, fn: str) -> dict[str, np.ndarray]:
    """Check a ``{"mean": (D,), "var": (D,)}`` dict; return read-only copies of both."""
    if not isinstance(running, dict):
        raise TypeError(
            f"{fn}: running must be None or a dict {{'mean': (D,), 'var': (D,)}}, "
            f"got {type(running).__name__}"
        )
    missing = {"mean", "var"} - set(running)
    extra = set(running) - {"mean", "var"}
    if missing or extra:
        raise ValueError(
            f"{fn}: running must have exactly the keys 'mean' and 'var', got {sorted(running)}"
        )
    out = {}
    for key in ("mean", "var"):
        arr = as_float_array(running[key], f"running['{key}']", fn, ndim=1, finite=True)
        if arr.shape != (D,):
            raise ValueError(
                f"{fn}: running['{key}'] has shape {arr.shape} but x has {D} features; "
                f"expected ({D},)"
            )
        out[key] = frozen(arr)
    if np.any(out["var"] < 0):
        raise ValueError(f"{fn}: running['var'] must be >= 0 (it is a variance)")
    return out


def batchnorm_forward(
    x: ArrayLike,
    gamma: ArrayLike,
    beta: ArrayLike,
    eps: float = 1e-5,
    train: bool = True,
    running: dict[str, np.ndarray] | None = None,
    momentum: float = 0.9,
) -> tuple[np.ndarray, tuple]:
    r"""Batch normalization of a batch of feature vectors (Ioffe and Szegedy, 2015).

    Each feature (column) is standardised with the batch's own mean and variance, then
    scaled and shifted by learned parameters:

    .. math::
        \mu = \frac1N \sum_n x_n, \quad
        \operatorname{var} = \frac1N \sum_n (x_n - \mu)^2, \quad
        \hat x_n = \frac{x_n - \mu}{\sqrt{\operatorname{var} + \varepsilon}}, \quad
        \text{out}_n = \gamma \odot \hat x_n + \beta_\text{bn} .

    In training mode (``train=True``) :math:`\mu, \operatorname{var}` are the batch
    statistics, and the running statistics are updated as
    ``running_new = momentum * running + (1 - momentum) * batch`` for the mean and for the
    (biased) variance, the one used to normalise. In inference mode (``train=False``) the
    running statistics replace the batch statistics, so each example's output no longer
    depends on the rest of its batch.

    Parameters
    ----------
    x : array_like, shape (N, D)
        Pre-activations of N examples. Training mode needs N >= 2.
    gamma, beta : array_like, shape (D,)
        Scale and shift (code names fixed by DESIGN.md; the book writes them
        :math:`\gamma` and :math:`\beta_\text{bn}`, since :math:`\beta` is momentum).
    eps : float > 0
        Added to the variance inside the square root.
    train : bool
        Batch statistics (True) or running statistics (False).
    running : dict or None
        ``{"mean": (D,), "var": (D,)}``, the running statistics so far. ``None`` starts from
        mean 0 and variance 1 (as PyTorch does); inference mode requires a dict.
    momentum : float in [0, 1)
        Weight of the old running statistics in the update (``0.9`` here is PyTorch's
        ``momentum=0.1``).

    Returns
    -------
    out : ndarray, shape (N, D)
    cache : BatchNormCache ``(xhat, gamma, inv_std, train, running)``
        ``cache.running`` is a new dict of read-only (D,) arrays: the updated running
        statistics in training mode, the given ones in inference mode. Pass it as
        ``running=`` to the next call.
    """
    fn = "batchnorm_forward"
    x = as_float_array(x, "x", fn, ndim=2, finite=True)
    N, D = x.shape
    gamma = as_float_array(gamma, "gamma", fn, ndim=1, finite=True)
    beta = as_float_array(beta, "beta", fn, ndim=1, finite=True)
    for name, arr in (("gamma", gamma), ("beta", beta)):
        if arr.shape != (D,):
            raise ValueError(
                f"{fn}: {name} has shape {arr.shape} but x has {D} features (shape {x.shape}); "
                f"expected ({D},)"
            )
    eps = as_scalar(eps, "eps", fn, positive=True)
    momentum = as_scalar(momentum, "momentum", fn, low=0.0)
    if momentum >= 1:
        raise ValueError(f"{fn}: momentum must be in [0, 1), got {momentum}")
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"{fn}: train must be True or False, got {train!r}")
    train = bool(train)
    if running is not None:
        running = _running(running, D, fn)
    if train:
        if N < 2:
            raise ValueError(
                f"{fn}: training mode needs at least 2 examples to estimate a batch variance, "
                f"got x of shape {x.shape} (use train=False with running statistics)"
            )
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        old = running if running is not None else {"mean": np.zeros(D), "var": np.ones(D)}
        new_running = {
            "mean": frozen(momentum * old["mean"] + (1 - momentum) * mu),
            "var": frozen(momentum * old["var"] + (1 - momentum) * var),
        }
    else:
        if running is None:
            raise ValueError(
                f"{fn}: inference mode (train=False) needs the running statistics "
                "{'mean', 'var'} collected in training (cache.running of a training call)"
            )
        mu, var = running["mean"], running["var"]
        new_running = dict(running)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    out = gamma * xhat + beta
    return out, BatchNormCache(frozen(xhat), frozen(gamma), frozen(inv_std), train, new_running)


def batchnorm_backward(dout: ArrayLike, cache: tuple) -> Grads:
    r"""Backward pass of ``batchnorm_forward``.

    With :math:`d_n = \partial L / \partial \text{out}_n` and
    :math:`d\hat x_n = d_n \odot \gamma`:

    .. math::
        \frac{\partial L}{\partial \gamma} = \sum_n d_n \odot \hat x_n, \qquad
        \frac{\partial L}{\partial \beta_\text{bn}} = \sum_n d_n,

    and in training mode, where the batch mean and variance depend on every example,

    .. math::
        \frac{\partial L}{\partial x_n} = \frac{1}{N\sqrt{\operatorname{var} + \varepsilon}}
        \Big(N\, d\hat x_n - \sum_k d\hat x_k - \hat x_n \odot \sum_k d\hat x_k \odot
        \hat x_k\Big).

    In inference mode the statistics are constants:

    .. math::
        \frac{\partial L}{\partial x_n} = \frac{d\hat x_n}
        {\sqrt{\operatorname{var}_\text{run} + \varepsilon}} .

    Parameters
    ----------
    dout : array_like, shape (N, D)
    cache : BatchNormCache from ``batchnorm_forward``

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)
    """
    fn = "batchnorm_backward"
    xhat, gamma, inv_std, train, _ = check_cache(cache, BatchNormCache, fn)
    dout = upstream(dout, xhat.shape, fn)
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dxhat = dout * gamma
    if train:
        N = xhat.shape[0]
        dx = inv_std / N * (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    else:
        dx = dxhat * inv_std
    return dx, dgamma, dbeta


def global_norm(grads: dict[str, np.ndarray]) -> float:
    r"""The norm of all gradients taken together, :math:`\sqrt{\sum_k \lVert g_k \rVert^2}`.

    Computed rescaled by the largest entry, so huge gradients do not overflow.

    Parameters
    ----------
    grads : dict of array_like
        Finite arrays of any shapes, e.g. the output of ``network.mlp_backward``.

    Returns
    -------
    norm : float
    """
    arrays = _grad_arrays(grads, "global_norm")
    return _global_norm(arrays)


def _grad_arrays(grads: object, fn: str) -> dict[str, np.ndarray]:
    if not isinstance(grads, dict):
        raise TypeError(
            f"{fn}: grads must be a dict of arrays like {{'W1': ..., 'b1': ...}}, "
            f"got {type(grads).__name__}"
        )
    return {key: as_float_array(g, f"grads[{key!r}]", fn, finite=True) for key, g in grads.items()}


def _global_norm(arrays: dict[str, np.ndarray]) -> float:
    peak = max((float(np.abs(a).max()) for a in arrays.values() if a.size), default=0.0)
    if peak == 0.0:
        return 0.0
    return peak * float(np.sqrt(sum(np.sum((a / peak) ** 2) for a in arrays.values())))


def clip_by_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> dict[str, np.ndarray]:
    r"""Rescale a set of gradients so that their global norm is at most ``max_norm``.

    With :math:`G = \sqrt{\sum_k \lVert g_k \rVert^2}` over every array in ``grads``,

    .. math::
        g_k \leftarrow g_k \cdot \min\!\Big(1, \frac{\text{max\_norm}}{G}\Big)
        \quad\text{for every } k,

    so the direction of the whole gradient is kept and only its length is capped
    (Pascanu et al., 2013). Gradients already shorter than ``max_norm`` come back
    unchanged (as copies). Clipping limits *exploding* gradients; it cannot enlarge a
    vanishing one.

    Parameters
    ----------
    grads : dict of array_like
        Finite gradient arrays of any shapes (not changed).
    max_norm : float > 0

    Returns
    -------
    clipped : dict
        New arrays (float64), same keys, order and shapes as ``grads``.
    """
    fn = "clip_by_global_norm"
    max_norm = as_scalar(max_norm, "max_norm", fn, positive=True)
    arrays = _grad_arrays(grads, fn)
    norm = _global_norm(arrays)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {key: a * scale for key, a in arrays.items()}
