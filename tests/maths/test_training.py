"""Tests for backproplab.training: mini-batches and the generic training loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab import training
from backproplab.network import init_mlp, mlp_forward, mlp_loss_and_grads
from backproplab.optimizers import adam_update, make_optimizer
from backproplab.regularization import l2_grad, l2_penalty
from backproplab.training import iterate_minibatches, should_stop, train


def _indexed(N, D=2):
    """X whose first column is the example's index, and y equal to that index (int)."""
    X = np.column_stack([np.arange(N, dtype=float), np.zeros((N, D - 1))])
    return X, np.arange(N)


# --- iterate_minibatches ---------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
def test_syllabus_case_1000_examples_at_256(shuffle, rng):
    X, y = _indexed(1000)
    sizes = [len(Xb) for Xb, _ in iterate_minibatches(X, y, 256, rng, shuffle=shuffle)]
    assert sizes == [256, 256, 256, 232]


def test_every_example_exactly_once_and_rows_stay_paired(rng):
    X, y = _indexed(103)
    seen = []
    for Xb, yb in iterate_minibatches(X, y, 10, rng):
        np.testing.assert_array_equal(Xb[:, 0], yb)
        seen.extend(yb)
    assert sorted(seen) == list(range(103))
    assert seen != list(range(103))  # and it was shuffled


def test_shuffle_is_reproducible_and_uses_only_the_given_rng():
    X, y = _indexed(50)

    def order(seed):
        rng = np.random.default_rng(seed)
        return np.concatenate([yb for _, yb in iterate_minibatches(X, y, 7, rng)])

    np.testing.assert_array_equal(order(1), order(1))
    assert not np.array_equal(order(1), order(2))
    # The documented contract (graders rely on it): one rng.permutation(N) per epoch.
    np.testing.assert_array_equal(order(1), np.random.default_rng(1).permutation(50))


def test_consecutive_epochs_differ(rng):
    X, y = _indexed(30)
    first = next(yb for _, yb in iterate_minibatches(X, y, 30, rng))
    second = next(yb for _, yb in iterate_minibatches(X, y, 30, rng))
    assert not np.array_equal(first, second)


def test_no_shuffle_keeps_the_order_and_needs_no_rng():
    X, y = _indexed(10)
    batches = list(iterate_minibatches(X, y, 4, None, shuffle=False))
    assert [list(yb) for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_full_batch_and_sgd(rng):
    X, y = _indexed(9)
    full = list(iterate_minibatches(X, y, None, rng))
    assert len(full) == 1 and full[0][0].shape == (9, 2)
    single = list(iterate_minibatches(X, y, 1, rng))
    assert len(single) == 9 and all(Xb.shape == (1, 2) and yb.shape == (1,) for Xb, yb in single)
    assert len(list(iterate_minibatches(X, y, 100, rng))) == 1


def test_batches_are_copies_and_dtypes_are_kept(rng):
    X, y = _indexed(6)
    X_before = X.copy()
    for Xb, yb in iterate_minibatches(X, y, 4, None, shuffle=False):
        assert yb.dtype == y.dtype
        Xb[:] = -1.0
    np.testing.assert_array_equal(X, X_before)


def test_minibatch_errors(rng):
    X, y = _indexed(10)
    with pytest.raises(ValueError, match=r"X has shape \(10, 2\) but y has shape \(9,\)"):
        iterate_minibatches(X, y[:9], 4, rng)  # raised at the call, before any next()
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        iterate_minibatches(X, y, 0, rng)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        iterate_minibatches(X, y, 2.0, rng)
    with pytest.raises(ValueError, match="X is empty"):
        iterate_minibatches(np.zeros((0, 2)), np.zeros(0), 4, rng)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        iterate_minibatches(X, y, 4, None)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        iterate_minibatches(X, y, 4, 42)


@given(st.integers(1, 300), st.integers(1, 320))
def test_batch_sizes_property(N, B):
    X, y = _indexed(N, D=1)
    sizes = [len(yb) for _, yb in iterate_minibatches(X, y, B, np.random.default_rng(0))]
    expected = [B] * (N // B) + ([N % B] if N % B else []) if B < N else [N]
    assert sizes == expected


# --- train -----------------------------------------------------------------------------------


def _least_squares(rng, N=64):
    """A noiseless linear problem y = X w* + b*, so the loss can reach 0."""
    X = rng.normal(size=(N, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    params = {"w": np.zeros(3), "b": np.zeros(())}
    return X, y, params


def loss_and_grads(params, X, y):
    """Mean squared error of a linear model and its gradients, written out by hand."""
    r = X @ params["w"] + params["b"] - y
    n = len(y)
    return np.mean(r**2), {"w": 2.0 * X.T @ r / n, "b": 2.0 * np.mean(r)}


def test_full_batch_epoch_is_one_gradient_step(rng):
    X, y, params = _least_squares(rng)
    new, history = train(params, loss_and_grads, X, y, make_optimizer("sgd", lr=0.1), 1, None, rng)
    # From w = 0, b = 0 the residual is -y: dL/dw = -2 X^T y / N, dL/db = -2 mean(y).
    np.testing.assert_allclose(new["w"], 0.1 * 2.0 * X.T @ y / len(y))
    np.testing.assert_allclose(new["b"], 0.1 * 2.0 * np.mean(y))
    np.testing.assert_allclose(history["loss"], [np.mean(y**2)])
    np.testing.assert_allclose(history["epoch_loss"], [np.mean(y**2)])


def test_train_decreases_the_loss(rng):
    X, y, params = _least_squares(rng)
    _, history = train(params, loss_and_grads, X, y, make_optimizer("sgd", lr=0.05), 20, 16, rng)
    epoch_loss = history["epoch_loss"]
    assert len(epoch_loss) == 20
    assert np.all(np.diff(epoch_loss) < 0)
    assert epoch_loss[-1] < 1e-3 * epoch_loss[0]


def test_history_shapes_and_weighted_epoch_mean(rng):
    X, y, params = _least_squares(rng, N=50)
    _, history = train(
        params, loss_and_grads, X, y, make_optimizer("momentum", lr=0.01), 3, 16, rng
    )
    # 50 examples at 16: batches of 16, 16, 16, 2, i.e. 4 iterations per epoch.
    assert history["loss"].shape == (12,)
    weights = np.array([16, 16, 16, 2])
    per_epoch = history["loss"].reshape(3, 4)
    np.testing.assert_allclose(history["epoch_loss"], per_epoch @ weights / 50)


def test_train_does_not_mutate_params(rng):
    X, y, params = _least_squares(rng)
    params["w"] = np.array([0.1, 0.2, 0.3])
    before = {k: v.copy() for k, v in params.items()}
    new, _ = train(params, loss_and_grads, X, y, make_optimizer("adam", lr=0.1), 2, 8, rng)
    assert set(params) == {"w", "b"}
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert new[k] is not params[k]
        assert not np.array_equal(new[k], before[k])


def test_adam_keeps_one_state_per_parameter(rng):
    X, y, params = _least_squares(rng)
    opt = make_optimizer("adam", lr=0.05)
    new, _ = train(params, loss_and_grads, X, y, opt, 2, None, None, shuffle=False)
    # The same two full-batch steps by hand, each parameter with its own m, v and t.
    p = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for t in (1, 2):
        _, g = loss_and_grads(p, X, y)
        for k in p:
            p[k], m[k], v[k] = adam_update(p[k], g[k], m[k], v[k], t, lr=0.05)
    for k in p:
        np.testing.assert_allclose(new[k], p[k])


def test_same_seed_same_result():
    def run(seed):
        rng = np.random.default_rng(seed)
        X, y, params = _least_squares(np.random.default_rng(0))
        return train(params, loss_and_grads, X, y, make_optimizer("sgd", lr=0.05), 2, 5, rng)[1]

    np.testing.assert_array_equal(run(3)["loss"], run(3)["loss"])
    assert not np.array_equal(run(3)["loss"], run(4)["loss"])


def test_train_with_a_user_defined_optimizer(rng):
    class PlainSGD:
        def init(self, w):
            return None

        def update(self, w, dw, state):
            return w - 0.1 * dw, state

    X, y, params = _least_squares(rng)
    mine, _ = train(params, loss_and_grads, X, y, PlainSGD(), 2, 16, np.random.default_rng(5))
    ref, _ = train(
        params, loss_and_grads, X, y, make_optimizer("sgd", lr=0.1), 2, 16, np.random.default_rng(5)
    )
    for k in params:
        np.testing.assert_allclose(mine[k], ref[k])


def test_zero_epochs_returns_copies(rng):
    X, y, params = _least_squares(rng)
    new, history = train(params, loss_and_grads, X, y, make_optimizer("sgd", lr=0.1), 0, 8, rng)
    assert history["loss"].shape == (0,) and history["epoch_loss"].shape == (0,)
    assert new["w"] is not params["w"]
    np.testing.assert_array_equal(new["w"], params["w"])


def test_nan_loss_names_epoch_and_iteration(rng):
    X, y, params = _least_squares(rng, N=40)
    calls = []

    def nan_on_sixth(params, Xb, yb):
        calls.append(1)
        loss, grads = loss_and_grads(params, Xb, yb)
        return (np.nan if len(calls) == 6 else loss), grads

    # 40 examples at 16 -> 3 iterations per epoch, so call 6 is epoch 2, iteration 6.
    with pytest.raises(ValueError, match=r"loss became nan at epoch 2, iteration 6.*smaller"):
        train(params, nan_on_sixth, X, y, make_optimizer("sgd", lr=0.01), 5, 16, rng)


def test_too_large_a_learning_rate_stops_with_advice(rng):
    X, y, params = _least_squares(rng)

    def quiet(params, Xb, yb):
        # The test's own loss overflows as training diverges; only train's error matters here.
        with np.errstate(over="ignore", invalid="ignore"):
            return loss_and_grads(params, Xb, yb)

    with pytest.raises(
        ValueError, match=r"at epoch \d+, iteration \d+; training diverged.*smaller"
    ):
        train(params, quiet, X, y, make_optimizer("sgd", lr=10.0), 1000, None, rng)


def test_train_errors(rng):
    X, y, params = _least_squares(rng)
    sgd = make_optimizer("sgd", lr=0.1)

    def missing_b(p, Xb, yb):
        loss, g = loss_and_grads(p, Xb, yb)
        return loss, {"w": g["w"]}

    def wrong_shape(p, Xb, yb):
        loss, g = loss_and_grads(p, Xb, yb)
        return loss, {"w": g["w"][:2], "b": g["b"]}

    with pytest.raises(ValueError, match=r"same keys as params \['b', 'w'\], got \['w'\]"):
        train(params, missing_b, X, y, sgd, 1, 8, rng)
    with pytest.raises(
        ValueError, match=r"grads\['w'\] has shape \(2,\) but params\['w'\] has shape \(3,\)"
    ):
        train(params, wrong_shape, X, y, sgd, 1, 8, rng)
    with pytest.raises(TypeError, match="scalar real loss"):
        train(params, lambda p, Xb, yb: (np.ones(2), p), X, y, sgd, 1, 8, rng)
    with pytest.raises(ValueError, match=r"X has shape \(64, 3\) but y has shape \(63,\)"):
        train(params, loss_and_grads, X, y[:63], sgd, 1, 8, rng)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        train(params, loss_and_grads, X, y, sgd, 1, 8, None)
    with pytest.raises(TypeError, match="optimizer must have init"):
        train(params, loss_and_grads, X, y, "sgd", 1, 8, rng)
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        train({}, loss_and_grads, X, y, sgd, 1, 8, rng)
    with pytest.raises(ValueError, match="epochs must be >= 0"):
        train(params, loss_and_grads, X, y, sgd, -1, 8, rng)


def test_accuracy_by_hand():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.3, 0.2], [-5.0, 5.0]])
    # argmax: 1, 0, 0, 1 against labels 1, 1, 0, 0 -> 2 of 4 right
    assert training.accuracy(scores, np.array([1, 1, 0, 0])) == 0.5


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"scores has shape \(2, 3\) but y has shape \(3,\)"):
        training.accuracy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class labels"):
        training.accuracy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="empty"):
        training.accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_a_forward_pass_that_overflows_is_reported_as_divergence(rng):
    # Finite weights so large that the hidden layer's output overflows to inf: the layers
    # refuse it, and train must say "diverged" rather than pass on the layer's complaint.
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, size=8)
    params = init_mlp([3, 4, 2], rng, scheme="normal", scale=1e200)
    with pytest.raises(ValueError, match=r"forward pass overflowed.*training diverged"):
        train(params, mlp_loss_and_grads, X, y, make_optimizer("sgd", lr=0.1), 1, None, rng)


# --- should_stop -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("val_losses", "patience", "expected"),
    [
        ([], 1, False),  # nothing measured yet
        ([1.0], 1, False),  # the last epoch is the best
        ([1.0, 2.0], 1, True),
        ([1.0, 2.0], 2, False),
        ([3.0, 1.0, 2.0, 2.5], 2, True),
        ([3.0, 1.0, 2.0, 0.5], 2, False),  # a new best resets the count
        ([1.0, 1.0], 1, True),  # a tie is not an improvement: the first one stays best
        ([2.0, 0.5, 0.5, 0.5], 2, True),
        ([2.0, 0.5, 0.5, 0.5], 3, False),
        ([np.nan, 1.0], 1, False),  # NaN is never the best
        ([1.0, np.nan, np.nan], 2, True),
        ([np.nan, 1.0, np.nan], 1, True),
        ([np.nan], 2, False),  # no best at all: counted from before the first epoch
        ([np.nan, np.nan], 2, True),
        ([5, 4, 4], 1, True),  # integers are fine
        (np.array([2.0, np.inf, 1.0]), 1, False),
    ],
)
def test_should_stop_cases(val_losses, patience, expected):
    assert should_stop(val_losses, patience) is expected


def first_best(values):
    """The rule written as a plain loop: the first strictly lowest non-NaN loss, or -1."""
    best = -1
    for i, v in enumerate(values):
        if not np.isnan(v) and (best == -1 or v < values[best]):
            best = i
    return best


@given(
    st.lists(st.one_of(st.sampled_from([0.5, 1.0, 2.0]), st.just(np.nan)), max_size=12),
    st.integers(1, 5),
)
def test_should_stop_agrees_with_a_plain_loop(values, patience):
    assert should_stop(values, patience) == (len(values) - 1 - first_best(values) >= patience)


def test_should_stop_does_not_mutate_its_input():
    losses = np.array([1.0, np.nan, 0.5])
    losses.setflags(write=False)
    should_stop(losses, 1)
    np.testing.assert_array_equal(losses, [1.0, np.nan, 0.5])


def test_should_stop_errors():
    for patience in (0, -1):
        with pytest.raises(ValueError, match=r"should_stop: patience must be >= 1"):
            should_stop([1.0, 2.0], patience)
    with pytest.raises(TypeError, match=r"should_stop: patience must be an integer"):
        should_stop([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match=r"val_losses must be a 1-D list .* shape \(2, 2\)"):
        should_stop([[1.0, 2.0], [3.0, 4.0]], 1)
    with pytest.raises(TypeError, match=r"val_losses must hold real numbers"):
        should_stop(["1.0", "2.0"], 1)


# --- train: validation, early stopping, weight decay, metrics ----------------------------------


def _digits_like(rng, N=60, D=4, K=3):
    """A small classification problem for an MLP with weights W1, W2 and biases b1, b2."""
    X = rng.normal(size=(N, D))
    y = np.argmax(X[:, :K] + 0.5 * rng.normal(size=(N, K)), axis=1)
    return X, y, init_mlp([D, 5, K], rng)


def _manual_train(params, X, y, optimizer, epochs, batch_size, rng, lam=0.0):
    """The training loop written out: every batch's data loss, then an update of each
    parameter with the data gradient plus l2_grad when lam > 0."""
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    states = {k: optimizer.init(v.copy()) for k, v in p.items()}
    losses, epoch_losses, penalties = [], [], []
    for _ in range(epochs):
        total, count = 0.0, 0
        for Xb, yb in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = mlp_loss_and_grads(p, Xb, yb)
            if lam > 0:
                decay = l2_grad(p, lam)
                grads = {k: grads[k] + decay[k] for k in grads}
            for k in p:
                p[k], states[k] = optimizer.update(p[k].copy(), grads[k], states[k])
            losses.append(float(loss))
            total += float(loss) * len(Xb)
            count += len(Xb)
        epoch_losses.append(total / count)
        penalties.append(l2_penalty(p, lam))
    return p, np.array(losses), np.array(epoch_losses), np.array(penalties)


def test_without_the_new_arguments_the_history_is_unchanged():
    X, y, params = _digits_like(np.random.default_rng(0))
    opt = make_optimizer("adam", lr=0.01)
    p_ref, losses, epoch_losses, _ = _manual_train(
        params, X, y, opt, 4, 16, np.random.default_rng(9)
    )
    for kwargs in ({}, {"val": None, "patience": None, "weight_decay": 0.0, "metric": None}):
        new, history = train(
            params, mlp_loss_and_grads, X, y, opt, 4, 16, np.random.default_rng(9), **kwargs
        )
        assert list(history) == ["loss", "epoch_loss"]
        np.testing.assert_array_equal(history["loss"], losses)
        np.testing.assert_array_equal(history["epoch_loss"], epoch_losses)
        for k in params:
            np.testing.assert_array_equal(new[k], p_ref[k])


def test_watching_a_validation_set_does_not_change_training():
    rng = np.random.default_rng(1)
    X, y, params = _digits_like(rng)
    X_val, y_val, _ = _digits_like(rng, N=20)
    opt = make_optimizer("sgd", lr=0.1)

    def acc(p, X_, y_):
        return training.accuracy(mlp_forward(p, X_)[0], y_)

    plain, h_plain = train(params, mlp_loss_and_grads, X, y, opt, 5, 8, np.random.default_rng(4))
    watched, h = train(
        params,
        mlp_loss_and_grads,
        X,
        y,
        opt,
        5,
        8,
        np.random.default_rng(4),
        val=(X_val, y_val),
        metric=acc,
    )
    np.testing.assert_array_equal(h["loss"], h_plain["loss"])
    for k in params:
        np.testing.assert_array_equal(watched[k], plain[k])
    # One entry per epoch, measured at the end of the epoch: the last ones are the final model's.
    assert list(h) == ["loss", "epoch_loss", "val_loss", "train_metric", "val_metric"]
    assert all(h[key].shape == (5,) for key in ("val_loss", "train_metric", "val_metric"))
    assert h["val_loss"][-1] == mlp_loss_and_grads(plain, X_val, y_val)[0]
    assert h["train_metric"][-1] == acc(plain, X, y)
    assert h["val_metric"][-1] == acc(plain, X_val, y_val)


def test_a_metric_without_validation_data_is_measured_on_the_training_set(rng):
    X, y, params = _digits_like(rng)
    _, h = train(
        params,
        mlp_loss_and_grads,
        X,
        y,
        make_optimizer("sgd", lr=0.1),
        3,
        None,
        rng,
        metric=lambda p, X_, y_: float(len(y_)),
    )
    assert list(h) == ["loss", "epoch_loss", "train_metric"]
    np.testing.assert_array_equal(h["train_metric"], [60.0, 60.0, 60.0])  # the whole set


def _rising_validation(rng):
    """Training drives w from 0 towards w* = (1.5, -2, 0.5); the validation targets follow
    w* / 2, so the validation loss falls while w approaches w* / 2 and rises after."""
    X, y, params = _least_squares(rng)
    X_val = rng.normal(size=(32, 3))
    y_val = X_val @ (0.5 * np.array([1.5, -2.0, 0.5])) + 0.15
    return X, y, params, (X_val, y_val)


def test_early_stopping_restores_the_best_parameters(rng):
    X, y, params, val = _rising_validation(rng)
    sgd = make_optimizer("sgd", lr=0.05)

    def run(epochs, **kwargs):
        return train(params, loss_and_grads, X, y, sgd, epochs, None, None, shuffle=False, **kwargs)

    _, full = run(100, val=val)
    best = int(np.argmin(full["val_loss"])) + 1  # 1-based
    assert 1 < best < 90  # the case is what it claims: the validation loss does turn up
    assert np.all(np.diff(full["val_loss"][best - 1 : best + 4]) > 0)
    stopped, history = run(100, val=val, patience=3)
    assert history["best_epoch"] == best
    assert history["stopped_epoch"] == best + 3
    assert history["val_loss"].shape == history["epoch_loss"].shape == (best + 3,)
    np.testing.assert_array_equal(history["val_loss"], full["val_loss"][: best + 3])
    at_best, _ = run(best)
    last, _ = run(best + 3)
    for k in params:
        np.testing.assert_array_equal(stopped[k], at_best[k])
        assert not np.array_equal(stopped[k], last[k])


def test_early_stopping_when_the_first_epoch_is_the_best(rng):
    # Validation targets that point away from w*: every epoch makes the validation loss worse.
    X, y, params = _least_squares(rng)
    X_val = rng.normal(size=(32, 3))
    val = (X_val, -(X_val @ np.array([1.5, -2.0, 0.5])))
    sgd = make_optimizer("sgd", lr=0.05)
    new, h = train(
        params, loss_and_grads, X, y, sgd, 50, None, None, shuffle=False, val=val, patience=2
    )
    assert np.all(np.diff(h["val_loss"]) > 0)
    assert (h["best_epoch"], h["stopped_epoch"]) == (1, 3)
    after_one, _ = train(params, loss_and_grads, X, y, sgd, 1, None, None, shuffle=False)
    for k in params:
        np.testing.assert_array_equal(new[k], after_one[k])


def test_patience_that_never_fires_still_returns_the_best(rng):
    X, y, params, val = _rising_validation(rng)
    sgd = make_optimizer("sgd", lr=0.05)
    _, full = train(params, loss_and_grads, X, y, sgd, 100, None, None, shuffle=False, val=val)
    best = int(np.argmin(full["val_loss"])) + 1
    epochs = best + 2  # stops at best + 3 at the earliest: never reached
    new, h = train(
        params, loss_and_grads, X, y, sgd, epochs, None, None, shuffle=False, val=val, patience=3
    )
    assert (h["best_epoch"], h["stopped_epoch"]) == (best, epochs)
    at_best, _ = train(params, loss_and_grads, X, y, sgd, best, None, None, shuffle=False)
    for k in params:
        np.testing.assert_array_equal(new[k], at_best[k])
    new, h = train(
        params, loss_and_grads, X, y, sgd, 0, None, None, shuffle=False, val=val, patience=3
    )
    assert (h["best_epoch"], h["stopped_epoch"]) == (0, 0)
    np.testing.assert_array_equal(new["w"], params["w"])


def test_weight_decay_equals_adding_l2_grad_by_hand():
    X, y, params = _digits_like(np.random.default_rng(2))
    params["b1"] = params["b1"] + 0.5  # non-zero biases, so decaying them would show
    opt, lam = make_optimizer("momentum", lr=0.05), 0.3
    p_ref, losses, epoch_losses, penalties = _manual_train(
        params, X, y, opt, 4, 16, np.random.default_rng(8), lam=lam
    )
    new, h = train(
        params, mlp_loss_and_grads, X, y, opt, 4, 16, np.random.default_rng(8), weight_decay=lam
    )
    for k in params:
        np.testing.assert_allclose(new[k], p_ref[k], rtol=1e-13, atol=1e-15)
    # The losses stay the data loss; the penalty has its own per-epoch entry.
    np.testing.assert_allclose(h["loss"], losses, rtol=1e-13)
    np.testing.assert_allclose(h["epoch_loss"], epoch_losses, rtol=1e-13)
    np.testing.assert_allclose(h["penalty"], penalties, rtol=1e-12)
    assert list(h) == ["loss", "epoch_loss", "penalty"]
    # And it is not a no-op: without decay the weights end up larger.
    plain, _ = train(params, mlp_loss_and_grads, X, y, opt, 4, 16, np.random.default_rng(8))
    assert l2_penalty(new, 1.0) < l2_penalty(plain, 1.0)


def test_weight_decay_leaves_the_biases_to_the_data():
    # A zero data gradient isolates the decay: one SGD step scales W by 1 - lr * lam and
    # leaves b alone.
    params = {"W1": np.array([[2.0, -4.0]]), "b1": np.array([3.0, 3.0])}

    def no_data_gradient(p, Xb, yb):
        return 0.0, {k: np.zeros_like(v) for k, v in p.items()}

    new, h = train(
        params,
        no_data_gradient,
        np.zeros((4, 1)),
        np.zeros(4),
        make_optimizer("sgd", lr=0.5),
        1,
        None,
        None,
        shuffle=False,
        weight_decay=0.2,
    )
    np.testing.assert_allclose(new["W1"], [[2.0 * 0.9, -4.0 * 0.9]])
    np.testing.assert_array_equal(new["b1"], [3.0, 3.0])
    np.testing.assert_allclose(h["penalty"], [0.2 / 2 * (1.8**2 + 3.6**2)])
    np.testing.assert_array_equal(h["loss"], [0.0])


def test_train_leaves_the_validation_data_alone(rng):
    X, y, params, (X_val, y_val) = _rising_validation(rng)
    X_val.setflags(write=False)
    y_val.setflags(write=False)
    before = X_val.copy(), y_val.copy()
    sgd = make_optimizer("sgd", lr=0.05)
    train(params, loss_and_grads, X, y, sgd, 3, 8, rng, val=(X_val, y_val), patience=1)
    np.testing.assert_array_equal(X_val, before[0])
    np.testing.assert_array_equal(y_val, before[1])


def test_new_train_arguments_errors(rng):
    X, y, params, val = _rising_validation(rng)
    sgd = make_optimizer("sgd", lr=0.05)

    def run(**kwargs):
        return train(params, loss_and_grads, X, y, sgd, 2, 8, rng, **kwargs)

    with pytest.raises(ValueError, match=r"patience=3 needs validation data.*val=\(X_val, y_val\)"):
        run(patience=3)
    with pytest.raises(ValueError, match=r"train: patience must be >= 1, got 0"):
        run(val=val, patience=0)
    with pytest.raises(TypeError, match=r"train: patience must be an integer"):
        run(val=val, patience=2.5)
    with pytest.raises(TypeError, match=r"val must be a pair \(X_val, y_val\), got ndarray"):
        run(val=val[0])
    with pytest.raises(ValueError, match=r"X_val has shape \(32, 3\) but y_val has shape \(31,\)"):
        run(val=(val[0], val[1][:31]))
    with pytest.raises(ValueError, match=r"X_val has shape \(32, 2\) but X has shape \(64, 3\)"):
        run(val=(val[0][:, :2], val[1]))
    with pytest.raises(ValueError, match=r"weight_decay must be >= 0"):
        run(weight_decay=-0.1)
    # The linear model's parameters are "w" and "b": no key starts with "W", nothing to decay.
    with pytest.raises(ValueError, match=r"no weight to decay.*start with 'W'.*\['w', 'b'\]"):
        run(weight_decay=0.1)
    with pytest.raises(TypeError, match=r"metric must be callable"):
        run(metric="accuracy")
    with pytest.raises(TypeError, match=r"metric must return a real number"):
        run(metric=lambda p, X_, y_: np.ones(2))


def test_a_nan_validation_loss_is_reported_as_divergence(rng):
    X, y, params, (X_val, y_val) = _rising_validation(rng)

    def nan_on_validation(p, Xb, yb):
        loss, grads = loss_and_grads(p, Xb, yb)
        return (np.nan if len(yb) == 32 else loss), grads

    sgd = make_optimizer("sgd", lr=0.05)
    with pytest.raises(ValueError, match=r"loss became nan at epoch 1, on the validation set"):
        train(params, nan_on_validation, X, y, sgd, 2, 8, rng, val=(X_val, y_val))
