"""Widget logic without a browser: callbacks recompute the paths and update the artists' data,
and a student's function that fails is reported in the widget, never raised."""

import subprocess
import sys
import threading

import numpy as np
import pytest

from backproplab import diagnostics, optimizers, surfaces
from backproplab.display import widgets
from backproplab.display.widgets import DescentExplorer


def _xy(line):
    return np.column_stack(line.get_data()).astype(float)


def _explorer(**kwargs):
    kwargs = {"surface": "bowl", "optimizers": ("sgd", "adam"), "lr": 0.01, "steps": 20, **kwargs}
    return DescentExplorer(**kwargs)


def test_paths_are_the_package_descend():
    ex = _explorer()
    s = surfaces.get_surface("bowl")
    expected = surfaces.descend(s, optimizers.make_optimizer("sgd", lr=0.01), s.start, 20)
    np.testing.assert_array_equal(ex.paths["sgd"], expected)
    np.testing.assert_array_equal(_xy(ex.lines["sgd"]), expected)
    assert set(ex.paths) == {"sgd", "adam"}
    assert not ex.lines["momentum"].get_visible()


def test_sliders_update_the_artists_data():
    ex = _explorer()
    sgd_before, adam_before = _xy(ex.lines["sgd"]), _xy(ex.lines["adam"])
    ex.lr.value = 0.03  # the observer fires as it does when the slider moves in the browser
    assert not np.allclose(_xy(ex.lines["sgd"]), sgd_before)
    loss = ex.loss_lines["sgd"].get_ydata()
    np.testing.assert_allclose(loss, surfaces.get_surface("bowl").value(ex.paths["sgd"]))
    ex.beta.value = 0.5  # Adam's beta1 moves, SGD has no beta
    np.testing.assert_array_equal(
        ex.paths["sgd"],
        surfaces.descend("bowl", optimizers.make_optimizer("sgd", lr=0.03), None, 20),
    )
    assert not np.allclose(_xy(ex.lines["adam"]), adam_before)
    ex.eps.value = 1e-2
    s = surfaces.get_surface("bowl")
    adam = optimizers.make_optimizer("adam", lr=0.03, beta1=0.5, eps=1e-2)
    np.testing.assert_allclose(ex.paths["adam"], surfaces.descend(s, adam, s.start, 20))


def test_steps_start_and_surface_controls():
    ex = _explorer()
    ex.steps.value = 5
    assert ex.paths["adam"].shape == (6, 2) and _xy(ex.lines["adam"]).shape == (6, 2)
    ex.start_x.value = 1.0
    np.testing.assert_allclose(ex.paths["sgd"][0], [1.0, 1.5])
    ex.surface.value = "himmelblau"
    np.testing.assert_allclose(ex.paths["sgd"][0], surfaces.get_surface("himmelblau").start)
    assert (ex.start_x.min, ex.start_x.max) == surfaces.get_surface("himmelblau").xlim


def test_the_one_weight_curve_draws_w_against_error():
    ex = _explorer(surface="one_weight")
    s = surfaces.get_surface("one_weight")
    w, e = ex.lines["sgd"].get_data()
    np.testing.assert_allclose(w, ex.paths["sgd"][:, 0])
    np.testing.assert_allclose(e, s.value(ex.paths["sgd"]))
    assert ex.start_y.disabled and ex.view3d.disabled


def test_frame_step_and_reset_show_part_of_the_path():
    ex = _explorer()
    ex.frame.value = 3
    assert _xy(ex.lines["sgd"]).shape == (4, 2)
    np.testing.assert_array_equal(_xy(ex.points["sgd"]), ex.paths["sgd"][3:4])
    assert "<td>3</td>" in ex.readout.value
    ex._on_step()
    assert ex.frame.value == 4
    ex._on_reset()
    assert ex.frame.value == 0 and _xy(ex.lines["sgd"]).shape == (1, 2)


def test_clicking_on_the_contours_moves_the_start():
    ex = _explorer()

    class Click:
        inaxes = ex.ax
        xdata, ydata = 2.0, -1.0

    ex._on_click(Click())
    np.testing.assert_allclose(ex.paths["sgd"][0], [2.0, -1.0])
    assert (ex.start_x.value, ex.start_y.value) == (2.0, -1.0)


def test_the_student_rule_races_the_reference():
    ex = _explorer(optimizers=("momentum",), rules={"momentum": optimizers.momentum_update})
    np.testing.assert_array_equal(ex.paths["momentum (yours)"], ex.paths["momentum"])
    assert ex.status.value == ""


def _slow_momentum(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - 0.5 * lr * v, v  # half the reference's step


def test_by_default_only_the_students_optimizers_race_their_references():
    rules = {"momentum": optimizers.momentum_update, "adam": optimizers.adam_update}
    ex = _explorer(optimizers=None, rules=rules)
    shown = {label for label, box in ex.checkboxes.items() if box.value}
    assert shown == {"momentum", "momentum (yours)", "adam", "adam (yours)"}
    assert set(ex.paths) == shown
    # Each student's rule comes right after its reference (checkboxes, legend, readout).
    labels = list(ex.checkboxes)
    assert labels.index("adam (yours)") == labels.index("adam") + 1
    # Without rules, the classic trio.
    assert {label for label, box in _explorer(optimizers=None).checkboxes.items() if box.value} == {
        "sgd",
        "momentum",
        "adam",
    }


def test_each_optimizer_has_its_colour_and_yours_its_dash_and_marker():
    rules = {n: getattr(optimizers, f"{n}_update") for n in optimizers.OPTIMIZER_NAMES}
    ex = _explorer(optimizers=None, rules=rules)
    colours = {n: ex.lines[n].get_color() for n in optimizers.OPTIMIZER_NAMES}
    assert len(set(colours.values())) == len(colours), colours  # one colour per optimizer
    for name, colour in colours.items():
        ref, yours = ex.lines[name], ex.lines[f"{name} (yours)"]
        assert (
            yours.get_color() == colour and ex.loss_lines[f"{name} (yours)"].get_color() == colour
        )
        assert ref.get_linestyle() == "-" and yours.get_linestyle() != "-"
        assert ref.get_marker() in ("None", None, "") and yours.get_marker() == "^"
        assert ex.points[name].get_marker() != ex.points[f"{name} (yours)"].get_marker()
    # The legend pairs them: one row per optimizer, its reference and yours side by side.
    legend = ex.loss_ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(optimizers.OPTIMIZER_NAMES)
    assert "yours" in legend.get_title().get_text()


def test_the_readout_says_whether_a_rule_matches_the_reference():
    ex = _explorer(
        optimizers=None, rules={"sgd": optimizers.sgd_update, "momentum": _slow_momentum}
    )
    rows = {row.split("</td>")[0]: row for row in ex.readout.value.split("<tr>")[2:]}
    sgd = next(row for key, row in rows.items() if key.endswith("sgd (yours)"))
    momentum = next(row for key, row in rows.items() if key.endswith("momentum (yours)"))
    assert "matches the reference" in sgd
    assert "differs from the reference from step 1" in momentum
    ex.checkboxes["momentum"].value = False  # the verdict does not need the reference drawn
    assert "differs from the reference" in ex.readout.value


def test_the_explorer_reads_the_hyperparameter_table_of_optimizers():
    ex = _explorer()
    ex.beta.value = 0.5
    for name in optimizers.OPTIMIZER_NAMES:
        hp = ex._hparams(name)
        assert set(hp) == set(optimizers.HYPERPARAMETERS[name])
        if optimizers.DECAY[name]:
            assert hp[optimizers.DECAY[name]] == 0.5
    assert dict(optimizers.DECAY) == {
        "sgd": None,
        "momentum": "beta",
        "nesterov": "beta",
        "adagrad": None,
        "rmsprop": "rho",
        "adam": "beta1",
    }


def _wrong_shape(w, dw, v, lr, beta=0.9):
    return w[:1], v


def _raises(w, dw, v, lr, beta=0.9):
    raise NotImplementedError("write momentum_update first")


@pytest.mark.parametrize(
    ("rule", "message"),
    [(_wrong_shape, "shape"), (_raises, "NotImplementedError: write momentum_update first")],
)
def test_a_failing_student_rule_is_reported_not_raised(rule, message):
    ex = _explorer(optimizers=("sgd",), rules={"momentum": rule})
    assert "momentum (yours)" in ex.errors and message in ex.errors["momentum (yours)"]
    assert "momentum (yours)" in ex.status.value and message in ex.status.value
    assert ex.paths["sgd"].shape == (21, 2)  # the reference still runs
    assert not ex.lines["momentum (yours)"].get_visible()
    ex.lr.value = 0.02  # and the widget keeps working
    assert "momentum (yours)" in ex.errors


def test_a_broken_custom_optimizer_is_reported():
    class Broken:
        def init(self, w):
            return {}

        def update(self, w, dw, state):
            return "not a number", state

    ex = _explorer(optimizers=("sgd",), custom={"mine": lambda lr: Broken()})
    assert "mine" in ex.errors and "mine" in ex.status.value


def test_divergence_is_shown_not_raised():
    ex = _explorer(surface="rosenbrock", optimizers=("sgd",), lr=0.5)
    assert np.isnan(ex.paths["sgd"][-1]).all()
    assert "diverged" in ex.readout.value


def test_3d_view_and_back():
    ex = _explorer()
    ex.view3d.value = True
    x, y, _ = ex.lines["sgd"].get_data_3d()
    np.testing.assert_allclose(np.column_stack([x, y]), ex.paths["sgd"])
    ex.view3d.value = False
    np.testing.assert_array_equal(_xy(ex.lines["sgd"]), ex.paths["sgd"])


def test_widget_carries_the_css_class_and_the_old_entry_point():
    assert "bpl-explorer" in _explorer().widget._dom_classes
    assert "bpl-explorer" in widgets.descent_explorer(surface="bowl", steps=5)._dom_classes


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"surface": "nope"}, ValueError, "surface must be one of"),
        ({"optimizers": ("lbfgs",)}, ValueError, "unknown optimizer"),
        ({"rules": {"momentum": 3}}, TypeError, "must be a function"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        DescentExplorer(**kwargs)


# --- one thread at a time --------------------------------------------------------------------
# ipykernel 7 may handle a widget's messages on a subshell thread while the main thread handles
# others; the canvas's lock makes them take turns. Here the test holds the lock, as a frame
# being drawn for the browser would, and a second thread must wait for it.


def _waits_for_the_lock(canvas, action, unchanged):
    worker = threading.Thread(target=action)
    with canvas.lock:
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive(), "ran while another thread held the canvas's lock"
        unchanged()
    worker.join(timeout=30)
    assert not worker.is_alive()


def test_a_controls_change_waits_for_the_canvas_lock():
    ex = _explorer()
    before = _xy(ex.lines["sgd"])

    def set_lr():
        ex.lr.value = 0.03

    _waits_for_the_lock(
        ex.canvas, set_lr, lambda: np.testing.assert_array_equal(_xy(ex.lines["sgd"]), before)
    )
    assert not np.allclose(_xy(ex.lines["sgd"]), before)


def test_the_browsers_request_for_a_frame_waits_for_the_canvas_lock():
    ex = _explorer()
    sent = []
    ex.canvas.send = lambda content, buffers=None: sent.append(content)

    def draw():
        ex.canvas._handle_message(ex.canvas, {"type": "draw"}, [])

    _waits_for_the_lock(ex.canvas, draw, lambda: not sent or pytest.fail(f"sent {sent}"))
    assert sent, "no frame was sent once the lock was free"


def test_a_plot_widgets_update_waits_for_the_canvas_lock():
    gf = widgets.GradientFlow(depth=4)

    def deeper():
        gf.depth.value = 6

    _waits_for_the_lock(gf.canvas, deeper, lambda: len(gf.bars) == 5 or pytest.fail("redrawn"))
    assert len(gf.bars) == 7


# --- chapters 7 and 8 ------------------------------------------------------------------------


def test_gradient_flow_bars_follow_the_controls():
    gf = widgets.GradientFlow(depth=4, activation="sigmoid", scheme="normal", scale=0.1)
    assert [b.get_height() for b in gf.bars] == pytest.approx(np.maximum(gf.norms, 1e-12))
    assert len(gf.bars) == 5
    sigmoid_first = gf.norms[0] / gf.norms[-1]
    gf.depth.value = 6
    assert len(gf.bars) == 7
    gf.activation.value = "relu"
    gf.scheme.value = "he"
    assert gf.scale.disabled
    # He + ReLU keeps the first layer's gradient much closer to the last one's.
    assert gf.norms[0] / gf.norms[-1] > sigmoid_first


def test_gradient_flow_runs_and_reports_the_students_function():
    calls = []

    def mine(grads):
        calls.append(sorted(grads))
        return diagnostics.gradient_norms(grads)

    gf = widgets.GradientFlow(gradient_norms=mine, depth=2)
    assert calls and gf.status.value == ""
    bad = widgets.GradientFlow(gradient_norms=lambda grads: np.ones(1), depth=3)
    assert bad.norms is None and "shape" in bad.status.value
    bad.depth.value = 2  # still alive
    assert "gradient_norms" in bad.status.value


def test_dead_relu_meter_tracks_dead_units():
    calm = widgets.DeadReluMeter(lr=0.01, epochs=3, n_examples=200)
    assert calm.history.shape == (4, 2)
    np.testing.assert_array_equal(calm.lines[0].get_ydata(), calm.history[:, 0])
    calm.lr.value = 2.0
    assert calm.history[-1].max() > calm.history[0].max() or "diverged" in calm.status.value


def test_dead_relu_meter_reports_the_students_function():
    bad = widgets.DeadReluMeter(dead_fraction=lambda z: 2.0, epochs=1, n_examples=100)
    assert bad.history is None and "[0, 1]" in bad.status.value
    seen = []
    good = widgets.DeadReluMeter(
        dead_fraction=lambda z: seen.append(z.shape) or 0.0, epochs=1, n_examples=100
    )
    assert seen[0] == (100, 64) and good.history.shape == (2, 2)


@pytest.mark.parametrize("backend", ["Agg", "module://matplotlib_inline.backend_inline"])
def test_importing_the_widgets_keeps_pyplots_backend(backend):
    # ipympl makes itself pyplot's backend when imported; a student's own plt figures in the
    # same notebook must stay what they were (inline images), not turn into widgets.
    code = (
        "import matplotlib, matplotlib.pyplot as plt\n"
        f"matplotlib.use({backend!r})\n"
        "import backproplab.display.widgets\n"
        "print(matplotlib.get_backend())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == backend
