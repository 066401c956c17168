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

The optimizer protocol
----------------------
``make_optimizer(name, **hparams)`` wraps a rule into one uniform, immutable object with

- ``init(w) -> state``: the starting memory for a parameter shaped like ``w``;
- ``update(w, dw, state) -> (w_new, state_new)``: one step, pure like the rules.

``surfaces.descend`` and ``training.train`` only ever call these two methods, so **any object
with ``init`` and ``update`` of this shape works with them**, a student's own optimizer
included::

    class SignSGD:
        def init(self, w):
            return None
        def update(self, w, dw, state):
            return w - 0.01 * np.sign(dw), state

The state is opaque to the callers: it is whatever ``init`` returns and ``update`` hands back.

A student's own rule
--------------------
``make_optimizer(name, rule=my_rule, **hparams)`` runs ``my_rule`` in place of the reference
``<name>_update``, called exactly as the reference is (same arguments, same order), inside the
same ``init`` / ``update`` object. So a student's ``momentum_update(w, dw, v, lr, beta)``
races the reference on a surface with ``make_optimizer("momentum", rule=momentum_update,
lr=0.01)``. The rule gets copies of its arrays (writing into them cannot corrupt anything),
and a rule that raises, or returns the wrong number or shape of arrays, raises ``RuleError``
naming the rule and what went wrong, which a widget can show instead of crashing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_scalar, same_shape

# fmt: off
__all__ = ["DECAY", "HYPERPARAMETERS", "OPTIMIZER_NAMES", "Optimizer", "RuleError",
           "adagrad_update", "adam_update", "make_optimizer", "momentum_update",
           "nesterov_update", "rmsprop_update", "sgd_update"]
# fmt: on


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


# fmt: off
def adam_update(
    w: ArrayLike, dw: ArrayLike, m: ArrayLike, v: ArrayLike, t: int,
    lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
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
# fmt: on


class RuleError(ValueError):
    """A rule given to ``make_optimizer(..., rule=...)`` raised or returned the wrong thing.

    The message names the rule and the problem; the original exception, if any, is chained as
    ``__cause__``.
    """


class Optimizer(NamedTuple):
    """An update rule bound to its hyperparameters, as returned by ``make_optimizer``.

    Attributes
    ----------
    name : str
        One of ``OPTIMIZER_NAMES``.
    hparams : Mapping[str, float]
        Every hyperparameter, defaults included (read-only).
    init : callable
        ``init(w) -> state``, the zero state for a parameter shaped like ``w``.
    update : callable
        ``update(w, dw, state) -> (w_new, state_new)``; pure, never mutates its inputs.
    rule : callable or None
        The user's rule given to ``make_optimizer(..., rule=...)``, None for the reference.
    """

    name: str
    hparams: Mapping[str, float]
    init: Callable[[Any], dict]
    update: Callable[[Any, Any, dict], tuple]
    rule: Callable | None = None

    def __repr__(self) -> str:
        args = [f"{k}={v!r}" for k, v in self.hparams.items()]
        if self.rule is not None:
            args.insert(0, f"rule={getattr(self.rule, '__name__', repr(self.rule))}")
        return f"make_optimizer({self.name!r}, {', '.join(args)})"


class _Rule(NamedTuple):
    step: Callable
    state_keys: tuple[str, ...]
    defaults: Mapping[str, float | None]  # None: required


_RULES: Mapping[str, _Rule] = MappingProxyType(
    {
        "sgd": _Rule(sgd_update, (), {"lr": None}),
        "momentum": _Rule(momentum_update, ("v",), {"lr": None, "beta": 0.9}),
        "nesterov": _Rule(nesterov_update, ("v",), {"lr": None, "beta": 0.9}),
        "adagrad": _Rule(adagrad_update, ("cache",), {"lr": None, "eps": 1e-10}),
        "rmsprop": _Rule(rmsprop_update, ("cache",), {"lr": None, "rho": 0.9, "eps": 1e-8}),
        "adam": _Rule(
            adam_update, ("m", "v"), {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
        ),
    }
)

OPTIMIZER_NAMES = tuple(_RULES)
"""Names accepted by ``make_optimizer``."""

HYPERPARAMETERS: Mapping[str, Mapping[str, float | None]] = MappingProxyType(
    {name: MappingProxyType(dict(spec.defaults)) for name, spec in _RULES.items()}
)
"""Each rule's hyperparameters with their defaults (``None``: required), read-only.

The one table the explorers read, e.g. ``HYPERPARAMETERS["rmsprop"]`` is
``{"lr": None, "rho": 0.9, "eps": 1e-8}``; the keys are the keyword arguments of
``make_optimizer`` and of the matching ``<name>_update``.
"""

DECAY: Mapping[str, str | None] = MappingProxyType(
    {
        name: next((k for k in spec.defaults if k not in ("lr", "eps")), None)
        for name, spec in _RULES.items()
    }
)
"""The decay rate that plays the role of momentum's :math:`\\beta` in each rule, or ``None``.

``"beta"`` for momentum and Nesterov, ``"rho"`` for RMSprop, ``"beta1"`` for Adam (its
:math:`\\beta_2` stays separate); SGD and AdaGrad have none. The explorers' one
":math:`\\beta`" control sets it.
"""


def make_optimizer(name: str, rule: Callable | None = None, **hparams: float) -> Optimizer:
    r"""Bind an update rule and its hyperparameters into one ``init`` / ``update`` object.

    Parameters
    ----------
    name : str
        ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``, ``"rmsprop"`` or ``"adam"``
        (case-insensitive).
    rule : callable, optional
        Your own version of the matching ``<name>_update`` with the same signature (for
        example a student's ``momentum_update(w, dw, v, lr, beta=0.9) -> (w, v)``), used in
        place of the reference rule. It is called with copies of the arrays, positional
        arrays first (``w, dw``, the state arrays, then ``t`` for Adam) and the
        hyperparameters as keywords, exactly like the reference.
    **hparams
        The keyword arguments of the matching ``*_update`` function other than the arrays and
        ``t``. ``lr`` is required for every rule except Adam (default ``1e-3``).

    Returns
    -------
    Optimizer
        Immutable. ``init(w)`` returns the state, a dict of zero arrays shaped like ``w``
        (``{}`` for SGD; ``{"v"}`` for momentum and Nesterov; ``{"cache"}`` for AdaGrad and
        RMSprop; ``{"m", "v", "t"}`` for Adam, where ``t`` counts the steps taken so far and
        starts at 0, so the first update uses :math:`t = 1`). ``update(w, dw, state)``
        returns ``(w_new, state_new)`` and never mutates its inputs.

    Raises
    ------
    ValueError
        Unknown name, or a hyperparameter out of range.
    TypeError
        Unknown or missing hyperparameter, or a ``rule`` that is not callable.
    RuleError
        From ``update``: ``rule`` raised (the exception is chained), did not return a tuple of
        the reference's length (``w`` alone for SGD), or returned arrays whose shape is not
        ``w``'s or values that are not numbers.

    Examples
    --------
    >>> opt = make_optimizer("momentum", lr=0.1)
    >>> state = opt.init(np.zeros(2))
    >>> w, state = opt.update(np.zeros(2), np.array([1.0, -2.0]), state)
    >>> w
    array([-0.1,  0.2])
    """
    fn = "make_optimizer"
    if not isinstance(name, str):
        raise TypeError(f"{fn}: name must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    if key not in _RULES:
        raise ValueError(
            f"{fn}: unknown optimizer {name!r}; valid names are {', '.join(OPTIMIZER_NAMES)}"
        )
    if rule is not None and not callable(rule):
        raise TypeError(
            f"{fn}: rule must be a function like {key}_update, got {type(rule).__name__}"
        )
    spec = _RULES[key]
    step = spec.step if rule is None else _checked_rule(rule, key, spec.state_keys)
    unknown = sorted(set(hparams) - set(spec.defaults))
    if unknown:
        raise TypeError(
            f"{fn}: {key!r} got unknown hyperparameter(s) {', '.join(unknown)}; "
            f"it accepts {', '.join(spec.defaults)}"
        )
    bound = {**spec.defaults, **hparams}
    missing = [k for k, v in bound.items() if v is None]
    if missing:
        raise TypeError(f"{fn}: {key!r} needs {', '.join(missing)} (e.g. lr=0.01)")
    # Validate now, so a bad value fails where it was typed rather than at the first step.
    for k, v in bound.items():
        check = _lr if k == "lr" else _eps if k == "eps" else None
        bound[k] = check(v, fn) if check else _decay(v, k, fn)
    frozen = MappingProxyType(bound)

    def init(w: ArrayLike) -> dict[str, np.ndarray | int]:
        w = as_float_array(w, "w", f"{key}.init", finite=True)
        state = {k: np.zeros_like(w) for k in spec.state_keys}
        if key == "adam":
            state["t"] = 0
        return state

    def update(w: ArrayLike, dw: ArrayLike, state: Mapping[str, Any]) -> tuple[np.ndarray, dict]:
        state = _unpack_state(state, spec.state_keys + (("t",) if key == "adam" else ()), key)
        arrays = [state[k] for k in spec.state_keys]
        if key == "adam":
            t = state["t"] + 1
            w, m, v = step(w, dw, *arrays, t, **frozen)
            return w, {"m": m, "v": v, "t": t}
        out = step(w, dw, *arrays, **frozen)
        if not spec.state_keys:
            return out, {}
        w, new = out
        return w, {spec.state_keys[0]: new}

    return Optimizer(key, frozen, init, update, rule)


def _checked_rule(rule: Callable, key: str, state_keys: tuple[str, ...]) -> Callable:
    """Wrap a user's rule: copies in, and every way it can fail turned into a ``RuleError``."""
    label = f"your {key} rule {getattr(rule, '__name__', type(rule).__name__)}"
    names = ("w", *state_keys)
    expected = "w" if not state_keys else f"a tuple ({', '.join(names)})"

    def step(w: ArrayLike, dw: ArrayLike, *args: ArrayLike, **hparams: float) -> np.ndarray | tuple:
        w = np.array(w, dtype=np.float64)
        args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
        try:
            out = rule(w.copy(), np.array(dw, dtype=np.float64), *args, **hparams)
        except Exception as exc:
            raise RuleError(f"{label} raised {type(exc).__name__}: {exc}") from exc
        parts = (out,) if not state_keys else out
        if state_keys and (not isinstance(out, tuple) or len(out) != len(names)):
            got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
            raise RuleError(f"{label} must return {expected}, like {key}_update; it returned {got}")
        arrays = []
        for name, part in zip(names, parts, strict=True):
            try:
                arr = np.asarray(part, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise RuleError(
                    f"{label} returned a {name} that is not an array of numbers "
                    f"({type(part).__name__}: {exc})"
                ) from None
            if arr.shape != w.shape:
                raise RuleError(
                    f"{label} returned {name} of shape {arr.shape}, but w has shape {w.shape}"
                )
            arrays.append(arr)
        return arrays[0] if not state_keys else tuple(arrays)

    return step


def _unpack_state(state: object, keys: tuple[str, ...], name: str) -> Mapping:
    if not isinstance(state, Mapping) or set(state) != set(keys):
        got = sorted(state) if isinstance(state, Mapping) else type(state).__name__
        raise TypeError(
            f"{name}.update: state must be the dict returned by init() or the previous "
            f"update(), with keys {sorted(keys)}; got {got}"
        )
    return state


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
