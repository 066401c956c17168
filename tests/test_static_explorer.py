"""The static explorer's data: real descent paths, decodable, compact, deterministic, offline."""

import base64
import re

import numpy as np
import pytest

from backproplab import optimizers, static_explorer, surfaces


@pytest.fixture(scope="module")
def data():
    return static_explorer.explorer_data()


@pytest.fixture(scope="module")
def page():
    return static_explorer.explorer_html()


def _decode(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<i2")


def _paths(data, surface, name):
    entry = next(s for s in data["surfaces"] if s["name"] == surface)
    nb = len(data["betas"]) if data["decay"][name] else 1
    return entry, _decode(entry["paths"][name]).reshape(len(data["lrs"]), nb, data["steps"] + 1, 3)


def _world(q, lim):
    return lim[0] + q / 8000.0 * (lim[1] - lim[0])


def test_grid_covers_every_surface_optimizer_rate_and_beta(data):
    assert [s["name"] for s in data["surfaces"]] == list(surfaces.SURFACES)
    assert data["optimizers"] == list(optimizers.OPTIMIZER_NAMES)
    assert data["lrs"][0] == 1e-4 and data["lrs"][-1] == 1.0 and len(data["lrs"]) == 13
    assert data["betas"] == [0.5, 0.9, 0.99]
    for entry in data["surfaces"]:
        assert set(entry["paths"]) == set(optimizers.OPTIMIZER_NAMES)
        assert entry["contours"]


def test_paths_are_the_packages_descend_quantised(data):
    # momentum with lr = 0.01, beta = 0.5 on the bowl, decoded by hand.
    _, grid = _paths(data, "bowl", "momentum")
    i, j = data["lrs"].index(0.01), data["betas"].index(0.5)
    s = surfaces.get_surface("bowl")
    expected = surfaces.descend(
        s, optimizers.make_optimizer("momentum", lr=0.01, beta=0.5), None, 150
    )
    x = _world(grid[i, j, :, 0].astype(float), s.xlim)
    y = _world(grid[i, j, :, 1].astype(float), s.ylim)
    # one quantisation step is 1/8000 of the box
    np.testing.assert_allclose(x, expected[:, 0], atol=8.0 / 8000)
    np.testing.assert_allclose(y, expected[:, 1], atol=4.0 / 8000)
    loss = 10.0 ** (grid[i, j, :, 2] / 1000.0)
    np.testing.assert_allclose(loss, s.value(expected), rtol=2e-3)


def test_a_diverging_path_ends_with_the_nan_marker(data):
    _, grid = _paths(data, "rosenbrock", "sgd")
    path = grid[data["lrs"].index(1.0), 0]
    assert (path[1:, 0] == -32768).any()
    first = np.flatnonzero(path[:, 0] == -32768)[0]
    assert (path[first:, 0] == -32768).all()


def test_the_one_weight_curve_is_drawn_as_w_against_error(data):
    entry, grid = _paths(data, "one_weight", "sgd")
    s = surfaces.get_surface("one_weight")
    path = grid[data["lrs"].index(1.0), 0]
    w = _world(path[:, 0].astype(float), s.xlim)
    e = _world(path[:, 1].astype(float), s.ylim)
    np.testing.assert_allclose(e, s.value(w[:, None]), atol=2e-3)
    assert entry["dim"] == 1 and len(entry["contours"]) == 1


def test_html_is_self_contained_deterministic_and_light(page):
    assert page == static_explorer.explorer_html()
    assert page.startswith('<div class="bpl-static-explorer')
    assert len(page.encode()) < 3_000_000
    # nothing to fetch: no URL, no external script or stylesheet
    assert not re.search(r"https?://|src=|href=|@import|url\(", page)
    assert page.count("<script") == 2 and "window.bplStaticExplorer" in page


def test_titles_are_plain_text_for_the_page(data):
    for entry in data["surfaces"]:
        assert "$" not in entry["title"] and "\\" not in entry["title"]


def test_the_first_view_converges_for_every_default_optimizer(data):
    defaults = data["defaults"]
    assert defaults["surface"] == "bowl" and defaults["beta"] == 0.9
    assert defaults["lr"] in data["lrs"]
    # The bowl's steepest curvature is 25, so plain gradient descent is stable only for
    # lr < 2 / 25 = 0.08: the first view must sit well inside that.
    assert defaults["lr"] < 2.0 / 25.0
    i, j = data["lrs"].index(defaults["lr"]), data["betas"].index(defaults["beta"])
    for name in defaults["optimizers"]:
        _, grid = _paths(data, "bowl", name)
        path = grid[i, j if data["decay"][name] else 0]
        assert (path[:, 0] != -32768).all(), f"{name} diverges in the first view"
        # stored loss is 1000 log10 E: each one must fall by more than a decade
        assert path[-1, 2] < path[0, 2] - 1000, f"{name} barely moves in the first view"
