"""Mutation bank for ch05_backprop: known-wrong implementations and valid alternatives."""

MUTANTS = [
    # --- chain1d_gradients -------------------------------------------------------------------
    {
        "function": "chain1d_gradients",
        "message": r"factor 2|2 times too small",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = a[L] - y
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"activation a instead of at z",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        s = 1 / (1 + np.exp(-a[j + 1]))
        delta = da * s * (1.0 - s)
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"instead of a.{0,3}⁻¹|layer below",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j + 1]; db[j] = delta
        da = delta * w[j]
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"misses the weight",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"reverse order",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw, db = [], []
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw.append(delta * a[j]); db.append(delta)
        da = delta * w[j]
    return (a[L] - y) ** 2, np.array(dw), np.array(db)
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"opposite sign",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (y - a[L])
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"nan or inf|overflow",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        e = np.exp(w[j] * a[j] + b[j])
        a[j + 1] = e / (1 + e)
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
    return (a[L] - y) ** 2, dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"3 values|returned 2",
        "source": """
def chain1d_gradients(x, y, w, b):
    w = np.asarray(w, dtype=float); b = np.asarray(b, dtype=float)
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
    return dw, db
""",
    },
    {
        "function": "chain1d_gradients",
        "message": r"changed its input `w`",
        "source": """
def chain1d_gradients(x, y, w, b):
    L = w.size
    a = np.empty(L + 1); a[0] = x
    for j in range(L):
        a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))
    dw = np.empty(L); db = np.empty(L)
    da = 2 * (a[L] - y)
    for j in range(L - 1, -1, -1):
        delta = da * a[j + 1] * (1.0 - a[j + 1])
        dw[j] = delta * a[j]; db[j] = delta
        da = delta * w[j]
        w[j] = 0.0
    return (a[L] - y) ** 2, dw, db
""",
    },
    # --- dense_forward -----------------------------------------------------------------------
    {
        "function": "dense_forward",
        "message": r"bias b is missing",
        "source": """
def dense_forward(x, W, b):
    return x @ W, (x, W, b)
""",
    },
    {
        "function": "dense_forward",
        "message": r"shape.*Is it transposed",
        "source": """
def dense_forward(x, W, b):
    return (x @ W + b).T, (x, W, b)
""",
    },
    {
        "function": "dense_forward",
        "message": r"cache \(x, W, b\)",
        "source": """
def dense_forward(x, W, b):
    return x @ W + b, (x, W)
""",
    },
    {
        "function": "dense_forward",
        "message": r"in this order",
        "source": """
def dense_forward(x, W, b):
    return x @ W + b, (W, x, b)
""",
    },
    {
        "function": "dense_forward",
        "message": r"2 values",
        "source": """
def dense_forward(x, W, b):
    return x @ W + b
""",
    },
    {
        "function": "dense_forward",
        "message": r"raised ValueError",
        "source": """
def dense_forward(x, W, b):
    return W @ x + b, (x, W, b)
""",
    },
    {
        "function": "dense_forward",
        "message": r"changed its input `x`",
        "source": """
def dense_forward(x, W, b):
    out = x @ W + b
    x *= 1.0 + 1e-3
    return out, (x, W, b)
""",
    },
    {
        "function": "dense_forward",
        "message": r"float32",
        "source": """
def dense_forward(x, W, b):
    return (x @ W + b).astype(np.float32), (x, W, b)
""",
    },
    # --- dense_backward ----------------------------------------------------------------------
    {
        "function": "dense_backward",
        "message": r"transpose of W is missing|shape",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
""",
    },
    {
        "function": "dense_backward",
        "message": r"transposed",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
""",
    },
    {
        "function": "dense_backward",
        "message": r"wrong axis|shape",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
""",
    },
    {
        "function": "dense_backward",
        "message": r"mean over the batch|times too small",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
""",
    },
    {
        "function": "dense_backward",
        "message": r"divided by the batch size|times too small",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    N = x.shape[0]
    return dout @ W.T, x.T @ dout / N, dout.sum(axis=0) / N
""",
    },
    {
        "function": "dense_backward",
        "message": r"times too large|batch size",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    N = x.shape[0]
    return dout @ W.T, N * (x.T @ dout), dout.sum(axis=0)
""",
    },
    {
        "function": "dense_backward",
        "message": r"db.*shape|keepdims",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)
""",
    },
    {
        "function": "dense_backward",
        "message": r"returned a list|NumPy array",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, list(dout.sum(axis=0))
""",
    },
    {
        "function": "dense_backward",
        "message": r"changed its input `dout`",
        "source": """
def dense_backward(dout, cache):
    x, W, b = cache
    db = dout.sum(axis=0)
    dout -= 0
    dout[0] = 0.0
    return dout @ W.T, x.T @ dout, db
""",
    },
    # --- mlp_backward ------------------------------------------------------------------------
    {
        "function": "mlp_backward",
        "message": r"ReLU backward is missing",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(da, dense_cache)
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"z >= 0",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = da if relu_cache is None else da * (relu_cache[0] >= 0)
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dense_cache)
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"keys.*'W1', not 'dW1'",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = da if relu_cache is None else relu_backward(da, relu_cache)
        da, grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(dz, dense_cache)
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"wrong grads\['W",
        "source": """
def mlp_backward(dout, caches):
    # applies each layer's ReLU mask to the layer below (off by one)
    grads = {}
    da = dout
    L = len(caches)
    for l in range(L, 0, -1):
        dense_cache, _ = caches[l - 1]
        relu_cache = caches[l - 2][1] if l >= 2 else None
        dz = da
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dense_cache)
        if relu_cache is not None:
            da = relu_backward(da, caches[l - 1][1]) if caches[l - 1][1] is not None else da
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"should return a dict",
        "source": """
def mlp_backward(dout, caches):
    grads = []
    da = dout
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = da if relu_cache is None else relu_backward(da, relu_cache)
        da, dW, db = dense_backward(dz, dense_cache)
        grads = [dW, db] + grads
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"ReLU backward is missing",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout
    for l in range(len(caches), 1, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = da if relu_cache is None else relu_backward(da, relu_cache)
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dense_cache)
    grads["W1"] = caches[0][0][0].T @ da
    grads["b1"] = da.sum(axis=0)
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"raised TypeError|NoneType",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = relu_backward(da, relu_cache)
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dense_cache)
    return grads
""",
    },
    {
        "function": "mlp_backward",
        "message": r"times too small|batch",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    da = dout / dout.shape[0]
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        dz = da if relu_cache is None else relu_backward(da, relu_cache)
        da, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, dense_cache)
    return grads
""",
    },
    # --- numerical_gradient ------------------------------------------------------------------
    {
        "function": "numerical_gradient",
        "message": r"one-sided",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"factor 1/2|2 times",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / h
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"changed its input `x`",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        grad[i] = (fp - fm) / (2 * h)
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"changed its input `x`",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        x[i] += h
        grad[i] = (fp - fm) / (2 * h)
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"wrong grad.*h = 0\\.1|h = 0.1",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + step
        fp = f(x)
        x[i] = old - step
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * step)
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"raised|wrong grad",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        old = x[i].copy()
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
""",
    },
    {
        "function": "numerical_gradient",
        "message": r"shape",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = f(x)
        flat[i] = old - h
        fm = f(x)
        flat[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
""",
    },
]

ALTERNATIVES = [
    {
        "function": "chain1d_gradients",
        "source": """
def chain1d_gradients(x, y, w, b):
    acts, zs = [float(x)], []
    for wj, bj in zip(w, b):
        zs.append(wj * acts[-1] + bj)
        acts.append(float(np.where(zs[-1] >= 0, 1 / (1 + np.exp(-abs(zs[-1]))),
                                   np.exp(-abs(zs[-1])) / (1 + np.exp(-abs(zs[-1]))))))
    deltas = [0.0] * len(zs)
    up = 2 * (acts[-1] - y)
    for j in reversed(range(len(zs))):
        deltas[j] = up * acts[j + 1] * (1 - acts[j + 1])
        up = deltas[j] * w[j]
    db = np.array(deltas)
    dw = db * np.array(acts[:-1])
    return float((acts[-1] - y) ** 2), dw, db
""",
    },
    {
        "function": "dense_forward",
        "source": """
def dense_forward(x, W, b):
    out = np.dot(x, W) + b[np.newaxis, :]
    return out, (x.copy(), W.copy(), b.copy())
""",
    },
    {
        "function": "dense_backward",
        "source": """
def dense_backward(dout, cache):
    x, W, _ = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.ones(dout.shape[0]) @ dout
    return dx, dW, db
""",
    },
    {
        "function": "mlp_backward",
        "source": """
def mlp_backward(dout, caches):
    grads = {}
    upstream = dout
    for index in reversed(range(len(caches))):
        (a_prev, W, b), relu_cache = caches[index]
        if relu_cache is not None:
            upstream = upstream * (relu_cache[0] > 0)
        grads["W" + str(index + 1)] = a_prev.T @ upstream
        grads["b" + str(index + 1)] = upstream.sum(axis=0)
        upstream = upstream @ W.T
    return grads
""",
    },
    {
        "function": "numerical_gradient",
        "source": """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        bumped = x.copy()
        bumped[i] = x[i] + h
        fp = f(bumped)
        bumped[i] = x[i] - h
        fm = f(bumped)
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad
""",
    },
]
