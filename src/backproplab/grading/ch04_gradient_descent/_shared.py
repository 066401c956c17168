"""Machinery shared by ch04's update-rule checks: the assignment id, float conversion, and
sequences of steps in which the student's function is fed its own previous output."""

from __future__ import annotations

import numpy as np

from trustedgrading.checks import Case, check_case

_A = "ch04_gradient_descent"


def _f(x):
    return np.asarray(x, dtype=np.float64)


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
