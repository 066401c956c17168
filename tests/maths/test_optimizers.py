"""Tests for backproplab.optimizers: the exact rules of DESIGN.md, step by step."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backproplab.optimizers import (
    OPTIMIZER_NAMES,
    RuleError,
    adagrad_update,
    adam_update,
    make_optimizer,
    momentum_update,
    nesterov_update,
    rmsprop_update,
    sgd_update,
)
from backproplab.surfaces import SURFACES, descend

# One shared two-step scenario: the gradients are given (not computed from a function), so each
# expected value below is a line of arithmetic on these numbers.
W0 = np.array([1.0, -2.0])
G1 = np.array([0.5, -4.0])
G2 = np.array([1.0, 2.0])
LR = 0.1
Z = np.zeros(2)


# --- hand-computed first two steps -----------------------------------------------------------


def test_sgd_two_steps():
    w1 = sgd_update(W0, G1, LR)
    w2 = sgd_update(w1, G2, LR)
    np.testing.assert_allclose(w1, [1.0 - 0.05, -2.0 + 0.4])
    np.testing.assert_allclose(w2, [0.95 - 0.1, -1.6 - 0.2])


def test_momentum_two_steps():
    w1, v1 = momentum_update(W0, G1, Z, LR, beta=0.9)
    # v1 = g1; w1 = w0 - 0.1 * v1
    np.testing.assert_allclose(v1, [0.5, -4.0])
    np.testing.assert_allclose(w1, [0.95, -1.6])
    w2, v2 = momentum_update(w1, G2, v1, LR, beta=0.9)
    # v2 = 0.9 * [0.5, -4] + [1, 2] = [1.45, -1.6]
    np.testing.assert_allclose(v2, [1.45, -1.6])
    np.testing.assert_allclose(w2, [0.95 - 0.145, -1.6 + 0.16])


def test_nesterov_two_steps():
    w1, v1 = nesterov_update(W0, G1, Z, LR, beta=0.9)
    # v1 = g1; step = 0.1 * (g1 + 0.9 * g1) = 0.19 * g1
    np.testing.assert_allclose(v1, [0.5, -4.0])
    np.testing.assert_allclose(w1, [1.0 - 0.095, -2.0 + 0.76])
    w2, v2 = nesterov_update(w1, G2, v1, LR, beta=0.9)
    # v2 = [1.45, -1.6]; step = 0.1 * ([1, 2] + 0.9 * [1.45, -1.6]) = 0.1 * [2.305, 0.56]
    np.testing.assert_allclose(v2, [1.45, -1.6])
    np.testing.assert_allclose(w2, [0.905 - 0.2305, -1.24 - 0.056])


def test_adagrad_two_steps():
    w1, c1 = adagrad_update(W0, G1, Z, LR)
    # c1 = g1^2, so g1 / sqrt(c1) = sign(g1): the first step is lr in every coordinate
    np.testing.assert_allclose(c1, [0.25, 16.0])
    np.testing.assert_allclose(w1, [0.9, -1.9])
    w2, c2 = adagrad_update(w1, G2, c1, LR)
    np.testing.assert_allclose(c2, [1.25, 20.0])
    np.testing.assert_allclose(
        w2, [0.9 - 0.1 * 1.0 / np.sqrt(1.25), -1.9 - 0.1 * 2.0 / np.sqrt(20.0)]
    )


def test_rmsprop_two_steps():
    w1, c1 = rmsprop_update(W0, G1, Z, LR, rho=0.9)
    # c1 = 0.1 * g1^2, so the step is lr * sign(g1) / sqrt(0.1)
    np.testing.assert_allclose(c1, [0.025, 1.6])
    s = 0.1 / np.sqrt(0.1)
    np.testing.assert_allclose(w1, [1.0 - s, -2.0 + s])
    w2, c2 = rmsprop_update(w1, G2, c1, LR, rho=0.9)
    # c2 = 0.9 * c1 + 0.1 * g2^2 = [0.0225 + 0.1, 1.44 + 0.4]
    np.testing.assert_allclose(c2, [0.1225, 1.84])
    np.testing.assert_allclose(w2, [1.0 - s - 0.1 / 0.35, -2.0 + s - 0.2 / np.sqrt(1.84)])


def test_adam_two_steps():
    w1, m1, v1 = adam_update(W0, G1, Z, Z, 1, lr=LR)
    # m1 = 0.1 g1, v1 = 0.001 g1^2; corrected: m_hat = g1, v_hat = g1^2 -> step lr * sign(g1)
    np.testing.assert_allclose(m1, [0.05, -0.4])
    np.testing.assert_allclose(v1, [0.00025, 0.016])
    np.testing.assert_allclose(
        w1, [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 4.0 / (4.0 + 1e-8)]
    )
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-7)
    w2, m2, v2 = adam_update(w1, G2, m1, v1, 2, lr=LR)
    m2_expected = np.array([0.9 * 0.05 + 0.1 * 1.0, 0.9 * -0.4 + 0.1 * 2.0])
    v2_expected = np.array([0.999 * 0.00025 + 0.001 * 1.0, 0.999 * 0.016 + 0.001 * 4.0])
    np.testing.assert_allclose(m2, m2_expected)
    np.testing.assert_allclose(v2, v2_expected)
    m_hat = m2_expected / (1 - 0.9**2)
    v_hat = v2_expected / (1 - 0.999**2)
    np.testing.assert_allclose(w2, w1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))


def test_adam_bias_correction_makes_first_step_lr_sized():
    g = np.array([3.0, -0.02, 500.0])
    w, _, _ = adam_update(np.zeros(3), g, np.zeros(3), np.zeros(3), 1, lr=0.01)
    # Whatever the gradient's scale, step one is lr * sign(g).
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-6)
    # Correcting v but not m (m = 0.1 g) would move 10 times less.
    uncorrected_m_step = 0.01 * (0.1 * g) / np.sqrt(g**2)
    np.testing.assert_allclose(np.abs(w) / np.abs(uncorrected_m_step), 10.0, rtol=1e-6)


def test_adam_t_enters_the_correction():
    # Same m and v at t = 2 and at t = 50: only the bias correction differs.
    m, v = np.array([0.19]), np.array([0.001999])
    w_t2, _, _ = adam_update([0.0], [0.0], m, v, 2, lr=1.0)
    w_t50, _, _ = adam_update([0.0], [0.0], m, v, 50, lr=1.0)
    m2, v2 = 0.9 * 0.19, 0.999 * 0.001999
    np.testing.assert_allclose(w_t2, -(m2 / 0.19) / (np.sqrt(v2 / 0.001999) + 1e-8))
    np.testing.assert_allclose(
        w_t50, -(m2 / (1 - 0.9**50)) / (np.sqrt(v2 / (1 - 0.999**50)) + 1e-8)
    )


def test_eps_is_outside_the_square_root():
    # A tiny gradient into an empty cache: the step is g / (sqrt(c) + eps) = 0.5, not
    # g / sqrt(c + eps) ~ 1e-3.
    w, _ = adagrad_update([0.0], [1e-6], [0.0], 1.0, eps=1e-6)
    np.testing.assert_allclose(w, [-1e-6 / (1e-6 + 1e-6)])
    w, _ = rmsprop_update([0.0], [1e-6], [0.0], 1.0, rho=0.0, eps=1e-6)
    np.testing.assert_allclose(w, [-1e-6 / (1e-6 + 1e-6)])


def test_nesterov_differs_from_momentum_by_the_lookahead(rng):
    w, dw, v = rng.normal(size=(3, 4, 5))
    lr, beta = 0.05, 0.8
    w_m, v_m = momentum_update(w, dw, v, lr, beta)
    w_n, v_n = nesterov_update(w, dw, v, lr, beta)
    np.testing.assert_array_equal(v_m, v_n)
    # momentum steps lr * v_new, Nesterov lr * (g + beta * v_new): the gap is
    # lr * beta * (v_new - v_old).
    np.testing.assert_allclose(w_m - w_n, lr * beta * (v_m - v))


def test_zero_momentum_is_sgd(rng):
    w, dw = rng.normal(size=(2, 6))
    for rule in (momentum_update, nesterov_update):
        w_new, _ = rule(w, dw, np.zeros(6), 0.3, beta=0.0)
        np.testing.assert_allclose(w_new, sgd_update(w, dw, 0.3))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_any_shape_including_scalar(shape, rng):
    w, dw = rng.normal(size=(2, *shape))
    s = np.zeros(shape)
    assert sgd_update(w, dw, 0.1).shape == shape
    for out in (
        momentum_update(w, dw, s, 0.1),
        nesterov_update(w, dw, s, 0.1),
        adagrad_update(w, dw, s, 0.1),
        rmsprop_update(w, dw, s, 0.1),
        adam_update(w, dw, s, s, 1),
    ):
        assert all(isinstance(a, np.ndarray) and a.shape == shape for a in out)


def test_scalar_python_floats():
    np.testing.assert_allclose(sgd_update(2.0, 4.0, 0.25), 1.0)


def _calls():
    return {
        "sgd": (sgd_update, 0, {"lr": 0.1}),
        "momentum": (momentum_update, 1, {"lr": 0.1}),
        "nesterov": (nesterov_update, 1, {"lr": 0.1}),
        "adagrad": (adagrad_update, 1, {"lr": 0.1}),
        "rmsprop": (rmsprop_update, 1, {"lr": 0.1}),
        "adam": (adam_update, 2, {}),
    }


@pytest.mark.parametrize("name", list(_calls()))
def test_no_input_is_mutated(name, rng):
    rule, n_state, kw = _calls()[name]
    args = [rng.normal(size=(3, 2)) for _ in range(2 + n_state)]
    args[2:] = [np.abs(a) for a in args[2:]]  # caches are non-negative
    before = [a.copy() for a in args]
    for a in args:
        a.setflags(write=False)  # any write raises instead of passing silently
    extra = [3] if name == "adam" else []
    rule(*args, *extra, **kw)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)


# --- bad input -------------------------------------------------------------------------------


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"sgd_update: w has shape \(2,\) but dw has shape \(3,\)"):
        sgd_update(np.zeros(2), np.zeros(3), 0.1)
    with pytest.raises(ValueError, match=r"w has shape \(2,\) but v has shape \(2, 1\)"):
        momentum_update(np.zeros(2), np.zeros(2), np.zeros((2, 1)), 0.1)
    with pytest.raises(ValueError, match=r"w has shape \(2,\) but cache has shape \(\)"):
        rmsprop_update(np.zeros(2), np.zeros(2), 0.0, 0.1)
    with pytest.raises(ValueError, match=r"w has shape \(2,\) but m has shape \(3,\)"):
        adam_update(np.zeros(2), np.zeros(2), np.zeros(3), np.zeros(2), 1)


@pytest.mark.parametrize("lr", [0.0, -0.1, np.inf, np.nan])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match="lr must be"):
        sgd_update([1.0], [1.0], lr)


def test_learning_rate_must_be_a_number():
    with pytest.raises(TypeError, match="lr must be a real number"):
        sgd_update([1.0], [1.0], "0.1")


@pytest.mark.parametrize("beta", [1.0, 1.5, -0.1])
def test_decay_rates_in_unit_interval(beta):
    with pytest.raises(ValueError, match="beta"):
        momentum_update([1.0], [1.0], [0.0], 0.1, beta=beta)
    with pytest.raises(ValueError, match="rho"):
        rmsprop_update([1.0], [1.0], [0.0], 0.1, rho=beta)
    with pytest.raises(ValueError, match="beta2"):
        adam_update([1.0], [1.0], [0.0], [0.0], 1, beta2=beta)


def test_eps_must_be_positive():
    with pytest.raises(ValueError, match="eps must be > 0"):
        adagrad_update([1.0], [1.0], [0.0], 0.1, eps=0.0)


def test_adam_t_zero_is_the_off_by_one():
    with pytest.raises(ValueError, match="t = 0 is the classic off-by-one"):
        adam_update([1.0], [1.0], [0.0], [0.0], 0)
    with pytest.raises(ValueError, match="t >= 1"):
        adam_update([1.0], [1.0], [0.0], [0.0], -3)
    with pytest.raises(TypeError, match="t must be an integer"):
        adam_update([1.0], [1.0], [0.0], [0.0], 1.0)


def test_nan_gradient_raises():
    with pytest.raises(ValueError, match=r"adam_update: dw contains .*nan"):
        adam_update([1.0, 2.0], [0.5, np.nan], [0.0, 0.0], [0.0, 0.0], 1)
    with pytest.raises(ValueError, match="sgd_update: w contains"):
        sgd_update([np.nan], [1.0], 0.1)


def test_negative_squared_gradient_state_is_rejected():
    # Passing the momentum velocity (any sign) as a squared-gradient average used to give a
    # silent NaN step: sqrt(-1) under errstate(ignore).
    with pytest.raises(
        ValueError,
        match=re.escape(
            "adagrad_update: cache is a running sum of squared gradients and must be >= 0, "
            "got -1.0 at index (0,); did you pass the momentum velocity?"
        ),
    ):
        adagrad_update(np.ones(1), np.zeros(1), -np.ones(1), 0.1)
    with pytest.raises(
        ValueError, match=r"rmsprop_update: cache .* >= 0, got -2.0 at index \(1, 0\)"
    ):
        rmsprop_update(np.ones((2, 2)), np.ones((2, 2)), [[0.0, 1.0], [-2.0, -3.0]], 0.1)
    with pytest.raises(ValueError, match=r"adam_update: v .* >= 0, got -10.0 at index \(\);.*swap"):
        adam_update(1.0, 1.0, 0.0, -10.0, 1)


def test_momentum_velocity_and_adam_m_may_be_negative():
    w, v = momentum_update([0.0], [1.0], [-1.0], 0.1, beta=0.5)
    np.testing.assert_allclose(v, [0.5])  # 0.5 * -1 + 1
    np.testing.assert_allclose(w, [-0.05])
    w, v = nesterov_update([0.0], [1.0], [-1.0], 0.1, beta=0.5)
    np.testing.assert_allclose(w, [-0.1 * (1.0 + 0.25)])
    # m = 0.9 * -1 + 0.1 * 1 = -0.8, v = 0.001; t = 1: m_hat = -8, v_hat = 1
    w, m, v = adam_update([0.0], [1.0], [-1.0], [0.0], 1, lr=0.1)
    np.testing.assert_allclose(m, [-0.8])
    np.testing.assert_allclose(w, [0.1 * 8.0 / (1.0 + 1e-8)])
    # -0.0 is not negative.
    adagrad_update([1.0], [0.0], [-0.0], 0.1)


def test_overflow_gives_inf_without_warning():
    # A step that overflows float64 is divergence for the caller to detect, not a warning.
    w = sgd_update([1e308], [-1e308], 10.0)
    assert np.isinf(w).all()


# --- make_optimizer --------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_make_optimizer_matches_the_rules_for_two_steps(name):
    kw = {} if name == "adam" else {"lr": LR}
    opt = make_optimizer(name, **kw)
    state = opt.init(W0)
    w1, state = opt.update(W0, G1, state)
    w2, state = opt.update(w1, G2, state)
    rule, _, _ = _calls()[name]
    if name == "sgd":
        expected = sgd_update(sgd_update(W0, G1, LR), G2, LR)
    elif name == "adam":
        a1 = adam_update(W0, G1, Z, Z, 1)
        expected = adam_update(a1[0], G2, a1[1], a1[2], 2)[0]
        assert state["t"] == 2
    else:
        e1 = rule(W0, G1, Z, LR)
        expected = rule(e1[0], G2, e1[1], LR)[0]
    np.testing.assert_allclose(w2, expected)


def test_make_optimizer_state_and_hparams():
    assert make_optimizer("sgd", lr=0.1).init(W0) == {}
    state = make_optimizer("adam").init(np.ones((2, 3)))
    assert set(state) == {"m", "v", "t"} and state["t"] == 0
    np.testing.assert_array_equal(state["m"], np.zeros((2, 3)))
    assert make_optimizer("adam").hparams == {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert make_optimizer("rmsprop", lr=0.01).hparams == {"lr": 0.01, "rho": 0.9, "eps": 1e-8}
    assert make_optimizer("Momentum", lr=0.1).name == "momentum"


def test_make_optimizer_is_immutable():
    opt = make_optimizer("momentum", lr=0.1)
    with pytest.raises(AttributeError):
        opt.name = "sgd"
    with pytest.raises(TypeError):
        opt.hparams["lr"] = 1.0
    assert "momentum" in repr(opt) and "lr=0.1" in repr(opt)


def test_make_optimizer_update_does_not_mutate_state():
    opt = make_optimizer("adam", lr=0.1)
    state = opt.init(W0)
    before = {k: np.copy(v) for k, v in state.items()}
    opt.update(W0, G1, state)
    for k in state:
        np.testing.assert_array_equal(state[k], before[k])


def test_make_optimizer_errors():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'.*sgd, momentum, nesterov"):
        make_optimizer("adamw", lr=0.1)
    with pytest.raises(TypeError, match=r"unknown hyperparameter.*beta.*accepts lr"):
        make_optimizer("sgd", lr=0.1, beta=0.9)
    with pytest.raises(TypeError, match="needs lr"):
        make_optimizer("momentum")
    with pytest.raises(ValueError, match="beta1 must be < 1"):
        make_optimizer("adam", beta1=1.0)
    with pytest.raises(TypeError, match="name must be a string"):
        make_optimizer(sgd_update, lr=0.1)
    opt = make_optimizer("momentum", lr=0.1)
    with pytest.raises(TypeError, match=r"state must be the dict returned by init\(\)"):
        opt.update(W0, G1, {"cache": Z})


# --- convergence -----------------------------------------------------------------------------

# Per-optimizer settings and step budgets, chosen so each run ends inside the tolerance with
# a margin (the first step at which the run stays within tolerance is noted). Tolerances:
# distance to the minimum < 1e-3 on the bowl, < 1e-2 on Rosenbrock, from the surfaces' own
# default start points.
CONVERGENCE = [
    ("bowl", "sgd", {"lr": 0.07}, 300),  # within tolerance from step 113
    ("bowl", "momentum", {"lr": 0.01}, 300),  # 155
    ("bowl", "nesterov", {"lr": 0.01}, 300),  # 130
    ("bowl", "adagrad", {"lr": 1.0}, 200),  # 39
    ("bowl", "rmsprop", {"lr": 0.01, "rho": 0.999}, 500),  # 273
    ("bowl", "adam", {"lr": 0.1}, 400),  # 159
    ("rosenbrock", "sgd", {"lr": 0.0017}, 8000),  # 6649
    ("rosenbrock", "momentum", {"lr": 0.003}, 600),  # 342
    ("rosenbrock", "nesterov", {"lr": 0.001}, 1500),  # 1065
    ("rosenbrock", "adagrad", {"lr": 1.0}, 8000),  # 6660
    ("rosenbrock", "rmsprop", {"lr": 0.003}, 6000),  # 4735
    ("rosenbrock", "adam", {"lr": 0.05, "beta2": 0.99}, 1500),  # 889
]
TOLERANCE = {"bowl": 1e-3, "rosenbrock": 1e-2}


def test_convergence_table_covers_every_optimizer():
    for surface in TOLERANCE:
        assert sorted(n for s, n, _, _ in CONVERGENCE if s == surface) == sorted(OPTIMIZER_NAMES)


@pytest.mark.parametrize(("surface", "name", "hparams", "steps"), CONVERGENCE)
def test_every_optimizer_reaches_the_minimum(surface, name, hparams, steps):
    s = SURFACES[surface]
    path = descend(s, make_optimizer(name, **hparams), s.start, steps)
    assert np.isfinite(path).all()
    distance = np.linalg.norm(path[-1] - s.minima[0])
    assert distance < TOLERANCE[surface], f"{name} ended {distance:.2e} from the minimum"


# --- properties ------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(np.float64, 5, elements=finite), arrays(np.float64, 5, elements=finite))
def test_adam_first_step_is_at_most_lr(w, g):
    w_new, _, _ = adam_update(w, g, np.zeros(5), np.zeros(5), 1, lr=0.01)
    step = np.abs(w_new - w)
    # |g| / (|g| + eps) <= 1, plus float rounding of w itself.
    assert np.all(step <= 0.01 * (1 + 1e-9) + 1e-9 * np.abs(w))


@given(arrays(np.float64, 4, elements=finite), st.sampled_from(OPTIMIZER_NAMES))
def test_zero_gradient_from_rest_does_not_move(w, name):
    opt = make_optimizer(name, **({} if name == "adam" else {"lr": 0.5}))
    w_new, _ = opt.update(w, np.zeros(4), opt.init(w))
    np.testing.assert_array_equal(w_new, w)


@given(arrays(np.float64, 3, elements=finite), arrays(np.float64, 3, elements=finite))
def test_every_rule_steps_downhill_on_the_first_update(w, g):
    # From rest, every rule moves each coordinate against the sign of its gradient (or not at
    # all): the first step is a descent direction.
    for name in OPTIMIZER_NAMES:
        opt = make_optimizer(name, **({} if name == "adam" else {"lr": 1e-3}))
        w_new, _ = opt.update(w, g, opt.init(w))
        assert np.all((w_new - w) * g <= 0), name


# --- a student's own rule through make_optimizer(..., rule=...) ------------------------------

RULES = {
    "sgd": sgd_update,
    "momentum": momentum_update,
    "nesterov": nesterov_update,
    "adagrad": adagrad_update,
    "rmsprop": rmsprop_update,
    "adam": adam_update,
}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_reference_rule_given_as_rule_gives_the_reference_path(name):
    s = SURFACES["bowl"]
    hparams = {"lr": 0.01}
    mine = descend(s, make_optimizer(name, rule=RULES[name], **hparams), s.start, 30)
    ref = descend(s, make_optimizer(name, **hparams), s.start, 30)
    np.testing.assert_array_equal(mine, ref)


def test_a_student_rule_is_called_like_the_reference():
    calls = []

    def sign_momentum(w, dw, v, lr, beta=0.9):
        calls.append((w.copy(), dw.copy(), v.copy(), lr, beta))
        v = beta * v + np.sign(dw)
        return w - lr * v, v

    opt = make_optimizer("momentum", rule=sign_momentum, lr=0.5, beta=0.5)
    w, state = opt.update(np.array([1.0, 1.0]), np.array([3.0, -0.2]), opt.init(np.zeros(2)))
    # v = 0.5 * 0 + sign(g) = (1, -1); w = 1 - 0.5 * v
    np.testing.assert_array_equal(w, [0.5, 1.5])
    np.testing.assert_array_equal(state["v"], [1.0, -1.0])
    assert calls[0][3:] == (0.5, 0.5)
    assert repr(opt) == "make_optimizer('momentum', rule=sign_momentum, lr=0.5, beta=0.5)"


def test_a_rule_that_writes_into_its_arrays_cannot_touch_the_callers():
    def in_place(w, dw, v, lr, beta=0.9):
        w -= lr * dw
        v += dw
        return w, v

    opt = make_optimizer("momentum", rule=in_place, lr=0.1)
    w, g, state = np.ones(2), np.ones(2), {"v": np.zeros(2)}
    opt.update(w, g, state)
    np.testing.assert_array_equal(w, [1.0, 1.0])
    np.testing.assert_array_equal(state["v"], [0.0, 0.0])


def _raises(w, dw, lr):
    raise NotImplementedError("not yet")


@pytest.mark.parametrize(
    ("name", "rule", "match"),
    [
        ("sgd", _raises, r"your sgd rule _raises raised NotImplementedError: not yet"),
        ("momentum", lambda w, dw, v, lr, beta: w, r"must return a tuple \(w, v\).*ndarray"),
        ("adam", lambda w, dw, m, v, t, **k: (w, m), r"must return a tuple \(w, m, v\).*length 2"),
        ("rmsprop", lambda w, dw, c, lr, rho, eps: (w[:1], c), r"w of shape \(1,\).*\(2,\)"),
        ("adagrad", lambda w, dw, c, lr, eps: (w, "x"), r"cache that is not an array of numbers"),
        ("sgd", lambda w, dw, lr: None, r"w that is not an array of numbers|w of shape \(\)"),
    ],
)
def test_a_broken_rule_raises_rule_error_naming_the_problem(name, rule, match):
    opt = make_optimizer(name, rule=rule, **({} if name == "adam" else {"lr": 0.1}))
    with pytest.raises(RuleError, match=match) as info:
        opt.update(np.ones(2), np.ones(2), opt.init(np.ones(2)))
    if rule is _raises:
        assert isinstance(info.value.__cause__, NotImplementedError)


def test_rule_must_be_callable():
    with pytest.raises(TypeError, match="rule must be a function like sgd_update"):
        make_optimizer("sgd", rule=1.0, lr=0.1)
