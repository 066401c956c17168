"""Mutation bank for ch07_vanishing_gradients: known-wrong implementations and alternatives."""

MUTANTS = [
    # --- gradient_norms ----------------------------------------------------------------------
    {
        "function": "gradient_norms",
        "message": r"bias gradient is left out",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, L + 1)])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"two norms are added",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    return np.array([np.linalg.norm(grads[f"W{l}"]) + np.linalg.norm(grads[f"b{l}"])
                     for l in range(1, L + 1)])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"square root is missing",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    return np.array([np.sum(grads[f"W{l}"] ** 2) + np.sum(grads[f"b{l}"] ** 2)
                     for l in range(1, L + 1)])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"string order",
        "source": """
def gradient_norms(grads):
    keys = sorted(k for k in grads if k.startswith("W"))
    return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                     for k in keys])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"dictionary order",
        "source": """
def gradient_norms(grads):
    return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                     for k in grads if k.startswith("W")])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"mean of the squared entries",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    out = []
    for l in range(1, L + 1):
        v = np.concatenate([np.ravel(grads[f"W{l}"]), np.ravel(grads[f"b{l}"])])
        out.append(np.sqrt(np.mean(v ** 2)))
    return np.array(out)
""",
    },
    {
        "function": "gradient_norms",
        "message": r"shape",
        "source": """
def gradient_norms(grads):
    return np.array([np.linalg.norm(grads[k]) for k in sorted(grads)])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"returned a list|NumPy array",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    return [float(np.sqrt(np.sum(grads[f"W{l}"] ** 2) + np.sum(grads[f"b{l}"] ** 2)))
            for l in range(1, L + 1)]
""",
    },
    {
        "function": "gradient_norms",
        "message": r"raised|axis",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    # the 2-D matrix norm: fails for a 4-D conv kernel
    return np.array([np.hypot(np.linalg.norm(grads[f"W{l}"], ord="fro"),
                              np.linalg.norm(grads[f"b{l}"])) for l in range(1, L + 1)])
""",
    },
    {
        "function": "gradient_norms",
        "message": r"changed its input `grads`",
        "source": """
def gradient_norms(grads):
    L = len(grads) // 2
    out = np.empty(L)
    for l in range(1, L + 1):
        grads[f"W{l}"] **= 2
        out[l - 1] = np.sqrt(np.sum(grads[f"W{l}"]) + np.sum(grads[f"b{l}"] ** 2))
    return out
""",
    },
    # --- xavier_init -------------------------------------------------------------------------
    {
        "function": "xavier_init",
        "message": r"sqrt\(1 / fan_in\)",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"variance, not its square root",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"normal shape|kurtosis",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"transposed",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
""",
    },
    {
        "function": "xavier_init",
        "message": r"same seed|np\.random",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"different seeds|rng you are given",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    own = np.random.default_rng(42)
    return own.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"sqrt\(2 / fan_in\)",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
""",
    },
    {
        "function": "xavier_init",
        "message": r"mean",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.1, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
    },
    # --- he_init -----------------------------------------------------------------------------
    {
        "function": "he_init",
        "message": r"sqrt\(1 / fan_in\)",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"sqrt\(2 / fan_out\)",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"variance, not its square root",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"sqrt\(2 / \(fan_in \+ fan_out\)\)",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"normal shape|kurtosis",
        "source": """
def he_init(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"same seed|np\.random",
        "source": """
def he_init(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)
""",
    },
    {
        "function": "he_init",
        "message": r"no scaling",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out))
""",
    },
    {
        "function": "he_init",
        "message": r"float64|NumPy array",
        "source": """
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(np.float32)
""",
    },
    # --- depth_experiment --------------------------------------------------------------------
    {
        "function": "depth_experiment",
        "message": r"reverse order",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation))[::-1])
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"ReLU network with He",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", xavier_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"ReLU network with He",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("sigmoid", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"sigmoid network with Xavier",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("relu", he_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"different seeds|rng you are given",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"same seed|draw every random number",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = np.random.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"shape",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * (depth - 1) + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth):
            params[f"W{l}"] = init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
    {
        "function": "depth_experiment",
        "message": r"return 2 arrays",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    params = {}
    for l in range(1, depth + 1):
        params[f"W{l}"] = xavier_init(sizes[l - 1], sizes[l], rng)
        params[f"b{l}"] = np.zeros(sizes[l])
    return gradient_norms(mlp_gradients(params, x, y, "sigmoid"))
""",
    },
    {
        "function": "depth_experiment",
        "message": r"sigmoid network with Xavier",
        "source": """
def depth_experiment(depth, rng, width=32, n=64):
    # biases of 1 and a wide spread: a different experiment, not the one asked for
    x = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    sizes = [width] * depth + [10]
    results = []
    for activation, init in (("sigmoid", xavier_init), ("relu", he_init)):
        params = {}
        for l in range(1, depth + 1):
            params[f"W{l}"] = 4 * init(sizes[l - 1], sizes[l], rng)
            params[f"b{l}"] = np.zeros(sizes[l])
        results.append(gradient_norms(mlp_gradients(params, x, y, activation)))
    return results[0], results[1]
""",
    },
]

ALTERNATIVES = [
    {
        "function": "gradient_norms",
        "source": """
def gradient_norms(grads):
    layers = sorted({int(k[1:]) for k in grads})
    return np.array([np.linalg.norm(np.concatenate([np.ravel(grads[f"W{l}"]),
                                                    np.ravel(grads[f"b{l}"])]))
                     for l in layers])
""",
    },
    {
        "function": "xavier_init",
        "source": """
def xavier_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / (fan_in + fan_out))
""",
    },
    {
        "function": "he_init",
        "source": """
def he_init(fan_in, fan_out, rng):
    std = (2.0 / fan_in) ** 0.5
    return std * rng.standard_normal(size=(fan_in, fan_out))
""",
    },
    {
        "function": "depth_experiment",
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
""",
    },
]
