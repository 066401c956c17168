r"""Optimizers: the update rules of ``update_rules`` and one object that runs any of them.

The six rules (``sgd_update``, ``momentum_update``, ``nesterov_update``, ``adagrad_update``,
``rmsprop_update``, ``adam_update``) are defined, with their equations, in
``backproplab.update_rules`` and importable from here.

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
from backproplab._validate import as_float_array
from backproplab.update_rules import (
    _decay,
    _eps,
    _lr,
    adagrad_update,
    adam_update,
    momentum_update,
    nesterov_update,
    rmsprop_update,
    sgd_update,
)

__all__ = [
    "DECAY",
    "HYPERPARAMETERS",
    "OPTIMIZER_NAMES",
    "Optimizer",
    "RuleError",
    "adagrad_update",
    "adam_update",
    "make_optimizer",
    "momentum_update",
    "nesterov_update",
    "rmsprop_update",
    "sgd_update",
]


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
