import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backproplab import losses
from backproplab.activations import softmax
from backproplab.gradcheck import numerical_gradient, relative_error

# --- hand-computed values (the syllabus numbers) --------------------------------------------


def test_mse_hand_value():
    # ((1 - 0)^2 + (3 - 1)^2) / 2 = 2.5
    assert losses.mse(np.array([1.0, 3.0]), np.array([0.0, 1.0])) == 2.5
    np.testing.assert_allclose(
        losses.mse_grad(np.array([1.0, 3.0]), np.array([0.0, 1.0])), [1.0, 2.0]
    )


def test_mse_is_the_mean_over_all_elements():
    # 2x2 of errors 1: mean 1, not the sum over rows (2) nor over everything (4)
    assert losses.mse(np.ones((2, 2)), np.zeros((2, 2))) == 1.0


CLASSES = ("cat", "dog", "fish")
DOG = CLASSES.index("dog")


def test_cross_entropy_worked_example_dog():
    # True class "dog": only -log p_dog counts.
    bad = losses.cross_entropy(np.array([[0.2, 0.3, 0.5]]), np.array([DOG]))
    better = losses.cross_entropy(np.array([[0.3, 0.5, 0.2]]), np.array([DOG]))
    perfect = losses.cross_entropy(np.array([[0.0, 1.0, 0.0]]), np.array([DOG]))
    assert bad == pytest.approx(-math.log(0.3))
    assert round(bad, 2) == 1.20
    assert better == pytest.approx(-math.log(0.5))
    assert round(better, 2) == 0.69
    assert perfect == 0.0


def test_cross_entropy_one_hot_equals_integer_labels_and_averages_over_n():
    p = np.array([[0.2, 0.3, 0.5], [0.3, 0.5, 0.2]])
    by_index = losses.cross_entropy(p, np.array([1, 1]))
    by_one_hot = losses.cross_entropy(p, np.array([[0, 1, 0], [0, 1, 0]]))
    assert by_index == by_one_hot == pytest.approx((-math.log(0.3) - math.log(0.5)) / 2)


def test_binary_cross_entropy_hand_value():
    # p = 0.5 costs ln 2 whatever the label; p = 0.8 for y = 1 costs -ln 0.8
    assert losses.binary_cross_entropy(np.array([0.5, 0.5]), np.array([0.0, 1.0])) == pytest.approx(
        math.log(2.0)
    )
    assert losses.binary_cross_entropy(np.array([0.8]), np.array([1.0])) == pytest.approx(
        -math.log(0.8)
    )


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    z = np.array([[0.0, math.log(2.0), math.log(3.0)]])  # softmax = 1/6, 2/6, 3/6
    loss, dz = losses.softmax_cross_entropy(z, np.array([2]))
    assert loss == pytest.approx(-math.log(0.5))
    np.testing.assert_allclose(dz, [[1 / 6, 2 / 6, 3 / 6 - 1]])


def test_one_hot():
    np.testing.assert_array_equal(losses.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


# --- gradients ------------------------------------------------------------------------------


def test_mse_grad_numerical(rng):
    y_hat, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    num = numerical_gradient(lambda t: losses.mse(t, y), y_hat)
    assert relative_error(losses.mse_grad(y_hat, y), num) < 1e-7


def test_bce_grad_numerical(rng):
    p = rng.uniform(0.05, 0.95, size=(5,))
    y = rng.integers(0, 2, size=5).astype(float)
    num = numerical_gradient(lambda t: losses.binary_cross_entropy(t, y), p)
    assert relative_error(losses.binary_cross_entropy_grad(p, y), num) < 1e-7


@pytest.mark.parametrize("labels", ["int", "one_hot", "soft"])
def test_softmax_cross_entropy_grad_numerical(labels, rng):
    z = rng.normal(size=(5, 4)) * 3
    ints = rng.integers(0, 4, size=5)
    y = {
        "int": ints,
        "one_hot": losses.one_hot(ints, 4),
        "soft": softmax(rng.normal(size=(5, 4))),
    }[labels]
    loss, dz = losses.softmax_cross_entropy(z, y)
    num = numerical_gradient(lambda t: losses.softmax_cross_entropy(t, y)[0], z)
    assert relative_error(dz, num) < 1e-7
    assert loss == pytest.approx(losses.cross_entropy(softmax(z), y), rel=1e-12)


def test_wrong_gradient_is_caught(rng):
    # forgetting the 1/N of the mean: N times too large
    z = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5)
    _, dz = losses.softmax_cross_entropy(z, y)
    num = numerical_gradient(lambda t: losses.softmax_cross_entropy(t, y)[0], z)
    assert relative_error(dz * 5, num) > 1e-2


# --- stability ------------------------------------------------------------------------------


def test_probabilities_of_exactly_zero_and_one_are_finite_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = losses.cross_entropy(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 0]))
        bce = losses.binary_cross_entropy(np.array([0.0, 1.0, 1.0]), np.array([1.0, 0.0, 1.0]))
        dbce = losses.binary_cross_entropy_grad(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    # one certain-and-wrong example costs -log(PROB_EPS), the right one costs 0
    assert ce == pytest.approx(-math.log(losses.PROB_EPS) / 2)
    assert bce == pytest.approx(2 * -math.log(losses.PROB_EPS) / 3, rel=1e-6)
    assert np.all(np.isfinite(dbce))


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(2, 6)), elements=st.floats(-1e4, 1e4)
    ),
    st.data(),
)
def test_softmax_cross_entropy_finite_for_huge_logits(z, data):
    y = data.draw(hnp.arrays(np.int64, z.shape[0], elements=st.integers(0, z.shape[1] - 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dz = losses.softmax_cross_entropy(z, y)
    assert np.isfinite(loss) and loss >= 0
    assert np.all(np.isfinite(dz))
    np.testing.assert_allclose(dz.sum(axis=1), 0.0, atol=1e-12)  # p and y both sum to 1


# --- bad input and purity -------------------------------------------------------------------


def test_broadcasting_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"y_hat has shape \(3, 1\) but y has shape \(3,\)"):
        losses.mse(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match=r"p has shape \(2,\) but y has shape \(3,\)"):
        losses.binary_cross_entropy(np.full(2, 0.5), np.zeros(3))


def test_logits_given_to_cross_entropy_are_refused():
    with pytest.raises(ValueError, match="did you pass logits"):
        losses.cross_entropy(np.array([[2.0, -1.0, 0.5]]), np.array([0]))
    with pytest.raises(ValueError, match="apply a sigmoid"):
        losses.binary_cross_entropy(np.array([2.0]), np.array([1.0]))


def test_label_errors():
    p = np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"labels must be in 0..2 for 3 classes"):
        losses.cross_entropy(p, np.array([0, 3]))
    with pytest.raises(ValueError, match="2 predictions but 3 labels"):
        losses.cross_entropy(p, np.array([0, 1, 2]))
    with pytest.raises(
        ValueError, match=r"y has shape \(2, 2\) but the predictions have shape \(2, 3\)"
    ):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.eye(2))
    with pytest.raises(TypeError, match="labels must hold integer class labels"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="sum to 1"):
        losses.softmax_cross_entropy(np.zeros((1, 3)), np.array([[1.0, 1.0, 0.0]]))


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="empty"):
        losses.mse(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="empty"):
        losses.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_nan_is_refused():
    with pytest.raises(ValueError, match="y_hat contains NaN"):
        losses.mse(np.array([np.nan]), np.array([0.0]))
    with pytest.raises(ValueError, match="logits contains a non-finite value"):
        losses.softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0]))


def test_inputs_are_not_written(rng):
    z = rng.normal(size=(3, 4))
    y = np.array([0, 1, 3])
    p = softmax(z)
    for a in (z, y, p):
        a.flags.writeable = False
    losses.softmax_cross_entropy(z, y)
    losses.cross_entropy(p, y)
    losses.mse(p, p)
    losses.mse_grad(p, p)
    losses.binary_cross_entropy(p, p)
    losses.binary_cross_entropy_grad(p, p)


def test_extreme_logits_near_the_float64_limit_are_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right, d_right = losses.softmax_cross_entropy(np.array([[1e308, -1e308]]), np.array([0]))
        wrong, _ = losses.softmax_cross_entropy(np.array([[1e308, -1e308]]), np.array([1]))
    assert right == 0.0
    np.testing.assert_array_equal(d_right, [[0.0, 0.0]])
    assert wrong == np.inf  # the exact loss, 2e308, does not fit in float64


def test_one_hot_and_ragged_label_errors():
    with pytest.raises(TypeError, match="one_hot: K must be an integer"):
        losses.one_hot(np.array([0]), 2.5)
    with pytest.raises(ValueError, match="one_hot: K must be >= 1"):
        losses.one_hot(np.array([0]), 0)
    with pytest.raises(TypeError, match="y is not a rectangular array"):
        losses.softmax_cross_entropy([[0.5, 0.5], [0.5, 0.5]], [[1], [0, 1]])


def test_bce_gradient_stays_finite_below_the_clip():
    # documented: the analytic derivative evaluated at the clipped p
    g = losses.binary_cross_entropy_grad(np.array([5e-13]), np.array([1.0]))
    np.testing.assert_allclose(g, [-1.0 / losses.PROB_EPS], rtol=1e-9)


def test_cross_entropy_of_a_perfect_prediction_is_positive_zero():
    loss = losses.cross_entropy(np.array([[0.0, 1.0, 0.0]]), np.array([1]))
    assert loss == 0.0 and np.copysign(1.0, loss) == 1.0


def test_whole_number_float_labels_are_refused_not_guessed():
    # One rule for class labels across the package (_validate.as_labels): integers only.
    with pytest.raises(TypeError, match=r"cross_entropy: labels must hold integer class labels"):
        losses.cross_entropy(np.full((2, 2), 0.5), np.array([0.0, 1.0]))
