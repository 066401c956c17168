"""Mutation bank for ch07_vanishing_gradients: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.
"""

MUTANTS = {
    "gradient_norms": [
        {
            "message": r"bias gradient is left out",
            "edits": [("np.sqrt(np.sum(dW**2) + np.sum(db**2))", "np.sqrt(np.sum(dW**2))")],
        },
        {
            "message": r"two norms are added",
            "edits": [
                (
                    "np.sqrt(np.sum(dW**2) + np.sum(db**2))",
                    "np.sqrt(np.sum(dW**2)) + np.sqrt(np.sum(db**2))",
                )
            ],
        },
        {
            "message": r"square root is missing",
            "edits": [("np.sqrt(np.sum(dW**2) + np.sum(db**2))", "np.sum(dW**2) + np.sum(db**2)")],
        },
        {
            "message": r"string order",
            "source": """
def gradient_norms(grads):
    keys = sorted(k for k in grads if k.startswith("W"))
    return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                     for k in keys])
""",
        },
        {
            "message": r"dictionary order",
            "source": """
def gradient_norms(grads):
    return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                     for k in grads if k.startswith("W")])
""",
        },
        {
            "message": r"mean of the squared entries",
            "edits": [
                (
                    "np.sqrt(np.sum(dW**2) + np.sum(db**2))",
                    "np.sqrt(np.mean(np.concatenate([dW.ravel(), db.ravel()]) ** 2))",
                )
            ],
        },
        {
            "message": r"shape",
            "source": """
def gradient_norms(grads):
    return np.array([np.linalg.norm(grads[k]) for k in sorted(grads)])
""",
        },
        {
            "message": r"returned a list|NumPy array",
            "edits": [("return norms", "return [float(v) for v in norms]")],
        },
        # the 2-D matrix norm: fails for a 4-D conv kernel
        {
            "message": r"raised|axis",
            "edits": [
                (
                    "np.sqrt(np.sum(dW**2) + np.sum(db**2))",
                    'np.hypot(np.linalg.norm(dW, ord="fro"), np.linalg.norm(db))',
                )
            ],
        },
        {
            "message": r"changed its input `grads`",
            "edits": [
                (
                    "norms[l - 1] = np.sqrt(np.sum(dW**2) + np.sum(db**2))",
                    "dW **= 2\n        norms[l - 1] = np.sqrt(np.sum(dW) + np.sum(db**2))",
                )
            ],
        },
    ],
    "xavier_init": [
        {"message": r"sqrt\(1 / fan_in\)", "edits": [("2.0 / (fan_in + fan_out)", "1.0 / fan_in")]},
        {
            "message": r"variance, not its square root",
            "edits": [("np.sqrt(2.0 / (fan_in + fan_out))", "2.0 / (fan_in + fan_out)")],
        },
        {
            "message": r"normal shape|kurtosis",
            "source": """
def xavier_init(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
        },
        {"message": r"transposed", "edits": [("size=(fan_in, fan_out)", "size=(fan_out, fan_in)")]},
        {"message": r"same seed|np\.random", "edits": [("rng.normal", "np.random.normal")]},
        {
            "message": r"different seeds|rng you are given",
            "edits": [("    return rng", "    own = np.random.default_rng(42)\n    return own")],
        },
        {"message": r"sqrt\(2 / fan_in\)", "edits": [("2.0 / (fan_in + fan_out)", "2.0 / fan_in")]},
        {"message": r"mean", "edits": [("0.0, np.sqrt", "0.1, np.sqrt")]},
    ],
    "he_init": [
        {"message": r"sqrt\(1 / fan_in\)", "edits": [("2.0 / fan_in", "1.0 / fan_in")]},
        {"message": r"sqrt\(2 / fan_out\)", "edits": [("2.0 / fan_in", "2.0 / fan_out")]},
        {
            "message": r"variance, not its square root",
            "edits": [("np.sqrt(2.0 / fan_in)", "2.0 / fan_in")],
        },
        {
            "message": r"sqrt\(2 / \(fan_in \+ fan_out\)\)",
            "edits": [("2.0 / fan_in", "2.0 / (fan_in + fan_out)")],
        },
        {
            "message": r"normal shape|kurtosis",
            "source": """
def he_init(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
        },
        {
            "message": r"same seed|np\.random",
            "source": """
def he_init(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)
""",
        },
        {
            "message": r"no scaling",
            "source": """
def he_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out))
""",
        },
        {
            "message": r"float64|NumPy array",
            "edits": [("size=(fan_in, fan_out))", "size=(fan_in, fan_out)).astype(np.float32)")],
        },
    ],
    "depth_experiment": [
        {
            "message": r"reverse order",
            "edits": [
                (
                    "gradient_norms(mlp_gradients(params, x, y, activation))",
                    "gradient_norms(mlp_gradients(params, x, y, activation))[::-1]",
                )
            ],
        },
        {
            "message": r"ReLU network with He",
            "edits": [('("relu", he_init)', '("relu", xavier_init)')],
        },
        {
            "message": r"ReLU network with He",
            "edits": [('("relu", he_init)', '("sigmoid", he_init)')],
        },
        {
            "message": r"sigmoid network with Xavier",
            "edits": [('("sigmoid", xavier_init)', '("relu", he_init)')],
        },
        {
            "message": r"different seeds|rng you are given",
            "edits": [
                ("    x = rng.normal", "    rng = np.random.default_rng(0)\n    x = rng.normal")
            ],
        },
        {
            "message": r"same seed|draw every random number",
            "edits": [("rng.normal", "np.random.normal")],
        },
        {
            "message": r"shape",
            "edits": [
                ("sizes = [width] * depth", "sizes = [width] * (depth - 1)"),
                ("range(1, depth + 1)", "range(1, depth)"),
            ],
        },
        {
            "message": r"return 2 arrays",
            "edits": [("return results[0], results[1]", "return results[0]")],
        },
        # biases of 1 and a wide spread: a different experiment, not the one asked for
        {
            "message": r"sigmoid network with Xavier",
            "edits": [('params[f"W{l}"] = init', 'params[f"W{l}"] = 4 * init')],
        },
    ],
}

ALTERNATIVES = {
    "gradient_norms": [
        {
            "source": """
def gradient_norms(grads):
    layers = sorted({int(k[1:]) for k in grads})
    return np.array([np.linalg.norm(np.concatenate([np.ravel(grads[f"W{l}"]),
                                                    np.ravel(grads[f"b{l}"])]))
                     for l in layers])
"""
        }
    ],
    "xavier_init": [
        {
            "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / (fan_in + fan_out))
"""
        }
    ],
    "he_init": [
        {
            "source": """
def he_init(fan_in, fan_out, rng):
    std = (2.0 / fan_in) ** 0.5
    return std * rng.standard_normal(size=(fan_in, fan_out))
"""
        }
    ],
    "depth_experiment": [
        {
            "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(0.0, 1.0, size=(n, width))
    y = rng.integers(10, size=n)
    sizes = [width] * depth + [10]
    sig = {}
    for l in range(1, depth + 1):
        sig["W" + str(l)] = xavier_init(sizes[l - 1], sizes[l], rng)
        sig["b" + str(l)] = np.zeros(sizes[l])
    relu = {}
    for l in range(1, depth + 1):
        relu["W" + str(l)] = he_init(sizes[l - 1], sizes[l], rng)
        relu["b" + str(l)] = np.zeros(sizes[l])
    return (gradient_norms(mlp_gradients(sig, x, y, "sigmoid")),
            gradient_norms(mlp_gradients(relu, x, y, "relu")))
"""
        }
    ],
}
