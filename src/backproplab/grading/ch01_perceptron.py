r"""Checks for the ch01_perceptron exercise: the step, a prediction, one update, a training loop.

``step``, ``perceptron_predict`` and ``perceptron_update`` have one right answer and are
compared with the reference case by case; the points exactly on the boundary (:math:`z = 0`,
where the perceptron answers 0) are where most mistakes show. ``train_perceptron`` is a custom
check: the algorithm is fully specified (zero start, the given order or one
``rng.permutation`` per epoch, early stop after the first epoch without a mistake), so its
outputs are compared with the reference's, but each property (shapes, integer counts, the early
stop, the epoch limit, AND/OR learned, XOR never learned) is checked first so that the message
names the property that fails.
"""

from __future__ import annotations

import numpy as np

from backproplab import datasets
from backproplab import perceptron as ref
from trustedgrading.checks import (
    Case,
    CheckFailed,
    Mistake,
    call_student,
    describe,
    expect_close,
    fail,
    register,
    register_custom,
)

_A = "ch01_perceptron"

# --- step -------------------------------------------------------------------------------------


def _step_cases(rng, hidden):
    yield Case("z = 0", np.array(0.0))
    yield Case("z = [-2, -0.5, 0, 0.5, 2]", np.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
    yield Case("a (3, 4) batch", rng.normal(0.0, 2.0, size=(3, 4)))
    if hidden:
        yield Case("z = 1.5 (0-d array)", np.array(1.5))
        yield Case("tiny |z| and ±inf", np.array([-np.inf, -1e-300, 0.0, 1e-300, np.inf]))
        yield Case("large |z|", np.array([-1e300, -1000.0, 1000.0, 1e300]))
        for shape in [(7,), (2, 3, 4)]:
            yield Case(f"random {shape}", rng.normal(0.0, 5.0, size=shape))
        z = rng.normal(size=(4, 5))
        z[1, :] = 0.0
        yield Case("a (4, 5) batch with a row of zeros", z)


register(
    f"{_A}.step",
    reference=ref.step,
    cases=_step_cases,
    outputs=("output",),
    mistakes=[
        Mistake(
            "step(0) must be 0 (you used z >= 0)",
            lambda z: (np.asarray(z) >= 0).astype(float),
            "The perceptron fires only when z is strictly positive: use z > 0.",
        ),
        Mistake(
            "np.sign(z) gives −1 for negative z",
            np.sign,
            "The step outputs 0 or 1, never −1: (z > 0) converted to float.",
        ),
        Mistake(
            "1 where z < 0 (the comparison is reversed)",
            lambda z: (np.asarray(z) < 0).astype(float),
            "Fire (1) where z > 0 and stay silent (0) elsewhere.",
        ),
        Mistake(
            "returned z unchanged instead of 0/1",
            lambda z: np.array(z, dtype=float),
            "Compare z with 0: the output is 1.0 where z > 0 and 0.0 elsewhere.",
        ),
        Mistake(
            "returned max(0, z) (a ReLU) instead of 0/1",
            lambda z: np.maximum(z, 0.0),
            "The step jumps from 0 to 1: its output is 1 for every positive z.",
        ),
    ],
)

# --- perceptron_predict -----------------------------------------------------------------------


def _predict_cases(rng, hidden):
    X_and, _ = datasets.logic_gate("and")
    yield Case("AND inputs, w = [1, 1], b = -1.5", X_and, np.array([1.0, 1.0]), -1.5)
    yield Case(
        "points exactly on the line w·x + b = 0", X_and, np.array([2.0, 1.0]), -2.0
    )  # (1, 0) gives z = 0 and must be 0
    yield Case(
        "one example x of shape (D,)", np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 0.5]), 0.2
    )
    yield Case("a (5, 3) batch", rng.normal(size=(5, 3)), rng.normal(size=3), float(rng.normal()))
    if hidden:
        yield Case("N = 1, shape (1, 2)", np.array([[3.0, -1.0]]), np.array([0.5, 0.5]), -1.0)
        yield Case("b = 0, point at the origin", np.zeros((2, 4)), rng.normal(size=4), 0.0)
        yield Case("large positive bias", rng.normal(size=(6, 2)), np.array([0.1, -0.1]), 5.0)
        yield Case(
            "bias as a numpy float", rng.normal(size=(4, 2)), rng.normal(size=2), np.float64(-0.3)
        )
        yield Case("integer X", np.array([[1, 0], [0, 1], [2, 2]]), np.array([1.0, -1.0]), 0.0)
        for n, d in [(8, 1), (3, 7), (20, 5)]:
            yield Case(
                f"random ({n}, {d})",
                rng.normal(size=(n, d)),
                rng.normal(size=d),
                float(rng.normal()),
            )


def _predict_ge(X, w, b):
    return (np.asarray(X, dtype=float) @ w + b >= 0).astype(float)


register(
    f"{_A}.perceptron_predict",
    reference=ref.perceptron_predict,
    cases=_predict_cases,
    outputs=("y_hat",),
    mistakes=[
        Mistake(
            "a point exactly on the boundary (z = 0) must be predicted 0 (you used >= 0)",
            _predict_ge,
            "Predict 1 only where X @ w + b > 0 (strictly), like step(0) = 0.",
        ),
        Mistake(
            "the bias b is missing",
            lambda X, w, b: (np.asarray(X, dtype=float) @ w > 0).astype(float),
            "z = X @ w + b: add the bias before the step.",
        ),
        Mistake(
            "the bias is subtracted",
            lambda X, w, b: (np.asarray(X, dtype=float) @ w - b > 0).astype(float),
            "z = X @ w + b: the bias is added.",
        ),
        Mistake(
            "returned the weighted sum z instead of the 0/1 prediction",
            lambda X, w, b: np.asarray(X, dtype=float) @ w + b,
            "Apply the step to z = X @ w + b.",
        ),
        Mistake(
            "np.sign gives −1 for the class-0 side",
            lambda X, w, b: np.sign(np.asarray(X, dtype=float) @ w + b),
            "The prediction is 0 or 1: (z > 0) converted to float.",
        ),
    ],
)

# --- perceptron_update ------------------------------------------------------------------------


def _update_cases(rng, hidden):
    w, b = np.array([1.0, -1.0]), 0.5
    yield Case("correct prediction: nothing changes", w, b, np.array([2.0, 1.0]), 1, 1.0)
    yield Case("should fire but does not (y = 1, ŷ = 0)", w, b, np.array([0.0, 2.0]), 1, 1.0)
    yield Case("fires but should not (y = 0, ŷ = 1)", w, b, np.array([2.0, 1.0]), 0, 0.5)
    yield Case(
        "z = 0 exactly, y = 1 (ŷ = 0: a mistake)", np.zeros(2), 0.0, np.array([1.0, 1.0]), 1, 1.0
    )
    if hidden:
        yield Case(
            "z = 0 exactly, y = 0 (ŷ = 0: right)",
            np.zeros(3),
            0.0,
            np.array([1.0, 2.0, 3.0]),
            0,
            1.0,
        )
        yield Case(
            "lr = 0.1, D = 3", np.array([0.2, -0.4, 0.1]), -0.3, np.array([1.0, 0.5, -2.0]), 1, 0.1
        )
        yield Case("label as float 1.0", np.array([-1.0]), 0.0, np.array([2.0]), 1.0, 0.25)
        yield Case(
            "bias as a numpy float",
            np.array([1.0, 1.0]),
            np.float64(0.0),
            np.array([-1.0, -1.0]),
            1,
            2.0,
        )
        for k in range(4):
            d = int(rng.integers(1, 6))
            yield Case(
                f"random, D = {d} ({k + 1})",
                rng.normal(size=d),
                float(rng.normal()),
                rng.normal(size=d),
                int(rng.integers(0, 2)),
                float(rng.uniform(0.05, 2.0)),
            )


def _update_with(error_fn):
    """A wrong update rule: ``error_fn(y, z)`` gives the error used in the nudge."""

    def update(w, b, x, y, lr):
        w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
        e = error_fn(float(y), float(x @ w) + float(b))
        return w + lr * e * x, float(b) + lr * e

    return update


def _update_no_bias(w, b, x, y, lr):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    e = float(y) - float(x @ w + b > 0)
    return w + lr * e * x, float(b)


def _update_no_lr(w, b, x, y, lr):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    e = float(y) - float(x @ w + b > 0)
    return w + e * x, float(b) + e


def _update_bias_times_x(w, b, x, y, lr):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    e = float(y) - float(x @ w + b > 0)
    return w + lr * e * x, float(b) + lr * e * float(x.sum())


_UPDATE_MISTAKES = [
    Mistake(
        "error = ŷ − y (sign flipped)",
        _update_with(lambda y, z: float(z > 0) - y),
        "The error is e = y − ŷ: positive when the perceptron should have fired.",
    ),
    Mistake(
        "a point with z = 0 was treated as predicting 1",
        _update_with(lambda y, z: y - float(z >= 0)),
        "Predict with the step: ŷ = 1 only when w·x + b > 0, so z = 0 predicts 0.",
    ),
    Mistake(
        "used the weighted sum z instead of the prediction ŷ in the error",
        _update_with(lambda y, z: y - z),
        "The perceptron rule uses e = y − step(w·x + b), a 0/±1 error.",
    ),
    Mistake(
        "the bias is not updated",
        _update_no_bias,
        "The bias learns too: b ← b + lr · e.",
    ),
    Mistake(
        "the learning rate lr is not used",
        _update_no_lr,
        "Scale the nudge by the learning rate: w ← w + lr · e · x and b ← b + lr · e.",
    ),
    Mistake(
        "the bias was nudged by lr · e · sum(x)",
        _update_bias_times_x,
        "The bias's input is always 1: b ← b + lr · e.",
    ),
]

register(
    f"{_A}.perceptron_update",
    reference=ref.perceptron_update,
    cases=_update_cases,
    outputs=("w", "b"),
    mistakes=_UPDATE_MISTAKES,
)

# --- train_perceptron (custom) ----------------------------------------------------------------

_ORDER_HINT = (
    "With rng=None visit the examples in the order of X; with an rng, draw one "
    "rng.permutation(N) at the start of every epoch (and nothing else from rng)."
)


def _blobs(n, seed, separation=2.5):
    X, y = datasets.make_blobs(n, np.random.default_rng(seed), separation=separation)
    return X + np.array([1.0, 2.0]), y


def _gate(name):
    return datasets.logic_gate(name)


def _unpack_training(result, case):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        fail(
            "train_perceptron should return 3 values (w, b, errors_per_epoch) but returned "
            f'{describe(result)} on case "{case}".'
        )
    return tuple(result)


def _check_errors_array(errors, epochs, case):
    if not isinstance(errors, np.ndarray):
        fail(
            f"train_perceptron returned errors_per_epoch as {describe(errors)} on case "
            f'"{case}"; return a NumPy array of integers: np.array(counts, dtype=np.int64).'
        )
    if errors.ndim != 1:
        fail(
            f"train_perceptron returned errors_per_epoch with shape {errors.shape} on case "
            f'"{case}"; it should be 1-D, one count per epoch that was run.'
        )
    if errors.dtype.kind not in "iu":
        fail(
            f"train_perceptron returned errors_per_epoch with dtype {errors.dtype} on case "
            f'"{case}"; the entries are counts of mistakes, so they must be integers: '
            "np.array(counts, dtype=np.int64)."
        )
    if len(errors) == 0:
        fail(f'train_perceptron returned an empty errors_per_epoch on case "{case}".')
    if len(errors) > epochs:
        fail(
            f'train_perceptron ran {len(errors)} epochs on case "{case}" but epochs={epochs}: '
            "never run more than `epochs` passes over the data."
        )


def _variant_train(
    X,
    y,
    lr,
    epochs,
    rng,
    *,
    early_stop=True,
    count_after=False,
    order_once=False,
    ignore_rng=False,
    update_bias=True,
):
    """A training loop with one known mistake switched on (all off: the reference's loop)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    N = X.shape[0]
    w, b = np.zeros(X.shape[1]), 0.0
    shuffle = rng is not None and not ignore_rng
    fixed = rng.permutation(N) if shuffle and order_once else None
    errors = []
    for _ in range(epochs):
        order = fixed if fixed is not None else rng.permutation(N) if shuffle else range(N)
        mistakes = 0
        for i in order:
            e = y[i] - (1.0 if float(X[i] @ w) + b > 0 else 0.0)
            mistakes += e != 0
            w = w + lr * e * X[i]
            b = b + lr * e if update_bias else b
        if count_after:
            mistakes = int(np.sum((X @ w + b > 0) != (y == 1)))
        errors.append(mistakes)
        if early_stop and mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)


_TRAINING_MISTAKES = [
    (
        {"early_stop": False},
        "Training should stop after the first epoch with no mistake: once nothing is wrong "
        "the weights can never change again.",
    ),
    (
        {"count_after": True},
        "errors_per_epoch[e] must count the mistakes met *during* epoch e (the prediction "
        "before each update), not the mistakes left after the epoch.",
    ),
    (
        {"order_once": True},
        "Draw a fresh rng.permutation(N) at the start of every epoch, not once for all epochs.",
    ),
    (
        {"ignore_rng": True},
        "When an rng is given, visit the examples in the order rng.permutation(N), drawn at "
        "the start of every epoch.",
    ),
    ({"update_bias": False}, "The bias learns too: b <- b + lr * e after every mistake."),
]


def _training_hint(got, X, y, lr, epochs, seed):
    """The hint of the first known wrong loop that reproduces the student's results."""
    w, b, errors = got
    for flags, hint in _TRAINING_MISTAKES:
        rng = None if seed is None else np.random.default_rng(seed)
        w_bad, b_bad, errors_bad = _variant_train(X, y, lr, epochs, rng, **flags)
        try:
            same = (
                np.array_equal(errors, errors_bad)
                and np.allclose(np.asarray(w, dtype=float), w_bad)
                and np.isclose(float(b), b_bad)
            )
        except (TypeError, ValueError):
            same = False
        if same:
            return "  Likely mistake: " + hint
    return (
        "  Start from w = 0 and b = 0, apply the update rule to each example in turn, count "
        "one mistake per example whose prediction was wrong before its update, and stop after "
        f"the first epoch with no mistake. {_ORDER_HINT}"
    )


def _compare_errors(errors, expected, epochs, case, hint):
    got, want = errors.tolist(), expected.tolist()
    if 0 in got[:-1]:
        fail(
            f'train_perceptron gives errors_per_epoch = {got} on case "{case}": an epoch with '
            "no mistake is followed by more epochs. Training should stop after the first epoch "
            "with no mistake: once nothing is wrong the weights can never change again."
        )
    if got != want:
        fail(
            f'train_perceptron gives a wrong errors_per_epoch on case "{case}".\n'
            f"  expected {want}, got {got}\n{hint()}"
        )


def _update_hint(student):
    """Blame the student's own perceptron_update when train_perceptron calls it and it is wrong."""
    code = getattr(student, "__code__", None)
    update = getattr(student, "__globals__", {}).get("perceptron_update")
    if code is None or "perceptron_update" not in code.co_names or not callable(update):
        return ""
    w, b = np.array([1.0, -1.0]), 0.5
    for x, y, lr in [([0.0, 2.0], 1, 1.0), ([2.0, 1.0], 0, 0.5), ([1.0, 1.0], 1, 1.0)]:
        try:
            got = call_student(update, w, b, np.array(x), y, lr, case="a probe")
            want = ref.perceptron_update(w, b, np.array(x), y, lr)
            if not (np.allclose(got[0], want[0]) and np.isclose(float(got[1]), want[1])):
                raise CheckFailed("wrong")
        except (CheckFailed, TypeError, ValueError, IndexError):
            return (
                "\n  Your train_perceptron calls your perceptron_update, which gives wrong "
                "results: make its test pass first."
            )
    return ""


def _run(student, X, y, case, *, epochs, lr=1.0, seed=None):
    """Run the student's and the reference's training on one case and compare everything."""
    kwargs = {"lr": lr, "epochs": epochs}
    if seed is not None:
        kwargs["rng"] = np.random.default_rng(seed)
    result = call_student(student, X, y, case=case, **kwargs)
    w, b, errors = _unpack_training(result, case)
    if seed is not None:
        kwargs["rng"] = np.random.default_rng(seed)
    w_ref, b_ref, errors_ref = ref.train_perceptron(X, y, **kwargs)
    _check_errors_array(errors, epochs, case)

    def hint():
        return _training_hint((w, b, errors), X, y, lr, epochs, seed)

    try:
        _compare_errors(errors, errors_ref, epochs, case, hint)
        if np.shape(w) != w_ref.shape:
            fail(
                f'train_perceptron returned w with shape {np.shape(w)} on case "{case}"; '
                f"expected {w_ref.shape}, one weight per feature (D = {X.shape[1]})."
            )
        try:
            expect_close(w, w_ref, what="w", case=case)
        except CheckFailed as failure:
            fail(f"{failure}\n{hint()}")
        if np.ndim(b) != 0:
            fail(
                f'train_perceptron returned b with shape {np.shape(b)} on case "{case}"; '
                "the bias of one neuron is a single number."
            )
        expect_close(b, b_ref, what="b", case=case)
    except CheckFailed as failure:
        raise CheckFailed(str(failure) + _update_hint(student)) from None
    return w, b, errors


@register_custom(f"{_A}.train_perceptron")
def _train_perceptron(student, rng, hidden):
    X, y = _gate("and")
    _, _, errors = _run(student, X, y, "AND, lr = 1, epochs = 20", epochs=20)
    if errors[-1] != 0:
        fail("train_perceptron did not learn AND (a separable gate) in 20 epochs.")
    X, y = _gate("or")
    _run(student, X, y, "OR, lr = 0.5, epochs = 20", epochs=20, lr=0.5)
    X, y = _gate("xor")
    _, _, errors = _run(student, X, y, "XOR, epochs = 8", epochs=8)
    if len(errors) != 8 or errors.min() == 0:
        fail(
            "On XOR, errors_per_epoch must have 8 entries, none of them 0: no line separates "
            "XOR, so every epoch has a mistake and training runs until `epochs`."
        )
    X, y = _blobs(30, 0)
    _run(
        student, X, y, "separable blobs, lr = 0.5, rng = default_rng(1)", epochs=50, lr=0.5, seed=1
    )
    if not hidden:
        return
    X, y = _gate("and")
    _run(student, X, y, "AND, epochs = 2 (stops at the limit)", epochs=2)
    X, y = _gate("nand")
    _run(student, X, y, "NAND, lr = 0.1, rng = default_rng(7)", epochs=30, lr=0.1, seed=7)
    _run(student, np.array([[2.0, -1.0, 0.5]]), np.array([1]), "a single example, D = 3", epochs=5)
    _run(student, np.array([[1.0], [-1.0]]), np.array([1.0, 0.0]), "D = 1, float labels", epochs=5)
    X, y = _blobs(40, 3, separation=3.0)
    _run(student, X, y, "blobs, lr = 2, rng = default_rng(11)", epochs=60, lr=2.0, seed=11)
    X = rng.normal(size=(25, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(np.int64)
    _run(student, X, y, "random (25, 3), rng = default_rng(5)", epochs=200, lr=0.3, seed=5)
    X, y = _gate("xor")
    _run(student, X, y, "XOR, rng = default_rng(3), epochs = 15", epochs=15, seed=3)
