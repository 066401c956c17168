"""Mutation bank for ch08_dead_relu: wrong implementations that must fail, valid ones that pass.

Each mutant replaces one function of the solution notebook (the others stay correct);
``message`` is a regex that the failure message must match. ``kill_and_rescue`` mutants run on
top of the correct ``dead_relu_fraction``.
"""

_KILL_HEAD = """
def kill_and_rescue(x, W, b, dW, db, lr, small_lr, bias):
"""

MUTANTS = [
    # --- dead_relu_fraction
    {
        "function": "dead_relu_fraction",
        "message": r"z < 0 instead of z <= 0",
        "source": """
def dead_relu_fraction(pre_activations):
    return float(np.mean(np.all(pre_activations < 0, axis=0)))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"fraction of zero outputs",
        "source": """
def dead_relu_fraction(pre_activations):
    return float(np.mean(pre_activations <= 0))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"wrong axis",
        "source": """
def dead_relu_fraction(pre_activations):
    return float(np.mean(np.all(pre_activations <= 0, axis=1)))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"np.any instead of np.all",
        "source": """
def dead_relu_fraction(pre_activations):
    return float(np.mean(np.any(pre_activations <= 0, axis=0)))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"number of dead units instead of the fraction",
        "source": """
def dead_relu_fraction(pre_activations):
    return int(np.sum(np.all(pre_activations <= 0, axis=0)))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"ALIVE",
        "source": """
def dead_relu_fraction(pre_activations):
    return float(np.mean(np.any(pre_activations > 0, axis=0)))
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"shape",
        "source": """
def dead_relu_fraction(pre_activations):
    return np.all(pre_activations <= 0, axis=0).astype(float)
""",
    },
    {
        "function": "dead_relu_fraction",
        "message": r"changed its input",
        "source": """
def dead_relu_fraction(pre_activations):
    pre_activations[pre_activations < 0] = 0.0
    return float(np.mean(np.all(pre_activations == 0, axis=0)))
""",
    },
    # --- leaky_relu_backward
    {
        "function": "leaky_relu_backward",
        "message": r"slope 1 at x = 0",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x >= 0, 1.0, alpha)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"slopes swapped",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, alpha, 1.0)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"dout is not multiplied in",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, 1.0, alpha)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"plain ReLU backward",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * (x > 0)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"sign of dout instead of x",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(dout > 0, 1.0, alpha)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"alpha fixed at 0.01",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, 0.01)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"forward output instead of the slope",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, x, alpha * x)
""",
    },
    {
        "function": "leaky_relu_backward",
        "message": r"changed its input",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dout[x <= 0] *= alpha
    return dout
""",
    },
    # --- kill_and_rescue
    {
        "function": "kill_and_rescue",
        "message": r"goes uphill",
        "source": _KILL_HEAD
        + """
    W1, b1 = W + lr * dW, b + lr * db
    W2, b2 = W + small_lr * dW, b + small_lr * db
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
                     dead_relu_fraction(x @ W2 + b2), dead_relu_fraction(x @ W1 + b1 + bias)])
""",
    },
    {
        "function": "kill_and_rescue",
        "message": r"bias is not updated",
        "source": _KILL_HEAD
        + """
    W1, W2 = W - lr * dW, W - small_lr * dW
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b),
                     dead_relu_fraction(x @ W2 + b), dead_relu_fraction(x @ W1 + b + bias)])
""",
    },
    {
        "function": "kill_and_rescue",
        "message": r"small learning rate is not used",
        "source": _KILL_HEAD
        + """
    W1, b1 = W - lr * dW, b - lr * db
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
                     dead_relu_fraction(x @ W1 + b1), dead_relu_fraction(x @ W1 + b1 + bias)])
""",
    },
    {
        "function": "kill_and_rescue",
        "message": r"lowers the bias",
        "source": _KILL_HEAD
        + """
    W1, b1 = W - lr * dW, b - lr * db
    W2, b2 = W - small_lr * dW, b - small_lr * db
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
                     dead_relu_fraction(x @ W2 + b2), dead_relu_fraction(x @ W1 + b1 - bias)])
""",
    },
    {
        "function": "kill_and_rescue",
        "message": r"no rescue applied",
        "source": _KILL_HEAD
        + """
    W1, b1 = W - lr * dW, b - lr * db
    W2, b2 = W - small_lr * dW, b - small_lr * db
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
                     dead_relu_fraction(x @ W2 + b2), dead_relu_fraction(x @ W1 + b1)])
""",
    },
    {
        "function": "kill_and_rescue",
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
    {
        "function": "kill_and_rescue",
        "message": r"list",
        "source": _KILL_HEAD
        + """
    W1, b1 = W - lr * dW, b - lr * db
    W2, b2 = W - small_lr * dW, b - small_lr * db
    return [dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
            dead_relu_fraction(x @ W2 + b2), dead_relu_fraction(x @ W1 + b1 + bias)]
""",
    },
    {
        "function": "kill_and_rescue",
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
        "function": "kill_and_rescue",
        "message": r"shape",
        "source": _KILL_HEAD
        + """
    W1, b1 = W - lr * dW, b - lr * db
    return np.array([dead_relu_fraction(x @ W + b), dead_relu_fraction(x @ W1 + b1),
                     dead_relu_fraction(x @ W1 + b1 + bias)])
""",
    },
]

ALTERNATIVES = [
    {
        "function": "dead_relu_fraction",
        "source": """
def dead_relu_fraction(pre_activations):
    alive = (pre_activations > 0).any(axis=0)
    return 1.0 - alive.sum() / pre_activations.shape[1]
""",
    },
    {
        "function": "dead_relu_fraction",
        "source": """
def dead_relu_fraction(pre_activations):
    return np.mean(pre_activations.max(axis=0) <= 0)
""",
    },
    {
        "function": "leaky_relu_backward",
        "source": """
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = dout.copy()
    dx[x <= 0] *= alpha
    return dx
""",
    },
    {
        "function": "kill_and_rescue",
        "source": _KILL_HEAD
        + """
    # without the student's helper, and the bias added before the step (addition commutes)
    def dead(W_, b_):
        return np.mean(np.max(x @ W_ + b_, axis=0) <= 0)
    return np.array([dead(W, b), dead(W - lr * dW, b - lr * db),
                     dead(W - small_lr * dW, b - small_lr * db),
                     dead(W - lr * dW, (b + bias) - lr * db)])
""",
    },
]
