r"""Checks for the ch07_vanishing_gradients exercise: measuring gradients and curing their decay.

- ``gradient_norms(grads) -> norms``: compared with ``diagnostics.gradient_norms``; the cases
  put large gradients in the biases (so forgetting ``db`` shows), keys in a shuffled order and
  more than 9 layers (so a string sort, ``"W10" < "W2"``, shows), and a 4-D conv kernel.
- ``xavier_init`` and ``he_init`` draw random numbers, so they are judged by properties: the
  shape ``(fan_in, fan_out)``, a mean near 0 and a standard deviation within 3% of the formula
  on 30,000 draws, a normal (not uniform) shape through the kurtosis, all randomness from the
  given ``rng`` (the same seed gives the same weights, another seed other weights), and the
  formula's dependence on the right fan (non-square fans).
- ``depth_experiment(depth, rng, width=32, n=64) -> (sigmoid_norms, relu_norms)``: properties
  of the two curves for 16 (and, hidden, 20) layers, with bounds measured on the reference
  solution over 300 seeds and widened by a wide margin: the sigmoid/Xavier network's first
  layer gets less than 1e-5 of the last hidden layer's gradient norm (observed at most 5e-9),
  the ReLU/He network's ratio stays within [0.05, 20] (observed 0.13 to 3.2); the result must
  depend on the rng and on nothing else.
"""

from __future__ import annotations

import numpy as np

from backproplab import diagnostics
from trustedgrading.checks import (
    Case,
    Mistake,
    call_student,
    fail,
    register,
    register_custom,
)

_A = "ch07_vanishing_gradients"

# --- gradient_norms ----------------------------------------------------------------------------


def _grads(rng, shapes, bias_scale=1.0, order=None):
    grads = {}
    for l, (fan_in, fan_out) in enumerate(shapes, start=1):
        grads[f"W{l}"] = rng.normal(size=(fan_in, fan_out))
        grads[f"b{l}"] = rng.normal(0.0, bias_scale, size=fan_out)
    keys = list(grads)
    if order == "shuffled":
        keys = [keys[i] for i in rng.permutation(len(keys))]
    return {k: grads[k] for k in keys}


def _norm_cases(rng, hidden):
    yield Case(
        "hand case: dW1 = [[3, 4]], db1 = [0]; dW2 = [[0], [0]], db2 = [12]",
        {
            "W1": np.array([[3.0, 4.0]]),
            "b1": np.array([0.0]),
            "W2": np.zeros((2, 1)),
            "b2": np.array([12.0]),
        },
    )
    yield Case("3 layers, large bias gradients", _grads(rng, [(4, 3), (3, 3), (3, 2)], 10.0))
    yield Case(
        "12 layers, keys in shuffled order (W10 comes after W9)",
        _grads(rng, [(3, 3)] * 12, order="shuffled"),
    )
    if hidden:
        yield Case("1 layer", _grads(rng, [(5, 2)]))
        yield Case("all gradients zero", {"W1": np.zeros((2, 2)), "b1": np.zeros(2)})
        conv = {"W1": rng.normal(size=(4, 3, 3, 3)), "b1": rng.normal(size=4)}
        conv |= {"W2": rng.normal(size=(36, 5)), "b2": rng.normal(size=5)}
        yield Case("a conv kernel (4, 3, 3, 3) in layer 1", conv)
        yield Case(
            "tiny and huge layers (1e-8 and 1e6)",
            {
                "W1": rng.normal(0, 1e-8, size=(3, 3)),
                "b1": rng.normal(0, 1e-8, size=3),
                "W2": rng.normal(0, 1e6, size=(3, 2)),
                "b2": rng.normal(0, 1e6, size=2),
            },
        )
        yield Case(
            "b before W, layers reversed",
            dict(reversed(list(_grads(rng, [(2, 4), (4, 3), (3, 1)]).items()))),
        )


def _per_layer(grads, combine):
    L = len(grads) // 2
    return np.array(
        [combine(np.asarray(grads[f"W{l}"]), np.asarray(grads[f"b{l}"])) for l in range(1, L + 1)]
    )


register(
    f"{_A}.gradient_norms",
    reference=diagnostics.gradient_norms,
    cases=_norm_cases,
    outputs=("norms",),
    mistakes=[
        Mistake(
            "the bias gradient is left out (only the norm of dW)",
            lambda g: _per_layer(g, lambda W, b: np.linalg.norm(W)),
            "A layer's norm covers all its parameters: sqrt(‖dW‖² + ‖db‖²).",
        ),
        Mistake(
            "the two norms are added: ‖dW‖ + ‖db‖",
            lambda g: _per_layer(g, lambda W, b: np.linalg.norm(W) + np.linalg.norm(b)),
            "Combine them as one long vector: sqrt(‖dW‖² + ‖db‖²).",
        ),
        Mistake(
            "the square root is missing (squared norms)",
            lambda g: _per_layer(g, lambda W, b: np.sum(W**2) + np.sum(b**2)),
            "The norm is the square root of the sum of squares.",
        ),
        Mistake(
            "layers in string order (W1, W10, W11, W12, W2, ...)",
            lambda g: np.array(
                [
                    np.sqrt(
                        np.sum(np.asarray(g[f"W{k}"]) ** 2) + np.sum(np.asarray(g[f"b{k}"]) ** 2)
                    )
                    for k in sorted(str(l) for l in range(1, len(g) // 2 + 1))
                ]
            ),
            "Sort by the layer number as an integer, or loop l = 1 .. L and read grads[f'W{l}'].",
        ),
        Mistake(
            "layers in dictionary order instead of 1, 2, ..., L",
            lambda g: np.array(
                [
                    np.sqrt(np.sum(np.asarray(g[k]) ** 2) + np.sum(np.asarray(g["b" + k[1:]]) ** 2))
                    for k in g
                    if k.startswith("W")
                ]
            ),
            "The keys may come in any order: loop l = 1 .. L and read grads[f'W{l}'].",
        ),
        Mistake(
            "the mean of the squared entries instead of their sum",
            lambda g: _per_layer(
                g, lambda W, b: np.sqrt(np.mean(np.concatenate([W.ravel(), b.ravel()]) ** 2))
            ),
            "A norm sums the squares over all entries; it does not average them.",
        ),
    ],
)

# --- xavier_init and he_init -------------------------------------------------------------------


def _kurtosis(W):
    centred = W - W.mean()
    return float(np.mean(centred**4) / np.mean(centred**2) ** 2)


def _check_init(student, name, std_of, formula, rng, hidden):
    fans = [(200, 150), (100, 300)] + ([(500, 60), (45, 750)] if hidden else [])
    seeds = [int(rng.integers(2**31)) for _ in fans]
    first = None
    for (fan_in, fan_out), seed in zip(fans, seeds, strict=True):
        case = f"fan_in = {fan_in}, fan_out = {fan_out}"
        W = call_student(student, fan_in, fan_out, np.random.default_rng(seed), case=case)
        first = W if first is None else first
        if not isinstance(W, np.ndarray):
            fail(
                f"{name} should return a NumPy array, but it returned {type(W).__name__} ({case})."
            )
        if W.shape != (fan_in, fan_out):
            hint = " Is it transposed?" if W.shape == (fan_out, fan_in) else ""
            fail(
                f"{name}({fan_in}, {fan_out}, rng) returned shape {W.shape}; expected "
                f"(fan_in, fan_out) = ({fan_in}, {fan_out}).{hint}"
            )
        if W.dtype != np.float64:
            fail(f"{name} returned dtype {W.dtype} ({case}); expected float64.")
        if not np.all(np.isfinite(W)):
            fail(f"{name} returned nan or inf ({case}).")
        std = std_of(fan_in, fan_out)
        got = float(W.std())
        if not abs(got - std) <= 0.03 * std:
            fail(_std_message(name, got, std, fan_in, fan_out, formula, case))
        if abs(W.mean()) > 5 * std / np.sqrt(W.size):
            fail(
                f"The mean of {name}'s weights is {W.mean():.4g} ({case}); expected about 0: "
                "draw from a normal distribution centred at 0."
            )
        kurt = _kurtosis(W)
        if not 2.8 < kurt < 3.2:
            fail(
                f"{name}'s weights have the right spread but not a normal shape (kurtosis "
                f"{kurt:.2f}, a normal distribution has 3; a uniform one 1.8) ({case}). Draw "
                "them with rng.normal(0, std, size=(fan_in, fan_out))."
            )
    # the randomness comes from rng: checked once, on the first fans (drawing is the slow part)
    W, (fan_in, fan_out), seed = first, fans[0], seeds[0]
    case = f"fan_in = {fan_in}, fan_out = {fan_out}"
    again = call_student(student, fan_in, fan_out, np.random.default_rng(seed), case=case)
    if not (isinstance(again, np.ndarray) and again.shape == W.shape and np.array_equal(again, W)):
        fail(
            f"{name} returned different weights for two generators with the same seed "
            f"({case}): draw every random number from the rng argument, not from "
            "np.random.* (the global generator)."
        )
    other = call_student(student, fan_in, fan_out, np.random.default_rng(seed + 1), case=case)
    if isinstance(other, np.ndarray) and other.shape == W.shape and np.array_equal(other, W):
        fail(
            f"{name} returned the same weights for two different seeds ({case}): use the rng "
            "you are given instead of making your own generator with a fixed seed."
        )
    # a small layer too: the function must not assume large fans
    small = call_student(student, 1, 3, np.random.default_rng(0), case="fan_in = 1, fan_out = 3")
    if not isinstance(small, np.ndarray) or small.shape != (1, 3):
        fail(f"{name}(1, 3, rng) should return an array of shape (1, 3).")


def _std_message(name, got, std, fan_in, fan_out, formula, case):
    candidates = {
        "sqrt(2 / fan_in)": np.sqrt(2 / fan_in),
        "sqrt(2 / fan_out)": np.sqrt(2 / fan_out),
        "sqrt(1 / fan_in)": np.sqrt(1 / fan_in),
        "sqrt(2 / (fan_in + fan_out))": np.sqrt(2 / (fan_in + fan_out)),
        "sqrt(1 / (fan_in + fan_out))": np.sqrt(1 / (fan_in + fan_out)),
        "sqrt(6 / (fan_in + fan_out))": np.sqrt(6 / (fan_in + fan_out)),
        "2 / fan_in (the variance, not its square root)": 2 / fan_in,
        "2 / (fan_in + fan_out) (the variance, not its square root)": 2 / (fan_in + fan_out),
        "1 (no scaling)": 1.0,
    }
    match = next(
        (label for label, value in candidates.items() if abs(got - value) <= 0.03 * value), None
    )
    hint = f" It looks like you used std = {match}." if match else ""
    return (
        f"The standard deviation of {name}'s weights is {got:.4g} ({case}); expected "
        f"{formula} = {std:.4g}.{hint} rng.normal takes the standard deviation (not the "
        "variance) as its scale."
    )


@register_custom(f"{_A}.xavier_init")
def _xavier_init(student, rng, hidden):
    _check_init(
        student,
        "xavier_init",
        lambda i, o: np.sqrt(2 / (i + o)),
        "sqrt(2 / (fan_in + fan_out))",
        rng,
        hidden,
    )


@register_custom(f"{_A}.he_init")
def _he_init(student, rng, hidden):
    _check_init(student, "he_init", lambda i, o: np.sqrt(2 / i), "sqrt(2 / fan_in)", rng, hidden)


# --- depth_experiment --------------------------------------------------------------------------


def _what(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return type(value).__name__


def _run_experiment(student, depth, seed, case):
    got = call_student(student, depth, np.random.default_rng(seed), case=case)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(
            "depth_experiment should return 2 arrays (sigmoid_norms, relu_norms), but returned "
            f"{_what(got)} ({case})."
        )
    out = []
    for name, norms in zip(("sigmoid_norms", "relu_norms"), got, strict=True):
        if not isinstance(norms, np.ndarray):
            fail(
                f"depth_experiment's {name} should be a NumPy array, got "
                f"{type(norms).__name__} ({case})."
            )
        if norms.shape != (depth,):
            fail(
                f"depth_experiment's {name} has shape {norms.shape} ({case}); expected ({depth},): "
                "one norm per dense layer, the output layer included."
            )
        if norms.dtype.kind != "f" or not np.all(np.isfinite(norms)) or np.any(norms <= 0):
            fail(
                f"depth_experiment's {name} must hold positive, finite norms; got {norms} ({case})."
            )
        out.append(norms.astype(np.float64))
    return out


@register_custom(f"{_A}.depth_experiment")
def _depth_experiment(student, rng, hidden):
    depths = [16] + ([20] if hidden else [])
    for depth in depths:
        seed = int(rng.integers(2**31))
        case = f"depth = {depth}, rng = default_rng({seed})"
        sig, relu = _run_experiment(student, depth, seed, case)
        ratio_sig = sig[0] / sig[-2]
        ratio_relu = relu[0] / relu[-2]
        if ratio_sig > 1e3:
            fail(
                f"In your sigmoid network the gradient norm grows towards the first layer "
                f"(layer 1: {sig[0]:.3g}, layer {depth - 1}: {sig[-2]:.3g}) ({case}). Is the "
                "array in reverse order? norms[0] must be layer 1, next to the input."
            )
        if not ratio_sig < 1e-5:
            fail(
                f"The sigmoid network with Xavier initialisation should show vanishing gradients: "
                f"layer 1 should get less than 1e-5 of the gradient norm of layer {depth - 1}, "
                f"but the ratio is {ratio_sig:.3g} ({case}). Use sigmoid hidden layers, "
                "xavier_init weights and zero biases."
            )
        if not sig[0] < sig[depth // 2] < sig[-2]:
            fail(
                f"The sigmoid network's gradient norms should shrink from the last hidden layer "
                f"to the first ({case}); got {np.array2string(sig, precision=2)}."
            )
        if not 0.05 < ratio_relu < 20:
            fail(
                f"The ReLU network with He initialisation should keep its gradient norms level: "
                f"layer 1 / layer {depth - 1} = {ratio_relu:.3g}, expected between 0.05 and 20 "
                f"({case}). Use ReLU hidden layers, he_init weights and zero biases."
            )
        again = _run_experiment(student, depth, seed, case)
        if not (np.array_equal(again[0], sig) and np.array_equal(again[1], relu)):
            fail(
                "depth_experiment gave different results for two generators with the same seed "
                f"({case}): draw every random number (data, labels, weights) from rng."
            )
        other = _run_experiment(student, depth, seed + 1, case)
        if np.array_equal(other[0], sig) or np.array_equal(other[1], relu):
            fail(
                f"depth_experiment gave the same norms for two different seeds ({case}): use the "
                "rng you are given, not a generator of your own."
            )
    # a shallow network: only the shape and validity of the result are checked
    _run_experiment(student, 3, 0, "depth = 3, rng = default_rng(0)")
