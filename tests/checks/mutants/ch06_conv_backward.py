"""Mutation bank for ch06_conv_backward: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "conv2d_forward_naive": [
        {
            "message": "flipped|cross-correlation",
            "edits": [("window * w[f]", "window * w[f, :, ::-1, ::-1]")],
        },
        {"message": "bias", "edits": [("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])")]},
        {
            "message": "stride is ignored",
            "edits": [
                (
                    "xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]",
                    "xp[n, :, i : i + HH, j : j + WW]",
                )
            ],
        },
        {
            "message": "padding is missing",
            "edits": [("np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "x")],
        },
        {
            "message": "first input channel|channels",
            "edits": [("window * w[f]", "window[0] * w[f, 0]")],
        },
        {"message": r"mind the 1 \+", "edits": [("H_out = 1 +", "H_out =")]},
        {
            "message": "float32|float64",
            "edits": [("(N, F, H_out, W_out)", "(N, F, H_out, W_out), dtype=np.float32")],
        },
        {"message": r"list|np\.array", "edits": [("return out", "return out.tolist()")]},
        {
            "message": r"\(F, N, H",
            "edits": [
                ("np.zeros((N, F, H_out, W_out))", "np.zeros((F, N, H_out, W_out))"),
                ("out[n, f, i, j]", "out[f, n, i, j]"),
            ],
        },
        {
            "message": "changed its input `x`",
            "edits": [("    xp = np.pad", "    x -= 0.0 if pad else x.min()\n    xp = np.pad")],
        },
        # rejects the layers whose windows do not tile the padded input (the old rule)
        {
            "message": "frameworks floor",
            "edits": [
                (
                    "    H_out = 1 +",
                    "    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:\n"
                    '        raise ValueError("the windows do not tile the padded input")\n'
                    "    H_out = 1 +",
                )
            ],
        },
        # true division: a float size on a floored layer
        {
            "message": "frameworks floor",
            "edits": [
                (
                    "H_out = 1 + (H + 2 * pad - HH) // stride",
                    "H_out = 1 + (H + 2 * pad - HH) / stride",
                ),
                (
                    "W_out = 1 + (W + 2 * pad - WW) // stride",
                    "W_out = 1 + (W + 2 * pad - WW) / stride",
                ),
                (
                    "    xp = np.pad",
                    "    if H_out == int(H_out) and W_out == int(W_out):\n"
                    "        H_out, W_out = int(H_out), int(W_out)\n"
                    "    xp = np.pad",
                ),
            ],
        },
        # ceiling instead of floor, and the last (partial) window cut to what is left
        {
            "message": "frameworks floor",
            "edits": [
                ("(H + 2 * pad - HH) // stride", "-(-(H + 2 * pad - HH) // stride)"),
                ("(W + 2 * pad - WW) // stride", "-(-(W + 2 * pad - WW) // stride)"),
                (
                    "                    out[n, f, i, j] = np.sum(window * w[f])",
                    "                    a, d = window.shape[1:]\n"
                    "                    out[n, f, i, j] = np.sum(window * w[f, :, :a, :d])",
                ),
            ],
        },
    ],
    "conv2d_backward_naive": [
        {
            "message": "unrotated|rotation",
            "edits": [("delta * w[f]", "delta * w[f, :, ::-1, ::-1]")],
        },
        {
            "message": "only the first example",
            "edits": [("dw[f] += delta", "if n == 0:\n                        dw[f] += delta")],
        },
        {"message": "averaged over the batch", "edits": [("dx, dw, db", "dx, dw / N, db")]},
        {"message": "overwritten|accumulated", "edits": [("+= delta * xp", "= delta * xp")]},
        {
            "message": r"axes \(0, 2, 3\)",
            "edits": [("dx, dw, db", "dx, dw, dout.sum(axis=(0, 1))")],
        },
        {
            "message": "mean instead of a sum",
            "edits": [("dx, dw, db", "dx, dw, db / (N * H_out * W_out)")],
        },
        {
            "message": "db is not summed over the batch",
            "edits": [("dx, dw, db", "dx, dw, dout[0].sum(axis=(1, 2))")],
        },
        {"message": "crop the padding", "edits": [("dx, dw, db", "dxp, dw, db")]},
        {
            "message": "-0 == 0",
            "edits": [("dxp[:, :, pad : pad + H, pad : pad + W]", "dxp[:, :, pad:-pad, pad:-pad]")],
        },
        {
            "message": "stride is ignored",
            "edits": [
                ("slice(i * stride, i * stride + HH)", "slice(i, i + HH)"),
                ("slice(j * stride, j * stride + WW)", "slice(j, j + WW)"),
            ],
        },
        {
            "message": r"overwritten \(=\) instead of accumulated \(\+=\) where windows overlap",
            "edits": [("+= delta * w", "= delta * w")],
        },
        {
            "message": "changed its input `cache`",
            "edits": [("    xp = np.pad", "    x *= 1.0 + (pad == 0)\n    xp = np.pad")],
        },
        # rejects the layers whose windows do not tile the padded input (the old rule)
        {
            "message": "frameworks floor",
            "edits": [
                (
                    "    xp = np.pad",
                    "    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:\n"
                    '        raise ValueError("the windows do not tile the padded input")\n'
                    "    xp = np.pad",
                )
            ],
        },
        # dx_padded only as large as the area the windows reach: unread rows fall off dx
        {
            "message": "read by no window",
            "edits": [
                (
                    "xp.shape",
                    "(N, x.shape[1], (H_out - 1) * stride + HH, (W_out - 1) * stride + WW)",
                )
            ],
        },
    ],
    "convolve2d_full": [
        {"message": "not rotated", "edits": [("k[::-1, ::-1]", "k")]},
        {"message": "rows", "edits": [("::-1, ::-1", "::-1, :")]},
        {"message": "columns", "edits": [("::-1, ::-1", ":, ::-1")]},
        {"message": "transpose", "edits": [("k[::-1, ::-1]", "k.T")]},
        {
            "message": '"valid"',
            "edits": [
                ("np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))", "x"),
                ("x.shape[0] + HH - 1", "x.shape[0] - HH + 1"),
                ("x.shape[1] + WW - 1", "x.shape[1] - WW + 1"),
            ],
        },
        {
            "message": "not HH and WW",
            "edits": [
                ("((HH - 1, HH - 1), (WW - 1, WW - 1))", "((HH, HH), (WW, WW))"),
                ("x.shape[0] + HH - 1", "x.shape[0] + HH + 1"),
                ("x.shape[1] + WW - 1", "x.shape[1] + WW + 1"),
            ],
        },
        {
            "message": '"same"',
            "edits": [("x.shape[0] + HH - 1", "x.shape[0]"), ("x.shape[1] + WW - 1", "x.shape[1]")],
        },
        {"message": r"np\.array|list", "edits": [("return out", "return out.tolist()")]},
        {"message": "90°", "edits": [("k[::-1, ::-1]", "np.rot90(k)")]},
    ],
}

ALTERNATIVES = {
    "conv2d_forward_naive": [
        {
            "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # vectorised over the batch and the filters: one einsum per output position
    F, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = (xp.shape[2] - HH) // stride + 1
    W_out = (xp.shape[3] - WW) // stride + 1
    out = np.empty((x.shape[0], F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.einsum("ncad,fcad->nf", window, w) + b
    return out, (x, w, b, stride, pad)
"""
        },
        {
            "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # im2col with sliding_window_view and a tensordot
    from numpy.lib.stride_tricks import sliding_window_view
    F, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    return out.transpose(0, 3, 1, 2) + b[None, :, None, None], (x, w, b, stride, pad)
"""
        },
    ],
    "conv2d_backward_naive": [
        {
            "source": """
def conv2d_backward_naive(dout, cache):
    # loops over output positions only; einsum does the batch and the filters
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    _, C, HH, WW = w.shape
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp, dtype=float)
    dw = np.zeros(w.shape)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            d = dout[:, :, i, j]  # (N, F)
            dxp[:, :, r:r + HH, c:c + WW] += np.einsum("nf,fcad->ncad", d, w)
            dw += np.einsum("nf,ncad->fcad", d, xp[:, :, r:r + HH, c:c + WW])
    return dxp[:, :, pad:pad + H, pad:pad + W].copy(), dw, dout.sum(axis=(0, 2, 3))
"""
        }
    ],
    "convolve2d_full": [
        {
            "source": """
def convolve2d_full(x, k):
    # scatter form: every input pixel adds a scaled copy of the kernel (the definition of
    # convolution), no explicit rotation needed
    H, W = x.shape
    HH, WW = k.shape
    out = np.zeros((H + HH - 1, W + WW - 1))
    for p in range(H):
        for q in range(W):
            out[p:p + HH, q:q + WW] += x[p, q] * k
    return out
"""
        },
        {
            "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    from numpy.lib.stride_tricks import sliding_window_view
    return np.einsum("ijad,ad->ij", sliding_window_view(xp, (HH, WW)), np.rot90(k, 2))
"""
        },
    ],
}
