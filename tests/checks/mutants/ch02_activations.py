"""Mutation bank for ch02_activations: wrong implementations that must fail, valid ones that pass.

Each mutant replaces one function of the solution notebook (the others stay correct);
``message`` is a regex that the failure message must match. The alternatives include naive
forms that overflow with a RuntimeWarning but still return the right values: warnings never
cost points.
"""

MUTANTS = [
    # --- identity
    {
        "function": "identity",
        "message": r"derivative \(ones\)",
        "source": """
def identity(z):
    return np.ones_like(np.asarray(z, dtype=float))
""",
    },
    {
        "function": "identity",
        "message": r"behaves like ReLU",
        "source": """
def identity(z):
    return np.maximum(z, 0.0)
""",
    },
    {
        "function": "identity",
        "message": r"list",
        "source": """
def identity(z):
    return np.asarray(z, dtype=float).tolist()
""",
    },
    {
        "function": "identity",
        "message": r"float32",
        "source": """
def identity(z):
    return np.asarray(z, dtype=np.float32)
""",
    },
    {
        "function": "identity",
        "message": r"returned None",
        "source": """
def identity(z):
    np.asarray(z)
""",
    },
    {
        "function": "identity",
        "message": r"opposite sign",
        "source": """
def identity(z):
    return -np.asarray(z, dtype=float)
""",
    },
    {
        "function": "identity",
        "message": r"off by the same amount",
        "source": """
def identity(z):
    return np.asarray(z, dtype=float) + 1.0
""",
    },
    # --- identity_grad
    {
        "function": "identity_grad",
        "message": r"returned z instead of the derivative",
        "source": """
def identity_grad(z):
    return np.array(z, dtype=float)
""",
    },
    {
        "function": "identity_grad",
        "message": r"derivative 0 instead of 1",
        "source": """
def identity_grad(z):
    return np.zeros_like(np.asarray(z, dtype=float))
""",
    },
    {
        "function": "identity_grad",
        "message": r"with shape \(\) .*expected shape \(7,\)",
        "source": """
def identity_grad(z):
    return 1.0
""",
    },
    {
        "function": "identity_grad",
        "message": r"float32",
        "source": """
def identity_grad(z):
    return np.ones(np.shape(z), dtype=np.float32)
""",
    },
    {
        "function": "identity_grad",
        "message": r"raised TypeError",
        "source": """
def identity_grad(z):
    return np.ones(len(z))
""",
    },
    {
        "function": "identity_grad",
        "message": r"list",
        "source": """
def identity_grad(z):
    return np.ones_like(np.asarray(z, dtype=float)).tolist()
""",
    },
    {
        "function": "identity_grad",
        "message": r"2 times the expected",
        "source": """
def identity_grad(z):
    return 2 * np.ones_like(np.asarray(z, dtype=float))
""",
    },
    # --- sigmoid
    {
        "function": "sigmoid",
        "message": r"overflow|stable",
        "source": """
def sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))
""",
    },
    {
        "function": "sigmoid",
        "message": r"sign of z is flipped",
        "source": """
def sigmoid(z):
    return 1 / (1 + np.exp(z))
""",
    },
    {
        "function": "sigmoid",
        "message": r"sign of z is flipped",
        "source": """
def sigmoid(z):
    return 1 - 1 / (1 + np.exp(-z))
""",
    },
    {
        "function": "sigmoid",
        "message": r"computed tanh instead",
        "source": """
def sigmoid(z):
    return np.tanh(z)
""",
    },
    {
        "function": "sigmoid",
        "message": r"argument of tanh must be z/2",
        "source": """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(z))
""",
    },
    {
        "function": "sigmoid",
        "message": r"float32",
        "source": """
def sigmoid(z):
    return (1 / (1 + np.exp(-np.asarray(z, dtype=float)))).astype(np.float32)
""",
    },
    {
        "function": "sigmoid",
        "message": r"changed its input `z`",
        "source": """
def sigmoid(z):
    z *= -1
    return 1 / (1 + np.exp(z))
""",
    },
    {
        "function": "sigmoid",
        "message": r"list",
        "source": """
def sigmoid(z):
    return (1 / (1 + np.exp(-np.asarray(z, dtype=float)))).tolist()
""",
    },
    # --- sigmoid_grad
    {
        "function": "sigmoid_grad",
        "message": r"σ\(z\)\(1 \+ σ\(z\)\)",
        "source": """
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 + s)
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"applied to z instead of σ\(z\)",
        "source": """
def sigmoid_grad(z):
    return z * (1 - z)
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"returned σ\(z\) itself",
        "source": """
def sigmoid_grad(z):
    return sigmoid(z)
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"tanh rule applied to the sigmoid",
        "source": """
def sigmoid_grad(z):
    return 1 - sigmoid(z) ** 2
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"overflow|stable",
        "source": """
def sigmoid_grad(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"opposite sign",
        "source": """
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (s - 1)
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"float32",
        "source": """
def sigmoid_grad(z):
    s = sigmoid(z)
    return (s * (1 - s)).astype(np.float32)
""",
    },
    {
        "function": "sigmoid_grad",
        "message": r"4 times the expected",
        "source": """
def sigmoid_grad(z):
    s = sigmoid(z)
    return 4 * s * (1 - s)
""",
    },
    # --- tanh
    {
        "function": "tanh",
        "message": r"overflow|stable",
        "source": """
def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
""",
    },
    {
        "function": "tanh",
        "message": r"overflow|stable",
        "source": """
def tanh(z):
    return np.sinh(z) / np.cosh(z)
""",
    },
    {
        "function": "tanh",
        "message": r"computed the sigmoid instead of tanh",
        "source": """
def tanh(z):
    return sigmoid(z)
""",
    },
    {
        "function": "tanh",
        "message": r"2σ\(z\) − 1",
        "source": """
def tanh(z):
    return 2 * sigmoid(z) - 1
""",
    },
    {
        "function": "tanh",
        "message": r"float32",
        "source": """
def tanh(z):
    return np.tanh(z).astype(np.float32)
""",
    },
    {
        "function": "tanh",
        "message": r"list",
        "source": """
def tanh(z):
    return np.tanh(z).tolist()
""",
    },
    {
        "function": "tanh",
        "message": r"changed its input `z`",
        "source": """
def tanh(z):
    return np.tanh(z, out=z)
""",
    },
    # --- tanh_grad
    {
        "function": "tanh_grad",
        "message": r"1 − tanh\(z\) \(not squared\)",
        "source": """
def tanh_grad(z):
    return 1 - np.tanh(z)
""",
    },
    {
        "function": "tanh_grad",
        "message": r"1 − z²",
        "source": """
def tanh_grad(z):
    return 1 - z ** 2
""",
    },
    {
        "function": "tanh_grad",
        "message": r"1 \+ tanh\(z\)²",
        "source": """
def tanh_grad(z):
    return 1 + np.tanh(z) ** 2
""",
    },
    {
        "function": "tanh_grad",
        "message": r"tanh\(z\)² instead of 1 − tanh\(z\)²",
        "source": """
def tanh_grad(z):
    return np.tanh(z) ** 2
""",
    },
    {
        "function": "tanh_grad",
        "message": r"the sigmoid's derivative",
        "source": """
def tanh_grad(z):
    s = sigmoid(z)
    return s * (1 - s)
""",
    },
    {
        "function": "tanh_grad",
        "message": r"overflow|stable",
        "source": """
def tanh_grad(z):
    e = np.exp(-2 * z)
    return 4 * e / (1 + e) ** 2
""",
    },
    {
        "function": "tanh_grad",
        "message": r"float32",
        "source": """
def tanh_grad(z):
    return (1 - np.tanh(z) ** 2).astype(np.float32)
""",
    },
    # --- relu
    {
        "function": "relu",
        "message": r"min\(0, z\) instead of max\(0, z\)",
        "source": """
def relu(z):
    return np.minimum(z, 0.0)
""",
    },
    {
        "function": "relu",
        "message": r"0/1 mask",
        "source": """
def relu(z):
    return (np.asarray(z) > 0).astype(float)
""",
    },
    {
        "function": "relu",
        "message": r"\|z\| instead of max\(0, z\)",
        "source": """
def relu(z):
    return np.abs(z)
""",
    },
    {
        "function": "relu",
        "message": r"changed its input `z`",
        "source": """
def relu(z):
    z[z < 0] = 0
    return z
""",
    },
    {
        "function": "relu",
        "message": r"raised ValueError",
        "source": """
def relu(z):
    return max(0.0, z)
""",
    },
    {
        "function": "relu",
        "message": r"float32",
        "source": """
def relu(z):
    return np.maximum(z, 0).astype(np.float32)
""",
    },
    {
        "function": "relu",
        "message": r"list",
        "source": """
def relu(z):
    return np.maximum(z, 0.0).tolist()
""",
    },
    # --- relu_grad
    {
        "function": "relu_grad",
        "message": r"relu_grad\(0\) must be 0",
        "source": """
def relu_grad(z):
    return (z >= 0).astype(float)
""",
    },
    {
        "function": "relu_grad",
        "message": r"relu_grad\(0\) must be 0",
        "source": """
def relu_grad(z):
    return np.heaviside(z, 1.0)
""",
    },
    {
        "function": "relu_grad",
        "message": r"0\.5 at the kink",
        "source": """
def relu_grad(z):
    return np.heaviside(z, 0.5)
""",
    },
    {
        "function": "relu_grad",
        "message": r"returned relu\(z\) instead of its derivative",
        "source": """
def relu_grad(z):
    return np.maximum(z, 0.0)
""",
    },
    {
        "function": "relu_grad",
        "message": r"mask inverted",
        "source": """
def relu_grad(z):
    return (z <= 0).astype(float)
""",
    },
    {
        "function": "relu_grad",
        "message": r"np\.sign\(z\)",
        "source": """
def relu_grad(z):
    return np.sign(z)
""",
    },
    {
        "function": "relu_grad",
        "message": r"float32",
        "source": """
def relu_grad(z):
    return (z > 0).astype(np.float32)
""",
    },
    {
        "function": "relu_grad",
        "message": r"changed its input `z`",
        "source": """
def relu_grad(z):
    z[...] = z > 0
    return z
""",
    },
    # --- leaky_relu
    {
        "function": "leaky_relu",
        "message": r"applied to the wrong side",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"alpha is ignored",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"returned alpha \(not alpha·z\)",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"plain ReLU",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.maximum(z, 0.0)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"sign of the leak flipped",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, -alpha * z)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"default alpha",
        "source": """
def leaky_relu(z, alpha=0.1):
    return np.where(z > 0, z, alpha * z)
""",
    },
    {
        "function": "leaky_relu",
        "message": r"changed its input `z`",
        "source": """
def leaky_relu(z, alpha=0.01):
    z[z < 0] *= alpha
    return z
""",
    },
    {
        "function": "leaky_relu",
        "message": r"float32",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z).astype(np.float32)
""",
    },
    # --- leaky_relu_grad
    {
        "function": "leaky_relu_grad",
        "message": r"slope at z = 0 must be alpha",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z >= 0, 1.0, alpha)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"slopes are on the wrong sides",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, alpha, 1.0)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"alpha is ignored",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.01)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"the ReLU derivative",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return (z > 0).astype(float)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"returned leaky_relu\(z\) instead of its derivative",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"default alpha",
        "source": """
def leaky_relu_grad(z, alpha=0.1):
    return np.where(z > 0, 1.0, alpha)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"float32",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha).astype(np.float32)
""",
    },
    {
        "function": "leaky_relu_grad",
        "message": r"changed its input `z`",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    z[...] = np.where(z > 0, 1.0, alpha)
    return z
""",
    },
    # --- softmax
    {
        "function": "softmax",
        "message": r"no max subtraction",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
""",
    },
    {
        "function": "softmax",
        "message": r"wrong axis",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
""",
    },
    {
        "function": "softmax",
        "message": r"wrong axis",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
    },
    {
        "function": "softmax",
        "message": r"whole array",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum()
""",
    },
    {
        "function": "softmax",
        "message": r"broadcast|keepdims",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis)
""",
    },
    {
        "function": "softmax",
        "message": r"max of the whole array instead of each row",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)
""",
    },
    {
        "function": "softmax",
        "message": r"changed its input `z`",
        "source": """
def softmax(z, axis=-1):
    z -= z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
""",
    },
    {
        "function": "softmax",
        "message": r"float32",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)
""",
    },
    {
        "function": "softmax",
        "message": r"list",
        "source": """
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).tolist()
""",
    },
]

ALTERNATIVES = [
    {
        "function": "identity",
        "source": """
def identity(z):
    return z * 1.0
""",
    },
    {
        "function": "identity",
        "source": """
def identity(z):
    return np.copy(z).astype(float)
""",
    },
    {
        "function": "identity_grad",
        "source": """
def identity_grad(z):
    return np.ones(np.shape(z))
""",
    },
    {
        "function": "identity_grad",
        "source": """
def identity_grad(z):
    return np.full_like(np.asarray(z, dtype=float), 1.0)
""",
    },
    {
        "function": "sigmoid",
        "source": """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))  # overflows for z << 0 (a warning), but the value is right
""",
    },
    {
        "function": "sigmoid",
        "source": """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
""",
    },
    {
        "function": "sigmoid",
        "source": """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))
""",
    },
    {
        "function": "sigmoid_grad",
        "source": """
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))  # naive but right (warnings do not count)
    return s * (1 - s)
""",
    },
    {
        "function": "sigmoid_grad",
        "source": """
def sigmoid_grad(z):
    return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))
""",
    },
    {
        "function": "tanh",
        "source": """
def tanh(z):
    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1
""",
    },
    {
        "function": "tanh",
        "source": """
def tanh(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-2 * np.abs(z))
    return np.sign(z) * (1 - e) / (1 + e)
""",
    },
    {
        "function": "tanh_grad",
        "source": """
def tanh_grad(z):
    return 1 / np.cosh(z) ** 2  # cosh overflows to inf for huge |z|: 1/inf = 0, right
""",
    },
    {
        "function": "tanh_grad",
        "source": """
def tanh_grad(z):
    t = tanh(z)
    return (1 - t) * (1 + t)
""",
    },
    {
        "function": "relu",
        "source": """
def relu(z):
    return z * (z > 0)
""",
    },
    {
        "function": "relu",
        "source": """
def relu(z):
    return np.where(z > 0, z, 0.0)
""",
    },
    {
        "function": "relu",
        "source": """
def relu(z):
    return np.clip(z, 0.0, None)
""",
    },
    {
        "function": "relu_grad",
        "source": """
def relu_grad(z):
    return np.heaviside(z, 0.0)
""",
    },
    {
        "function": "relu_grad",
        "source": """
def relu_grad(z):
    return np.where(z > 0, 1.0, 0.0)
""",
    },
    {
        "function": "leaky_relu",
        "source": """
def leaky_relu(z, alpha=0.01):
    return np.maximum(z, alpha * z)
""",
    },
    {
        "function": "leaky_relu",
        "source": """
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)
""",
    },
    {
        "function": "leaky_relu_grad",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    g = np.full(np.shape(z), float(alpha))
    g[np.asarray(z) > 0] = 1.0
    return g
""",
    },
    {
        "function": "leaky_relu_grad",
        "source": """
def leaky_relu_grad(z, alpha=0.01):
    return alpha + (1 - alpha) * (np.asarray(z) > 0)
""",
    },
    {
        "function": "softmax",
        "source": """
def softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return np.exp(z - lse)
""",
    },
    {
        "function": "softmax",
        "source": """
def softmax(z, axis=-1):
    zt = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    e = np.exp(zt - zt.max(axis=-1)[..., None])
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)
""",
    },
]
