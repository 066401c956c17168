"""Tests for backproplab.conv: the contracts of the layer and of pooling.

No mutation of inputs or caches, the cache formats (typed, read-only, plain tuples accepted,
the wrong cache named), empty batches and dtypes, then bad input with its messages.
"""

import re

import numpy as np
import pytest
from support.conv_common import CONV_PAIRS, EXACT_TOL, as_image

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
