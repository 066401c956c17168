"""Tests for backproplab.conv: the convolution layer (conv2d_forward, conv2d_backward and their
naive versions).

Order: hand-computed cases, numerical gradient checks (and a wrong backward that the same
check must reject), then Hypothesis properties (vectorised == naive, scipy as an oracle,
adjoint identities). Output sizes are floored like PyTorch's, H' = (H + 2 pad - HH) // stride
+ 1: the strategies draw sizes with every remainder, and the "floor" tests check that rows and
columns no window reaches are not read and get exactly zero gradient. Pooling, the
single-channel helpers and the contracts (caches, no mutation, bad input) have files of their
own (test_conv_pool.py, test_conv_helpers.py, test_conv_contracts.py); the shared cases are in
support/conv_common.py.
"""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from support.conv_common import (
    CONV_PAIRS,
    EXACT_TOL,
    F2,
    O_HAND,
    X3,
    as_image,
    assert_gradient_matches,
)

from backproplab import conv
from backproplab.conv import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    convolve2d_full,
    correlate2d_valid,
    rot180,
)
from backproplab.gradcheck import numerical_vjp

# --------------------------------------------------------------------------- hand-computed


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
