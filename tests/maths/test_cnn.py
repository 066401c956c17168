import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab import cnn, datasets, training
from backproplab.conv import conv2d_backward, conv2d_forward
from backproplab.gradcheck import numerical_gradient, relative_error
from backproplab.layers import dense_backward, flatten_backward, relu_backward
from backproplab.losses import softmax_cross_entropy
from backproplab.network import count_parameters
from backproplab.optimizers import make_optimizer

# ------------------------------------------------------------------ hand-computed cases


def test_forward_by_hand_flattened():
    # 1x1 kernel (pad 0): z = 2x - 1 = [[1, -7], [3, 0]]; ReLU -> [[1, 0], [3, 0]];
    # 2x2 max pool -> 3; scores = 3 * [1, -2] + [0.5, 0] = [3.5, -6].
    params = {
        "W1": np.array([[[[2.0]]]]),
        "b1": np.array([-1.0]),
        "W2": np.array([[1.0, -2.0]]),
        "b2": np.array([0.5, 0.0]),
    }
    x = np.array([[[[1.0, -3.0], [2.0, 0.5]]]])
    scores, caches = cnn.cnn_forward(params, x)
    np.testing.assert_allclose(scores, [[3.5, -6.0]])
    np.testing.assert_allclose(caches[0].feature_maps, [[[[1.0, 0.0], [3.0, 0.0]]]])
    assert isinstance(caches[0], cnn.ConvBlockCache)
    assert isinstance(caches[1], cnn.DenseBlockCache) and caches[1].relu is None


def test_forward_by_hand_global_pool_and_flatten():
    # Identity 1x1 conv on x = 0..15 (4x4); ReLU keeps it; 2x2 pooling -> [[5, 7], [13, 15]].
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    conv = {"W1": np.ones((1, 1, 1, 1)), "b1": np.zeros(1)}
    # fan-in 1 = C: global max pool -> 15; score = 2 * 15 + 1
    pooled = {**conv, "W2": np.array([[2.0]]), "b2": np.array([1.0])}
    np.testing.assert_allclose(cnn.cnn_forward(pooled, x)[0], [[31.0]])
    # fan-in 4 = C*H*W: flattened [5, 7, 13, 15]; score = 5 - 15
    flat = {**conv, "W2": np.array([[1.0], [0.0], [0.0], [-1.0]]), "b2": np.zeros(1)}
    np.testing.assert_allclose(cnn.cnn_forward(flat, x)[0], [[-10.0]])


def test_hidden_dense_layer_has_relu_by_hand():
    # No conv block: x (1, 1, 1, 2) is flattened to [1, -1]; hidden z = [1 - 2, 1 + 1] =
    # [-1, 2], ReLU -> [0, 2]; score = 0 * 3 + 2 * 4 = 8 (without the ReLU it would be 5).
    params = {
        "W1": np.array([[1.0, 1.0], [2.0, -1.0]]),
        "b1": np.zeros(2),
        "W2": np.array([[3.0], [4.0]]),
        "b2": np.zeros(1),
    }
    np.testing.assert_allclose(cnn.cnn_forward(params, np.array([[[[1.0, -1.0]]]]))[0], [[8.0]])


def test_conv_block_uses_same_padding(rng):
    params = cnn.init_cnn((2, 6, 6), 3, rng, filters=(4,), kernel_size=5)
    x = rng.normal(size=(2, 2, 6, 6))
    _, caches = cnn.cnn_forward(params, x)
    maps = caches[0].feature_maps
    assert maps.shape == (2, 4, 6, 6)  # pad (5 - 1) / 2 = 2 keeps 6x6
    z, _ = conv2d_forward(x, params["W1"], params["b1"], stride=1, pad=2)
    np.testing.assert_allclose(maps, np.maximum(z, 0))
    assert not maps.flags.writeable


def test_init_shapes_and_parameter_count(rng):
    params = cnn.init_cnn((1, 8, 8), 10, rng)
    shapes = {k: v.shape for k, v in params.items()}
    assert shapes == {
        "W1": (8, 1, 3, 3),
        "b1": (8,),
        "W2": (16, 8, 3, 3),
        "b2": (16,),
        "W3": (16 * 2 * 2, 10),
        "b3": (10,),
    }
    # 8*9 + 8 + 16*8*9 + 16 + 64*10 + 10, counted by hand
    assert count_parameters(params) == 72 + 8 + 1152 + 16 + 640 + 10
    pooled = cnn.init_cnn((1, 12, 12), 10, rng, global_pool=True, hidden=(32,))
    assert pooled["W3"].shape == (16, 32) and pooled["W4"].shape == (32, 10)
    assert all(not np.any(v) for k, v in params.items() if k.startswith("b"))


def test_init_he_standard_deviation(rng):
    params = cnn.init_cnn((16, 2, 2), 300, rng, filters=(500,))
    # fan-in of a filter: C * k * k = 16 * 9; of the dense layer: 500 * 1 * 1
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 144), rel=0.02)
    assert params["W2"].std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)


def test_init_is_reproducible():
    a = cnn.init_cnn((1, 8, 8), 10, np.random.default_rng(3))
    b = cnn.init_cnn((1, 8, 8), 10, np.random.default_rng(3))
    c = cnn.init_cnn((1, 8, 8), 10, np.random.default_rng(4))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])


# ------------------------------------------------------------------ gradient checks


def _tiny_params(rng, **kwargs):
    params = cnn.init_cnn((2, 4, 4), 3, rng, **kwargs)
    # Non-zero biases, so that db is exercised and no ReLU input sits at its kink.
    return {
        k: v + rng.normal(0, 0.1, size=v.shape) if k[0] == "b" else v for k, v in params.items()
    }


@pytest.mark.parametrize(
    "arch",
    [
        {"filters": (3, 4)},
        {"filters": (3,), "global_pool": True, "hidden": (5,)},
        {"filters": (2,), "kernel_size": 1, "hidden": (4, 3)},
        {"filters": ()},
    ],
    ids=["two blocks, flatten", "global pool, hidden", "1x1 kernel, two hidden", "dense only"],
)
def test_gradients_match_central_differences(arch, rng):
    params = _tiny_params(rng, **arch)
    x = rng.normal(size=(3, 2, 4, 4))
    y = np.array([0, 2, 1])

    def loss(_):
        return softmax_cross_entropy(cnn.cnn_forward(params, x)[0], y)[0]

    value, grads = cnn.cnn_loss_and_grads(params, x, y)
    assert value == pytest.approx(loss(None))
    assert list(grads) == list(params)
    for key, p in params.items():
        assert grads[key].shape == p.shape
        assert relative_error(grads[key], numerical_gradient(loss, p)) < 1e-7, key


def test_odd_sizes_are_floored_by_the_pooling(rng):
    """A 7x5 image: 2x2 pooling floors 7x5 -> 3x2 -> 1x1; the unread last row/column of
    each pooled map gets zero gradient, and the gradients still match central differences."""
    params = cnn.init_cnn((1, 7, 5), 3, rng, filters=(2, 3))
    params = {
        k: v + rng.normal(0, 0.1, size=v.shape) if k[0] == "b" else v for k, v in params.items()
    }
    assert params["W3"].shape == (3 * 1 * 1, 3)
    x = rng.normal(size=(2, 1, 7, 5))
    y = np.array([2, 0])
    scores, caches = cnn.cnn_forward(params, x)
    assert scores.shape == (2, 3)
    assert caches[0].feature_maps.shape == (2, 2, 7, 5)
    assert caches[1].feature_maps.shape == (2, 3, 3, 2)
    _, grads = cnn.cnn_loss_and_grads(params, x, y)
    for key, p in params.items():

        def loss(_):
            return softmax_cross_entropy(cnn.cnn_forward(params, x)[0], y)[0]

        assert relative_error(grads[key], numerical_gradient(loss, p)) < 1e-7, key


def test_a_broken_chain_is_caught(rng):
    # Skipping the pooling's routing (spreading dout evenly) must fail the same check.
    params = _tiny_params(rng, filters=(2,))
    x = rng.normal(size=(2, 2, 4, 4))
    y = np.array([1, 0])
    scores, caches = cnn.cnn_forward(params, x)
    _, dscores = softmax_cross_entropy(scores, y)
    good = cnn.cnn_backward(dscores, caches)["W1"]
    block, dense = caches
    dpooled = flatten_backward(dense_backward(dscores, dense.dense)[0], dense.flatten)
    spread = np.repeat(np.repeat(dpooled, 2, axis=2), 2, axis=3) / 4  # average pooling's
    wrong = conv2d_backward(relu_backward(spread, block.relu), block.conv)[1]
    num = numerical_gradient(
        lambda _: softmax_cross_entropy(cnn.cnn_forward(params, x)[0], y)[0], params["W1"]
    )
    assert relative_error(good, num) < 1e-7
    assert relative_error(wrong, num) > 1e-2


def test_trains_on_digits():
    X, y = datasets.load_digits(images=True)
    X, y = X[:300], y[:300]
    rng = np.random.default_rng(0)
    params = cnn.init_cnn((1, 8, 8), 10, rng, filters=(4, 8))
    params, history = training.train(
        params, cnn.cnn_loss_and_grads, X, y, make_optimizer("adam", lr=1e-2), 8, 32, rng
    )
    assert history["epoch_loss"][-1] < 0.5 * history["epoch_loss"][0]
    assert training.accuracy(cnn.cnn_forward(params, X)[0], y) > 0.9


# ------------------------------------------------------------------ errors and purity


def test_init_errors(rng):
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        cnn.init_cnn((1, 8, 8), 10, 0)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        cnn.init_cnn((1, 8, 8), 10, rng, kernel_size=2)
    with pytest.raises(ValueError, match=r"H=8, W=8.*rounding down.*at least 16"):
        cnn.init_cnn((1, 8, 8), 10, rng, filters=(2, 2, 2, 2))
    with pytest.raises(ValueError, match=r"H=3, W=9.*at least 4"):
        cnn.init_cnn((1, 3, 9), 10, rng, filters=(2, 2))
    with pytest.raises(ValueError, match=r"input_shape must be \(C, H, W\)"):
        cnn.init_cnn((8, 8), 10, rng)
    with pytest.raises(ValueError, match=r"global_pool needs square feature maps.*2x4"):
        cnn.init_cnn((1, 4, 8), 10, rng, filters=(2,), global_pool=True)
    with pytest.raises(TypeError, match="global_pool must be True or False"):
        cnn.init_cnn((1, 8, 8), 10, rng, global_pool="yes")
    with pytest.raises(TypeError, match="every entry of filters must be an integer"):
        cnn.init_cnn((1, 8, 8), 10, rng, filters=(8.0,))


def test_forward_and_backward_errors(rng):
    params = cnn.init_cnn((1, 8, 8), 10, rng)
    with pytest.raises(
        ValueError, match=r"cnn_forward: layer 1: conv2d_forward: x has 3 channels but w expects 1"
    ):
        cnn.cnn_forward(params, np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"cnn_forward: x must be 4-D, got shape \(2, 64\)"):
        cnn.cnn_forward(params, np.zeros((2, 64)))
    with pytest.raises(
        ValueError, match=r"layer 3: the dense layer expects 64 inputs .* C\*H\*W = 144"
    ):
        cnn.cnn_forward(params, np.zeros((2, 1, 12, 12)))
    swapped = {"W1": params["W3"], "b1": params["b3"], "W2": params["W1"], "b2": params["b1"]}
    with pytest.raises(ValueError, match=r"W2 is a conv filter bank .* after a dense layer"):
        cnn.cnn_forward(swapped, np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="the last layer W1 must be dense"):
        cnn.cnn_forward({"W1": params["W1"], "b1": params["b1"]}, np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"W1 has shape \(2, 2, 2\); expected a 4-D"):
        cnn.cnn_forward({"W1": np.zeros((2, 2, 2)), "b1": np.zeros(2)}, np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="params has no b2"):
        cnn.cnn_forward({k: v for k, v in params.items() if k != "b2"}, np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="cnn_forward: x contains NaN"):
        cnn.cnn_forward(params, np.full((1, 1, 8, 8), np.nan))
    _, caches = cnn.cnn_forward(params, np.zeros((2, 1, 8, 8)))
    with pytest.raises(
        ValueError, match=r"cnn_backward: layer 3: dense_backward: dout has shape \(2, 9\)"
    ):
        cnn.cnn_backward(np.zeros((2, 9)), caches)
    with pytest.raises(TypeError, match="caches must be the list returned by cnn_forward"):
        cnn.cnn_backward(np.zeros((2, 10)), caches[0])
    with pytest.raises(TypeError, match="caches must be the list returned by cnn_forward"):
        cnn.cnn_backward(np.zeros((2, 10)), [])


def test_nothing_is_mutated(rng):
    params = _tiny_params(rng, filters=(2,), global_pool=True)
    x = rng.normal(size=(2, 2, 4, 4))
    y = np.array([0, 1])
    before = {k: v.copy() for k, v in params.items()}
    x_before = x.copy()
    for v in params.values():
        v.flags.writeable = False
    x.flags.writeable = False
    cnn.cnn_loss_and_grads(params, x, y)
    assert all(np.array_equal(params[k], before[k]) for k in params)
    np.testing.assert_array_equal(x, x_before)


# ------------------------------------------------------------------ properties

_ONE_BLOCK = cnn.init_cnn((1, 10, 10), 4, np.random.default_rng(1), filters=(3,), global_pool=True)


@given(
    seed=st.integers(0, 2**32 - 1),
    dy=st.sampled_from([-2, 0, 2]),
    dx=st.sampled_from([-2, 0, 2]),
)
def test_global_pool_ignores_shifts_by_the_pooling_stride(seed, dy, dx):
    # Content 4x4 in the middle of an empty 10x10 canvas stays at least one pixel (the 3x3
    # kernel's reach) from the border after a shift of 2: convolution and ReLU move with the
    # image, 2x2 pooling moves by exactly one cell, and the global maximum does not move.
    x = np.zeros((1, 1, 10, 10))
    x[0, 0, 3:7, 3:7] = np.random.default_rng(seed).normal(size=(4, 4))
    shifted = np.roll(x, (dy, dx), axis=(2, 3))
    np.testing.assert_allclose(
        cnn.cnn_forward(_ONE_BLOCK, shifted)[0], cnn.cnn_forward(_ONE_BLOCK, x)[0], atol=1e-12
    )


@given(
    n=st.integers(1, 3),
    filters=st.lists(st.integers(1, 3), max_size=2),
    hidden=st.lists(st.integers(1, 3), max_size=1),
)
def test_gradients_have_the_parameters_shapes(n, filters, hidden):
    rng = np.random.default_rng(0)
    params = cnn.init_cnn((1, 4, 4), 2, rng, filters=filters, hidden=hidden)
    scores, caches = cnn.cnn_forward(params, rng.normal(size=(n, 1, 4, 4)))
    assert scores.shape == (n, 2)
    grads = cnn.cnn_backward(np.ones_like(scores), caches)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in params.items()}
