"""The live explorer on a surface with a validation loss: the loss panel draws each optimizer's
validation loss next to its training loss and marks its lowest point; other surfaces do not."""

import numpy as np

from backproplab import optimizers, surfaces
from backproplab.display.widgets import DescentExplorer

FIT = "two_weight_fit"


def _explorer(**kwargs):
    kwargs = {"surface": FIT, "optimizers": ("sgd", "adam"), "lr": 0.1, "steps": 60, **kwargs}
    return DescentExplorer(**kwargs)


def _ydata(line):
    return np.asarray(line.get_ydata(), dtype=float)


def test_each_validation_line_is_the_validation_loss_along_its_path():
    ex = _explorer()
    s = surfaces.get_surface(FIT)
    lo = ex.loss_ax.get_ylim()[0]
    for label in ("sgd", "adam"):
        path = surfaces.descend(s, optimizers.make_optimizer(label, lr=0.1), s.start, 60)
        expected = [float(s.val_value(w)) for w in path]  # point by point, not as one array
        line = ex.loss_panel.val_lines[label]
        assert line.get_visible()
        np.testing.assert_allclose(_ydata(line), np.maximum(expected, lo), rtol=1e-12)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(61))
        # the training line is still the training loss, and differs from the validation one
        np.testing.assert_allclose(_ydata(ex.loss_lines[label]), np.maximum(s.value(path), lo))
        assert not np.allclose(_ydata(ex.loss_lines[label]), _ydata(line))
        # drawn in the optimizer's colour, in another style
        assert line.get_color() == ex.loss_lines[label].get_color()
        assert line.get_linestyle() != ex.loss_lines[label].get_linestyle()


def test_the_lowest_validation_loss_is_marked_and_stated():
    ex = _explorer()
    s = surfaces.get_surface(FIT)
    path = surfaces.descend(s, optimizers.make_optimizer("sgd", lr=0.1), s.start, 60)
    val = np.array([float(s.val_value(w)) for w in path])
    j = int(np.argmin(val))
    assert 0 < j < 60 and val[j] < val[-1]  # the surface's point: it dips, then rises
    best, step, now = ex.lowest_val["sgd"]
    assert step == j
    np.testing.assert_allclose([best, now], [val[j], val[-1]], rtol=1e-12)
    x, y = ex.loss_panel.best["sgd"].get_data()
    assert list(x) == [j]
    np.testing.assert_allclose(y, [val[j]], rtol=1e-12)
    assert f"lowest {val[j]:.4g} at step {j} of 60; at step 60: {val[-1]:.4g}" in ex.readout.value
    assert "validation loss</th>" in ex.readout.value
    labels = [t.get_text() for t in ex.loss_ax.get_legend().get_texts()]
    assert labels[-3:] == ["training", "validation", "lowest validation"]


def test_at_an_earlier_step_the_mark_is_the_lowest_so_far():
    ex = _explorer()
    s = surfaces.get_surface(FIT)
    ex.frame.value = 3
    val = s.val_value(ex.paths["sgd"][:4])
    assert len(ex.loss_panel.val_lines["sgd"].get_xdata()) == 4
    assert ex.lowest_val["sgd"][1] == int(np.argmin(val)) == 3  # still falling at step 3
    ex.frame.value = 60
    assert ex.lowest_val["sgd"][1] < 60


def test_hidden_optimizers_hide_their_validation_lines():
    ex = _explorer()
    ex.checkboxes["adam"].value = False
    assert not ex.loss_panel.val_lines["adam"].get_visible()
    assert not ex.loss_panel.best["adam"].get_visible()
    assert set(ex.lowest_val) == {"sgd"}
    assert ex.loss_panel.val_lines["sgd"].get_visible()


def test_surfaces_without_validation_show_none():
    ex = _explorer(surface="bowl")
    assert ex.loss_panel.val_lines == {} and ex.loss_panel.best == {} and ex.lowest_val == {}
    assert "validation" not in ex.readout.value
    assert ex.loss_ax.get_ylabel() == "L(w)"
    assert [t.get_text() for t in ex.loss_ax.get_legend().get_texts()] == ["sgd", "adam"]
    # only the training lines and the frame marker live on the loss axes
    assert len(ex.loss_ax.get_lines()) == len(ex.checkboxes) + 1


def test_switching_surfaces_adds_and_removes_the_validation_lines():
    ex = _explorer(surface="bowl")
    ex.surface.value = FIT
    assert ex.loss_panel.val_lines["sgd"].get_visible() and "sgd" in ex.lowest_val
    assert "validation" in ex.loss_ax.get_ylabel()
    ex.surface.value = "rosenbrock"
    assert ex.loss_panel.val_lines == {} and ex.lowest_val == {}
    assert "validation" not in ex.readout.value


def test_the_3d_view_keeps_the_validation_panel():
    ex = _explorer()
    ex.view3d.value = True
    np.testing.assert_allclose(
        _ydata(ex.loss_panel.val_lines["sgd"]),
        np.maximum(surfaces.get_surface(FIT).val_value(ex.paths["sgd"]), ex.loss_ax.get_ylim()[0]),
    )
