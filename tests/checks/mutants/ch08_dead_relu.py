"""Mutation bank for ch08_dead_relu: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.

``kill_and_rescue`` mutants run on top of the correct ``dead_relu_fraction``.
"""

_KILL_HEAD = """
def kill_and_rescue(x, W, b, dW, db, lr, small_lr, bias):
"""

MUTANTS = {
    "dead_relu_fraction": [
        {
            "message": r"z < 0 instead of z <= 0",
            "edits": [("pre_activations <= 0", "pre_activations < 0")],
        },
        {
            "message": r"fraction of zero outputs",
            "edits": [("np.all(pre_activations <= 0, axis=0)", "pre_activations <= 0")],
        },
        {
            "message": r"wrong axis",
            "edits": [
                ("np.all(pre_activations <= 0, axis=0)", "np.all(pre_activations <= 0, axis=1)")
            ],
        },
        {
            "message": r"np.any instead of np.all",
            "edits": [
                ("np.all(pre_activations <= 0, axis=0)", "np.any(pre_activations <= 0, axis=0)")
            ],
        },
        {
            "message": r"number of dead units instead of the fraction",
            "edits": [
                (
                    "np.mean(np.all(pre_activations <= 0, axis=0))",
                    "np.sum(np.all(pre_activations <= 0, axis=0))",
                )
            ],
        },
        {
            "message": r"ALIVE",
            "edits": [
                ("np.all(pre_activations <= 0, axis=0)", "np.any(pre_activations > 0, axis=0)")
            ],
        },
        {
            "message": r"shape",
            "edits": [
                (
                    "float(np.mean(np.all(pre_activations <= 0, axis=0)))",
                    "np.all(pre_activations <= 0, axis=0).astype(float)",
                )
            ],
        },
        {
            "message": r"changed its input",
            "edits": [
                (
                    "    return float",
                    "    pre_activations[pre_activations < 0] = 0.0\n    return float",
                )
            ],
        },
    ],
    "leaky_relu_backward": [
        {
            "message": r"slope 1 at x = 0",
            "edits": [("np.where(x > 0, 1.0, alpha)", "np.where(x >= 0, 1.0, alpha)")],
        },
        {"message": r"slopes swapped", "edits": [("1.0, alpha", "alpha, 1.0")]},
        {"message": r"dout is not multiplied in", "edits": [("dout * np.where", "np.where")]},
        {"message": r"plain ReLU backward", "edits": [("np.where(x > 0, 1.0, alpha)", "(x > 0)")]},
        {
            "message": r"sign of dout instead of x",
            "edits": [("np.where(x > 0, 1.0, alpha)", "np.where(dout > 0, 1.0, alpha)")],
        },
        {"message": r"alpha fixed at 0.01", "edits": [("1.0, alpha", "1.0, 0.01")]},
        {
            "message": r"forward output instead of the slope",
            "edits": [("1.0, alpha", "x, alpha * x")],
        },
        {
            "message": r"changed its input",
            "edits": [
                (
                    "return dout * np.where(x > 0, 1.0, alpha)",
                    "dout[x <= 0] *= alpha\n    return dout",
                )
            ],
        },
    ],
    "kill_and_rescue": [
        {
            "message": r"goes uphill",
            "edits": [
                ("W - lr * dW, b - lr * db", "W + lr * dW, b + lr * db"),
                (
                    "(W - small_lr * dW) + (b - small_lr * db)",
                    "(W + small_lr * dW) + (b + small_lr * db)",
                ),
            ],
        },
        {
            "message": r"bias is not updated",
            "edits": [
                ("W1, b1 = W - lr * dW, b - lr * db", "W1, b1 = W - lr * dW, b"),
                ("+ (b - small_lr * db)", "+ b"),
            ],
        },
        {
            "message": r"small learning rate is not used",
            "edits": [("x @ (W - small_lr * dW) + (b - small_lr * db)", "x @ W1 + b1")],
        },
        {"message": r"lowers the bias", "edits": [("(b1 + bias)", "(b1 - bias)")]},
        {"message": r"no rescue applied", "edits": [("x @ W1 + (b1 + bias)", "x @ W1 + b1")]},
        {
            "message": r"z < 0 instead of z <= 0",
            "source": _KILL_HEAD
            + """
    def strict(z):
        return np.mean(np.all(z < 0, axis=0))
    W1, b1 = W - lr * dW, b - lr * db
    W2, b2 = W - small_lr * dW, b - small_lr * db
    return np.array([strict(x @ W + b), strict(x @ W1 + b1), strict(x @ W2 + b2),
                     strict(x @ W1 + b1 + bias)])
""",
        },
        {"message": r"list", "edits": [("return np.array(", "return list(")]},
        {
            "message": r"changed its input `W`",
            "source": _KILL_HEAD
            + """
    before = dead_relu_fraction(x @ W + b)
    W -= lr * dW
    b1 = b - lr * db
    W2, b2 = W + (lr - small_lr) * dW, b - small_lr * db
    return np.array([before, dead_relu_fraction(x @ W + b1), dead_relu_fraction(x @ W2 + b2),
                     dead_relu_fraction(x @ W + b1 + bias)])
""",
        },
        {
            "message": r"shape",
            "edits": [("dead_relu_fraction(x @ (W - small_lr * dW) + (b - small_lr * db)),\n", "")],
        },
    ],
}

ALTERNATIVES = {
    "dead_relu_fraction": [
        {
            "source": """
def dead_relu_fraction(pre_activations):
    alive = (pre_activations > 0).any(axis=0)
    return 1.0 - alive.sum() / pre_activations.shape[1]
"""
        },
        {
            "source": """
def dead_relu_fraction(pre_activations):
    return np.mean(pre_activations.max(axis=0) <= 0)
"""
        },
    ],
    "leaky_relu_backward": [
        {
            "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = dout.copy()
    dx[x <= 0] *= alpha
    return dx
"""
        }
    ],
    "kill_and_rescue": [
        {
            "source": _KILL_HEAD
            + """
    # without the student's helper, and the bias added before the step (addition commutes)
    def dead(W_, b_):
        return np.mean(np.max(x @ W_ + b_, axis=0) <= 0)
    return np.array([dead(W, b), dead(W - lr * dW, b - lr * db),
                     dead(W - small_lr * dW, b - small_lr * db),
                     dead(W - lr * dW, (b + bias) - lr * db)])
"""
        }
    ],
}
