r"""Convolution and max pooling, forward and backward, naive and vectorised.

Layers follow the NCHW layout of deep-learning frameworks: an input ``x`` has shape
``(N, C, H, W)`` (examples, channels, height, width), a filter bank ``w`` has shape
``(F, C, HH, WW)`` and the bias ``b`` has shape ``(F,)``. What frameworks call a
"convolution" is a *cross-correlation* (the kernel is not flipped):

.. math::

    out_{n,f,i,j} = b_f + \sum_{c=0}^{C-1} \sum_{a=0}^{HH-1} \sum_{d=0}^{WW-1}
        w_{f,c,a,d}\, \tilde{x}_{n,c,\,i s + a,\,j s + d},
    \qquad H' = \left\lfloor \frac{H + 2p - HH}{s} \right\rfloor + 1,

where :math:`\tilde{x}` is ``x`` zero-padded by :math:`p` on every side and :math:`s` is the
stride (same for the width). The output size is floored as in PyTorch: when the windows do
not tile the padded input, the last window that would stick out is not taken, so the last
:math:`(H + 2p - HH) \bmod s` rows of the padded input are never read and get zero gradient
(a 3×3, stride-2, pad-1 layer on an even input, or ResNet's 7×7/2/3 stem on 224×224). Only a
window larger than the padded input is an error. Max pooling floors the same way.

Worked case (single channel)
----------------------------
Take :math:`X` of size 3×3 and a filter :math:`F` of size 2×2 (here :math:`F` is the
syllabus's name for the kernel, not the number of filters). The valid cross-correlation
:math:`O = X \star F` is 2×2:

.. math::

    o_{11} &= x_{11} f_{11} + x_{12} f_{12} + x_{21} f_{21} + x_{22} f_{22} \\
    o_{12} &= x_{12} f_{11} + x_{13} f_{12} + x_{22} f_{21} + x_{23} f_{22} \\
    o_{21} &= x_{21} f_{11} + x_{22} f_{12} + x_{31} f_{21} + x_{32} f_{22} \\
    o_{22} &= x_{22} f_{11} + x_{23} f_{12} + x_{32} f_{21} + x_{33} f_{22}

With the upstream gradient :math:`\delta_{ij} = \partial L / \partial o_{ij}` the chain rule
gives, for the filter, a valid cross-correlation of the input with :math:`\delta`:

.. math::

    \frac{\partial L}{\partial f_{ab}} = \sum_{i,j} \delta_{ij}\, x_{i+a-1,\,j+b-1},
    \qquad \frac{\partial L}{\partial F} = X \star \delta,

and, for the input, every :math:`x_{pq}` collects the outputs whose window covered it:

.. math::

    \frac{\partial L}{\partial x_{11}} &= \delta_{11} f_{11}, \qquad
    \frac{\partial L}{\partial x_{12}} = \delta_{11} f_{12} + \delta_{12} f_{11}, \qquad
    \frac{\partial L}{\partial x_{13}} = \delta_{12} f_{12}, \\
    \frac{\partial L}{\partial x_{21}} &= \delta_{11} f_{21} + \delta_{21} f_{11}, \qquad
    \frac{\partial L}{\partial x_{22}} = \delta_{11} f_{22} + \delta_{12} f_{21}
        + \delta_{21} f_{12} + \delta_{22} f_{11}, \\
    \frac{\partial L}{\partial x_{23}} &= \delta_{12} f_{22} + \delta_{22} f_{12}, \qquad
    \frac{\partial L}{\partial x_{31}} = \delta_{21} f_{21}, \qquad
    \frac{\partial L}{\partial x_{32}} = \delta_{21} f_{22} + \delta_{22} f_{21}, \qquad
    \frac{\partial L}{\partial x_{33}} = \delta_{22} f_{22}.

That is the *full* cross-correlation of :math:`\delta` (zero-padded by 1) with the kernel
rotated by 180°, :math:`\operatorname{rot180}(F) = \begin{pmatrix} f_{22} & f_{21} \\
f_{12} & f_{11} \end{pmatrix}`, which is the same thing as a true (flipped) full convolution
of :math:`\delta` with :math:`F`:

.. math::

    \frac{\partial L}{\partial X} = \operatorname{full}(\delta \star \operatorname{rot180}(F))
        = \delta * F.

The single-channel helpers :func:`correlate2d_valid`, :func:`convolve2d_full` and
:func:`rot180` follow ``scipy.signal.correlate2d(mode="valid")`` and
``scipy.signal.convolve2d(mode="full")``, so the identity reads
``dX = convolve2d_full(dO, F)``.

Contracts
---------
* ``conv2d_forward`` / ``conv2d_forward_naive`` return the same cache, a :class:`ConvCache`
  ``(x, w, stride, pad, cols)``; ``cols`` is the im2col matrix of shape
  ``(N, C*HH*WW, H'*W')`` from the vectorised forward and ``None`` from the naive one. Either
  backward accepts either cache (the vectorised backward rebuilds ``cols`` when it is ``None``).
  ``maxpool2d_forward`` returns a :class:`PoolCache` ``(x_shape, size, stride, argmax)``.
* Caches are named tuples, so ``x, w, stride, pad, cols = cache`` works. A backward rejects
  another layer's cache with ``TypeError`` naming both, and accepts a plain tuple with the same
  fields in the same order (what a student's own forward returns).
* Caches hold read-only copies of ``x`` and ``w``, never the caller's arrays: changing ``x``
  after the forward pass does not change the gradients. ``cols`` and ``argmax`` are read-only
  too.
* ``w`` needs at least one filter (``F >= 1``), one channel (``C >= 1``) and a kernel of at
  least 1×1; an empty filter bank or an input without channels raises ``ValueError`` naming
  the shapes (an empty *batch* is fine, see below).
* An empty batch (``N = 0``) is allowed: forward returns an empty ``(0, F, H', W')`` output
  and backward returns ``dx`` of shape ``(0, C, H, W)`` with zero ``dw`` and ``db`` (a sum over
  no examples). Max pooling behaves the same way.
* Max pooling routes each window's gradient to the window's maximum; on ties, to the first
  maximum in row-major order within the window (``numpy.argmax`` order).
* Inputs, weights and upstream gradients must be finite (``inf`` has no meaningful product
  with a zero weight); max pooling accepts ``±inf`` in ``x``, since a maximum is defined.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from backproplab._types import ArrayLike, Grads, Shape
from backproplab._validate import as_float_array, as_int, cache_type, check_cache, frozen, upstream

__all__ = [
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "convolve2d_full",
    "correlate2d_valid",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "rot180",
]

ConvCache = cache_type("ConvCache", "x w stride pad cols", "conv2d_forward")
PoolCache = cache_type("PoolCache", "x_shape size stride argmax", "maxpool2d_forward")


# --------------------------------------------------------------------------- validation


def _output_size(
    dims: Shape, kernel: Shape, stride: int, pad: int | None, fn: str, kernel_names: tuple[str, str]
) -> Shape:
    r"""Output (H', W') of a window of ``kernel`` sliding over ``dims``, floored like PyTorch.

    :math:`H' = \lfloor (H + 2p - HH)/s \rfloor + 1`: a last window that would stick out of
    the padded input is not taken, so rows and columns past the last window are not read.
    Only a window larger than the padded input is an error. ``pad=None`` means the layer has
    no padding argument (pooling), and the hint then says so.
    """
    p = 0 if pad is None else pad
    out = []
    for axis, (d, k, kname) in enumerate(zip(dims, kernel, kernel_names, strict=True)):
        span = d + 2 * p - k
        if span >= 0:
            out.append(1 + span // stride)
            continue
        dname = "HW"[axis]
        if pad is None:
            raise ValueError(
                f"{fn}: the {kname}={k} window is larger than the input ({dname} = {d}); "
                f"use a window of at most {d} or pad the input to {dname}={k}"
            )
        raise ValueError(
            f"{fn}: the {kname}={k} window is larger than the padded input ({dname} + 2*pad = "
            f"{d + 2 * p}, with {dname}={d} and pad={pad}); use pad={-(-(k - d) // 2)} or a "
            "smaller kernel"
        )
    return tuple(out)


def _check_conv_inputs(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int, pad: int, fn: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, Shape]:
    x = as_float_array(x, "x", fn, ndim=4, finite=True)
    w = as_float_array(w, "w", fn, ndim=4, finite=True)
    b = as_float_array(b, "b", fn, finite=True)
    stride = as_int(stride, "stride", fn, low=1)
    pad = as_int(pad, "pad", fn, low=0)
    F, C, HH, WW = w.shape
    # Before the bias check, whose "b must have shape (0,)" would be the wrong advice.
    if F == 0:
        raise ValueError(
            f"{fn}: w has shape {w.shape}, i.e. no filters (F = 0); need at least one filter"
        )
    if HH < 1 or WW < 1:
        raise ValueError(f"{fn}: the kernel must be at least 1x1, got w of shape {w.shape}")
    if x.shape[1] != C:
        raise ValueError(f"{fn}: x has {x.shape[1]} channels but w expects {C}")
    if C == 0:
        raise ValueError(
            f"{fn}: x has shape {x.shape} and w has shape {w.shape}, i.e. no channels "
            "(C = 0); need at least one channel"
        )
    if b.shape != (F,):
        raise ValueError(
            f"{fn}: b has shape {b.shape} but w has {F} filters; b must have shape ({F},)"
        )
    out_hw = _output_size(x.shape[2:], (HH, WW), stride, pad, fn, ("HH", "WW"))
    return x, w, b, stride, pad, out_hw


def _conv_cache(
    cache: tuple, dout: ArrayLike, fn: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, np.ndarray | None]:
    x, w, stride, pad, cols = check_cache(cache, ConvCache, fn)
    H_out = 1 + (x.shape[2] + 2 * pad - w.shape[2]) // stride
    W_out = 1 + (x.shape[3] + 2 * pad - w.shape[3]) // stride
    dout = upstream(dout, (x.shape[0], w.shape[0], H_out, W_out), fn)
    return dout, x, w, stride, pad, cols


def _padded(x: np.ndarray, pad: int) -> np.ndarray:
    if pad == 0:
        return x  # read only below, so no copy is needed
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


# --------------------------------------------------------------------------- naive


def conv2d_forward_naive(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, tuple]:
    r"""Convolution layer (cross-correlation) with explicit loops: the teaching version.

    .. math::

        out_{n,f,i,j} = b_f + \sum_{c,a,d} w_{f,c,a,d}\, \tilde{x}_{n,c,\,is+a,\,js+d}

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, HH, WW)
    b : array_like, shape (F,)
    stride : int >= 1
    pad : int >= 0
        Zeros added on every side of each image.

    Returns
    -------
    out : ndarray, shape (N, F, H', W'), with :math:`H' = \lfloor (H + 2p - HH)/s \rfloor + 1`
    cache : ConvCache ``(x, w, stride, pad, None)`` for :func:`conv2d_backward_naive` (or
        :func:`conv2d_backward`), holding read-only copies of ``x`` and ``w``.

    Raises
    ------
    ValueError
        Channel or bias mismatch, no filters or no channels (F = 0 or C = 0), or a kernel
        larger than the padded input (the message suggests a padding that fits it).
    """
    fn = "conv2d_forward_naive"
    x, w, b, stride, pad, (H_out, W_out) = _check_conv_inputs(x, w, b, stride, pad, fn)
    N = x.shape[0]
    F, _, HH, WW = w.shape
    xp = _padded(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, ConvCache(frozen(x), frozen(w), stride, pad, None)


def conv2d_backward_naive(dout: ArrayLike, cache: tuple) -> Grads:
    r"""Backward pass of the convolution layer with explicit loops.

    Each output :math:`out_{n,f,i,j}` was a weighted sum of one window, so its gradient
    :math:`\delta = dout_{n,f,i,j}` flows back to that window's inputs (times the weights)
    and to the weights (times the window):

    .. math::

        \frac{\partial L}{\partial \tilde{x}_{n,:,is+a,js+d}} \mathrel{+}= \delta\, w_{f,:,a,d},
        \qquad
        \frac{\partial L}{\partial w_{f,:,a,d}} \mathrel{+}= \delta\, \tilde{x}_{n,:,is+a,js+d},
        \qquad
        \frac{\partial L}{\partial b_f} \mathrel{+}= \delta.

    Parameters
    ----------
    dout : array_like, shape (N, F, H', W')
        Upstream gradient :math:`\partial L / \partial out`.
    cache : ConvCache or tuple
        From :func:`conv2d_forward_naive` or :func:`conv2d_forward` (or a plain tuple
        ``(x, w, stride, pad, cols)``).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    fn = "conv2d_backward_naive"
    dout, x, w, stride, pad, _ = _conv_cache(cache, dout, fn)
    N, F, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    H, W = x.shape[2:]
    xp = _padded(x, pad)
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    delta = dout[n, f, i, j]
                    dxp[n, :, rows, cols] += delta * w[f]
                    dw[f] += delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W].copy()
    return dx, dw, db


# --------------------------------------------------------------------------- vectorised

_DCOLS_CHUNK_BYTES = 1 << 20


def _im2col(xp: np.ndarray, HH: int, WW: int, stride: int, out_hw: Shape) -> np.ndarray:
    """Every window of the padded input as a column: shape (N, C*HH*WW, H'*W'), one copy."""
    N, C = xp.shape[:2]
    H_out, W_out = out_hw
    windows = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    # (N, C, HH, WW, H', W'): for each kernel offset the output pixels are contiguous, so
    # W_col @ cols[n] lands directly in NCHW order without a transposing copy of the output.
    cols = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))
    return cols.reshape(N, C * HH * WW, H_out * W_out)


def _grad_padded_input(
    w_col: np.ndarray, dout_col: np.ndarray, padded_shape: Shape, kernel: Shape, stride: int
) -> np.ndarray:
    """col2im of ``dcols_n = W_col^T dout_n``: the gradient w.r.t. the padded input."""
    N, C = padded_shape[:2]
    HH, WW = kernel
    H_out = 1 + (padded_shape[2] - HH) // stride
    W_out = 1 + (padded_shape[3] - WW) // stride
    dxp = np.zeros(padded_shape)
    # dcols is as large as cols; building it for the whole batch costs a fresh allocation
    # (page faults) and a trip through main memory that take as long as the GEMMs. A few
    # examples at a time, in one reused buffer of about 1 MB, it stays in cache. The buffer
    # is freed on return, before the caller allocates the cropped dx, which keeps the peak
    # memory of the backward pass down.
    per_example = dout_col.itemsize * w_col.shape[1] * dout_col.shape[2]
    chunk = max(1, _DCOLS_CHUNK_BYTES // max(1, per_example))
    dcols_buf = np.empty((min(chunk, N), w_col.shape[1], dout_col.shape[2]))
    for n0 in range(0, N, chunk):
        n1 = min(N, n0 + chunk)
        dcols = np.matmul(w_col.T, dout_col[n0:n1], out=dcols_buf[: n1 - n0])
        dcols = dcols.reshape(n1 - n0, C, HH, WW, H_out, W_out)
        # col2im: one strided add per kernel offset; overlapping windows accumulate.
        for a in range(HH):
            rows = slice(a, a + stride * H_out, stride)
            for d in range(WW):
                dxp[n0:n1, :, rows, d : d + stride * W_out : stride] += dcols[:, :, a, d]
    return dxp


def conv2d_forward(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, tuple]:
    r"""Convolution layer (cross-correlation), vectorised with im2col and one matrix product.

    The windows of the padded input are copied once into columns,
    ``cols[n]`` of shape :math:`(C \cdot HH \cdot WW,\ H' W')`, so that the layer is the matrix
    product

    .. math:: out_n = W_{col}\, cols_n + b, \qquad W_{col} = w.\mathrm{reshape}(F, C\,HH\,WW),

    done for the whole batch by one broadcast ``np.matmul`` whose result is already in NCHW
    order.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, HH, WW)
    b : array_like, shape (F,)
    stride : int >= 1
    pad : int >= 0

    Returns
    -------
    out : ndarray, shape (N, F, H', W'), with :math:`H' = \lfloor (H + 2p - HH)/s \rfloor + 1`
    cache : ConvCache ``(x, w, stride, pad, cols)``: read-only copies of ``x`` and ``w``,
        and the read-only ``cols`` of shape ``(N, C*HH*WW, H'*W')``.

    Raises
    ------
    ValueError
        As :func:`conv2d_forward_naive`.
    """
    fn = "conv2d_forward"
    x, w, b, stride, pad, out_hw = _check_conv_inputs(x, w, b, stride, pad, fn)
    N = x.shape[0]
    F, _, HH, WW = w.shape
    cols = _im2col(_padded(x, pad), HH, WW, stride, out_hw)
    out = np.matmul(w.reshape(F, -1), cols)
    out += b[:, None]
    # cols is a fresh array nobody else holds: locking it is enough, no copy needed.
    cols.setflags(write=False)
    return out.reshape(N, F, *out_hw), ConvCache(frozen(x), frozen(w), stride, pad, cols)


def conv2d_backward(dout: ArrayLike, cache: tuple) -> Grads:
    r"""Backward pass of the convolution layer, vectorised.

    With :math:`\delta_n` = ``dout[n]`` reshaped to :math:`(F, H' W')`:

    .. math::

        \frac{\partial L}{\partial W_{col}} = \sum_n \delta_n\, cols_n^\top, \qquad
        \frac{\partial L}{\partial cols_n} = W_{col}^\top \delta_n, \qquad
        \frac{\partial L}{\partial b} = \sum_{n,i,j} \delta_{n,:,i,j},

    and col2im adds each column entry back to the input pixel it was copied from. That is
    done with one strided slice-add per kernel offset (HH·WW of them), not per pixel; the
    adds accumulate where windows overlap.

    Parameters
    ----------
    dout : array_like, shape (N, F, H', W')
    cache : ConvCache or tuple
        From :func:`conv2d_forward` (or :func:`conv2d_forward_naive`, whose cache has no
        ``cols``; they are then rebuilt), or a plain tuple ``(x, w, stride, pad, cols)``.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    fn = "conv2d_backward"
    dout, x, w, stride, pad, cols = _conv_cache(cache, dout, fn)
    N, F, H_out, W_out = dout.shape
    _, C, HH, WW = w.shape
    H, W = x.shape[2:]
    if cols is None:
        cols = _im2col(_padded(x, pad), HH, WW, stride, (H_out, W_out))
    dout_col = dout.reshape(N, F, H_out * W_out)
    w_col = w.reshape(F, -1)

    db = dout_col.sum(axis=(0, 2))
    dw = np.matmul(dout_col, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)

    dxp = _grad_padded_input(w_col, dout_col, (N, C, H + 2 * pad, W + 2 * pad), (HH, WW), stride)
    if pad == 0:
        return dxp, dw, db
    return np.ascontiguousarray(dxp[:, :, pad : pad + H, pad : pad + W]), dw, db


# --------------------------------------------------------------------------- pooling


def maxpool2d_forward(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, tuple]:
    r"""Max pooling over ``size``×``size`` windows moved by ``stride``.

    .. math:: out_{n,c,i,j} = \max_{0 \le a, d < size} x_{n,c,\,is+a,\,js+d}

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        ``±inf`` is allowed; NaN is not.
    size : int >= 1
    stride : int >= 1
        ``stride < size`` gives overlapping pooling (as in AlexNet).

    Returns
    -------
    out : ndarray, shape (N, C, H', W'), with
        :math:`H' = \lfloor (H - size)/stride \rfloor + 1` (floored: rows past the last
        window are not read and get zero gradient)
    cache : PoolCache ``(x_shape, size, stride, argmax)``; ``argmax`` (N, C, H', W'),
        read-only, holds the row-major index inside each window of its maximum, the *first*
        one on ties.

    Raises
    ------
    ValueError
        If the window is larger than the input (``size > H`` or ``size > W``).
    """
    fn = "maxpool2d_forward"
    x = as_float_array(x, "x", fn, ndim=4)
    size = as_int(size, "size", fn, low=1)
    stride = as_int(stride, "stride", fn, low=1)
    N, C = x.shape[:2]
    out_hw = _output_size(x.shape[2:], (size, size), stride, None, fn, ("size", "size"))
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(N, C, *out_hw, size * size)
    argmax = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    argmax.setflags(write=False)
    return out, PoolCache(x.shape, size, stride, argmax)


def maxpool2d_backward(dout: ArrayLike, cache: tuple) -> np.ndarray:
    r"""Backward pass of max pooling: each window's gradient goes to its (first) maximum.

    .. math::

        \frac{\partial L}{\partial x_{n,c,p,q}} = \sum_{(i,j)\,:\ (p,q) = \arg\max
            \text{ of window } (i,j)} dout_{n,c,i,j}

    The sum matters when windows overlap (``stride < size``): one pixel can be the maximum
    of several windows.

    Parameters
    ----------
    dout : array_like, shape (N, C, H', W')
    cache : PoolCache or tuple
        From :func:`maxpool2d_forward` (or a plain tuple ``(x_shape, size, stride, argmax)``).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    fn = "maxpool2d_backward"
    x_shape, size, stride, argmax = check_cache(cache, PoolCache, fn)
    dout = upstream(dout, argmax.shape, fn)
    H_out, W_out = argmax.shape[2:]
    dx = np.zeros(x_shape)
    # One strided add per window offset: the windows whose maximum sits at offset (a, d).
    for k in range(size * size):
        a, d = divmod(k, size)
        rows = slice(a, a + stride * H_out, stride)
        cols = slice(d, d + stride * W_out, stride)
        dx[:, :, rows, cols] += np.where(argmax == k, dout, 0.0)
    return dx


# --------------------------------------------------------------------------- single channel


def rot180(k: ArrayLike) -> np.ndarray:
    r"""Kernel rotated by 180°: :math:`\operatorname{rot180}(K)_{a,d} = K_{HH-1-a,\,WW-1-d}`.

    Parameters
    ----------
    k : array_like, shape (..., HH, WW)
        The last two axes are rotated, so a filter bank (F, C, HH, WW) works too.

    Returns
    -------
    ndarray, same shape, a new array (not a view of ``k``).
    """
    fn = "rot180"
    k = as_float_array(k, "k", fn)
    if k.ndim < 2:
        raise ValueError(f"{fn}: k must have at least 2 dimensions, got shape {k.shape}")
    return k[..., ::-1, ::-1].copy()


def _check_2d(x: ArrayLike, k: ArrayLike, fn: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x", fn, ndim=2, finite=True)
    k = as_float_array(k, "k", fn, ndim=2, finite=True)
    for name, arr in (("x", x), ("k", k)):
        if arr.size == 0:
            raise ValueError(f"{fn}: {name} is empty (shape {arr.shape})")
    return x, k


def correlate2d_valid(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    r"""Valid 2-D cross-correlation (no kernel flip), as ``scipy.signal.correlate2d(mode="valid")``.

    .. math:: O_{ij} = \sum_{a,d} x_{i+a,\,j+d}\, k_{a,d}

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (HH, WW), with HH <= H and WW <= W

    Returns
    -------
    ndarray, shape (H - HH + 1, W - WW + 1)
    """
    fn = "correlate2d_valid"
    x, k = _check_2d(x, k, fn)
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(
            f"{fn}: k has shape {k.shape} but x has shape {x.shape}; the kernel must fit "
            "inside x for a valid correlation"
        )
    return np.einsum("ijad,ad->ij", sliding_window_view(x, k.shape), k)


def convolve2d_full(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    r"""Full 2-D convolution (kernel flipped), as ``scipy.signal.convolve2d(mode="full")``.

    .. math::

        O_{ij} = \sum_{a,d} \tilde{x}_{i+a,\,j+d}\, \operatorname{rot180}(k)_{a,d}
               = \sum_{p,q} x_{p,q}\, k_{i-p,\,j-q}

    where :math:`\tilde{x}` is ``x`` zero-padded by HH−1 rows and WW−1 columns on each side.
    For :math:`O = ` ``correlate2d_valid(X, F)`` this is the input gradient:
    ``dX = convolve2d_full(dO, F)``.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (HH, WW)

    Returns
    -------
    ndarray, shape (H + HH - 1, W + WW - 1)
    """
    fn = "convolve2d_full"
    x, k = _check_2d(x, k, fn)
    HH, WW = k.shape
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    return correlate2d_valid(xp, rot180(k))
