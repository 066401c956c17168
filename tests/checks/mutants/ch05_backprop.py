"""Mutation bank for ch05_backprop: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "chain1d_gradients": [
        {"message": r"factor 2|2 times too small", "edits": [("2.0 * (a[L] - y)", "a[L] - y")]},
        {
            "message": r"activation a instead of at z",
            "edits": [
                (
                    "        delta = da * a[j + 1] * (1.0 - a[j + 1])",
                    "        s = 1 / (1 + np.exp(-a[j + 1]))\n        delta = da * s * (1.0 - s)",
                )
            ],
        },
        {
            "message": r"instead of a.{0,3}⁻¹|layer below",
            "edits": [("delta * a[j]", "delta * a[j + 1]")],
        },
        {"message": r"misses the weight", "edits": [("delta * w[j]", "delta")]},
        {
            "message": r"reverse order",
            "edits": [
                ("dw = np.empty(L)\n    db = np.empty(L)", "dw, db = [], []"),
                ("dw[j] = delta * a[j]", "dw.append(delta * a[j])"),
                ("db[j] = delta", "db.append(delta)"),
                ("cost, dw, db", "cost, np.array(dw), np.array(db)"),
            ],
        },
        {"message": r"opposite sign", "edits": [("2.0 * (a[L] - y)", "2.0 * (y - a[L])")]},
        {
            "message": r"nan or inf|overflow",
            "edits": [
                (
                    "a[j + 1] = 0.5 * (1.0 + np.tanh((w[j] * a[j] + b[j]) / 2))",
                    "e = np.exp(w[j] * a[j] + b[j])\n        a[j + 1] = e / (1 + e)",
                )
            ],
        },
        {"message": r"3 values|returned 2", "edits": [("return cost, dw, db", "return dw, db")]},
        {
            "message": r"changed its input `w`",
            "edits": [("    return cost", "        w[j] = 0.0\n    return cost")],
        },
    ],
    "dense_forward": [
        {"message": r"bias b is missing", "edits": [("out = x @ W + b", "out = x @ W")]},
        {"message": r"shape.*Is it transposed", "edits": [("return out,", "return out.T,")]},
        {
            "message": r"cache \(x, W, b\)",
            "edits": [("return out, (x, W, b)", "return out, (x, W)")],
        },
        {
            "message": r"in this order",
            "edits": [("return out, (x, W, b)", "return out, (W, x, b)")],
        },
        {"message": r"2 values", "edits": [("return out, (x, W, b)", "return out")]},
        {"message": r"raised ValueError", "edits": [("out = x @ W + b", "out = W @ x + b")]},
        {
            "message": r"changed its input `x`",
            "edits": [("    return out", "    x *= 1.0 + 1e-3\n    return out")],
        },
        {"message": r"float32", "edits": [("return out,", "return out.astype(np.float32),")]},
    ],
    "dense_backward": [
        {"message": r"transpose of W is missing|shape", "edits": [("dout @ W.T", "dout @ W")]},
        {"message": r"transposed", "edits": [("x.T @ dout", "dout.T @ x")]},
        {"message": r"wrong axis|shape", "edits": [("dout.sum(axis=0)", "dout.sum(axis=1)")]},
        {"message": r"mean over the batch|times too small", "edits": [("dout.sum", "dout.mean")]},
        {
            "message": r"divided by the batch size|times too small",
            "edits": [
                ("x.T @ dout,", "x.T @ dout / x.shape[0],"),
                ("dout.sum(axis=0)", "dout.sum(axis=0) / x.shape[0]"),
            ],
        },
        {
            "message": r"times too large|batch size",
            "edits": [("x.T @ dout,", "x.shape[0] * (x.T @ dout),")],
        },
        {
            "message": r"db.*shape|keepdims",
            "edits": [("dout.sum(axis=0)", "dout.sum(axis=0, keepdims=True)")],
        },
        {
            "message": r"returned a list|NumPy array",
            "edits": [("dout.sum(axis=0)", "list(dout.sum(axis=0))")],
        },
        {
            "message": r"changed its input `dout`",
            "edits": [
                (
                    "x, W, b = cache",
                    "x, W, b = cache\n    db = dout.sum(axis=0)\n    dout[0] = 0.0",
                ),
                ("dout.sum(axis=0)", "db"),
            ],
        },
    ],
    "mlp_backward": [
        {
            "message": r"ReLU backward is missing",
            "edits": [("dense_backward(dz, dense_cache)", "dense_backward(da, dense_cache)")],
        },
        {
            "message": r"z >= 0",
            "edits": [("relu_backward(da, relu_cache)", "da * (relu_cache[0] >= 0)")],
        },
        {
            "message": r"keys.*'W1', not 'dW1'",
            "edits": [('grads[f"W{l}"], grads[f"b{l}"]', 'grads[f"dW{l}"], grads[f"db{l}"]')],
        },
        {
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
            "message": r"should return a dict",
            "edits": [
                ("grads = {}", "grads = []"),
                ('da, grads[f"W{l}"], grads[f"b{l}"]', "da, dW, db"),
                ("    return grads", "        grads = [dW, db] + grads\n    return grads"),
            ],
        },
        {
            "message": r"ReLU backward is missing",
            "edits": [
                ("range(len(caches), 0, -1)", "range(len(caches), 1, -1)"),
                (
                    "    return grads",
                    '    grads["W1"] = caches[0][0][0].T @ da\n'
                    '    grads["b1"] = da.sum(axis=0)\n'
                    "    return grads",
                ),
            ],
        },
        {
            "message": r"raised TypeError|NoneType",
            "edits": [
                (
                    "dz = da if relu_cache is None else relu_backward(da, relu_cache)",
                    "dz = relu_backward(da, relu_cache)",
                )
            ],
        },
        {
            "message": r"times too small|batch",
            "edits": [("    da = dout\n", "    da = dout / dout.shape[0]\n")],
        },
    ],
    "numerical_gradient": [
        {
            "message": r"one-sided",
            "edits": [("grad[i] = (f_plus - f_minus) / (2 * h)", "grad[i] = (f_plus - f(x)) / h")],
        },
        {
            "message": r"factor 1/2|2 times",
            "edits": [("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h")],
        },
        {"message": r"changed its input `x`", "edits": [("        x[i] = old\n", "")]},
        {
            "message": r"changed its input `x`",
            "edits": [
                ("x[i] = old + h", "x[i] += h"),
                ("x[i] = old - h", "x[i] -= 2 * h"),
                ("        x[i] = old\n", "        x[i] += h\n"),
            ],
        },
        {
            "message": r"wrong grad.*h = 0\\.1|h = 0.1",
            "edits": [("grad = np.zeros(x.shape)", "h = 1e-5\n    grad = np.zeros(x.shape)")],
        },
        {
            "message": r"raised|wrong grad",
            "edits": [
                ("np.ndindex(x.shape)", "range(x.shape[0])"),
                ("old = x[i]", "old = x[i].copy()"),
            ],
        },
        {"message": r"shape", "edits": [("return grad", "return grad.reshape(-1)")]},
    ],
}

ALTERNATIVES = {
    "chain1d_gradients": [
        {
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
"""
        }
    ],
    "dense_forward": [
        {
            "source": """
def dense_forward(x, W, b):
    out = np.dot(x, W) + b[np.newaxis, :]
    return out, (x.copy(), W.copy(), b.copy())
"""
        }
    ],
    "dense_backward": [
        {
            "source": """
def dense_backward(dout, cache):
    x, W, _ = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.ones(dout.shape[0]) @ dout
    return dx, dW, db
"""
        }
    ],
    "mlp_backward": [
        {
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
"""
        }
    ],
    "numerical_gradient": [
        {
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
"""
        }
    ],
}
