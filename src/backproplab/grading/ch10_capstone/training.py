r"""The capstone's network: the student's ``predict(params, X)`` and ``train_cnn(X, y, rng)``.

Neither has one right answer (the architecture, the initialisation and the optimizer are the
student's), so both are custom checks that call the student's two functions together
(``companions``): in the grader, both run in the same sandboxed child, within its wall-clock
budget for the check.

- ``train_cnn``: trained on the 8×8 digits (``datasets.load_digits(images=True)``) minus a
  held-out fifth drawn with the check's generator, which the grader salts with the course's
  secret, so the held-out digits are ones the notebook never shows. The trained network is
  judged by the student's own ``predict`` on them: full marks at :data:`FULL_MARKS_ACCURACY`,
  partial credit from chance (:data:`CHANCE_ACCURACY`) up to it, and no marks, with a named
  message, below :data:`NOT_LEARNING_ACCURACY`, for NaN or infinite parameters, for a training
  slower than :data:`TRAIN_SECONDS`, or for ``predict`` output of the wrong kind. The hidden
  tests train a second time on another split and grade the worse of the two runs.
- ``predict``: its contract, on parameters from a short ``train_cnn`` run on 300 digits (not
  timed: a slow training costs ``train_cnn``'s marks only): one integer label in 0..9 per
  image, the same labels on a second call (no randomness left on at inference), and labels
  that do not depend on the other images in the batch.
"""

from __future__ import annotations

import time

import numpy as np

from backproplab.datasets import load_digits, train_test_split
from trustedgrading.checks import (
    CheckFailed,
    call_student,
    companion,
    describe,
    fail,
    register_custom,
)

_A = "ch10_capstone"

FULL_MARKS_ACCURACY = 0.95
"""Held-out accuracy at which the training check gives full marks (partial credit below)."""

TRAIN_SECONDS = 10.0
"""Wall-clock seconds one call of the student's ``train_cnn`` may take in the grader."""

CHANCE_ACCURACY = 0.1
"""The accuracy of guessing among the ten digits: partial credit is 0 there."""

NOT_LEARNING_ACCURACY = 0.2
"""Below this held-out accuracy the network has not learned: the training check fails."""

TEST_FRACTION = 0.2
"""The fraction of the digits held out from training and used to grade."""

PREDICT_TRAINING_DIGITS = 300
"""How many digits ``predict``'s check trains on, to get parameters to predict with."""

_CLASSES = 10


# --- predict's output ----------------------------------------------------------------------------


def _labels(labels, n, case):
    """The labels ``predict`` returned for ``n`` images, or a failure naming what is wrong."""
    where = f'on case "{case}"'
    if not isinstance(labels, np.ndarray):
        fail(
            f"predict should return a NumPy array of labels, but it returned {describe(labels)} "
            f"{where}. np.argmax(scores, axis=1) gives one."
        )
    labels = np.ndarray.view(labels, np.ndarray)  # the base class: a subclass cannot lie
    shape = labels.shape
    if len(shape) == 2 and shape[0] == n and shape[1] > 1:
        fail(
            f"predict returned an array of shape {shape} for {n} images {where}: one score or "
            "probability per class. Return one label per image: np.argmax(scores, axis=1)."
        )
    if shape == (n, 1):
        fail(
            f"predict returned shape {shape} for {n} images {where}; labels are a 1-D array of "
            f"shape ({n},): np.argmax(scores, axis=1), or .ravel()."
        )
    if shape != (n,):
        hint = (
            " Did you take the argmax over axis 0 (over the images) instead of axis 1 (over "
            "the classes)?"
            if shape == (_CLASSES,)
            else ""
        )
        fail(
            f"predict returned shape {shape} for {n} images {where}; expected ({n},), one label "
            f"per image.{hint}"
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        fail(
            f"predict returned NaN or infinite labels {where}: its scores are not finite (did "
            "training diverge?). Labels are integers 0..9, from np.argmax(scores, axis=1)."
        )
    if labels.dtype.kind not in "iu":
        fail(
            f"predict returned labels of dtype {labels.dtype} {where}; labels are integers "
            "0..9 (np.argmax returns int64; do not convert them to float)."
        )
    if n and (labels.min() < 0 or labels.max() >= _CLASSES):
        fail(
            f"predict returned labels from {labels.min()} to {labels.max()} {where}; the "
            f"digits are 0..{_CLASSES - 1}."
        )
    return labels


def _predict(predict, params, X, case):
    return _labels(call_student(predict, params, X, case=case), X.shape[0], case)


# --- train_cnn's output --------------------------------------------------------------------------


def _too_slow(seconds, n, stopped):
    took = (
        f"was stopped after {seconds:.1f} s"
        if stopped
        else f"took {seconds:.1f} s to train on {n} digits"
    )
    return (
        f"train_cnn is too slow: it {took}, over the limit of {TRAIN_SECONDS:g} s per training. "
        "Vectorise the layers (loop over the kernel offsets, not over pixels or examples), "
        "train for fewer epochs, or use a smaller network."
    )


def _train(train_cnn, X, y, seed, case):
    """Call the student's train_cnn, timed; returns ``(params, seconds)``."""
    start = time.perf_counter()
    try:
        params = call_student(train_cnn, X, y, np.random.default_rng(seed), case=case)
    except CheckFailed:
        seconds = time.perf_counter() - start
        if seconds > TRAIN_SECONDS:  # the grader stopped it, or it failed after too long
            fail(_too_slow(seconds, len(y), stopped=True))
        raise
    seconds = time.perf_counter() - start
    if seconds > TRAIN_SECONDS:
        fail(_too_slow(seconds, len(y), stopped=False))
    return params, seconds


def _check_params(params, case):
    """A dict of finite float arrays with at least one conv filter bank, or a failure."""
    if not isinstance(params, dict) or not params:
        fail(
            f"train_cnn should return params as a dict of NumPy arrays (e.g. W1, b1, W2, b2), "
            f'but it returned {describe(params)} on case "{case}".'
        )
    for key, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            fail(
                f'params[{key!r}] is {describe(value)} on case "{case}"; every parameter '
                "should be a NumPy array of numbers."
            )
        if not np.all(np.isfinite(value)):
            fail(
                f'Training diverged on case "{case}": params[{key!r}] holds NaN or infinite '
                "values. Lower the learning rate, look for a division by zero (Adam divides "
                "by sqrt(v) + eps: 0/0 where a gradient is exactly 0 without eps), check the "
                "gradients numerically, and compute the softmax from logits minus their row "
                "maximum."
            )
    if not any(value.ndim == 4 for value in params.values()):
        shapes = ", ".join(f"{key}: {value.shape}" for key, value in params.items())
        fail(
            "train_cnn should train a CNN, but none of its params is a conv filter bank, a 4-D "
            f"array of shape (F, C, HH, WW) ({shapes}). Put a conv2d_forward layer first."
        )


def _not_learning(accuracy, labels):
    same = np.unique(labels)
    constant = f" predict gives every digit the label {same[0]}." if same.size == 1 else ""
    return (
        f"train_cnn does not learn: the trained network labels {accuracy:.1%} of the held-out "
        f"digits correctly, no better than chance ({CHANCE_ACCURACY:.0%} for ten classes; any "
        f"marks need {NOT_LEARNING_ACCURACY:.0%}).{constant} Is the learning rate 0 or tiny? "
        "Are the updates applied to the params you return? Does predict use the same layers, "
        "in the same order, as training?"
    )


def _score(accuracy):
    """The fraction of the marks for a held-out accuracy: linear from chance to full marks."""
    if accuracy >= FULL_MARKS_ACCURACY:
        return 1.0
    return (accuracy - CHANCE_ACCURACY) / (FULL_MARKS_ACCURACY - CHANCE_ACCURACY)


def _advice(train_accuracy, test_accuracy):
    if train_accuracy - test_accuracy > 0.1:
        return (
            "The training digits are fitted much better than the held-out ones: the network "
            "overfits (fewer epochs, a smaller network, L2 or dropout from chapter 9)."
        )
    return (
        "The network fits the training digits poorly too: it underfits (more epochs, a "
        "better learning rate or optimizer, more filters)."
    )


@register_custom(f"{_A}.predict", companions=("train_cnn",))
def _predict_check(student, rng, hidden):
    X, y = load_digits(images=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, TEST_FRACTION, rng)
    n = PREDICT_TRAINING_DIGITS
    case = f"train_cnn on {n} digits, to get params for predict"
    train_cnn = companion(student, "train_cnn")
    try:
        # Not timed: a slow training costs train_cnn's marks, not predict's.
        params = call_student(
            train_cnn,
            X_train[:n],
            y_train[:n],
            np.random.default_rng(rng.integers(2**63)),
            case=case,
        )
    except CheckFailed as failed:
        raise CheckFailed(
            f"The check of predict first calls your train_cnn, to get params to predict "
            f"with:\n{failed}"
        ) from None
    batch = X_test[:50]
    labels = _predict(student, params, batch, "50 held-out digits")
    again = _predict(student, params, batch, "the same 50 digits again")
    if not np.array_equal(labels, again):
        fail(
            "predict gave other labels for the same params and images on a second call: "
            "nothing random may run at inference (is dropout still on?)."
        )
    parts = [(17, 29), (0, 1)] + ([(5, 6), (30, 50)] if hidden else [])
    for start, stop in parts:
        alone = _predict(student, params, batch[start:stop], f"digits {start}..{stop - 1} alone")
        if not np.array_equal(alone, labels[start:stop]):
            fail(
                f"predict labels digits {start}..{stop - 1} differently alone than in the batch "
                "of 50: a label must depend on its own image only (no statistics of the batch, "
                "no fixed batch size)."
            )
    if hidden:
        everything = _predict(student, params, X_test, f"all {len(X_test)} held-out digits")
        if not np.array_equal(everything[:50], labels):
            fail(
                "predict labels the first 50 held-out digits differently in a batch of "
                f"{len(X_test)}: a label must depend on its own image only."
            )


@register_custom(f"{_A}.train_cnn", companions=("predict",))
def _train_cnn(student, rng, hidden):
    predict = companion(student, "predict")
    X, y = load_digits(images=True)
    runs = []
    for run in range(1, 3 if hidden else 2):
        X_train, X_test, y_train, y_test = train_test_split(X, y, TEST_FRACTION, rng)
        case = f"split {run}: train on {len(y_train)} digits, {len(y_test)} held out"
        params, seconds = _train(student, X_train, y_train, rng.integers(2**63), case)
        _check_params(params, case)
        labels = _predict(predict, params, X_test, f"{case}, the held-out digits")
        accuracy = float(np.mean(labels == y_test))
        if accuracy < NOT_LEARNING_ACCURACY:
            fail(_not_learning(accuracy, labels))
        fitted = _predict(predict, params, X_train, f"{case}, the training digits")
        train_accuracy = float(np.mean(fitted == y_train))
        print(
            f"{case}: trained in {seconds:.1f} s (limit {TRAIN_SECONDS:g} s); held-out "
            f"accuracy {accuracy:.3f} (training {train_accuracy:.3f}); full marks at "
            f"{FULL_MARKS_ACCURACY:.2f}"
        )
        runs.append((_score(accuracy), train_accuracy, accuracy))
    score, train_accuracy, accuracy = min(runs)
    if score < 1.0:
        print(
            f"Partial credit: {accuracy:.3f} is {score:.0%} of the way from chance "
            f"({CHANCE_ACCURACY:.2f}) to full marks ({FULL_MARKS_ACCURACY:.2f}). "
            + _advice(train_accuracy, accuracy)
        )
        return score
    return None
