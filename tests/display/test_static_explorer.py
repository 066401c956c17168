"""The static explorer's data and page: what the JavaScript needs, exact, compact, offline.

The paths themselves are computed in the page; ``test_explorer_browser.py`` checks them
against ``surfaces.descend`` in Chromium.
"""

import base64
import re

import numpy as np
import pytest

from backproplab import linear_fit, optimizers, surfaces
from backproplab.display import static_explorer


@pytest.fixture(scope="module")
def data():
    return static_explorer.explorer_data()


@pytest.fixture(scope="module")
def page():
    return static_explorer.explorer_html()


def _decode(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<i2").reshape(-1, 2)


def test_every_surface_and_optimizer_with_the_sliders_grids(data):
    assert [s["name"] for s in data["surfaces"]] == list(surfaces.SURFACES)
    assert data["optimizers"] == list(optimizers.OPTIMIZER_NAMES)
    assert data["lrs"][0] == 1e-4 and data["lrs"][-1] == 1.0 and len(data["lrs"]) == 25
    assert np.all(np.diff(np.log10(data["lrs"])) == pytest.approx(1 / 6, abs=3e-3))
    assert data["betas"] == [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
    assert data["steps"] == static_explorer.STEPS


def test_the_hyperparameters_are_the_optimizers_table(data):
    # One table: the slider sets lr and the decay rate, every other value is the default.
    assert data["decay"] == dict(optimizers.DECAY)
    for name, fixed in data["hparams"].items():
        table = dict(optimizers.HYPERPARAMETERS[name])
        decay = optimizers.DECAY[name]
        assert fixed == {k: v for k, v in table.items() if k not in ("lr", decay)}
    assert data["hparams"]["adam"] == {"beta2": 0.999, "eps": 1e-8}
    assert data["hparams"]["adagrad"] == {"eps": 1e-10}


def test_each_surface_carries_its_box_start_minima_and_contours(data):
    for entry in data["surfaces"]:
        s = surfaces.get_surface(entry["name"])
        assert entry["dim"] == s.dim
        assert tuple(entry["xlim"]) == s.xlim and tuple(entry["ylim"]) == s.ylim
        np.testing.assert_array_equal(entry["start"], s.start)
        np.testing.assert_array_equal(entry["minima"], s.minima)
        assert entry["contours"]
        for _, line in entry["contours"]:
            q = _decode(line)
            assert q.min() >= -10 and q.max() <= 8010  # inside the box, to rounding


def test_the_one_weight_curve_is_drawn_as_w_against_error(data):
    entry = next(e for e in data["surfaces"] if e["name"] == "one_weight")
    s = surfaces.get_surface("one_weight")
    (_, line), *rest = entry["contours"]
    q = _decode(line).astype(float)
    w = s.xlim[0] + q[:, 0] / 8000 * (s.xlim[1] - s.xlim[0])
    e = s.ylim[0] + q[:, 1] / 8000 * (s.ylim[1] - s.ylim[0])
    np.testing.assert_allclose(e, s.value(w[:, None]), atol=2e-3)
    assert not rest


def test_the_tiny_networks_data_is_exact(data):
    entry = next(e for e in data["surfaces"] if e["name"] == "tiny_net")
    x, y = surfaces._tiny_net_data()
    # JSON floats round-trip: the page computes on the very same numbers.
    np.testing.assert_array_equal(entry["data"]["x"], x)
    np.testing.assert_array_equal(entry["data"]["y"], y)
    with_data = {e["name"] for e in data["surfaces"] if "data" in e}
    assert with_data == {"tiny_net", "two_weight_fit"}


def test_the_fits_curvatures_are_exact_and_only_it_has_validation(data):
    entry = next(e for e in data["surfaces"] if e["name"] == "two_weight_fit")
    fit = linear_fit.make_fit(linear_fit.SURFACE_SEED)
    np.testing.assert_array_equal(np.reshape(entry["data"]["gram"], (2, 2)), fit.gram)
    np.testing.assert_array_equal(entry["minima"], [fit.w_train])
    val = entry["validation"]
    np.testing.assert_array_equal(np.reshape(val["gram"], (2, 2)), fit.gram_val)
    np.testing.assert_array_equal(val["minimum"], fit.w_val)
    # G is the sample's X^T X / N: the surface's curvature
    np.testing.assert_allclose(val["gram"], (fit.X_val.T @ fit.X_val / len(fit.X_val)).ravel())
    assert float(surfaces.get_surface("two_weight_fit").val_value(val["minimum"])) == 0.0
    assert [e["name"] for e in data["surfaces"] if "validation" in e] == ["two_weight_fit"]


def test_the_first_view_can_be_another_surface():
    data = static_explorer.explorer_data("two_weight_fit", 0.1, ["sgd"])
    assert data["defaults"] == {
        "surface": "two_weight_fit",
        "lr": 0.1,
        "beta": 0.9,
        "optimizers": ["sgd"],
    }
    page = static_explorer.explorer_html(surface="two_weight_fit", lr=0.1, optimizers=["sgd"])
    assert page == static_explorer.explorer_html("two_weight_fit", 0.1, ("sgd",))
    assert page != static_explorer.explorer_html()
    assert static_explorer.explorer_data()["defaults"]["surface"] == "bowl"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"surface": "bol"}, "surface must be one of"),
        ({"lr": 0.05}, "lr must be a value of the slider"),
        ({"optimizers": ["sdg"]}, "optimizers must be a non-empty list"),
        ({"optimizers": []}, "optimizers must be a non-empty list"),
    ],
)
def test_a_bad_first_view_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=f"explorer_html: {match}"):
        static_explorer.explorer_html(**kwargs)


def test_html_is_self_contained_deterministic_and_light(page):
    assert page == static_explorer.explorer_html()
    assert page.startswith('<div class="bpl-static-explorer')
    assert len(page.encode()) < 400_000
    # nothing to fetch: no URL, no external script or stylesheet
    assert not re.search(r"https?://|src=|href=|@import|url\(", page)
    assert page.count("<script") == 2
    for api in (
        "window.bplStaticExplorer",
        "window.bplDescent",
        "window.bplCanvas",
        "window.bplLossPanel",
    ):
        assert api in page


def test_the_page_script_keeps_every_file_under_600_lines():
    from importlib.resources import files

    for name in ("canvas.js", "descent.js", "losspanel.js", "explorer.js", "explorer.css"):
        text = (files("backproplab.display") / "static" / name).read_text("utf-8")
        assert len(text.splitlines()) <= 600, name


def test_titles_are_plain_text_for_the_page(data):
    for entry in data["surfaces"]:
        assert "$" not in entry["title"] and "\\" not in entry["title"]


def test_the_first_view_converges_for_every_default_optimizer(data):
    defaults = data["defaults"]
    assert defaults["surface"] == "bowl" and defaults["beta"] == 0.9
    assert defaults["lr"] in data["lrs"] and defaults["beta"] in data["betas"]
    # The bowl's steepest curvature is 25, so plain gradient descent is stable only for
    # lr < 2 / 25 = 0.08: the first view must sit well inside that.
    assert defaults["lr"] < 2.0 / 25.0
    s = surfaces.get_surface("bowl")
    for name in defaults["optimizers"]:
        decay = optimizers.DECAY[name]
        hp = {"lr": defaults["lr"]} | ({decay: defaults["beta"]} if decay else {})
        path = surfaces.descend(s, optimizers.make_optimizer(name, **hp), None, data["steps"])
        assert np.isfinite(path).all(), f"{name} diverges in the first view"
        loss = s.value(path)
        assert loss[-1] < loss[0] / 10, f"{name} barely moves in the first view"
