"""Tests for what chapter 9 adds to backproplab.training: the early-stopping rule
``should_stop``, and ``train``'s validation data, early stopping, weight decay and metric."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.least_squares import least_squares, loss_and_grads

from backproplab import training
from backproplab.network import init_mlp, mlp_forward, mlp_loss_and_grads
from backproplab.optimizers import make_optimizer
from backproplab.regularization import l2_grad, l2_penalty
from backproplab.training import iterate_minibatches, should_stop, train

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
    X, y, params = least_squares(rng)
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
    X, y, params = least_squares(rng)
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
