"""Machinery shared by ch04's update-rule checks: the assignment id; :func:`_update_rule`,
which registers a rule's check and hands its cases a :class:`_Rule` that runs single steps and
sequences of steps fed back the student's own output; random inputs (:func:`_normal`); and
the mistake every rule with a hyperparameter shares, its default used instead (:func:`_ignored`)."""

from __future__ import annotations

import inspect

import numpy as np

from backproplab import optimizers
from trustedgrading.checks import Case, Mistake, check_case, register_custom

_A = "ch04_gradient_descent"


def _f(x):
    return np.asarray(x, dtype=np.float64)


def _normal(rng, shape, *scales):
    """One normal array of ``shape`` per scale (its standard deviation), drawn in order:
    ``_normal(rng, 4, 1, 1e-6)`` gives ``w`` and a tiny ``dw``."""
    return [scale * rng.normal(size=shape) for scale in scales]


class _Rule:
    """The student's update rule against the reference, with the rule's outputs and mistakes."""

    def __init__(self, student, reference, outputs, mistakes):
        self.student, self.reference = student, reference
        self.outputs, self.mistakes = outputs, mistakes

    def step(self, label, *args, **hp):
        """One step on the case ``Case(label, *args, **hp)``; the student's outputs."""
        case = Case(label, *args, **hp)
        return check_case(
            self.student, self.reference, case, outputs=self.outputs, mistakes=self.mistakes
        )

    def steps(self, label, w, grad, state, hp, *, t0=None):
        """Run ``len(grad)`` steps, feeding the student its own w and state back each time.

        ``grad[k](w)`` gives the gradient of step k at the current w (so the path matters);
        ``t0`` is Adam's first step count (None for rules without t).
        """
        n = len(grad)
        for k in range(n):
            t = () if t0 is None else (t0 + k,)
            t_text = "" if t0 is None else f", t = {t0 + k}"
            out = self.step(
                f"{label}: step {k + 1} of {n}{t_text}", w, grad[k](w), *state, *t, **hp
            )
            w, state = _f(out[0]), tuple(_f(s) for s in out[1:])
        return w, state

    def bowl(self, n, state, hp, *, t0=None):
        """``n`` steps on the same elongated bowl for every rule, curvatures 1 and 25."""
        curvature = np.array([1.0, 25.0])
        grad = _quadratic(curvature, np.zeros((n, 2)))
        label = f"{n} steps on a bowl, vector (2,)"
        return self.steps(label, np.array([-3.0, 1.5]), grad, state, hp, t0=t0)


def _update_rule(function, outputs, mistakes):
    """Register ``cases(rule, rng, hidden)`` as the check of ``optimizers.<function>``.

    ``cases`` runs its steps through ``rule`` (a :class:`_Rule`), so each step is compared
    with the reference and a wrong output is matched against ``mistakes``.
    """
    reference = getattr(optimizers, function)

    def decorator(cases):
        @register_custom(f"{_A}.{function}", mistakes=mistakes)
        def check(student, rng, hidden):
            cases(_Rule(student, reference, outputs, mistakes), rng, hidden)

        return cases

    return decorator


def _ignored(function, name, symbol):
    """The mistake of stepping with the default of the hyperparameter ``name`` (written
    ``symbol``) of ``optimizers.<function>`` instead of the value passed."""
    reference = getattr(optimizers, function)
    signature = inspect.signature(reference)
    default = signature.parameters[name].default

    def wrong(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments.pop(name, None)
        return reference(*bound.args, **bound.kwargs)

    return Mistake(
        f"used {symbol} = {default} instead of the {name} argument",
        wrong,
        f"Use the `{name}` argument; {default} is only its default.",
    )


def _quadratic(scale, noise):
    """Gradient functions of a diagonal quadratic plus a fixed noise term per step."""
    return [lambda w, n=n: scale * w + n for n in noise]
