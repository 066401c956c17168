r"""Checks for the ch06_conv_backward exercise: the convolution layer with loops, and its gradient.

- ``conv2d_forward_naive(x, w, b, stride=1, pad=0) -> (out, cache)``: ``out`` is compared with
  ``conv.conv2d_forward_naive``; the cache is the student's own and is not compared.
- ``conv2d_backward_naive(dout, cache) -> (dx, dw, db)``: the cache has the notebook's format,
  the plain tuple ``(x, w, b, stride, pad)``; the expected gradients come from
  ``conv.conv2d_backward_naive`` on the reference's own cache for the same inputs.
- ``convolve2d_full(x, k)``: the full 2-D convolution (kernel rotated by 180°, zero padding of
  HH−1 rows and WW−1 columns), with which ∂L/∂X = ``convolve2d_full(dO, F)``.

Cases cover stride/padding combinations (1/0, 2/1, 1/2, 3/1, 2/0), non-square inputs and
kernels, C > 1, F > 1, N > 1, 1×1 kernels and windows as large as the padded input, and
*floored* sizes, where (H + 2·pad − HH) is not a multiple of the stride: the output has
⌊(H + 2·pad − HH)/stride⌋ + 1 rows, as in PyTorch, and input rows no window reaches get zero
gradient (one visible case, the 3×3 / stride-2 / pad-1 layer on an even input; the hidden ones
add remainders 1 and 2, stride 3, a 7×7 / 2 / 3 stem, and unread input rows). Each check
runs its cases itself (``register_custom``) so that a wrong *shape* gets a specific hint
(padding not cropped, ``pad:-pad`` with pad = 0, stride ignored, a ceiled or rejected floored
size, unread rows dropped from dx, "valid" instead of "full"), and the known mistakes are
evaluated only when a case fails, which keeps passing checks fast.
"""

from __future__ import annotations

import numpy as np

from backproplab import conv
from trustedgrading.checks import (
    Case,
    CheckFailed,
    Mistake,
    check_case,
    register_custom,
)

_A = "ch06_conv_backward"

# --- the case runner ---------------------------------------------------------------------------


def _run(student, cases, reference, outputs, mistakes, shape_advice):
    """Compare ``student`` with ``reference`` on every case (``check_case`` with our advice).

    On a floored case a student's function that *raised* (typically a "does not tile" check
    of its own, or a float size from ``/``) hears the floor rule too.
    """
    for case in cases:
        try:
            check_case(
                student,
                reference,
                case,
                outputs=outputs,
                mistakes=mistakes,
                shape_advice=shape_advice,
            )
        except CheckFailed as failed:
            if not case.label.startswith(_FLOORED) or " raised " not in str(failed):
                raise
            raise CheckFailed(f"{failed}\n  {_floor_rule(case)}") from None


def _register(function, cases, reference, outputs, mistakes, shape_advice):
    """Register the check of ``function``: :func:`_run` on ``cases(rng, hidden)``."""

    @register_custom(f"{_A}.{function}", mistakes=mistakes)
    def check(student, rng, hidden):
        _run(student, cases(rng, hidden), reference, outputs, mistakes, shape_advice)


_FLOORED = "floored"


def _floor_rule(case):
    """The floor rule with this case's numbers (for a function that rejected the case)."""
    x, w = (case.args[0], case.args[1]) if len(case.args) == 5 else case.args[1][:2]
    stride, pad = case.args[-2:] if len(case.args) == 5 else case.args[1][3:]
    H, HH = x.shape[2], w.shape[2]
    H_out = 1 + (H + 2 * pad - HH) // stride
    return (
        f"This layer is valid: frameworks floor the output size, H' = (H + 2*pad - HH) // "
        f"stride + 1 = ({H} + {2 * pad} - {HH}) // {stride} + 1 = {H_out} (and W' likewise). "
        "A last window that would stick out of the padded input is simply not taken; the "
        "rows it would have read get zero gradient. Do not reject it, and compute sizes "
        "with //, not /."
    )


# --- shared case shapes ------------------------------------------------------------------------

_WORKED_X = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, -1.0], [0.0, 2.0, 4.0]])
_WORKED_F = np.array([[1.0, -1.0], [2.0, 0.5]])
_WORKED_DO = np.array([[1.0, -2.0], [0.5, 3.0]])

# (label, x shape, w shape, stride, pad); visible first, then hidden.
_VISIBLE = [
    (
        "N = 2, C = 3, F = 2, 5x5 input, 3x3 kernel, stride 1, pad 0",
        (2, 3, 5, 5),
        (2, 3, 3, 3),
        1,
        0,
    ),
    ("N = 2, C = 3, F = 4, stride 2, pad 1", (2, 3, 5, 5), (4, 3, 3, 3), 2, 1),
    ("non-square: x 4x6, kernel 2x3, stride 1, pad 2", (1, 2, 4, 6), (3, 2, 2, 3), 1, 2),
    (
        "floored: 3x3, stride 2, pad 1 on an even 6x6 input ((6 + 2 - 3) / 2 = 2.5, so 3 rows)",
        (2, 2, 6, 6),
        (3, 2, 3, 3),
        2,
        1,
    ),
]
_HIDDEN = [
    ("N = 1, C = 1, F = 1, 1x1 kernel", (1, 1, 3, 4), (1, 1, 1, 1), 1, 0),
    ("stride 3, pad 1, C = 2, F = 3", (2, 2, 7, 7), (3, 2, 3, 3), 3, 1),
    ("stride 2, pad 0, non-square 7x5 input, 3x1 kernel", (3, 1, 7, 5), (2, 1, 3, 1), 2, 0),
    ("window as large as the padded input (output 1x1)", (2, 2, 3, 3), (2, 2, 5, 5), 1, 1),
    ("N = 3, C = 2, F = 3, 4x4 kernel, stride 2, pad 1", (3, 2, 6, 6), (3, 2, 4, 4), 2, 1),
    ("C = 4, F = 1, 2x2 kernel, stride 1, pad 1", (1, 4, 3, 5), (1, 4, 2, 2), 1, 1),
    ("floored: a 7x7, stride 2, pad 3 stem on 10x9", (1, 1, 10, 9), (2, 1, 7, 7), 2, 3),
    ("floored: stride 3, pad 1, remainders 1 and 2", (2, 2, 8, 8), (2, 2, 3, 2), 3, 1),
    (
        "floored, no padding: input rows 5, 6 and columns 6, 7 are past the last window",
        (2, 1, 7, 8),
        (2, 1, 2, 3),
        3,
        0,
    ),
]


def _layer_settings(hidden):
    return _VISIBLE + (_HIDDEN if hidden else [])


def _out_hw(x_shape, w_shape, stride, pad):
    return tuple(
        1 + (d + 2 * pad - k) // stride for d, k in zip(x_shape[2:], w_shape[2:], strict=True)
    )


# --- conv2d_forward_naive ----------------------------------------------------------------------


def _forward_cases(rng, hidden):
    yield Case(
        "the worked case: X 3x3, F 2x2, b = 0.5 (N = C = F = 1)",
        _WORKED_X[None, None],
        _WORKED_F[None, None],
        np.array([0.5]),
        1,
        0,
    )
    for label, x_shape, w_shape, stride, pad in _layer_settings(hidden):
        yield Case(
            label,
            rng.normal(size=x_shape),
            rng.normal(size=w_shape),
            rng.normal(size=w_shape[0]),
            stride,
            pad,
            batch=x_shape[0],
        )


def _forward_variant(*, flip=False, bias=True, use_stride=True, first_channel=False, no_pad=False):
    """A wrong conv2d_forward_naive, with one deliberate mistake switched on.

    Written with the notebook's loops, so that a mistake that only makes windows at the border
    shorter (no padding) broadcasts exactly as the student's code does.
    """

    def wrong(x, w, b, stride=1, pad=0):
        N, F = x.shape[0], w.shape[0]
        HH, WW = w.shape[2:]
        H_out, W_out = _out_hw(x.shape, w.shape, stride, pad)
        xp = x if no_pad else np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        step = stride if use_stride else 1
        kernel = w[..., ::-1, ::-1] if flip else w
        if first_channel:
            xp, kernel = xp[:, :1], kernel[:, :1]
        out = np.zeros((N, F, H_out, W_out))
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        window = xp[n, :, i * step : i * step + HH, j * step : j * step + WW]
                        out[n, f, i, j] = np.sum(window * kernel[f]) + (b[f] if bias else 0.0)
        return out

    return wrong


_FORWARD_MISTAKES = [
    Mistake(
        "the kernel is flipped (a true convolution instead of a cross-correlation)",
        _forward_variant(flip=True),
        "A convolution layer computes a cross-correlation: multiply each window by w[f] as it "
        "is, without rotating it.",
    ),
    Mistake(
        "the bias b is missing",
        _forward_variant(bias=False),
        "Add b[f] to every output of filter f.",
    ),
    Mistake(
        "the stride is ignored when placing the windows",
        _forward_variant(use_stride=False),
        "Output (i, j) reads the window that starts at row i * stride and column j * stride "
        "of the padded input.",
    ),
    Mistake(
        "the zero padding is missing: the windows read the unpadded x",
        _forward_variant(no_pad=True),
        "Pad x with `pad` zeros on every side (np.pad on the last two axes) before sliding "
        "the windows.",
    ),
    Mistake(
        "the axes of out are in the order (F, N, H', W')",
        lambda x, w, b, stride=1, pad=0: np.swapaxes(
            conv.conv2d_forward_naive(x, w, b, stride, pad)[0], 0, 1
        ),
        "out[n, f, i, j] is example n, filter f: examples first, then filters.",
    ),
    Mistake(
        "only the first input channel is used",
        _forward_variant(first_channel=True),
        "A filter spans all C channels: sum window * w[f] over the channels too.",
    ),
]


def _ceiled_hw(x_shape, w_shape, stride, pad):
    return tuple(
        1 - (-(d + 2 * pad - k) // stride) for d, k in zip(x_shape[2:], w_shape[2:], strict=True)
    )


def _forward_shape_advice(case, what, shape):
    x, w, _, stride, pad = case.args
    if pad and shape[2:] == _out_hw(x.shape, w.shape, stride, 0):
        return "Did you forget the zero padding? Pad x with `pad` zeros on every side first."
    if stride > 1 and shape[2:] == _out_hw(x.shape, w.shape, 1, pad):
        return "Did you ignore the stride? H' = 1 + (H + 2*pad - HH) // stride."
    H_out, W_out = _out_hw(x.shape, w.shape, stride, pad)
    if shape[2:] in ((H_out - 1, W_out - 1), (H_out - 1, W_out), (H_out, W_out - 1)):
        return (
            "One row or column short: H' = 1 + (H + 2*pad - HH) // stride and W' likewise "
            "(mind the 1 +)."
        )
    floored = case.label.startswith(_FLOORED)
    if len(shape) == 4 and shape[2:] != (H_out, W_out):
        if floored or shape[2:] == _ceiled_hw(x.shape, w.shape, stride, pad):
            H, HH = x.shape[2], w.shape[2]
            return (
                f"out has {shape[2]} rows and {shape[3]} columns; frameworks floor "
                f"(H + 2*pad - HH)/stride + 1 = ({H} + {2 * pad} - {HH}) // {stride} + 1 = "
                f"{H_out} rows ({W_out} columns): a last window that would stick out of the "
                "padded input is not taken."
            )
    if x.shape[0] != w.shape[0] and shape == (w.shape[0], x.shape[0], H_out, W_out):
        return "The axes are (N, F, H', W'): examples first, then filters."
    return None


_register(
    "conv2d_forward_naive",
    _forward_cases,
    conv.conv2d_forward_naive,
    ("out", None),
    _FORWARD_MISTAKES,
    _forward_shape_advice,
)


# --- conv2d_backward_naive ---------------------------------------------------------------------


def _backward_case(rng, label, x_shape, w_shape, stride, pad):
    """A random case of a backward pass: dout and the notebook's cache (x, w, b, stride, pad)."""
    dout = rng.normal(size=(x_shape[0], w_shape[0], *_out_hw(x_shape, w_shape, stride, pad)))
    cache = (
        rng.normal(size=x_shape),
        rng.normal(size=w_shape),
        rng.normal(size=w_shape[0]),
        stride,
        pad,
    )
    return Case(label, dout, cache, batch=x_shape[0])


def _backward_cases(rng, hidden):
    yield Case(
        "the worked case: X 3x3, F 2x2, dO 2x2 (N = C = F = 1)",
        _WORKED_DO[None, None],
        (_WORKED_X[None, None], _WORKED_F[None, None], np.array([0.5]), 1, 0),
    )
    for setting in _layer_settings(hidden):
        yield _backward_case(rng, *setting)


def _reference_backward(dout, cache):
    """The reference gradients for the notebook's cache ``(x, w, b, stride, pad)``."""
    x, w, b, stride, pad = cache
    _, ref_cache = conv.conv2d_forward_naive(x, w, b, stride, pad)
    return conv.conv2d_backward_naive(dout, ref_cache)


def _backward_variant(
    *,
    flip_dx=False,
    use_stride=True,
    dw_batch="sum",
    db_mode="sum",
    accumulate_dx=True,
):
    """A wrong conv2d_backward_naive, with one deliberate mistake switched on."""

    def wrong(dout, cache):
        x, w, _, stride, pad = cache
        N, F, H_out, W_out = dout.shape
        HH, WW = w.shape[2:]
        H, W = x.shape[2:]
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        dxp = np.zeros(xp.shape)
        dw = np.zeros(w.shape)
        step = stride if use_stride else 1
        kernel = w[..., ::-1, ::-1] if flip_dx else w
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        rows = slice(i * step, i * step + HH)
                        cols = slice(j * step, j * step + WW)
                        delta = dout[n, f, i, j]
                        if accumulate_dx:
                            dxp[n, :, rows, cols] += delta * kernel[f]
                        else:
                            dxp[n, :, rows, cols] = delta * kernel[f]
                        if dw_batch == "overwrite":
                            dw[f] = delta * xp[n, :, rows, cols]
                        elif dw_batch != "first" or n == 0:
                            dw[f] += delta * xp[n, :, rows, cols]
        if dw_batch == "mean":
            dw /= N
        if db_mode == "sum":
            db = dout.sum(axis=(0, 2, 3))
        elif db_mode == "first":
            db = dout[0].sum(axis=(1, 2))
        else:
            db = dout.mean(axis=(0, 2, 3))
        return dxp[:, :, pad : pad + H, pad : pad + W], dw, db

    return wrong


_BACKWARD_MISTAKES = [
    Mistake(
        "dx matches a full correlation of dout with an unrotated kernel (the 180° rotation is "
        "missing)",
        _backward_variant(flip_dx=True),
        "dx is the full correlation of dout with rot180(w), i.e. a true convolution with w. In "
        "loops: add dout[n, f, i, j] * w[f], the kernel exactly as the forward pass used it, "
        "to the window that output read.",
    ),
    Mistake(
        "the stride is ignored in the backward pass",
        _backward_variant(use_stride=False),
        "Output (i, j) read the window starting at (i * stride, j * stride): send its gradient "
        "back to that same window.",
    ),
    Mistake(
        "dw is not summed over the batch (only the first example counts)",
        _backward_variant(dw_batch="first"),
        "The filters are shared by every example: add up the contributions of all N examples.",
    ),
    Mistake(
        "dw is overwritten (=) instead of accumulated (+=)",
        _backward_variant(dw_batch="overwrite"),
        "Every window and every example adds its share to dw[f]: use +=.",
    ),
    Mistake(
        "dw is averaged over the batch instead of summed",
        _backward_variant(dw_batch="mean"),
        "Sum over the examples, do not divide by N: the loss already divided by N, and dout "
        "carries that factor.",
    ),
    Mistake(
        "db is not summed over the batch (only the first example counts)",
        _backward_variant(db_mode="first"),
        "db[f] = dout[:, f].sum(): over examples n and positions (i, j).",
    ),
    Mistake(
        "db is a mean instead of a sum",
        _backward_variant(db_mode="mean"),
        "db[f] = dout[:, f].sum(): every output of filter f got + b[f], so its gradient adds up.",
    ),
    Mistake(
        "dx is overwritten (=) instead of accumulated (+=) where windows overlap",
        _backward_variant(accumulate_dx=False),
        "An input pixel read by several windows collects a gradient from each: use +=.",
    ),
]


def _backward_shape_advice(case, what, shape):
    dout, (x, w, _, _, pad) = case.args
    N, C, H, W = x.shape
    if what == "dx":
        if shape == (N, C, H + 2 * pad, W + 2 * pad):
            return (
                "This is the gradient of the padded input: crop the padding, "
                "dx = dx_padded[:, :, pad:pad + H, pad:pad + W]."
            )
        smaller = len(shape) == 4 and shape[2] <= H and shape[3] <= W and shape[2:] != (H, W)
        if shape[:2] == (N, C) and smaller and shape[2:] != (0, 0):
            return (
                f"dx has {shape[2]} rows and {shape[3]} columns but x has {H} and {W}: the "
                "output size was floored, so some rows or columns of x are read by no window. "
                "They are still part of x and their gradient is 0: give dx_padded the shape of "
                "the padded x, not of the area the windows reach."
            )
        if pad == 0 and len(shape) == 4 and shape[2:] == (0, 0):
            return (
                "With pad = 0, dx_padded[:, :, pad:-pad, ...] is empty, because -0 == 0: "
                "slice with pad:pad + H instead."
            )
    if what == "db" and shape in ((N,), (N, w.shape[0]), dout.shape[2:]):
        return "db[f] sums dout over the examples and the positions: axes (0, 2, 3)."
    if what == "dw" and shape == (N, *w.shape):
        return "dw must add up the examples' contributions: sum over the batch axis."
    return None


_register(
    "conv2d_backward_naive",
    _backward_cases,
    _reference_backward,
    ("dx", "dw", "db"),
    _BACKWARD_MISTAKES,
    _backward_shape_advice,
)


# --- convolve2d_full ---------------------------------------------------------------------------


def _full_cases(rng, hidden):
    yield Case("the worked case: dO 2x2 with F 2x2 (gives dX 3x3)", _WORKED_DO, _WORKED_F)
    yield Case("x 3x4, kernel 2x3 (non-square)", rng.normal(size=(3, 4)), rng.normal(size=(2, 3)))
    yield Case("1x1 kernel", rng.normal(size=(2, 3)), np.array([[-2.5]]))
    if hidden:
        yield Case(
            "kernel larger than x (x 2x2, kernel 3x3)",
            rng.normal(size=(2, 2)),
            rng.normal(size=(3, 3)),
        )
        yield Case("x 1x1", np.array([[3.0]]), rng.normal(size=(2, 4)))
        yield Case("x 5x2, kernel 3x2", rng.normal(size=(5, 2)), rng.normal(size=(3, 2)))
        yield Case("x 4x4, kernel 3x3", rng.normal(size=(4, 4)), rng.normal(size=(3, 3)))


def _full_correlation(x, k, kernel):
    HH, WW = k.shape
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out, W_out = xp.shape[0] - HH + 1, xp.shape[1] - WW + 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * kernel)
    return out


_FULL_MISTAKES = [
    Mistake(
        "the kernel is not rotated (this is the full cross-correlation)",
        lambda x, k: _full_correlation(x, k, k),
        "A convolution rotates the kernel by 180° first: slide k[::-1, ::-1] over the padded x.",
    ),
    Mistake(
        "the kernel is flipped upside down only (rows), not rotated",
        lambda x, k: _full_correlation(x, k, k[::-1, :]),
        "rot180 flips both the rows and the columns: k[::-1, ::-1].",
    ),
    Mistake(
        "the kernel is flipped left-right only (columns), not rotated",
        lambda x, k: _full_correlation(x, k, k[:, ::-1]),
        "rot180 flips both the rows and the columns: k[::-1, ::-1].",
    ),
    Mistake(
        "the kernel is turned by 90° instead of 180°",
        lambda x, k: _full_correlation(x, k, np.rot90(k)),
        "np.rot90(k) is a quarter turn; rot180 is np.rot90(k, 2), i.e. k[::-1, ::-1].",
    ),
    Mistake(
        "the kernel is transposed instead of rotated",
        lambda x, k: _full_correlation(x, k, k.T),
        "A 180° rotation is k[::-1, ::-1], not the transpose k.T.",
    ),
]


def _full_shape_advice(case, what, shape):
    x, k = case.args
    (H, W), (HH, WW) = x.shape, k.shape
    if shape == (H - HH + 1, W - WW + 1):
        return (
            'This is the "valid" size. "Full" mode keeps every overlap: pad x with HH - 1 rows '
            "and WW - 1 columns of zeros on each side first."
        )
    if shape == (H + HH + 1, W + WW + 1):
        return "Pad by HH - 1 rows and WW - 1 columns, not HH and WW."
    if shape == (H, W):
        return 'This is the "same" size; "full" mode gives (H + HH - 1, W + WW - 1).'
    return None


_register(
    "convolve2d_full",
    _full_cases,
    conv.convolve2d_full,
    ("out",),
    _FULL_MISTAKES,
    _full_shape_advice,
)
