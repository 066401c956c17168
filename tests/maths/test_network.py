import numpy as np
import pytest

from backproplab import network
from backproplab.activations import softmax
from backproplab.gradcheck import numerical_gradient, relative_error
from backproplab.losses import cross_entropy, softmax_cross_entropy


def test_parameter_count_of_4_5_5_3_is_73(rng):
    params = network.init_mlp([4, 5, 5, 3], rng)
    # counted by hand: 4*5 + 5 + 5*5 + 5 + 5*3 + 3
    assert network.count_parameters(params) == 4 * 5 + 5 + 5 * 5 + 5 + 5 * 3 + 3 == 73
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert params["W2"].shape == (5, 5) and params["b3"].shape == (3,)


def test_forward_by_hand():
    # 1 -> 2 -> 1 with ReLU: z1 = [1*1, 1*-1] + [0, 0]; a1 = [1, 0]; out = 1*2 + 0*3 + 0.5
    params = {
        "W1": np.array([[1.0, -1.0]]),
        "b1": np.zeros(2),
        "W2": np.array([[2.0], [3.0]]),
        "b2": np.array([0.5]),
    }
    out, caches = network.mlp_forward(params, np.array([[1.0]]))
    np.testing.assert_allclose(out, [[2.5]])
    np.testing.assert_allclose(caches[0].z, [[1.0, -1.0]])
    assert [c.activation for c in caches] == ["relu", "identity"]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
def test_mlp_backward_numerical(activation, rng):
    params = network.init_mlp([3, 4, 5, 2], rng, scheme="xavier", bias=0.1)
    x = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6)

    def loss(_):
        return softmax_cross_entropy(network.mlp_forward(params, x, activation)[0], y)[0]

    out, caches = network.mlp_forward(params, x, activation)
    _, dout = softmax_cross_entropy(out, y)
    grads = network.mlp_backward(dout, caches)
    assert list(grads) == list(params)
    for key, value in params.items():
        assert relative_error(grads[key], numerical_gradient(loss, value)) < 1e-7, key


def test_wrong_chain_rule_is_caught(rng):
    # Forgetting the activation's local gradient in the hidden layer must be visible.
    params = network.init_mlp([2, 3, 1], rng, scheme="xavier")
    x = rng.normal(size=(4, 2))
    out, caches = network.mlp_forward(params, x, "sigmoid")
    dout = np.ones_like(out)
    wrong_dz1 = dout @ params["W2"].T  # missing * z(1 - z)
    wrong_dW1 = x.T @ wrong_dz1
    num = numerical_gradient(
        lambda _: network.mlp_forward(params, x, "sigmoid")[0].sum(), params["W1"]
    )
    assert relative_error(network.mlp_backward(dout, caches)["W1"], num) < 1e-7
    assert relative_error(wrong_dW1, num) > 1e-2


@pytest.mark.parametrize(
    ("init", "expected_std"),
    [
        (network.he_init, np.sqrt(2 / 400)),
        (network.xavier_init, np.sqrt(2 / (400 + 600))),
    ],
)
def test_init_standard_deviation(init, expected_std, rng):
    W = init(400, 600, rng)
    assert W.shape == (400, 600)
    # 240,000 draws: the sample std is within 1% of the truth with overwhelming probability
    assert W.std() == pytest.approx(expected_std, rel=0.01)
    assert abs(W.mean()) < expected_std * 0.01


def test_normal_scheme_uses_scale_and_bias(rng):
    params = network.init_mlp([300, 300, 1], rng, scheme="normal", scale=0.5, bias=0.1)
    assert params["W1"].std() == pytest.approx(0.5, rel=0.02)
    np.testing.assert_array_equal(params["b1"], np.full(300, 0.1))


def test_init_is_reproducible():
    a = network.init_mlp([4, 5, 3], np.random.default_rng(7))
    b = network.init_mlp([4, 5, 3], np.random.default_rng(7))
    c = network.init_mlp([4, 5, 3], np.random.default_rng(8))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])


def test_errors_are_clear(rng):
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        network.init_mlp([2, 3], 42)
    with pytest.raises(ValueError, match="scheme must be one of"):
        network.init_mlp([2, 3], rng, scheme="kaiming")
    with pytest.raises(ValueError, match="needs an input and an output size"):
        network.init_mlp([2], rng)
    with pytest.raises(TypeError, match="every layer size must be an integer"):
        network.init_mlp([2, 3.5], rng)
    params = network.init_mlp([2, 3, 1], rng)
    with pytest.raises(ValueError, match=r"layer 1: dense_forward: x has 4 features"):
        network.mlp_forward(params, np.zeros((1, 4)))
    with pytest.raises(ValueError, match="activation must be one of"):
        network.mlp_forward(params, np.zeros((1, 2)), activation="gelu")
    with pytest.raises(ValueError, match="params has no b2"):
        network.mlp_forward(
            {"W1": params["W1"], "b1": params["b1"], "W2": params["W2"]}, np.zeros((1, 2))
        )
    with pytest.raises(ValueError, match="unexpected key 'w1'"):
        network.num_layers({"w1": 0})
    _, caches = network.mlp_forward(params, np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"layer 2: identity_backward: dout has shape \(5, 2\)"):
        network.mlp_backward(np.zeros((5, 2)), caches)
    with pytest.raises(TypeError, match="caches must be the list returned by mlp_forward"):
        network.mlp_backward(np.zeros((5, 1)), [("x",)])


def test_forward_and_backward_do_not_write_params(rng):
    params = network.init_mlp([3, 4, 2], rng)
    for v in params.values():
        v.flags.writeable = False
    x = rng.normal(size=(2, 3))
    x.flags.writeable = False
    out, caches = network.mlp_forward(params, x, "tanh")
    network.mlp_backward(np.ones_like(out), caches)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_skip_connections_backward_numerical(activation, rng):
    params = network.init_mlp([3, 4, 4, 4, 2], rng, scheme="xavier", bias=0.1)
    x = rng.normal(size=(5, 3))
    y = rng.integers(0, 2, size=5)

    def loss(_):
        return softmax_cross_entropy(network.mlp_forward(params, x, activation, skip=True)[0], y)[0]

    out, caches = network.mlp_forward(params, x, activation, skip=True)
    assert [c.skip for c in caches] == [False, True, True, False]  # not the first, not logits
    grads = network.mlp_backward(softmax_cross_entropy(out, y)[1], caches)
    for key, value in params.items():
        assert relative_error(grads[key], numerical_gradient(loss, value)) < 1e-7, key


def test_skip_forward_by_hand():
    # 1 -> 1 -> 1 -> 1, identity activation, all weights 2, biases 0, x = 1:
    # a1 = 2; a2 = 2*a1 + a1 = 6 (skip); out = 2*a2 = 12
    params = {
        f"{k}{l}": np.array([[2.0]]) if k == "W" else np.zeros(1) for l in (1, 2, 3) for k in "Wb"
    }
    out, _ = network.mlp_forward(params, np.array([[1.0]]), "identity", skip=True)
    np.testing.assert_allclose(out, [[12.0]])


def test_skip_connections_keep_early_gradients_alive(rng):
    # The chapter 7 effect: 12 sigmoid layers shrink the first layer's gradient by orders of
    # magnitude; skip connections pass it through.
    from backproplab.diagnostics import gradient_norms

    params = network.init_mlp([8] + [16] * 12 + [2], rng, scheme="xavier")
    x = rng.normal(size=(32, 8))
    y = rng.integers(0, 2, size=32)
    norms = {}
    for skip in (False, True):
        out, caches = network.mlp_forward(params, x, "sigmoid", skip=skip)
        norms[skip] = gradient_norms(network.mlp_backward(softmax_cross_entropy(out, y)[1], caches))
    plain, residual = norms[False], norms[True]
    assert plain[0] < plain[-1] * 1e-3  # vanishing without skips
    assert residual[0] > plain[0] * 100


def test_skip_needs_equal_widths(rng):
    params = network.init_mlp([2, 3, 4, 1], rng)
    with pytest.raises(ValueError, match="layer 2 maps 3 units to 4, but a skip connection needs"):
        network.mlp_forward(params, np.zeros((1, 2)), skip=True)
    with pytest.raises(TypeError, match="skip must be True or False"):
        network.mlp_forward(params, np.zeros((1, 2)), skip="yes")


def test_mlp_loss_and_grads_matches_forward_backward(rng):
    params = network.init_mlp([3, 5, 2], rng)
    x = rng.normal(size=(4, 3))
    y = np.array([0, 1, 1, 0])
    loss, grads = network.mlp_loss_and_grads(params, x, y, "tanh")
    for key, value in params.items():
        num = numerical_gradient(
            lambda _: network.mlp_loss_and_grads(params, x, y, "tanh")[0], value
        )
        assert relative_error(grads[key], num) < 1e-7, key
    # the loss by another route: probabilities first, then cross-entropy
    p = softmax(network.mlp_forward(params, x, "tanh")[0])
    assert loss == pytest.approx(cross_entropy(p, y), rel=1e-12)


def test_a_hidden_layer_learns_xor():
    # What one perceptron cannot do (chapter 1), two layers can: the whole stack end to end.
    from backproplab.datasets import logic_gate
    from backproplab.optimizers import make_optimizer
    from backproplab.training import accuracy, train

    X, y = logic_gate("xor")
    rng = np.random.default_rng(0)
    params = network.init_mlp([2, 8, 2], rng, scheme="xavier")
    params, history = train(
        params,
        lambda p, xb, yb: network.mlp_loss_and_grads(p, xb, yb, "tanh"),
        X,
        y,
        make_optimizer("adam", lr=0.05),
        epochs=300,
        batch_size=None,
        rng=None,
        shuffle=False,
    )
    assert accuracy(network.mlp_forward(params, X, "tanh")[0], y) == 1.0
    assert history["epoch_loss"][-1] < 0.05 < history["epoch_loss"][0]
