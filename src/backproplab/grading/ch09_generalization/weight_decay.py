r"""Checks of ch09's L2 weight decay: ``l2_penalty(params, lam) -> penalty`` and
``l2_grad(params, lam) -> grads``.

A parameter is a weight, and is decayed, when its key starts with ``"W"`` (``W1``, ``W2``, a
conv layer's 4-D ``W1``); biases, ``gamma`` and ``beta`` are not:

.. math::
    \text{penalty} = \frac{\lambda}{2} \sum_{\text{weights } W} \lVert W \rVert^2, \qquad
    \frac{\partial\, \text{penalty}}{\partial W} = \lambda W, \qquad
    \frac{\partial\, \text{penalty}}{\partial b} = 0.

The first visible case is small enough to do by hand, and on it every known mistake of
``l2_penalty`` gives a different number; the parameter sets cover MLPs, a CNN, batch norm's
``gamma``/``beta``, keys out of order, more than nine layers and a set with no weights at all.
``l2_grad`` returns a dict, so its check compares key by key (same keys as ``params``; zeros
for what is not decayed).
"""

from __future__ import annotations

import copy
import itertools

import numpy as np

from backproplab import regularization
from trustedgrading.checks import (
    Case,
    Mistake,
    call_student,
    describe,
    expect_close,
    fail,
)

from ._shared import _compared, _each_case


def _mlp(rng, sizes, *, batch_norm=False):
    """An MLP's parameters; with batch norm, a gamma and a beta after each hidden layer."""
    params = {}
    for l, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
        params[f"W{l}"] = rng.normal(0.0, 1.0, size=(fan_in, fan_out))
        params[f"b{l}"] = rng.normal(0.0, 1.0, size=fan_out)
        if batch_norm and l < len(sizes) - 1:
            params[f"gamma{l}"] = rng.uniform(0.5, 1.5, size=fan_out)
            params[f"beta{l}"] = rng.normal(0.0, 1.0, size=fan_out)
    return params


def _cases(rng, hidden):
    yield Case(
        "by hand: W1 = [[1, 2], [3, -4]], b1 = [10, -10], lam = 0.1",
        {"W1": np.array([[1.0, 2.0], [3.0, -4.0]]), "b1": np.array([10.0, -10.0])},
        0.1,
    )
    yield Case(
        "an MLP [5, 4, 3, 2] with batch norm (gamma1, beta1, gamma2, beta2), lam = 0.01",
        _mlp(rng, [5, 4, 3, 2], batch_norm=True),
        0.01,
    )
    yield Case("lam = 0: no penalty", _mlp(rng, [3, 2]), 0.0)
    if hidden:
        cnn = {
            "W1": rng.normal(size=(4, 1, 3, 3)),
            "b1": rng.normal(size=4),
            "W2": rng.normal(size=(36, 10)),
            "b2": rng.normal(size=10),
        }
        yield Case("a CNN: a conv filter W1 (4, 1, 3, 3), then W2 (36, 10), lam = 5e-4", cnn, 5e-4)
        yield Case("an MLP [6, 4, 3] without batch norm, lam = 0.1", _mlp(rng, [6, 4, 3]), 0.1)
        yield Case("only biases: nothing to decay", {"b1": rng.normal(size=3)}, 0.5)
        mlp = _mlp(rng, [4, 3, 2])
        yield Case(
            "keys in another order (b2, W2, b1, W1), lam = 0.2",
            {k: mlp[k] for k in ["b2", "W2", "b1", "W1"]},
            0.2,
        )
        yield Case("12 layers (W10, W11, W12 too), lam = 1e-3", _mlp(rng, [3] * 13), 1e-3)
        yield Case("a single weight matrix, lam = 10", {"W1": rng.normal(size=(8, 3))}, 10.0)
        yield Case(
            "large weights (1e3), lam = 1e-4",
            {k: 1e3 * v for k, v in _mlp(rng, [4, 4, 2]).items()},
            1e-4,
        )


# A known mistake is the reference with a wrong lam or sign, or a rule of its own that decays
# another set of parameters (``decayed(key)``) or sums something other than the squares.


def _is_weight(key):
    return key.startswith("W")


def _not_a_bias(key):
    return not key.startswith("b")


# --- l2_penalty ---------------------------------------------------------------------------


def _penalty(params, lam, *, decayed=_is_weight, term=lambda W: np.sum(W**2)):
    return 0.5 * lam * sum(term(v) for key, v in params.items() if decayed(key))


_PENALTY_MISTAKES = [
    Mistake(
        "the 1/2 is missing: lam * sum ||W||^2",
        lambda params, lam: 2 * regularization.l2_penalty(params, lam),
        "The penalty is lam / 2 * sum ||W||^2: the 1/2 makes its gradient simply lam * W.",
    ),
    Mistake(
        "the biases are decayed too",
        lambda params, lam: _penalty(params, lam, decayed=lambda key: True),
        "Only the weights (keys starting with 'W') are penalised: a bias only shifts a unit's "
        "threshold and does not make the function any less smooth, so it is not decayed.",
    ),
    Mistake(
        "every parameter but the biases is decayed (gamma and beta too)",
        lambda params, lam: _penalty(params, lam, decayed=_not_a_bias),
        "Decay exactly the weights, the keys that start with 'W'; batch norm's gamma and beta "
        "are not weights.",
    ),
    Mistake(
        "the norms are not squared: lam / 2 * sum ||W||",
        lambda params, lam: _penalty(params, lam, term=lambda W: np.sqrt(np.sum(W**2))),
        "Sum the SQUARED entries: np.sum(W ** 2) is ||W||^2.",
    ),
    Mistake(
        "the mean of the squares instead of their sum",
        lambda params, lam: _penalty(params, lam, term=lambda W: np.mean(W**2)),
        "||W||^2 is the sum of all squared entries: np.sum(W ** 2), not np.mean.",
    ),
    Mistake(
        "absolute values instead of squares (an L1 penalty)",
        lambda params, lam: _penalty(params, lam, term=lambda W: np.sum(np.abs(W))),
        "L2 weight decay squares the weights: np.sum(W ** 2).",
    ),
    Mistake(
        "lam is missing",
        lambda params, lam: regularization.l2_penalty(params, 1.0),
        "Multiply by the regularisation strength lam: penalty = lam / 2 * sum ||W||^2.",
    ),
    Mistake(
        "only the first layer's weights are penalised",
        lambda params, lam: _penalty(params, lam, decayed=lambda key: key == "W1"),
        "Sum over every weight matrix: W1, W2, ... (every key that starts with 'W').",
    ),
]

_compared(regularization, "l2_penalty", _cases, _PENALTY_MISTAKES, output="penalty")


# --- l2_grad ------------------------------------------------------------------------------


def _grad(params, lam, decayed):
    return {key: lam * v if decayed(key) else np.zeros_like(v) for key, v in params.items()}


_GRAD_MISTAKES = [
    Mistake(
        "the gradient is 2 * lam * W",
        lambda params, lam: regularization.l2_grad(params, 2 * lam),
        "The derivative of lam / 2 * ||W||^2 is lam * W: the 1/2 cancels the 2.",
    ),
    Mistake(
        "the gradient is lam / 2 * W",
        lambda params, lam: regularization.l2_grad(params, lam / 2),
        "Differentiate: d/dW (lam / 2 * W^2) = lam * W.",
    ),
    Mistake(
        "every parameter but the biases is decayed (gamma and beta too)",
        lambda params, lam: _grad(params, lam, _not_a_bias),
        "Decay exactly the weights, the keys that start with 'W'; batch norm's gamma and beta "
        "are not weights: their gradient here is zeros.",
    ),
    Mistake(
        "the biases are decayed too: grads['b'] = lam * b",
        lambda params, lam: _grad(params, lam, lambda key: True),
        "The penalty does not contain the biases, so its gradient with respect to a bias is 0: "
        "return np.zeros_like(b) for every key that does not start with 'W'.",
    ),
    Mistake(
        "the sign is flipped: -lam * W",
        lambda params, lam: {k: -g for k, g in regularization.l2_grad(params, lam).items()},
        "This is the gradient of the penalty, +lam * W; the optimizer subtracts it, which is "
        "what shrinks the weights.",
    ),
    Mistake(
        "lam is missing: grads['W'] = W",
        lambda params, lam: regularization.l2_grad(params, 1.0),
        "Multiply by the regularisation strength: lam * W.",
    ),
]


def _check_keys(got, params, case):
    if not isinstance(got, dict):
        fail(
            f"l2_grad should return a dict with the keys of params ({', '.join(params)}), but "
            f'returned {describe(got)} on case "{case.label}".'
        )
    keys = list(params)
    missing = [k for k in keys if k not in got]
    extra = [k for k in got if k not in keys]
    if not (missing or extra):
        return
    hint = ""
    if missing and not any(str(k).startswith("W") for k in missing):
        hint = (
            " Return zeros (np.zeros_like(b)) for the parameters that are not decayed: the "
            "training loop adds grads[key] to the gradient of every parameter."
        )
    elif any(str(k).startswith("d") for k in extra):
        hint = " Use the parameter names as keys ('W1', not 'dW1'), like params."
    fail(
        f'l2_grad returned the keys {sorted(map(str, got))} on case "{case.label}"; expected '
        f"exactly the keys of params, {keys}.{hint}"
    )


@_each_case("l2_grad", _cases, _GRAD_MISTAKES)
def _l2_grad(student, case):
    params, lam = case.args
    expected = regularization.l2_grad(copy.deepcopy(params), lam)
    got = call_student(student, *case.args, case=case.label)
    _check_keys(got, params, case)
    for key in params:
        expect_close(
            got[key],
            expected[key],
            what=f"grads['{key}']",
            case=case.label,
            mistakes=((m, m.fn(copy.deepcopy(params), lam)[key]) for m in _GRAD_MISTAKES),
            inputs={"lam": lam},
        )
