"""The ch01_perceptron checks: what the mutation bank cannot express.

Every known mistake must really be wrong on some case (otherwise its hint could be shown for a
correct answer), the training check must blame the student's own perceptron_update when the
training loop uses it, and the replayed wrong training loops must differ from the reference.
"""

import copy

import numpy as np
import pytest

from backproplab import datasets, perceptron
from backproplab.grading import CheckFailed, check, graded_functions
from backproplab.grading import ch01_perceptron as checks
from trustedgrading.checks.core import _REGISTRY


def _differs(spec, mistake):
    rng = np.random.default_rng(0)
    for case in spec.cases(rng, True):
        expected = spec.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        try:
            with np.errstate(all="ignore"):
                wrong = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception:
            continue
        pairs = zip(wrong, expected, strict=True) if len(spec.outputs) > 1 else [(wrong, expected)]
        for got, want in pairs:
            got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
            if got.shape != want.shape or not np.allclose(got, want, equal_nan=True):
                return True
    return False


def test_the_graded_functions_are_those_of_the_syllabus():
    assert graded_functions("ch01_perceptron") == [
        "step",
        "perceptron_predict",
        "perceptron_update",
        "train_perceptron",
    ]


@pytest.mark.parametrize(
    "name", [n for n, s in _REGISTRY.items() if n.startswith("ch01_perceptron.") and s.mistakes]
)
def test_every_known_mistake_is_wrong_on_some_case(name):
    spec = _REGISTRY[name]
    for mistake in spec.mistakes:
        assert _differs(spec, mistake), f"{name}: {mistake.name!r} matches the reference"


def test_hand_computed_update():
    # z = 1*0 + (-1)*2 + 0.5 = -1.5, so y_hat = 0, e = 1: w + x, b + 1 (lr = 1)
    case = next(
        c for c in checks._update_cases(np.random.default_rng(0), False) if "fire" in c.label
    )
    w, b = perceptron.perceptron_update(*case.args)
    np.testing.assert_array_equal(w, [1.0, 1.0])
    assert b == 1.5


@pytest.mark.parametrize("flags, _hint", checks._TRAINING_MISTAKES)
def test_every_wrong_training_loop_differs_from_the_reference(flags, _hint):
    cases = [
        (*datasets.logic_gate("and"), 1.0, 20, None),
        (*datasets.logic_gate("nand"), 0.1, 30, 7),
        (*checks._blobs(30, 0), 0.5, 50, 1),
    ]
    differs = False
    for X, y, lr, epochs, seed in cases:
        rng = None if seed is None else np.random.default_rng(seed)
        bad = checks._variant_train(X, y, lr, epochs, rng, **flags)
        rng = None if seed is None else np.random.default_rng(seed)
        good = perceptron.train_perceptron(X, y, lr=lr, epochs=epochs, rng=rng)
        differs |= not (np.array_equal(bad[2], good[2]) and np.allclose(bad[0], good[0]))
    assert differs, flags


def test_the_loop_with_no_mistake_switched_on_is_the_reference():
    X, y = checks._blobs(30, 0)
    got = checks._variant_train(X, y, 0.5, 50, np.random.default_rng(1))
    want = perceptron.train_perceptron(X, y, lr=0.5, epochs=50, rng=np.random.default_rng(1))
    np.testing.assert_allclose(got[0], want[0])
    assert got[1] == pytest.approx(want[1])
    np.testing.assert_array_equal(got[2], want[2])


def _student_namespace(update_source):
    namespace = {"np": np}
    exec(
        """
def perceptron_predict(X, w, b):
    return (np.asarray(X, dtype=float) @ w + b > 0).astype(float)

def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(len(X)) if rng is None else rng.permutation(len(X))
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
"""
        + update_source,
        namespace,
    )
    return namespace


def test_training_passes_with_a_correct_update(capsys):
    ns = _student_namespace(
        """
def perceptron_update(w, b, x, y, lr):
    e = y - perceptron_predict(x, w, b)
    return w + lr * e * x, b + lr * e
"""
    )
    check("ch01_perceptron.train_perceptron", ns["train_perceptron"], hidden=True)
    assert "train_perceptron" in capsys.readouterr().out


def test_training_blames_the_students_own_wrong_update():
    ns = _student_namespace(
        """
def perceptron_update(w, b, x, y, lr):
    e = y - perceptron_predict(x, w, b)
    return w + e * x, b + e
"""
    )
    with pytest.raises(CheckFailed, match="calls your perceptron_update, which gives wrong"):
        check("ch01_perceptron.train_perceptron", ns["train_perceptron"])
