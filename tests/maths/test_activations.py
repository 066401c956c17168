import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backproplab import activations as act
from backproplab.gradcheck import numerical_vjp, relative_error

ELEMENTWISE = [
    (act.identity, act.identity_grad),
    (act.sigmoid, act.sigmoid_grad),
    (act.tanh, act.tanh_grad),
    (act.relu, act.relu_grad),
    (act.leaky_relu, act.leaky_relu_grad),
]
IDS = [f.__name__ for f, _ in ELEMENTWISE]


# --- hand-computed values -------------------------------------------------------------------


def test_sigmoid_hand_values():
    # sigma(ln 3) = 1 / (1 + 1/3) = 3/4; sigma(0) = 1/2
    np.testing.assert_allclose(act.sigmoid(np.array([0.0, math.log(3.0)])), [0.5, 0.75])
    assert act.sigmoid_grad(0.0) == 0.25


def test_tanh_hand_values():
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6, so tanh' = 1 - 0.36 = 0.64
    assert act.tanh(math.log(2.0)) == pytest.approx(0.6)
    assert act.tanh_grad(math.log(2.0)) == pytest.approx(0.64)


def test_relu_and_leaky_relu_hand_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu_grad(z), [0.0, 0.0, 1.0])  # relu_grad(0) == 0
    np.testing.assert_allclose(act.leaky_relu(z, alpha=0.1), [-0.2, 0.0, 3.0])
    np.testing.assert_allclose(act.leaky_relu_grad(z, alpha=0.1), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(act.leaky_relu(z), [-0.02, 0.0, 3.0])  # default leak 0.01


def test_identity_returns_a_copy():
    z = np.array([1.0, -2.0])
    out = act.identity(z)
    np.testing.assert_array_equal(out, z)
    assert out is not z and not np.shares_memory(out, z)
    np.testing.assert_array_equal(act.identity_grad(z), [1.0, 1.0])


def test_softmax_hand_values():
    # exp(0), exp(ln 2), exp(ln 3) = 1, 2, 3 -> 1/6, 2/6, 3/6
    z = np.array([0.0, math.log(2.0), math.log(3.0)])
    np.testing.assert_allclose(act.softmax(z), [1 / 6, 2 / 6, 3 / 6])
    np.testing.assert_allclose(act.softmax(np.stack([z, z]), axis=1), [[1 / 6, 1 / 3, 1 / 2]] * 2)
    np.testing.assert_allclose(
        act.softmax(np.stack([z, z]).T, axis=0).T, [[1 / 6, 1 / 3, 1 / 2]] * 2
    )


def test_sigmoid_derivative_bounded_by_a_quarter():
    z = np.linspace(-20, 20, 4001)
    assert act.sigmoid_grad(z).max() == pytest.approx(0.25)
    assert np.argmax(act.sigmoid_grad(z)) == 2000  # at z = 0


def test_scalar_in_scalar_out():
    for f, g in ELEMENTWISE:
        assert np.ndim(f(0.5)) == 0 and np.ndim(g(0.5)) == 0


# --- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize(("f", "grad"), ELEMENTWISE, ids=IDS)
def test_grad_matches_numerical_derivative(f, grad, rng):
    z = rng.normal(size=(4, 5)) * 3
    z[np.abs(z) < 1e-3] = 0.5  # stay away from the ReLU kink
    dout = np.ones_like(z)  # elementwise function: the VJP with ones is the derivative
    assert relative_error(grad(z), numerical_vjp(f, z, dout)) < 1e-7


def test_softmax_backward_matches_numerical_vjp(rng):
    z = rng.normal(size=(3, 4))
    dout = rng.normal(size=(3, 4))
    s = act.softmax(z)
    assert relative_error(act.softmax_backward(dout, s), numerical_vjp(act.softmax, z, dout)) < 1e-7


def test_softmax_backward_along_axis0(rng):
    z = rng.normal(size=(4, 3))
    dout = rng.normal(size=(4, 3))
    s = act.softmax(z, axis=0)
    num = numerical_vjp(lambda t: act.softmax(t, axis=0), z, dout)
    assert relative_error(act.softmax_backward(dout, s, axis=0), num) < 1e-7


def test_wrong_gradient_is_caught(rng):
    # The check must be able to fail: sigma(z) instead of sigma(z)(1 - sigma(z)).
    z = rng.normal(size=10)
    assert relative_error(act.sigmoid(z), numerical_vjp(act.sigmoid, z, np.ones(10))) > 1e-2


# --- stability ------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [act.sigmoid, act.sigmoid_grad, act.tanh, act.tanh_grad, act.softmax])
def test_finite_and_silent_for_huge_inputs(f):
    z = np.array([-1e4, -745.0, -50.0, 0.0, 50.0, 745.0, 1e4, 1e300, -1e300, 1.7e308, -1.7e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = f(z)
    assert np.all(np.isfinite(out))


def test_stable_values_at_extremes():
    np.testing.assert_array_equal(act.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])
    np.testing.assert_allclose(act.softmax(np.array([1e4, 0.0, -1e4])), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(act.softmax(np.array([1e4, 1e4])), [0.5, 0.5])
    # sigmoid keeps relative precision for very negative z (the naive form rounds 1 + e^z)
    assert act.sigmoid(-40.0) == pytest.approx(math.exp(-40.0), rel=1e-12)


def test_sigmoid_accepts_infinity():
    np.testing.assert_array_equal(act.sigmoid(np.array([-np.inf, np.inf])), [0.0, 1.0])


# --- properties -----------------------------------------------------------------------------

finite = st.floats(-1e4, 1e4, allow_nan=False)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=finite)
)
def test_sigmoid_symmetry(z):
    np.testing.assert_allclose(act.sigmoid(-z), 1.0 - act.sigmoid(z), atol=1e-15)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=finite),
    st.floats(-1e3, 1e3),
)
def test_softmax_rows_sum_to_one_and_ignore_shift(z, c):
    s = act.softmax(z)
    assert np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(act.softmax(z + c), s, atol=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-30, 30)))
def test_tanh_is_rescaled_sigmoid(z):
    # tanh(z) = 2 sigma(2z) - 1, an identity the book uses
    np.testing.assert_allclose(act.tanh(z), 2 * act.sigmoid(2 * z) - 1, atol=1e-14)


# --- bad input and purity -------------------------------------------------------------------


@pytest.mark.parametrize(("f", "grad"), ELEMENTWISE, ids=IDS)
def test_nan_rejected_with_index(f, grad):
    with pytest.raises(ValueError, match=r"contains .*\(nan\) at index \(1,\)"):
        f(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"(?i)\bnan\b"):
        grad(np.array([np.nan]))


def test_bad_dtype_and_alpha():
    with pytest.raises(TypeError, match=r"real numbers.*complex"):
        act.sigmoid(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="dtype <U1"):
        act.relu(np.array(["a"]))
    with pytest.raises(ValueError, match=r"alpha .* \[0, 1\)"):
        act.leaky_relu(np.ones(2), alpha=1.5)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        act.leaky_relu_grad(np.ones(2), alpha=-0.1)


def test_softmax_errors():
    with pytest.raises(ValueError, match="non-finite"):
        act.softmax(np.array([np.inf, 0.0]))
    with pytest.raises(ValueError, match="scalar"):
        act.softmax(1.0)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        act.softmax(np.ones((2, 2)), axis=2)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3\) but s has shape \(2, 2\)"):
        act.softmax_backward(np.ones((2, 3)), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="did you pass the logits"):
        act.softmax_backward(np.ones(3), np.array([3.0, -1.0, 2.0]))


def test_integer_input_is_promoted():
    np.testing.assert_array_equal(act.relu(np.array([-1, 2])), [0.0, 2.0])
    assert act.relu(np.array([-1, 2])).dtype == np.float64


def test_no_function_mutates_or_writes_its_input():
    z = np.array([[-1.0, 0.0, 2.0]])
    z.flags.writeable = False  # any in-place write would raise
    for f, g in ELEMENTWISE:
        f(z)
        g(z)
    s = act.softmax(z)
    s.flags.writeable = False
    act.softmax_backward(z, s)
    np.testing.assert_array_equal(z, [[-1.0, 0.0, 2.0]])


def test_axis_errors_are_clear():
    with pytest.raises(TypeError, match="softmax: axis must be an integer"):
        act.softmax(np.ones((2, 2)), axis=1.0)
    s = act.softmax(np.ones((2, 2)))
    with pytest.raises(
        ValueError, match=r"softmax_backward: axis 5 is out of range for s of shape"
    ):
        act.softmax_backward(np.ones((2, 2)), s, axis=5)


def test_leaky_relu_refuses_infinity():
    # 0 * -inf would be NaN for alpha = 0: refused up front instead
    with pytest.raises(ValueError, match=r"non-finite value \(-inf\)"):
        act.leaky_relu(np.array([-np.inf, 1.0]), alpha=0.0)
