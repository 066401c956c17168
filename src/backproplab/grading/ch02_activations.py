r"""Checks for the ch02_activations exercise: each activation, its derivative, and softmax.

Every elementwise check runs on the kink and the centre (:math:`z = 0`), on huge inputs
(:math:`|z| = 1000`, where a naive :math:`e^{z}` overflows), on a small batch, and (hidden) on
random arrays of several shapes. The known mistakes are the usual ones: a derivative applied
to the wrong quantity (``z`` instead of :math:`\sigma(z)`), a missing square, the value at the
kink, the leak on the wrong side, and a softmax over the wrong axis or without the max shift.
"""

from __future__ import annotations

import numpy as np

from backproplab import activations as ref
from trustedgrading.checks import Case, Mistake, register

_A = "ch02_activations"
_EDGES = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
_ALPHAS = (0.1, 0.01, 0.002)


def _elementwise_cases(rng, hidden):
    """Cases shared by every elementwise activation and derivative."""
    yield Case("z = [-1000, -30, -1, 0, 1, 30, 1000]", _EDGES.copy())
    yield Case("z = 0", np.array(0.0))
    yield Case("a (2, 3) batch", rng.normal(0.0, 3.0, size=(2, 3)))
    if hidden:
        yield Case("a single z = -2.5 (0-d array)", np.array(-2.5))
        yield Case("tiny |z| near the kink", np.array([-1e-12, -1e-300, 0.0, 1e-300, 1e-12]))
        for shape in [(7,), (3, 4), (2, 3, 5)]:
            yield Case(f"random {shape}", rng.normal(0.0, 10.0, size=shape))
        yield Case("a (4, 1) column", rng.normal(0.0, 2.0, size=(4, 1)))


def _leaky_cases(rng, hidden):
    yield Case("z = [-1000, -30, -1, 0, 1, 30, 1000], alpha = 0.1", _EDGES.copy(), alpha=0.1)
    yield Case("z = 0 (default alpha)", np.array(0.0))
    batch = rng.normal(0.0, 3.0, size=(2, 3))
    # Both signs whatever the draw, so a wrong default alpha shows on every seed.
    batch[0, 0], batch[1, 0] = -1.0 - abs(batch[0, 0]), 1.0 + abs(batch[1, 0])
    yield Case("a (2, 3) batch (default alpha = 0.01)", batch)
    if hidden:
        yield Case("z = [-2, 0, 3] with alpha passed by position", np.array([-2.0, 0.0, 3.0]), 0.2)
        for alpha in _ALPHAS:
            yield Case(f"random (3, 4), alpha = {alpha}", rng.normal(0, 5, (3, 4)), alpha=alpha)
        yield Case("random (2, 3, 5), alpha = 0", rng.normal(0, 5, (2, 3, 5)), alpha=0.0)
        yield Case("a (4, 1) column, alpha = 0.3", rng.normal(0, 2, (4, 1)), alpha=0.3)


# --- identity ---------------------------------------------------------------------------------

register(
    f"{_A}.identity",
    reference=ref.identity,
    cases=_elementwise_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "returned the derivative (ones) instead of z",
            lambda z: np.ones_like(np.asarray(z, dtype=float)),
            "identity(z) returns z itself; identity_grad(z) is the array of ones.",
        ),
        Mistake(
            "identity behaves like ReLU",
            lambda z: np.maximum(z, 0.0),
            "The identity keeps negative values too: return z unchanged.",
        ),
    ],
)

register(
    f"{_A}.identity_grad",
    reference=ref.identity_grad,
    cases=_elementwise_cases,
    outputs=("derivative",),
    mistakes=[
        Mistake(
            "returned z instead of the derivative",
            lambda z: np.array(z, dtype=float),
            "The slope of a = z is 1 everywhere: return np.ones_like(z).",
        ),
        Mistake(
            "derivative 0 instead of 1",
            lambda z: np.zeros_like(np.asarray(z, dtype=float)),
            "The identity rises by exactly 1 per unit of z: the derivative is 1.",
        ),
    ],
)

# --- sigmoid ----------------------------------------------------------------------------------


def _sign_flipped_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


register(
    f"{_A}.sigmoid",
    reference=ref.sigmoid,
    cases=_elementwise_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "1 / (1 + e^{z}): the sign of z is flipped",
            _sign_flipped_sigmoid,
            "The sigmoid is 1 / (1 + e^{-z}), which tends to 1 for large positive z.",
        ),
        Mistake(
            "0.5·(1 + tanh(z)): the argument of tanh must be z/2",
            lambda z: 0.5 * (1 + np.tanh(z)),
            "σ(z) = 0.5·(1 + tanh(z/2)).",
        ),
        Mistake(
            "computed tanh instead of the sigmoid",
            np.tanh,
            "The sigmoid is 1 / (1 + e^{-z}), range (0, 1), and sigmoid(0) = 0.5.",
        ),
    ],
)


def _s(z):
    return ref.sigmoid(z)


register(
    f"{_A}.sigmoid_grad",
    reference=ref.sigmoid_grad,
    cases=_elementwise_cases,
    outputs=("derivative",),
    mistakes=[
        Mistake(
            "σ(z)(1 + σ(z)) instead of σ(z)(1 − σ(z))",
            lambda z: _s(z) * (1 + _s(z)),
            "The derivative is σ(z)·(1 − σ(z)), at most 0.25 (at z = 0).",
        ),
        Mistake(
            "z(1 − z): the formula applied to z instead of σ(z)",
            lambda z: z * (1 - z),
            "First compute s = σ(z), then return s * (1 - s).",
        ),
        Mistake(
            "returned σ(z) itself",
            _s,
            "That is the activation; its derivative is σ(z)·(1 − σ(z)).",
        ),
        Mistake(
            "1 − σ(z)² (the tanh rule applied to the sigmoid)",
            lambda z: 1 - _s(z) ** 2,
            "1 − a² is tanh's derivative; the sigmoid's is σ(z)·(1 − σ(z)).",
        ),
    ],
)

# --- tanh -------------------------------------------------------------------------------------

register(
    f"{_A}.tanh",
    reference=ref.tanh,
    cases=_elementwise_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "computed the sigmoid instead of tanh",
            _s,
            "The range of tanh is (−1, 1) and tanh(0) = 0 (np.tanh computes it stably).",
        ),
        Mistake(
            "2σ(z) − 1 (should be 2σ(2z) − 1)",
            lambda z: 2 * _s(z) - 1,
            "tanh(z) = 2σ(2z) − 1: the argument is doubled too.",
        ),
    ],
)

register(
    f"{_A}.tanh_grad",
    reference=ref.tanh_grad,
    cases=_elementwise_cases,
    outputs=("derivative",),
    mistakes=[
        Mistake(
            "1 − tanh(z) (not squared)",
            lambda z: 1 - np.tanh(z),
            "The derivative is 1 − tanh(z)²: square the tanh.",
        ),
        Mistake(
            "1 − z²: the formula applied to z instead of tanh(z)",
            lambda z: 1 - np.asarray(z, dtype=float) ** 2,
            "First compute t = np.tanh(z), then return 1 - t**2.",
        ),
        Mistake(
            "1 + tanh(z)² (sign of the square flipped)",
            lambda z: 1 + np.tanh(z) ** 2,
            "The derivative is 1 − tanh(z)², at most 1 (at z = 0).",
        ),
        Mistake(
            "tanh(z)² instead of 1 − tanh(z)²",
            lambda z: np.tanh(z) ** 2,
            "The derivative is 1 − tanh(z)²: it is 1 at z = 0, not 0.",
        ),
        Mistake(
            "σ(z)(1 − σ(z)): the sigmoid's derivative",
            lambda z: _s(z) * (1 - _s(z)),
            "The derivative of tanh is 1 − tanh(z)².",
        ),
    ],
)

# --- ReLU -------------------------------------------------------------------------------------

register(
    f"{_A}.relu",
    reference=ref.relu,
    cases=_elementwise_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "min(0, z) instead of max(0, z)",
            lambda z: np.minimum(z, 0.0),
            "ReLU keeps the positive values: np.maximum(z, 0).",
        ),
        Mistake(
            "returned the 0/1 mask (the derivative) instead of max(0, z)",
            lambda z: (np.asarray(z) > 0).astype(float),
            "relu(z) = max(0, z); the 0/1 mask is relu_grad.",
        ),
        Mistake(
            "|z| instead of max(0, z)",
            np.abs,
            "Negative inputs must become 0, not positive.",
        ),
    ],
)

register(
    f"{_A}.relu_grad",
    reference=ref.relu_grad,
    cases=_elementwise_cases,
    outputs=("derivative",),
    mistakes=[
        Mistake(
            "relu_grad(0) must be 0 (you used z >= 0)",
            lambda z: (np.asarray(z) >= 0).astype(float),
            "At the kink z = 0 use the left derivative, 0: the mask is z > 0.",
        ),
        Mistake(
            "relu_grad(0) must be 0 (you used 0.5 at the kink)",
            lambda z: np.heaviside(z, 0.5),
            "At the kink z = 0 use the left derivative, 0: np.heaviside(z, 0.0) or z > 0.",
        ),
        Mistake(
            "returned relu(z) instead of its derivative",
            lambda z: np.maximum(z, 0.0),
            "The slope of max(0, z) is 1 for z > 0 and 0 otherwise.",
        ),
        Mistake(
            "mask inverted (1 for z < 0)",
            lambda z: (np.asarray(z) <= 0).astype(float),
            "The slope is 1 where z > 0 (the unit is active) and 0 elsewhere.",
        ),
        Mistake(
            "np.sign(z): −1 for negative z",
            np.sign,
            "For z < 0 ReLU is flat, so its slope is 0, not −1.",
        ),
    ],
)

# --- leaky ReLU -------------------------------------------------------------------------------


def _leaky_wrong_side(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)


def _leaky_fixed(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)


register(
    f"{_A}.leaky_relu",
    reference=ref.leaky_relu,
    cases=_leaky_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "the leak alpha is applied to the wrong side (z > 0)",
            _leaky_wrong_side,
            "Positive z pass through unchanged; negative z are multiplied by alpha.",
        ),
        Mistake(
            "alpha is ignored (always 0.01)",
            _leaky_fixed,
            "Use the alpha argument: it is a hyperparameter (0.1, 0.01, 0.002, ...).",
        ),
        Mistake(
            "returned alpha (not alpha·z) for negative z",
            lambda z, alpha=0.01: np.where(z > 0, z, alpha),
            "The negative side is the line alpha·z.",
        ),
        Mistake(
            "plain ReLU: the leak is missing",
            lambda z, alpha=0.01: np.maximum(z, 0.0),
            "For z ≤ 0 return alpha·z instead of 0.",
        ),
        Mistake(
            "−alpha·z for negative z (sign of the leak flipped)",
            lambda z, alpha=0.01: np.where(z > 0, z, -alpha * z),
            "The leak is a small positive slope: alpha·z is negative for z < 0.",
        ),
    ],
)

register(
    f"{_A}.leaky_relu_grad",
    reference=ref.leaky_relu_grad,
    cases=_leaky_cases,
    outputs=("derivative",),
    mistakes=[
        Mistake(
            "the slope at z = 0 must be alpha (you used z >= 0)",
            lambda z, alpha=0.01: np.where(np.asarray(z) >= 0, 1.0, alpha),
            "At the kink use the left slope, alpha, as relu_grad(0) = 0 does.",
        ),
        Mistake(
            "the slopes are on the wrong sides (alpha for z > 0)",
            lambda z, alpha=0.01: np.where(np.asarray(z) > 0, alpha, 1.0),
            "The slope is 1 for z > 0 and alpha for z ≤ 0.",
        ),
        Mistake(
            "alpha is ignored (always 0.01)",
            lambda z, alpha=0.01: np.where(np.asarray(z) > 0, 1.0, 0.01),
            "Use the alpha argument for the slope of the negative side.",
        ),
        Mistake(
            "slope 0 for z ≤ 0 (the ReLU derivative)",
            lambda z, alpha=0.01: (np.asarray(z) > 0).astype(float),
            "The leak gives the negative side the slope alpha, not 0.",
        ),
        Mistake(
            "returned leaky_relu(z) instead of its derivative",
            lambda z, alpha=0.01: np.where(np.asarray(z) > 0, z, alpha * np.asarray(z)),
            "The derivative is 1 or alpha, not the activation itself.",
        ),
    ],
)

# --- softmax ----------------------------------------------------------------------------------


def _softmax_cases(rng, hidden):
    yield Case("z = [1, 2, 3]", np.array([1.0, 2.0, 3.0]))
    yield Case("a (2, 3) batch, rows are examples", np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]))
    yield Case("large logits [1000, 1001, 1002]", np.array([1000.0, 1001.0, 1002.0]))
    yield Case(
        "a (4, 3) batch with z up to ±800", rng.normal(0, 1, (4, 3)) * [[1], [10], [200], [-800]]
    )
    if hidden:
        yield Case("a single class (N, 1)", rng.normal(0, 3, (3, 1)))
        yield Case("a (3, 3) batch", rng.normal(0, 3, (3, 3)))
        yield Case(
            "rows of very different sizes",
            np.array([[0.0, 1.0, 2.0], [-1000.0, -999.0, -998.0], [1000.0, 1001.0, 999.0]]),
        )
        yield Case("(5, 4) with axis=1", rng.normal(0, 5, (5, 4)), axis=1)
        yield Case(
            "(4, 5) with axis=0 (classes down the columns)", rng.normal(0, 5, (4, 5)), axis=0
        )
        yield Case("(2, 3, 4) with axis=1", rng.normal(0, 5, (2, 3, 4)), axis=1)
        yield Case("(2, 3, 4), default axis", rng.normal(0, 50, (2, 3, 4)))
        yield Case("equal logits (3, 6)", np.full((3, 6), 7.5))


def _naive_softmax(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_on(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_other_axis(z, axis=-1):
    z = np.asarray(z, dtype=float)
    if z.ndim < 2:
        raise ValueError("no other axis")
    other = 0 if axis in (-1, z.ndim - 1) else -1
    return _softmax_on(z, other)


def _softmax_whole_array(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def _softmax_no_keepdims(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis)


def _softmax_global_max(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=axis, keepdims=True)


register(
    f"{_A}.softmax",
    reference=ref.softmax,
    cases=_softmax_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "softmax over the wrong axis",
            _softmax_other_axis,
            "Normalise along `axis` (the classes; by default the last axis, one row per "
            "example): z.max(axis=axis, keepdims=True) and e.sum(axis=axis, keepdims=True).",
        ),
        Mistake(
            "normalised over the whole array instead of along `axis`",
            _softmax_whole_array,
            "Each example (row) must sum to 1 on its own: e.sum(axis=axis, keepdims=True).",
        ),
        Mistake(
            "summed without keepdims=True, so the division broadcasts the wrong way",
            _softmax_no_keepdims,
            "Use e.sum(axis=axis, keepdims=True) so each row is divided by its own sum.",
        ),
        Mistake(
            "subtracted the max of the whole array instead of each row's max",
            _softmax_global_max,
            "A row far below the global max underflows to 0/0: subtract "
            "z.max(axis=axis, keepdims=True).",
        ),
        Mistake(
            "no max subtraction: e^{z} overflows for large logits",
            _naive_softmax,
            "Subtract z.max(axis=axis, keepdims=True) before np.exp; the result is unchanged "
            "and nothing overflows.",
        ),
    ],
)
