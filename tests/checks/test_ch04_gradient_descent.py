"""What the ch04 mutation bank cannot express: the table of known mistakes is caught by its
own checks, correct implementations pass, and each step of a sequence feeds back the
student's own state."""

import itertools

import numpy as np
import pytest

from backproplab.grading import CheckFailed, check, known_mistakes

A = "ch04_gradient_descent"


def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    N = len(X)
    B = N if batch_size is None else batch_size
    order = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, B):
        idx = order[start : start + B]
        yield X[idx], y[idx]


def sgd_update(w, dw, lr):
    return w - lr * dw


def momentum_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * v, v


def nesterov_update(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * (dw + beta * v), v


def adagrad_update(w, dw, cache, lr, eps=1e-10):
    cache = cache + dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def rmsprop_update(w, dw, cache, lr, rho=0.9, eps=1e-8):
    cache = rho * cache + (1 - rho) * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


CORRECT = {
    f.__name__: f
    for f in (
        iterate_minibatches,
        sgd_update,
        momentum_update,
        nesterov_update,
        adagrad_update,
        rmsprop_update,
        adam_update,
    )
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_implementation_passes(name, capsys):
    check(f"{A}.{name}", CORRECT[name], hidden=True)
    assert "pass" in capsys.readouterr().out


def _table():
    return [
        (name, mistake)
        for name, mistakes in known_mistakes().items()
        if name.startswith(A + ".")
        for mistake in mistakes
    ]


def test_every_function_has_known_mistakes():
    names = {name.split(".")[1] for name, _ in _table()}
    assert names == set(CORRECT)


@pytest.mark.parametrize(("name", "mistake"), _table(), ids=lambda x: getattr(x, "name", x))
def test_every_known_mistake_fails_its_check(name, mistake):
    with pytest.raises(CheckFailed):
        check(name, mistake.fn, hidden=True)


def test_sequence_feeds_back_the_students_state():
    # A correct rule that records what it gets and returns: in the sequences, each call's
    # velocity must be exactly the one the previous call returned.
    calls = []

    def recording(w, dw, v, lr, beta=0.9):
        v_new = beta * v + dw
        calls.append((np.array(v, copy=True), v_new))
        return w - lr * v_new, v_new

    check(f"{A}.momentum_update", recording)
    fed_back = [
        np.array_equal(v_in, previous_out)
        for (_, previous_out), (v_in, _) in itertools.pairwise(calls)
        if np.shape(v_in) == np.shape(previous_out)
    ]
    assert sum(fed_back) >= 5  # the 6-step visible sequence


def test_adam_first_step_and_t_zero_message():
    def no_correction(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw**2
        return w - lr * m / (np.sqrt(v) + eps), m, v

    with pytest.raises(
        CheckFailed, match=r"(?s)t = 1.*Likely mistake: Adam without bias correction"
    ):
        check(f"{A}.adam_update", no_correction)


def test_minibatches_must_use_the_rng():
    def global_shuffle(X, y, batch_size, rng, shuffle=True):
        order = np.random.default_rng().permutation(len(X))
        for start in range(0, len(X), batch_size or len(X)):
            idx = order[start : start + (batch_size or len(X))]
            yield X[idx], y[idx]

    with pytest.raises(CheckFailed, match="seeded alike gave different batches"):
        check(f"{A}.iterate_minibatches", global_shuffle)
