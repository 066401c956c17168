import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab import chain1d
from backproplab.gradcheck import numerical_gradient, relative_error

LN3 = np.log(3.0)  # sigma(ln 3) = 3/4, sigma'(ln 3) = 3/16


def test_forward_hand_values():
    # z1 = ln3 * 1 + 0 -> a1 = 3/4; z2 = 1 * 3/4 - 3/4 = 0 -> a2 = 1/2
    out, cache = chain1d.chain1d_forward(1.0, [LN3, 1.0], [0.0, -0.75])
    assert out == pytest.approx(0.5)
    np.testing.assert_allclose(cache.z, [LN3, 0.0], atol=1e-15)
    np.testing.assert_allclose(cache.a, [1.0, 0.75, 0.5])
    np.testing.assert_array_equal(cache.w, [LN3, 1.0])


def test_backward_hand_values():
    # y = 1: C = (1/2 - 1)^2 = 1/4, C'(a2) = -1
    # delta2 = -1 * 1/4 = -1/4; dw2 = delta2 * a1 = -3/16; db2 = -1/4; dC/da1 = delta2 * w2 = -1/4
    # delta1 = -1/4 * 3/16 = -3/64; dw1 = delta1 * x = -3/64; db1 = -3/64; dx = delta1 * ln3
    cost, dw, db = chain1d.chain1d_gradients(1.0, 1.0, [LN3, 1.0], [0.0, -0.75])
    assert cost == pytest.approx(0.25)
    np.testing.assert_allclose(dw, [-3 / 64, -3 / 16])
    np.testing.assert_allclose(db, [-3 / 64, -1 / 4])
    _, cache = chain1d.chain1d_forward(1.0, [LN3, 1.0], [0.0, -0.75])
    dx, _, _ = chain1d.chain1d_backward(-1.0, cache)
    assert dx == pytest.approx(-3 / 64 * LN3)


def test_one_layer_hand_values():
    # x = 2, w = ln3 / 2: z = ln3, a = 3/4; y = 0: C = 9/16, C' = 3/2, delta = 3/2 * 3/16 = 9/32
    cost, dw, db = chain1d.chain1d_gradients(2.0, 0.0, [LN3 / 2], [0.0])
    assert cost == pytest.approx(9 / 16)
    np.testing.assert_allclose(dw, [9 / 16])
    np.testing.assert_allclose(db, [9 / 32])


def test_zero_weights_block_the_gradient_below():
    # all z = 0, a = 1/2; w3 = 0 means layer 3 passes nothing down
    _, dw, db = chain1d.chain1d_gradients(1.0, 1.0, np.zeros(3), np.zeros(3))
    np.testing.assert_allclose(dw, [0.0, 0.0, -0.125])
    np.testing.assert_allclose(db, [0.0, 0.0, -0.25])


# --- numerical gradient checks ---------------------------------------------------------------


@pytest.mark.parametrize("L", [1, 3, 6])
def test_gradients_match_central_differences(rng, L):
    x, y = rng.normal(), rng.uniform()
    w, b = rng.normal(0, 1.5, size=L), rng.normal(size=L)
    _, dw, db = chain1d.chain1d_gradients(x, y, w, b)
    num_w = numerical_gradient(lambda t: chain1d.chain1d_gradients(x, y, t, b)[0], w.copy())
    num_b = numerical_gradient(lambda t: chain1d.chain1d_gradients(x, y, w, t)[0], b.copy())
    assert relative_error(dw, num_w) < 1e-7
    assert relative_error(db, num_b) < 1e-7


def test_dx_matches_central_differences(rng):
    w, b = rng.normal(size=3), rng.normal(size=3)
    x = np.array(0.7)
    _, cache = chain1d.chain1d_forward(x, w, b)
    dx, _, _ = chain1d.chain1d_backward(1.0, cache)
    num = numerical_gradient(lambda t: chain1d.chain1d_forward(float(t), w, b)[0], x)
    assert relative_error(dx, num) < 1e-7


# --- properties -------------------------------------------------------------------------------

finite = st.floats(-5, 5)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6), finite, st.floats(0, 1))
def test_shared_factor_properties(layers, x, y):
    w, b = (np.array(v) for v in zip(*layers, strict=True))
    _, dw, db = chain1d.chain1d_gradients(x, y, w, b)
    _, cache = chain1d.chain1d_forward(x, w, b)
    # dC/dw^j = delta^j a^{j-1} and dC/db^j = delta^j share the same delta^j
    np.testing.assert_allclose(dw, db * cache.a[:-1], rtol=1e-12, atol=1e-300)
    # |delta^{j-1}| <= |delta^j| |w^j| / 4 because sigma' <= 1/4
    assert np.all(np.abs(db[:-1]) <= np.abs(db[1:] * w[1:]) / 4 * (1 + 1e-12) + 1e-300)


# --- errors and purity --------------------------------------------------------------------------


def test_w_and_b_must_match():
    with pytest.raises(ValueError, match=r"chain1d_forward: w has shape \(3,\) but b has shape"):
        chain1d.chain1d_forward(1.0, np.zeros(3), np.zeros(2))


def test_empty_chain_is_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        chain1d.chain1d_forward(1.0, [], [])


def test_nan_and_bad_types_are_refused():
    with pytest.raises(ValueError, match="w contains a non-finite value"):
        chain1d.chain1d_forward(1.0, [np.nan], [0.0])
    with pytest.raises(TypeError, match="x must be a real number"):
        chain1d.chain1d_forward("1", [1.0], [0.0])
    with pytest.raises(ValueError, match="y must be finite"):
        chain1d.chain1d_gradients(1.0, np.inf, [1.0], [0.0])


def test_backward_refuses_a_foreign_cache():
    with pytest.raises(TypeError, match="chain1d_backward: cache must be"):
        chain1d.chain1d_backward(1.0, (np.zeros(1),))


def test_inputs_are_not_mutated(rng):
    w, b = rng.normal(size=3), rng.normal(size=3)
    w0, b0 = w.copy(), b.copy()
    _, cache = chain1d.chain1d_forward(0.5, w, b)
    chain1d.chain1d_backward(1.0, cache)
    chain1d.chain1d_gradients(0.5, 1.0, w, b)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(b, b0)
    assert not cache.a.flags.writeable
