"""Tests for backproplab.perceptron: hand-traced cases first, then properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab.perceptron import perceptron_predict, perceptron_update, step, train_perceptron

# Truth tables written out here, independently of backproplab.datasets.
GATE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_Y = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "nand": np.array([1, 1, 1, 0]),
    "xor": np.array([0, 1, 1, 0]),
}


# --- step ---------------------------------------------------------------------------------


def test_step_at_zero_is_zero():
    assert step(0.0) == 0.0
    assert step(-0.0) == 0.0
    assert step(0) == 0.0


def test_step_hand_values():
    z = np.array([[-np.inf, -2.0, -1e-300], [0.0, 1e-300, np.inf]])
    out = step(z)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    assert out.dtype == np.float64
    assert out.shape == z.shape


def test_step_scalar_in_scalar_out():
    out = step(3)
    assert np.ndim(out) == 0
    assert isinstance(out, float)
    assert out == 1.0


def test_step_rejects_nan_and_complex():
    with pytest.raises(ValueError, match="step: z contains NaN"):
        step(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="step: z must hold real numbers"):
        step(np.array([1j]))


# --- perceptron_predict -------------------------------------------------------------------


def test_predict_hand_and_gate():
    # w = (1, 1), b = -1.5: z = -1.5, -0.5, -0.5, 0.5, so only (1, 1) fires.
    y_hat = perceptron_predict(GATE_X, np.array([1.0, 1.0]), -1.5)
    np.testing.assert_array_equal(y_hat, [0.0, 0.0, 0.0, 1.0])
    assert y_hat.shape == (4,)
    assert y_hat.dtype == np.float64


def test_predict_point_on_boundary_is_zero():
    # z = 1*1 + 1*1 - 2 = 0 exactly: the step gives 0.
    assert perceptron_predict(np.array([[1.0, 1.0]]), [1.0, 1.0], -2.0)[0] == 0.0


def test_predict_single_example_gives_single_value():
    out = perceptron_predict([2.0, -1.0], [1.0, 1.0], 0.0)  # z = 1 > 0
    assert np.ndim(out) == 0
    assert out == 1.0
    assert perceptron_predict([-2.0, 1.0], [1.0, 1.0], 0.0) == 0.0  # z = -1


def test_predict_feature_mismatch_message():
    with pytest.raises(ValueError, match=r"^perceptron_predict: X has 3 features but w has 2$"):
        perceptron_predict(np.ones((4, 3)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="X has 3 features but w has 2"):
        perceptron_predict(np.ones(3), np.ones(2), 0.0)


def test_predict_bad_shapes_and_values():
    with pytest.raises(ValueError, match=r"perceptron_predict: X must be \(N, D\)"):
        perceptron_predict(np.ones((2, 2, 2)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="perceptron_predict: w must be 1-D"):
        perceptron_predict(np.ones((2, 2)), np.ones((2, 1)), 0.0)
    with pytest.raises(TypeError, match="perceptron_predict: b must be a real number"):
        perceptron_predict(np.ones((2, 2)), np.ones(2), [0.0])
    with pytest.raises(ValueError, match="perceptron_predict: X contains"):
        perceptron_predict(np.array([[np.nan, 0.0]]), np.ones(2), 0.0)


# --- perceptron_update --------------------------------------------------------------------


def test_update_false_negative_by_hand():
    # z = 0.5*1 + (-1)*2 + 0.25 = -1.25 -> y_hat = 0, error = 1 - 0 = 1
    # w = (0.5, -1) + 0.1*1*(1, 2) = (0.6, -0.8); b = 0.25 + 0.1 = 0.35
    w, b = perceptron_update(np.array([0.5, -1.0]), 0.25, np.array([1.0, 2.0]), 1, lr=0.1)
    np.testing.assert_allclose(w, [0.6, -0.8], rtol=0, atol=1e-15)
    assert b == pytest.approx(0.35, abs=1e-15)


def test_update_false_positive_by_hand():
    # z = 1*3 + 0 = 3 -> y_hat = 1, error = 0 - 1 = -1
    # w = (1, 1) - 0.5*(3, -1) = (-0.5, 1.5); b = 0 - 0.5 = -0.5
    w, b = perceptron_update([1.0, 1.0], 0.0, [3.0, -1.0], 0, lr=0.5)
    np.testing.assert_array_equal(w, [-0.5, 1.5])
    assert b == -0.5


def test_update_correct_prediction_changes_nothing_but_returns_new_array():
    w0 = np.array([1.0, -1.0])
    w, b = perceptron_update(w0, 0.5, np.array([2.0, 1.0]), 1, lr=1.0)  # z = 1.5 -> 1, right
    np.testing.assert_array_equal(w, w0)
    assert b == 0.5
    assert w is not w0
    assert not np.shares_memory(w, w0)


def test_update_does_not_mutate_inputs():
    w0, x = np.array([0.0, 0.0]), np.array([1.0, 1.0])
    w_copy, x_copy = w0.copy(), x.copy()
    perceptron_update(w0, 0.0, x, 1, 1.0)  # a real update happens (z = 0 -> 0, y = 1)
    np.testing.assert_array_equal(w0, w_copy)
    np.testing.assert_array_equal(x, x_copy)


def test_update_bad_inputs():
    with pytest.raises(ValueError, match="perceptron_update: x has 3 features but w has 2"):
        perceptron_update(np.zeros(2), 0.0, np.ones(3), 1, 1.0)
    with pytest.raises(ValueError, match="perceptron_update: y must be a 0/1 label, got -1"):
        perceptron_update(np.zeros(2), 0.0, np.ones(2), -1, 1.0)
    with pytest.raises(ValueError, match="perceptron_update: lr must be > 0"):
        perceptron_update(np.zeros(2), 0.0, np.ones(2), 1, 0.0)
    with pytest.raises(ValueError, match="perceptron_update: x must be 1-D"):
        perceptron_update(np.zeros(2), 0.0, np.ones((1, 2)), 1, 1.0)


# --- train_perceptron: hand trace ---------------------------------------------------------


def test_first_epoch_on_and_traced_by_hand():
    # w = (0, 0), b = 0, lr = 1, examples in order:
    #   (0,0) y=0: z = 0      -> y_hat 0, error 0, no change
    #   (0,1) y=0: z = 0      -> y_hat 0, error 0
    #   (1,0) y=0: z = 0      -> y_hat 0, error 0
    #   (1,1) y=1: z = 0      -> y_hat 0, error 1: w = (1, 1), b = 1
    # One mistake in epoch 1.
    w, b, errors = train_perceptron(GATE_X, GATE_Y["and"], lr=1.0, epochs=1)
    np.testing.assert_array_equal(w, [1.0, 1.0])
    assert b == 1.0
    np.testing.assert_array_equal(errors, [1])


def test_second_epoch_on_and_traced_by_hand():
    # Continue from w = (1, 1), b = 1:
    #   (0,0) y=0: z = 1        -> y_hat 1, error -1: w = (1, 1), b = 0
    #   (0,1) y=0: z = 1 + 0    -> y_hat 1, error -1: w = (1, 0), b = -1
    #   (1,0) y=0: z = 1 - 1= 0 -> y_hat 0, error 0
    #   (1,1) y=1: z = 1+0-1= 0 -> y_hat 0, error 1:  w = (2, 1), b = 0
    w, b, errors = train_perceptron(GATE_X, GATE_Y["and"], lr=1.0, epochs=2)
    np.testing.assert_array_equal(w, [2.0, 1.0])
    assert b == 0.0
    np.testing.assert_array_equal(errors, [1, 3])


def test_learning_rate_scales_the_weights_from_zero():
    # From w = 0, b = 0, every prediction depends only on the sign of z, and each update adds
    # lr * error * (x, 1): so the weights after any number of epochs are lr times those for lr=1.
    w1, b1, e1 = train_perceptron(GATE_X, GATE_Y["or"], lr=1.0, epochs=3)
    w2, b2, e2 = train_perceptron(GATE_X, GATE_Y["or"], lr=0.25, epochs=3)
    np.testing.assert_array_equal(w2, 0.25 * w1)
    assert b2 == 0.25 * b1
    np.testing.assert_array_equal(e1, e2)


# --- train_perceptron: what it can and cannot learn ---------------------------------------


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
def test_learns_separable_gates(gate):
    w, b, errors = train_perceptron(GATE_X, GATE_Y[gate], epochs=100)
    assert errors[-1] == 0
    assert np.all(errors[:-1] > 0)  # stopped at the first clean epoch, not later
    assert len(errors) < 100
    np.testing.assert_array_equal(perceptron_predict(GATE_X, w, b), GATE_Y[gate])


def test_cannot_learn_xor():
    w, b, errors = train_perceptron(GATE_X, GATE_Y["xor"], epochs=100)
    assert len(errors) == 100
    assert np.all(errors > 0)
    assert np.any(perceptron_predict(GATE_X, w, b) != GATE_Y["xor"])


def _separable_on_grid(y):
    """Does any (w1, w2, b) on a grid classify all four gate inputs right?

    Scaling (w, b) by a positive factor does not change predictions, so the cube [-1, 1]^3
    covers every line up to the grid's resolution.
    """
    grid = np.linspace(-1.0, 1.0, 51)
    w1, w2, b = np.meshgrid(grid, grid, grid, indexing="ij")
    z = w1[..., None] * GATE_X[:, 0] + w2[..., None] * GATE_X[:, 1] + b[..., None]
    correct = ((z > 0).astype(int) == y).all(axis=-1)
    return bool(correct.any())


def test_no_line_separates_xor_but_lines_separate_and_or():
    # Independent of training: the same brute-force search finds separators for AND and OR
    # (so it can succeed) and none for XOR.
    assert _separable_on_grid(GATE_Y["and"])
    assert _separable_on_grid(GATE_Y["or"])
    assert _separable_on_grid(GATE_Y["nand"])
    assert not _separable_on_grid(GATE_Y["xor"])


# --- train_perceptron: reproducibility, contract, errors ----------------------------------


def _two_clusters(rng, n=40):
    X = np.concatenate([rng.normal(2.0, 0.5, (n // 2, 2)), rng.normal(-2.0, 0.5, (n // 2, 2))])
    y = np.repeat([1, 0], n // 2)
    return X, y


def test_training_reproducible_with_same_rng(rng):
    X, y = _two_clusters(rng)
    a = train_perceptron(X, y, rng=np.random.default_rng(7))
    b = train_perceptron(X, y, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    np.testing.assert_array_equal(a[2], b[2])


def test_rng_changes_the_visiting_order():
    # In order, the first epoch on XOR is fixed; shuffled orders give other weights for
    # some seeds (they must, or rng would be ignored).
    w_fixed, _, _ = train_perceptron(GATE_X, GATE_Y["xor"], epochs=1)
    results = {
        (*train_perceptron(GATE_X, GATE_Y["xor"], epochs=1, rng=np.random.default_rng(s))[0],)
        for s in range(20)
    }
    assert len(results - {tuple(w_fixed)}) > 0


def test_train_returns_types_and_shapes(rng):
    X, y = _two_clusters(rng)
    w, b, errors = train_perceptron(X, y)
    assert w.shape == (2,) and w.dtype == np.float64
    assert isinstance(b, float)
    assert errors.dtype == np.int64 and errors.ndim == 1
    assert 1 <= len(errors) <= 100


def test_train_accepts_bool_and_float_labels():
    expected = train_perceptron(GATE_X, GATE_Y["and"])
    for y in (GATE_Y["and"].astype(bool), GATE_Y["and"].astype(float)):
        w, b, errors = train_perceptron(GATE_X, y)
        np.testing.assert_array_equal(w, expected[0])
        assert b == expected[1]
        np.testing.assert_array_equal(errors, expected[2])


def test_train_does_not_mutate_inputs(rng):
    X, y = _two_clusters(rng)
    X_copy, y_copy = X.copy(), y.copy()
    train_perceptron(X, y, rng=rng)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_train_bad_inputs():
    with pytest.raises(
        ValueError, match=r"train_perceptron: labels must be 0 or 1, got \[-1.0, 2.0\]"
    ):
        train_perceptron(GATE_X, [0, 2, -1, 1])
    with pytest.raises(ValueError, match="train_perceptron: X has 4 examples but y has 3"):
        train_perceptron(GATE_X, [0, 1, 1])
    with pytest.raises(ValueError, match="train_perceptron: X must be 2-D"):
        train_perceptron(np.ones(4), [0, 1, 1, 0])
    with pytest.raises(ValueError, match="train_perceptron: y must be 1-D"):
        train_perceptron(GATE_X, np.ones((4, 1)))
    with pytest.raises(ValueError, match="train_perceptron: X is empty"):
        train_perceptron(np.ones((0, 2)), np.ones(0))
    with pytest.raises(ValueError, match="train_perceptron: lr must be > 0"):
        train_perceptron(GATE_X, GATE_Y["and"], lr=-1.0)
    with pytest.raises(ValueError, match="train_perceptron: epochs must be >= 1"):
        train_perceptron(GATE_X, GATE_Y["and"], epochs=0)
    with pytest.raises(TypeError, match="train_perceptron: epochs must be an integer"):
        train_perceptron(GATE_X, GATE_Y["and"], epochs=2.5)
    with pytest.raises(
        TypeError, match=r"train_perceptron: rng must be a numpy\.random\.Generator"
    ):
        train_perceptron(GATE_X, GATE_Y["and"], rng=0)


# --- properties ---------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=20))
def test_step_is_indicator_of_positive(values):
    z = np.array(values)
    out = step(z)
    assert set(np.unique(out)) <= {0.0, 1.0}
    np.testing.assert_array_equal(out == 1.0, z > 0)


@given(st.integers(0, 2**32 - 1), st.integers(1, 8), st.integers(1, 5))
def test_predict_batch_matches_single_examples(seed, n, d):
    g = np.random.default_rng(seed)
    X, w, b = g.normal(size=(n, d)), g.normal(size=d), float(g.normal())
    batch = perceptron_predict(X, w, b)
    singles = np.array([perceptron_predict(x, w, b) for x in X])
    np.testing.assert_array_equal(batch, singles)


@given(st.integers(0, 2**32 - 1), st.integers(2, 30))
def test_novikoff_mistake_bound_on_separable_data(seed, n):
    # Data labelled by a random line with a margin. With lr = 1 and zero start, the total
    # number of mistakes is at most (R / gamma)^2 (Novikoff), with R = max ||(x, 1)|| and
    # gamma the margin of the true (w*, b*) normalised to unit length.
    g = np.random.default_rng(seed)
    u = np.append(g.normal(size=2), g.uniform(-0.5, 0.5))
    u /= np.linalg.norm(u)
    X = g.uniform(-1.0, 1.0, size=(4 * n, 2))
    margin = X @ u[:2] + u[2]
    keep = np.abs(margin) > 0.05
    X, margin = X[keep][:n], margin[keep][:n]
    if X.shape[0] == 0:
        return
    y = (margin > 0).astype(int)
    w, b, errors = train_perceptron(X, y, epochs=100_000)
    assert errors[-1] == 0
    np.testing.assert_array_equal(perceptron_predict(X, w, b), y)
    R2 = np.max(np.sum(X**2, axis=1) + 1.0)
    gamma = np.min(np.abs(margin))
    assert errors.sum() <= R2 / gamma**2
