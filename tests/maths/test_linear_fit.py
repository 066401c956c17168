"""Tests for backproplab.linear_fit: the samples, the loss and its gradient, ridge solutions."""

import numpy as np
import pytest

from backproplab import linear_fit as lf
from backproplab.gradcheck import numerical_gradient, relative_error


def test_samples_are_reproducible_and_have_the_stated_shapes():
    a, b = lf.make_fit(3), lf.make_fit(3)
    for name in ("X", "y", "X_val", "y_val", "w_train", "w_val"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.X.shape == (lf.N_TRAIN, 2) and a.y.shape == (lf.N_TRAIN,)
    assert a.X_val.shape == (lf.N_VAL, 2) and a.y_val.shape == (lf.N_VAL,)
    assert not np.array_equal(lf.make_fit(4).X, a.X)
    with pytest.raises(ValueError, match="read-only"):
        a.X[0, 0] = 0.0


def test_samples_are_drawn_as_documented():
    # The training sample first, then the validation sample, each as inputs then noise.
    rng = np.random.default_rng(7)
    mix = np.array([[1.0, 0.0], [lf.CORRELATION, np.sqrt(1.0 - lf.CORRELATION**2)]])
    expected = []
    for n in (lf.N_TRAIN, lf.N_VAL):
        X = rng.standard_normal((n, 2)) @ mix.T
        expected += [X, X @ np.array(lf.W_TRUE) + lf.NOISE * rng.standard_normal(n)]
    fit = lf.make_fit(7)
    for got, want in zip((fit.X, fit.y, fit.X_val, fit.y_val), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_inputs_are_strongly_correlated_over_many_seeds():
    # The valley comes from the correlation: check it in the pooled validation samples.
    X = np.concatenate([lf.make_fit(s).X_val for s in range(10)])
    r = np.corrcoef(X.T)[0, 1]
    assert abs(r - lf.CORRELATION) < 0.02


def test_least_squares_weights_are_lstsq():
    fit = lf.make_fit(0)
    for X, y, w in ((fit.X, fit.y, fit.w_train), (fit.X_val, fit.y_val, fit.w_val)):
        np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12)
        # the normal equations X^T (X w - y) = 0
        np.testing.assert_allclose(X.T @ (X @ w - y), 0.0, atol=1e-10)


def test_mse_by_hand_and_vectorised(rng):
    fit = lf.make_fit(1)
    w = rng.normal(size=(4, 3, 2))
    got = lf.loss(fit.X, fit.y, w)
    assert got.shape == (4, 3)
    for i, j in ((0, 0), (3, 2)):
        by_hand = sum((x @ w[i, j] - t) ** 2 for x, t in zip(fit.X, fit.y, strict=True)) / 20
        np.testing.assert_allclose(got[i, j], by_hand, rtol=1e-13)


@pytest.mark.parametrize("excess", [False, True])
def test_gradients_match_numerical_gradients(excess, rng):
    fit = lf.make_fit(5)
    if excess:
        loss, grad = (
            lambda v, f=f: f(fit.gram, fit.w_train, v)
            for f in (lf.excess_loss, lf.excess_loss_grad)
        )
    else:
        loss, grad = (lambda v, f=f: f(fit.X, fit.y, v) for f in (lf.loss, lf.loss_grad))
    for _ in range(5):
        w = rng.uniform(-3, 3, size=2)
        assert relative_error(grad(w), numerical_gradient(loss, w)) < 1e-8
    assert grad(np.zeros((4, 3, 2))).shape == (4, 3, 2) and loss(np.zeros((4, 3, 2))).shape == (
        4,
        3,
    )


def test_ridge_solution_solves_the_penalised_normal_equations():
    fit = lf.make_fit(2)
    np.testing.assert_allclose(lf.ridge_solution(fit.X, fit.y, 0.0), fit.w_train, rtol=1e-10)
    for lam in (0.1, 1.0, 10.0):
        w = lf.ridge_solution(fit.X, fit.y, lam)
        # the gradient of L + lam/2 |w|^2 is zero there
        np.testing.assert_allclose(lf.loss_grad(fit.X, fit.y, w) + lam * w, 0.0, atol=1e-12)
    path = lf.ridge_solution(fit.X, fit.y, [0.0, 1.0, 1e6])
    assert path.shape == (3, 2)
    norms = np.linalg.norm(path, axis=1)
    assert norms[0] > norms[1] > norms[2] and norms[2] < 1e-4  # shrinks to 0


def test_nearest_ridge_finds_the_strength_back():
    fit = lf.make_fit(2)
    for lam in (0.05, 0.8, 30.0):
        found, dist = lf.nearest_ridge(fit.X, fit.y, lf.ridge_solution(fit.X, fit.y, lam))
        np.testing.assert_allclose(found, lam, rtol=1e-6)
        assert dist < 1e-8
    # the least-squares weights themselves, and a point beyond them: lambda = 0
    assert lf.nearest_ridge(fit.X, fit.y, fit.w_train)[0] == 0.0
    lam, dist = lf.nearest_ridge(fit.X, fit.y, 1.5 * fit.w_train)
    assert lam == 0.0
    np.testing.assert_allclose(dist, np.linalg.norm(0.5 * fit.w_train), rtol=1e-9)


def test_nearest_ridge_is_nearer_than_any_grid_strength():
    fit = lf.make_fit(4)
    w = np.array([0.9, 0.7])
    lam, dist = lf.nearest_ridge(fit.X, fit.y, w)
    others = lf.ridge_solution(fit.X, fit.y, np.geomspace(1e-3, 1e3, 1000))
    assert dist <= np.min(np.linalg.norm(others - w, axis=1)) + 1e-12
    np.testing.assert_allclose(np.linalg.norm(lf.ridge_solution(fit.X, fit.y, lam) - w), dist)


def test_bad_input_is_named():
    fit = lf.make_fit(0)
    with pytest.raises(ValueError, match=r"loss: w must have shape \(\.\.\., 2\)"):
        lf.loss(fit.X, fit.y, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"loss_grad: X must have shape \(N, 2\)"):
        lf.loss_grad(fit.X[:5], fit.y, [1.0, 2.0])
    with pytest.raises(ValueError, match="non-finite"):
        lf.loss(fit.X, fit.y, [np.nan, 0.0])
    with pytest.raises(ValueError, match="ridge_solution: lam must be a number >= 0"):
        lf.ridge_solution(fit.X, fit.y, -1.0)
    with pytest.raises(ValueError, match=r"nearest_ridge: w must have shape \(2,\)"):
        lf.nearest_ridge(fit.X, fit.y, np.zeros((3, 2)))
    with pytest.raises(TypeError, match="seed must be an integer"):
        lf.make_fit(1.5)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        lf.make_fit(-1)


def test_excess_mse_is_the_loss_above_its_minimum(rng):
    fit = lf.make_fit(6)
    np.testing.assert_allclose(fit.gram, fit.X.T @ fit.X / lf.N_TRAIN, rtol=1e-14)
    np.testing.assert_allclose(fit.gram_val, fit.X_val.T @ fit.X_val / lf.N_VAL, rtol=1e-14)
    assert fit.gram[0, 1] == fit.gram[1, 0]
    w = rng.uniform(-2, 3, size=(5, 2))
    for gram, w_min, X, y in (
        (fit.gram, fit.w_train, fit.X, fit.y),
        (fit.gram_val, fit.w_val, fit.X_val, fit.y_val),
    ):
        direct = lf.loss(X, y, w) - lf.loss(X, y, w_min)
        np.testing.assert_allclose(lf.excess_loss(gram, w_min, w), direct, rtol=1e-9, atol=1e-13)
        assert float(lf.excess_loss(gram, w_min, w_min)) == 0.0
        np.testing.assert_array_equal(lf.excess_loss_grad(gram, w_min, w_min), [0.0, 0.0])
        # the gradient of the excess is the gradient of the loss itself
        np.testing.assert_allclose(
            lf.excess_loss_grad(gram, w_min, w), lf.loss_grad(X, y, w), rtol=1e-9, atol=1e-12
        )


def test_excess_mse_rejects_bad_shapes():
    fit = lf.make_fit(0)
    with pytest.raises(ValueError, match=r"excess_loss: gram must have shape \(2, 2\)"):
        lf.excess_loss(np.eye(3), fit.w_train, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"excess_loss_grad: w must have shape \(\.\.\., 2\)"):
        lf.excess_loss_grad(fit.gram, fit.w_train, [0.0])
