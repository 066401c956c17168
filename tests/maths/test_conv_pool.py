"""Tests for backproplab.conv: max pooling (maxpool2d_forward, maxpool2d_backward).

Hand-computed cases (floored sizes, ties, infinities, overlapping windows), a numerical
gradient check, and a loop oracle with many ties. Its contracts and bad input are in
test_conv_contracts.py.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.conv_common import EXACT_TOL, as_image, assert_gradient_matches

from backproplab.conv import maxpool2d_backward, maxpool2d_forward
from backproplab.gradcheck import numerical_vjp


def test_maxpool_floors_and_unread_rows_get_zero_gradient():
    x = np.arange(25.0).reshape(5, 5)  # maxima at the bottom-right of each 2x2 window
    out, cache = maxpool2d_forward(as_image(x))
    np.testing.assert_array_equal(out, as_image([[6, 8], [16, 18]]))
    dx = maxpool2d_backward(as_image([[1.0, 2.0], [3.0, 4.0]]), cache)
    expected = np.zeros((5, 5))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx, as_image(expected))  # row 4 and column 4: zero
    assert maxpool2d_forward(np.zeros((1, 1, 7, 6)), size=3, stride=2)[0].shape == (1, 1, 3, 2)


def test_maxpool_by_hand():
    x = np.array(
        [
            [1.0, 5.0, 0.0, 2.0],
            [3.0, 2.0, 7.0, 1.0],
            [0.0, 0.0, 4.0, 4.0],
            [6.0, 1.0, 4.0, 9.0],
        ]
    )
    out, cache = maxpool2d_forward(as_image(x))
    np.testing.assert_array_equal(out, as_image([[5, 7], [6, 9]]))
    dx = maxpool2d_backward(as_image([[10.0, 20.0], [30.0, 40.0]]), cache)
    expected = [[0, 10, 0, 0], [0, 0, 20, 0], [0, 0, 0, 0], [30, 0, 0, 40]]
    np.testing.assert_array_equal(dx, as_image(expected))


def test_maxpool_tie_goes_to_first_max_in_row_major_order():
    x = np.array([[3.0, 3.0], [1.0, 3.0]])
    _, cache = maxpool2d_forward(as_image(x))
    dx = maxpool2d_backward(as_image([[1.0]]), cache)
    np.testing.assert_array_equal(dx, as_image([[1, 0], [0, 0]]))


def test_maxpool_accepts_infinities():
    x = np.array([[-np.inf, -np.inf], [-np.inf, -np.inf]])
    out, cache = maxpool2d_forward(as_image(x), size=1, stride=1)
    np.testing.assert_array_equal(out, as_image(x))
    out, cache = maxpool2d_forward(as_image([[1.0, np.inf], [-np.inf, 2.0]]))
    np.testing.assert_array_equal(out, as_image([[np.inf]]))
    np.testing.assert_array_equal(
        maxpool2d_backward(as_image([[3.0]]), cache), as_image([[0, 3], [0, 0]])
    )


def test_maxpool_overlapping_windows_accumulate():
    x = np.array([[0.0, 1.0, 0.0], [1.0, 9.0, 1.0], [0.0, 1.0, 0.0]])
    out, cache = maxpool2d_forward(as_image(x), size=2, stride=1)
    np.testing.assert_array_equal(out, as_image([[9, 9], [9, 9]]))
    dx = maxpool2d_backward(as_image([[1.0, 2.0], [3.0, 4.0]]), cache)
    np.testing.assert_array_equal(dx, as_image([[0, 0, 0], [0, 1 + 2 + 3 + 4, 0], [0, 0, 0]]))


@pytest.mark.parametrize(
    ("x_shape", "size", "stride"),
    [
        ((2, 3, 4, 6), 2, 2),
        ((1, 2, 5, 5), 3, 1),
        ((2, 1, 7, 5), 3, 2),
        ((1, 2, 5, 4), 2, 2),  # floored: the last row is not read
        ((1, 1, 6, 8), 3, 2),  # floored in H and W
    ],
)
def test_maxpool_backward_matches_numerical_vjp(x_shape, size, stride, rng):
    # Distinct values one apart: no ties, and a step h = 1e-5 never changes the argmax.
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape).astype(float)
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.standard_normal(out.shape)
    numerical = numerical_vjp(lambda x_: maxpool2d_forward(x_, size, stride)[0], x, dout)
    assert_gradient_matches(numerical, maxpool2d_backward(dout, cache))


def maxpool_oracle(x, size, stride):
    """Loops, and a first-wins scan for the argmax (an independent reading of the contract)."""
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - size) // stride, 1 + (W - size) // stride
    out = np.empty((N, C, H_out, W_out))
    where = np.empty((N, C, H_out, W_out, 2), dtype=int)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best = (i * stride, j * stride)
                    for a in range(size):
                        for d in range(size):
                            p, q = i * stride + a, j * stride + d
                            if x[n, c, p, q] > x[n, c, best[0], best[1]]:
                                best = (p, q)
                    out[n, c, i, j] = x[n, c, best[0], best[1]]
                    where[n, c, i, j] = best
    return out, where


@given(
    st.integers(1, 2),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2**32 - 1),
)
def test_maxpool_matches_loop_oracle_with_ties(N, C, size, stride, H_out, W_out, extra, seed):
    rng = np.random.default_rng(seed)
    extra = min(extra, stride - 1)  # floored: up to stride - 1 rows/columns left unread
    H, W = (H_out - 1) * stride + size + extra, (W_out - 1) * stride + size
    x = rng.integers(0, 3, size=(N, C, H, W)).astype(float)  # few values: many ties
    dout = rng.standard_normal((N, C, H_out, W_out))
    out_expected, where = maxpool_oracle(x, size, stride)
    out, cache = maxpool2d_forward(x, size, stride)
    np.testing.assert_array_equal(out, out_expected)
    dx_expected = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        p, q = where[n, c, i, j]
        dx_expected[n, c, p, q] += dout[n, c, i, j]
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), dx_expected, rtol=0, atol=EXACT_TOL)
