"""The ch09 checks' own logic: the known mistakes show on the visible cases, are named
unambiguously, and each is proven by a mutant of the bank.

The bank (tests/checks/mutants/ch09_generalization.toml) runs mutants of the reference
solution; these tests run the checks' table of mistakes itself, so that a mistake added to a
check without a case that tells it apart fails here.
"""

import copy
import re

import numpy as np
import pytest
from support.solutions import load_bank

from backproplab import augment, regularization, training
from backproplab.grading import known_mistakes
from backproplab.grading.ch09_generalization import (
    augmentation,
    dropout,
    stopping,
    weight_decay,
)

A = "ch09_generalization"


def _call(fn, case):
    return fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


def _flat(result):
    """One array from an output: a forward pass's out (without its cache), or a dict of
    gradients in key order."""
    if isinstance(result, tuple):
        result = result[0]
    if isinstance(result, dict):
        return np.concatenate([np.ravel(v) for v in result.values()])
    return np.asarray(result, dtype=float)


def _output(fn, case):
    """``fn``'s output on the case as one array, or None if it raises (a check skips a mistake
    that raises, such as a backward pass that cannot handle the inference cache)."""
    try:
        return _flat(_call(fn, case))
    except Exception:
        return None


def _same(a, b):
    return (
        a is not None
        and b is not None
        and a.shape == b.shape
        and np.allclose(a, b, rtol=1e-6, atol=1e-12)
    )


# function: (its cases, the reference, the check's mistakes)
COMPARED = {
    "dropout_forward": (
        dropout._forward_cases,
        regularization.dropout_forward,
        dropout._FORWARD_MISTAKES,
    ),
    "dropout_backward": (
        dropout._backward_cases,
        regularization.dropout_backward,
        dropout._BACKWARD_MISTAKES,
    ),
    "l2_penalty": (weight_decay._cases, regularization.l2_penalty, weight_decay._PENALTY_MISTAKES),
    "l2_grad": (weight_decay._cases, regularization.l2_grad, weight_decay._GRAD_MISTAKES),
    "translate": (
        augmentation._translate_cases,
        augment.translate,
        augmentation._TRANSLATE_MISTAKES,
    ),
    "rotate": (augmentation._rotate_cases, augment.rotate, augmentation._ROTATE_MISTAKES),
}


@pytest.mark.parametrize("function", COMPARED)
def test_each_mistake_fails_a_visible_case_where_no_earlier_mistake_looks_the_same(function):
    # A student whose code is the mistake fails the first visible case on which it differs
    # from the reference; the message names the first mistake in the table that gives the
    # same output there, which must be this one.
    cases, reference, mistakes = COMPARED[function]
    visible = list(cases(np.random.default_rng(0), False))
    expected = [_flat(_call(reference, case)) for case in visible]
    for k, mistake in enumerate(mistakes):
        outputs = [_output(mistake.fn, case) for case in visible]
        first = next((i for i, o in enumerate(outputs) if not _same(o, expected[i])), None)
        assert first is not None, f"{function}: no visible case shows {mistake.name!r}"
        case = visible[first]
        for earlier in mistakes[:k]:
            assert not _same(_output(earlier.fn, case), outputs[first]), (
                f"{function}: on {case.label!r}, {mistake.name!r} looks like {earlier.name!r}"
            )


def test_the_visible_cases_tell_every_should_stop_mistake_apart():
    visible = list(stopping._cases(np.random.default_rng(0), False))
    answers = {
        "reference": tuple(bool(training.should_stop(*case.args)) for case in visible),
    }
    for mistake in stopping._MISTAKES:
        answers[mistake.name] = tuple(bool(mistake.fn(*case.args)) for case in visible)
    by_answers = {}
    for name, vector in answers.items():
        by_answers.setdefault(vector, []).append(name)
    assert all(len(names) == 1 for names in by_answers.values()), by_answers


def test_every_known_mistake_is_proven_by_a_mutant_of_the_bank():
    mutants = load_bank(A).mutants
    for check, mistakes in known_mistakes().items():
        assignment, function = check.split(".")
        if assignment != A:
            continue
        patterns = [m["message"] for m in mutants if m["function"] == function]
        for mistake in mistakes:
            assert any(re.search(p, mistake.name, re.IGNORECASE) for p in patterns), (
                f"no mutant of {function} is caught as {mistake.name!r}"
            )


def test_every_check_knows_at_least_five_mistakes():
    table = {k: v for k, v in known_mistakes().items() if k.startswith(A + ".")}
    assert len(table) == 7
    assert all(len(mistakes) >= 5 for mistakes in table.values()), table


def test_a_dropout_with_another_mask_is_recognised_and_a_wrong_scale_is_not():
    x = np.array([[1.0, -2.0, 0.0], [3.0, 4.0, -5.0]])
    keep = np.array([[True, False, True], [True, True, False]])
    other = np.array([[False, True, True], [True, False, True]])
    # a dropout of x with another mask: recognised, with the fraction of entries it keeps
    assert dropout._other_mask(x * other / 0.75, x, keep, 0.25) == 0.6
    # the right mask (a wrong answer for some other reason), a wrong scale, no mask at all
    assert dropout._other_mask(x * keep / 0.75, x, keep, 0.25) is None
    assert dropout._other_mask(x * other, x, keep, 0.25) is None
    assert dropout._other_mask(x + 1.0, x, keep, 0.25) is None
