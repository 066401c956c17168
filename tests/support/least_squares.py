"""A noiseless linear least-squares problem and its hand-written loss, the small model that the
tests of ``training.train`` train (tests/maths/test_training*.py)."""

import numpy as np


def least_squares(rng, N=64):
    """A noiseless linear problem y = X w* + b*, with w* = (1.5, -2, 0.5) and b* = 0.3, so the
    loss can reach 0; the parameters ``{"w", "b"}`` start at zero."""
    X = rng.normal(size=(N, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    params = {"w": np.zeros(3), "b": np.zeros(())}
    return X, y, params


def loss_and_grads(params, X, y):
    """Mean squared error of a linear model and its gradients, written out by hand."""
    r = X @ params["w"] + params["b"] - y
    n = len(y)
    return np.mean(r**2), {"w": 2.0 * X.T @ r / n, "b": 2.0 * np.mean(r)}
