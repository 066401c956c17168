"""Tests for backproplab.diagnostics: hand-computed cases first, then properties."""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab.diagnostics import dead_relu_fraction, gradient_norms, update_ratio

# --- gradient_norms -----------------------------------------------------------------------


def _grads_345():
    # Layer 1: ||dW1||_F = sqrt(3^2 + 4^2) = 5, db1 = 0            -> 5
    # Layer 2: ||dW2||_F = 5 (3 and 4 again), ||db2|| = 12          -> sqrt(25 + 144) = 13
    # Layer 3: dW3 = 0, db3 = (6, 8)                                -> 10
    return {
        "W1": np.array([[3.0, 0.0, 0.0], [0.0, 0.0, -4.0]]),
        "b1": np.zeros(3),
        "W2": np.array([[0.0, 4.0], [0.0, 0.0], [-3.0, 0.0]]),
        "b2": np.array([12.0, 0.0]),
        "W3": np.zeros((2, 2)),
        "b3": np.array([-6.0, 8.0]),
    }


def test_gradient_norms_hand_computed():
    norms = gradient_norms(_grads_345())
    np.testing.assert_allclose(norms, [5.0, 13.0, 10.0], rtol=1e-15)
    assert norms.dtype == np.float64
    assert norms.shape == (3,)


def test_gradient_norms_key_order_does_not_matter():
    grads = _grads_345()
    shuffled = {key: grads[key] for key in ["b3", "W2", "b1", "W3", "W1", "b2"]}
    np.testing.assert_allclose(gradient_norms(shuffled), [5.0, 13.0, 10.0], rtol=1e-15)


def test_gradient_norms_more_than_nine_layers():
    # "W10" must be layer 10, not layer 1 followed by "0".
    grads = {}
    for layer in range(1, 11):
        grads[f"W{layer}"] = np.full((1, 1), float(layer))
        grads[f"b{layer}"] = np.zeros(1)
    np.testing.assert_array_equal(gradient_norms(grads), np.arange(1.0, 11.0))


def test_gradient_norms_any_parameter_shape():
    # A conv kernel (F, C, HH, WW) is fine: the norm runs over all its entries.
    grads = {"W1": np.full((2, 1, 2, 2), 0.5), "b1": np.zeros(2)}  # sqrt(8 * 0.25) = sqrt(2)
    np.testing.assert_allclose(gradient_norms(grads), [np.sqrt(2.0)], rtol=1e-15)


def test_gradient_norms_huge_and_infinite_values_do_not_warn():
    # Squaring 3e200 overflows float64; the norm itself (5e200) does not.
    huge = {"W1": np.array([[3e200, 4e200]]), "b1": np.zeros(2)}
    np.testing.assert_allclose(gradient_norms(huge), [5e200], rtol=1e-14)
    exploded = {"W1": np.array([[np.inf, 1.0]]), "b1": np.zeros(2)}
    assert gradient_norms(exploded)[0] == np.inf
    tiny = {"W1": np.array([[3e-200, 4e-200]]), "b1": np.zeros(2)}
    np.testing.assert_allclose(gradient_norms(tiny), [5e-200], rtol=1e-14)


def test_gradient_norms_overflowing_layer_norm_is_inf_without_warning():
    # Each part's norm (sqrt(2) * 1e308) is finite, their combination is not: np.hypot used
    # to warn "overflow encountered in hypot".
    grads = {
        "W1": 1e308 * np.ones(2),
        "b1": 1e308 * np.ones(2),
        "W2": np.array([1e308]),
        "b2": np.array([1e308]),  # sqrt(2) * 1e308 is still finite
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = gradient_norms(grads)
    assert norms[0] == np.inf
    np.testing.assert_allclose(norms[1], np.sqrt(2.0) * 1e308, rtol=1e-15)


def test_gradient_norms_does_not_mutate():
    grads = _grads_345()
    before = {key: value.copy() for key, value in grads.items()}
    gradient_norms(grads)
    assert grads.keys() == before.keys()
    for key, value in grads.items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("key", ["w1", "W0", "W01", "gamma1", "W", "dW1", "W1 ", "W1\n"])
def test_gradient_norms_rejects_bad_keys(key):
    grads = {"W1": np.ones((1, 1)), "b1": np.ones(1), key: np.ones(1)}
    with pytest.raises(ValueError, match=f"gradient_norms: unexpected key {re.escape(repr(key))}"):
        gradient_norms(grads)


def test_gradient_norms_rejects_non_string_key():
    with pytest.raises(ValueError, match="gradient_norms: unexpected key 1 in grads"):
        gradient_norms({"W1": np.ones(1), "b1": np.ones(1), 1: np.ones(1)})


def test_gradient_norms_missing_layer_or_parameter():
    with pytest.raises(ValueError, match="gradient_norms: grads has no W2"):
        gradient_norms({"W1": np.ones(1), "b1": np.ones(1), "W3": np.ones(1), "b3": np.ones(1)})
    with pytest.raises(ValueError, match="gradient_norms: grads has no b1"):
        gradient_norms({"W1": np.ones(1)})
    with pytest.raises(ValueError, match="gradient_norms: grads has no W1"):
        gradient_norms({"b1": np.ones(1)})


def test_gradient_norms_bad_container_and_values():
    with pytest.raises(TypeError, match="gradient_norms: grads must be a dict"):
        gradient_norms([np.ones(1)])
    with pytest.raises(ValueError, match="gradient_norms: grads is empty"):
        gradient_norms({})
    with pytest.raises(ValueError, match=r"gradient_norms: grads\['b1'\] contains NaN"):
        gradient_norms({"W1": np.ones(1), "b1": np.array([np.nan])})


# --- dead_relu_fraction -------------------------------------------------------------------


def test_dead_fraction_hand_built():
    z = np.array(
        [
            # unit 0: negative everywhere -> dead
            # unit 1: negative on all examples but the last -> alive
            # unit 2: exactly 0 everywhere -> dead (ReLU outputs 0, relu_grad(0) = 0)
            # unit 3: positive everywhere -> alive
            # unit 4: positive on the first example only -> alive
            [-1.0, -3.0, 0.0, 2.0, 0.1],
            [-0.5, -2.0, 0.0, 1.0, -5.0],
            [-2.0, 1e-9, 0.0, 3.0, -5.0],
        ]
    )
    assert dead_relu_fraction(z) == pytest.approx(2 / 5, abs=1e-15)


def test_dead_fraction_extremes():
    assert dead_relu_fraction(-np.ones((4, 3))) == 1.0
    assert dead_relu_fraction(np.ones((4, 3))) == 0.0
    assert isinstance(dead_relu_fraction(np.ones((1, 1))), float)


def test_dead_fraction_single_example_batch():
    assert dead_relu_fraction(np.array([[1.0, -1.0, 0.0, 2.0]])) == 0.5


def test_dead_fraction_does_not_mutate():
    z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    before = z.copy()
    dead_relu_fraction(z)
    np.testing.assert_array_equal(z, before)


def test_dead_fraction_bad_inputs():
    with pytest.raises(
        ValueError, match=r"dead_relu_fraction: pre_activations must be 2-D \(N, M\)"
    ):
        dead_relu_fraction(np.ones(5))
    with pytest.raises(ValueError, match=r"must be 2-D.*got shape \(2, 3, 4\)"):
        dead_relu_fraction(np.ones((2, 3, 4)))
    with pytest.raises(
        ValueError, match=r"dead_relu_fraction: pre_activations is empty \(shape \(0, 3\)\)"
    ):
        dead_relu_fraction(np.ones((0, 3)))
    with pytest.raises(ValueError, match="pre_activations is empty"):
        dead_relu_fraction(np.ones((3, 0)))
    with pytest.raises(ValueError, match="pre_activations contains NaN"):
        dead_relu_fraction(np.array([[np.nan]]))


# --- update_ratio -------------------------------------------------------------------------


def test_update_ratio_hand_computed():
    # ||w|| = sqrt(3^2 + 4^2) = 5; ||update|| = sqrt(0.003^2 + 0.004^2) = 0.005 -> 1e-3
    w = np.array([[3.0, 0.0], [0.0, -4.0]])
    update = np.array([[0.0, -0.003], [0.004, 0.0]])
    assert update_ratio(w, update) == pytest.approx(1e-3, rel=1e-14)
    assert update_ratio(np.array([2.0]), np.array([0.0])) == 0.0


def test_update_ratio_huge_values_do_not_overflow():
    assert update_ratio([3e200, 4e200], [6e200, 8e200]) == pytest.approx(2.0, rel=1e-14)


def test_update_ratio_does_not_mutate():
    w, u = np.array([1.0, 2.0]), np.array([0.1, -0.2])
    w0, u0 = w.copy(), u.copy()
    update_ratio(w, u)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(u, u0)


def test_update_ratio_bad_inputs():
    with pytest.raises(
        ValueError, match=r"update_ratio: w has shape \(2, 3\) but update has shape \(3, 2\)"
    ):
        update_ratio(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="update_ratio: w is all zeros"):
        update_ratio(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="update_ratio: w is empty"):
        update_ratio(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="update_ratio: update contains a non-finite value"):
        update_ratio(np.ones(2), np.array([1.0, np.inf]))


# --- properties ---------------------------------------------------------------------------

seeds = st.integers(0, 2**32 - 1)


@given(seeds, st.integers(1, 6))
def test_gradient_norms_match_flattened_norm(seed, n_layers):
    g = np.random.default_rng(seed)
    grads = {}
    for layer in range(1, n_layers + 1):
        d_in, d_out = g.integers(1, 5, size=2)
        grads[f"W{layer}"] = g.normal(size=(d_in, d_out))
        grads[f"b{layer}"] = g.normal(size=d_out)
    expected = [
        np.linalg.norm(np.concatenate([grads[f"W{l}"].ravel(), grads[f"b{l}"]]))
        for l in range(1, n_layers + 1)
    ]
    np.testing.assert_allclose(gradient_norms(grads), expected, rtol=1e-13)


@given(seeds, st.integers(1, 10), st.integers(1, 10))
def test_dead_fraction_matches_loop_and_is_permutation_invariant(seed, n, m):
    g = np.random.default_rng(seed)
    z = g.normal(size=(n, m)) - g.uniform(0.0, 3.0, size=m)  # some columns likely dead
    dead = sum(all(z[i, j] <= 0 for i in range(n)) for j in range(m))
    frac = dead_relu_fraction(z)
    assert frac == pytest.approx(dead / m, abs=1e-15)
    assert 0.0 <= frac <= 1.0
    assert dead_relu_fraction(z[g.permutation(n)]) == frac
    assert dead_relu_fraction(3.0 * z) == frac


@given(seeds, st.floats(-1e3, 1e3).filter(lambda c: c != 0), st.floats(1e-3, 1e3))
def test_update_ratio_scaling(seed, c, a):
    g = np.random.default_rng(seed)
    w, u = g.normal(size=(3, 2)), g.normal(size=(3, 2))
    assert update_ratio(w, c * w) == pytest.approx(abs(c), rel=1e-12)
    assert update_ratio(a * w, a * u) == pytest.approx(update_ratio(w, u), rel=1e-12)


def test_update_ratio_with_entries_near_the_float64_limit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # both norms overflow float64 (sqrt(2) * 1e308 each), but their ratio is 1/2
        r = update_ratio(np.full(2, 1.6e308), np.full(2, 0.8e308))
    assert r == pytest.approx(0.5)
