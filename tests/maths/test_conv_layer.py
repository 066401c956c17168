"""Tests for backproplab.conv.

Order: hand-computed cases, numerical gradient checks (and a wrong backward that the same
check must reject), then Hypothesis properties (vectorised == naive, scipy as an oracle,
rotation and adjoint identities), then contracts: no mutation, bad input, empty batch.
Output sizes are floored like PyTorch's, H' = (H + 2 pad - HH) // stride + 1: the strategies
draw sizes with every remainder, and the "floor" tests check that rows and columns no window
reaches are not read and get exactly zero gradient.
"""

import re

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from backproplab import conv
from backproplab.conv import (
    ConvCache,
    PoolCache,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    convolve2d_full,
    correlate2d_valid,
    maxpool2d_backward,
    maxpool2d_forward,
    rot180,
)
from backproplab.gradcheck import numerical_vjp, relative_error

GRAD_TOL = 1e-7
EXACT_TOL = 1e-12

CONV_PAIRS = [
    pytest.param(conv2d_forward, conv2d_backward, id="vectorised"),
    pytest.param(conv2d_forward_naive, conv2d_backward_naive, id="naive"),
]


def as_image(a):
    """A 2-D array as a batch of one single-channel image (1, 1, H, W)."""
    return np.asarray(a, dtype=float)[None, None]


def assert_gradient_matches(numerical, analytic):
    """The one check every backward must pass (and a wrong backward must fail)."""
    err = relative_error(numerical, analytic)
    assert err < GRAD_TOL, f"relative error {err:.3e} >= {GRAD_TOL}"


# --------------------------------------------------------------------------- hand-computed

# The syllabus case: X 3x3, F 2x2, O = X ⋆ F 2x2.
X3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
F2 = np.array([[1.0, 2.0], [3.0, 4.0]])
O_HAND = np.array(
    [
        [1 * 1 + 2 * 2 + 4 * 3 + 5 * 4, 2 * 1 + 3 * 2 + 5 * 3 + 6 * 4],
        [4 * 1 + 5 * 2 + 7 * 3 + 8 * 4, 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4],
    ],
    dtype=float,
)


def test_syllabus_case_correlate2d_valid():
    np.testing.assert_array_equal(correlate2d_valid(X3, F2), O_HAND)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_syllabus_case_conv2d_forward(forward, backward):
    out, _ = forward(as_image(X3), as_image(F2), np.array([10.0]))
    np.testing.assert_array_equal(out, as_image(O_HAND + 10.0))


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_syllabus_case_backward(forward, backward):
    (x11, x12, x13), (x21, x22, x23), (x31, x32, x33) = X3
    (f11, f12), (f21, f22) = F2
    d11, d12, d21, d22 = 1.0, -1.0, 2.0, 1.0
    dX_hand = np.array(
        [
            [d11 * f11, d11 * f12 + d12 * f11, d12 * f12],
            [
                d11 * f21 + d21 * f11,
                d11 * f22 + d12 * f21 + d21 * f12 + d22 * f11,
                d12 * f22 + d22 * f12,
            ],
            [d21 * f21, d21 * f22 + d22 * f21, d22 * f22],
        ]
    )
    dF_hand = np.array(
        [
            [
                d11 * x11 + d12 * x12 + d21 * x21 + d22 * x22,
                d11 * x12 + d12 * x13 + d21 * x22 + d22 * x23,
            ],
            [
                d11 * x21 + d12 * x22 + d21 * x31 + d22 * x32,
                d11 * x22 + d12 * x23 + d21 * x32 + d22 * x33,
            ],
        ]
    )
    dO = np.array([[d11, d12], [d21, d22]])
    _, cache = forward(as_image(X3), as_image(F2), np.zeros(1))
    dx, dw, db = backward(as_image(dO), cache)
    np.testing.assert_array_equal(dx, as_image(dX_hand))
    np.testing.assert_array_equal(dw, as_image(dF_hand))
    np.testing.assert_array_equal(db, [d11 + d12 + d21 + d22])
    # The same numbers from the single-channel identities of the module docstring.
    np.testing.assert_array_equal(convolve2d_full(dO, F2), dX_hand)
    np.testing.assert_array_equal(correlate2d_valid(X3, dO), dF_hand)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_stride_two_two_filters(forward, backward):
    x = np.arange(25.0).reshape(5, 5)  # x[r, c] = 5 r + c
    box = np.ones((3, 3))
    centre = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    w = np.stack([box, centre])[:, None]  # (2, 1, 3, 3)
    out, _ = forward(as_image(x)[0:1], w, np.array([0.0, 0.5]), stride=2)
    box_sums = [
        [0 + 1 + 2 + 5 + 6 + 7 + 10 + 11 + 12, 2 + 3 + 4 + 7 + 8 + 9 + 12 + 13 + 14],
        [10 + 11 + 12 + 15 + 16 + 17 + 20 + 21 + 22, 12 + 13 + 14 + 17 + 18 + 19 + 22 + 23 + 24],
    ]
    centres = [[6 + 0.5, 8 + 0.5], [16 + 0.5, 18 + 0.5]]
    np.testing.assert_array_equal(out, np.array([[box_sums, centres]]))


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_padded_case(forward, backward):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.arange(1.0, 10.0).reshape(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    out, _ = forward(as_image(x), as_image(w), np.zeros(1), pad=1)
    # Zero-padded input is [[0,0,0,0],[0,1,2,0],[0,3,4,0],[0,0,0,0]]; only x survives.
    expected = [
        [1 * 5 + 2 * 6 + 3 * 8 + 4 * 9, 1 * 4 + 2 * 5 + 3 * 7 + 4 * 8],
        [1 * 2 + 2 * 3 + 3 * 5 + 4 * 6, 1 * 1 + 2 * 2 + 3 * 4 + 4 * 5],
    ]
    np.testing.assert_array_equal(out, as_image(expected))


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_floor_case_3x3_stride_2_pad_1_on_even_input(forward, backward):
    """The commonest downsampling layer: (4 + 2 - 3) / 2 = 1.5, so H' = 1 + 1 = 2."""
    x = np.arange(1.0, 17.0).reshape(4, 4)  # x[r, c] = 4 r + c + 1
    w = np.ones((3, 3))
    out, cache = forward(as_image(x), as_image(w), np.zeros(1), stride=2, pad=1)
    # Windows start at padded rows/columns 0 and 2, i.e. input rows -1..1 and 1..3.
    expected = [
        [1 + 2 + 5 + 6, 2 + 3 + 4 + 6 + 7 + 8],
        [5 + 6 + 9 + 10 + 13 + 14, 6 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16],
    ]
    np.testing.assert_array_equal(out, as_image(expected))
    # Every input pixel is read; only the padding's last row and column are not.
    dx, _, db = backward(as_image(np.ones((2, 2))), cache)
    reads = [[1, 2, 1, 1], [2, 4, 2, 2], [1, 2, 1, 1], [1, 2, 1, 1]]
    np.testing.assert_array_equal(dx, as_image(reads))
    np.testing.assert_array_equal(db, [4.0])


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_floor_case_unread_row_gets_zero_gradient(forward, backward):
    """3x3, stride 2, no padding on 4x5: H' = 1 + 1 // 2 = 1, W' = 1 + 2 // 2 = 2.

    Row 3 is below the only window row: it is not read (the output does not depend on it)
    and its gradient is exactly zero.
    """
    x = np.arange(20.0).reshape(4, 5)  # x[r, c] = 5 r + c
    w = np.ones((3, 3))
    out, cache = forward(as_image(x), as_image(w), np.zeros(1), stride=2)
    windows = [[0 + 1 + 2 + 5 + 6 + 7 + 10 + 11 + 12, 2 + 3 + 4 + 7 + 8 + 9 + 12 + 13 + 14]]
    np.testing.assert_array_equal(out, as_image(windows))
    changed = x.copy()
    changed[3] = 1e6
    np.testing.assert_array_equal(forward(as_image(changed), as_image(w), np.zeros(1), 2)[0], out)
    dx, dw, _ = backward(as_image([[1.0, -2.0]]), cache)
    np.testing.assert_array_equal(dx[0, 0, 3], np.zeros(5))
    np.testing.assert_array_equal(dx[0, 0, :3], [[1, 1, -1, -2, -2]] * 3)
    np.testing.assert_array_equal(dw[0, 0], x[:3, :3] - 2 * x[:3, 2:])


@pytest.mark.parametrize(
    ("H", "HH", "stride", "pad", "expected"),
    [
        (224, 7, 2, 3, 112),  # ResNet's stem: (224 + 6 - 7) / 2 = 111.5
        (8, 3, 2, 1, 4),  # 3x3 / 2 / 1 on an even input: 3.5
        (9, 3, 2, 1, 5),  # the same on an odd input tiles: 4
        (7, 3, 3, 0, 2),  # (7 - 3) / 3 = 1.33
        (6, 2, 3, 1, 3),  # (6 + 2 - 2) / 3 = 2: tiles
        (5, 5, 2, 0, 1),  # the window exactly fits
        (227, 11, 4, 0, 55),  # AlexNet's first layer on 227 x 227 tiles
    ],
)
def test_output_size_is_floor_formula(H, HH, stride, pad, expected):
    assert (H + 2 * pad - HH) // stride + 1 == expected
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, _ = forward(np.zeros((0, 1, H, H + 1)), np.zeros((1, 1, HH, HH)), [0.0], stride, pad)
        assert out.shape == (0, 1, expected, (H + 1 + 2 * pad - HH) // stride + 1)


def test_maxpool_floors_and_unread_rows_get_zero_gradient():
    x = np.arange(25.0).reshape(5, 5)  # maxima at the bottom-right of each 2x2 window
    out, cache = maxpool2d_forward(as_image(x))
    np.testing.assert_array_equal(out, as_image([[6, 8], [16, 18]]))
    dx = maxpool2d_backward(as_image([[1.0, 2.0], [3.0, 4.0]]), cache)
    expected = np.zeros((5, 5))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx, as_image(expected))  # row 4 and column 4: zero
    assert maxpool2d_forward(np.zeros((1, 1, 7, 6)), size=3, stride=2)[0].shape == (1, 1, 3, 2)


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


# --------------------------------------------------------------------------- gradient checks

# (x shape, w shape, stride, pad): the first four tile exactly, the others are floored
# (H + 2 pad - HH not a multiple of the stride, with remainders 1 and 2).
GRAD_CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 2), 1, 0),
    ((2, 3, 5, 7), (4, 3, 3, 3), 2, 1),
    ((1, 2, 4, 3), (3, 2, 2, 3), 1, 2),
    ((2, 2, 7, 4), (2, 2, 1, 1), 3, 0),
    ((2, 3, 6, 6), (4, 3, 3, 3), 2, 1),  # 3x3 / 2 / 1 on an even input: remainder 1
    ((1, 2, 8, 8), (2, 2, 3, 2), 3, 1),  # stride 3: remainders 1 (H) and 2 (W)
    ((1, 1, 10, 9), (2, 1, 7, 7), 2, 3),  # a ResNet-like 7x7 / 2 / 3 stem, remainders 1, 0
    ((2, 1, 7, 8), (1, 1, 2, 3), 3, 0),  # no padding: input rows and columns left unread
]


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), GRAD_CASES)
def test_conv_backward_matches_numerical_vjp(forward, backward, x_shape, w_shape, stride, pad, rng):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out, cache = forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    assert_gradient_matches(
        numerical_vjp(lambda x_: forward(x_, w, b, stride, pad)[0], x, dout), dx
    )
    assert_gradient_matches(
        numerical_vjp(lambda w_: forward(x, w_, b, stride, pad)[0], w, dout), dw
    )
    assert_gradient_matches(
        numerical_vjp(lambda b_: forward(x, w, b_, stride, pad)[0], b, dout), db
    )


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), GRAD_CASES)
def test_unread_rows_and_columns_get_exactly_zero_gradient(
    forward, backward, x_shape, w_shape, stride, pad, rng
):
    """An input row no window covers (past the last window, or between windows when the
    stride exceeds the kernel) is not read, and its gradient is exactly zero."""
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    out, cache = forward(x, w, np.zeros(w_shape[0]), stride, pad)
    dx, _, _ = backward(rng.standard_normal(out.shape), cache)

    def read(size, n_out, kernel):
        starts = np.arange(n_out) * stride - pad
        return np.array([np.any((starts <= r) & (r < starts + kernel)) for r in range(size)])

    rows = read(x_shape[2], out.shape[2], w_shape[2])
    cols = read(x_shape[3], out.shape[3], w_shape[3])
    assert np.all(dx[:, :, ~rows] == 0) and np.all(dx[:, :, :, ~cols] == 0)
    assert np.all(np.any(dx[:, :, rows][:, :, :, cols] != 0, axis=(0, 1, 3)))
    moved = x.copy()
    moved[:, :, ~rows] += 1.0
    moved[:, :, :, ~cols] -= 1.0
    np.testing.assert_array_equal(forward(moved, w, np.zeros(w_shape[0]), stride, pad)[0], out)
    if x_shape == (2, 1, 7, 8):  # floored: rows 5, 6 and columns 6, 7 are past the last window
        assert list(np.flatnonzero(~rows)) == [2, 5, 6] and list(np.flatnonzero(~cols)) == [6, 7]


def dilated_backward(dout, x, w, stride, pad):
    """The strided backward pass as a stride-1 one: dilate dout with stride - 1 zeros between
    entries, pad it at the end to the stride-1 output size (the floored rows), then use the
    stride-1 rules dw = x~ star delta, dx~ = full convolution of delta with w (scipy)."""
    N, F, H_out, W_out = dout.shape
    _, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dilated = np.zeros((N, F, xp.shape[2] - HH + 1, xp.shape[3] - WW + 1))
    dilated[:, :, : (H_out - 1) * stride + 1 : stride, : (W_out - 1) * stride + 1 : stride] = dout
    dw = np.zeros(w.shape)
    dxp = np.zeros(xp.shape)
    for n, f, c in np.ndindex(N, F, C):
        dw[f, c] += scipy.signal.correlate2d(xp[n, c], dilated[n, f], mode="valid")
        dxp[n, c] += scipy.signal.convolve2d(dilated[n, f], w[f, c], mode="full")
    return dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]], dw


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), GRAD_CASES)
def test_strided_backward_is_stride_one_backward_of_dilated_dout(
    x_shape, w_shape, stride, pad, rng
):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    out, cache = conv2d_forward(x, w, np.zeros(w_shape[0]), stride, pad)
    dout = rng.standard_normal(out.shape)
    dx, dw, _ = conv2d_backward(dout, cache)
    dx_dil, dw_dil = dilated_backward(dout, x, w, stride, pad)
    np.testing.assert_allclose(dx_dil, dx, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dw_dil, dw, rtol=0, atol=1e-12)


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


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), GRAD_CASES[:2])
def test_checker_rejects_layer_backward_with_unrotated_kernel(x_shape, w_shape, stride, pad, rng):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = np.zeros(w_shape[0])
    out, (x_c, w_c, s_c, p_c, cols) = conv2d_forward(x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    # Backward with the kernel pre-rotated: dx is then a correlation with the unrotated w.
    wrong_dx, _, _ = conv2d_backward(dout, (x_c, rot180(w_c), s_c, p_c, cols))
    numerical = numerical_vjp(lambda x_: conv2d_forward(x_, w, b, stride, pad)[0], x, dout)
    with pytest.raises(AssertionError, match="relative error"):
        assert_gradient_matches(numerical, wrong_dx)


@pytest.mark.parametrize("examples_per_chunk", [1, 2])
def test_backward_in_batch_chunks_equals_naive(examples_per_chunk, rng, monkeypatch):
    """conv2d_backward builds dcols a few examples at a time; force several uneven chunks."""
    x = rng.standard_normal((5, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    out, cache = conv2d_forward(x, w, b, stride=2, pad=1)
    dout = rng.standard_normal(out.shape)
    bytes_per_example = cache.cols[0].nbytes
    monkeypatch.setattr(conv, "_DCOLS_CHUNK_BYTES", examples_per_chunk * bytes_per_example)
    _, cache_naive = conv2d_forward_naive(x, w, b, stride=2, pad=1)
    for g, g_naive in zip(
        conv2d_backward(dout, cache), conv2d_backward_naive(dout, cache_naive), strict=True
    ):
        np.testing.assert_allclose(g, g_naive, rtol=0, atol=EXACT_TOL)


# --------------------------------------------------------------------------- properties


@st.composite
def conv_cases(draw, max_n=2):
    """Small (x, w, b, stride, pad), with every remainder (H + 2 pad - HH) % stride."""
    N = draw(st.integers(1, max_n))
    C = draw(st.integers(1, 3))
    F = draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    H_out, W_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    # The floored rows and columns: up to stride - 1 more that no window reaches.
    extra_h, extra_w = draw(st.integers(0, stride - 1)), draw(st.integers(0, stride - 1))
    span_h = (H_out - 1) * stride + HH + extra_h
    span_w = (W_out - 1) * stride + WW + extra_w
    # H = span - 2 pad must stay >= 1.
    pad = draw(st.integers(0, min(2, (span_h - 1) // 2, (span_w - 1) // 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((N, C, span_h - 2 * pad, span_w - 2 * pad))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    dout = rng.standard_normal((N, F, H_out, W_out))
    return x, w, b, stride, pad, dout


@given(conv_cases())
def test_vectorised_equals_naive(case):
    x, w, b, stride, pad, dout = case
    out, cache = conv2d_forward(x, w, b, stride, pad)
    out_naive, cache_naive = conv2d_forward_naive(x, w, b, stride, pad)
    assert out.shape == dout.shape
    np.testing.assert_allclose(out, out_naive, rtol=0, atol=EXACT_TOL)
    grads = conv2d_backward(dout, cache)
    # Either backward accepts either forward's cache.
    for other in (
        conv2d_backward_naive(dout, cache_naive),
        conv2d_backward_naive(dout, cache),
        conv2d_backward(dout, cache_naive),
    ):
        for g, g_other in zip(grads, other, strict=True):
            np.testing.assert_allclose(g, g_other, rtol=0, atol=EXACT_TOL)


@given(conv_cases())
def test_adjoint_identities(case):
    """<conv(x), y> = <x, conv^T(y)> in x, and likewise in w, with b = 0."""
    x, w, _, stride, pad, y = case
    b = np.zeros(w.shape[0])
    out, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, _ = conv2d_backward(y, cache)
    scale = max(1.0, float(np.sum(np.abs(out * y))))
    assert abs(np.vdot(out, y) - np.vdot(x, dx)) <= EXACT_TOL * scale
    assert abs(np.vdot(out, y) - np.vdot(w, dw)) <= EXACT_TOL * scale


@given(conv_cases())
def test_layer_matches_scipy_oracle(case):
    """out[n, f] = sum over c of scipy's valid correlation of the padded x, every stride-th
    entry (so the floored size is scipy's own count of windows), plus b[f]."""
    x, w, b, stride, pad, dout = case
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    expected = np.zeros(dout.shape)
    for n, f in np.ndindex(*dout.shape[:2]):
        full = sum(scipy.signal.correlate2d(xp[n, c], w[f, c], "valid") for c in range(x.shape[1]))
        expected[n, f] = full[::stride, ::stride] + b[f]
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, _ = forward(x, w, b, stride, pad)
        H_out = (x.shape[2] + 2 * pad - w.shape[2]) // stride + 1
        W_out = (x.shape[3] + 2 * pad - w.shape[3]) // stride + 1
        assert out.shape == dout.shape == (x.shape[0], w.shape[0], H_out, W_out)
        np.testing.assert_allclose(out, expected, rtol=0, atol=EXACT_TOL)


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


# --------------------------------------------------------------------------- contracts


def read_only(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
@pytest.mark.parametrize("pad", [0, 1])
def test_conv_does_not_mutate_inputs_or_cache(forward, backward, pad, rng):
    x = read_only(rng.standard_normal((2, 2, 5, 5)))
    w = read_only(rng.standard_normal((3, 2, 3, 3)))
    b = read_only(rng.standard_normal(3))
    copies = [a.copy() for a in (x, w, b)]
    out, cache = forward(x, w, b, stride=2, pad=pad)
    dout = read_only(rng.standard_normal(out.shape))
    first = backward(dout, cache)
    second = backward(dout, cache)  # the cache is unchanged by backward
    for g1, g2 in zip(first, second, strict=True):
        np.testing.assert_array_equal(g1, g2)
        assert g1.flags.writeable and not np.shares_memory(g1, x)
    for a, a_copy in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, a_copy)
    assert not np.shares_memory(out, x)


def test_maxpool_and_helpers_do_not_mutate_inputs(rng):
    x = read_only(rng.standard_normal((2, 2, 4, 4)))
    x_copy = x.copy()
    out, cache = maxpool2d_forward(x)
    dout = read_only(rng.standard_normal(out.shape))
    dx = maxpool2d_backward(dout, cache)
    np.testing.assert_array_equal(x, x_copy)
    assert not np.shares_memory(dx, dout)
    X = read_only(rng.standard_normal((4, 4)))
    K = read_only(rng.standard_normal((2, 3)))
    X_copy, K_copy = X.copy(), K.copy()
    correlate2d_valid(X, K)
    convolve2d_full(X, K)
    rotated = rot180(K)
    assert rotated.flags.writeable and not np.shares_memory(rotated, K)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(K, K_copy)


def test_cache_format_is_shared():
    x, w, b = np.ones((2, 3, 4, 4)), np.ones((5, 3, 3, 3)), np.zeros(5)
    cache = conv2d_forward(x, w, b, stride=1, pad=1)[1]
    cache_naive = conv2d_forward_naive(x, w, b, stride=1, pad=1)[1]
    assert type(cache) is type(cache_naive) is ConvCache
    assert ConvCache._fields == ("x", "w", "stride", "pad", "cols")
    assert cache.cols.shape == (2, 3 * 3 * 3, 4 * 4)
    assert cache_naive.cols is None
    assert cache[2:4] == cache_naive[2:4] == (1, 1)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_conv_cache_holds_read_only_copies(forward, backward, rng):
    x, w, b = rng.standard_normal((2, 2, 4, 4)), rng.standard_normal((3, 2, 3, 3)), np.zeros(3)
    cache = forward(x, w, b, pad=1)[1]
    for name, cached, given_ in (("x", cache.x, x), ("w", cache.w, w)):
        assert not np.shares_memory(cached, given_), name
        assert not cached.flags.writeable, name
        np.testing.assert_array_equal(cached, given_)
    if cache.cols is not None:
        assert not cache.cols.flags.writeable
        assert not np.shares_memory(cache.cols, x)


def test_pool_cache_is_typed_and_read_only():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    cache = maxpool2d_forward(x)[1]
    assert type(cache) is PoolCache
    assert cache.x_shape == (1, 1, 4, 4) and (cache.size, cache.stride) == (2, 2)
    assert not cache.argmax.flags.writeable


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_mutating_x_and_w_after_forward_does_not_change_backward(forward, backward, rng):
    x = rng.standard_normal((2, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    out, cache = forward(x, w, b, stride=2, pad=1)
    dout = rng.standard_normal(out.shape)
    _, cache_before = forward(x.copy(), w.copy(), b, stride=2, pad=1)
    expected = backward(dout, cache_before)
    x += 1.0
    w *= -2.0
    for g, g_expected in zip(backward(dout, cache), expected, strict=True):
        np.testing.assert_array_equal(g, g_expected)


def test_maxpool_backward_ignores_later_changes_to_x(rng):
    x = rng.permutation(16).reshape(1, 1, 4, 4).astype(float)
    out, cache = maxpool2d_forward(x)
    dout = rng.standard_normal(out.shape)
    expected = maxpool2d_backward(dout, cache)
    x[...] = x[:, :, ::-1, ::-1]  # every window's maximum moves
    np.testing.assert_array_equal(maxpool2d_backward(dout, cache), expected)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_plain_tuple_cache_is_accepted(forward, backward, rng):
    """What a student's own forward returns works with the reference backward."""
    x, w, b = rng.standard_normal((2, 2, 4, 4)), rng.standard_normal((3, 2, 3, 3)), np.zeros(3)
    out, cache = forward(x, w, b, pad=1)
    dout = rng.standard_normal(out.shape)
    expected = backward(dout, cache)
    for plain in ((x, w, 1, 1, None), tuple(cache)):
        assert type(plain) is tuple
        for g, g_expected in zip(backward(dout, plain), expected, strict=True):
            np.testing.assert_allclose(g, g_expected, rtol=0, atol=EXACT_TOL)
    np.testing.assert_array_equal(x, cache.x)  # and the student's arrays are untouched


def test_plain_tuple_pool_cache_is_accepted():
    x = np.array([[1.0, 5.0], [3.0, 2.0]])
    _, cache = maxpool2d_forward(as_image(x))
    dx = maxpool2d_backward(as_image([[2.0]]), tuple(cache))
    np.testing.assert_array_equal(dx, as_image([[0, 2], [0, 0]]))
    # Offset 1 = row 0, column 1 in row-major order inside the 2x2 window.
    student = ((1, 1, 2, 2), 2, 2, np.array([[[[1]]]]))
    np.testing.assert_array_equal(maxpool2d_backward(as_image([[2.0]]), student), dx)


@pytest.mark.parametrize("backward", [conv2d_backward, conv2d_backward_naive])
def test_pool_cache_given_to_conv_backward(backward):
    out, pool_cache = maxpool2d_forward(np.zeros((1, 1, 4, 4)))
    msg = (
        f"{backward.__name__}: cache must be the ConvCache returned by conv2d_forward, "
        "got a PoolCache from maxpool2d_forward"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(msg)}$"):
        backward(np.zeros(out.shape), pool_cache)


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_conv_cache_given_to_maxpool_backward(forward):
    out, conv_cache = forward(*conv_args())
    msg = (
        "maxpool2d_backward: cache must be the PoolCache returned by maxpool2d_forward, "
        "got a ConvCache from conv2d_forward"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(msg)}$"):
        maxpool2d_backward(np.zeros(out.shape), conv_cache)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_empty_batch(forward, backward):
    w, b = np.ones((4, 3, 3, 3)), np.ones(4)
    out, cache = forward(np.zeros((0, 3, 6, 6)), w, b, stride=1, pad=1)
    assert out.shape == (0, 4, 6, 6)
    dx, dw, db = backward(np.zeros(out.shape), cache)
    assert dx.shape == (0, 3, 6, 6)
    np.testing.assert_array_equal(dw, np.zeros(w.shape))
    np.testing.assert_array_equal(db, np.zeros(4))


def test_maxpool_empty_batch():
    out, cache = maxpool2d_forward(np.zeros((0, 2, 4, 4)))
    assert out.shape == (0, 2, 2, 2)
    assert maxpool2d_backward(np.zeros(out.shape), cache).shape == (0, 2, 4, 4)


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_integer_and_float32_inputs_give_float64(forward, backward):
    x = np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2), dtype=np.float32)
    out, _ = forward(x, w, [0])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 0, 0, 0], 0 + 1 + 4 + 5)


# --------------------------------------------------------------------------- bad input


def conv_args(x_shape=(1, 3, 4, 4), w_shape=(2, 3, 2, 2), b_shape=(2,)):
    return np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape)


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_channel_mismatch(forward):
    name = forward.__name__
    msg = f"{name}: x has 3 channels but w expects 4"
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        forward(*conv_args(w_shape=(2, 4, 2, 2)))


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_bias_shape(forward):
    with pytest.raises(ValueError, match=r"b has shape \(3,\) but w has 2 filters.*\(2,\)"):
        forward(*conv_args(b_shape=(3,)))
    with pytest.raises(ValueError, match=r"b has shape \(2, 1\)"):
        forward(*conv_args(b_shape=(2, 1)))


def test_kernel_larger_than_padded_input():
    x, w, b = conv_args(x_shape=(1, 3, 2, 2), w_shape=(2, 3, 5, 5))
    msg = (
        "conv2d_forward: the HH=5 window is larger than the padded input (H + 2*pad = 2, "
        "with H=2 and pad=0); use pad=2 or a smaller kernel"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        conv2d_forward(x, w, b)
    assert conv2d_forward(x, w, b, pad=2)[0].shape == (1, 2, 2, 2)  # 1 + (2 + 4 - 5)
    # The width is checked and named too, and stride does not change the verdict.
    x, w, b = conv_args(x_shape=(1, 3, 6, 3), w_shape=(2, 3, 2, 6))
    msg = r"naive: the WW=6 window .* \(W \+ 2\*pad = 5, with W=3 and pad=1\); use pad=2"
    with pytest.raises(ValueError, match=msg):
        conv2d_forward_naive(x, w, b, stride=3, pad=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stride": 0}, ValueError, "stride must be >= 1"),
        ({"pad": -1}, ValueError, "pad must be >= 0"),
        ({"stride": 1.5}, TypeError, "stride must be an integer"),
        ({"pad": True}, TypeError, "pad must be an integer"),
    ],
)
def test_stride_and_pad_must_be_valid_integers(kwargs, error, match):
    with pytest.raises(error, match=match):
        conv2d_forward(*conv_args(), **kwargs)


def test_bad_arrays():
    x, w, b = conv_args()
    with pytest.raises(ValueError, match="x must be 4-D"):
        conv2d_forward(x[0], w, b)
    x_nan = x.copy()
    x_nan[0, 1, 2, 3] = np.nan
    with pytest.raises(
        ValueError, match=r"x contains a non-finite value \(nan\) at index \(0, 1, 2, 3\)"
    ):
        conv2d_forward(x_nan, w, b)
    w_inf = w.copy()
    w_inf[0, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="w contains a non-finite value"):
        conv2d_forward(x, w_inf, b)
    with pytest.raises(TypeError, match="complex"):
        conv2d_forward(x.astype(complex), w, b)
    with pytest.raises(ValueError, match="kernel must be at least 1x1"):
        conv2d_forward(x, np.zeros((2, 3, 0, 2)), b)


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_no_filters_is_rejected(forward):
    name = forward.__name__
    msg = f"{name}: w has shape (0, 1, 2, 2), i.e. no filters (F = 0); need at least one filter"
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        forward(np.ones((1, 1, 3, 3)), np.ones((0, 1, 2, 2)), np.zeros(0))
    # A bias for filters that do not exist does not change the diagnosis.
    with pytest.raises(ValueError, match=re.escape("no filters (F = 0)")):
        forward(np.ones((1, 1, 3, 3)), np.ones((0, 1, 2, 2)), np.zeros(2))


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_no_channels_is_rejected(forward):
    name = forward.__name__
    msg = (
        f"{name}: x has shape (1, 0, 3, 3) and w has shape (2, 0, 2, 2), i.e. no channels "
        "(C = 0); need at least one channel"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        forward(np.ones((1, 0, 3, 3)), np.ones((2, 0, 2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="x has 0 channels but w expects 1"):
        forward(np.ones((1, 0, 3, 3)), np.ones((2, 1, 2, 2)), np.zeros(2))


@pytest.mark.parametrize(("forward", "backward"), CONV_PAIRS)
def test_backward_checks_dout_shape_and_cache(forward, backward):
    out, cache = forward(*conv_args())
    assert out.shape == (1, 2, 3, 3)
    msg = r"dout has shape \(1, 2, 4, 4\) but the forward output had shape \(1, 2, 3, 3\)"
    with pytest.raises(ValueError, match=f"{backward.__name__}: {msg}"):
        backward(np.zeros((1, 2, 4, 4)), cache)
    with pytest.raises(
        TypeError,
        match=re.escape(
            "cache must be the ConvCache returned by conv2d_forward, got a tuple of length 4 "
            "(expected 5: ('x', 'w', 'stride', 'pad', 'cols'))"
        ),
    ):
        backward(np.zeros(out.shape), cache[:4])


def test_maxpool_bad_input():
    with pytest.raises(ValueError, match=r"size=3 window is larger than the input \(W = 2\)"):
        maxpool2d_forward(np.zeros((1, 1, 3, 2)), size=3, stride=1)
    with pytest.raises(ValueError, match="size must be >= 1"):
        maxpool2d_forward(np.zeros((1, 1, 4, 4)), size=0)
    _, cache = maxpool2d_forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"dout has shape \(1, 1, 3, 3\) but .* \(1, 1, 2, 2\)"):
        maxpool2d_backward(np.zeros((1, 1, 3, 3)), cache)


def test_helpers_bad_input():
    with pytest.raises(ValueError, match=r"k has shape \(3, 1\) but x has shape \(2, 5\).*fit"):
        correlate2d_valid(np.zeros((2, 5)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="x must be 2-D"):
        convolve2d_full(np.zeros(4), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="k is empty"):
        convolve2d_full(np.zeros((2, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        rot180([1.0, 2.0])
