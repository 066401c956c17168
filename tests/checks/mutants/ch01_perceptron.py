"""Mutation bank for ch01_perceptron: wrong implementations that must fail, valid ones that pass.

Each mutant replaces one function of the solution notebook; ``message`` is a regex that the
check's failure message must match, so a mutant caught for the wrong reason does not count.
"""

MUTANTS = [
    # --- step
    {
        "function": "step",
        "message": r"step\(0\) must be 0",
        "source": """
def step(z):
    return (np.asarray(z) >= 0).astype(float)
""",
    },
    {
        "function": "step",
        "message": r"np\.sign",
        "source": """
def step(z):
    return np.sign(z)
""",
    },
    {
        "function": "step",
        "message": r"comparison is reversed",
        "source": """
def step(z):
    return (np.asarray(z) < 0).astype(float)
""",
    },
    {
        "function": "step",
        "message": r"returned z unchanged",
        "source": """
def step(z):
    return np.array(z, dtype=float)
""",
    },
    {
        "function": "step",
        "message": r"ReLU",
        "source": """
def step(z):
    return np.maximum(z, 0.0)
""",
    },
    {
        "function": "step",
        "message": r"changed its input `z`",
        "source": """
def step(z):
    z[...] = z > 0
    return z
""",
    },
    {
        "function": "step",
        "message": r"float32",
        "source": """
def step(z):
    return (np.asarray(z) > 0).astype(np.float32)
""",
    },
    {
        "function": "step",
        "message": r"list",
        "source": """
def step(z):
    return (np.asarray(z) > 0).astype(float).tolist()
""",
    },
    {
        "function": "step",
        "message": r"raised ValueError",
        "source": """
def step(z):
    return 1.0 if z > 0 else 0.0
""",
    },
    # --- perceptron_predict
    {
        "function": "perceptron_predict",
        "message": r"exactly on the boundary",
        "source": """
def perceptron_predict(X, w, b):
    return (X @ w + b >= 0).astype(float)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"bias b is missing",
        "source": """
def perceptron_predict(X, w, b):
    return step(X @ w)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"bias is subtracted",
        "source": """
def perceptron_predict(X, w, b):
    return step(X @ w - b)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"weighted sum z instead",
        "source": """
def perceptron_predict(X, w, b):
    return X @ w + b
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"np\.sign",
        "source": """
def perceptron_predict(X, w, b):
    return np.sign(X @ w + b)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"raised ValueError",
        "source": """
def perceptron_predict(X, w, b):
    return step(w @ X + b)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"raised AxisError",
        "source": """
def perceptron_predict(X, w, b):
    return step((X * w).sum(axis=1) + b)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"float32",
        "source": """
def perceptron_predict(X, w, b):
    return (X @ w + b > 0).astype(np.float32)
""",
    },
    {
        "function": "perceptron_predict",
        "message": r"list",
        "source": """
def perceptron_predict(X, w, b):
    return [float(v) for v in np.atleast_1d(X @ w + b > 0)]
""",
    },
    # --- perceptron_update
    {
        "function": "perceptron_update",
        "message": r"sign flipped",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = perceptron_predict(x, w, b) - y
    return w + lr * error * x, b + lr * error
""",
    },
    {
        "function": "perceptron_update",
        "message": r"z = 0 was treated as predicting 1",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - float(x @ w + b >= 0)
    return w + lr * error * x, b + lr * error
""",
    },
    {
        "function": "perceptron_update",
        "message": r"weighted sum z instead of the prediction",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - (x @ w + b)
    return w + lr * error * x, b + lr * error
""",
    },
    {
        "function": "perceptron_update",
        "message": r"bias is not updated",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return w + lr * error * x, b
""",
    },
    {
        "function": "perceptron_update",
        "message": r"learning rate lr is not used",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return w + error * x, b + error
""",
    },
    {
        "function": "perceptron_update",
        "message": r"sum\(x\)",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return w + lr * error * x, b + lr * error * x.sum()
""",
    },
    {
        "function": "perceptron_update",
        "message": r"changed its input `w`",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    w += lr * error * x
    return w, b + lr * error
""",
    },
    {
        "function": "perceptron_update",
        "message": r"should return 2 values",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return w + lr * error * x
""",
    },
    {
        "function": "perceptron_update",
        "message": r"shape \(1,\)",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return w + lr * error * x, np.array([b + lr * error])
""",
    },
    {
        "function": "perceptron_update",
        "message": r"list",
        "source": """
def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x, w, b)
    return list(w + lr * error * x), b + lr * error
""",
    },
    # --- train_perceptron
    {
        "function": "train_perceptron",
        "message": r"stop after the first epoch\s+with no mistake",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"Start from w = 0 and b = 0",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.ones(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"during\* epoch e",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        for i in order:
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        mistakes = int(np.sum(perceptron_predict(X, w, b) != y))
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"rng\.permutation\(N\)",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    order = np.arange(N) if rng is None else rng.permutation(N)
    for _ in range(epochs):
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"rng\.permutation\(N\)",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for i in range(N):
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"must be integers",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=float)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"NumPy array of integers",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors
""",
    },
    {
        "function": "train_perceptron",
        "message": r"never run more than `epochs`",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs + 1):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"times the expected value",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            mistakes += int(perceptron_predict(X[i], w, b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], 1.0)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"bias learns too",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    errors = []
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        mistakes = 0
        for i in order:
            error = y[i] - perceptron_predict(X[i], w, b)
            mistakes += int(error != 0)
            w, b = w + lr * error * X[i], b
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
""",
    },
    {
        "function": "train_perceptron",
        "message": r"should return 3 values",
        "source": """
def train_perceptron(X, y, lr=1.0, epochs=100, rng=None):
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    for _ in range(epochs):
        order = np.arange(N) if rng is None else rng.permutation(N)
        for i in order:
            w, b = perceptron_update(w, b, X[i], y[i], lr)
    return w, b
""",
    },
]

ALTERNATIVES = [
    {
        "function": "step",
        "source": """
def step(z):
    return np.heaviside(z, 0.0)
""",
    },
    {
        "function": "step",
        "source": """
def step(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
""",
    },
    {
        "function": "perceptron_predict",
        "source": """
def perceptron_predict(X, w, b):
    return np.where(np.dot(X, w) + b > 0, 1.0, 0.0)
""",
    },
    {
        "function": "perceptron_predict",
        "source": """
def perceptron_predict(X, w, b):
    z = np.einsum("...d,d->...", np.asarray(X, dtype=float), w) + b
    return step(z)
""",
    },
    {
        "function": "perceptron_update",
        "source": """
def perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if float(np.dot(w, x)) + b > 0 else 0.0
    if y_hat == y:
        return np.array(w, dtype=float), b
    error = y - y_hat
    return w + lr * error * np.asarray(x, dtype=float), b + lr * error
""",
    },
    {
        "function": "train_perceptron",
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
""",
    },
]
