import numpy as np
import pytest

from backproplab import optimizers, surfaces, widgets


def _path(explorer, name):
    return np.asarray(explorer.lines[name].get_xydata())


def test_controls_recompute_the_paths():
    ex = widgets.DescentExplorer(surface="bowl", optimizer_names=("sgd", "adam"), lr=0.01, steps=20)
    before = _path(ex, "sgd")
    s = surfaces.get_surface("bowl")
    expected = surfaces.descend(s, optimizers.make_optimizer("sgd", lr=0.01), s.start, 20)
    np.testing.assert_allclose(before, expected)
    png = ex.image.value
    ex.lr.value = 0.03  # the observer fires as it would from the slider
    after = _path(ex, "sgd")
    assert after.shape == before.shape and not np.allclose(after, before)
    assert ex.image.value != png
    ex.steps.value = 5
    assert _path(ex, "adam").shape == (6, 2)
    ex.surface.value = "himmelblau"
    np.testing.assert_allclose(_path(ex, "sgd")[0], surfaces.get_surface("himmelblau").start)


def test_a_failing_student_optimizer_is_reported_not_raised():
    class Broken:
        def init(self, w):
            return {}

        def update(self, w, dw, state):
            return w[:1], state  # wrong shape

    ex = widgets.DescentExplorer(
        surface="bowl",
        optimizer_names=("sgd",),
        custom={"mine": lambda lr: Broken()},
        lr=0.01,
        steps=10,
    )
    assert "mine" in ex.status.value and "shape" in ex.status.value
    assert _path(ex, "sgd").shape == (11, 2)  # the reference still runs


def test_bad_surface_name():
    with pytest.raises(ValueError, match="surface must be one of"):
        widgets.DescentExplorer(surface="one_weight")
