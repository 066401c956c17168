"""Mutation bank for ch04_gradient_descent: wrong implementations the checks must catch.

Each mutant replaces one graded function of the solution notebook; its failure message must
match ``message``. Each alternative is a different correct implementation that must pass.
"""

MUTANTS = [
    # --- iterate_minibatches ---
    {
        "function": "iterate_minibatches",
        "message": r"last, smaller batch is missing",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N - B + 1, B):
        idx = order[start:start + B]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"belong to different examples",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    ix = rng.permutation(N) if shuffle else np.arange(N)
    iy = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        yield X[ix[start:start + B]], y[iy[start:start + B]]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"seeded alike gave different batches.*np\.random",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = np.random.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"different seeds gave the same batches",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = np.random.default_rng(0).permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"exactly once",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    for start in range(0, N, B):
        size = min(B, N - start)
        idx = rng.integers(0, N, size=size) if shuffle else np.arange(start, start + size)
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"original order: shuffle them with rng",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    for start in range(0, N, B):
        yield X[start:start + B], y[start:start + B]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"must keep the original order",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = rng.permutation(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"(?s)raised TypeError.*batch_size = None",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    order = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
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
        "function": "iterate_minibatches",
        "message": r"yield NumPy arrays",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        yield X[idx].tolist(), y[idx].tolist()
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"(?s)AttributeError.*rng = None",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    permutation = rng.permutation(N)
    order = permutation if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        yield X[idx], y[idx]
""",
    },
    {
        "function": "iterate_minibatches",
        "message": r"sizes \[256, 256, 256, 256\].*expected \[256, 256, 256, 232\]",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start:start + B]
        if len(idx) < B:
            idx = np.concatenate([idx, order[: B - len(idx)]])
        yield X[idx], y[idx]
""",
    },
    # --- sgd_update ---
    {
        "function": "sgd_update",
        "message": r"stepped uphill",
        "source": """
def sgd_update(w, dw, lr):
    return w + lr * dw
""",
    },
    {
        "function": "sgd_update",
        "message": r"forgot the learning rate",
        "source": """
def sgd_update(w, dw, lr):
    return w - dw
""",
    },
    {
        "function": "sgd_update",
        "message": r"divided by the learning rate",
        "source": """
def sgd_update(w, dw, lr):
    return w - dw / lr
""",
    },
    {
        "function": "sgd_update",
        "message": r"returned the step",
        "source": """
def sgd_update(w, dw, lr):
    return -lr * dw
""",
    },
    {
        "function": "sgd_update",
        "message": r"changed its input `w`",
        "source": """
def sgd_update(w, dw, lr):
    w -= lr * dw
    return w
""",
    },
    {
        "function": "sgd_update",
        "message": r"returned a list.*np\.array",
        "source": """
def sgd_update(w, dw, lr):
    return np.atleast_1d(w - lr * dw).tolist()
""",
    },
    {
        "function": "sgd_update",
        "message": r"float32",
        "source": """
def sgd_update(w, dw, lr):
    return np.asarray(w - lr * dw, dtype=np.float32)
""",
    },
    {
        "function": "sgd_update",
        "message": r"tuple of length 2",
        "source": """
def sgd_update(w, dw, lr):
    return w - lr * dw, dw
""",
    },
    # --- momentum_update ---
    {
        "function": "momentum_update",
        "message": r"mixed sign conventions",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v - lr * dw
    return w + v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"velocity with the wrong sign",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v - dw
    return w - lr * v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"stepped with the old velocity",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    w_new = w - lr * v
    return w_new, beta * v + dw
""",
    },
    {
        "function": "momentum_update",
        "message": r"averaged the velocity",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"instead of the beta argument",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = 0.9 * v + dw
    return w - lr * v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"learning rate inside the velocity",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v + lr * dw
    return w - v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"changed its input `v`",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v *= beta
    v += dw
    return w - lr * v, v
""",
    },
    {
        "function": "momentum_update",
        "message": r"should return 2 values",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * v
""",
    },
    {
        "function": "momentum_update",
        "message": r"wrong w",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return v, w - lr * v
""",
    },
    # --- nesterov_update ---
    {
        "function": "nesterov_update",
        "message": r"computed as plain momentum",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * v, v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"computed as plain momentum",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v_new = beta * v + dw
    return w - lr * (dw + beta * v), v_new
""",
    },
    {
        "function": "nesterov_update",
        "message": r"wrong v",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v_new = beta * v + dw
    return w - lr * (dw + beta * v_new), v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"subtracted the gradient",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * (beta * v - dw), v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"decayed the velocity twice",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * (dw + beta * beta * v), v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"instead of the beta argument",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = 0.9 * v + dw
    return w - lr * (dw + 0.9 * v), v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"mixed sign conventions",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v - lr * dw
    return w + beta * v - lr * dw, v
""",
    },
    {
        "function": "nesterov_update",
        "message": r"changed its input `w`",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    w -= lr * (dw + beta * v)
    return w, v
""",
    },
    # --- adagrad_update ---
    {
        "function": "adagrad_update",
        "message": r"forgot to accumulate",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"inside the square root",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = cache + dw**2
    return w - lr * dw / np.sqrt(cache + eps), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"forgot the square root",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = cache + dw**2
    return w - lr * dw / (cache + eps), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"stepped with the old cache",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    w_new = w - lr * dw / (np.sqrt(cache) + eps)
    return w_new, cache + dw**2
""",
    },
    {
        "function": "adagrad_update",
        "message": r"accumulated g instead of g²",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = cache + dw
    return w - lr * dw / (np.sqrt(np.abs(cache)) + eps), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"forgot ε",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = cache + dw**2
    return w - lr * dw / np.sqrt(cache), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"changed its input `cache`",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache += dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "adagrad_update",
        "message": r"wrong cache",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    new_cache = cache + dw**2
    return w - lr * dw / (np.sqrt(new_cache) + eps), cache
""",
    },
    # --- rmsprop_update ---
    {
        "function": "rmsprop_update",
        "message": r"on the wrong term",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = (1 - rho) * cache + rho * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"forgot the \(1 − ρ\) factor",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = rho * cache + dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"inside the square root",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = rho * cache + (1 - rho) * dw**2
    return w - lr * dw / np.sqrt(cache + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"running sum \(AdaGrad\)",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = cache + dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"stepped with the old cache",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    w_new = w - lr * dw / (np.sqrt(cache) + eps)
    return w_new, rho * cache + (1 - rho) * dw**2
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"forgot the square root",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = rho * cache + (1 - rho) * dw**2
    return w - lr * dw / (cache + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"instead of the rho argument",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = 0.9 * cache + 0.1 * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "rmsprop_update",
        "message": r"changed its input `cache`",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache *= rho
    cache += (1 - rho) * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    # --- adam_update ---
    {
        "function": "adam_update",
        "message": r"Adam without bias correction",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return w - lr * m / (np.sqrt(v) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"t counted from 0",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"bias correction with t - 1",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1 ** (t - 1))
    v_hat = v / (1 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"inside the square root",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"bias-corrected only m, not v",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"bias-corrected only v, not m",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return w - lr * m / (np.sqrt(v / (1 - beta2**t)) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"returned the bias-corrected",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m = m / (1 - beta1**t)
    v = v / (1 - beta2**t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"swapped beta1 and beta2",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta2 * m + (1 - beta2) * dw
    v = beta1 * v + (1 - beta1) * dw**2
    m_hat = m / (1 - beta2**t)
    v_hat = v / (1 - beta1**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"forgot the square root",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (v_hat + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"changed its input `m`",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"default beta1, beta2, eps",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = 0.9 * m + 0.1 * dw
    v = 0.999 * v + 0.001 * dw**2
    m_hat = m / (1 - 0.9**t)
    v_hat = v / (1 - 0.999**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v
""",
    },
    {
        "function": "adam_update",
        "message": r"\(1 − β\) on the wrong term",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (1 - beta1) * m + beta1 * dw
    v = (1 - beta2) * v + beta2 * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
    },
]

ALTERNATIVES = [
    {
        "function": "iterate_minibatches",
        "source": """
def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = X.shape[0]
    idx = np.arange(N)
    if shuffle:
        rng.shuffle(idx)
    size = N if batch_size is None else min(batch_size, N)
    return [(X[idx[i:i + size]], y[idx[i:i + size]]) for i in range(0, N, size)]
""",
    },
    {
        "function": "iterate_minibatches",
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
""",
    },
    {
        "function": "sgd_update",
        "source": """
def sgd_update(w, dw, lr):
    return np.subtract(w, np.multiply(lr, dw))
""",
    },
    {
        "function": "momentum_update",
        "source": """
def momentum_update(w, dw, v, lr, beta=0.9):
    v_new = np.add(np.multiply(beta, v), dw)
    return w - lr * beta * v - lr * dw, v_new
""",
    },
    {
        "function": "nesterov_update",
        "source": """
def nesterov_update(w, dw, v, lr, beta=0.9):
    v_new = beta * v + dw
    return w - lr * ((1 + beta) * dw + beta**2 * v), v_new
""",
    },
    {
        "function": "adagrad_update",
        "source": """
def adagrad_update(w, dw, cache, lr, eps=1e-10):
    new_cache = np.add(cache, np.square(dw))
    return w - lr * dw / (new_cache**0.5 + eps), new_cache
""",
    },
    {
        "function": "rmsprop_update",
        "source": """
def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = cache + (1 - rho) * (dw * dw - cache)
    return w - lr * dw / (np.sqrt(cache) + eps), cache
""",
    },
    {
        "function": "adam_update",
        "source": """
def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * np.square(dw)
    step = (lr / (1 - np.power(beta1, t))) * m_new
    return w - step / (np.sqrt(v_new / (1 - np.power(beta2, t))) + eps), m_new, v_new
""",
    },
]
