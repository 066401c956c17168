"""Mutation bank for ch02_activations: wrong implementations to catch, valid ones to pass.

``MUTANTS`` and ``ALTERNATIVES`` map each graded function to its variants, each run on top of
the solution notebook in place of that function. A variant is either ``edits``, ``(old, new)``
pairs applied to the function's reference solution (each ``old`` occurs there exactly once), or
its whole ``source`` when it is not a small change. A mutant's ``message`` is a regex that its
failure message must match. Format: ``tests/support/solutions.py``.

The alternatives include naive forms that overflow with a RuntimeWarning but still return
the right values: warnings never cost points.
"""

MUTANTS = {
    "identity": [
        {
            "message": r"derivative \(ones\)",
            "edits": [("np.array(z, dtype=float)", "np.ones_like(np.asarray(z, dtype=float))")],
        },
        {
            "message": r"behaves like ReLU",
            "edits": [("np.array(z, dtype=float)", "np.maximum(z, 0.0)")],
        },
        {
            "message": r"list",
            "edits": [("np.array(z, dtype=float)", "np.array(z, dtype=float).tolist()")],
        },
        {"message": r"float32", "edits": [("dtype=float", "dtype=np.float32")]},
        {"message": r"returned None", "edits": [("return np.array", "np.array")]},
        {"message": r"opposite sign", "edits": [("np.array", "-np.array")]},
        {
            "message": r"off by the same amount",
            "edits": [("np.array(z, dtype=float)", "np.array(z, dtype=float) + 1.0")],
        },
    ],
    "identity_grad": [
        {
            "message": r"returned z instead of the derivative",
            "edits": [("np.ones_like(np.asarray(z, dtype=float))", "np.array(z, dtype=float)")],
        },
        {"message": r"derivative 0 instead of 1", "edits": [("np.ones_like", "np.zeros_like")]},
        {
            "message": r"with shape \(\) .*expected shape \(7,\)",
            "edits": [("np.ones_like(np.asarray(z, dtype=float))", "1.0")],
        },
        {
            "message": r"float32",
            "edits": [("np.asarray(z, dtype=float)", "np.asarray(z), dtype=np.float32")],
        },
        {
            "message": r"raised TypeError",
            "edits": [("np.ones_like(np.asarray(z, dtype=float))", "np.ones(len(z))")],
        },
        {
            "message": r"list",
            "edits": [
                (
                    "np.ones_like(np.asarray(z, dtype=float))",
                    "np.ones_like(np.asarray(z, dtype=float)).tolist()",
                )
            ],
        },
        {
            "message": r"2 times the expected",
            "edits": [("return np.ones_like", "return 2 * np.ones_like")],
        },
    ],
    "sigmoid": [
        {
            "message": r"overflow|stable",
            "edits": [
                ("np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "np.exp(z) / (1 + np.exp(z))")
            ],
        },
        {"message": r"sign of z is flipped", "edits": [("z >= 0", "z < 0")]},
        {"message": r"sign of z is flipped", "edits": [("return np.where", "return 1 - np.where")]},
        {
            "message": r"computed tanh instead",
            "edits": [("np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "np.tanh(z)")],
        },
        {
            "message": r"argument of tanh must be z/2",
            "edits": [
                ("np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "0.5 * (1 + np.tanh(z))")
            ],
        },
        {"message": r"float32", "edits": [("dtype=float", "dtype=np.float32")]},
        {
            "message": r"changed its input `z`",
            "source": """
def sigmoid(z):
    z *= -1
    return 1 / (1 + np.exp(z))
""",
        },
        {
            "message": r"list",
            "edits": [
                (
                    "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                    "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).tolist()",
                )
            ],
        },
    ],
    "sigmoid_grad": [
        {"message": r"σ\(z\)\(1 \+ σ\(z\)\)", "edits": [("s * (1.0 - s)", "s * (1.0 + s)")]},
        {
            "message": r"applied to z instead of σ\(z\)",
            "edits": [("s * (1.0 - s)", "z * (1.0 - z)")],
        },
        {"message": r"returned σ\(z\) itself", "edits": [("s * (1.0 - s)", "s")]},
        {"message": r"tanh rule applied to the sigmoid", "edits": [("s * (1.0 - s)", "1 - s**2")]},
        {
            "message": r"overflow|stable",
            "edits": [("s * (1.0 - s)", "np.exp(-z) / (1 + np.exp(-z)) ** 2")],
        },
        {"message": r"opposite sign", "edits": [("s * (1.0 - s)", "s * (s - 1)")]},
        {"message": r"float32", "edits": [("s * (1.0 - s)", "(s * (1.0 - s)).astype(np.float32)")]},
        {"message": r"4 times the expected", "edits": [("s * (1.0 - s)", "4 * s * (1.0 - s)")]},
    ],
    "tanh": [
        {
            "message": r"overflow|stable",
            "edits": [
                (
                    "np.tanh(np.asarray(z, dtype=float))",
                    "(np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))",
                )
            ],
        },
        {
            "message": r"overflow|stable",
            "edits": [("np.tanh(np.asarray(z, dtype=float))", "np.sinh(z) / np.cosh(z)")],
        },
        {
            "message": r"computed the sigmoid instead of tanh",
            "edits": [("np.tanh(np.asarray(z, dtype=float))", "sigmoid(z)")],
        },
        {
            "message": r"2σ\(z\) − 1",
            "edits": [("np.tanh(np.asarray(z, dtype=float))", "2 * sigmoid(z) - 1")],
        },
        {
            "message": r"float32",
            "edits": [("np.tanh(np.asarray(z, dtype=float))", "np.tanh(z).astype(np.float32)")],
        },
        {
            "message": r"list",
            "edits": [("np.tanh(np.asarray(z, dtype=float))", "np.tanh(z).tolist()")],
        },
        {
            "message": r"changed its input `z`",
            "edits": [("np.asarray(z, dtype=float)", "z, out=z")],
        },
    ],
    "tanh_grad": [
        {"message": r"1 − tanh\(z\) \(not squared\)", "edits": [("1.0 - t**2", "1.0 - t")]},
        {"message": r"1 − z²", "edits": [("1.0 - t**2", "1.0 - z**2")]},
        {"message": r"1 \+ tanh\(z\)²", "edits": [("1.0 - t**2", "1.0 + t**2")]},
        {"message": r"tanh\(z\)² instead of 1 − tanh\(z\)²", "edits": [("1.0 - t**2", "t**2")]},
        {
            "message": r"the sigmoid's derivative",
            "edits": [("t = tanh(z)", "s = sigmoid(z)"), ("1.0 - t**2", "s * (1.0 - s)")],
        },
        {
            "message": r"overflow|stable",
            "edits": [
                ("t = tanh(z)", "e = np.exp(-2 * z)"),
                ("1.0 - t**2", "4 * e / (1.0 + e) ** 2"),
            ],
        },
        {"message": r"float32", "edits": [("1.0 - t**2", "(1.0 - t**2).astype(np.float32)")]},
    ],
    "relu": [
        {"message": r"min\(0, z\) instead of max\(0, z\)", "edits": [("np.maximum", "np.minimum")]},
        {
            "message": r"0/1 mask",
            "edits": [
                ("np.maximum(np.asarray(z, dtype=float), 0.0)", "(np.asarray(z) > 0).astype(float)")
            ],
        },
        {
            "message": r"\|z\| instead of max\(0, z\)",
            "edits": [("np.maximum(np.asarray(z, dtype=float), 0.0)", "np.abs(z)")],
        },
        {
            "message": r"changed its input `z`",
            "source": """
def relu(z):
    z[z < 0] = 0
    return z
""",
        },
        {"message": r"raised ValueError", "edits": [("np.maximum", "max")]},
        {"message": r"float32", "edits": [("dtype=float", "dtype=np.float32")]},
        {
            "message": r"list",
            "edits": [
                ("np.maximum(np.asarray(z, dtype=float), 0.0)", "np.maximum(z, 0.0).tolist()")
            ],
        },
    ],
    "relu_grad": [
        {
            "message": r"relu_grad\(0\) must be 0",
            "edits": [("np.asarray(z, dtype=float) > 0", "z >= 0")],
        },
        {
            "message": r"relu_grad\(0\) must be 0",
            "edits": [("(np.asarray(z, dtype=float) > 0).astype", "np.heaviside(z, 1.0).astype")],
        },
        {
            "message": r"0\.5 at the kink",
            "edits": [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.heaviside(z, 0.5)")],
        },
        {
            "message": r"returned relu\(z\) instead of its derivative",
            "edits": [("(np.asarray(z, dtype=float) > 0).astype", "np.maximum(z, 0.0).astype")],
        },
        {"message": r"mask inverted", "edits": [("np.asarray(z, dtype=float) > 0", "z <= 0")]},
        {
            "message": r"np\.sign\(z\)",
            "edits": [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.sign(z)")],
        },
        {
            "message": r"float32",
            "edits": [
                ("(np.asarray(z, dtype=float) > 0).astype(float)", "(z > 0).astype(np.float32)")
            ],
        },
        {
            "message": r"changed its input `z`",
            "source": """
def relu_grad(z):
    z[...] = z > 0
    return z
""",
        },
    ],
    "leaky_relu": [
        {"message": r"applied to the wrong side", "edits": [("z, alpha * z", "alpha * z, z")]},
        {"message": r"alpha is ignored", "edits": [("alpha * z", "0.01 * z")]},
        {"message": r"returned alpha \(not alpha·z\)", "edits": [("alpha * z", "alpha")]},
        {
            "message": r"plain ReLU",
            "edits": [("np.where(z > 0, z, alpha * z)", "np.maximum(z, 0.0)")],
        },
        {"message": r"sign of the leak flipped", "edits": [("alpha * z", "-alpha * z")]},
        {
            "message": r"default alpha",
            "edits": [("def leaky_relu(z, alpha=0.01):", "def leaky_relu(z, alpha=0.1):")],
        },
        {
            "message": r"changed its input `z`",
            "source": """
def leaky_relu(z, alpha=0.01):
    z[z < 0] *= alpha
    return z
""",
        },
        {
            "message": r"float32",
            "edits": [
                (
                    "np.where(z > 0, z, alpha * z)",
                    "np.where(z > 0, z, alpha * z).astype(np.float32)",
                )
            ],
        },
    ],
    "leaky_relu_grad": [
        {
            "message": r"slope at z = 0 must be alpha",
            "edits": [("np.where(z > 0, 1.0, alpha)", "np.where(z >= 0, 1.0, alpha)")],
        },
        {"message": r"slopes are on the wrong sides", "edits": [("1.0, alpha", "alpha, 1.0")]},
        {"message": r"alpha is ignored", "edits": [("1.0, alpha", "1.0, 0.01")]},
        {
            "message": r"the ReLU derivative",
            "edits": [("np.where(z > 0, 1.0, alpha)", "(z > 0).astype(float)")],
        },
        {
            "message": r"returned leaky_relu\(z\) instead of its derivative",
            "edits": [("1.0, alpha", "z, alpha * z")],
        },
        {
            "message": r"default alpha",
            "edits": [
                ("def leaky_relu_grad(z, alpha=0.01):", "def leaky_relu_grad(z, alpha=0.1):")
            ],
        },
        {
            "message": r"float32",
            "edits": [
                ("np.where(z > 0, 1.0, alpha)", "np.where(z > 0, 1.0, alpha).astype(np.float32)")
            ],
        },
        {
            "message": r"changed its input `z`",
            "edits": [
                (
                    "return np.where(z > 0, 1.0, alpha)",
                    "z[...] = np.where(z > 0, 1.0, alpha)\n    return z",
                )
            ],
        },
    ],
    "softmax": [
        {"message": r"no max subtraction", "edits": [("z - z.max(axis=axis, keepdims=True)", "z")]},
        {
            "message": r"wrong axis",
            "edits": [
                ("z.max(axis=axis, keepdims=True)", "z.max(axis=0, keepdims=True)"),
                ("e.sum(axis=axis, keepdims=True)", "e.sum(axis=0, keepdims=True)"),
            ],
        },
        {
            "message": r"wrong axis",
            "edits": [
                ("z.max(axis=axis, keepdims=True)", "z.max(axis=-1, keepdims=True)"),
                ("e.sum(axis=axis, keepdims=True)", "e.sum(axis=-1, keepdims=True)"),
            ],
        },
        {
            "message": r"whole array",
            "edits": [
                ("z.max(axis=axis, keepdims=True)", "z.max()"),
                ("e.sum(axis=axis, keepdims=True)", "e.sum()"),
            ],
        },
        {
            "message": r"broadcast|keepdims",
            "edits": [("e.sum(axis=axis, keepdims=True)", "e.sum(axis=axis)")],
        },
        {
            "message": r"max of the whole array instead of each row",
            "edits": [("z.max(axis=axis, keepdims=True)", "z.max()")],
        },
        {
            "message": r"changed its input `z`",
            "edits": [
                (
                    "z = np.asarray(z, dtype=float)\n"
                    "    e = np.exp(z - z.max(axis=axis, keepdims=True))",
                    "z -= z.max(axis=axis, keepdims=True)\n    e = np.exp(z)",
                )
            ],
        },
        {
            "message": r"float32",
            "edits": [
                (
                    "e / e.sum(axis=axis, keepdims=True)",
                    "(e / e.sum(axis=axis, keepdims=True)).astype(np.float32)",
                )
            ],
        },
        {
            "message": r"list",
            "edits": [
                (
                    "e / e.sum(axis=axis, keepdims=True)",
                    "(e / e.sum(axis=axis, keepdims=True)).tolist()",
                )
            ],
        },
    ],
}

ALTERNATIVES = {
    "identity": [
        {
            "source": """
def identity(z):
    return z * 1.0
"""
        },
        {
            "source": """
def identity(z):
    return np.copy(z).astype(float)
"""
        },
    ],
    "identity_grad": [
        {
            "source": """
def identity_grad(z):
    return np.ones(np.shape(z))
"""
        },
        {
            "source": """
def identity_grad(z):
    return np.full_like(np.asarray(z, dtype=float), 1.0)
"""
        },
    ],
    "sigmoid": [
        {
            "source": """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))  # overflows for z << 0 (a warning), but the value is right
"""
        },
        {
            "source": """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
"""
        },
        {
            "source": """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))
"""
        },
    ],
    "sigmoid_grad": [
        {
            "source": """
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))  # naive but right (warnings do not count)
    return s * (1 - s)
"""
        },
        {
            "source": """
def sigmoid_grad(z):
    return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))
"""
        },
    ],
    "tanh": [
        {
            "source": """
def tanh(z):
    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1
"""
        },
        {
            "source": """
def tanh(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-2 * np.abs(z))
    return np.sign(z) * (1 - e) / (1 + e)
"""
        },
    ],
    "tanh_grad": [
        {
            "source": """
def tanh_grad(z):
    return 1 / np.cosh(z) ** 2  # cosh overflows to inf for huge |z|: 1/inf = 0, right
"""
        },
        {"edits": [("1.0 - t**2", "(1 - t) * (1 + t)")]},
    ],
    "relu": [
        {
            "source": """
def relu(z):
    return z * (z > 0)
"""
        },
        {
            "source": """
def relu(z):
    return np.where(z > 0, z, 0.0)
"""
        },
        {
            "source": """
def relu(z):
    return np.clip(z, 0.0, None)
"""
        },
    ],
    "relu_grad": [
        {
            "source": """
def relu_grad(z):
    return np.heaviside(z, 0.0)
"""
        },
        {
            "source": """
def relu_grad(z):
    return np.where(z > 0, 1.0, 0.0)
"""
        },
    ],
    "leaky_relu": [
        {
            "source": """
def leaky_relu(z, alpha=0.01):
    return np.maximum(z, alpha * z)
"""
        },
        {
            "edits": [
                ("np.where(z > 0, z, alpha * z)", "np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)")
            ]
        },
    ],
    "leaky_relu_grad": [
        {
            "source": """
def leaky_relu_grad(z, alpha=0.01):
    g = np.full(np.shape(z), float(alpha))
    g[np.asarray(z) > 0] = 1.0
    return g
"""
        },
        {
            "source": """
def leaky_relu_grad(z, alpha=0.01):
    return alpha + (1 - alpha) * (np.asarray(z) > 0)
"""
        },
    ],
    "softmax": [
        {
            "source": """
def softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return np.exp(z - lse)
"""
        },
        {
            "source": """
def softmax(z, axis=-1):
    zt = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    e = np.exp(zt - zt.max(axis=-1)[..., None])
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)
"""
        },
    ],
}
