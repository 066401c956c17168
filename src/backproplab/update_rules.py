r"""Optimizer update rules: how a gradient becomes a step.

Each rule is a pure function. The optimizer's memory (velocity, squared-gradient cache, Adam's
moments) goes in as an argument and the new memory comes back in the result; nothing is kept
between calls and no input array is ever written to. ``g`` below is ``dw``, the gradient at the
current ``w``, and :math:`\eta` is ``lr``. :math:`\epsilon` sits *outside* the square root.

=====================  ==============================================================
rule                   update
=====================  ==============================================================
``sgd_update``         :math:`w \leftarrow w - \eta g`
``momentum_update``    :math:`v \leftarrow \beta v + g;\ w \leftarrow w - \eta v`
``nesterov_update``    :math:`v \leftarrow \beta v + g;\ w \leftarrow w - \eta (g + \beta v)`
``adagrad_update``     :math:`c \leftarrow c + g^2;\
                       w \leftarrow w - \eta g / (\sqrt{c} + \epsilon)`
``rmsprop_update``     :math:`c \leftarrow \rho c + (1 - \rho) g^2;\
                       w \leftarrow w - \eta g / (\sqrt{c} + \epsilon)`
``adam_update``        :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g;\
                       v \leftarrow \beta_2 v + (1 - \beta_2) g^2;\
                       w \leftarrow w - \eta \hat m / (\sqrt{\hat v} + \epsilon)` with
                       :math:`\hat m = m / (1 - \beta_1^t)`, :math:`\hat v = v / (1 - \beta_2^t)`
=====================  ==============================================================

``w`` may have any shape, a 0-d scalar included; ``dw`` and the state arrays must have the same
shape. ``w`` and ``dw`` must be finite (a NaN or infinite gradient has no meaningful step).
State arrays may hold ``inf`` (an overflowed cache) but not NaN, and the squared-gradient
averages (``cache`` of AdaGrad and RMSprop, Adam's ``v``) must be :math:`\ge 0`: a negative
entry, usually the momentum velocity passed in the wrong place, raises ``ValueError`` instead
of a silent NaN step. Momentum's ``v`` and Adam's ``m`` may have any sign.
If a step overflows float64 (a learning rate far too large), the result holds ``inf`` or
``nan`` and no warning is emitted: callers such as ``surfaces.descend`` and
``training.train`` treat a non-finite iterate as divergence.

``backproplab.optimizers`` re-exports every rule, next to ``make_optimizer``, which wraps
them into one ``init`` / ``update`` object.
"""

from __future__ import annotations

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar, same_shape


def sgd_update(w: ArrayLike, dw: ArrayLike, lr: float) -> np.ndarray:
    r"""Plain (stochastic) gradient descent: :math:`w \leftarrow w - \eta g`.

    Parameters
    ----------
    w : array_like, any shape
        Current parameters.
    dw : array_like, shape of ``w``
        Gradient of the loss at ``w``.
    lr : float
        Learning rate :math:`\eta > 0`.

    Returns
    -------
    w : ndarray, shape of ``w``
        Updated parameters (a new array).
    """
    fn = "sgd_update"
    w, dw = _weights(w, dw, fn)
    lr = _lr(lr, fn)
    with np.errstate(over="ignore", invalid="ignore"):
        return _array(w - lr * dw)


def momentum_update(
    w: ArrayLike, dw: ArrayLike, v: ArrayLike, lr: float, beta: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient descent with momentum: :math:`v \leftarrow \beta v + g;\ w \leftarrow w - \eta v`.

    The velocity :math:`v` is a running sum of past gradients that decays by :math:`\beta` per
    step, so steps grow along directions where the gradient keeps its sign and cancel across
    a valley where it flips.

    Parameters
    ----------
    w : array_like, any shape
    dw : array_like, shape of ``w``
    v : array_like, shape of ``w``
        Velocity from the previous step (zeros before the first step).
    lr : float
        Learning rate :math:`\eta > 0`.
    beta : float
        Momentum :math:`\beta \in [0, 1)`; ``beta = 0`` is plain gradient descent.

    Returns
    -------
    w, v : ndarray, shape of ``w``
        Updated parameters and velocity (new arrays).
    """
    fn = "momentum_update"
    w, dw = _weights(w, dw, fn)
    v = _state(v, "v", w, fn)
    lr = _lr(lr, fn)
    beta = _decay(beta, "beta", fn)
    with np.errstate(over="ignore", invalid="ignore"):
        v = beta * v + dw
        return _array(w - lr * v), _array(v)


def nesterov_update(
    w: ArrayLike, dw: ArrayLike, v: ArrayLike, lr: float, beta: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    r"""Nesterov accelerated gradient, in the form that needs only the gradient at ``w``.

    .. math::

        v \leftarrow \beta v + g, \qquad w \leftarrow w - \eta (g + \beta v)

    Compared with ``momentum_update`` (step :math:`\eta v = \eta(\beta v_{old} + g)`) the step
    is :math:`\eta(g + \beta v)`: it "looks ahead" by one more decay of the new velocity, so the
    two differ by exactly :math:`\eta \beta (v_{new} - v_{old})`.

    Parameters
    ----------
    w : array_like, any shape
    dw : array_like, shape of ``w``
    v : array_like, shape of ``w``
        Velocity from the previous step (zeros before the first step).
    lr : float
        Learning rate :math:`\eta > 0`.
    beta : float
        Momentum :math:`\beta \in [0, 1)`.

    Returns
    -------
    w, v : ndarray, shape of ``w``
    """
    fn = "nesterov_update"
    w, dw = _weights(w, dw, fn)
    v = _state(v, "v", w, fn)
    lr = _lr(lr, fn)
    beta = _decay(beta, "beta", fn)
    with np.errstate(over="ignore", invalid="ignore"):
        v = beta * v + dw
        return _array(w - lr * (dw + beta * v)), _array(v)


def adagrad_update(
    w: ArrayLike, dw: ArrayLike, cache: ArrayLike, lr: float, eps: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    r"""AdaGrad: a per-coordinate learning rate that shrinks with the gradients seen so far.

    .. math::

        c \leftarrow c + g^2, \qquad w \leftarrow w - \eta \frac{g}{\sqrt{c} + \epsilon}

    Parameters
    ----------
    w : array_like, any shape
    dw : array_like, shape of ``w``
    cache : array_like, shape of ``w``
        Sum of squared past gradients :math:`c \ge 0` (zeros before the first step). A
        negative entry raises ``ValueError``: it is never a valid cache (often it is the
        momentum velocity passed by mistake).
    lr : float
        Learning rate :math:`\eta > 0`.
    eps : float
        :math:`\epsilon > 0`, added outside the square root to avoid dividing by zero.

    Returns
    -------
    w, cache : ndarray, shape of ``w``
    """
    fn = "adagrad_update"
    w, dw = _weights(w, dw, fn)
    cache = _state(cache, "cache", w, fn, squares="a running sum")
    lr = _lr(lr, fn)
    eps = _eps(eps, fn)
    with np.errstate(over="ignore", invalid="ignore"):
        cache = cache + dw**2
        return _array(w - lr * dw / (np.sqrt(cache) + eps)), _array(cache)


def rmsprop_update(
    w: ArrayLike, dw: ArrayLike, cache: ArrayLike, lr: float, rho: float = 0.9, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    r"""RMSprop: AdaGrad with a decaying average of squared gradients instead of a sum.

    .. math::

        c \leftarrow \rho c + (1 - \rho) g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{c} + \epsilon}

    Parameters
    ----------
    w : array_like, any shape
    dw : array_like, shape of ``w``
    cache : array_like, shape of ``w``
        Running average of squared gradients :math:`c \ge 0` (zeros before the first step);
        a negative entry raises ``ValueError``.
    lr : float
        Learning rate :math:`\eta > 0`.
    rho : float
        Decay rate :math:`\rho \in [0, 1)`.
    eps : float
        :math:`\epsilon > 0`, outside the square root.

    Returns
    -------
    w, cache : ndarray, shape of ``w``
    """
    fn = "rmsprop_update"
    w, dw = _weights(w, dw, fn)
    cache = _state(cache, "cache", w, fn, squares="a running average")
    lr = _lr(lr, fn)
    rho = _decay(rho, "rho", fn)
    eps = _eps(eps, fn)
    with np.errstate(over="ignore", invalid="ignore"):
        cache = rho * cache + (1.0 - rho) * dw**2
        return _array(w - lr * dw / (np.sqrt(cache) + eps)), _array(cache)


def adam_update(
    w: ArrayLike,
    dw: ArrayLike,
    m: ArrayLike,
    v: ArrayLike,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Adam: momentum on the gradient and RMSprop on its square, both bias-corrected.

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2,

        \hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
        w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    Because :math:`m` and :math:`v` start at zero they are biased towards zero early on; the
    correction undoes that, so the first step moves every coordinate by about
    :math:`\eta\,\mathrm{sign}(g)`. With the default betas, leaving :math:`m` uncorrected
    would make that step 10 times smaller (:math:`m = 0.1 g`), and leaving both uncorrected
    would make it :math:`0.1/\sqrt{0.001} \approx 3.16` times larger.

    Parameters
    ----------
    w : array_like, any shape
    dw : array_like, shape of ``w``
    m, v : array_like, shape of ``w``
        First and second moment estimates from the previous step (zeros before the first).
        ``m`` may have any sign; ``v`` averages squared gradients, so a negative entry raises
        ``ValueError``.
    t : int
        This step's 1-based count: ``t = 1`` on the first update. ``t = 0`` is the classic
        off-by-one and is rejected (it would divide by :math:`1 - \beta^0 = 0`).
    lr : float
        Learning rate :math:`\eta > 0`.
    beta1, beta2 : float
        Decay rates in :math:`[0, 1)`.
    eps : float
        :math:`\epsilon > 0`, outside the square root.

    Returns
    -------
    w, m, v : ndarray, shape of ``w``
    """
    fn = "adam_update"
    w, dw = _weights(w, dw, fn)
    m = _state(m, "m", w, fn)
    v = _state(v, "v", w, fn, squares="a running average")
    t = as_int(t, "t", fn)
    if t < 1:
        hint = (
            " (t = 0 is the classic off-by-one: the bias correction would divide by "
            "1 - beta1**0 = 0)"
            if t == 0
            else ""
        )
        raise ValueError(f"{fn}: t is this step's 1-based count, so t >= 1; got t = {t}{hint}")
    lr = _lr(lr, fn)
    beta1 = _decay(beta1, "beta1", fn)
    beta2 = _decay(beta2, "beta2", fn)
    eps = _eps(eps, fn)
    with np.errstate(over="ignore", invalid="ignore"):
        m = beta1 * m + (1.0 - beta1) * dw
        v = beta2 * v + (1.0 - beta2) * dw**2
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        return _array(w - lr * m_hat / (np.sqrt(v_hat) + eps)), _array(m), _array(v)


def _weights(w: ArrayLike, dw: ArrayLike, fn: str) -> tuple[np.ndarray, np.ndarray]:
    w = as_float_array(w, "w", fn, finite=True)
    dw = as_float_array(dw, "dw", fn, finite=True)
    same_shape(w, dw, ("w", "dw"), fn)
    return w, dw


def _state(
    s: ArrayLike, name: str, w: np.ndarray, fn: str, *, squares: str | None = None
) -> np.ndarray:
    # inf is a legitimate overflowed cache (the step is then 0), so only NaN is rejected.
    s = as_float_array(s, name, fn)
    same_shape(w, s, ("w", name), fn)
    if squares is not None:
        # A negative entry can only be the wrong array (most often the momentum velocity);
        # its square root would be a NaN step that the rule's errstate(invalid="ignore") hides.
        negative = s < 0
        if negative.any():
            where = tuple(int(i) for i in np.argwhere(negative)[0])
            raise ValueError(
                f"{fn}: {name} is {squares} of squared gradients and must be >= 0, got "
                f"{float(s[where])} at index {where}; did you pass the momentum velocity"
                + (" or swap m and v?" if name == "v" else "?")
            )
    return s


def _lr(lr: float, fn: str) -> float:
    return as_scalar(lr, "lr", fn, positive=True)


def _eps(eps: float, fn: str) -> float:
    return as_scalar(eps, "eps", fn, positive=True)


def _decay(value: float, name: str, fn: str) -> float:
    value = as_scalar(value, name, fn, low=0.0, high=1.0)
    if value == 1.0:
        raise ValueError(
            f"{fn}: {name} must be < 1, got 1.0 (the average would never forget and, for "
            "Adam, the bias correction would divide by zero)"
        )
    return value


def _array(x: ArrayLike) -> np.ndarray:
    # Arithmetic on 0-d arrays returns NumPy scalars; callers get arrays shaped like w.
    return np.asarray(x, dtype=np.float64)
