"""Mutation bank for ch06_conv_backward: known-wrong implementations and valid alternatives.

Each mutant is the reference solution with one mistake a student makes; its regex is what
the failure message must say. Alternatives are different but correct and must pass.
"""

MUTANTS = [
    {
        "function": "conv2d_forward_naive",
        "message": "flipped|cross-correlation",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f, :, ::-1, ::-1]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "bias",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f])
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "stride is ignored",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i : i + HH, j : j + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "padding is missing",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = x
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "first input channel|channels",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window[0] * w[f, 0]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "mind the 1 \\+",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "float32|float64",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=np.float32)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "list|np\\.array",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out.tolist(), (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "\\(F, N, H",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((F, N, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[f, n, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "changed its input `x`",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x -= 0.0 if pad else x.min()
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "frameworks floor",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # rejects the layers whose windows do not tile the padded input (the old rule)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("the windows do not tile the padded input")
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "frameworks floor",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # true division: a float size on a floored layer
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) / stride
    W_out = 1 + (W + 2 * pad - WW) / stride
    if H_out == int(H_out) and W_out == int(W_out):
        H_out, W_out = int(H_out), int(W_out)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_forward_naive",
        "message": "frameworks floor",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # ceiling instead of floor, and the last (partial) window cut to what is left
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + -(-(H + 2 * pad - HH) // stride)
    W_out = 1 + -(-(W + 2 * pad - WW) // stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    a, d = window.shape[1:]
                    out[n, f, i, j] = np.sum(window * w[f, :, :a, :d]) + b[f]
    return out, (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "unrotated|rotation",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
                    dxp[n, :, rows, cols] += delta * w[f, :, ::-1, ::-1]
                    dw[f] += delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "only the first example",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
                    if n == 0:
                        dw[f] += delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "averaged over the batch",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw / N, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "overwritten|accumulated",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
                    dw[f] = delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "axes \\(0, 2, 3\\)",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, dout.sum(axis=(0, 1))
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "mean instead of a sum",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db / (N * H_out * W_out)
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "db is not summed over the batch",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, dout[0].sum(axis=(1, 2))
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "crop the padding",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dxp, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "-0 == 0",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad:-pad, pad:-pad]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "stride is ignored",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i, i + HH)
                    cols = slice(j, j + WW)
                    delta = dout[n, f, i, j]
                    dxp[n, :, rows, cols] += delta * w[f]
                    dw[f] += delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "overwritten \\(=\\) instead of accumulated \\(\\+=\\) where windows overlap",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
                    dxp[n, :, rows, cols] = delta * w[f]
                    dw[f] += delta * xp[n, :, rows, cols]
                    db[f] += delta
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "changed its input `cache`",
        "source": """
def conv2d_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    x *= 1.0 + (pad == 0)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "frameworks floor",
        "source": """
def conv2d_backward_naive(dout, cache):
    # rejects the layers whose windows do not tile the padded input (the old rule)
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("the windows do not tile the padded input")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "conv2d_backward_naive",
        "message": "read by no window",
        "source": """
def conv2d_backward_naive(dout, cache):
    # dx_padded only as large as the area the windows reach: unread rows fall off dx
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros((N, x.shape[1], (H_out - 1) * stride + HH, (W_out - 1) * stride + WW))
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
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
""",
    },
    {
        "function": "convolve2d_full",
        "message": "not rotated",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": "rows",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[::-1, :]
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": "columns",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[:, ::-1]
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": "transpose",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k.T
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": '"valid"',
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[::-1, ::-1]
    xp = x
    H_out = x.shape[0] - HH + 1
    W_out = x.shape[1] - WW + 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": "not HH and WW",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[::-1, ::-1]
    xp = np.pad(x, ((HH, HH), (WW, WW)))
    H_out = x.shape[0] + HH + 1
    W_out = x.shape[1] + WW + 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": '"same"',
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[::-1, ::-1]
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0]
    W_out = x.shape[1]
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
    {
        "function": "convolve2d_full",
        "message": "np\\.array|list",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = k[::-1, ::-1]
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out.tolist()
""",
    },
    {
        "function": "convolve2d_full",
        "message": "90°",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    k_rot = np.rot90(k)
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    H_out = x.shape[0] + HH - 1
    W_out = x.shape[1] + WW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i : i + HH, j : j + WW] * k_rot)
    return out
""",
    },
]

ALTERNATIVES = [
    {
        "function": "conv2d_forward_naive",
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
""",
    },
    {
        "function": "conv2d_forward_naive",
        "source": """
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    # im2col with sliding_window_view and a tensordot
    from numpy.lib.stride_tricks import sliding_window_view
    F, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    return out.transpose(0, 3, 1, 2) + b[None, :, None, None], (x, w, b, stride, pad)
""",
    },
    {
        "function": "conv2d_backward_naive",
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
""",
    },
    {
        "function": "convolve2d_full",
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
""",
    },
    {
        "function": "convolve2d_full",
        "source": """
def convolve2d_full(x, k):
    HH, WW = k.shape
    xp = np.pad(x, ((HH - 1, HH - 1), (WW - 1, WW - 1)))
    from numpy.lib.stride_tricks import sliding_window_view
    return np.einsum("ijad,ad->ij", sliding_window_view(xp, (HH, WW)), np.rot90(k, 2))
""",
    },
]
