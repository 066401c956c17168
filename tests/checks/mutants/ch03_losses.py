"""Mutation bank for ch03_losses: wrong implementations that must fail, valid ones that pass.

Each mutant replaces one function of the solution notebook (the others stay correct);
``message`` is a regex that the failure message must match.
"""

MUTANTS = [
    # --- mse
    {
        "function": "mse",
        "message": r"sum instead of a mean",
        "source": """
def mse(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))
""",
    },
    {
        "function": "mse",
        "message": r"mean absolute error",
        "source": """
def mse(y_hat, y):
    return float(np.mean(np.abs(y_hat - y)))
""",
    },
    {
        "function": "mse",
        "message": r"not squared",
        "source": """
def mse(y_hat, y):
    return float(np.mean(y_hat - y))
""",
    },
    {
        "function": "mse",
        "message": r"square of the mean error",
        "source": """
def mse(y_hat, y):
    return float(np.mean(y_hat - y) ** 2)
""",
    },
    {
        "function": "mse",
        "message": r"RMSE",
        "source": """
def mse(y_hat, y):
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))
""",
    },
    {
        "function": "mse",
        "message": r"half the MSE",
        "source": """
def mse(y_hat, y):
    return 0.5 * float(np.mean((y_hat - y) ** 2))
""",
    },
    {
        "function": "mse",
        "message": r"shape",
        "source": """
def mse(y_hat, y):
    return np.mean((y_hat - y) ** 2, axis=0)
""",
    },
    {
        "function": "mse",
        "message": r"list",
        "source": """
def mse(y_hat, y):
    return [float(np.mean((y_hat - y) ** 2))]
""",
    },
    {
        "function": "mse",
        "message": r"changed its input",
        "source": """
def mse(y_hat, y):
    y_hat -= y
    return float(np.mean(y_hat ** 2))
""",
    },
    # --- mse_grad
    {
        "function": "mse_grad",
        "message": r"factor 2 is missing",
        "source": """
def mse_grad(y_hat, y):
    return (y_hat - y) / y_hat.size
""",
    },
    {
        "function": "mse_grad",
        "message": r"not divided by the number of entries",
        "source": """
def mse_grad(y_hat, y):
    return 2.0 * (y_hat - y)
""",
    },
    {
        "function": "mse_grad",
        "message": r"sign is flipped",
        "source": """
def mse_grad(y_hat, y):
    return 2.0 * (y - y_hat) / y_hat.size
""",
    },
    {
        "function": "mse_grad",
        "message": r"number of rows N",
        "source": """
def mse_grad(y_hat, y):
    return 2.0 * (y_hat - y) / len(y_hat)
""",
    },
    {
        "function": "mse_grad",
        "message": r"gradient of the RMSE",
        "source": """
def mse_grad(y_hat, y):
    return (y_hat - y) / y_hat.size / np.sqrt(np.mean((y_hat - y) ** 2))
""",
    },
    {
        "function": "mse_grad",
        "message": r"shape",
        "source": """
def mse_grad(y_hat, y):
    return np.ravel(2.0 * (y_hat - y) / y_hat.size)
""",
    },
    {
        "function": "mse_grad",
        "message": r"float32",
        "source": """
def mse_grad(y_hat, y):
    return (2.0 * (y_hat - y) / y_hat.size).astype(np.float32)
""",
    },
    # --- cross_entropy
    {
        "function": "cross_entropy",
        "message": r"sum over the batch instead of a mean",
        "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    return float(-np.sum(y * np.log(np.clip(p, PROB_EPS, 1.0))))
""",
    },
    {
        "function": "cross_entropy",
        "message": r"averaged over the K classes as well",
        "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    return float(-np.mean(y * np.log(np.clip(p, PROB_EPS, 1.0))))
""",
    },
    {
        "function": "cross_entropy",
        "message": r"without clipping",
        "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    return float(-np.sum(y * np.log(p)) / p.shape[0])
""",
    },
    {
        "function": "cross_entropy",
        "message": r"without clipping",
        "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 2:
        y = np.argmax(y, axis=1)
    return float(-np.mean(np.log(p[np.arange(p.shape[0]), y])))
""",
    },
    {
        "function": "cross_entropy",
        "message": r"minus sign is missing",
        "source": """
def cross_entropy(p, y):
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    return float(np.sum(y * np.log(np.clip(p, PROB_EPS, 1.0))) / p.shape[0])
""",
    },
    {
        "function": "cross_entropy",
        "message": r"every class",
        "source": """
def cross_entropy(p, y):
    return float(-np.sum(np.log(np.clip(p, PROB_EPS, 1.0))) / p.shape[0])
""",
    },
    {
        "function": "cross_entropy",
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
        "function": "cross_entropy",
        "message": r"IndexError|raised",
        "source": """
def cross_entropy(p, y):
    # integer labels only: one-hot rows break the fancy indexing
    picked = p[np.arange(p.shape[0]), np.asarray(y)]
    return float(-np.mean(np.log(np.clip(picked, PROB_EPS, 1.0))))
""",
    },
    {
        "function": "cross_entropy",
        "message": r"wrong loss",
        "source": """
def cross_entropy(p, y):
    # clips far too hard: changes ordinary losses too
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.eye(p.shape[1])[y]
    return float(-np.sum(y * np.log(np.clip(p, 0.25, 1.0))) / p.shape[0])
""",
    },
    # --- softmax_cross_entropy
    {
        "function": "softmax_cross_entropy",
        "message": r"dlogits not divided by N|N times too large",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(rows * log_p) / N), np.exp(log_p) - rows
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"sign is flipped|opposite sign",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(rows * log_p) / N), (rows - np.exp(log_p)) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"y is not subtracted",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(rows * log_p) / N), np.exp(log_p) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"summed over the batch",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(rows * log_p)), (np.exp(log_p) - rows) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"averaged over the K classes",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(rows * log_p)), (np.exp(log_p) - rows) / (N * K)
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"without subtracting the row max|nan or inf",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.sum(rows * np.log(p)) / N), (p - rows) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"clipped softmax",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.sum(rows * np.log(np.clip(p, PROB_EPS, 1.0))) / N), (p - rows) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"wrong axis",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=0, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=0, keepdims=True))
    return float(-np.sum(rows * log_p) / N), (np.exp(log_p) - rows) / N
""",
    },
    {
        "function": "softmax_cross_entropy",
        "message": r"should return 2 values",
        "source": """
def softmax_cross_entropy(logits, y):
    N, K = logits.shape
    y = np.asarray(y)
    rows = np.eye(K)[y] if y.ndim == 1 else y
    s = logits - logits.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(rows * log_p) / N)
""",
    },
]

ALTERNATIVES = [
    {
        "function": "mse",
        "source": """
def mse(y_hat, y):
    d = (np.asarray(y_hat, dtype=float) - y).ravel()
    return d @ d / d.size
""",
    },
    {
        "function": "mse_grad",
        "source": """
def mse_grad(y_hat, y):
    n = np.prod(np.shape(y_hat))
    return (y_hat - y) * (2.0 / n)
""",
    },
    {
        "function": "cross_entropy",
        "source": """
def cross_entropy(p, y):
    # pick the true-class probability; clip both sides (log(1 - 1e-12) is ~ -1e-12)
    y = np.asarray(y)
    labels = np.argmax(y, axis=1) if y.ndim == 2 else y
    picked = np.clip(p[np.arange(len(p)), labels], PROB_EPS, 1 - PROB_EPS)
    return -np.log(picked).mean()
""",
    },
    {
        "function": "softmax_cross_entropy",
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
""",
    },
]
