"""Mutation bank for ch01_perceptron: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "step": [
        {"message": r"step\(0\) must be 0", "edits": [("(z > 0)", "(z >= 0)")]},
        {"message": r"np\.sign", "edits": [("(z > 0).astype(float)", "np.sign(z)")]},
        {"message": r"comparison is reversed", "edits": [("(z > 0)", "(z < 0)")]},
        {"message": r"returned z unchanged", "edits": [("(z > 0).astype(float)", "z")]},
        {"message": r"ReLU", "edits": [("(z > 0).astype(float)", "np.maximum(z, 0.0)")]},
        {
            "message": r"changed its input `z`",
            "edits": [("z = np.asarray(z, dtype=float)", "z[...] = z > 0")],
        },
        {"message": r"float32", "edits": [("astype(float)", "astype(np.float32)")]},
        {"message": r"list", "edits": [("astype(float)", "astype(float).tolist()")]},
        {
            "message": r"raised ValueError",
            "edits": [("(z > 0).astype(float)", "1.0 if z > 0 else 0.0")],
        },
    ],
    "perceptron_predict": [
        {
            "message": r"exactly on the boundary",
            "edits": [("step(X @ w + b)", "(X @ w + b >= 0).astype(float)")],
        },
        {"message": r"bias b is missing", "edits": [("step(X @ w + b)", "step(X @ w)")]},
        {"message": r"bias is subtracted", "edits": [("step(X @ w + b)", "step(X @ w - b)")]},
        {"message": r"weighted sum z instead", "edits": [("step(X @ w + b)", "X @ w + b")]},
        {"message": r"np\.sign", "edits": [("step(X @ w + b)", "np.sign(X @ w + b)")]},
        {"message": r"raised ValueError", "edits": [("step(X @ w + b)", "step(w @ X + b)")]},
        {
            "message": r"raised AxisError",
            "edits": [("step(X @ w + b)", "step((X * w).sum(axis=1) + b)")],
        },
        {
            "message": r"float32",
            "edits": [("step(X @ w + b)", "(X @ w + b > 0).astype(np.float32)")],
        },
        {
            "message": r"list",
            "edits": [("step(X @ w + b)", "[float(v) for v in np.atleast_1d(X @ w + b > 0)]")],
        },
    ],
    "perceptron_update": [
        {
            "message": r"sign flipped",
            "edits": [
                (
                    "error = y - perceptron_predict(x, w, b)",
                    "error = perceptron_predict(x, w, b) - y",
                )
            ],
        },
        {
            "message": r"z = 0 was treated as predicting 1",
            "edits": [("perceptron_predict(x, w, b)", "float(x @ w + b >= 0)")],
        },
        {
            "message": r"weighted sum z instead of the prediction",
            "edits": [("perceptron_predict(x, w, b)", "(x @ w + b)")],
        },
        {"message": r"bias is not updated", "edits": [("b + lr * error", "b")]},
        {
            "message": r"learning rate lr is not used",
            "edits": [("w + lr * error * x, b + lr * error", "w + error * x, b + error")],
        },
        {"message": r"sum\(x\)", "edits": [("b + lr * error", "b + lr * error * x.sum()")]},
        {
            "message": r"changed its input `w`",
            "edits": [("return w + lr * error * x", "w += lr * error * x\n    return w")],
        },
        {"message": r"should return 2 values", "edits": [(", b + lr * error", "")]},
        {"message": r"shape \(1,\)", "edits": [("b + lr * error", "np.array([b + lr * error])")]},
        {"message": r"list", "edits": [("w + lr * error * x", "list(w + lr * error * x)")]},
    ],
    "train_perceptron": [
        {
            "message": r"stop after the first epoch\s+with no mistake",
            "edits": [("        if mistakes == 0:\n            break\n", "")],
        },
        {"message": r"Start from w = 0 and b = 0", "edits": [("np.zeros", "np.ones")]},
        {
            "message": r"during\* epoch e",
            "edits": [
                (
                    "errors_per_epoch.append(mistakes)",
                    "mistakes = int(np.sum(perceptron_predict(X, w, b) != y))\n"
                    "        errors_per_epoch.append(mistakes)",
                )
            ],
        },
        {
            "message": r"rng\.permutation\(N\)",
            "edits": [
                (
                    "    for _ in range",
                    "    order = np.arange(N) if rng is None else rng.permutation(N)\n"
                    "    for _ in range",
                ),
                ("        order = np.arange(N) if rng is None else rng.permutation(N)\n", ""),
            ],
        },
        {"message": r"rng\.permutation\(N\)", "edits": [("for i in order:", "for i in range(N):")]},
        {"message": r"must be integers", "edits": [("np.int64", "float")]},
        {
            "message": r"NumPy array of integers",
            "edits": [("np.array(errors_per_epoch, dtype=np.int64)", "errors_per_epoch")],
        },
        {
            "message": r"never run more than `epochs`",
            "edits": [("range(epochs)", "range(epochs + 1)")],
        },
        {"message": r"times the expected value", "edits": [(", y[i], lr)", ", y[i], 1.0)")]},
        {
            "message": r"bias learns too",
            "edits": [
                (
                    "w, b = perceptron_update(w, b, X[i], y[i], lr)",
                    "w, _ = perceptron_update(w, b, X[i], y[i], lr)",
                )
            ],
        },
        {
            "message": r"should return 3 values",
            "edits": [("w, b, np.array(errors_per_epoch, dtype=np.int64)", "w, b")],
        },
    ],
}

ALTERNATIVES = {
    "step": [
        {
            "source": """
def step(z):
    return np.heaviside(z, 0.0)
"""
        },
        {
            "source": """
def step(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
"""
        },
    ],
    "perceptron_predict": [
        {
            "source": """
def perceptron_predict(X, w, b):
    return np.where(np.dot(X, w) + b > 0, 1.0, 0.0)
"""
        },
        {
            "source": """
def perceptron_predict(X, w, b):
    z = np.einsum("...d,d->...", np.asarray(X, dtype=float), w) + b
    return step(z)
"""
        },
    ],
    "perceptron_update": [
        {
            "source": """
def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if float(np.dot(w, x)) + b > 0 else 0.0
    if y_hat == y:
        return np.array(w, dtype=float), b
    error = y - y_hat
    return w + lr * error * np.asarray(x, dtype=float), b + lr * error
"""
        }
    ],
    "train_perceptron": [
        {
            "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    X = np.asarray(X, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    errors_per_epoch = np.zeros(0, dtype=np.int64)
    for _ in range(epochs):
        order = np.arange(len(X))
        if rng is not None:
            rng.shuffle(order)  # the same draw as rng.permutation(N)
        mistakes = 0
        for i in order:
            error = y[i] - (1.0 if X[i] @ w + b > 0 else 0.0)
            if error != 0:
                mistakes += 1
                w = w + lr * error * X[i]
                b = b + lr * error
        errors_per_epoch = np.append(errors_per_epoch, mistakes)
        if mistakes == 0:
            break
    return w, b, errors_per_epoch
"""
        }
    ],
}
