"""What the ch06 mutation bank does not pin down: the floored cases themselves.

The bank checks that each floor mistake is *caught* with its named message; these tests check
that the checks really contain floored layers (visible and hidden), that the hidden ones leave
input rows unread, and that the diagnosis quotes the case's own numbers.
"""

import numpy as np
import pytest

from backproplab import conv
from backproplab.grading import ch06_conv_backward as ch06
from backproplab.grading import check


def floored(settings):
    return [s for s in settings if s[0].startswith(ch06._FLOORED)]


def test_floored_cases_do_not_tile_and_the_labels_say_so():
    visible, hidden = floored(ch06._VISIBLE), floored(ch06._HIDDEN)
    assert len(visible) == 1 and len(hidden) >= 3
    remainders = set()
    for _, x_shape, w_shape, stride, pad in visible + hidden:
        spans = [d + 2 * pad - k for d, k in zip(x_shape[2:], w_shape[2:], strict=True)]
        assert any(s % stride for s in spans)  # at least one axis is floored
        remainders |= {s % stride for s in spans}
        out, _ = conv.conv2d_forward(
            np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad
        )
        assert out.shape[2:] == ch06._out_hw(x_shape, w_shape, stride, pad)
    assert {1, 2} <= remainders and {2, 3} <= {s[3] for s in visible + hidden}
    # The visible one is the commonest downsampling layer: 3x3, stride 2, pad 1, even input.
    ((_, x_shape, w_shape, stride, pad),) = visible
    assert w_shape[2:] == (3, 3) and (stride, pad) == (2, 1) and x_shape[2] % 2 == 0


def test_a_hidden_case_leaves_input_rows_unread(rng):
    _, x_shape, w_shape, stride, pad = floored(ch06._HIDDEN)[-1]
    x = rng.normal(size=x_shape)
    w = rng.normal(size=w_shape)
    out, cache = conv.conv2d_forward(x, w, np.zeros(w_shape[0]), stride, pad)
    dx, _, _ = conv.conv2d_backward(rng.normal(size=out.shape), cache)
    last_read = (out.shape[2] - 1) * stride + w_shape[2] - 1 - pad
    assert last_read < x_shape[2] - 1 and not dx[:, :, last_read + 1 :].any()


def _slide(xp, w, b, stride, H_out, W_out):
    """The naive forward loop over an already padded ``xp``, for ``H_out x W_out`` windows."""
    F, _, HH, WW = w.shape
    out = np.zeros((xp.shape[0], F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[:, :, i, j] = np.einsum("ncad,fcad->nf", window, w) + b
    return out


def rejecting_forward(x, w, b, stride=1, pad=0):
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("does not tile")
    H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return _slide(xp, w, b, stride, H_out, W_out), (x, w, b, stride, pad)


def test_a_rejected_floored_layer_is_answered_with_the_floor_rule():
    with pytest.raises(AssertionError) as info:
        check("ch06_conv_backward.conv2d_forward_naive", rejecting_forward)
    message = str(info.value)
    assert "raised ValueError: does not tile" in message
    assert "(6 + 2 - 3) // 2 + 1 = 3" in message and "frameworks floor" in message


def ceiled_forward(x, w, b, stride=1, pad=0):
    """Ceiling instead of floor: one more (partial) window where the layer is floored."""
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    H_out, W_out = 1 - (-(H + 2 * pad - HH) // stride), 1 - (-(W + 2 * pad - WW) // stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad + stride), (pad, pad + stride)))
    return _slide(xp, w, b, stride, H_out, W_out), (x, w, b, stride, pad)


def test_a_ceiled_size_is_named_with_its_rows():
    with pytest.raises(AssertionError) as info:
        check("ch06_conv_backward.conv2d_forward_naive", ceiled_forward)
    message = str(info.value)
    assert 'on case "floored: 3x3, stride 2, pad 1 on an even 6x6 input' in message
    assert "out has 4 rows and 4 columns; frameworks floor" in message
    assert "(6 + 2 - 3) // 2 + 1 = 3 rows (3 columns)" in message
