r"""Checks for the ch05_backprop exercise: backpropagation by hand, then in matrix form.

- ``chain1d_gradients(x, y, w, b) -> (cost, dw, db)``: the 1-D sigmoid chain of the book,
  compared with ``backproplab.chain1d`` for chains of 1 to 5 layers, saturated units included.
- ``dense_forward(x, W, b) -> (out, cache)``: ``out`` is compared with the reference and the
  cache must be the plain tuple ``(x, W, b)`` (the student's ``dense_backward`` and the
  notebook's ``mlp_forward`` rely on it).
- ``dense_backward(dout, cache) -> (dx, dW, db)``: the cache is the plain tuple ``(x, W, b)``;
  square shapes (N = D = M) make transposition mistakes show as wrong values, not only as
  wrong shapes.
- ``mlp_backward(dout, caches) -> grads``: the caches have the notebook's plain format, a list
  with one ``(dense_cache, relu_cache)`` per layer, where ``dense_cache = (a_prev, W, b)``,
  ``relu_cache = (z,)`` (the ReLU's input) and ``relu_cache = None`` for the linear output
  layer. They are built from ``network.mlp_forward``, and the expected gradients come from
  ``network.mlp_backward`` on the same forward pass. Pre-activations exactly 0 test the kink.
- ``numerical_gradient(f, x, h=1e-5)``: compared with ``gradcheck.numerical_gradient`` at a
  tolerance (1e-6 relative) loose enough for any order of floating-point operations and tight
  enough to catch a one-sided difference. The core's mutation check verifies that ``x`` is
  restored.
"""

from __future__ import annotations

import numpy as np

from backproplab import activations, chain1d, gradcheck, layers, network
from trustedgrading.checks import (
    Case,
    CheckFailed,
    Mistake,
    Mistakes,
    call_student,
    check_case,
    describe,
    expect_close,
    fail,
    register,
    register_custom,
)

_A = "ch05_backprop"

# --- chain1d_gradients -------------------------------------------------------------------------


def _chain_cases(rng, hidden):
    yield Case(
        "the book's chain: x = 1.5, y = 0, w = (0.8, -1.2, 2), b = (0.1, 0.4, -0.5)",
        1.5,
        0.0,
        np.array([0.8, -1.2, 2.0]),
        np.array([0.1, 0.4, -0.5]),
    )
    yield Case("all weights and biases 0, y = 1", 1.0, 1.0, np.zeros(3), np.zeros(3))
    yield Case(
        "3 layers, random", rng.normal(), rng.uniform(), rng.normal(0, 1.5, 3), rng.normal(size=3)
    )
    if hidden:
        yield Case("a single layer (L = 1)", -0.7, 1.0, np.array([1.3]), np.array([0.2]))
        yield Case("5 layers, random", rng.normal(), 0.0, rng.normal(0, 2, 5), rng.normal(size=5))
        yield Case(
            "saturated units: z = ±1000",
            10.0,
            1.0,
            np.array([100.0, -1000.0, 3.0]),
            np.array([0.0, 0.0, 0.5]),
        )
        for L in (2, 4):
            yield Case(
                f"{L} layers, random",
                rng.normal(),
                rng.uniform(),
                rng.normal(size=L),
                rng.normal(size=L),
            )


def _chain_variant(*, sigma_prime_of_a=False, no_two=False, same_layer_a=False, no_weight=False):
    """A wrong chain1d_gradients, one deliberate mistake switched on."""

    def wrong(x, y, w, b):
        w, b = np.asarray(w, float), np.asarray(b, float)
        a, z = [float(x)], []
        for j in range(w.size):
            z.append(w[j] * a[-1] + b[j])
            a.append(float(activations.sigmoid(z[-1])))
        cost = (a[-1] - y) ** 2
        da = (a[-1] - y) if no_two else 2 * (a[-1] - y)
        dw, db = np.empty(w.size), np.empty(w.size)
        for j in range(w.size - 1, -1, -1):
            s = activations.sigmoid(a[j + 1]) if sigma_prime_of_a else a[j + 1]
            delta = da * s * (1 - s)
            dw[j] = delta * (a[j + 1] if same_layer_a else a[j])
            db[j] = delta
            da = delta if no_weight else delta * w[j]
        return cost, dw, db

    return wrong


register(
    f"{_A}.chain1d_gradients",
    reference=chain1d.chain1d_gradients,
    cases=_chain_cases,
    outputs=("cost", "dw", "db"),
    mistakes=[
        Mistake(
            "σ′ evaluated at the activation a instead of at z",
            _chain_variant(sigma_prime_of_a=True),
            "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a): use the activation a itself, not σ(a).",
        ),
        Mistake(
            "C′(a) = a − y: the factor 2 is missing",
            _chain_variant(no_two=True),
            "C = (a − y)², so C′(a) = 2(a − y).",
        ),
        Mistake(
            "∂C/∂wʲ used aʲ (the layer's own output) instead of aʲ⁻¹ (its input)",
            _chain_variant(same_layer_a=True),
            "zʲ = wʲ·aʲ⁻¹ + bʲ, so ∂zʲ/∂wʲ = aʲ⁻¹, the activation of the layer below.",
        ),
        Mistake(
            "the gradient passed to the layer below misses the weight",
            _chain_variant(no_weight=True),
            "∂C/∂aʲ⁻¹ = δʲ·wʲ: multiply by the weight that connects the two layers.",
        ),
        Mistake(
            "dw and db are in reverse order (last layer first)",
            lambda x, y, w, b: (lambda c, dw, db: (c, dw[::-1], db[::-1]))(
                *chain1d.chain1d_gradients(x, y, w, b)
            ),
            "dw[j - 1] belongs to layer j: dw[0] is the first layer's (next to the input).",
        ),
    ],
)

# --- dense_forward ------------------------------------------------------------------------------


def _dense_forward_cases(rng, hidden):
    yield Case(
        "hand case: x (1, 2), W (2, 3)",
        np.array([[1.0, 2.0]]),
        np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]),
        np.array([0.0, 1.0, -1.0]),
    )
    yield Case(
        "N = 4, D = 3, M = 5", rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
    )
    if hidden:
        yield Case(
            "N = 1, D = 6, M = 2",
            rng.normal(size=(1, 6)),
            rng.normal(size=(6, 2)),
            rng.normal(size=2),
        )
        yield Case(
            "N = D = M = 3", rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
        )
        yield Case("M = 1", rng.normal(size=(5, 4)), rng.normal(size=(4, 1)), rng.normal(size=1))


_DENSE_FORWARD_MISTAKES = [
    Mistake("the bias b is missing", lambda x, W, b: np.asarray(x) @ W, "out = x @ W + b."),
    Mistake(
        "computed W.T @ x.T (the column-vector textbook form) without transposing back",
        lambda x, W, b: np.asarray(W).T @ np.asarray(x).T + np.asarray(b)[:, None],
        "The batch comes first: x is (N, D) and out must be (N, M) = x @ W + b.",
    ),
]


@register_custom(f"{_A}.dense_forward", mistakes=_DENSE_FORWARD_MISTAKES)
def _dense_forward(student, rng, hidden):
    for case in _dense_forward_cases(rng, hidden):
        x, W, b = case.args
        _, cache = check_case(
            student,
            layers.dense_forward,
            case,
            outputs=("out", None),
            mistakes=_DENSE_FORWARD_MISTAKES,
        )
        if not isinstance(cache, tuple) or len(cache) != 3:
            fail(
                f"dense_forward should return the cache (x, W, b), a tuple of 3 arrays, but its "
                f'cache is {describe(cache)} on case "{case.label}". dense_backward needs exactly '
                "these three."
            )
        for name, value, stored in zip(("x", "W", "b"), (x, W, b), cache, strict=True):
            if (
                not isinstance(stored, np.ndarray)
                or stored.shape != value.shape
                or not np.array_equal(stored, value)
            ):
                fail(
                    f"dense_forward's cache must be (x, W, b) in this order; its entry for {name} "
                    f'is not {name} on case "{case.label}".'
                )


def _quiet_call(fn, *args):
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except Exception:
        return None


# --- dense_backward -----------------------------------------------------------------------------


def _dense_backward_cases(rng, hidden):
    # square first: a misplaced transpose then gives wrong values (named), not a shape error
    yield Case(
        "N = D = M = 3",
        rng.normal(size=(3, 3)),
        (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)),
        batch=3,
    )
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0], [-1.0]])
    yield Case(
        "hand case: N = 2, D = 2, M = 1", np.array([[1.0], [2.0]]), (x, W, np.zeros(1)), batch=2
    )
    for N, D, M in [(4, 3, 5)]:
        yield Case(
            f"N = {N}, D = {D}, M = {M}",
            rng.normal(size=(N, M)),
            (rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M)),
            batch=N,
        )
    if hidden:
        for N, D, M in [(1, 4, 2), (5, 2, 2), (2, 6, 1), (4, 4, 4), (7, 3, 5)]:
            yield Case(
                f"N = {N}, D = {D}, M = {M}",
                rng.normal(size=(N, M)),
                (rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M)),
                batch=N,
            )


def _dense_backward_variant(dx=None, dW=None, db=None):
    def wrong(dout, cache):
        x, W, _ = cache
        good = (dout @ W.T, x.T @ dout, dout.sum(axis=0))
        return tuple(f(dout, x, W) if f else g for f, g in zip((dx, dW, db), good, strict=True))

    return wrong


register(
    f"{_A}.dense_backward",
    reference=layers.dense_backward,
    cases=_dense_backward_cases,
    outputs=("dx", "dW", "db"),
    mistakes=[
        Mistake(
            "dx = dout @ W: the transpose of W is missing",
            _dense_backward_variant(dx=lambda d, x, W: d @ W),
            "out = x @ W + b, so dx = dout @ W.T (shapes: (N, M) @ (M, D) = (N, D)).",
        ),
        Mistake(
            "dW = dout.T @ x: transposed",
            _dense_backward_variant(dW=lambda d, x, W: d.T @ x),
            "dW has the shape of W, (D, M): dW = x.T @ dout.",
        ),
        Mistake(
            "db summed over the wrong axis (over the units instead of the batch)",
            _dense_backward_variant(db=lambda d, x, W: d.sum(axis=1)),
            "b is added to every example, so db = dout.sum(axis=0): one entry per unit.",
        ),
        Mistake(
            "db is the mean over the batch instead of the sum",
            _dense_backward_variant(db=lambda d, x, W: d.mean(axis=0)),
            "dout already contains the 1/N of the loss's mean: sum over the batch, axis=0.",
        ),
        Mistake(
            "dW divided by the batch size N",
            _dense_backward_variant(dW=lambda d, x, W: x.T @ d / d.shape[0]),
            "dout already contains the 1/N of the loss's mean: do not divide again.",
        ),
    ],
)

# --- mlp_backward --------------------------------------------------------------------------------


def _plain_caches(caches):
    """The notebook's cache format from the reference's list of LayerCache."""
    plain = []
    for c in caches:
        dense = tuple(np.array(a) for a in c.dense)
        act = (np.array(c.act.x),) if c.activation == "relu" else None
        plain.append((dense, act))
    return plain


def _mlp_case(rng, sizes, N, label, *, zero_rows=0):
    params = network.init_mlp(sizes, rng, scheme="he")
    x = rng.normal(size=(N, sizes[0]))
    if zero_rows:
        # an all-zero example with zero first-layer biases: its pre-activations are exactly 0
        x[:zero_rows] = 0.0
    _, caches = network.mlp_forward(params, x, activation="relu")
    dout = rng.normal(size=(N, sizes[-1])) / N
    return label, dout, caches


def _mlp_cases(rng, hidden):
    yield _mlp_case(rng, [3, 4, 2], 5, "2 layers: sizes [3, 4, 2], N = 5")
    yield _mlp_case(rng, [4, 6, 5, 3], 4, "3 layers: sizes [4, 6, 5, 3], N = 4")
    yield _mlp_case(rng, [3, 5, 2], 3, "pre-activations exactly 0 (the ReLU kink)", zero_rows=2)
    if hidden:
        yield _mlp_case(rng, [5, 3], 4, "1 layer (no hidden layer): sizes [5, 3]")
        yield _mlp_case(rng, [2, 7, 1], 1, "N = 1: sizes [2, 7, 1]")
        yield _mlp_case(rng, [6, 8, 8, 8, 4], 6, "4 layers: sizes [6, 8, 8, 8, 4], N = 6")
        yield _mlp_case(rng, [4, 4, 4, 4], 3, "square layers, one all-zero example", zero_rows=1)


_MLP_MISTAKES = Mistakes()


@_MLP_MISTAKES.add(
    "the ReLU backward is missing (gradients pass through inactive units)",
    hint="Each hidden layer's gradient must go through relu_backward(da, relu_cache) before "
    "dense_backward.",
)
def _mlp_mistake_no_relu(dout, caches):
    grads, da = {}, dout
    for l in range(len(caches), 0, -1):
        x, W, _ = caches[l - 1][0]
        grads[f"W{l}"], grads[f"b{l}"] = x.T @ da, da.sum(axis=0)
        da = da @ W.T
    return grads


@_MLP_MISTAKES.add(
    "the ReLU mask uses z >= 0: at z = 0 the gradient must be 0",
    hint="ReLU's derivative at the kink is taken as 0: use the mask z > 0 (relu_backward does).",
)
def _mlp_mistake_inclusive_mask(dout, caches):
    grads, da = {}, dout
    for l in range(len(caches), 0, -1):
        (x, W, _), relu = caches[l - 1]
        dz = da if relu is None else da * (relu[0] >= 0)
        grads[f"W{l}"], grads[f"b{l}"] = x.T @ dz, dz.sum(axis=0)
        da = dz @ W.T
    return grads


@register_custom(f"{_A}.mlp_backward", mistakes=_MLP_MISTAKES)
def _mlp_backward(student, rng, hidden):
    for label, dout, caches in _mlp_cases(rng, hidden):
        expected = network.mlp_backward(dout, caches)
        plain = _plain_caches(caches)
        got = call_student(student, dout, plain, case=label)
        L = len(caches)
        if not isinstance(got, dict):
            fail(
                f"mlp_backward should return a dict {{'W1': dW1, 'b1': db1, ...}} but returned "
                f'{describe(got)} on case "{label}".'
            )
        keys = [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"]
        missing = [k for k in keys if k not in got]
        extra = [k for k in got if k not in keys]
        if missing or extra:
            hint = ""
            if any(str(k).startswith("d") for k in extra):
                hint = " Use the parameter names as keys ('W1', not 'dW1'), like params."
            fail(
                f'mlp_backward returned the keys {sorted(map(str, got))} on case "{label}"; '
                f"expected exactly {keys} (one W and one b per layer, {L} layers).{hint}"
            )
        wrong = [(m, _quiet_call(m.fn, dout, _plain_caches(caches))) for m in _MLP_MISTAKES]
        for key in keys:
            expect_close(
                got[key],
                expected[key],
                what=f"grads['{key}']",
                case=label,
                mistakes=[(m, w[key]) for m, w in wrong if isinstance(w, dict) and key in w],
            )


# --- numerical_gradient --------------------------------------------------------------------------


def _cube_sum(t):
    return float(np.sum(t**3))


def _quadratic(A):
    return lambda t: float(t.ravel() @ A @ t.ravel())


def _soft(t):
    return float(np.sum(np.sin(t)) + np.log1p(np.sum(t**2)))


def _weighted(c):
    return lambda t: float(np.sum(c * np.tanh(t)) + 0.5 * np.sum(t**2 * c))


def _numgrad_cases(rng, hidden):
    yield Case("f(x) = sum(x**3), x of shape (4,)", _cube_sum, rng.normal(size=4) + 0.5)
    A = rng.normal(size=(6, 6))
    yield Case(
        "f(x) = flat(x)ᵀ A flat(x), x of shape (2, 3)", _quadratic(A), rng.normal(size=(2, 3))
    )
    yield Case(
        "h = 0.1 (check that you use the h you are given)",
        _cube_sum,
        rng.normal(size=3),
        h=0.1,
    )
    if hidden:
        yield Case(
            "f(x) = sum(sin x) + log(1 + |x|²), shape (3, 2, 2)", _soft, rng.normal(size=(3, 2, 2))
        )
        c = rng.uniform(0.5, 2.0, size=(3, 4))
        yield Case("f(x) = weighted tanh, shape (3, 4)", _weighted(c), rng.normal(size=(3, 4)))
        yield Case("a single entry, shape (1,)", _cube_sum, np.array([1.7]))
        yield Case("h = 1e-4", _soft, rng.normal(size=5), h=1e-4)


_NUMGRAD_MISTAKES = Mistakes()


@_NUMGRAD_MISTAKES.add(
    "a one-sided difference (f(x + h) − f(x)) / h",
    hint="Use the central difference (f(x + h) − f(x − h)) / (2h): its error is O(h²), not O(h).",
)
def _forward_difference(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad


@_NUMGRAD_MISTAKES.add(
    "the factor 1/2 is missing: (f(x + h) − f(x − h)) / h",
    hint="The two points are 2h apart: divide by 2h.",
)
def _no_half(f, x, h=1e-5):
    return 2 * gradcheck.numerical_gradient(f, np.array(x, float), h)


@register_custom(f"{_A}.numerical_gradient", mistakes=_NUMGRAD_MISTAKES)
def _numerical_gradient(student, rng, hidden):
    # Compared at 1e-6: loose enough for any order of operations, tight enough for O(h) errors.
    for case in _numgrad_cases(rng, hidden):
        try:
            check_case(
                student,
                gradcheck.numerical_gradient,
                case,
                outputs=("grad",),
                mistakes=_NUMGRAD_MISTAKES,
                rtol=1e-6,
                atol=1e-8,
            )
        except CheckFailed as failure:
            if "changed its input `x`" not in str(failure):
                raise
            fail(
                f"{failure}\n  numerical_gradient may change x while it works, but must put "
                "every entry back exactly: save old = x[i], and write x[i] = old at the end. "
                "Adding and subtracting h again does not give back the same float."
            )
