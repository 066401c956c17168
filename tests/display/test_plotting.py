import numpy as np
import pytest
from matplotlib.figure import Figure

from backproplab import surfaces
from backproplab.activations import sigmoid, sigmoid_grad
from backproplab.display import plotting


@pytest.fixture
def ax():
    return Figure().add_subplot()


def test_activation_plot_draws_function_and_derivative(ax):
    lines = plotting.plot_activation(ax, "sigmoid")
    z = lines[0].get_xdata()
    np.testing.assert_allclose(lines[0].get_ydata(), sigmoid(z))
    np.testing.assert_allclose(lines[1].get_ydata(), sigmoid_grad(z))
    assert ax.get_xlabel() == "z" and lines[1].get_linestyle() == "--"


def test_colours_are_the_colour_blind_safe_palette(ax):
    lines = plotting.plot_loss_curves(ax, {"A": [3, 2, 1], "B": [3, 2.5, 2.4]})
    assert [line.get_color() for line in lines] == list(plotting.OKABE_ITO[:2])
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])  # epochs count from 1


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_every_surface_can_be_drawn(name, ax):
    artist = plotting.plot_surface(ax, surfaces.SURFACES[name], n=40)
    assert artist is not None
    assert ax.get_title() == surfaces.SURFACES[name].title


def test_path_and_its_shape_check(ax):
    path = np.array([[0.0, 0.0], [1.0, 0.5]])
    line = plotting.plot_path(ax, path, label="sgd")
    np.testing.assert_array_equal(line.get_xydata(), path)
    with pytest.raises(ValueError, match=r"path must have shape \(steps\+1, 2\), got \(3,\)"):
        plotting.plot_path(ax, np.zeros(3))


def test_decision_regions_follow_the_classifier(ax):
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    seen = []

    def predict(points):
        seen.append(points)
        return (points[:, 0] > 0).astype(int)

    regions, points = plotting.plot_decision_regions(ax, predict, X, y, resolution=20)
    # the classifier was asked about a 20 x 20 grid spanning the data plus the 0.5 padding
    assert seen[0].shape == (400, 2)
    np.testing.assert_allclose(seen[0].min(axis=0), [-1.5, -0.5])
    np.testing.assert_allclose(seen[0].max(axis=0), [1.5, 0.5])
    np.testing.assert_array_equal(points.get_array(), [0, 1])
    np.testing.assert_allclose(regions.levels, [-0.5, 0.5, 1.5])  # one band per class
    with pytest.raises(ValueError, match="X must be"):
        plotting.plot_decision_regions(ax, predict, np.zeros((3, 3)), np.zeros(3))


def test_unknown_activation(ax):
    with pytest.raises(ValueError, match="name must be one of"):
        plotting.plot_activation(ax, "swish")


def test_train_val_curves_are_two_families_with_the_best_epoch_marked(ax):
    history = {"epoch_loss": [2.0, 1.0, 0.5, 0.2], "val_loss": [2.1, 1.2, 1.1, 1.3]}
    train, val, dot = plotting.plot_train_val(ax, history)
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])  # epochs count from 1
    np.testing.assert_array_equal(train.get_ydata(), history["epoch_loss"])
    np.testing.assert_array_equal(val.get_ydata(), history["val_loss"])
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
    assert (train.get_color(), val.get_color()) == plotting.OKABE_ITO[:2]
    # the lowest validation loss, at epoch 3
    assert (list(dot.get_xdata()), list(dot.get_ydata())) == ([3], [1.1])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_train_val_metric_marks_the_highest_and_scales(ax):
    history = {"train_metric": [0.5, 0.9, 1.0], "val_metric": [0.4, 0.8, 0.8]}
    lines = plotting.plot_train_val(ax, history, kind="metric", scale=100, best=True)
    np.testing.assert_allclose(lines[0].get_ydata(), [50, 90, 100])
    # the highest validation accuracy, the first one on ties: epoch 2
    assert (list(lines[2].get_xdata()), list(lines[2].get_ydata())) == ([2], [80.0])
    assert len(plotting.plot_train_val(ax, history, kind="metric", best=False)) == 2


def test_train_val_says_how_to_record_what_is_missing(ax):
    with pytest.raises(ValueError, match=r"no 'val_loss'; train with val=\(X_val, y_val\)"):
        plotting.plot_train_val(ax, {"epoch_loss": [1.0, 0.5]})
    with pytest.raises(ValueError, match="kind must be 'loss' or 'metric'"):
        plotting.plot_train_val(ax, {}, kind="accuracy")
    with pytest.raises(ValueError, match="equal length"):
        plotting.plot_train_val(ax, {"epoch_loss": [1.0, 0.5], "val_loss": [1.0]})
