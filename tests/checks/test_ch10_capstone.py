"""The logic of ch10_capstone's network checks, with fast stand-in "students".

The stand-in network is a nearest-neighbour classifier dressed as a CNN: ``train_cnn`` keeps
the training images as its 4-D "filter bank" ``W1`` and ``predict`` returns the label of the
nearest one. It trains instantly and labels about 98% of held-out digits right, so each test
can change one thing (a corrupted label, a NaN, a slow training) and look at the verdict. The
reference solution and the wrong versions of it are in the bank
(``tests/checks/mutants/ch10_capstone.toml``, run by ``test_mutants.py``).
"""

import contextlib
import io
import re
import textwrap

import numpy as np
import pytest

from backproplab.datasets import load_digits
from backproplab.grading import CheckFailed, check
from backproplab.grading.ch10_capstone import (
    CHANCE_ACCURACY,
    FULL_MARKS_ACCURACY,
    TEST_FRACTION,
    TRAIN_SECONDS,
    training,
)
from trustedgrading.nbgrader.extract import function_source
from trustedgrading.runner import run_test_cell, source_names
from trustedgrading.sandbox.launch import Limits

NEAREST = """
def train_cnn(X, y, rng):
    return {"W1": X.copy(), "b1": y.astype(float)}


def distances(params, X):
    train = params["W1"].reshape(len(params["W1"]), -1)
    flat = X.reshape(len(X), -1)
    return (flat**2).sum(1)[:, None] - 2 * flat @ train.T + (train**2).sum(1)[None, :]


def nearest(params, X):
    return distances(params, X).argmin(axis=1)


def predict(params, X):
    return params["b1"][nearest(params, X)].astype(np.int64)
"""


def student(*changes):
    """The nearest-neighbour stand-in, with ``changes`` (definitions that replace its own)."""
    namespace = {"np": np}
    for source in (NEAREST, *changes):
        exec(textwrap.dedent(source), namespace)
    return namespace


def grade(function, namespace, hidden=True, salt=b""):
    """``(score, printed output)``, or ``(0.0, failure message)``."""
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            score = check(
                f"ch10_capstone.{function}", namespace[function], hidden=hidden, salt=salt
            )
    except CheckFailed as failure:
        return 0.0, str(failure)
    return (1.0 if score is None else score), output.getvalue()


def held_out_accuracies(text):
    return [float(a) for a in re.findall(r"held-out accuracy (\d\.\d+)", text)]


# --- the training check --------------------------------------------------------------------------


def test_a_network_above_the_bar_gets_full_marks_on_both_splits():
    score, text = grade("train_cnn", student())
    assert score == 1.0, text
    accuracies = held_out_accuracies(text)
    assert len(accuracies) == 2 and min(accuracies) >= FULL_MARKS_ACCURACY
    assert "split 1: train on 1437 digits, 360 held out" in text and "split 2" in text
    _, visible = grade("train_cnn", student(), hidden=False)
    assert len(held_out_accuracies(visible)) == 1


RECORDING = """
def train_cnn(X, y, rng):
    SEEN["train"].append(X.copy())
    return {"W1": X.copy(), "b1": y.astype(float)}


def predict(params, X):
    if len(X) != len(params["W1"]):  # the held-out digits, not the training ones again
        SEEN["held out"].append(X.copy())
    return params["b1"][nearest(params, X)].astype(np.int64)
"""


def _splits(salt, hidden=True):
    """The training sets train_cnn received and the held-out sets predict received."""
    namespace = student(RECORDING)
    namespace["SEEN"] = seen = {"train": [], "held out": []}
    grade("train_cnn", namespace, hidden=hidden, salt=salt)
    return seen


def _rows(images):
    return sorted(map(bytes, np.ascontiguousarray(images.reshape(len(images), -1))))


def test_the_held_out_digits_are_the_rest_of_the_digits_and_never_trained_on():
    X, _ = load_digits(images=True)
    seen = _splits(b"")
    assert len(seen["train"]) == len(seen["held out"]) == 2
    for train, held_out in zip(seen["train"], seen["held out"], strict=True):
        assert len(held_out) == int(np.ceil(TEST_FRACTION * len(X)))
        # Together they are the whole data set, each digit once: nothing held out is trained on.
        assert _rows(np.concatenate([train, held_out])) == _rows(X)
    assert _rows(seen["held out"][0]) != _rows(seen["held out"][1])  # the hidden split differs


def test_the_grading_secret_draws_other_held_out_digits():
    plain, again, salted = _splits(b"", False), _splits(b"", False), _splits(b"secret", False)
    assert _rows(plain["held out"][0]) == _rows(again["held out"][0])
    assert _rows(plain["held out"][0]) != _rows(salted["held out"][0])


WRONG_ON_EVEN = """
def predict(params, X):
    labels = params["b1"][nearest(params, X)].astype(np.int64)
    labels[::2] = (labels[::2] + 1) % 10  # every second image gets the next digit
    return labels
"""


def test_below_the_bar_the_marks_grow_linearly_from_chance():
    score, text = grade("train_cnn", student(WRONG_ON_EVEN))
    worst = min(held_out_accuracies(text))
    assert 0.3 < worst < 0.6
    expected = (worst - CHANCE_ACCURACY) / (FULL_MARKS_ACCURACY - CHANCE_ACCURACY)
    assert score == pytest.approx(expected, abs=1e-3)  # the printed accuracy has 3 decimals
    assert f"partial credit, {score:.0%} of the marks" in text
    assert "underfits" in text


ONLY_MEMORISED = """
def predict(params, X):
    labels = params["b1"][nearest(params, X)].astype(np.int64)
    seen = distances(params, X).min(axis=1) < 1e-9  # a training digit
    labels[~seen & (np.arange(len(X)) % 2 == 0)] += 1  # wrong on half of the unseen digits
    return labels % 10
"""


def test_a_network_that_fits_only_its_training_digits_is_told_it_overfits():
    score, text = grade("train_cnn", student(ONLY_MEMORISED), hidden=False)
    assert 0.0 < score < 1.0
    assert "(training 1.000)" in text and "overfits" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "def predict(params, X):\n    return np.full(len(X), 3)\n",
            r"does not learn: .*no better than chance.* gives every digit the label 3",
        ),
        (
            "def train_cnn(X, y, rng):\n    return {'W1': X * np.nan, 'b1': y.astype(float)}\n",
            r"Training diverged .*params\['W1'\] holds NaN or infinite",
        ),
        (
            "def train_cnn(X, y, rng):\n    return {'W1': X.reshape(len(X), -1), 'b1': y * 1.0}\n",
            r"none of its params is a conv filter bank.*W1: \(1437, 64\)",
        ),
        (
            "def train_cnn(X, y, rng):\n    return {'W1': X, 'b1': [1, 2]}\n",
            r"params\['b1'\] is a list of length 2",
        ),
        (
            "def predict(params, X):\n    return nearest(params, X)[:, None] % 10\n",
            r"shape \(360, 1\).*1-D array",
        ),
        (
            "def predict(params, X):\n    return nearest(params, X) + 5\n",
            r"labels from \d+ to \d+ .*the digits are 0..9",
        ),
        (
            "def predict(params, X):\n    return np.full(len(X), np.nan)\n",
            r"NaN or infinite labels",
        ),
        (
            "def predict(params, X):\n    raise NotImplementedError()\n",
            r"^predict is not implemented yet",
        ),
    ],
    ids=["constant", "nan", "not-a-cnn", "not-arrays", "column", "range", "nan-labels", "blank"],
)
def test_each_failure_of_the_training_check_is_named(change, message):
    score, text = grade("train_cnn", student(change), hidden=False)
    assert score == 0.0 and re.search(message, text), text


def test_a_slow_training_fails_the_training_check_but_not_predicts(monkeypatch):
    monkeypatch.setattr(training, "TRAIN_SECONDS", 0.2)
    slow = """
    def train_cnn(X, y, rng):
        __import__("time").sleep(0.3)
        return {"W1": X, "b1": y * 1.0}
    """
    score, text = grade("train_cnn", student(slow), hidden=False)
    assert score == 0.0 and re.search(r"too slow: it took 0\.\d s to train .*limit of 0.2 s", text)
    assert grade("predict", student(slow), hidden=False)[0] == 1.0


def test_a_training_the_sandbox_stops_is_named_too_slow():
    slow = "def train_cnn(X, y, rng):\n    __import__('time').sleep(60)\n"
    cells = [(0, NEAREST), (1, slow)]
    calls = [("ch10_capstone.train_cnn", "train_cnn", False)]
    names = source_names(calls)["train_cnn"]
    source = function_source(cells, "train_cnn", companions=names[1:])
    wall = TRAIN_SECONDS + 1.5
    score, text, _ = run_test_cell(calls, {"train_cnn": source}, Limits(wall_seconds=wall))
    assert score == 0.0
    stopped = re.search(r"train_cnn is too slow: it was stopped after (\d+\.\d) s", text)
    assert stopped and TRAIN_SECONDS < float(stopped[1]) <= wall, text


# --- the predict check ---------------------------------------------------------------------------


def test_predict_passes_on_the_stand_in_and_names_a_train_cnn_it_cannot_use():
    assert grade("predict", student())[0] == 1.0
    blank = "def train_cnn(X, y, rng):\n    raise NotImplementedError()\n"
    score, text = grade("predict", student(blank))
    assert score == 0.0
    assert text.startswith("The check of predict first calls your train_cnn")
    assert "train_cnn is not implemented yet" in text


def test_predict_is_checked_on_a_short_training():
    namespace = student(RECORDING)
    namespace["SEEN"] = seen = {"train": [], "held out": []}
    assert grade("predict", namespace)[0] == 1.0
    assert [len(X) for X in seen["train"]] == [training.PREDICT_TRAINING_DIGITS]
