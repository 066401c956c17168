import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab import layers
from backproplab.gradcheck import numerical_vjp, relative_error

ACTIVATIONS = sorted(layers.ACTIVATION_LAYERS)


def test_dense_forward_hand_value():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0])
    out, _ = layers.dense_forward(x, W, b)
    # [1*1 + 2*0.5, 1*0 + 2*2 + 1, -1 + 2 - 1]
    np.testing.assert_allclose(out, [[2.0, 5.0, 0.0]])


def test_dense_backward_hand_value():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0], [-1.0]])
    _, cache = layers.dense_forward(x, W, np.zeros(1))
    dx, dW, db = layers.dense_backward(np.array([[1.0], [2.0]]), cache)
    np.testing.assert_allclose(dx, [[1.0, -1.0], [2.0, -2.0]])  # dout W^T
    np.testing.assert_allclose(dW, [[1 + 6.0], [2 + 8.0]])  # x^T dout: sums over the batch
    np.testing.assert_allclose(db, [3.0])


def test_sigmoid_backward_is_z_one_minus_z():
    # The syllabus' sigmoid-layer rule with z the output: local gradient z(1 - z).
    x = np.array([0.0, np.log(3.0)])
    _, cache = layers.sigmoid_forward(x)
    np.testing.assert_allclose(layers.sigmoid_backward(np.ones(2), cache), [0.25, 0.75 * 0.25])


def test_relu_backward_routes_gradient_only_where_positive():
    x = np.array([[-1.0, 0.0, 2.0]])
    _, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(
        layers.relu_backward(np.array([[5.0, 5.0, 5.0]]), cache), [[0, 0, 5]]
    )


# --- gradients ------------------------------------------------------------------------------


def test_dense_backward_numerical(rng):
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
    dout = rng.normal(size=(4, 5))
    _, cache = layers.dense_forward(x, W, b)
    dx, dW, db = layers.dense_backward(dout, cache)
    assert (
        relative_error(dx, numerical_vjp(lambda t: layers.dense_forward(t, W, b)[0], x, dout))
        < 1e-7
    )
    assert (
        relative_error(dW, numerical_vjp(lambda t: layers.dense_forward(x, t, b)[0], W, dout))
        < 1e-7
    )
    assert (
        relative_error(db, numerical_vjp(lambda t: layers.dense_forward(x, W, t)[0], b, dout))
        < 1e-7
    )


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_backward_numerical(name, rng):
    forward, backward = layers.ACTIVATION_LAYERS[name]
    x = rng.normal(size=(3, 4)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # away from kinks
    dout = rng.normal(size=(3, 4))
    _, cache = forward(x)
    assert (
        relative_error(backward(dout, cache), numerical_vjp(lambda t: forward(t)[0], x, dout))
        < 1e-7
    )


def test_leaky_relu_layer_uses_its_alpha(rng):
    x = rng.normal(size=(2, 6))
    dout = rng.normal(size=(2, 6))
    _, cache = layers.leaky_relu_forward(x, alpha=0.2)
    num = numerical_vjp(lambda t: layers.leaky_relu_forward(t, alpha=0.2)[0], x, dout)
    assert relative_error(layers.leaky_relu_backward(dout, cache), num) < 1e-7


def test_wrong_backward_is_caught(rng):
    # dW = x^T dout / N (averaging twice) must fail the same check
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    dout = rng.normal(size=(4, 2))
    num = numerical_vjp(lambda t: layers.dense_forward(x, t, b)[0], W, dout)
    assert relative_error(x.T @ dout / 4, num) > 1e-2


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_dense_shapes(N, D, M):
    rng = np.random.default_rng(N * 100 + D * 10 + M)
    out, cache = layers.dense_forward(rng.normal(size=(N, D)), rng.normal(size=(D, M)), np.zeros(M))
    dx, dW, db = layers.dense_backward(np.ones((N, M)), cache)
    assert (out.shape, dx.shape, dW.shape, db.shape) == ((N, M), (N, D), (D, M), (M,))


# --- bad input and purity -------------------------------------------------------------------


def test_dense_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"x has 3 features \(shape \(2, 3\)\) but W expects 4"):
        layers.dense_forward(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros(5))
    with pytest.raises(ValueError, match=r"b has shape \(4,\) but W has 5 outputs"):
        layers.dense_forward(np.zeros((2, 4)), np.zeros((4, 5)), np.zeros(4))
    with pytest.raises(ValueError, match=r"flatten it first"):
        layers.dense_forward(np.zeros((2, 1, 2, 2)), np.zeros((4, 5)), np.zeros(5))
    _, cache = layers.dense_forward(np.zeros((2, 4)), np.zeros((4, 5)), np.zeros(5))
    with pytest.raises(
        ValueError, match=r"dout has shape \(2, 4\) but the forward output had shape \(2, 5\)"
    ):
        layers.dense_backward(np.zeros((2, 4)), cache)


def test_cache_mix_up_is_explained():
    _, relu_cache = layers.relu_forward(np.ones(3))
    _, sigmoid_cache = layers.sigmoid_forward(np.ones(3))
    with pytest.raises(TypeError, match="DenseCache returned by dense_forward, got a ReluCache"):
        layers.dense_backward(np.ones((1, 3)), relu_cache)
    # same length, so only the cache's type can tell them apart
    with pytest.raises(TypeError, match="ReluCache returned by relu_forward, got a SigmoidCache"):
        layers.relu_backward(np.ones(3), sigmoid_cache)
    with pytest.raises(TypeError, match=r"a tuple of length 2 \(expected 1: \('x',\)\)"):
        layers.relu_backward(np.ones(3), (1, 2))


def test_plain_tuple_cache_from_a_students_forward_is_accepted(rng):
    x, W, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dout = rng.normal(size=(2, 4))
    _, cache = layers.dense_forward(x, W, b)
    for got, want in zip(
        layers.dense_backward(dout, (x, W, b)), layers.dense_backward(dout, cache), strict=True
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_cache_is_a_snapshot(name, rng):
    # Changing the input or the output after the forward pass must not change the backward.
    forward, backward = layers.ACTIVATION_LAYERS[name]
    x = rng.normal(size=(3, 4))
    dout = rng.normal(size=(3, 4))
    out, cache = forward(x)
    before = backward(dout, cache)
    x += 1.0
    out -= 1.0
    np.testing.assert_array_equal(backward(dout, cache), before)


def test_dense_cache_is_a_snapshot(rng):
    x, W, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dout = rng.normal(size=(2, 4))
    _, cache = layers.dense_forward(x, W, b)
    before = layers.dense_backward(dout, cache)
    x += 1.0
    W *= 2.0
    for got, want in zip(layers.dense_backward(dout, cache), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_non_finite_inputs_and_gradients_are_refused():
    with pytest.raises(ValueError, match=r"x contains a non-finite value \(inf\)"):
        layers.dense_forward([[np.inf, 1.0]], [[0.0], [1.0]], [0.0])
    _, cache = layers.relu_forward(np.array([-1.0, 2.0]))
    with pytest.raises(ValueError, match=r"dout contains a non-finite value \(inf\)"):
        layers.relu_backward(np.array([np.inf, 1.0]), cache)


def test_zero_d_input_gives_arrays_everywhere():
    for name in ACTIVATIONS:
        forward, _ = layers.ACTIVATION_LAYERS[name]
        out, _ = forward(np.array(2.0))
        assert isinstance(out, np.ndarray) and out.shape == (), name


def test_empty_batch_passes_through():
    # Documented: N = 0 is a valid (empty) batch for layers; losses refuse it.
    out, cache = layers.dense_forward(np.zeros((0, 3)), np.ones((3, 2)), np.zeros(2))
    dx, dW, db = layers.dense_backward(np.zeros((0, 2)), cache)
    assert out.shape == (0, 2) and dx.shape == (0, 3)
    np.testing.assert_array_equal(dW, np.zeros((3, 2)))
    np.testing.assert_array_equal(db, np.zeros(2))


def test_nan_and_dtype_errors():
    with pytest.raises(ValueError, match=r"x contains a non-finite value \(nan\)"):
        layers.relu_forward(np.array([np.nan]))
    with pytest.raises(TypeError, match="W must hold real numbers"):
        layers.dense_forward(np.zeros((1, 1)), np.array([["a"]]), np.zeros(1))


@pytest.mark.parametrize("name", [*ACTIVATIONS, "dense"])
def test_no_layer_writes_its_inputs(name, rng):
    x = rng.normal(size=(3, 4))
    dout = rng.normal(size=(3, 4))
    x.flags.writeable = False
    dout.flags.writeable = False
    if name == "dense":
        W = rng.normal(size=(4, 4))
        b = rng.normal(size=4)
        W.flags.writeable = b.flags.writeable = False
        _, cache = layers.dense_forward(x, W, b)
        layers.dense_backward(dout, cache)
    else:
        forward, backward = layers.ACTIVATION_LAYERS[name]
        out, cache = forward(x)
        assert not np.shares_memory(out, x)
        backward(dout, cache)


def test_flatten_round_trip(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    out, cache = layers.flatten_forward(x)
    assert out.shape == (2, 60)
    np.testing.assert_array_equal(out[1], x[1].ravel())  # example by example, C-order
    dout = rng.normal(size=(2, 60))
    assert (
        relative_error(
            layers.flatten_backward(dout, cache),
            numerical_vjp(lambda t: layers.flatten_forward(t)[0], x, dout),
        )
        < 1e-7
    )
    with pytest.raises(
        ValueError, match=r"dout has shape \(2, 59\) but the forward output had shape \(2, 60\)"
    ):
        layers.flatten_backward(np.zeros((2, 59)), cache)


def test_flatten_an_empty_batch_keeps_the_width():
    out, cache = layers.flatten_forward(np.zeros((0, 3, 4, 5)))
    assert out.shape == (0, 60)
    assert layers.flatten_backward(np.zeros((0, 60)), cache).shape == (0, 3, 4, 5)
