"""The ch02_activations checks: what the mutation bank cannot express.

Every known mistake must really be wrong on some case, the cases must include the inputs the
syllabus names (z = 0, |z| = 1000, a leak of 0.1, 0.01 and 0.002, softmax along both axes),
and no case may make the reference itself warn.
"""

import copy
import warnings

import numpy as np
import pytest

from backproplab.grading import ch02_activations as checks  # noqa: F401 (registers the checks)
from backproplab.grading import graded_functions
from trustedgrading.checks.core import _REGISTRY

NAMES = [n for n in _REGISTRY if n.startswith("ch02_activations.")]


def _cases(name, hidden=True):
    return list(_REGISTRY[name].cases(np.random.default_rng(0), hidden))


def test_the_graded_functions_are_each_activation_its_grad_and_softmax():
    names = graded_functions("ch02_activations")
    for act in ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]:
        assert act in names and f"{act}_grad" in names
    assert "softmax" in names and len(names) == 11


@pytest.mark.parametrize("name", NAMES)
def test_every_known_mistake_is_wrong_on_some_case(name):
    spec = _REGISTRY[name]
    for mistake in spec.mistakes:
        differs = False
        for case in _cases(name):
            want = spec.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except Exception:
                continue
            got = np.asarray(got, dtype=float)
            if got.shape != np.shape(want) or not np.allclose(got, want, equal_nan=True):
                differs = True
                break
        assert differs, f"{name}: {mistake.name!r} matches the reference on every case"


@pytest.mark.parametrize("name", NAMES)
def test_visible_cases_hold_the_edges(name):
    values = np.concatenate([np.ravel(c.args[0]) for c in _cases(name, hidden=False)])
    assert 0.0 in values
    if not name.endswith("softmax"):
        assert {-1000.0, 1000.0} <= set(values.tolist())
    else:
        assert values.max() >= 1000.0


@pytest.mark.parametrize(
    "name", ["ch02_activations.leaky_relu", "ch02_activations.leaky_relu_grad"]
)
def test_hidden_cases_try_each_common_leak(name):
    alphas = {c.kwargs.get("alpha") for c in _cases(name)}
    assert {0.1, 0.01, 0.002} <= alphas


def test_softmax_cases_use_both_axes_and_a_batch():
    cases = _cases("ch02_activations.softmax")
    assert {c.kwargs.get("axis") for c in cases} >= {0, 1, None}
    assert any(np.ndim(c.args[0]) == 2 and np.shape(c.args[0])[0] > 1 for c in cases)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_is_warning_free_on_every_case(name):
    spec = _REGISTRY[name]
    for case in _cases(name):
        out = spec.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        assert np.all(np.isfinite(out)), case.label
