r"""Checks for the ch04_gradient_descent exercise: mini-batches and six optimizer update rules.

The update rules have one right answer, but they carry state from one step to the next, so
each check has two parts:

- single steps on hand-made states (zero state, a state from earlier steps, tiny gradients
  where the place of :math:`\epsilon` shows, scalars, vectors, matrices, non-default
  hyperparameters, Adam at :math:`t = 1` and at large :math:`t`);
- sequences of several steps in which the student's function is fed *its own* previous
  output (``w`` and the state), as a training loop would do. Each step is compared with the
  reference applied to the same inputs, so the message names the first step that goes wrong.

A wrong output is matched against the table of known mistakes on the same inputs.

``iterate_minibatches`` is a custom check: any shuffle that uses ``rng`` is correct, so the
batches are judged by properties (a partition of the examples, the batch sizes, X and y rows
kept together, the same ``rng`` seed giving the same batches and another seed other batches,
``shuffle=False`` keeping the order, ``batch_size=None`` and ``1``).
"""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import (
    Case,
    Mistake,
    call_student,
    check_case,
    fail,
    register_custom,
)

_A = "ch04_gradient_descent"


# --- shared machinery for the update rules ----------------------------------------------------


def _sequence(student, reference, names, mistakes, label, w, grad, state, hp, *, t0=None):
    """Run ``len(grad)`` steps, feeding the student its own w and state back each time.

    ``grad(k, w)`` gives the gradient of step k at the current w (so the path matters);
    ``t0`` is Adam's first step count (None for rules without t).
    """
    steps = len(grad)
    for k in range(steps):
        g = grad[k](w)
        args = (w, g, *state) + (() if t0 is None else (t0 + k,))
        t_text = "" if t0 is None else f", t = {t0 + k}"
        case = Case(f"{label}: step {k + 1} of {steps}{t_text}", *args, **hp)
        out = check_case(student, reference, case, outputs=names, mistakes=mistakes)
        w, state = (
            np.asarray(out[0], dtype=np.float64),
            tuple(np.asarray(s, dtype=np.float64) for s in out[1:]),
        )
    return w, state


def _quadratic(scale, noise):
    """Gradient functions of a diagonal quadratic plus a fixed noise term per step."""
    return [lambda w, n=n: scale * w + n for n in noise]


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


def _f(x):
    return np.asarray(x, dtype=np.float64)


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


# --- adam_update ----------------------------------------------------------------------------


def _adam(
    w,
    dw,
    m,
    v,
    t,
    lr,
    beta1,
    beta2,
    eps,
    *,
    t_offset=0,
    inside=False,
    correct_m=True,
    correct_v=True,
    sqrt=True,
    state="raw",
):
    """A configurable Adam, to build the known mistakes from."""
    g = _f(dw)
    m = beta1 * _f(m) + (1 - beta1) * g
    v = beta2 * _f(v) + (1 - beta2) * g**2
    t = t + t_offset
    m_hat = m / (1 - beta1**t) if correct_m else m
    v_hat = v / (1 - beta2**t) if correct_v else v
    root = np.sqrt(v_hat + eps) if inside else (np.sqrt(v_hat) + eps if sqrt else v_hat + eps)
    w = _f(w) - lr * m_hat / root
    if state == "hat":
        return w, m_hat, v_hat
    return w, m, v


def _adam_mistake(**options):
    def wrong(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam(w, dw, m, v, t, lr, beta1, beta2, eps, **options)

    return wrong


def _adam_swapped_betas(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(w, dw, m, v, t, lr, beta2, beta1, eps)


def _adam_one_minus_swapped(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    g = _f(dw)
    m = (1 - beta1) * _f(m) + beta1 * g
    v = (1 - beta2) * _f(v) + beta2 * g**2
    return _f(w) - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def _adam_fixed_hparams(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return ref.adam_update(w, dw, m, v, t, lr)


_ADAM_MISTAKES = [
    Mistake(
        "Adam without bias correction",
        _adam_mistake(correct_m=False, correct_v=False),
        "Divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step.",
    ),
    Mistake(
        "bias-corrected only m, not v",
        _adam_mistake(correct_v=False),
        "Correct both: v_hat = v / (1 - beta2**t) as well as m_hat = m / (1 - beta1**t).",
    ),
    Mistake(
        "bias-corrected only v, not m",
        _adam_mistake(correct_m=False),
        "Correct both: m_hat = m / (1 - beta1**t) as well as v_hat = v / (1 - beta2**t).",
    ),
    Mistake(
        "bias correction with t counted from 0 (used t + 1)",
        _adam_mistake(t_offset=1),
        "t is already this step's 1-based count (t = 1 on the first step): use beta1**t.",
    ),
    Mistake(
        "bias correction with t - 1",
        _adam_mistake(t_offset=-1),
        "t is already this step's 1-based count (t = 1 on the first step): use beta1**t; "
        "with t - 1 the first step divides by 1 - beta1**0 = 0.",
    ),
    Mistake(
        "ε inside the square root",
        _adam_mistake(inside=True),
        "ε goes outside the root: m_hat / (np.sqrt(v_hat) + eps).",
    ),
    Mistake(
        "forgot the square root of v̂",
        _adam_mistake(sqrt=False),
        "Divide by np.sqrt(v_hat) + eps.",
    ),
    Mistake(
        "returned the bias-corrected m̂ and v̂ as the new state",
        _adam_mistake(state="hat"),
        "Return the raw running averages m and v; the corrected ones are only for the step.",
    ),
    Mistake(
        "swapped beta1 and beta2",
        _adam_swapped_betas,
        "m (the gradients) decays with beta1 = 0.9, v (the squares) with beta2 = 0.999.",
    ),
    Mistake(
        "(1 − β) on the wrong term of the running averages",
        _adam_one_minus_swapped,
        "The old average keeps weight beta: m = beta1 * m + (1 - beta1) * dw.",
    ),
    Mistake(
        "used the default beta1, beta2, eps instead of the arguments",
        _adam_fixed_hparams,
        "Use the `beta1`, `beta2` and `eps` arguments; 0.9, 0.999 and 1e-8 are only defaults.",
    ),
]


@register_custom(f"{_A}.adam_update", mistakes=_ADAM_MISTAKES)
def _adam_check(student, rng, hidden):
    r, names, mistakes = ref.adam_update, ("w", "m", "v"), _ADAM_MISTAKES

    def one(case):
        check_case(student, r, case, outputs=names, mistakes=mistakes)

    one(
        Case(
            "scalar, first step (t = 1, m = v = 0)",
            np.array(1.0),
            np.array(0.5),
            np.array(0.0),
            np.array(0.0),
            1,
        )
    )
    one(
        Case(
            "vector (4,), t = 1, lr = 0.1",
            rng.normal(size=4),
            rng.normal(size=4),
            np.zeros(4),
            np.zeros(4),
            1,
            lr=0.1,
        )
    )
    one(
        Case(
            "matrix (2, 3), t = 5, m and v from earlier steps",
            rng.normal(size=(2, 3)),
            rng.normal(size=(2, 3)),
            0.3 * rng.normal(size=(2, 3)),
            rng.uniform(0.01, 0.5, size=(2, 3)),
            5,
            lr=0.01,
        )
    )
    one(
        Case(
            "tiny gradients (1e-6), t = 1: where ε sits matters",
            rng.normal(size=3),
            1e-6 * rng.normal(size=3),
            np.zeros(3),
            np.zeros(3),
            1,
            lr=0.01,
            eps=1e-4,
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
        (np.zeros(2), np.zeros(2)),
        {"lr": 0.1},
        t0=1,
    )
    if not hidden:
        return
    one(
        Case(
            "large t = 1000 (v still corrected: 1 - 0.999**1000 = 0.63)",
            rng.normal(size=5),
            rng.normal(size=5),
            0.2 * rng.normal(size=5),
            rng.uniform(0.1, 1.0, size=5),
            1000,
            lr=0.01,
        )
    )
    one(
        Case(
            "very large t = 10**6 (no correction left)",
            rng.normal(size=(3, 2)),
            rng.normal(size=(3, 2)),
            0.2 * rng.normal(size=(3, 2)),
            rng.uniform(0.1, 1.0, size=(3, 2)),
            10**6,
            lr=1e-3,
        )
    )
    one(
        Case(
            "beta1 = 0.5, beta2 = 0.9, eps = 0.01, t = 3",
            rng.normal(size=4),
            rng.normal(size=4),
            0.1 * rng.normal(size=4),
            rng.uniform(0.0, 0.2, size=4),
            3,
            lr=0.05,
            beta1=0.5,
            beta2=0.9,
            eps=0.01,
        )
    )
    one(Case("Python floats, t = 2", 0.5, -2.0, -0.2, 0.4, 2, lr=0.1))
    one(
        Case(
            "zero gradient entries at t = 1",
            np.array([1.0, 2.0, 3.0]),
            np.array([0.0, 1.0, 0.0]),
            np.zeros(3),
            np.zeros(3),
            1,
        )
    )
    one(
        Case(
            "3-D (2, 2, 3), large gradients, t = 10",
            rng.normal(size=(2, 2, 3)),
            1e3 * rng.normal(size=(2, 2, 3)),
            1e2 * rng.normal(size=(2, 2, 3)),
            1e5 * rng.uniform(size=(2, 2, 3)),
            10,
            lr=1e-3,
        )
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "20 steps, matrix (2, 2), noisy gradients, from t = 1",
        rng.normal(size=(2, 2)),
        _quadratic(np.array([[1.0, 10.0], [0.1, 3.0]]), 0.5 * rng.normal(size=(20, 2, 2))),
        (np.zeros((2, 2)), np.zeros((2, 2))),
        {"lr": 0.05, "beta1": 0.8, "beta2": 0.99},
        t0=1,
    )
    _sequence(
        student,
        r,
        names,
        mistakes,
        "5 steps continuing from t = 500",
        rng.normal(size=3),
        _quadratic(np.array([2.0, 0.5, 1.0]), 0.1 * rng.normal(size=(5, 3))),
        (0.1 * rng.normal(size=3), rng.uniform(0.1, 1.0, size=3)),
        {"lr": 0.01},
        t0=500,
    )


# --- iterate_minibatches --------------------------------------------------------------------


def _batches(student, X, y, batch_size, rng, shuffle, case, **kwargs):
    """Call the student's function and collect its batches as a list of (X_b, y_b)."""
    pass_shuffle = {} if shuffle is None else {"shuffle": shuffle}

    def collect(X, y, batch_size, rng, **options):
        return list(student(X, y, batch_size, rng, **options))

    got = call_student(collect, X, y, batch_size, rng, case=case, **pass_shuffle)
    for i, item in enumerate(got):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            fail(
                f"iterate_minibatches must yield pairs (X_batch, y_batch); item {i} is "
                f'{type(item).__name__} on case "{case}".'
            )
        for name, value, full in (("X_batch", item[0], X), ("y_batch", item[1], y)):
            if type(value) is not np.ndarray:
                fail(
                    f"iterate_minibatches yielded {name} as a {type(value).__name__} in batch "
                    f'{i + 1} on case "{case}"; yield NumPy arrays (index X and y with an '
                    "array of indices)."
                )
            if value.shape[1:] != full.shape[1:] or value.dtype != full.dtype:
                fail(
                    f"iterate_minibatches yielded {name} of shape {value.shape} and dtype "
                    f'{value.dtype} in batch {i + 1} on case "{case}"; each batch keeps the '
                    f"other axes and the dtype of the input ({full.shape[1:]}, {full.dtype})."
                )
        if len(item[0]) != len(item[1]):
            fail(
                f"iterate_minibatches yielded batch {i + 1} with {len(item[0])} rows of X but "
                f'{len(item[1])} of y on case "{case}".'
            )
    return [(b[0], b[1]) for b in got]


def _ids(X, y, batches, case):
    """Example ids of each batch; fail if X and y rows were separated."""
    ids = []
    for i, (X_b, y_b) in enumerate(batches):
        from_x = X_b.reshape(len(X_b), -1)[:, 0].astype(np.int64)
        from_y = y_b.reshape(len(y_b), -1)[:, 0].astype(np.int64)
        if not np.array_equal(from_x, from_y):
            fail(
                f'In batch {i + 1} on case "{case}", the rows of X_batch and y_batch belong to '
                "different examples: shuffle X and y with the same permutation (index both "
                "with the same index array)."
            )
        ids.append(from_x)
    return ids


def _expect_partition(ids, N, sizes, case):
    got_sizes = [len(b) for b in ids]
    if got_sizes != sizes:
        shown = got_sizes if len(got_sizes) <= 12 else [*got_sizes[:6], "...", *got_sizes[-3:]]
        expected = sizes if len(sizes) <= 12 else [*sizes[:6], "...", *sizes[-3:]]
        hint = ""
        if sum(got_sizes) < N:
            hint = " The last, smaller batch is missing: keep the remainder as a final batch."
        elif len(got_sizes) == 1 and len(sizes) > 1:
            hint = " Cut the examples into consecutive chunks of batch_size."
        fail(
            f'iterate_minibatches gave batches of sizes {shown} on case "{case}", expected '
            f"{expected}.{hint}"
        )
    flat = np.concatenate(ids) if ids else np.array([], dtype=np.int64)
    if not np.array_equal(np.sort(flat), np.arange(N)):
        repeated = len(flat) - len(np.unique(flat))
        fail(
            f'On case "{case}", the batches do not use each example exactly once ({repeated} '
            "repeated): shuffle one permutation of all N indices, then cut it into batches "
            "(do not draw each batch at random)."
        )
    return flat


def _data(N, rng, *, shape=(3,), y_kind="int"):
    """X whose first column is the example id; y the same id (int) or an id column."""
    X = rng.normal(size=(N, *shape))
    X.reshape(N, -1)[:, 0] = np.arange(N)
    if y_kind == "int":
        y = np.arange(N)
    else:
        y = np.zeros((N, 2))
        y[:, 0] = np.arange(N)
        y[:, 1] = rng.normal(size=N)
    return X, y


def _minibatch_run(student, X, y, B, seed, shuffle, case, sizes):
    rng = None if seed is None else np.random.default_rng(seed)
    batches = _batches(student, X, y, B, rng, shuffle, case)
    order = _expect_partition(_ids(X, y, batches, case), len(X), sizes, case)
    for X_b, _ in batches:
        ids = X_b.reshape(len(X_b), -1)[:, 0].astype(np.int64)
        if not np.array_equal(X_b, X[ids]):
            fail(f'On case "{case}", a batch of X holds values that are not rows of X.')
    return order


def _expect_shuffled(student, X, y, B, case, sizes):
    first = _minibatch_run(student, X, y, B, 11, None, case, sizes)
    again = _minibatch_run(student, X, y, B, 11, True, case + " (same seed again)", sizes)
    if np.array_equal(first, np.arange(len(X))):
        fail(
            f'On case "{case}" (shuffle=True, the default), the examples came out in their '
            "original order: shuffle them with rng (e.g. idx = rng.permutation(N))."
        )
    if not np.array_equal(first, again):
        fail(
            f'On case "{case}", two calls with generators seeded alike gave different batches: '
            "draw the shuffle from the rng argument (rng.permutation), not from np.random."
        )
    other = _minibatch_run(student, X, y, B, 12, True, case + " (another seed)", sizes)
    if np.array_equal(first, other):
        fail(
            f'On case "{case}", generators with different seeds gave the same batches: draw '
            "the shuffle from the rng argument, not from a generator of your own."
        )


def _sizes(N, B):
    B = N if B is None else min(B, N)
    return [B] * (N // B) + ([N % B] if N % B else [])


def _minibatch_dropped_last(X, y, batch_size, rng, shuffle=True):
    idx = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    B = len(X) if batch_size is None else batch_size
    for start in range(0, len(X) - B + 1, B):
        yield X[idx[start : start + B]], y[idx[start : start + B]]


def _minibatch_separate_shuffles(X, y, batch_size, rng, shuffle=True):
    ix = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    iy = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    B = len(X) if batch_size is None else batch_size
    for start in range(0, len(X), B):
        yield X[ix[start : start + B]], y[iy[start : start + B]]


def _minibatch_global_rng(X, y, batch_size, rng, shuffle=True):
    # The mistake itself: the global generator instead of rng.
    idx = np.random.permutation(len(X)) if shuffle else np.arange(len(X))  # noqa: NPY002
    B = len(X) if batch_size is None else batch_size
    for start in range(0, len(X), B):
        yield X[idx[start : start + B]], y[idx[start : start + B]]


def _minibatch_with_replacement(X, y, batch_size, rng, shuffle=True):
    B = len(X) if batch_size is None else batch_size
    for _ in range(-(-len(X) // B)):
        idx = rng.integers(0, len(X), size=min(B, len(X)))
        yield X[idx], y[idx]


_MINIBATCH_MISTAKES = [
    Mistake(
        "dropped the last, smaller batch",
        _minibatch_dropped_last,
        "1,000 examples at 256 give 256, 256, 256 and a last batch of 232.",
    ),
    Mistake(
        "shuffled X and y with separate permutations",
        _minibatch_separate_shuffles,
        "Draw one permutation and index X and y with it, so rows stay paired.",
    ),
    Mistake(
        "shuffled with np.random instead of rng",
        _minibatch_global_rng,
        "Use the rng argument (rng.permutation), so the batches are reproducible.",
    ),
    Mistake(
        "drew every batch at random (with replacement)",
        _minibatch_with_replacement,
        "An epoch uses each example once: permute once, then cut into batches.",
    ),
]


@register_custom(f"{_A}.iterate_minibatches", mistakes=_MINIBATCH_MISTAKES)
def _iterate_minibatches(student, rng, hidden):
    X, y = _data(1000, rng)
    _expect_shuffled(student, X, y, 256, "1,000 examples, batch_size = 256", [256, 256, 256, 232])
    case = "10 examples, batch_size = 4, shuffle = False"
    X10, y10 = _data(10, rng)
    order = _minibatch_run(student, X10, y10, 4, 5, False, case, [4, 4, 2])
    if not np.array_equal(order, np.arange(10)):
        fail(f'On case "{case}", the batches must keep the original order: {order.tolist()}.')
    _minibatch_run(student, X10, y10, None, 5, True, "10 examples, batch_size = None", [10])
    _expect_shuffled(student, X10, y10, 1, "10 examples, batch_size = 1 (SGD)", [1] * 10)
    if not hidden:
        return
    Xi, yi = _data(30, rng, shape=(1, 2, 2))
    _expect_shuffled(student, Xi, yi, 8, "30 images (N, 1, 2, 2), batch_size = 8", _sizes(30, 8))
    Xo, yo = _data(17, rng, y_kind="rows")
    _expect_shuffled(
        student, Xo, yo, 5, "17 examples, y of shape (17, 2), batch_size = 5", _sizes(17, 5)
    )
    _minibatch_run(student, X10, y10, 32, 3, True, "10 examples, batch_size = 32 > N", [10])
    Xp, yp = _data(12, rng)
    order = _minibatch_run(
        student, Xp, yp, 12, 3, False, "12 examples, batch_size = 12, shuffle = False", [12]
    )
    if not np.array_equal(order, np.arange(12)):
        fail("With shuffle=False and one batch, the batch must hold the examples in order.")
    Xs, ys = _data(1, rng)
    _minibatch_run(student, Xs, ys, 4, 3, True, "a single example", [1])
    case = "7 examples, batch_size = 3, shuffle = False, rng = None"
    X7, y7 = _data(7, rng)
    order = _minibatch_run(student, X7, y7, 3, None, False, case, [3, 3, 1])
    if not np.array_equal(order, np.arange(7)):
        fail(f'On case "{case}", the batches must keep the original order: {order.tolist()}.')
    _expect_shuffled(student, X, y, 100, "1,000 examples, batch_size = 100", [100] * 10)
