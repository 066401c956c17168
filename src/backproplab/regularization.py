r"""Layers and helpers against overfitting and for well-behaved training: inverted dropout,
L2 weight decay, batch normalization and gradient clipping.

Everything here is a pure function in the package's shape: ``dropout_forward(...) -> (out,
cache)`` and ``dropout_backward(dout, cache) -> dx``, ``batchnorm_forward(...) -> (out,
cache)`` and ``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)``; nothing mutates its
inputs and nothing keeps hidden state. Dropout draws its mask only from the ``rng`` it is
given. Batch normalization's running statistics, which frameworks store inside the layer
object, come back in the cache as a *new* dict (``cache.running``), for the caller to pass to
the next call (docs/decisions.md, "Batch norm and clipping").

L2 acts on the *weights* only: the parameters whose key starts with ``"W"`` (``W1``, ``W2``,
and the convolution filters of ``backproplab.cnn``); biases, ``gamma`` and ``beta`` are not
decayed (docs/decisions.md, "Regularisation and augmentation API").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from backproplab._types import ArrayLike, Grads
from backproplab._validate import (
    as_array,
    as_float_array,
    as_scalar,
    cache_type,
    check_cache,
    check_rng,
    frozen,
    upstream,
)

DropoutCache = cache_type("DropoutCache", "keep p", "dropout_forward")


def _drop_probability(p: object, fn: str) -> float:
    p = as_scalar(p, "p", fn)
    if not 0.0 <= p < 1.0:
        raise ValueError(
            f"{fn}: p (the drop probability) must be in [0, 1), got {p}; p = 1 would drop "
            "every unit and divide by 1 - p = 0"
        )
    return p


def dropout_forward(
    x: ArrayLike, p: float, rng: np.random.Generator | None, train: bool = True
) -> tuple[np.ndarray, tuple]:
    r"""Inverted dropout (Srivastava et al., 2014): drop each unit with probability
    :math:`p_\text{drop}` in training, and scale the kept ones so the mean is unchanged.

    In training, with a fresh mask :math:`m` of independent draws,

    .. math::
        m_i = [u_i \ge p_\text{drop}],\quad u_i \sim \mathcal U[0, 1), \qquad
        \text{out} = \frac{x \odot m}{1 - p_\text{drop}},

    so each unit is kept with probability :math:`1 - p_\text{drop}` and
    :math:`\mathbb E[\text{out}_i] = x_i`. At inference (``train=False``) dropout is off:
    ``out`` is a copy of ``x`` and no random number is drawn. Because training already
    scaled by :math:`1/(1 - p_\text{drop})`, inference needs no rescaling ("inverted").

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Activations, any shape with at least one axis.
    p : float in [0, 1)
        The *drop* probability :math:`p_\text{drop}` (0.5 in Srivastava et al.).
    rng : numpy.random.Generator
        The mask is drawn exactly as ``keep = rng.random(x.shape) >= p``, one draw per unit,
        so the same generator state gives the same mask. May be ``None`` when
        ``train=False``.
    train : bool
        Drop units (True) or pass ``x`` through (False).

    Returns
    -------
    out : ndarray, shape of ``x``
    cache : DropoutCache ``(keep, p)``
        ``keep`` is the read-only boolean mask (True = kept), ``None`` at inference.
    """
    fn = "dropout_forward"
    x = as_float_array(x, "x", fn, finite=True)
    if x.ndim == 0:
        raise ValueError(f"{fn}: x must be an array of activations, got a scalar (shape ())")
    p = _drop_probability(p, fn)
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"{fn}: train must be True or False, got {train!r}")
    rng = check_rng(rng, fn, optional=not train)
    if not train:
        return x.copy(), DropoutCache(None, p)
    keep = rng.random(x.shape) >= p
    keep.setflags(write=False)
    return x * keep / (1 - p), DropoutCache(keep, p)


def _mask(keep: object, fn: str) -> np.ndarray:
    """The cached mask as a boolean array; a 0/1 array (a student's own cache) is accepted."""
    keep = as_array(keep, "cache keep", fn)
    if keep.dtype.kind == "b":
        return keep
    if keep.dtype.kind in "iuf" and np.all((keep == 0) | (keep == 1)):
        return keep.astype(bool)
    raise TypeError(
        f"{fn}: the cache's keep must be the boolean mask of dropout_forward (True = kept), "
        f"got dtype {keep.dtype}"
        + (" with values other than 0 and 1" if keep.dtype.kind in "iuf" else "")
    )


def dropout_backward(dout: ArrayLike, cache: tuple) -> np.ndarray:
    r"""Backward pass of ``dropout_forward``: the gradient flows only through the kept units,
    scaled as in the forward pass, with the *same* mask.

    .. math::
        \frac{\partial L}{\partial x} = \frac{\text{dout} \odot m}{1 - p_\text{drop}}

    At inference (``keep is None``) dropout was the identity, so ``dx`` is a copy of
    ``dout``.

    Parameters
    ----------
    dout : array_like, shape of the forward output
    cache : DropoutCache ``(keep, p)`` from ``dropout_forward``

    Returns
    -------
    dx : ndarray, shape of ``dout``
    """
    fn = "dropout_backward"
    keep, p = check_cache(cache, DropoutCache, fn)
    p = _drop_probability(p, fn)
    if keep is None:
        return as_float_array(dout, "dout", fn, finite=True).copy()
    keep = _mask(keep, fn)
    dout = upstream(dout, keep.shape, fn)
    return dout * keep / (1 - p)


def weight_keys(params: Mapping[str, ArrayLike]) -> list[str]:
    """The keys of ``params`` that L2 decays: those that start with ``"W"``, in order.

    Parameters
    ----------
    params : dict of str -> array_like
        E.g. ``{"W1": ..., "b1": ..., "W2": ..., "b2": ...}`` gives ``["W1", "W2"]``.
    """
    return list(_weights(params, "weight_keys"))


def _weights(params: object, fn: str) -> dict[str, np.ndarray]:
    """The weight arrays of ``params`` (float64), after checking every entry."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{fn}: params must be a dict of arrays like {{'W1': ..., 'b1': ...}}, "
            f"got {type(params).__name__}"
        )
    arrays = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"{fn}: the keys of params must be strings like 'W1', got {key!r}")
        arrays[key] = as_float_array(value, f"params[{key!r}]", fn, finite=True)
    return {key: a for key, a in arrays.items() if key.startswith("W")}


def l2_penalty(params: Mapping[str, ArrayLike], lam: float) -> float:
    r"""The L2 penalty on the weights, added to the data loss:

    .. math::
        L_\text{L2} = \frac{\lambda}{2} \sum_l \lVert W^l \rVert^2
        = \frac{\lambda}{2} \sum_l \sum_{ij} \big(W^l_{ij}\big)^2 .

    Only weights count (keys starting with ``"W"``); biases, ``gamma`` and ``beta`` do not.

    Parameters
    ----------
    params : dict of str -> array_like
        Finite parameter arrays, e.g. from ``network.init_mlp`` (not modified).
    lam : float >= 0
        The strength :math:`\lambda`.

    Returns
    -------
    penalty : float
    """
    fn = "l2_penalty"
    lam = as_scalar(lam, "lam", fn, low=0.0)
    weights = _weights(params, fn)
    return lam / 2 * float(sum(np.sum(W**2) for W in weights.values()))


def l2_grad(params: Mapping[str, ArrayLike], lam: float) -> dict[str, np.ndarray]:
    r"""Gradient of ``l2_penalty`` with respect to every parameter:

    .. math::
        \frac{\partial L_\text{L2}}{\partial W^l} = \lambda W^l, \qquad
        \frac{\partial L_\text{L2}}{\partial b^l} = 0 .

    Added to the data gradient, it makes a gradient step shrink each weight by a factor
    :math:`1 - \eta\lambda` ("weight decay").

    Parameters
    ----------
    params : dict of str -> array_like
        Finite parameter arrays (not modified).
    lam : float >= 0

    Returns
    -------
    grads : dict of str -> ndarray
        New arrays with the same keys, order and shapes as ``params``: ``lam * W`` for the
        weights, zeros for everything else.
    """
    fn = "l2_grad"
    lam = as_scalar(lam, "lam", fn, low=0.0)
    weights = _weights(params, fn)
    return {
        key: lam * weights[key] if key in weights else np.zeros(np.shape(value))
        for key, value in params.items()
    }


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
