import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backproplab import regularization as reg
from backproplab.gradcheck import numerical_gradient, numerical_vjp, relative_error


def read_only(*arrays_):
    out = []
    for a in arrays_:
        a = np.array(a, dtype=float)
        a.setflags(write=False)
        out.append(a)
    return out


# --- batch norm: hand-computed cases ---------------------------------------------------------


def test_batchnorm_forward_hand_value():
    # one feature, batch [1, 3]: mean 2, variance 1, so xhat = [-1, 1] (eps = 0 in spirit)
    x = np.array([[1.0], [3.0]])
    out, cache = reg.batchnorm_forward(x, np.array([2.0]), np.array([0.5]), eps=1e-12)
    np.testing.assert_allclose(out, [[-1.5], [2.5]])  # 2 * xhat + 0.5
    np.testing.assert_allclose(cache.xhat, [[-1.0], [1.0]])
    # running stats from the default start (mean 0, var 1) with momentum 0.9
    np.testing.assert_allclose(cache.running["mean"], [0.9 * 0 + 0.1 * 2])
    np.testing.assert_allclose(cache.running["var"], [0.9 * 1 + 0.1 * 1])


def test_batchnorm_output_is_standardised_per_feature(rng):
    x = rng.normal(3.0, 5.0, size=(64, 4))
    out, _ = reg.batchnorm_forward(x, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-5)  # eps shrinks it a little


def test_batchnorm_backward_hand_value():
    # x = [1, 3] (xhat = [-1, 1], 1/std = 1), gamma = 1, dout = [1, 0]:
    # dx = (1/N) (N dxhat - sum dxhat - xhat * sum(dxhat xhat)) = 0.5 ([2, 0] - 1 - [1, -1])
    x = np.array([[1.0], [3.0]])
    _, cache = reg.batchnorm_forward(x, np.ones(1), np.zeros(1), eps=1e-12)
    dx, dgamma, dbeta = reg.batchnorm_backward(np.array([[1.0], [0.0]]), cache)
    np.testing.assert_allclose(dx, [[0.0], [0.0]], atol=1e-9)
    np.testing.assert_allclose(dgamma, [-1.0])
    np.testing.assert_allclose(dbeta, [1.0])
    dx, _, _ = reg.batchnorm_backward(np.array([[1.0], [1.0]]), cache)
    np.testing.assert_allclose(dx, [[0.0], [0.0]], atol=1e-9)  # a shift of all outputs: no dx


def test_batchnorm_running_update_chain():
    x1 = np.array([[0.0, 10.0], [2.0, 10.0]])  # mean (1, 10), var (1, 0)
    _, c1 = reg.batchnorm_forward(x1, np.ones(2), np.zeros(2), momentum=0.5)
    np.testing.assert_allclose(c1.running["mean"], [0.5, 5.0])
    np.testing.assert_allclose(c1.running["var"], [1.0, 0.5])
    _, c2 = reg.batchnorm_forward(x1, np.ones(2), np.zeros(2), running=c1.running, momentum=0.5)
    np.testing.assert_allclose(c2.running["mean"], [0.75, 7.5])
    np.testing.assert_allclose(c2.running["var"], [1.0, 0.25])
    # momentum 0 forgets the past entirely
    _, c3 = reg.batchnorm_forward(x1, np.ones(2), np.zeros(2), running=c2.running, momentum=0.0)
    np.testing.assert_allclose(c3.running["mean"], [1.0, 10.0])
    np.testing.assert_allclose(c3.running["var"], [1.0, 0.0])


def test_batchnorm_inference_uses_running_statistics():
    running = {"mean": np.array([1.0, -2.0]), "var": np.array([4.0, 0.25])}
    x = np.array([[3.0, -2.0], [1.0, -1.0], [5.0, 0.0]])
    gamma, beta = np.array([2.0, 1.0]), np.array([0.0, 1.0])
    out, cache = reg.batchnorm_forward(x, gamma, beta, eps=1e-12, train=False, running=running)
    expected = gamma * (x - running["mean"]) / np.sqrt(running["var"]) + beta
    np.testing.assert_allclose(out, expected)
    # running statistics are returned unchanged in inference mode
    np.testing.assert_array_equal(cache.running["mean"], running["mean"])
    np.testing.assert_array_equal(cache.running["var"], running["var"])
    # each example's output no longer depends on the others: one row alone gives the same
    out0, _ = reg.batchnorm_forward(x[:1], gamma, beta, eps=1e-12, train=False, running=running)
    np.testing.assert_allclose(out0, out[:1])
    # an empty batch is fine at inference
    empty, _ = reg.batchnorm_forward(np.zeros((0, 2)), gamma, beta, train=False, running=running)
    assert empty.shape == (0, 2)


def test_batchnorm_train_and_inference_agree_when_running_equals_batch(rng):
    x = rng.normal(size=(10, 3))
    running = {"mean": x.mean(axis=0), "var": x.var(axis=0)}
    g, b = rng.normal(size=3), rng.normal(size=3)
    out_train, _ = reg.batchnorm_forward(x, g, b)
    out_test, _ = reg.batchnorm_forward(x, g, b, train=False, running=running)
    np.testing.assert_allclose(out_train, out_test)


# --- batch norm: numerical gradient checks ---------------------------------------------------


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_backward_numerical(rng, train):
    N, D = 6, 4
    x = rng.normal(2.0, 3.0, size=(N, D))
    gamma, beta = rng.normal(size=D), rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    running = {"mean": rng.normal(size=D), "var": rng.uniform(0.5, 2.0, size=D)}

    def f(x_, g_, b_):
        return reg.batchnorm_forward(x_, g_, b_, train=train, running=running)[0]

    _, cache = reg.batchnorm_forward(x, gamma, beta, train=train, running=running)
    dx, dgamma, dbeta = reg.batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_vjp(lambda t: f(t, gamma, beta), x, dout)) < 1e-7
    assert relative_error(dgamma, numerical_vjp(lambda t: f(x, t, beta), gamma, dout)) < 1e-7
    assert relative_error(dbeta, numerical_vjp(lambda t: f(x, gamma, t), beta, dout)) < 1e-7


def test_batchnorm_backward_numerical_through_a_loss(rng):
    # Through a non-linear scalar loss, so the cross terms of the batch statistics matter.
    x = rng.normal(size=(5, 3))
    gamma, beta = rng.uniform(0.5, 2, size=3), rng.normal(size=3)
    weights = rng.normal(size=(5, 3))

    def loss(x_):
        out = reg.batchnorm_forward(x_, gamma, beta)[0]
        return float(np.sum(weights * out**3))

    out, cache = reg.batchnorm_forward(x, gamma, beta)
    dx, _, _ = reg.batchnorm_backward(3 * weights * out**2, cache)
    assert relative_error(dx, numerical_gradient(loss, x.copy())) < 1e-7


def test_a_backward_that_ignores_the_batch_statistics_fails_the_check(rng):
    # The common mistake: dx = dout * gamma / std, as if mu and v were constants.
    x, gamma, beta = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=3)
    dout = rng.normal(size=(6, 3))
    _, cache = reg.batchnorm_forward(x, gamma, beta)
    wrong = dout * gamma * cache.inv_std
    num = numerical_vjp(lambda t: reg.batchnorm_forward(t, gamma, beta)[0], x, dout)
    assert relative_error(wrong, num) > 1e-2


# --- batch norm: purity and bad input --------------------------------------------------------


def test_batchnorm_does_not_mutate_its_inputs(rng):
    x, gamma, beta, dout = read_only(
        rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(4, 3))
    )
    mean, var = read_only(np.zeros(3), np.ones(3))
    running = {"mean": mean, "var": var}
    x0 = x.copy()
    _, cache = reg.batchnorm_forward(x, gamma, beta, running=running)
    reg.batchnorm_backward(dout, cache)
    np.testing.assert_array_equal(x, x0)
    assert running["mean"] is mean and running["var"] is var  # the caller's dict is untouched
    np.testing.assert_array_equal(mean, 0.0)
    assert cache.running is not running
    assert not cache.xhat.flags.writeable and not cache.running["mean"].flags.writeable


def test_batchnorm_cache_is_a_snapshot(rng):
    x = rng.normal(size=(4, 2))
    gamma = np.ones(2)
    _, cache = reg.batchnorm_forward(x, gamma, np.zeros(2))
    dout = rng.normal(size=(4, 2))
    before = reg.batchnorm_backward(dout, cache)
    gamma *= 5.0
    after = reg.batchnorm_backward(dout, cache)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


def test_batchnorm_accepts_a_plain_tuple_cache(rng):
    x = rng.normal(size=(4, 2))
    _, cache = reg.batchnorm_forward(x, np.ones(2), np.zeros(2))
    dout = rng.normal(size=(4, 2))
    for a, b in zip(
        reg.batchnorm_backward(dout, tuple(cache)),
        reg.batchnorm_backward(dout, cache),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_batchnorm_errors_name_the_problem():
    x = np.zeros((4, 3))
    one, zero = np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"gamma has shape \(2,\) but x has 3 features"):
        reg.batchnorm_forward(x, np.ones(2), zero)
    with pytest.raises(ValueError, match=r"beta has shape \(4,\)"):
        reg.batchnorm_forward(x, one, np.zeros(4))
    with pytest.raises(ValueError, match=r"x must be 2-D"):
        reg.batchnorm_forward(np.zeros(3), one, zero)
    with pytest.raises(ValueError, match=r"at least 2 examples"):
        reg.batchnorm_forward(np.zeros((1, 3)), one, zero)
    with pytest.raises(ValueError, match=r"needs the running statistics"):
        reg.batchnorm_forward(x, one, zero, train=False)
    with pytest.raises(ValueError, match=r"exactly the keys 'mean' and 'var'"):
        reg.batchnorm_forward(x, one, zero, running={"mean": zero})
    with pytest.raises(ValueError, match=r"running\['var'\] has shape \(2,\)"):
        reg.batchnorm_forward(x, one, zero, running={"mean": zero, "var": np.ones(2)})
    with pytest.raises(ValueError, match=r"must be >= 0"):
        reg.batchnorm_forward(x, one, zero, running={"mean": zero, "var": -one})
    with pytest.raises(TypeError, match=r"running must be None or a dict"):
        reg.batchnorm_forward(x, one, zero, running=(zero, one))
    with pytest.raises(ValueError, match=r"eps must be > 0"):
        reg.batchnorm_forward(x, one, zero, eps=0.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        reg.batchnorm_forward(x, one, zero, momentum=1.0)
    with pytest.raises(TypeError, match=r"train must be True or False"):
        reg.batchnorm_forward(x, one, zero, train="yes")
    with pytest.raises(ValueError, match=r"x contains a non-finite value \(nan\)"):
        reg.batchnorm_forward(np.full((4, 3), np.nan), one, zero)
    _, cache = reg.batchnorm_forward(x + np.arange(4)[:, None], one, zero)
    with pytest.raises(ValueError, match=r"dout has shape \(4, 2\) but the forward output"):
        reg.batchnorm_backward(np.zeros((4, 2)), cache)
    with pytest.raises(TypeError, match=r"BatchNormCache returned by batchnorm_forward"):
        reg.batchnorm_backward(np.zeros((4, 3)), (1, 2))


@given(st.integers(2, 8), st.integers(1, 5), st.floats(0.1, 100.0), st.floats(-50.0, 50.0))
def test_batchnorm_is_invariant_to_scaling_and_shifting_its_input(N, D, scale, shift):
    rng = np.random.default_rng(N * 10 + D)
    x = rng.normal(size=(N, D))
    x[0] += 1.0  # never a constant column
    gamma, beta = rng.normal(size=D), rng.normal(size=D)
    out, _ = reg.batchnorm_forward(x, gamma, beta, eps=1e-12)
    out2, _ = reg.batchnorm_forward(scale * x + shift, gamma, beta, eps=1e-12)
    np.testing.assert_allclose(out2, out, atol=1e-6)


# --- clipping --------------------------------------------------------------------------------


def test_clip_hand_value():
    grads = {"W1": np.array([[3.0]]), "b1": np.array([4.0])}  # global norm 5
    clipped = reg.clip_by_global_norm(grads, 1.0)
    np.testing.assert_allclose(clipped["W1"], [[0.6]])
    np.testing.assert_allclose(clipped["b1"], [0.8])
    assert list(clipped) == ["W1", "b1"]
    assert reg.global_norm(grads) == pytest.approx(5.0)
    same = reg.clip_by_global_norm(grads, 5.0)  # exactly at the threshold: unchanged
    np.testing.assert_array_equal(same["W1"], grads["W1"])


def test_clip_does_not_mutate_and_returns_new_arrays():
    W, b = read_only([[30.0, 40.0]], [0.0])
    grads = {"W1": W, "b1": b}
    clipped = reg.clip_by_global_norm(grads, 1.0)
    np.testing.assert_array_equal(W, [[30.0, 40.0]])
    assert clipped is not grads and clipped["W1"] is not W
    small = reg.clip_by_global_norm(grads, 100.0)
    assert small["W1"] is not W
    np.testing.assert_array_equal(small["W1"], W)


def test_clip_huge_and_zero_gradients():
    huge = {"W1": np.array([1e300, 1e300])}  # the squared norm overflows float64
    clipped = reg.clip_by_global_norm(huge, 2.0)
    np.testing.assert_allclose(clipped["W1"], [np.sqrt(2.0), np.sqrt(2.0)])
    zero = reg.clip_by_global_norm({"W1": np.zeros(3)}, 1.0)
    np.testing.assert_array_equal(zero["W1"], 0.0)
    assert reg.clip_by_global_norm({}, 1.0) == {}


def test_clip_errors():
    with pytest.raises(ValueError, match=r"max_norm must be > 0"):
        reg.clip_by_global_norm({"W1": np.ones(2)}, 0.0)
    with pytest.raises(TypeError, match=r"grads must be a dict"):
        reg.clip_by_global_norm([np.ones(2)], 1.0)
    with pytest.raises(ValueError, match=r"grads\['W1'\] contains a non-finite value"):
        reg.clip_by_global_norm({"W1": np.array([1.0, np.inf])}, 1.0)


grad_arrays = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    elements=st.floats(-1e6, 1e6, allow_nan=False),
)


@given(
    st.dictionaries(st.sampled_from(["W1", "b1", "W2", "b2"]), grad_arrays, min_size=1),
    st.floats(1e-3, 1e3),
)
def test_clip_properties(grads, max_norm):
    norm = reg.global_norm(grads)
    clipped = reg.clip_by_global_norm(grads, max_norm)
    after = reg.global_norm(clipped)
    assert after <= max_norm * (1 + 1e-12)  # never longer than max_norm
    if norm <= max_norm:  # identity below the threshold
        for key in grads:
            np.testing.assert_array_equal(clipped[key], grads[key])
    else:  # exactly max_norm, in the same direction: one positive factor for every array
        assert after == pytest.approx(max_norm, rel=1e-9)
        factor = max_norm / norm
        for key in grads:
            np.testing.assert_allclose(clipped[key], grads[key] * factor, rtol=1e-12, atol=0)


# --- dropout ---------------------------------------------------------------------------------


def test_dropout_mask_is_drawn_as_documented():
    # The contract students and graders rely on: keep = rng.random(x.shape) >= p.
    x = np.arange(1.0, 13.0).reshape(3, 4)
    out, cache = reg.dropout_forward(x, 0.25, np.random.default_rng(7))
    keep = np.random.default_rng(7).random((3, 4)) >= 0.25
    np.testing.assert_array_equal(cache.keep, keep)
    assert cache.keep.dtype == bool and cache.p == 0.25
    np.testing.assert_array_equal(out, np.where(keep, x / 0.75, 0.0))


def test_dropout_hand_value():
    # p = 0.5: kept units are doubled, dropped ones are 0; backward uses the same mask.
    cache = (np.array([[True, False], [False, True]]), 0.5)
    dx = reg.dropout_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), cache)
    np.testing.assert_array_equal(dx, [[2.0, 0.0], [0.0, 8.0]])


def test_dropout_consumes_exactly_one_draw_per_unit():
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    reg.dropout_forward(np.ones((5, 6)), 0.3, rng)
    twin.random((5, 6))
    assert rng.bit_generator.state == twin.bit_generator.state


def test_dropout_backward_numerical_with_a_fixed_mask(rng):
    # Re-seeding the generator on every call fixes the mask, so forward is linear in x.
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    p = 0.4

    def f(x_):
        return reg.dropout_forward(x_, p, np.random.default_rng(11))[0]

    _, cache = reg.dropout_forward(x, p, np.random.default_rng(11))
    assert 0 < cache.keep.sum() < cache.keep.size  # both kept and dropped units are checked
    dx = reg.dropout_backward(dout, cache)
    assert relative_error(dx, numerical_vjp(f, x, dout)) < 1e-7


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_preserves_the_mean_activation(p):
    # out_i = x_i m_i / (1 - p) with m_i ~ Bernoulli(1 - p): E[out_i] = x_i and
    # Var[out_i] = x_i^2 p / (1 - p). The mean of n independent draws therefore has standard
    # error |x_i| sqrt(p / ((1 - p) n)); we allow 5 standard errors, which a correct
    # implementation exceeds with probability below 1e-6 per unit (normal approximation,
    # n = 20 000), and the seed is fixed besides.
    n = 20_000
    x = np.array([-2.0, -0.5, 0.3, 1.0, 4.0])
    out, cache = reg.dropout_forward(np.tile(x, (n, 1)), p, np.random.default_rng(5))
    tolerance = 5 * np.abs(x) * np.sqrt(p / ((1 - p) * n))
    assert np.all(np.abs(out.mean(axis=0) - x) <= tolerance)
    # The fraction kept is Binomial(n, 1 - p) / n: standard error sqrt(p (1 - p) / n).
    kept = cache.keep.mean(axis=0)
    assert np.all(np.abs(kept - (1 - p)) <= 5 * np.sqrt(p * (1 - p) / n))
    # The tolerance is tight enough to catch the classic mistake of scaling by p instead.
    assert np.all(np.abs((1 - p) * p * x - x) > tolerance)


def test_dropout_at_inference_is_the_identity_and_draws_nothing(rng):
    x = rng.normal(size=(4, 3))
    state = rng.bit_generator.state
    out, cache = reg.dropout_forward(x, 0.9, rng, train=False)
    assert rng.bit_generator.state == state
    np.testing.assert_array_equal(out, x)
    assert out is not x
    assert cache.keep is None and cache.p == 0.9
    dout = rng.normal(size=(4, 3))
    dx = reg.dropout_backward(dout, cache)
    np.testing.assert_array_equal(dx, dout)
    assert dx is not dout
    out_no_rng, _ = reg.dropout_forward(x, 0.5, None, train=False)  # no randomness needed
    np.testing.assert_array_equal(out_no_rng, x)


def test_dropout_with_p_zero_is_the_identity(rng):
    x, dout = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    out, cache = reg.dropout_forward(x, 0.0, rng)
    np.testing.assert_array_equal(out, x)
    assert cache.keep.all()
    np.testing.assert_array_equal(reg.dropout_backward(dout, cache), dout)


def test_dropout_works_on_image_batches(rng):
    x = rng.normal(size=(2, 3, 4, 4))
    out, cache = reg.dropout_forward(x, 0.5, rng)
    assert out.shape == x.shape == cache.keep.shape
    np.testing.assert_array_equal(out[~cache.keep], 0.0)
    np.testing.assert_allclose(out[cache.keep], 2 * x[cache.keep])


def test_dropout_does_not_mutate_and_caches_a_snapshot(rng):
    x, dout = read_only(rng.normal(size=(4, 5)), rng.normal(size=(4, 5)))
    x0, dout0 = x.copy(), dout.copy()
    out, cache = reg.dropout_forward(x, 0.5, rng)
    dx = reg.dropout_backward(dout, cache)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)
    assert not cache.keep.flags.writeable
    out[:] = 0.0  # the caller owns the outputs
    dx[:] = 0.0
    np.testing.assert_array_equal(x, x0)


def test_dropout_backward_accepts_a_students_cache(rng):
    # A plain tuple, and a 0/1 float mask instead of booleans, give the same gradient.
    dout = rng.normal(size=(3, 4))
    _, cache = reg.dropout_forward(np.ones((3, 4)), 0.5, rng)
    expected = reg.dropout_backward(dout, cache)
    np.testing.assert_array_equal(reg.dropout_backward(dout, tuple(cache)), expected)
    as_floats = (cache.keep.astype(float), 0.5)
    np.testing.assert_array_equal(reg.dropout_backward(dout, as_floats), expected)


def test_dropout_errors_name_the_problem(rng):
    x = np.ones((2, 3))
    for p in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"p \(the drop probability\) must be in \[0, 1\)"):
            reg.dropout_forward(x, p, rng)
    with pytest.raises(ValueError, match=r"p must be finite, got nan"):
        reg.dropout_forward(x, np.nan, rng)
    with pytest.raises(TypeError, match=r"p must be a real number, got str"):
        reg.dropout_forward(x, "0.5", rng)
    with pytest.raises(TypeError, match=r"x must hold real numbers, got dtype complex128"):
        reg.dropout_forward(x.astype(complex), 0.5, rng)
    with pytest.raises(ValueError, match=r"x contains a non-finite value \(nan\)"):
        reg.dropout_forward(np.array([1.0, np.nan]), 0.5, rng)
    with pytest.raises(ValueError, match=r"x must be an array of activations, got a scalar"):
        reg.dropout_forward(1.0, 0.5, rng)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        reg.dropout_forward(x, 0.5, None)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        reg.dropout_forward(x, 0.5, 42)
    with pytest.raises(TypeError, match=r"train must be True or False"):
        reg.dropout_forward(x, 0.5, rng, train="no")
    _, cache = reg.dropout_forward(x, 0.5, rng)
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\) but the forward output"):
        reg.dropout_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match=r"DropoutCache returned by dropout_forward"):
        _, bn_cache = reg.batchnorm_forward(np.eye(2), np.ones(2), np.zeros(2))
        reg.dropout_backward(np.ones((2, 2)), bn_cache)
    with pytest.raises(TypeError, match=r"boolean mask .* values other than 0 and 1"):
        reg.dropout_backward(x, (np.full((2, 3), 2.0), 0.5))
    with pytest.raises(ValueError, match=r"p \(the drop probability\) must be in \[0, 1\)"):
        reg.dropout_backward(x, (cache.keep, 1.0))


# --- L2 weight decay -------------------------------------------------------------------------


def _l2_params():
    return {
        "W1": np.array([[1.0, 2.0], [3.0, -1.0]]),
        "b1": np.array([10.0, -10.0]),
        "W2": np.array([[0.5], [-2.0]]),
        "b2": np.array([7.0]),
    }


def test_l2_penalty_hand_value():
    # ||W1||^2 = 1 + 4 + 9 + 1 = 15 and ||W2||^2 = 0.25 + 4 = 4.25; the biases do not count:
    # 0.1 / 2 * 19.25 = 0.9625.
    assert reg.l2_penalty(_l2_params(), 0.1) == pytest.approx(0.9625, rel=1e-15)
    assert reg.l2_penalty(_l2_params(), 0.0) == 0.0
    assert reg.l2_penalty({}, 1.0) == 0.0
    assert isinstance(reg.l2_penalty(_l2_params(), 0.1), float)


def test_l2_grad_hand_value():
    grads = reg.l2_grad(_l2_params(), 0.1)
    assert list(grads) == ["W1", "b1", "W2", "b2"]
    np.testing.assert_allclose(grads["W1"], [[0.1, 0.2], [0.3, -0.1]], rtol=1e-15)
    np.testing.assert_allclose(grads["W2"], [[0.05], [-0.2]], rtol=1e-15)
    np.testing.assert_array_equal(grads["b1"], [0.0, 0.0])
    np.testing.assert_array_equal(grads["b2"], [0.0])


def test_l2_grad_is_the_numerical_gradient_of_the_penalty(rng):
    params = {
        "W1": rng.normal(size=(3, 2, 2, 2)),  # a convolution filter bank is a weight too
        "b1": rng.normal(size=3),
        "W2": rng.normal(size=(12, 4)),
        "b2": rng.normal(size=4),
        "gamma": rng.normal(size=4),
        "beta": rng.normal(size=4),
    }
    lam = 0.37
    grads = reg.l2_grad(params, lam)
    for key, value in params.items():

        def penalty(v, key=key):
            return reg.l2_penalty({**params, key: v}, lam)

        numerical = numerical_gradient(penalty, value.copy())
        assert relative_error(grads[key], numerical) < 1e-7, key
        if not key.startswith("W"):  # biases, gamma and beta are not decayed
            np.testing.assert_array_equal(grads[key], 0.0)
            np.testing.assert_array_equal(numerical, 0.0)


def test_biases_are_not_decayed():
    params = _l2_params()
    bigger_biases = {**params, "b1": 1e3 * params["b1"], "b2": -params["b2"]}
    assert reg.l2_penalty(bigger_biases, 0.5) == reg.l2_penalty(params, 0.5)
    assert reg.weight_keys({**params, "gamma": np.ones(2), "beta": np.ones(2)}) == ["W1", "W2"]


def test_l2_does_not_mutate_and_returns_new_arrays():
    params = dict(zip(_l2_params(), read_only(*_l2_params().values()), strict=True))
    before = {k: v.copy() for k, v in params.items()}
    grads = reg.l2_grad(params, 1.0)
    reg.l2_penalty(params, 1.0)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        assert grads[key] is not params[key]
    grads["W1"][:] = 0.0  # writeable, and not the caller's array
    np.testing.assert_array_equal(params["W1"], before["W1"])


@pytest.mark.parametrize("fn", [reg.l2_penalty, reg.l2_grad])
def test_l2_errors_name_the_problem(fn):
    params = _l2_params()
    with pytest.raises(ValueError, match=r"lam must be >= 0"):
        fn(params, -0.1)
    with pytest.raises(TypeError, match=r"lam must be a real number"):
        fn(params, None)
    with pytest.raises(TypeError, match=r"params must be a dict"):
        fn([params["W1"]], 0.1)
    with pytest.raises(TypeError, match=r"keys of params must be strings"):
        fn({1: params["W1"]}, 0.1)
    with pytest.raises(ValueError, match=r"params\['b1'\] contains a non-finite value"):
        fn({**params, "b1": np.array([np.inf])}, 0.1)
    with pytest.raises(TypeError, match=r"params\['W1'\] must hold real numbers"):
        fn({**params, "W1": np.array(["a"])}, 0.1)
