r"""The capstone's two layers: max pooling backward and a strided convolution backward.

The notebook gives both forward passes (plain NumPy in a locked cell), so the caches have the
notebook's layout, documented there and in ``docs/decisions.md`` ("Capstone grading"):

- ``maxpool2d_forward(x, size=2, stride=2)`` returns the cache ``(x, size, stride)``; the
  backward pass finds each window's maximum itself. The gradient of a window goes to its
  *first* maximum in row-major order (``np.argmax`` order), as in ``conv.maxpool2d_backward``:
  after a ReLU, windows of zeros tie all the time, so the tie rule is part of the answer;
- ``conv2d_forward(x, w, b, stride=1, pad=0)`` returns ``(x, w, b, stride, pad)``, the cache of
  chapter 6's notebook, so the reference, the shape advice and the loop-shaped mistakes of
  ``ch06_conv_backward`` apply unchanged.

The notebook teaches both backward passes as a loop over the window *offsets* (a, d) with
strided slices, vectorised over the examples, channels and output positions (fast enough to
train with). The known mistakes below are written in that form; the per-window loop forms of
the convolution's mistakes come from chapter 6.
"""

from __future__ import annotations

import numpy as np

from backproplab import conv
from backproplab.grading.ch06_conv_backward import (
    _BACKWARD_MISTAKES,
    _backward_shape_advice,
    _reference_backward,
)
from trustedgrading.checks import Case, Mistake, check_case, register_custom

_A = "ch10_capstone"

# --- maxpool2d_backward ------------------------------------------------------------------------


def _pool_out_hw(x_shape, size, stride):
    return tuple(1 + (d - size) // stride for d in x_shape[2:])


def _reference_pool_backward(dout, cache):
    """The reference dx for the notebook's cache ``(x, size, stride)``."""
    x, size, stride = cache
    _, ref_cache = conv.maxpool2d_forward(x, size, stride)
    return conv.maxpool2d_backward(dout, ref_cache)


def _window(x, a, d, stride, out_hw):
    """The entries of x at offset (a, d) of every window: shape (N, C, H', W')."""
    H_out, W_out = out_hw
    return x[:, :, a : a + stride * H_out : stride, d : d + stride * W_out : stride]


def _pool_variant(*, route="first", accumulate=True, use_stride=True, times_dout=True):
    """A wrong maxpool2d_backward in the notebook's offset-loop form, one mistake switched on.

    ``route``: "first" (the first maximum), "every" (every position of the window), "all_ties"
    (every maximum), "split" (the maxima share dout), "last" (the last maximum).
    """

    def wrong(dout, cache):
        x, size, stride = cache
        out_hw = _pool_out_hw(x.shape, size, stride)
        step = stride if use_stride else 1
        offsets = [divmod(k, size) for k in range(size * size)]
        # The maxima themselves come from the forward pass (the notebook's advice), so they
        # are right even when the backward pass's own slices ignore the stride.
        top = np.max([_window(x, a, d, stride, out_hw) for a, d in offsets], axis=0)
        windows = [_window(x, a, d, step, out_hw) for a, d in offsets]
        ties = sum((w == top).astype(float) for w in windows)
        routed = np.zeros(top.shape, dtype=bool)
        dx = np.zeros(x.shape)
        order = list(zip(offsets, windows, strict=True))
        for (a, d), w in reversed(order) if route == "last" else order:
            hit = np.ones(top.shape, dtype=bool) if route == "every" else w == top
            if route in ("first", "last"):
                hit &= ~routed
                routed |= hit
            share = np.where(hit, dout if times_dout else 1.0, 0.0)
            if route == "split":
                share = share / ties
            target = _window(dx, a, d, step, out_hw)
            if accumulate:
                target += share
            else:
                target[...] = share
        return dx

    return wrong


def _pool_window_overwrite(dout, cache):
    """Per-window loops that *set* dx at each window's maximum: overlaps keep the last one."""
    x, size, stride = cache
    N, C = x.shape[:2]
    H_out, W_out = _pool_out_hw(x.shape, size, stride)
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    a, d = divmod(int(np.argmax(window)), size)
                    dx[n, c, i * stride + a, j * stride + d] = dout[n, c, i, j]
    return dx


_POOL_MISTAKES = [
    Mistake(
        "the gradient is sent to every position of the window instead of its maximum",
        _pool_variant(route="every"),
        "Only the maximum of a window reached the output, so only it gets the window's "
        "dout; the other positions get 0.",
    ),
    Mistake(
        "every tied maximum gets the whole gradient (dout is counted twice or more)",
        _pool_variant(route="all_ties"),
        "When several entries of a window equal its maximum (windows of ReLU zeros do), send "
        "dout to the first one only, in row-major order (np.argmax order): keep a mask of the "
        "windows already served.",
    ),
    Mistake(
        "the gradient of a tied window is split among its maxima",
        _pool_variant(route="split"),
        "The forward pass took one entry per window: the course's rule (np.argmax's) sends "
        "the whole dout to the first maximum in row-major order.",
    ),
    Mistake(
        "ties go to the last maximum of the window instead of the first",
        _pool_variant(route="last"),
        "Scan the offsets in row-major order and serve each window once, at its first "
        "maximum (np.argmax order).",
    ),
    Mistake(
        "overlapping windows overwrite each other's gradient (= instead of +=)",
        _pool_variant(accumulate=False),
        "With stride < size one input entry can be the maximum of several windows: add "
        "(+=) each window's share to dx.",
    ),
    Mistake(
        "overlapping windows overwrite each other's gradient (= instead of +=)",
        _pool_window_overwrite,
        "With stride < size one input entry can be the maximum of several windows: add "
        "(+=) each window's dout to dx.",
    ),
    Mistake(
        "the stride is ignored in the backward pass",
        _pool_variant(use_stride=False),
        "Window (i, j) starts at row i * stride and column j * stride: the entries of offset "
        "(a, d) are x[:, :, a::stride, d::stride] (cut to H' rows and W' columns).",
    ),
    Mistake(
        "dx holds the mask of the maxima, not dout",
        _pool_variant(times_dout=False),
        "The maximum receives the window's upstream gradient dout[n, c, i, j], not 1.",
    ),
]

_WORKED_POOL_X = np.array(
    [
        [1.0, 3.0, 2.0, 0.0],
        [4.0, 2.0, 1.0, 5.0],
        [0.0, 1.0, 7.0, 6.0],
        [2.0, 8.0, 3.0, 1.0],
    ]
)

# (label, x shape, size, stride, fraction of ReLU zeros); visible first, then hidden.
_POOL_VISIBLE = [
    ("N = 2, C = 3, 6x6, 2x2 windows, stride 2", (2, 3, 6, 6), 2, 2, 0.0),
    ("overlapping windows: 3x3, stride 2, on 7x7", (2, 2, 7, 7), 3, 2, 0.0),
    ("after a ReLU: windows of tied zeros, 2x2, stride 2", (2, 2, 4, 6), 2, 2, 0.6),
]
_POOL_HIDDEN = [
    ("overlapping windows: 2x2, stride 1", (1, 2, 5, 4), 2, 1, 0.0),
    ("overlapping windows after a ReLU: 3x3, stride 1", (2, 1, 6, 6), 3, 1, 0.5),
    ("floored: 3x3, stride 3 on 8x7 (the last rows are in no window)", (2, 2, 8, 7), 3, 3, 0.0),
    ("gaps: 2x2, stride 3 (entries between windows)", (1, 3, 8, 8), 2, 3, 0.3),
    ("1x1 windows (the identity)", (2, 2, 3, 3), 1, 1, 0.0),
    ("the capstone's layer: N = 16, C = 8, 8x8, after a ReLU", (16, 8, 8, 8), 2, 2, 0.5),
    ("one window as large as the input", (3, 2, 4, 4), 4, 4, 0.0),
]


def _pool_cases(rng, hidden):
    yield Case(
        "the worked case: one 4x4 image, 2x2 windows, stride 2",
        np.array([[[[1.0, -2.0], [0.5, 3.0]]]]),
        (_WORKED_POOL_X[None, None], 2, 2),
    )
    for label, shape, size, stride, zeros in _POOL_VISIBLE + (_POOL_HIDDEN if hidden else []):
        x = rng.normal(size=shape)
        if zeros:
            x = np.maximum(x - np.quantile(x, zeros), 0.0)  # ReLU output: ties at 0
        dout = rng.normal(size=(shape[0], shape[1], *_pool_out_hw(shape, size, stride)))
        yield Case(label, dout, (x, size, stride))
    if hidden:
        yield Case(
            "a constant image: every window is a tie",
            rng.normal(size=(2, 2, 2, 2)),
            (np.full((2, 2, 4, 4), 0.5), 2, 2),
        )


def _pool_shape_advice(case, what, shape):
    dout = case.args[0]
    if shape == dout.shape:
        return "dx has the shape of dout; it must have the shape of x, (N, C, H, W)."
    return None


@register_custom(f"{_A}.maxpool2d_backward", mistakes=_POOL_MISTAKES)
def _maxpool2d_backward(student, rng, hidden):
    for case in _pool_cases(rng, hidden):
        check_case(
            student,
            _reference_pool_backward,
            case,
            outputs=("dx",),
            mistakes=_POOL_MISTAKES,
            shape_advice=_pool_shape_advice,
        )


# --- conv2d_backward ---------------------------------------------------------------------------


def _conv_offset_overwrite(dout, cache):
    """The offset-loop backward with ``dxp[...] = ...``: each offset overwrites the last."""
    x, w, _, stride, pad = cache
    H, W = x.shape[2:]
    HH, WW = w.shape[2:]
    out_hw = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for a in range(HH):
        for d in range(WW):
            dw[:, :, a, d] = np.einsum("nfhw,nchw->fc", dout, _window(xp, a, d, stride, out_hw))
            share = np.einsum("nfhw,fc->nchw", dout, w[:, :, a, d])
            _window(dxp, a, d, stride, out_hw)[...] = share
    return dxp[:, :, pad : pad + H, pad : pad + W], dw, dout.sum(axis=(0, 2, 3))


_CONV_MISTAKES = [
    *_BACKWARD_MISTAKES,
    Mistake(
        "dx is overwritten (=) instead of accumulated (+=) where windows overlap",
        _conv_offset_overwrite,
        "An input pixel is read at several kernel offsets (by several windows): add (+=) "
        "each offset's contribution to dx_padded.",
    ),
]

# (label, x shape, w shape, stride, pad); visible first, then hidden.
_CONV_VISIBLE = [
    ("stride 2, pad 1, 3x3 kernel on 5x5 (overlapping windows)", (2, 3, 5, 5), (4, 3, 3, 3), 2, 1),
    ("stride 2, pad 0, 2x2 kernel on 6x6 (windows side by side)", (2, 2, 6, 6), (3, 2, 2, 2), 2, 0),
    ("stride 1, pad 1, 3x3 on 8x8 (the capstone's layer)", (4, 1, 8, 8), (8, 1, 3, 3), 1, 1),
    (
        "floored: 3x3, stride 2, pad 1 on an even 6x6 input",
        (2, 2, 6, 6),
        (3, 2, 3, 3),
        2,
        1,
    ),
]
_CONV_HIDDEN = [
    ("stride 3, pad 0, 2x2 kernel: gaps between windows", (2, 2, 8, 8), (2, 2, 2, 2), 3, 0),
    ("stride 3, pad 2, 5x5 kernel", (1, 2, 9, 9), (2, 2, 5, 5), 3, 2),
    ("stride 2, pad 2, non-square: x 7x6, kernel 3x2", (2, 1, 7, 6), (3, 1, 3, 2), 2, 2),
    ("stride 4, pad 1, 4x4 kernel on 10x10", (3, 2, 10, 10), (2, 2, 4, 4), 4, 1),
    ("stride 2, pad 0, 1x1 kernel (a subsampling)", (2, 3, 5, 5), (2, 3, 1, 1), 2, 0),
    ("floored: a 7x7, stride 2, pad 3 stem on 10x9", (1, 1, 10, 9), (2, 1, 7, 7), 2, 3),
    ("stride 1, pad 2, N = 16, C = 8 (a second conv layer)", (16, 8, 4, 4), (4, 8, 3, 3), 1, 2),
]


def _conv_cases(rng, hidden):
    for label, x_shape, w_shape, stride, pad in _CONV_VISIBLE + (_CONV_HIDDEN if hidden else []):
        out_hw = tuple(
            1 + (d + 2 * pad - k) // stride for d, k in zip(x_shape[2:], w_shape[2:], strict=True)
        )
        cache = (
            rng.normal(size=x_shape),
            rng.normal(size=w_shape),
            rng.normal(size=w_shape[0]),
            stride,
            pad,
        )
        dout = rng.normal(size=(x_shape[0], w_shape[0], *out_hw))
        yield Case(label, dout, cache, batch=x_shape[0])


@register_custom(f"{_A}.conv2d_backward", mistakes=_CONV_MISTAKES)
def _conv2d_backward(student, rng, hidden):
    for case in _conv_cases(rng, hidden):
        check_case(
            student,
            _reference_backward,
            case,
            outputs=("dx", "dw", "db"),
            mistakes=_CONV_MISTAKES,
            shape_advice=_backward_shape_advice,
        )
