"""Checks of ch04's Adam update: single steps (t = 1, large t, non-default hyperparameters)
and sequences of steps, with the known mistakes built from one configurable Adam."""

from __future__ import annotations

import numpy as np

from backproplab import optimizers as ref
from trustedgrading.checks import Mistake, Mistakes

from ._shared import _f, _normal, _quadratic, _update_rule

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


_ADAM_MISTAKES = Mistakes(
    [
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
    ]
)


@_ADAM_MISTAKES.add(
    "swapped beta1 and beta2",
    hint="m (the gradients) decays with beta1 = 0.9, v (the squares) with beta2 = 0.999.",
)
def _adam_swapped_betas(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(w, dw, m, v, t, lr, beta2, beta1, eps)


@_ADAM_MISTAKES.add(
    "(1 − β) on the wrong term of the running averages",
    hint="The old average keeps weight beta: m = beta1 * m + (1 - beta1) * dw.",
)
def _adam_one_minus_swapped(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    g = _f(dw)
    m = (1 - beta1) * _f(m) + beta1 * g
    v = (1 - beta2) * _f(v) + beta2 * g**2
    return _f(w) - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


@_ADAM_MISTAKES.add(
    "used the default beta1, beta2, eps instead of the arguments",
    hint="Use the `beta1`, `beta2` and `eps` arguments; 0.9, 0.999 and 1e-8 are only defaults.",
)
def _adam_fixed_hparams(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return ref.adam_update(w, dw, m, v, t, lr)


@_update_rule("adam_update", ("w", "m", "v"), _ADAM_MISTAKES)
def _adam_check(rule, rng, hidden):
    rule.step(
        "scalar, first step (t = 1, m = v = 0)",
        np.array(1.0),
        np.array(0.5),
        np.array(0.0),
        np.array(0.0),
        1,
    )
    rule.step(
        "vector (4,), t = 1, lr = 0.1", *_normal(rng, 4, 1, 1), np.zeros(4), np.zeros(4), 1, lr=0.1
    )
    rule.step(
        "matrix (2, 3), t = 5, m and v from earlier steps",
        *_normal(rng, (2, 3), 1, 1, 0.3),
        rng.uniform(0.01, 0.5, size=(2, 3)),
        5,
        lr=0.01,
    )
    rule.step(
        "tiny gradients (1e-6), t = 1: where ε sits matters",
        *_normal(rng, 3, 1, 1e-6),
        np.zeros(3),
        np.zeros(3),
        1,
        lr=0.01,
        eps=1e-4,
    )
    rule.bowl(6, (np.zeros(2), np.zeros(2)), {"lr": 0.1}, t0=1)
    if not hidden:
        return
    rule.step(
        "large t = 1000 (v still corrected: 1 - 0.999**1000 = 0.63)",
        *_normal(rng, 5, 1, 1, 0.2),
        rng.uniform(0.1, 1.0, size=5),
        1000,
        lr=0.01,
    )
    rule.step(
        "very large t = 10**6 (no correction left)",
        *_normal(rng, (3, 2), 1, 1, 0.2),
        rng.uniform(0.1, 1.0, size=(3, 2)),
        10**6,
        lr=1e-3,
    )
    rule.step(
        "beta1 = 0.5, beta2 = 0.9, eps = 0.01, t = 3",
        *_normal(rng, 4, 1, 1, 0.1),
        rng.uniform(0.0, 0.2, size=4),
        3,
        lr=0.05,
        beta1=0.5,
        beta2=0.9,
        eps=0.01,
    )
    rule.step("Python floats, t = 2", 0.5, -2.0, -0.2, 0.4, 2, lr=0.1)
    rule.step(
        "zero gradient entries at t = 1",
        np.array([1.0, 2.0, 3.0]),
        np.array([0.0, 1.0, 0.0]),
        np.zeros(3),
        np.zeros(3),
        1,
    )
    rule.step(
        "3-D (2, 2, 3), large gradients, t = 10",
        *_normal(rng, (2, 2, 3), 1, 1e3, 1e2),
        1e5 * rng.uniform(size=(2, 2, 3)),
        10,
        lr=1e-3,
    )
    rule.steps(
        "20 steps, matrix (2, 2), noisy gradients, from t = 1",
        rng.normal(size=(2, 2)),
        _quadratic(np.array([[1.0, 10.0], [0.1, 3.0]]), 0.5 * rng.normal(size=(20, 2, 2))),
        (np.zeros((2, 2)), np.zeros((2, 2))),
        {"lr": 0.05, "beta1": 0.8, "beta2": 0.99},
        t0=1,
    )
    rule.steps(
        "5 steps continuing from t = 500",
        rng.normal(size=3),
        _quadratic(np.array([2.0, 0.5, 1.0]), 0.1 * rng.normal(size=(5, 3))),
        (0.1 * rng.normal(size=3), rng.uniform(0.1, 1.0, size=3)),
        {"lr": 0.01},
        t0=500,
    )
