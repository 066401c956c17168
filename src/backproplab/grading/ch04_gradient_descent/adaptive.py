"""Checks of ch04's per-coordinate update rules that divide by a cache of squared gradients:
AdaGrad and RMSprop (same cases, apart from RMSprop's rho)."""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import Mistakes

from ._shared import _f, _ignored, _normal, _quadratic, _update_rule

# --- adagrad_update -------------------------------------------------------------------------


_ADAGRAD_MISTAKES = Mistakes()


@_ADAGRAD_MISTAKES.add(
    "AdaGrad forgot to accumulate (cache ← g² instead of cache + g²)",
    hint="AdaGrad sums every squared gradient so far: cache = cache + dw**2.",
)
def _adagrad_no_sum(w, dw, cache, lr, eps=1e-10):
    c = _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


@_ADAGRAD_MISTAKES.add(
    "ε inside the square root", hint="ε goes outside the root: dw / (np.sqrt(cache) + eps)."
)
def _adagrad_eps_inside(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c + eps), c


@_ADAGRAD_MISTAKES.add(
    "forgot the square root", hint="Divide by the root of the cache: dw / (np.sqrt(cache) + eps)."
)
def _adagrad_no_sqrt(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (c + eps), c


@_ADAGRAD_MISTAKES.add(
    "stepped with the old cache",
    hint="Add dw**2 to the cache first, then divide by np.sqrt(new cache) + eps.",
)
def _adagrad_old_cache(w, dw, cache, lr, eps=1e-10):
    return _f(w) - lr * _f(dw) / (np.sqrt(_f(cache)) + eps), _f(cache) + _f(dw) ** 2


@_ADAGRAD_MISTAKES.add(
    "accumulated g instead of g²", hint="The cache holds squared gradients: cache = cache + dw**2."
)
def _adagrad_sum_of_g(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw)
    return _f(w) - lr * _f(dw) / (np.sqrt(np.abs(c)) + eps), c


@_ADAGRAD_MISTAKES.add(
    "forgot ε", hint="Add eps outside the root so a zero cache does not divide by zero."
)
def _adagrad_no_eps(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c), c


def _scaled_cases(rule, rng, hidden, hp_extra, default_eps):
    """Cases shared by AdaGrad and RMSprop (same signature apart from rho)."""
    rule.step(
        "vector (5,), cache from earlier steps",
        *_normal(rng, 5, 1, 1),
        rng.uniform(0.1, 2.0, size=5),
        0.01,
    )
    rule.step("scalar, first step (cache = 0)", np.array(1.0), np.array(0.5), np.array(0.0), 0.1)
    rule.step(
        "tiny gradients (1e-6): where ε sits matters", *_normal(rng, 4, 1, 1e-6), np.zeros(4), 0.01
    )
    rule.step(
        "matrix (2, 3), eps = 0.1",
        *_normal(rng, (2, 3), 1, 1),
        rng.uniform(0.0, 1.0, size=(2, 3)),
        0.1,
        eps=0.1,
        **hp_extra,
    )
    rule.bowl(5, (np.zeros(2),), {"lr": 0.5})
    if not hidden:
        return
    rule.step(
        "zero gradient entries with an empty cache",
        np.array([1.0, -2.0, 3.0]),
        np.array([0.0, 0.5, 0.0]),
        np.zeros(3),
        0.1,
    )
    rule.step("Python floats", 0.3, -2.0, 4.0, 0.1)
    rule.step(
        "3-D (2, 2, 2), large gradients",
        *_normal(rng, (2, 2, 2), 1, 1e3),
        1e6 * rng.uniform(size=(2, 2, 2)),
        1e-3,
    )
    rule.step(
        f"default eps = {default_eps:g}, gradients of 1e-5",
        *_normal(rng, 3, 1, 1e-5),
        np.zeros(3),
        1.0,
    )
    rule.steps(
        "15 steps, matrix (3, 2), noisy gradients",
        rng.normal(size=(3, 2)),
        _quadratic(rng.uniform(0.2, 5.0, size=(3, 2)), 0.3 * rng.normal(size=(15, 3, 2))),
        (np.zeros((3, 2)),),
        {"lr": 0.05, **hp_extra},
    )


@_update_rule("adagrad_update", ("w", "cache"), _ADAGRAD_MISTAKES)
def _adagrad(rule, rng, hidden):
    _scaled_cases(rule, rng, hidden, {}, 1e-10)


# --- rmsprop_update -------------------------------------------------------------------------


_RMSPROP_MISTAKES = Mistakes()


@_RMSPROP_MISTAKES.add(
    "(1 − ρ) on the wrong term: cache ← (1 − ρ)·cache + ρ·g²",
    hint="The old average keeps weight rho: cache = rho * cache + (1 - rho) * dw**2.",
)
def _rmsprop_swapped(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = (1 - rho) * _f(cache) + rho * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


@_RMSPROP_MISTAKES.add(
    "forgot the (1 − ρ) factor: cache ← ρ·cache + g²",
    hint="Weight the new squared gradient by (1 - rho): cache = rho * cache + (1 - rho) * dw**2.",
)
def _rmsprop_no_one_minus(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


@_RMSPROP_MISTAKES.add(
    "ε inside the square root", hint="ε goes outside the root: dw / (np.sqrt(cache) + eps)."
)
def _rmsprop_eps_inside(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c + eps), c


@_RMSPROP_MISTAKES.add(
    "a running sum (AdaGrad) instead of a decaying average",
    hint="RMSprop forgets old gradients: cache = rho * cache + (1 - rho) * dw**2.",
)
def _rmsprop_adagrad(w, dw, cache, lr, rho=0.9, eps=1e-8):
    return ref.adagrad_update(w, dw, cache, lr, eps)


@_RMSPROP_MISTAKES.add(
    "stepped with the old cache",
    hint="Update the cache first, then divide by np.sqrt(new cache) + eps.",
)
def _rmsprop_old_cache(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(_f(cache)) + eps), c


@_RMSPROP_MISTAKES.add(
    "forgot the square root", hint="Divide by the root of the cache: dw / (np.sqrt(cache) + eps)."
)
def _rmsprop_no_sqrt(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (c + eps), c


_RMSPROP_MISTAKES.append(_ignored("rmsprop_update", "rho", "ρ"))


@_update_rule("rmsprop_update", ("w", "cache"), _RMSPROP_MISTAKES)
def _rmsprop(rule, rng, hidden):
    _scaled_cases(rule, rng, hidden, {"rho": 0.6}, 1e-8)
    if hidden:
        rule.step(
            "rho = 0 (only the current gradient)",
            *_normal(rng, 4, 1, 1),
            rng.uniform(size=4),
            0.01,
            rho=0.0,
        )
