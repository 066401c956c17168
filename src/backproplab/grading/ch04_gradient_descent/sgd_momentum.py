"""Checks of ch04's first update rules: plain SGD, momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import Mistake, Mistakes

from ._shared import _f, _ignored, _normal, _quadratic, _update_rule

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


@_update_rule("sgd_update", ("w",), _SGD_MISTAKES)
def _sgd(rule, rng, hidden):
    rule.step("scalar: w = 1, dw = 0.5, lr = 0.1", np.array(1.0), np.array(0.5), 0.1)
    rule.step("vector (5,)", *_normal(rng, 5, 1, 1), 0.01)
    rule.step("matrix (3, 4), lr = 0.5", *_normal(rng, (3, 4), 1, 1), 0.5)
    rule.steps(
        "5 steps on a bowl, vector (3,)",
        np.array([2.0, -1.0, 0.5]),
        _quadratic(np.array([1.0, 4.0, 0.5]), np.zeros((5, 3))),
        (),
        {"lr": 0.1},
    )
    if not hidden:
        return
    rule.step("Python floats: w = -2.0, dw = 3.0, lr = 0.25", -2.0, 3.0, 0.25)
    rule.step("zero gradient (w must not move)", rng.normal(size=(2, 3)), np.zeros((2, 3)), 0.1)
    rule.step("3-D (2, 3, 4), lr = 1e-3", *_normal(rng, (2, 3, 4), 1, 1), 1e-3)
    rule.step("large gradient, lr = 1e-4", *_normal(rng, 6, 1, 1e4), 1e-4)
    rule.steps(
        "10 steps on a (2, 2) bowl with noisy gradients",
        rng.normal(size=(2, 2)),
        _quadratic(np.array([[1.0, 2.0], [3.0, 0.5]]), 0.1 * rng.normal(size=(10, 2, 2))),
        (),
        {"lr": 0.2},
    )


# --- momentum_update ------------------------------------------------------------------------


_MOMENTUM_MISTAKES = Mistakes()


@_MOMENTUM_MISTAKES.add(
    "mixed sign conventions: v ← βv − ηg with w ← w + v",
    hint="This exercise keeps v as a sum of gradients: v = beta * v + dw, then w = w - lr * v.",
)
def _momentum_other_convention(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) - lr * _f(dw)
    return _f(w) + v, v


@_MOMENTUM_MISTAKES.add(
    "velocity with the wrong sign (v ← βv − g)",
    hint="Add the gradient to the velocity: v = beta * v + dw, then w = w - lr * v.",
)
def _momentum_minus_g(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) - _f(dw)
    return _f(w) - lr * v, v


@_MOMENTUM_MISTAKES.add(
    "stepped with the old velocity",
    hint="Update v first (v = beta * v + dw), then step with the new v.",
)
def _momentum_old_v(w, dw, v, lr, beta=0.9):
    return _f(w) - lr * _f(v), beta * _f(v) + _f(dw)


@_MOMENTUM_MISTAKES.add(
    "averaged the velocity, v ← βv + (1 − β)g",
    hint="Momentum sums the gradients without the (1 - beta) factor: v = beta * v + dw.",
)
def _momentum_ema(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) + (1 - beta) * _f(dw)
    return _f(w) - lr * v, v


_MOMENTUM_MISTAKES.append(_ignored("momentum_update", "beta", "β"))


@_MOMENTUM_MISTAKES.add(
    "put the learning rate inside the velocity (v ← βv + ηg)",
    hint="Keep lr out of v: v = beta * v + dw, then w = w - lr * v.",
)
def _momentum_lr_in_v(w, dw, v, lr, beta=0.9):
    v = beta * _f(v) + lr * _f(dw)
    return _f(w) - v, v


def _velocity_cases(rule, rng, hidden):
    """Cases shared by momentum and Nesterov (same signature)."""
    rule.step("vector (4,), v from earlier steps", *_normal(rng, 4, 1, 1, 1), 0.05)
    rule.step("scalar, first step (v = 0)", np.array(1.0), np.array(0.5), np.array(0.0), 0.05)
    rule.step(
        "matrix (3, 2), v from earlier steps, beta = 0.5",
        *_normal(rng, (3, 2), 1, 1, 1),
        0.1,
        beta=0.5,
    )
    rule.bowl(6, (np.zeros(2),), {"lr": 0.01})
    if not hidden:
        return
    rule.step("Python floats, beta = 0.99", 0.5, -1.0, 2.0, 0.01, beta=0.99)
    rule.step("beta = 0 (plain gradient descent)", *_normal(rng, 5, 1, 1, 1), 0.1, beta=0.0)
    rule.step(
        "3-D (2, 2, 3), zero gradient, v = 1",
        rng.normal(size=(2, 2, 3)),
        np.zeros((2, 2, 3)),
        np.ones((2, 2, 3)),
        0.1,
    )
    rule.steps(
        "12 steps, matrix (2, 3), noisy gradients, beta = 0.8",
        rng.normal(size=(2, 3)),
        _quadratic(rng.uniform(0.5, 3.0, size=(2, 3)), 0.2 * rng.normal(size=(12, 2, 3))),
        (np.zeros((2, 3)),),
        {"lr": 0.05, "beta": 0.8},
    )


_update_rule("momentum_update", ("w", "v"), _MOMENTUM_MISTAKES)(_velocity_cases)


# --- nesterov_update ------------------------------------------------------------------------


_NESTEROV_MISTAKES = Mistakes()


@_NESTEROV_MISTAKES.add(
    "Nesterov computed as plain momentum (w ← w − ηv)",
    hint="Nesterov's step looks ahead: w = w - lr * (dw + beta * v) with the new v.",
)
def _nesterov_as_momentum(w, dw, v, lr, beta=0.9):
    return ref.momentum_update(w, dw, v, lr, beta)


@_NESTEROV_MISTAKES.add(
    "subtracted the gradient in the look-ahead",
    hint="The step is lr * (dw + beta * v): both terms point uphill, so both are subtracted.",
)
def _nesterov_minus(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) + _f(dw)
    return _f(w) - lr * (beta * v_new - _f(dw)), v_new


@_NESTEROV_MISTAKES.add(
    "decayed the velocity twice in the look-ahead",
    hint="One factor beta: w = w - lr * (dw + beta * v).",
)
def _nesterov_double_beta(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) + _f(dw)
    return _f(w) - lr * (_f(dw) + beta * beta * v_new), v_new


_NESTEROV_MISTAKES.append(_ignored("nesterov_update", "beta", "β"))


@_NESTEROV_MISTAKES.add(
    "mixed sign conventions: v ← βv − ηg",
    hint="This exercise keeps v as a sum of gradients: v = beta * v + dw.",
)
def _nesterov_other_convention(w, dw, v, lr, beta=0.9):
    v_new = beta * _f(v) - lr * _f(dw)
    return _f(w) + beta * v_new - lr * _f(dw), v_new


_update_rule("nesterov_update", ("w", "v"), _NESTEROV_MISTAKES)(_velocity_cases)
