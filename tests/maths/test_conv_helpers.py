"""Tests for backproplab.conv: the single-channel helpers (correlate2d_valid, convolve2d_full,
rot180) and the rotation identity dX = convolve2d_full(dO, F) that links them to the layer.

Hand-computed cases, a numerical gradient check (and the unrotated kernel it must reject),
then Hypothesis properties with scipy as an oracle.
"""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from support.conv_common import EXACT_TOL, F2, O_HAND, X3, as_image, assert_gradient_matches

from backproplab.conv import (
    conv2d_backward,
    conv2d_forward,
    convolve2d_full,
    correlate2d_valid,
    rot180,
)
from backproplab.gradcheck import numerical_vjp


def test_syllabus_case_correlate2d_valid():
    np.testing.assert_array_equal(correlate2d_valid(X3, F2), O_HAND)


def test_convolve2d_full_flips_the_kernel():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    # O[i, j] = sum_pq x[p, q] k[i - p, j - q]: x at offset (0, 0) minus x at offset (1, 1).
    expected = [[1, 2, 0], [3, 4 - 1, -2], [0, -3, -4]]
    np.testing.assert_array_equal(convolve2d_full(x, k), expected)


def test_rot180_by_hand():
    np.testing.assert_array_equal(rot180([[1, 2, 3], [4, 5, 6]]), [[6, 5, 4], [3, 2, 1]])
    w = np.arange(24.0).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(rot180(w)[1, 2], [[23, 22], [21, 20]])


def test_rotation_identity_matches_numerical_gradient(rng):
    X = rng.standard_normal((5, 4))
    F = rng.standard_normal((3, 2))
    dO = rng.standard_normal((3, 3))
    numerical = numerical_vjp(lambda X_: correlate2d_valid(X_, F), X, dO)
    assert_gradient_matches(numerical, convolve2d_full(dO, F))
    numerical_F = numerical_vjp(lambda F_: correlate2d_valid(X, F_), F, dO)
    assert_gradient_matches(numerical_F, correlate2d_valid(X, dO))


def test_checker_rejects_dx_with_unrotated_kernel(rng):
    """The check above is able to fail: the classic mistake does not pass it."""
    X = rng.standard_normal((5, 4))
    F = rng.standard_normal((3, 2))
    dO = rng.standard_normal((3, 3))
    numerical = numerical_vjp(lambda X_: correlate2d_valid(X_, F), X, dO)
    # Full cross-correlation with F itself instead of rot180(F).
    wrong = correlate2d_valid(np.pad(dO, ((2, 2), (1, 1))), F)
    with pytest.raises(AssertionError, match="relative error"):
        assert_gradient_matches(numerical, wrong)


@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_single_channel_helpers_match_scipy(H, W, HH, WW, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((H, W))
    k = rng.standard_normal((HH, WW))
    full = scipy.signal.convolve2d(x, k, mode="full")
    np.testing.assert_allclose(convolve2d_full(x, k), full, rtol=0, atol=EXACT_TOL)
    np.testing.assert_array_equal(rot180(k), np.rot90(k, 2))
    if HH <= H and WW <= W:
        valid = scipy.signal.correlate2d(x, k, mode="valid")
        np.testing.assert_allclose(correlate2d_valid(x, k), valid, rtol=0, atol=EXACT_TOL)


@given(
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_rotation_identity_and_layer_dx(H_out, W_out, HH, WW, seed):
    """dX = convolve2d_full(dO, F) = full correlation with rot180(F) = conv2d_backward's dx."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((H_out + HH - 1, W_out + WW - 1))
    F = rng.standard_normal((HH, WW))
    dO = rng.standard_normal((H_out, W_out))
    dX = convolve2d_full(dO, F)
    full_corr = correlate2d_valid(np.pad(dO, ((HH - 1, HH - 1), (WW - 1, WW - 1))), rot180(F))
    np.testing.assert_allclose(dX, full_corr, rtol=0, atol=EXACT_TOL)
    _, cache = conv2d_forward(as_image(X), as_image(F), np.zeros(1))
    dx, dw, _ = conv2d_backward(as_image(dO), cache)
    np.testing.assert_allclose(dx, as_image(dX), rtol=0, atol=EXACT_TOL)
    np.testing.assert_allclose(dw, as_image(correlate2d_valid(X, dO)), rtol=0, atol=EXACT_TOL)


def test_helpers_bad_input():
    with pytest.raises(ValueError, match=r"k has shape \(3, 1\) but x has shape \(2, 5\).*fit"):
        correlate2d_valid(np.zeros((2, 5)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="x must be 2-D"):
        convolve2d_full(np.zeros(4), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="k is empty"):
        convolve2d_full(np.zeros((2, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        rot180([1.0, 2.0])
