r"""Checks for the ch03_losses exercise: MSE and its gradient, cross-entropy, softmax + CE.

The hand-made cases are the ones where the usual mistakes show: a perfect prediction (loss 0,
where an unclipped :math:`0 \cdot \log 0` gives NaN), a probability of exactly 0 for the true
class (where :math:`\log 0 = -\infty`; the reference clips at ``PROB_EPS`` = 1e-12), logits of
size 1000 (where a softmax without the max shift overflows), a single example (N = 1) and
non-square batches (so that a mean over the wrong axis cannot pass by accident). The known
mistakes are the constant factors (a sum instead of a mean, the missing 2, the missing
:math:`1/N`, a mean over the K classes as well), the signs, and the unstable forms.
"""

from __future__ import annotations

import numpy as np

from backproplab import losses as ref
from trustedgrading.checks import Case, Mistake, register

_A = "ch03_losses"
_EPS = ref.PROB_EPS


def _one_hot_rows(y, shape):
    """Labels as one-hot (N, K) rows, for the wrong implementations below."""
    y = np.asarray(y)
    if y.ndim == 2:
        return y.astype(float)
    rows = np.zeros(shape)
    rows[np.arange(shape[0]), y.astype(int)] = 1.0
    return rows


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _random_probabilities(rng, n, k):
    return _softmax_rows(rng.normal(0.0, 2.0, size=(n, k)))


# --- mse ------------------------------------------------------------------------------------


def _hand_pair():
    return Case(
        "y_hat = [1, 2, 3, 4], y = [0, 2, 5, 4]",
        np.array([1.0, 2.0, 3.0, 4.0]),
        np.array([0.0, 2.0, 5.0, 4.0]),
        batch=4,
    )


def _random_pair(rng, label, shape, sd):
    """Prediction and target drawn from N(0, sd²); the loss averages over every entry."""
    y_hat, y = rng.normal(0, sd, size=shape), rng.normal(0, sd, size=shape)
    return Case(label, y_hat, y, batch=int(np.prod(shape)))


def _mse_cases(rng, hidden):
    yield Case(
        "perfect prediction (y_hat = y)", np.array([1.5, -2.0, 3.0]), np.array([1.5, -2.0, 3.0])
    )
    yield _hand_pair()
    yield _random_pair(rng, "a (3, 2) batch: mean over all 6 entries", (3, 2), 1.0)
    if hidden:
        yield Case("a single prediction (N = 1)", np.array([2.5]), np.array([-0.5]))
        yield Case(
            "one outlier among small errors", np.array([0.1, -0.1, 0.1, 10.0]), np.zeros(4), batch=4
        )
        yield _random_pair(rng, "a (4, 1) column of predictions", (4, 1), 3)
        for shape in [(7,), (5, 3), (2, 3, 4)]:
            yield _random_pair(rng, f"random {shape}", shape, 5)
        yield Case("huge errors (1e150)", np.array([1e150, -1e150]), np.array([0.0, 0.0]))


register(
    f"{_A}.mse",
    reference=ref.mse,
    cases=_mse_cases,
    outputs=("loss",),
    mistakes=[
        Mistake(
            "a sum instead of a mean",
            lambda y_hat, y: np.sum((y_hat - y) ** 2),
            "The MSE is the mean of the squared errors: divide the sum by the number of entries "
            "(or use np.mean).",
        ),
        Mistake(
            "the mean absolute error, without the square",
            lambda y_hat, y: np.mean(np.abs(y_hat - y)),
            "Square the errors: (y_hat - y) ** 2.",
        ),
        Mistake(
            "the errors are not squared (they cancel)",
            lambda y_hat, y: np.mean(y_hat - y),
            "Positive and negative errors cancel unless you square them: (y_hat - y) ** 2.",
        ),
        Mistake(
            "the square of the mean error instead of the mean of the squares",
            lambda y_hat, y: np.mean(y_hat - y) ** 2,
            "Square each error first, then average: np.mean((y_hat - y) ** 2).",
        ),
        Mistake(
            "the root of the MSE (RMSE)",
            lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)),
            "Do not take the square root: the MSE is the mean of the squares itself.",
        ),
        Mistake(
            "half the MSE",
            lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2),
            "Some books define the loss with a factor 1/2; this course does not.",
        ),
    ],
)


# --- mse_grad -------------------------------------------------------------------------------


def _mse_grad_cases(rng, hidden):
    yield _hand_pair()
    yield _random_pair(rng, "a (3, 4) batch: n = 12 entries", (3, 4), 1.0)
    yield Case(
        "perfect prediction: zero gradient", np.array([[1.0, -1.0]]), np.array([[1.0, -1.0]])
    )
    if hidden:
        yield Case("a single prediction (N = 1)", np.array([2.5]), np.array([-0.5]))
        yield _random_pair(rng, "a (5, 1) column", (5, 1), 3)
        for shape in [(7,), (2, 5), (2, 3, 4)]:
            yield _random_pair(rng, f"random {shape}", shape, 5)


register(
    f"{_A}.mse_grad",
    reference=ref.mse_grad,
    cases=_mse_grad_cases,
    outputs=("dy_hat",),
    mistakes=[
        Mistake(
            "the factor 2 is missing",
            lambda y_hat, y: (y_hat - y) / y_hat.size,
            "The derivative of (y_hat - y)**2 is 2 (y_hat - y).",
        ),
        Mistake(
            "not divided by the number of entries n",
            lambda y_hat, y: 2.0 * (y_hat - y),
            "The loss is a mean over all n entries, so every gradient entry carries a 1/n: "
            "divide by y_hat.size.",
        ),
        Mistake(
            "the sign is flipped: 2 (y - y_hat) / n",
            lambda y_hat, y: 2.0 * (y - y_hat) / y_hat.size,
            "Differentiate with respect to y_hat: d/dy_hat (y_hat - y)^2 = +2 (y_hat - y).",
        ),
        Mistake(
            "divided by the number of rows N instead of all n entries",
            lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.shape[0],
            "mse averages over every entry, so divide by y_hat.size, not len(y_hat).",
        ),
        Mistake(
            "the gradient of the RMSE",
            lambda y_hat, y: (y_hat - y) / y_hat.size / np.sqrt(np.mean((y_hat - y) ** 2)),
            "Differentiate the mean of the squares itself, without a square root.",
        ),
    ],
)


# --- cross_entropy --------------------------------------------------------------------------


def _ce_cases(rng, hidden):
    yield Case(
        "dog in (cat, dog, fish): p = (0.2, 0.3, 0.5), label 1",
        np.array([[0.2, 0.3, 0.5]]),
        np.array([1]),
    )
    yield Case(
        "one-hot labels, N = 3, K = 4",
        np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]),
        np.array([[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]),
        batch=3,
    )
    yield Case(
        "integer labels, N = 3, K = 4",
        np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]),
        np.array([3, 0, 1]),
        batch=3,
    )
    yield Case(
        "perfect prediction p = one-hot (loss 0; p has zeros)",
        np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
        np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
    )
    yield Case(
        "p = 0 for the true class (clip at 1e-12)",
        np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]),
        np.array([2, 1]),
    )
    if hidden:
        yield Case("perfect prediction, integer labels", np.array([[0.0, 0.0, 1.0]]), np.array([2]))
        yield Case(
            "p = 0 for the true class, one-hot labels",
            np.array([[1.0, 0.0], [0.5, 0.5]]),
            np.array([[0.0, 1.0], [1.0, 0.0]]),
        )
        yield Case("a single example (N = 1), K = 2", np.array([[0.9, 0.1]]), np.array([1]))
        for n, k in [(5, 3), (8, 10), (2, 6)]:
            p = _random_probabilities(rng, n, k)
            labels = rng.integers(0, k, size=n)
            yield Case(f"random p ({n}, {k}), integer labels", p, labels, batch=n)
            yield Case(
                f"random p ({n}, {k}), one-hot labels", p, _one_hot_rows(labels, (n, k)), batch=n
            )


def _ce_sum(p, y):
    return -np.sum(_one_hot_rows(y, p.shape) * np.log(np.clip(p, _EPS, 1.0)))


def _ce_mean_nk(p, y):
    return -np.mean(_one_hot_rows(y, p.shape) * np.log(np.clip(p, _EPS, 1.0)))


def _ce_no_clip(p, y):
    rows = _one_hot_rows(y, p.shape)
    return -np.sum(rows * np.log(p)) / p.shape[0]


def _ce_no_clip_picked(p, y):
    rows = _one_hot_rows(y, p.shape)
    return -np.mean(np.log(np.sum(rows * p, axis=1)))


def _ce_positive(p, y):
    return np.sum(_one_hot_rows(y, p.shape) * np.log(np.clip(p, _EPS, 1.0))) / p.shape[0]


def _ce_all_classes(p, y):
    return -np.sum(np.log(np.clip(p, _EPS, 1.0))) / p.shape[0]


def _ce_binary_form(p, y):
    rows = _one_hot_rows(y, p.shape)
    pc = np.clip(p, _EPS, 1 - _EPS)
    return -np.sum(rows * np.log(pc) + (1 - rows) * np.log(1 - pc)) / p.shape[0]


register(
    f"{_A}.cross_entropy",
    reference=ref.cross_entropy,
    cases=_ce_cases,
    outputs=("loss",),
    # clipping p to [eps, 1 - eps] (both sides) is also right: log(1 - 1e-12) ~ -1e-12
    atol=1e-10,
    mistakes=[
        Mistake(
            "a sum over the batch instead of a mean",
            _ce_sum,
            "Divide the sum over examples by N, the number of rows of p.",
        ),
        Mistake(
            "averaged over the K classes as well (np.mean over the whole (N, K) table)",
            _ce_mean_nk,
            "Sum over the classes k and average over the examples only: divide by N, not N*K.",
        ),
        Mistake(
            "log of p without clipping",
            _ce_no_clip,
            "np.log(0) is -inf, and 0 * -inf is nan: clip p to [1e-12, 1] first "
            "(np.clip(p, 1e-12, 1.0)), as the reference does with PROB_EPS = 1e-12.",
        ),
        Mistake(
            "log of the true-class probability without clipping",
            _ce_no_clip_picked,
            "np.log(0) is -inf: clip p to [1e-12, 1] before the log.",
        ),
        Mistake(
            "the minus sign is missing",
            _ce_positive,
            "L = -sum y log p: log p <= 0, so the minus makes the loss positive.",
        ),
        Mistake(
            "every class's log-probability counted, not only the true class",
            _ce_all_classes,
            "Multiply log p by the one-hot y (or pick p[n, y_n]): only the true class counts.",
        ),
        Mistake(
            "the binary cross-entropy formula, with (1 - y) log(1 - p) terms",
            _ce_binary_form,
            "The categorical cross-entropy has only the -sum_k y_k log p_k term.",
        ),
    ],
)


# --- softmax_cross_entropy ------------------------------------------------------------------


def _sce_cases(rng, hidden):
    yield Case("logits = 0 (uniform p), N = 2, K = 3", np.zeros((2, 3)), np.array([0, 2]), batch=2)
    yield Case("logits [[1, 2, 3]], label 2", np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    yield Case(
        "a (4, 3) batch, integer labels",
        rng.normal(0.0, 2.0, size=(4, 3)),
        np.array([1, 0, 2, 1]),
        batch=4,
    )
    yield Case(
        "a (3, 5) batch, one-hot labels",
        rng.normal(0.0, 2.0, size=(3, 5)),
        _one_hot_rows(np.array([4, 0, 2]), (3, 5)),
        batch=3,
    )
    yield Case(
        "huge logits |z| = 1000, the true class is the largest",
        np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]]),
        np.array([0, 1]),
        batch=2,
    )
    if hidden:
        yield Case(
            "huge logits, the true class is far below the max (loss 2000)",
            np.array([[-1000.0, 1000.0, 0.0]]),
            np.array([0]),
        )
        yield Case("a single example (N = 1), K = 2", np.array([[0.3, -1.2]]), np.array([1]))
        yield Case(
            "all logits equal and large", np.full((3, 4), 700.0), np.array([0, 1, 3]), batch=3
        )
        for n, k in [(6, 4), (10, 10), (2, 7)]:
            z = rng.normal(0.0, 5.0, size=(n, k))
            labels = rng.integers(0, k, size=n)
            yield Case(f"random ({n}, {k}), integer labels", z, labels, batch=n)
            yield Case(
                f"random ({n}, {k}), one-hot labels", z, _one_hot_rows(labels, (n, k)), batch=n
            )


def _sce_parts(logits, y):
    rows = _one_hot_rows(y, logits.shape)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return rows, log_p, np.exp(log_p), logits.shape[0]


def _sce_no_div(logits, y):
    rows, log_p, p, n = _sce_parts(logits, y)
    return -np.sum(rows * log_p) / n, p - rows


def _sce_sign(logits, y):
    rows, log_p, p, n = _sce_parts(logits, y)
    return -np.sum(rows * log_p) / n, (rows - p) / n


def _sce_p_only(logits, y):
    rows, log_p, p, n = _sce_parts(logits, y)
    return -np.sum(rows * log_p) / n, p / n


def _sce_sum_loss(logits, y):
    rows, log_p, p, n = _sce_parts(logits, y)
    return -np.sum(rows * log_p), (p - rows) / n


def _sce_mean_nk(logits, y):
    rows, log_p, p, n = _sce_parts(logits, y)
    return -np.mean(rows * log_p), (p - rows) / (n * logits.shape[1])


def _sce_unshifted(logits, y):
    rows = _one_hot_rows(y, logits.shape)
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return -np.sum(rows * np.log(p)) / logits.shape[0], (p - rows) / logits.shape[0]


def _sce_clipped_log(logits, y):
    rows, _, p, n = _sce_parts(logits, y)
    return -np.sum(rows * np.log(np.clip(p, _EPS, 1.0))) / n, (p - rows) / n


def _sce_wrong_axis(logits, y):
    rows = _one_hot_rows(y, logits.shape)
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
    n = logits.shape[0]
    return -np.sum(rows * log_p) / n, (np.exp(log_p) - rows) / n


register(
    f"{_A}.softmax_cross_entropy",
    reference=ref.softmax_cross_entropy,
    cases=_sce_cases,
    outputs=("loss", "dlogits"),
    mistakes=[
        Mistake(
            "dlogits not divided by N",
            _sce_no_div,
            "The loss is the mean over the N examples, so its gradient is (p - y) / N.",
        ),
        Mistake(
            "dlogits = (y - p) / N: the sign is flipped",
            _sce_sign,
            "dL/dz = p - y: a class with too much probability gets a positive gradient.",
        ),
        Mistake(
            "dlogits = p / N: y is not subtracted",
            _sce_p_only,
            "Subtract the one-hot labels: dL/dz = (p - y) / N.",
        ),
        Mistake(
            "the loss is summed over the batch instead of averaged",
            _sce_sum_loss,
            "Divide the summed loss by N, the number of rows of logits.",
        ),
        Mistake(
            "averaged over the K classes as well",
            _sce_mean_nk,
            "Average over the N examples only: divide by N, not N*K.",
        ),
        Mistake(
            "softmax without subtracting the row max",
            _sce_unshifted,
            "np.exp(1000) overflows to inf: subtract logits.max(axis=1, keepdims=True) before "
            "np.exp (the softmax does not change).",
        ),
        Mistake(
            "log of a clipped softmax instead of a log-softmax",
            _sce_clipped_log,
            "For a very unlikely true class p underflows to 0 and clipping caps the loss at 27.6. "
            "Compute log p directly: log p = (z - max) - log(sum(exp(z - max))).",
        ),
        Mistake(
            "softmax over the wrong axis (over the examples, axis=0)",
            _sce_wrong_axis,
            "Each row (one example) is normalised: use axis=1 with keepdims=True.",
        ),
    ],
)
