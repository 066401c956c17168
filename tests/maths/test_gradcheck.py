import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays

from backproplab.gradcheck import numerical_gradient, numerical_vjp, relative_error


def test_gradient_of_a_quadratic_is_exact_up_to_rounding():
    # f = sum(x^2) + 3 x0 x1 -> grad = 2x + 3 [x1, x0]; central differences are exact for
    # quadratics apart from rounding
    x = np.array([1.0, -2.0])
    g = numerical_gradient(lambda t: np.sum(t**2) + 3 * t[0] * t[1], x)
    np.testing.assert_allclose(g, [2 - 6, -4 + 3], atol=1e-9)


def test_second_order_accuracy():
    # error of central differences on exp is ~ h^2/6 * exp(x): shrink h by 10, error by ~100
    x = np.array([0.3])
    err = [
        abs(numerical_gradient(lambda t: np.exp(t[0]), x, h=h)[0] - np.exp(0.3))
        for h in (1e-2, 1e-3)
    ]
    assert 50 < err[0] / err[1] < 150


def test_scalar_and_matrix_inputs():
    x0 = np.array(2.0)
    assert numerical_gradient(lambda t: t**3, x0) == pytest.approx(12.0, rel=1e-9)
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(numerical_gradient(lambda t: np.sum(t * t), X), 2 * X, atol=1e-9)


def test_vjp_of_a_linear_map_is_transpose_times_dout(rng):
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=4)
    dout = rng.normal(size=3)
    np.testing.assert_allclose(numerical_vjp(lambda t: A @ t, x, dout), A.T @ dout, atol=1e-9)


def test_x_is_restored_even_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(t):
        calls.append(t.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return t.sum()

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(calls[1], [1.0 - 1e-5, 2.0, 3.0])  # it did perturb


def test_x_is_restored_after_success(rng):
    x = rng.normal(size=(3, 3))
    before = x.copy()
    numerical_gradient(lambda t: np.sum(np.sin(t)), x)
    numerical_vjp(np.sin, x, np.ones((3, 3)))
    np.testing.assert_array_equal(x, before)


def test_vjp_copes_with_f_returning_a_view_of_x():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(numerical_vjp(lambda t: t, x, np.array([3.0, 4.0])), [3.0, 4.0])


def test_relative_error_definition():
    # max|a - b| / max(|a| + |b|): 0.1 / (1 + 1.1)
    assert relative_error(np.array([1.0, 0.0]), np.array([1.1, 0.0])) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    # both tiny: the 1e-8 floor keeps noise from looking like a relative error of 1
    assert relative_error(np.array([1e-12]), np.array([-1e-12])) == pytest.approx(2e-4)


@settings(max_examples=200)
@given(
    arrays(np.float64, st.integers(1, 6), elements=st.floats(-1e6, 1e6, allow_subnormal=False)),
    arrays(np.float64, st.integers(1, 6), elements=st.floats(-1e6, 1e6, allow_subnormal=False)),
)
def test_relative_error_is_never_above_the_elementwise_ratio(a, b):
    # the docstring's claim: the thresholds come from CS231n's element-wise ratio, and the
    # single global scale is the more lenient reading of them
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    scale = np.maximum(np.abs(a), np.abs(b))
    if not np.any(scale > 0):
        return
    elementwise = np.max(np.divide(np.abs(a - b), scale, out=np.zeros(n), where=scale > 0))
    assert relative_error(a, b) <= elementwise * (1 + 1e-12)


def test_checker_fails_on_a_wrong_gradient():
    x = np.array([0.5, -1.5])
    wrong = 2 * x + 0.01  # off by a little
    assert relative_error(wrong, numerical_gradient(lambda t: np.sum(t**2), x)) > 1e-3


def test_errors():
    with pytest.raises(TypeError, match="float64 numpy array"):
        numerical_gradient(lambda t: 0.0, np.array([1, 2]))
    with pytest.raises(TypeError, match="float64 numpy array"):
        numerical_gradient(lambda t: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"f must return a scalar, got shape \(2,\)"):
        numerical_gradient(lambda t: t, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(2,\) but dout has shape \(3,\)"):
        numerical_vjp(lambda t: t, np.array([1.0, 2.0]), np.ones(3))
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(lambda t: 0.0, np.ones(1), h=0)
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but b has shape \(3,\)"):
        relative_error(np.ones(2), np.ones(3))
    ro = np.ones(2)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(lambda t: 0.0, ro)
