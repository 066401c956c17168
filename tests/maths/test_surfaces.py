"""Tests for backproplab.surfaces: values, gradients, minima and descent paths."""

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab import linear_fit
from backproplab.gradcheck import numerical_gradient, relative_error
from backproplab.optimizers import make_optimizer
from backproplab.surfaces import SURFACES, Surface, descend, fit_surface, get_surface

NAMES = list(SURFACES)
TWO_D = [n for n in NAMES if SURFACES[n].dim == 2]

# --- hand-computed values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "w", "value", "grad"),
    [
        ("bowl", [1.0, 1.0], 0.5 * (1 + 25), [1.0, 25.0]),
        ("bowl", [-2.0, 0.5], 0.5 * (4 + 25 * 0.25), [-2.0, 12.5]),
        ("rosenbrock", [0.0, 0.0], 1.0, [-2.0, 0.0]),
        # (1 + 1.2)^2 + 100 (1 - 1.44)^2; dE/dx = -2 * 2.2 - 400 * (-1.2) * (-0.44)
        ("rosenbrock", [-1.2, 1.0], 4.84 + 19.36, [-4.4 - 211.2, 200 * -0.44]),
        # 1.5^2 + 2.25^2 + 2.625^2; dE/dx = 2 * (-1.5 - 2.25 - 2.625), dE/dy = 0 since x = 0
        ("beale", [0.0, 0.0], 14.203125, [-12.75, 0.0]),
        # (-11)^2 + (-7)^2; dE/dx = 0 + 2 * (-7), dE/dy = 2 * (-11) + 0
        ("himmelblau", [0.0, 0.0], 170.0, [-14.0, -22.0]),
        ("saddle", [0.0, 0.0], 1.0, [0.0, 0.0]),
        ("saddle", [1.0, 1.0], 1 - 1 + 0.25 + 1, [2.0, -2.0 + 1.0]),
        # |0 - 0.8| and |3 - 0.8|, slopes -0.3 and +0.3
        ("one_weight", [0.0], 0.8, [-0.3]),
        ("one_weight", [10.0], 2.2, [0.3]),
    ],
)
def test_hand_computed_values(name, w, value, grad):
    s = SURFACES[name]
    np.testing.assert_allclose(s.value(w), value)
    np.testing.assert_allclose(s.grad(w), grad)


def test_single_point_gives_a_0d_value():
    assert SURFACES["bowl"].value([1.0, 2.0]).shape == ()
    assert SURFACES["one_weight"].value([1.0]).shape == ()


# --- gradients against central differences ---------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_numerical_gradient(name, rng):
    s = SURFACES[name]
    lows = np.array([s.xlim[0], s.ylim[0]][: s.dim])
    highs = np.array([s.xlim[1], s.ylim[1]][: s.dim])
    checked = 0
    while checked < 6:
        w = rng.uniform(lows, highs)
        if name == "one_weight" and abs(0.3 * w[0] - 0.8) < 1e-3:
            continue  # the kink
        num = numerical_gradient(s.value, w)
        err = relative_error(s.grad(w), num)
        assert err < 1e-7, f"{name} at {w}: relative error {err:.1e}"
        checked += 1


# --- minima ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_value_is_zero_at_every_known_minimum(name):
    s = SURFACES[name]
    for m in s.minima:
        # Himmelblau's three irrational minima are stored to 16 digits.
        assert 0.0 <= float(s.value(m)) < 1e-12, f"{name} at {m}"


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_zero_at_every_known_minimum(name):
    s = SURFACES[name]
    for m in s.minima:
        np.testing.assert_allclose(s.grad(m), 0.0, atol=1e-9)


def test_one_weight_curve():
    s = SURFACES["one_weight"]
    assert s.dim == 1
    np.testing.assert_allclose(s.minima, [[8 / 3]])
    assert float(s.value([8 / 3])) < 1e-15
    # Subgradient: slope -0.3 left of the kink and +0.3 right of it.
    np.testing.assert_allclose(s.grad([[8 / 3 - 1e-6], [8 / 3 + 1e-6]]), [[-0.3], [0.3]])


def test_one_weight_is_exactly_flat_at_its_stored_minimum():
    # |0.3 w - 0.8| evaluated as written rounds to -1.1e-16 at w = 0.8 / 0.3, which made the
    # subgradient -0.3 at the minimum; 0.3 |w - w*| is exactly 0 there.
    s = SURFACES["one_weight"]
    m = s.minima[0]
    assert float(s.value(m)) == 0.0
    np.testing.assert_array_equal(s.grad(m), [0.0])
    path = descend(s, make_optimizer("sgd", lr=1.0), m, 5)
    np.testing.assert_array_equal(path, np.repeat(m[None, :], 6, axis=0))


def test_saddle_origin_is_critical_but_not_a_minimum():
    s = SURFACES["saddle"]
    np.testing.assert_array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])
    # Uphill along x, downhill along y.
    assert s.value([0.1, 0.0]) > s.value([0.0, 0.0]) > s.value([0.0, 0.1])


@given(
    st.sampled_from(NAMES),
    st.floats(-5, 5, allow_nan=False),
    st.floats(-5, 5, allow_nan=False),
)
def test_every_surface_is_nonnegative(name, x, y):
    s = SURFACES[name]
    assert s.value([x, y][: s.dim]) >= 0.0


# --- vectorisation and the Surface object ----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_grid_evaluation(name, rng):
    s = SURFACES[name]
    grid = rng.uniform(-2, 2, size=(7, 5, s.dim))
    values, grads = s.value(grid), s.grad(grid)
    assert values.shape == (7, 5)
    assert grads.shape == (7, 5, s.dim)
    np.testing.assert_allclose(values[3, 2], s.value(grid[3, 2]))
    np.testing.assert_allclose(grads[6, 4], s.grad(grid[6, 4]))


def test_meshgrid_for_contour_plots():
    s = SURFACES["rosenbrock"]
    X, Y = np.meshgrid(np.linspace(*s.xlim, 30), np.linspace(*s.ylim, 20))
    assert s.value(np.stack([X, Y], axis=-1)).shape == (20, 30)


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    s = SURFACES[name]
    assert s.name == name and s.title
    assert s.start.shape == (s.dim,) and s.minima.shape[1:] == (s.dim,)
    assert s.xlim[0] < s.start[0] < s.xlim[1]
    for m in s.minima:
        assert s.xlim[0] <= m[0] <= s.xlim[1]
        if s.dim == 2:
            assert s.ylim[0] <= m[1] <= s.ylim[1]


def test_surfaces_are_read_only():
    with pytest.raises(TypeError):
        SURFACES["mine"] = SURFACES["bowl"]
    s = SURFACES["bowl"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.dim = 3
    with pytest.raises(ValueError, match="read-only"):
        s.start[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        s.minima[0, 0] = 1.0


def test_value_rejects_bad_points():
    s = SURFACES["bowl"]
    with pytest.raises(ValueError, match=r"bowl.value: w has shape \(3,\) but the surface is 2-D"):
        s.value([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"one_weight.grad: w has shape \(\)"):
        SURFACES["one_weight"].grad(1.0)
    with pytest.raises(ValueError, match="non-finite"):
        s.grad([np.nan, 0.0])


def test_get_surface():
    assert get_surface("beale") is SURFACES["beale"]
    assert get_surface(SURFACES["beale"]) is SURFACES["beale"]
    with pytest.raises(ValueError, match=r"unknown surface 'rosenbrok'.*bowl, rosenbrock"):
        get_surface("rosenbrok")
    with pytest.raises(TypeError, match="name must be a string"):
        get_surface(3)


def test_user_defined_surface():
    s = Surface(
        "line", "x^2", lambda w: w[..., 0] ** 2, lambda w: 2 * w, 1, (-1, 1), (0, 1), [[0]], [1]
    )
    path = descend(s, make_optimizer("sgd", lr=0.25), None, 2)
    # w <- w - 0.25 * 2w = w / 2
    np.testing.assert_allclose(path[:, 0], [1.0, 0.5, 0.25])


# --- descend ---------------------------------------------------------------------------------


def test_descend_sgd_on_the_bowl_in_closed_form():
    # GD on 0.5 (x^2 + 25 y^2): each step multiplies x by (1 - lr) and y by (1 - 25 lr).
    path = descend("bowl", make_optimizer("sgd", lr=0.01), [1.0, 1.0], 5)
    assert path.shape == (6, 2)
    k = np.arange(6)
    np.testing.assert_allclose(path, np.stack([0.99**k, 0.75**k], axis=1))


def test_descend_one_weight_overshoots_and_bounces():
    # The subgradient is always +-0.3, so SGD with lr = 1 walks in steps of 0.3 up to 2.7
    # (past 8/3) and then bounces between 2.4 and 2.7.
    path = descend("one_weight", make_optimizer("sgd", lr=1.0), 0.0, 11)
    expected = [0.3 * k for k in range(10)] + [2.4, 2.7]
    np.testing.assert_allclose(path[:, 0], expected)


def test_descend_defaults_and_zero_steps():
    s = SURFACES["himmelblau"]
    path = descend("himmelblau", make_optimizer("adam", lr=0.1), steps=0)
    np.testing.assert_array_equal(path, s.start[None, :])
    path = descend(s, make_optimizer("momentum", lr=0.01), s.start, 50)
    assert path.shape == (51, 2)
    np.testing.assert_array_equal(path[0], s.start)


def test_descend_does_not_mutate_start():
    start = np.array([0.5, -0.5])
    before = start.copy()
    descend("rosenbrock", make_optimizer("adam", lr=0.1), start, 10)
    np.testing.assert_array_equal(start, before)


@pytest.mark.parametrize(("name", "lr"), [("bowl", 1.0), ("rosenbrock", 0.1), ("beale", 1.0)])
def test_divergence_gives_nan_rows_and_no_warning(name, lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = descend(name, make_optimizer("sgd", lr=lr), None, 400)
    bad = ~np.isfinite(path).all(axis=1)
    assert bad.any(), "expected the run to diverge"
    first = np.argmax(bad)
    assert first > 0
    assert np.isfinite(path[:first]).all()
    assert np.isnan(path[first:]).all()


def test_an_overflowing_step_ends_the_path():
    # lr = 1e300 on the bowl from (-3.5, 1.5): step one is finite, (-3.5, 1.5) - 1e300 *
    # (-3.5, 37.5); the second step's lr * grad overflows, so the iterate itself (not the
    # gradient) is the first thing to become non-finite.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = descend("bowl", make_optimizer("sgd", lr=1e300), [-3.5, 1.5], 4)
    np.testing.assert_allclose(path[1], [-3.5 + 3.5e300, 1.5 - 37.5e300])
    assert np.isnan(path[2:]).all()


def test_an_optimizer_returning_nan_ends_the_path():
    class NaNAtTwo:
        def init(self, w):
            return 0

        def update(self, w, dw, state):
            return (w * np.nan if state == 1 else w - 0.01 * dw), state + 1

    path = descend("bowl", NaNAtTwo(), None, 5)
    assert np.isfinite(path[:2]).all() and np.isnan(path[2:]).all()


def test_descend_with_a_user_defined_optimizer():
    class SignSGD:
        def init(self, w):
            return 0

        def update(self, w, dw, state):
            return w - 0.1 * np.sign(dw), state + 1

    path = descend("bowl", SignSGD(), [1.0, -1.0], 3)
    np.testing.assert_allclose(path, [[1.0, -1.0], [0.9, -0.9], [0.8, -0.8], [0.7, -0.7]])


def test_an_optimizer_that_writes_into_w_cannot_corrupt_the_path():
    class InPlace:
        def init(self, w):
            return None

        def update(self, w, dw, state):
            w -= 0.01 * dw
            return w, state

    path = descend("bowl", InPlace(), [1.0, 1.0], 3)
    k = np.arange(4)
    np.testing.assert_allclose(path, np.stack([0.99**k, 0.75**k], axis=1))


class _Broken:
    def __init__(self, fail_at, result):
        self.fail_at, self.result, self.calls = fail_at, result, 0

    def init(self, w):
        return None

    def update(self, w, dw, state):
        self.calls += 1
        if self.calls == self.fail_at:
            if isinstance(self.result, Exception):
                raise self.result
            return self.result
        return w - 0.01 * dw, state


def test_descend_reports_a_broken_user_optimizer():
    with pytest.raises(ValueError, match=r"optimizer.update raised ZeroDivisionError at step 3"):
        descend("bowl", _Broken(3, ZeroDivisionError("oops")), None, 5)
    with pytest.raises(ValueError, match=r"w of shape \(3,\) at step 2"):
        descend("bowl", _Broken(2, (np.zeros(3), None)), None, 5)
    with pytest.raises(TypeError, match=r"must return \(w, state\) at step 1, got ndarray"):
        descend("bowl", _Broken(1, np.zeros(2)), None, 5)
    with pytest.raises(TypeError, match="not a numeric array at step 4"):
        descend("bowl", _Broken(4, ("abc", None)), None, 5)


def test_descend_bad_arguments():
    sgd = make_optimizer("sgd", lr=0.1)
    with pytest.raises(ValueError, match=r"start has shape \(3,\) but surface 'bowl' is 2-D"):
        descend("bowl", sgd, [1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        descend("bowl", sgd, None, -1)
    with pytest.raises(TypeError, match="steps must be an integer"):
        descend("bowl", sgd, None, 2.5)
    with pytest.raises(ValueError, match="start contains"):
        descend("bowl", sgd, [np.nan, 0.0], 5)
    with pytest.raises(TypeError, match=r"optimizer must have init\(w\) and update"):
        descend("bowl", "sgd", None, 5)
    with pytest.raises(ValueError, match="unknown surface"):
        descend("bol", sgd, None, 5)


# --- the tiny network on the digits ----------------------------------------------------------


def _tiny_net_loss_by_hand(w1, w2):
    """Mean squared error of w2 * tanh(w1 * x) against +-1, one example at a time."""
    from backproplab.datasets import load_digits

    X, labels = load_digits(images=True)
    xs, ys = [], []
    for image, label in zip(X, labels, strict=True):
        if label in (0, 1):
            xs.append(float(np.mean(image[0, 2:6, 3:5])))
            ys.append(1.0 if label == 1 else -1.0)
    mean = sum(xs) / len(xs)
    std = (sum((x - mean) ** 2 for x in xs) / len(xs)) ** 0.5
    errors = [(w2 * np.tanh(w1 * (x - mean) / std) - y) ** 2 for x, y in zip(xs, ys, strict=True)]
    assert len(errors) == 360
    return sum(errors) / len(errors)


def test_tiny_net_is_the_excess_loss_of_the_network():
    s = SURFACES["tiny_net"]
    floor = _tiny_net_loss_by_hand(*s.minima[0])
    assert 0.07 < floor < 0.08
    for w in ([0.5, -1.0], [-3.0, 2.0], [2.6, 1.0]):
        np.testing.assert_allclose(s.value(w), _tiny_net_loss_by_hand(*w) - floor, atol=1e-12)


def test_tiny_net_has_a_saddle_at_the_origin_and_mirror_minima():
    s = SURFACES["tiny_net"]
    # w1 = 0: the hidden unit outputs 0, y_hat = 0 and the loss is mean(y^2) = 1 for any w2.
    floor = 1.0 - float(s.value([0.0, 0.0]))
    np.testing.assert_allclose(s.value([[0.0, -2.0], [0.0, 3.0]]), [1.0 - floor] * 2)
    np.testing.assert_array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])
    np.testing.assert_allclose(s.minima[1], -s.minima[0])
    w = np.array([1.3, -0.7])
    np.testing.assert_allclose(s.value(-w), s.value(w), rtol=1e-14)


def test_tiny_net_grid_larger_than_one_block_matches_pointwise(rng):
    s = SURFACES["tiny_net"]
    grid = rng.uniform(-4, 4, size=(3000, 2))
    some = [0, 2047, 2048, 2999]
    np.testing.assert_allclose(s.value(grid)[some], [s.value(grid[i]) for i in some])
    np.testing.assert_allclose(s.grad(grid)[some], [s.grad(grid[i]) for i in some])


def test_tiny_net_descends_to_a_minimum():
    s = SURFACES["tiny_net"]
    path = descend(s, make_optimizer("adam", lr=0.05), None, 600)
    assert min(np.linalg.norm(path[-1] - m) for m in s.minima) < 0.05


# --- the two-weight fit and its validation loss ----------------------------------------------


def test_only_the_fit_has_a_validation_loss():
    for name, s in SURFACES.items():
        assert (s.val_value is None) == (name != "two_weight_fit"), name
        assert (s.val_value_fn is None) == (s.val_value is None)


def test_fit_training_loss_is_the_excess_mse_with_its_minimum_at_lstsq():
    s = SURFACES["two_weight_fit"]
    fit = linear_fit.make_fit(linear_fit.SURFACE_SEED)
    w_star = np.linalg.lstsq(fit.X, fit.y, rcond=None)[0]
    np.testing.assert_allclose(s.minima, [w_star], rtol=1e-12)
    floor = np.mean((fit.X @ w_star - fit.y) ** 2)
    for w in ([0.0, 0.0], [1.0, 2.0], [-0.5, 1.5]):
        direct = np.mean((fit.X @ np.array(w) - fit.y) ** 2) - floor
        np.testing.assert_allclose(s.value(w), direct, rtol=1e-12)
    np.testing.assert_array_equal(s.start, [0.0, 0.0])


def test_fit_validation_loss_is_the_excess_mse_on_the_other_sample(rng):
    s = SURFACES["two_weight_fit"]
    fit = linear_fit.make_fit(linear_fit.SURFACE_SEED)
    w_val = np.linalg.lstsq(fit.X_val, fit.y_val, rcond=None)[0]
    floor = np.mean((fit.X_val @ w_val - fit.y_val) ** 2)
    points = rng.uniform(-2, 3, size=(5, 2))
    direct = [np.mean((fit.X_val @ w - fit.y_val) ** 2) - floor for w in points]
    np.testing.assert_allclose(s.val_value(points), direct, rtol=1e-11)
    assert float(s.val_value(w_val)) < 1e-14
    # not the training loss under another name
    assert not np.allclose(s.val_value(points), s.value(points))
    grid = rng.uniform(-2, 3, size=(3000, 2))  # more than one block of 2048 rows
    np.testing.assert_allclose(
        s.val_value(grid)[[0, 2048, 2999]], s.val_value(grid[[0, 2048, 2999]])
    )
    with pytest.raises(ValueError, match=r"two_weight_fit.val_value: w has shape \(3,\)"):
        s.val_value([1.0, 2.0, 3.0])


def test_fit_surface_on_other_seeds():
    for seed in (0, 5):
        s = fit_surface(seed)
        fit = linear_fit.make_fit(seed)
        np.testing.assert_allclose(s.minima[0], fit.w_train)
        assert float(s.value(fit.w_train)) == 0.0 and float(s.val_value(fit.w_val)) < 1e-14
        for w in (np.zeros(2), fit.w_train, fit.w_val):
            assert s.xlim[0] + 1 <= w[0] <= s.xlim[1] - 1 and s.ylim[0] + 1 <= w[1] <= s.ylim[1] - 1
    assert fit_surface().value([1.0, 1.0]) == SURFACES["two_weight_fit"].value([1.0, 1.0])


def test_gradient_descent_on_the_fit_passes_a_lower_validation_loss_than_it_ends_at():
    # The surface's sample was chosen for this: along plain GD from the origin the validation
    # loss falls, bottoms out early and climbs again while the path reaches the training minimum.
    s = SURFACES["two_weight_fit"]
    path = descend(s, make_optimizer("sgd", lr=0.1), None, 150)
    val = s.val_value(path)
    k = int(np.argmin(val))
    assert 0 < k < 30
    assert np.all(np.diff(val[: k + 1]) < 0) and np.all(np.diff(val[k:]) > 0)
    assert val[k] < 0.1 * val[-1]
    assert np.linalg.norm(path[-1] - s.minima[0]) < 0.2
