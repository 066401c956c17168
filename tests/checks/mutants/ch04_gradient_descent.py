"""Mutation bank for ch04_gradient_descent: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "iterate_minibatches": [
        {
            "message": r"last, smaller batch is missing",
            "edits": [("range(0, N, B)", "range(0, N - B + 1, B)")],
        },
        {
            "message": r"belong to different examples",
            "edits": [
                (
                    "    for start in range(0, N, B):",
                    "    iy = rng.permutation(N) if shuffle else np.arange(N)\n"
                    "    for start in range(0, N, B):",
                ),
                ("y[idx]", "y[iy[start : start + B]]"),
            ],
        },
        {
            "message": r"seeded alike gave different batches.*np\.random",
            "edits": [("order = rng", "order = np.random")],
        },
        {
            "message": r"different seeds gave the same batches",
            "edits": [("order = rng", "order = np.random.default_rng(0)")],
        },
        {
            "message": r"exactly once",
            "edits": [
                ("rng.permutation(N) if shuffle else np.arange(N)", "np.arange(N)"),
                (
                    "order[start : start + B]",
                    "rng.integers(0, N, size=min(B, N - start)) if shuffle"
                    " else order[start : start + B]",
                ),
            ],
        },
        {
            "message": r"original order: shuffle them with rng",
            "edits": [("yield X[idx], y[idx]", "yield X[start : start + B], y[start : start + B]")],
        },
        {
            "message": r"must keep the original order",
            "edits": [("rng.permutation(N) if shuffle else np.arange(N)", "rng.permutation(N)")],
        },
        {
            "message": r"(?s)raised TypeError.*batch_size = None",
            "edits": [("range(0, N, B)", "range(0, N, batch_size)")],
        },
        {
            "message": r"changed its input `X`",
            "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    if shuffle:
        order = rng.permutation(N)
        X[:] = X[order]
        y[:] = y[order]
    for start in range(0, N, B):
        yield X[start:start + B], y[start:start + B]
""",
        },
        {
            "message": r"yield NumPy arrays",
            "edits": [("yield X[idx], y[idx]", "yield X[idx].tolist(), y[idx].tolist()")],
        },
        {
            "message": r"(?s)AttributeError.*rng = None",
            "edits": [
                (
                    "order = rng.permutation(N)",
                    "permutation = rng.permutation(N)\n    order = permutation",
                )
            ],
        },
        {
            "message": r"sizes \[256, 256, 256, 256\].*expected \[256, 256, 256, 232\]",
            "edits": [
                (
                    "        yield X[idx]",
                    "        if len(idx) < B:\n"
                    "            idx = np.concatenate([idx, order[: B - len(idx)]])\n"
                    "        yield X[idx]",
                )
            ],
        },
    ],
    "sgd_update": [
        {"message": r"stepped uphill", "edits": [("return w - lr * dw", "return w + lr * dw")]},
        {
            "message": r"forgot the learning rate",
            "edits": [("return w - lr * dw", "return w - dw")],
        },
        {
            "message": r"divided by the learning rate",
            "edits": [("return w - lr * dw", "return w - dw / lr")],
        },
        {"message": r"returned the step", "edits": [("return w - lr * dw", "return -lr * dw")]},
        {
            "message": r"changed its input `w`",
            "edits": [("return w - lr * dw", "w -= lr * dw\n    return w")],
        },
        {
            "message": r"returned a list.*np\.array",
            "edits": [("return w - lr * dw", "return np.atleast_1d(w - lr * dw).tolist()")],
        },
        {
            "message": r"float32",
            "edits": [("return w - lr * dw", "return np.asarray(w - lr * dw, dtype=np.float32)")],
        },
        {
            "message": r"tuple of length 2",
            "edits": [("return w - lr * dw", "return w - lr * dw, dw")],
        },
    ],
    "momentum_update": [
        {
            "message": r"mixed sign conventions",
            "edits": [("beta * v + dw", "beta * v - lr * dw"), ("w - lr * v, v", "w + v, v")],
        },
        {"message": r"velocity with the wrong sign", "edits": [("beta * v + dw", "beta * v - dw")]},
        {
            "message": r"stepped with the old velocity",
            "edits": [
                ("v = beta * v + dw", "v_old, v = v, beta * v + dw"),
                ("w - lr * v,", "w - lr * v_old,"),
            ],
        },
        {
            "message": r"averaged the velocity",
            "edits": [("beta * v + dw", "beta * v + (1 - beta) * dw")],
        },
        {"message": r"instead of the beta argument", "edits": [("beta * v + dw", "0.9 * v + dw")]},
        {
            "message": r"learning rate inside the velocity",
            "edits": [("beta * v + dw", "beta * v + lr * dw"), ("w - lr * v, v", "w - v, v")],
        },
        {
            "message": r"changed its input `v`",
            "edits": [("v = beta * v + dw", "v *= beta\n    v += dw")],
        },
        {"message": r"should return 2 values", "edits": [("w - lr * v, v", "w - lr * v")]},
        {"message": r"wrong w", "edits": [("return w - lr * v, v", "return v, w - lr * v")]},
    ],
    "nesterov_update": [
        {"message": r"computed as plain momentum", "edits": [("lr * (dw + beta * v)", "lr * v")]},
        {
            "message": r"computed as plain momentum",
            "edits": [
                ("v = beta * v + dw", "v_new = beta * v + dw"),
                ("beta * v), v", "beta * v), v_new"),
            ],
        },
        {
            "message": r"wrong v",
            "edits": [
                ("v = beta * v + dw", "v_new = beta * v + dw"),
                ("dw + beta * v", "dw + beta * v_new"),
            ],
        },
        {"message": r"subtracted the gradient", "edits": [("dw + beta * v", "beta * v - dw")]},
        {
            "message": r"decayed the velocity twice",
            "edits": [("dw + beta * v", "dw + beta * beta * v")],
        },
        {
            "message": r"instead of the beta argument",
            "edits": [("beta * v + dw", "0.9 * v + dw"), ("dw + beta * v", "dw + 0.9 * v")],
        },
        {
            "message": r"mixed sign conventions",
            "edits": [
                ("beta * v + dw", "beta * v - lr * dw"),
                ("w - lr * (dw + beta * v)", "w + beta * v - lr * dw"),
            ],
        },
        {
            "message": r"changed its input `w`",
            "edits": [
                ("return w - lr * (dw + beta * v), v", "w -= lr * (dw + beta * v)\n    return w, v")
            ],
        },
    ],
    "adagrad_update": [
        {"message": r"forgot to accumulate", "edits": [("cache = cache + dw**2", "cache = dw**2")]},
        {
            "message": r"inside the square root",
            "edits": [("lr * dw / (np.sqrt(cache) + eps)", "lr * dw / np.sqrt(cache + eps)")],
        },
        {"message": r"forgot the square root", "edits": [("np.sqrt(cache)", "cache")]},
        {
            "message": r"stepped with the old cache",
            "edits": [
                ("cache = cache + dw**2", "new_cache = cache + dw**2"),
                ("eps), cache", "eps), new_cache"),
            ],
        },
        {
            "message": r"accumulated g instead of g²",
            "edits": [
                ("cache + dw**2", "cache + dw"),
                ("np.sqrt(cache)", "np.sqrt(np.abs(cache))"),
            ],
        },
        {
            "message": r"forgot ε",
            "edits": [("lr * dw / (np.sqrt(cache) + eps)", "lr * dw / np.sqrt(cache)")],
        },
        {
            "message": r"changed its input `cache`",
            "edits": [("cache = cache + dw**2", "cache += dw**2")],
        },
        {
            "message": r"wrong cache",
            "edits": [
                ("cache = cache + dw**2", "new_cache = cache + dw**2"),
                ("np.sqrt(cache)", "np.sqrt(new_cache)"),
            ],
        },
    ],
    "rmsprop_update": [
        {
            "message": r"on the wrong term",
            "edits": [
                (
                    "cache = rho * cache + (1 - rho) * dw**2",
                    "cache = (1 - rho) * cache + rho * dw**2",
                )
            ],
        },
        {"message": r"forgot the \(1 − ρ\) factor", "edits": [("(1 - rho) * dw**2", "dw**2")]},
        {
            "message": r"inside the square root",
            "edits": [("lr * dw / (np.sqrt(cache) + eps)", "lr * dw / np.sqrt(cache + eps)")],
        },
        {
            "message": r"running sum \(AdaGrad\)",
            "edits": [("rho * cache + (1 - rho) * dw**2", "cache + dw**2")],
        },
        {
            "message": r"stepped with the old cache",
            "edits": [
                ("cache = rho * cache", "new_cache = rho * cache"),
                ("eps), cache", "eps), new_cache"),
            ],
        },
        {"message": r"forgot the square root", "edits": [("np.sqrt(cache)", "cache")]},
        {
            "message": r"instead of the rho argument",
            "edits": [("rho * cache + (1 - rho) * dw**2", "0.9 * cache + 0.1 * dw**2")],
        },
        {
            "message": r"changed its input `cache`",
            "edits": [
                (
                    "cache = rho * cache + (1 - rho) * dw**2",
                    "cache *= rho\n    cache += (1 - rho) * dw**2",
                )
            ],
        },
    ],
    "adam_update": [
        {
            "message": r"Adam without bias correction",
            "edits": [("lr * m_hat / (np.sqrt(v_hat) + eps)", "lr * m / (np.sqrt(v) + eps)")],
        },
        {
            "message": r"t counted from 0",
            "edits": [("beta1**t", "beta1 ** (t + 1)"), ("beta2**t", "beta2 ** (t + 1)")],
        },
        {
            "message": r"bias correction with t - 1",
            "edits": [("beta1**t", "beta1 ** (t - 1)"), ("beta2**t", "beta2 ** (t - 1)")],
        },
        {
            "message": r"inside the square root",
            "edits": [("lr * m_hat / (np.sqrt(v_hat) + eps)", "lr * m_hat / np.sqrt(v_hat + eps)")],
        },
        {"message": r"bias-corrected only m, not v", "edits": [("np.sqrt(v_hat)", "np.sqrt(v)")]},
        {"message": r"bias-corrected only v, not m", "edits": [("lr * m_hat", "lr * m")]},
        {
            "message": r"returned the bias-corrected",
            "edits": [
                ("m_hat = m /", "m = m /"),
                ("v_hat = v /", "v = v /"),
                ("lr * m_hat / (np.sqrt(v_hat)", "lr * m / (np.sqrt(v)"),
            ],
        },
        {
            "message": r"swapped beta1 and beta2",
            "edits": [
                ("m = beta1 * m + (1 - beta1) * dw", "m = beta2 * m + (1 - beta2) * dw"),
                ("v = beta2 * v + (1 - beta2) * dw**2", "v = beta1 * v + (1 - beta1) * dw**2"),
                ("beta1**t", "beta2**t"),
                ("beta2**t", "beta1**t"),
            ],
        },
        {"message": r"forgot the square root", "edits": [("np.sqrt(v_hat)", "v_hat")]},
        {
            "message": r"changed its input `m`",
            "edits": [
                ("m = beta1 * m + (1 - beta1) * dw", "m *= beta1\n    m += (1 - beta1) * dw")
            ],
        },
        {
            "message": r"default beta1, beta2, eps",
            "edits": [
                ("    m = beta1 * m", "    beta1, beta2, eps = 0.9, 0.999, 1e-8\n    m = beta1 * m")
            ],
        },
        {
            "message": r"\(1 − β\) on the wrong term",
            "edits": [
                ("m = beta1 * m + (1 - beta1) * dw", "m = (1 - beta1) * m + beta1 * dw"),
                ("v = beta2 * v + (1 - beta2) * dw**2", "v = (1 - beta2) * v + beta2 * dw**2"),
            ],
        },
    ],
}

ALTERNATIVES = {
    "iterate_minibatches": [
        {
            "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = X.shape[0]
    idx = np.arange(N)
    if shuffle:
        rng.shuffle(idx)
    size = N if batch_size is None else min(batch_size, N)
    return [(X[idx[i:i + size]], y[idx[i:i + size]]) for i in range(0, N, size)]
"""
        },
        {
            "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    order = rng.choice(N, size=N, replace=False) if shuffle else np.arange(N)
    if batch_size is None:
        batch_size = N
    n_batches = -(-N // batch_size)
    for k in range(n_batches):
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield np.take(X, idx, axis=0), np.take(y, idx, axis=0)
"""
        },
    ],
    "sgd_update": [
        {
            "source": """
def sgd_update(w, dw, lr):
    return np.subtract(w, np.multiply(lr, dw))
"""
        }
    ],
    "momentum_update": [
        {
            "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v_new = np.add(np.multiply(beta, v), dw)
    return w - lr * beta * v - lr * dw, v_new
"""
        }
    ],
    "nesterov_update": [
        {
            "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v_new = beta * v + dw
    return w - lr * ((1 + beta) * dw + beta**2 * v), v_new
"""
        }
    ],
    "adagrad_update": [
        {
            "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    new_cache = np.add(cache, np.square(dw))
    return w - lr * dw / (new_cache**0.5 + eps), new_cache
"""
        }
    ],
    "rmsprop_update": [
        {
            "edits": [
                (
                    "cache = rho * cache + (1 - rho) * dw**2",
                    "cache = cache + (1 - rho) * (dw * dw - cache)",
                )
            ]
        }
    ],
    "adam_update": [
        {
            "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * np.square(dw)
    step = (lr / (1 - np.power(beta1, t))) * m_new
    return w - step / (np.sqrt(v_new / (1 - np.power(beta2, t))) + eps), m_new, v_new
"""
        }
    ],
}
