"""Checks of ch04's per-coordinate update rules that divide by a cache of squared gradients:
AdaGrad and RMSprop (same cases, apart from RMSprop's rho)."""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import Case, Mistake, check_case, register_custom

from ._shared import _A, _f, _quadratic, _sequence

# --- adagrad_update -------------------------------------------------------------------------


def _adagrad_no_sum(w, dw, cache, lr, eps=1e-10):
    c = _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


def _adagrad_eps_inside(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c + eps), c


def _adagrad_no_sqrt(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (c + eps), c


def _adagrad_old_cache(w, dw, cache, lr, eps=1e-10):
    return _f(w) - lr * _f(dw) / (np.sqrt(_f(cache)) + eps), _f(cache) + _f(dw) ** 2


def _adagrad_sum_of_g(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw)
    return _f(w) - lr * _f(dw) / (np.sqrt(np.abs(c)) + eps), c


def _adagrad_no_eps(w, dw, cache, lr, eps=1e-10):
    c = _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c), c


_ADAGRAD_MISTAKES = [
    Mistake(
        "AdaGrad forgot to accumulate (cache ← g² instead of cache + g²)",
        _adagrad_no_sum,
        "AdaGrad sums every squared gradient so far: cache = cache + dw**2.",
    ),
    Mistake(
        "ε inside the square root",
        _adagrad_eps_inside,
        "ε goes outside the root: dw / (np.sqrt(cache) + eps).",
    ),
    Mistake(
        "forgot the square root",
        _adagrad_no_sqrt,
        "Divide by the root of the cache: dw / (np.sqrt(cache) + eps).",
    ),
    Mistake(
        "stepped with the old cache",
        _adagrad_old_cache,
        "Add dw**2 to the cache first, then divide by np.sqrt(new cache) + eps.",
    ),
    Mistake(
        "accumulated g instead of g²",
        _adagrad_sum_of_g,
        "The cache holds squared gradients: cache = cache + dw**2.",
    ),
    Mistake(
        "forgot ε",
        _adagrad_no_eps,
        "Add eps outside the root so a zero cache does not divide by zero.",
    ),
]


def _scaled_cases(student, r, names, mistakes, rng, hidden, hp_extra, default_eps):
    """Cases shared by AdaGrad and RMSprop (same signature apart from rho)."""

    def one(case):
        check_case(student, r, case, outputs=names, mistakes=mistakes)

    one(
        Case(
            "vector (5,), cache from earlier steps",
            rng.normal(size=5),
            rng.normal(size=5),
            rng.uniform(0.1, 2.0, size=5),
            0.01,
        )
    )
    one(Case("scalar, first step (cache = 0)", np.array(1.0), np.array(0.5), np.array(0.0), 0.1))
    one(
        Case(
            "tiny gradients (1e-6): where ε sits matters",
            rng.normal(size=4),
            1e-6 * rng.normal(size=4),
            np.zeros(4),
            0.01,
        )
    )
    one(
        Case(
            "matrix (2, 3), eps = 0.1",
            rng.normal(size=(2, 3)),
            rng.normal(size=(2, 3)),
            rng.uniform(0.0, 1.0, size=(2, 3)),
            0.1,
            eps=0.1,
            **hp_extra,
        )
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "5 steps on a bowl, vector (2,)",
        np.array([-3.0, 1.5]),
        _quadratic(np.array([1.0, 25.0]), np.zeros((5, 2))),
        (np.zeros(2),),
        {"lr": 0.5},
    )
    if not hidden:
        return
    one(
        Case(
            "zero gradient entries with an empty cache",
            np.array([1.0, -2.0, 3.0]),
            np.array([0.0, 0.5, 0.0]),
            np.zeros(3),
            0.1,
        )
    )
    one(Case("Python floats", 0.3, -2.0, 4.0, 0.1))
    one(
        Case(
            "3-D (2, 2, 2), large gradients",
            rng.normal(size=(2, 2, 2)),
            1e3 * rng.normal(size=(2, 2, 2)),
            1e6 * rng.uniform(size=(2, 2, 2)),
            1e-3,
        )
    )
    one(
        Case(
            f"default eps = {default_eps:g}, gradients of 1e-5",
            rng.normal(size=3),
            1e-5 * rng.normal(size=3),
            np.zeros(3),
            1.0,
        )
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "15 steps, matrix (3, 2), noisy gradients",
        rng.normal(size=(3, 2)),
        _quadratic(rng.uniform(0.2, 5.0, size=(3, 2)), 0.3 * rng.normal(size=(15, 3, 2))),
        (np.zeros((3, 2)),),
        {"lr": 0.05, **hp_extra},
    )


@register_custom(f"{_A}.adagrad_update", mistakes=_ADAGRAD_MISTAKES)
def _adagrad(student, rng, hidden):
    _scaled_cases(
        student,
        ref.adagrad_update,
        ("w", "cache"),
        _ADAGRAD_MISTAKES,
        rng,
        hidden,
        {},
        1e-10,
    )


# --- rmsprop_update -------------------------------------------------------------------------


def _rmsprop_swapped(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = (1 - rho) * _f(cache) + rho * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


def _rmsprop_no_one_minus(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(c) + eps), c


def _rmsprop_eps_inside(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / np.sqrt(c + eps), c


def _rmsprop_adagrad(w, dw, cache, lr, rho=0.9, eps=1e-8):
    return ref.adagrad_update(w, dw, cache, lr, eps)


def _rmsprop_old_cache(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (np.sqrt(_f(cache)) + eps), c


def _rmsprop_no_sqrt(w, dw, cache, lr, rho=0.9, eps=1e-8):
    c = rho * _f(cache) + (1 - rho) * _f(dw) ** 2
    return _f(w) - lr * _f(dw) / (c + eps), c


def _rmsprop_fixed_rho(w, dw, cache, lr, rho=0.9, eps=1e-8):
    return ref.rmsprop_update(w, dw, cache, lr, 0.9, eps)


_RMSPROP_MISTAKES = [
    Mistake(
        "(1 − ρ) on the wrong term: cache ← (1 − ρ)·cache + ρ·g²",
        _rmsprop_swapped,
        "The old average keeps weight rho: cache = rho * cache + (1 - rho) * dw**2.",
    ),
    Mistake(
        "forgot the (1 − ρ) factor: cache ← ρ·cache + g²",
        _rmsprop_no_one_minus,
        "Weight the new squared gradient by (1 - rho): cache = rho * cache + (1 - rho) * dw**2.",
    ),
    Mistake(
        "ε inside the square root",
        _rmsprop_eps_inside,
        "ε goes outside the root: dw / (np.sqrt(cache) + eps).",
    ),
    Mistake(
        "a running sum (AdaGrad) instead of a decaying average",
        _rmsprop_adagrad,
        "RMSprop forgets old gradients: cache = rho * cache + (1 - rho) * dw**2.",
    ),
    Mistake(
        "stepped with the old cache",
        _rmsprop_old_cache,
        "Update the cache first, then divide by np.sqrt(new cache) + eps.",
    ),
    Mistake(
        "forgot the square root",
        _rmsprop_no_sqrt,
        "Divide by the root of the cache: dw / (np.sqrt(cache) + eps).",
    ),
    Mistake(
        "used ρ = 0.9 instead of the rho argument",
        _rmsprop_fixed_rho,
        "Use the `rho` argument; 0.9 is only its default.",
    ),
]


@register_custom(f"{_A}.rmsprop_update", mistakes=_RMSPROP_MISTAKES)
def _rmsprop(student, rng, hidden):
    _scaled_cases(
        student,
        ref.rmsprop_update,
        ("w", "cache"),
        _RMSPROP_MISTAKES,
        rng,
        hidden,
        {"rho": 0.6},
        1e-8,
    )
    if hidden:
        check_case(
            student,
            ref.rmsprop_update,
            Case(
                "rho = 0 (only the current gradient)",
                rng.normal(size=4),
                rng.normal(size=4),
                rng.uniform(size=4),
                0.01,
                rho=0.0,
            ),
            outputs=("w", "cache"),
            mistakes=_RMSPROP_MISTAKES,
        )
