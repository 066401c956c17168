r"""Checks for the ch08_dead_relu exercise: measuring dead units, leaky ReLU's backward pass,
and a one-layer experiment that kills units and rescues them.

``kill_and_rescue`` is not in ``backproplab``: the exercise defines it (see
:func:`kill_and_rescue` below, the reference), and it is deterministic, so it is compared
value by value like the others.

The hand-made cases hold the kink: a unit whose pre-activation is exactly 0 on every example
is dead (:math:`z \le 0`), and leaky ReLU's slope at :math:`x = 0` is :math:`\alpha`. The
shapes are non-square, so a mean over the wrong axis gives a different number.
"""

from __future__ import annotations

import numpy as np

from backproplab import diagnostics, layers
from trustedgrading.checks import Case, Mistake, register

_A = "ch08_dead_relu"


# --- dead_relu_fraction ---------------------------------------------------------------------


_HAND_Z = np.array(
    [
        # unit 0 dead (negative), unit 1 dead (exactly 0 everywhere), unit 2 alive on one
        # example only, unit 3 alive everywhere, unit 4 dead (0 and negative)
        [-1.0, 0.0, -2.0, 0.5, 0.0],
        [-0.5, 0.0, 3.0, 1.0, -1.0],
        [-2.0, 0.0, -0.1, 2.0, -3.0],
    ]
)


def _dead_cases(rng, hidden):
    yield Case("3 examples x 5 units, 3 dead (one is exactly 0 everywhere)", _HAND_Z.copy())
    yield Case("a single example (N = 1)", np.array([[0.3, -0.2, 0.0, 1.5]]))
    yield Case("all units alive", np.abs(rng.normal(0.0, 1.0, size=(4, 6))) + 0.1)
    if hidden:
        yield Case("all units dead", -np.abs(rng.normal(0.0, 1.0, size=(5, 3))))
        yield Case("a single unit (M = 1) that fires once", np.array([[-1.0], [0.0], [1e-9]]))
        yield Case("all zeros: every unit dead", np.zeros((6, 4)))
        for n, m in [(20, 7), (3, 50), (100, 16)]:
            z = rng.normal(0.0, 1.0, size=(n, m)) - rng.uniform(0.0, 4.0, size=m)
            z[:, rng.integers(0, m)] = 0.0  # one unit sits exactly on the kink
            yield Case(f"random ({n}, {m}) with shifted units", z)


register(
    f"{_A}.dead_relu_fraction",
    reference=diagnostics.dead_relu_fraction,
    cases=_dead_cases,
    outputs=("fraction",),
    mistakes=[
        Mistake(
            "z < 0 instead of z <= 0",
            lambda z: np.mean(np.all(z < 0, axis=0)),
            "A unit whose pre-activation is exactly 0 outputs 0 and gets gradient 0: it is dead "
            "too. Test z <= 0.",
        ),
        Mistake(
            "the fraction of zero outputs, not of dead units",
            lambda z: np.mean(z <= 0),
            "A unit is dead only if it is <= 0 for EVERY example: use np.all(z <= 0, axis=0) "
            "per unit, then the mean over units.",
        ),
        Mistake(
            "np.all over the wrong axis (over units instead of examples)",
            lambda z: np.mean(np.all(z <= 0, axis=1)),
            "Rows are examples and columns are units: np.all(..., axis=0) asks 'is this unit "
            "off for every example?'.",
        ),
        Mistake(
            "np.any instead of np.all: units that are off for some example",
            lambda z: np.mean(np.any(z <= 0, axis=0)),
            "A unit that fires for even one example is alive: use np.all over the examples.",
        ),
        Mistake(
            "the number of dead units instead of the fraction",
            lambda z: np.sum(np.all(z <= 0, axis=0)),
            "Divide by the number of units M (or use np.mean).",
        ),
        Mistake(
            "the fraction of ALIVE units",
            lambda z: np.mean(np.any(z > 0, axis=0)),
            "Return the share of dead units: 1 minus what you computed.",
        ),
    ],
)


# --- leaky_relu_backward --------------------------------------------------------------------


def _leaky_cases(rng, hidden):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, -1e-3]])
    yield Case("x with the kink x = 0, alpha = 0.1", rng.normal(0, 1, (2, 3)), (x.copy(), 0.1))
    yield Case(
        "a (4, 5) batch, alpha = 0.01", rng.normal(0, 1, (4, 5)), (rng.normal(0, 2, (4, 5)), 0.01)
    )
    yield Case("dout = 1: the local slope itself, alpha = 0.2", np.ones((2, 3)), (x.copy(), 0.2))
    if hidden:
        yield Case(
            "alpha = 0 (plain ReLU)", rng.normal(0, 1, (3, 4)), (rng.normal(0, 2, (3, 4)), 0.0)
        )
        yield Case(
            "a single example (1, 6), alpha = 0.3",
            rng.normal(0, 1, (1, 6)),
            (rng.normal(0, 2, (1, 6)), 0.3),
        )
        yield Case("all x = 0, alpha = 0.05", rng.normal(0, 1, (2, 2)), (np.zeros((2, 2)), 0.05))
        yield Case(
            "a 3-D input (2, 3, 4), alpha = 0.1",
            rng.normal(0, 1, (2, 3, 4)),
            (rng.normal(0, 2, (2, 3, 4)), 0.1),
        )
        yield Case(
            "huge |x| = 1e6, alpha = 0.01",
            rng.normal(0, 1, (2, 2)),
            (np.array([[-1e6, 1e6], [1e6, -1e6]]), 0.01),
        )
        for shape in [(7, 3), (5,)]:
            yield Case(
                f"random {shape}, alpha = 0.02",
                rng.normal(0, 3, shape),
                (rng.normal(0, 2, shape), 0.02),
            )


register(
    f"{_A}.leaky_relu_backward",
    reference=layers.leaky_relu_backward,
    cases=_leaky_cases,
    outputs=("dx",),
    mistakes=[
        Mistake(
            "slope 1 at x = 0 (x >= 0 instead of x > 0)",
            lambda dout, cache: dout * np.where(cache[0] >= 0, 1.0, cache[1]),
            "At the kink x = 0 leaky ReLU uses the left slope alpha: test x > 0.",
        ),
        Mistake(
            "the slopes swapped: alpha for x > 0 and 1 for x <= 0",
            lambda dout, cache: dout * np.where(cache[0] > 0, cache[1], 1.0),
            "The leak is on the negative side: slope 1 for x > 0, alpha otherwise.",
        ),
        Mistake(
            "dout is not multiplied in (only the local slope)",
            lambda dout, cache: np.where(cache[0] > 0, 1.0, cache[1]) + 0 * dout,
            "Chain rule: dx = dout * (local slope).",
        ),
        Mistake(
            "the plain ReLU backward (slope 0 for x <= 0)",
            lambda dout, cache: dout * (cache[0] > 0),
            "Leaky ReLU passes alpha * dout for x <= 0: that is the whole point.",
        ),
        Mistake(
            "the slope chosen by the sign of dout instead of x",
            lambda dout, cache: dout * np.where(dout > 0, 1.0, cache[1]),
            "The slope depends on the forward input x (cache[0]), not on the gradient.",
        ),
        Mistake(
            "alpha fixed at 0.01 instead of the cached alpha",
            lambda dout, cache: dout * np.where(cache[0] > 0, 1.0, 0.01),
            "Use the alpha stored in the cache: x, alpha = cache.",
        ),
        Mistake(
            "multiplied by the forward output instead of the slope",
            lambda dout, cache: dout * np.where(cache[0] > 0, cache[0], cache[1] * cache[0]),
            "The derivative of leaky ReLU is 1 or alpha, not the output itself.",
        ),
    ],
)


# --- kill_and_rescue ------------------------------------------------------------------------


def kill_and_rescue(x, W, b, dW, db, lr, small_lr, bias):
    r"""The reference for the exercise's experiment on one dense + ReLU layer.

    Returns the dead fraction of the layer's units on ``x`` (pre-activations
    :math:`z = xW + b`) in four situations, as an array of shape (4,):

    0. before any update;
    1. after one SGD step with the large learning rate:
       :math:`W_1 = W - \eta\, dW`, :math:`b_1 = b - \eta\, db`;
    2. after the same step with ``small_lr`` instead of ``lr``;
    3. after the large step, rescued: ``bias`` added to every bias, :math:`b_1 + \text{bias}`.
    """
    fractions = []
    for W_, b_ in _situations(W, b, dW, db, lr, small_lr, bias):
        z, _ = layers.dense_forward(x, W_, b_)
        fractions.append(diagnostics.dead_relu_fraction(z))
    return np.array(fractions)


def _situations(W, b, dW, db, lr, small_lr, bias):
    """The layer's (W, b) in the four situations of ``kill_and_rescue``, in its order."""
    return [
        (W, b),
        (W - lr * dW, b - lr * db),
        (W - small_lr * dW, b - small_lr * db),
        (W - lr * dW, b - lr * db + bias),
    ]


def _hand_layer():
    # 4 examples with non-negative inputs (like pixels), 3 features, 5 units
    x = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [1.0, 1.0, 0.0], [0.5, 0.5, 1.0]])
    W = np.array(
        [
            [0.5, -0.2, 0.3, 0.1, 0.4],
            [0.2, 0.6, -0.1, 0.3, 0.1],
            [0.1, 0.2, 0.4, -0.2, 0.3],
        ]
    )
    b = np.zeros(5)
    # the gradient pushes units 0, 2 and 4 down hard, units 1 and 3 gently
    dW = np.array(
        [
            [0.3, 0.01, 0.2, -0.02, 0.25],
            [0.2, -0.01, 0.3, 0.01, 0.3],
            [0.25, 0.02, 0.2, 0.0, 0.2],
        ]
    )
    db = np.array([0.2, 0.0, 0.1, 0.01, 0.15])
    return x, W, b, dW, db


def _layer(rng, n, d, m, push):
    x = np.maximum(rng.normal(0.5, 1.0, size=(n, d)), 0.0)
    W = rng.normal(0.0, np.sqrt(2.0 / d), size=(d, m))
    b = rng.normal(0.0, 0.1, size=m)
    dW = np.abs(rng.normal(0.0, push, size=(d, m))) * (rng.random(m) < 0.6)
    db = np.abs(rng.normal(0.0, push, size=m))
    return x, W, b, dW, db


def _half_rescue_bias(x, W, b, dW, db, lr):
    """A bias that revives about half of the units the large step killed (none exactly at 0)."""
    peaks = np.max(x @ (W - lr * dW) + b - lr * db, axis=0)
    depths = np.sort(-peaks[peaks <= 0])
    if depths.size < 2:
        return 1.0
    k = depths.size // 2
    return float((depths[k - 1] + depths[k]) / 2)


def _kill_cases(rng, hidden):
    layer = _hand_layer()
    yield Case(
        "hand-made layer (4 examples, 5 units), lr 10 vs 0.1",
        *layer,
        10.0,
        0.1,
        _half_rescue_bias(*layer, 10.0),
    )
    yield Case("hand-made layer, lr 4 vs 0.5, bias 3", *layer, 4.0, 0.5, 3.0)
    layer = _layer(rng, 20, 5, 8, 1.0)
    yield Case(
        "random layer (20 examples, 8 units), lr 5 vs 0.05",
        *layer,
        5.0,
        0.05,
        _half_rescue_bias(*layer, 5.0),
    )
    if hidden:
        x, W, b, dW, db = _hand_layer()
        yield Case(
            "a single example (N = 1), lr 10 vs 0.1, bias 2", x[:1], W, b, dW, db, 10.0, 0.1, 2.0
        )
        yield Case("bias = 0 (no rescue), lr 6 vs 1", x, W, b, dW, db, 6.0, 1.0, 0.0)
        for n, d, m in [(30, 6, 12), (12, 4, 40), (50, 10, 7)]:
            layer = _layer(rng, n, d, m, 0.8)
            lr = float(rng.uniform(2, 20))
            yield Case(
                f"random layer ({n} examples, {d} inputs, {m} units)",
                *layer,
                lr,
                float(rng.uniform(0.01, 0.2)),
                _half_rescue_bias(*layer, lr),
            )


def _dead(z):
    return np.mean(np.all(z <= 0, axis=0))


def _wrong_step_sign(x, W, b, dW, db, lr, small_lr, bias):
    return np.array(
        [
            _dead(x @ W + b),
            _dead(x @ (W + lr * dW) + b + lr * db),
            _dead(x @ (W + small_lr * dW) + b + small_lr * db),
            _dead(x @ (W + lr * dW) + b + lr * db + bias),
        ]
    )


def _no_bias_step(x, W, b, dW, db, lr, small_lr, bias):
    return np.array(
        [
            _dead(x @ W + b),
            _dead(x @ (W - lr * dW) + b),
            _dead(x @ (W - small_lr * dW) + b),
            _dead(x @ (W - lr * dW) + b + bias),
        ]
    )


def _same_lr(x, W, b, dW, db, lr, small_lr, bias):
    return kill_and_rescue(x, W, b, dW, db, lr, lr, bias)


def _rescue_minus(x, W, b, dW, db, lr, small_lr, bias):
    return kill_and_rescue(x, W, b, dW, db, lr, small_lr, -bias)


def _no_rescue(x, W, b, dW, db, lr, small_lr, bias):
    return kill_and_rescue(x, W, b, dW, db, lr, small_lr, 0.0)


def _strict(x, W, b, dW, db, lr, small_lr, bias):
    situations = _situations(W, b, dW, db, lr, small_lr, bias)
    return np.array([np.mean(np.all(x @ W_ + b_ < 0, axis=0)) for W_, b_ in situations])


register(
    f"{_A}.kill_and_rescue",
    reference=kill_and_rescue,
    cases=_kill_cases,
    outputs=("fractions",),
    mistakes=[
        Mistake(
            "the update goes uphill: W + lr * dW",
            _wrong_step_sign,
            "Gradient descent steps against the gradient: W - lr * dW and b - lr * db.",
        ),
        Mistake(
            "the bias is not updated by the step",
            _no_bias_step,
            "One SGD step updates both W and b: b - lr * db.",
        ),
        Mistake(
            "the small learning rate is not used for entry 2",
            _same_lr,
            "Entry 2 is the same step with small_lr instead of lr.",
        ),
        Mistake(
            "the rescue lowers the bias instead of raising it",
            _rescue_minus,
            "Rescue by adding the positive bias: b - lr * db + bias.",
        ),
        Mistake(
            "no rescue applied in entry 3",
            _no_rescue,
            "Entry 3 is the large step followed by adding `bias` to every bias.",
        ),
        Mistake(
            "dead measured with z < 0 instead of z <= 0",
            _strict,
            "A unit at exactly 0 for every example is dead too: use z <= 0 (your "
            "dead_relu_fraction does it).",
        ),
    ],
)
