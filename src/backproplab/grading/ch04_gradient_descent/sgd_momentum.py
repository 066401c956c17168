"""Checks of ch04's first update rules: plain SGD, momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import Case, Mistake, check_case, register_custom

from ._shared import _A, _f, _quadratic, _sequence

# --- sgd_update ---------------------------------------------------------------------------------


_SGD_MISTAKES = [
    Mistake(
        "stepped uphill (w + lr * dw)",
        lambda w, dw, lr: np.asarray(w, float) + lr * np.asarray(dw, float),
        "The gradient points uphill; step against it: w - lr * dw.",
    ),
    Mistake(
        "forgot the learning rate (w - dw)",
        lambda w, dw, lr: np.asarray(w, float) - np.asarray(dw, float),
        "Scale the gradient by lr: w - lr * dw.",
    ),
    Mistake(
        "divided by the learning rate (w - dw / lr)",
        lambda w, dw, lr: np.asarray(w, float) - np.asarray(dw, float) / lr,
        "Multiply the gradient by lr: w - lr * dw.",
    ),
    Mistake(
        "returned the step (-lr * dw) instead of the new weights",
        lambda w, dw, lr: -lr * np.asarray(dw, float),
        "Return the updated weights w - lr * dw, not only the change.",
    ),
]


@register_custom(f"{_A}.sgd_update", mistakes=_SGD_MISTAKES)
def _sgd(student, rng, hidden):
    r, names = ref.sgd_update, ("w",)

    def one(case):
        check_case(student, r, case, outputs=names, mistakes=_SGD_MISTAKES)

    one(Case("scalar: w = 1, dw = 0.5, lr = 0.1", np.array(1.0), np.array(0.5), 0.1))
    one(Case("vector (5,)", rng.normal(size=5), rng.normal(size=5), 0.01))
    one(Case("matrix (3, 4), lr = 0.5", rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.5))
    _sequence(
        student,
        r,
        names,
        _SGD_MISTAKES,
        "5 steps on a bowl, vector (3,)",
        np.array([2.0, -1.0, 0.5]),
        _quadratic(np.array([1.0, 4.0, 0.5]), np.zeros((5, 3))),
        (),
        {"lr": 0.1},
    )
    if not hidden:
        return
    one(Case("Python floats: w = -2.0, dw = 3.0, lr = 0.25", -2.0, 3.0, 0.25))
    one(Case("zero gradient (w must not move)", rng.normal(size=(2, 3)), np.zeros((2, 3)), 0.1))
    one(
        Case(
            "3-D (2, 3, 4), lr = 1e-3", rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4)), 1e-3
        )
    )
    one(Case("large gradient, lr = 1e-4", rng.normal(size=6), 1e4 * rng.normal(size=6), 1e-4))
    _sequence(
        student,
        r,
        names,
        _SGD_MISTAKES,
        "10 steps on a (2, 2) bowl with noisy gradients",
        rng.normal(size=(2, 2)),
        _quadratic(np.array([[1.0, 2.0], [3.0, 0.5]]), 0.1 * rng.normal(size=(10, 2, 2))),
        (),
        {"lr": 0.2},
    )


# --- momentum_update ------------------------------------------------------------------------


def _momentum_other_convention(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) - lr * _f(dw)
    return _f(w) + v, v


def _momentum_minus_g(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) - _f(dw)
    return _f(w) - lr * v, v


def _momentum_old_v(w, dw, v, lr, beta=0.9):
    return _f(w) - lr * _f(v), beta * _f(v) + _f(dw)


def _momentum_ema(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) + (1 - beta) * _f(dw)
    return _f(w) - lr * v, v


def _momentum_fixed_beta(w, dw, v, lr, beta=0.9):
    return ref.momentum_update(w, dw, v, lr, 0.9)


def _momentum_lr_in_v(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) + lr * _f(dw)
    return _f(w) - v, v


_MOMENTUM_MISTAKES = [
    Mistake(
        "mixed sign conventions: v ← βv − ηg with w ← w + v",
        _momentum_other_convention,
        "This exercise keeps v as a sum of gradients: v = beta * v + dw, then w = w - lr * v.",
    ),
    Mistake(
        "velocity with the wrong sign (v ← βv − g)",
        _momentum_minus_g,
        "Add the gradient to the velocity: v = beta * v + dw, then w = w - lr * v.",
    ),
    Mistake(
        "stepped with the old velocity",
        _momentum_old_v,
        "Update v first (v = beta * v + dw), then step with the new v.",
    ),
    Mistake(
        "averaged the velocity, v ← βv + (1 − β)g",
        _momentum_ema,
        "Momentum sums the gradients without the (1 - beta) factor: v = beta * v + dw.",
    ),
    Mistake(
        "used β = 0.9 instead of the beta argument",
        _momentum_fixed_beta,
        "Use the `beta` argument; 0.9 is only its default.",
    ),
    Mistake(
        "put the learning rate inside the velocity (v ← βv + ηg)",
        _momentum_lr_in_v,
        "Keep lr out of v: v = beta * v + dw, then w = w - lr * v.",
    ),
]


def _velocity_cases(student, r, mistakes, rng, hidden):
    names = ("w", "v")

    def one(case):
        check_case(student, r, case, outputs=names, mistakes=mistakes)

    one(
        Case(
            "vector (4,), v from earlier steps",
            rng.normal(size=4),
            rng.normal(size=4),
            rng.normal(size=4),
            0.05,
        )
    )
    one(Case("scalar, first step (v = 0)", np.array(1.0), np.array(0.5), np.array(0.0), 0.05))
    one(
        Case(
            "matrix (3, 2), v from earlier steps, beta = 0.5",
            rng.normal(size=(3, 2)),
            rng.normal(size=(3, 2)),
            rng.normal(size=(3, 2)),
            0.1,
            beta=0.5,
        )
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "6 steps on a bowl, vector (2,)",
        np.array([-3.0, 1.5]),
        _quadratic(np.array([1.0, 25.0]), np.zeros((6, 2))),
        (np.zeros(2),),
        {"lr": 0.01},
    )
    if not hidden:
        return
    one(Case("Python floats, beta = 0.99", 0.5, -1.0, 2.0, 0.01, beta=0.99))
    one(
        Case(
            "beta = 0 (plain gradient descent)",
            rng.normal(size=5),
            rng.normal(size=5),
            rng.normal(size=5),
            0.1,
            beta=0.0,
        )
    )
    one(
        Case(
            "3-D (2, 2, 3), zero gradient, v = 1",
            rng.normal(size=(2, 2, 3)),
            np.zeros((2, 2, 3)),
            np.ones((2, 2, 3)),
            0.1,
        )
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "12 steps, matrix (2, 3), noisy gradients, beta = 0.8",
        rng.normal(size=(2, 3)),
        _quadratic(rng.uniform(0.5, 3.0, size=(2, 3)), 0.2 * rng.normal(size=(12, 2, 3))),
        (np.zeros((2, 3)),),
        {"lr": 0.05, "beta": 0.8},
    )


@register_custom(f"{_A}.momentum_update", mistakes=_MOMENTUM_MISTAKES)
def _momentum(student, rng, hidden):
    _velocity_cases(student, ref.momentum_update, _MOMENTUM_MISTAKES, rng, hidden)


# --- nesterov_update ------------------------------------------------------------------------


def _nesterov_as_momentum(w, dw, v, lr, beta=0.9):
    return ref.momentum_update(w, dw, v, lr, beta)


def _nesterov_minus(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) + _f(dw)
    return _f(w) - lr * (beta * v_new - _f(dw)), v_new


def _nesterov_double_beta(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) + _f(dw)
    return _f(w) - lr * (_f(dw) + beta * beta * v_new), v_new


def _nesterov_fixed_beta(w, dw, v, lr, beta=0.9):
    return ref.nesterov_update(w, dw, v, lr, 0.9)


def _nesterov_other_convention(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) - lr * _f(dw)
    return _f(w) + beta * v_new - lr * _f(dw), v_new


_NESTEROV_MISTAKES = [
    Mistake(
        "Nesterov computed as plain momentum (w ← w − ηv)",
        _nesterov_as_momentum,
        "Nesterov's step looks ahead: w = w - lr * (dw + beta * v) with the new v.",
    ),
    Mistake(
        "subtracted the gradient in the look-ahead",
        _nesterov_minus,
        "The step is lr * (dw + beta * v): both terms point uphill, so both are subtracted.",
    ),
    Mistake(
        "decayed the velocity twice in the look-ahead",
        _nesterov_double_beta,
        "One factor beta: w = w - lr * (dw + beta * v).",
    ),
    Mistake(
        "used β = 0.9 instead of the beta argument",
        _nesterov_fixed_beta,
        "Use the `beta` argument; 0.9 is only its default.",
    ),
    Mistake(
        "mixed sign conventions: v ← βv − ηg",
        _nesterov_other_convention,
        "This exercise keeps v as a sum of gradients: v = beta * v + dw.",
    ),
]


@register_custom(f"{_A}.nesterov_update", mistakes=_NESTEROV_MISTAKES)
def _nesterov(student, rng, hidden):
    _velocity_cases(student, ref.nesterov_update, _NESTEROV_MISTAKES, rng, hidden)
