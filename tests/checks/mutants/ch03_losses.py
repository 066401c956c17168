"""Mutation bank for ch03_losses: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "mse": [
        {
            "message": r"sum instead of a mean",
            "edits": [("np.mean((y_hat - y) ** 2)", "np.sum((y_hat - y) ** 2)")],
        },
        {"message": r"mean absolute error", "edits": [("(y_hat - y) ** 2", "np.abs(y_hat - y)")]},
        {"message": r"not squared", "edits": [("np.mean((y_hat - y) ** 2)", "np.mean(y_hat - y)")]},
        {
            "message": r"square of the mean error",
            "edits": [("float(np.mean((y_hat - y) ** 2))", "float(np.mean(y_hat - y) ** 2)")],
        },
        {
            "message": r"RMSE",
            "edits": [
                ("float(np.mean((y_hat - y) ** 2))", "float(np.sqrt(np.mean((y_hat - y) ** 2)))")
            ],
        },
        {"message": r"half the MSE", "edits": [("return float", "return 0.5 * float")]},
        {
            "message": r"shape",
            "edits": [("float(np.mean((y_hat - y) ** 2))", "np.mean((y_hat - y) ** 2, axis=0)")],
        },
        {
            "message": r"list",
            "edits": [("float(np.mean((y_hat - y) ** 2))", "[float(np.mean((y_hat - y) ** 2))]")],
        },
        {
            "message": r"changed its input",
            "source": """
def mse(y_hat, y):
    y_hat -= y
    return float(np.mean(y_hat ** 2))
""",
        },
    ],
    "mse_grad": [
        {"message": r"factor 2 is missing", "edits": [("2.0 * (y_hat - y)", "(y_hat - y)")]},
        {
            "message": r"not divided by the number of entries",
            "edits": [("2.0 * (y_hat - y) / y_hat.size", "2.0 * (y_hat - y)")],
        },
        {"message": r"sign is flipped", "edits": [("2.0 * (y_hat - y)", "2.0 * (y - y_hat)")]},
        {"message": r"number of rows N", "edits": [("y_hat.size", "len(y_hat)")]},
        {
            "message": r"gradient of the RMSE",
            "source": """
def mse_grad(y_hat, y):
    return (y_hat - y) / y_hat.size / np.sqrt(np.mean((y_hat - y) ** 2))
""",
        },
        {
            "message": r"shape",
            "edits": [
                ("2.0 * (y_hat - y) / y_hat.size", "np.ravel(2.0 * (y_hat - y) / y_hat.size)")
            ],
        },
        {
            "message": r"float32",
            "edits": [
                (
                    "2.0 * (y_hat - y) / y_hat.size",
                    "(2.0 * (y_hat - y) / y_hat.size).astype(np.float32)",
                )
            ],
        },
    ],
    "cross_entropy": [
        {"message": r"sum over the batch instead of a mean", "edits": [(" / p.shape[0]", "")]},
        {
            "message": r"averaged over the K classes as well",
            "edits": [("-np.sum(rows", "-np.mean(rows"), (" / p.shape[0]", "")],
        },
        {
            "message": r"without clipping",
            "edits": [("np.log(np.clip(p, PROB_EPS, 1.0))", "np.log(p)")],
        },
        {
            "message": r"without clipping",
            "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 2:
        y = np.argmax(y, axis=1)
    return float(-np.mean(np.log(p[np.arange(p.shape[0]), y])))
""",
        },
        {"message": r"minus sign is missing", "edits": [("-np.sum", "np.sum")]},
        {"message": r"every class", "edits": [("rows * np.log", "np.log")]},
        {
            "message": r"binary cross-entropy",
            "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    pc = np.clip(p, PROB_EPS, 1 - PROB_EPS)
    return float(-np.sum(y * np.log(pc) + (1 - y) * np.log(1 - pc)) / p.shape[0])
""",
        },
        {
            "message": r"IndexError|raised",
            "source": """
def cross_entropy(p, y):
    # integer labels only: one-hot rows break the fancy indexing
    picked = p[np.arange(p.shape[0]), np.asarray(y)]
    return float(-np.mean(np.log(np.clip(picked, PROB_EPS, 1.0))))
""",
        },
        # clips far too hard: changes ordinary losses too
        {"message": r"wrong loss", "edits": [("PROB_EPS, 1.0", "0.25, 1.0")]},
    ],
    "softmax_cross_entropy": [
        {
            "message": r"dlogits not divided by N|N times too large",
            "edits": [("dlogits = (np.exp(log_p) - rows) / N", "dlogits = np.exp(log_p) - rows")],
        },
        {
            "message": r"sign is flipped|opposite sign",
            "edits": [("(np.exp(log_p) - rows) / N", "(rows - np.exp(log_p)) / N")],
        },
        {
            "message": r"y is not subtracted",
            "edits": [("(np.exp(log_p) - rows) / N", "np.exp(log_p) / N")],
        },
        {
            "message": r"summed over the batch",
            "edits": [("float(-np.sum(rows * log_p) / N)", "float(-np.sum(rows * log_p))")],
        },
        {
            "message": r"averaged over the K classes",
            "edits": [
                ("float(-np.sum(rows * log_p) / N)", "float(-np.mean(rows * log_p))"),
                ("(np.exp(log_p) - rows) / N", "(np.exp(log_p) - rows) / (N * K)"),
            ],
        },
        {
            "message": r"without subtracting the row max|nan or inf",
            "edits": [("shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits")],
        },
        {
            "message": r"clipped softmax",
            "edits": [
                (
                    "np.sum(rows * log_p)",
                    "np.sum(rows * np.log(np.clip(np.exp(log_p), PROB_EPS, 1.0)))",
                )
            ],
        },
        {
            "message": r"wrong axis",
            "edits": [("np.exp(shifted), axis=1", "np.exp(shifted), axis=0")],
        },
        {"message": r"should return 2 values", "edits": [("return loss, dlogits", "return loss")]},
    ],
}

ALTERNATIVES = {
    "mse": [
        {
            "source": """
def mse(y_hat, y):
    d = (np.asarray(y_hat, dtype=float) - y).ravel()
    return d @ d / d.size
"""
        }
    ],
    "mse_grad": [
        {
            "source": """
def mse_grad(y_hat, y):
    n = np.prod(np.shape(y_hat))
    return (y_hat - y) * (2.0 / n)
"""
        }
    ],
    "cross_entropy": [
        {
            "source": """
def cross_entropy(p, y):
    # pick the true-class probability; clip both sides (log(1 - 1e-12) is ~ -1e-12)
    y = np.asarray(y)
    labels = np.argmax(y, axis=1) if y.ndim == 2 else y
    picked = np.clip(p[np.arange(len(p)), labels], PROB_EPS, 1 - PROB_EPS)
    return -np.log(picked).mean()
"""
        }
    ],
    "softmax_cross_entropy": [
        {
            "source": """
def softmax_cross_entropy(logits, y):
    # naive-looking but stable: log-sum-exp with the max added back
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    loss = np.sum(rows * (lse - logits)) / N
    p = np.exp(logits - lse)
    return loss, (p - rows) / N
"""
        }
    ],
}
