"""Tests for backproplab.datasets: known facts first, then contracts and properties."""

import csv
import gzip
import importlib.resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backproplab.datasets import (
    load_digits,
    logic_gate,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    train_test_split,
)
from backproplab.perceptron import train_perceptron

# --- logic_gate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]), ("nand", [1, 1, 1, 0])],
)
def test_logic_gate_truth_tables(name, expected):
    X, y = logic_gate(name)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, expected)
    assert X.dtype == np.float64 and X.shape == (4, 2)
    assert y.dtype == np.int64 and y.shape == (4,)


def test_logic_gate_case_insensitive_and_fresh_arrays():
    X, y = logic_gate("XOR")
    X[0, 0], y[0] = 9.0, 9
    X2, y2 = logic_gate("xor")
    assert X2[0, 0] == 0.0 and y2[0] == 0


def test_logic_gate_bad_names():
    with pytest.raises(
        ValueError,
        match=r"logic_gate: unknown gate 'nor'; choose one of \['and', 'nand', 'or', 'xor'\]",
    ):
        logic_gate("nor")
    with pytest.raises(TypeError, match="logic_gate: name must be a string"):
        logic_gate(1)


# --- make_blobs ---------------------------------------------------------------------------


def test_blobs_shapes_dtypes_balance(rng):
    X, y = make_blobs(101, rng)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [51, 50])
    _, y3 = make_blobs(10, rng, centers=3)
    np.testing.assert_array_equal(np.bincount(y3), [4, 3, 3])


def test_blobs_are_shuffled(rng):
    _, y = make_blobs(200, rng)
    assert np.any(np.diff(y) < 0) and np.any(np.diff(y) > 0)


def test_blobs_geometry_two_classes(rng):
    # K = 2, separation s = 6: centres (+3, 0) for class 0 and (-3, 0) for class 1, each point
    # strictly within s/2 = 3 of its centre.
    X, y = make_blobs(4000, rng, std=1.0, separation=6.0)
    centres = np.array([[3.0, 0.0], [-3.0, 0.0]])
    distance = np.linalg.norm(X - centres[y], axis=1)
    assert distance.max() < 3.0
    for k in (0, 1):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centres[k], atol=0.1)
    # Truncating a unit Gaussian at 3 sigma barely changes the per-coordinate spread (~0.98).
    assert 0.9 < (X - centres[y]).std() < 1.05


@pytest.mark.parametrize("seed", range(5))
def test_blobs_separable_by_the_perceptron(seed):
    X, y = make_blobs(200, np.random.default_rng(seed))
    _, _, errors = train_perceptron(X, y, epochs=1000)
    assert errors[-1] == 0


@pytest.mark.parametrize("centers", [3, 5])
def test_blobs_each_class_separable_from_the_rest(centers):
    # Even with a spread wider than the separation, truncation keeps one-vs-rest separable.
    X, y = make_blobs(300, np.random.default_rng(centers), centers=centers, std=5.0)
    for k in range(centers):
        _, _, errors = train_perceptron(X, (y == k).astype(int), epochs=5000)
        assert errors[-1] == 0


def test_blobs_bad_arguments(rng):
    with pytest.raises(ValueError, match="make_blobs: n must be >= 1, got 0"):
        make_blobs(0, rng)
    with pytest.raises(TypeError, match="make_blobs: n must be an integer"):
        make_blobs(10.0, rng)
    with pytest.raises(TypeError, match=r"make_blobs: rng must be a numpy\.random\.Generator"):
        make_blobs(10, 42)
    with pytest.raises(ValueError, match="make_blobs: centers must be >= 2"):
        make_blobs(10, rng, centers=1)
    with pytest.raises(ValueError, match="make_blobs: std must be > 0"):
        make_blobs(10, rng, std=0.0)
    with pytest.raises(ValueError, match="make_blobs: separation must be > 0"):
        make_blobs(10, rng, separation=-1.0)


# --- moons, circles, spirals --------------------------------------------------------------


def test_moons_without_noise_lie_on_their_arcs(rng):
    X, y = make_moons(51, rng, noise=0.0)
    np.testing.assert_array_equal(np.bincount(y), [26, 25])
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-14)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-14)
    assert np.all(lower[:, 1] <= 0.5)


def test_circles_without_noise_lie_on_their_circles(rng):
    X, y = make_circles(40, rng, noise=0.0, factor=0.3)
    np.testing.assert_array_equal(np.bincount(y), [20, 20])
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-14)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-14)


def test_circles_noise_is_the_standard_deviation():
    X, y = make_circles(20_000, np.random.default_rng(1), noise=0.05)
    # Isotropic noise of std 0.05 moves a point of the unit circle radially by about N(0, 0.05^2).
    radial = np.hypot(X[y == 0, 0], X[y == 0, 1]) - 1.0
    assert 0.045 < radial.std() < 0.055


def test_spirals_without_noise_follow_their_arms(rng):
    X, y = make_spirals(50, rng, n_classes=3, noise=0.0)
    assert X.shape == (150, 2)
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() == pytest.approx(1.0) and r.min() == 0.0
    # Arm k: x = r (sin t, cos t) with t = 4 (k + r); compare angles on the unit circle.
    t = 4.0 * (y + r)
    mask = r > 0
    np.testing.assert_allclose(
        X[mask] / r[mask, None], np.stack([np.sin(t), np.cos(t)], 1)[mask], atol=1e-12
    )


def test_spirals_noise_is_an_angular_standard_deviation():
    X, y = make_spirals(5000, np.random.default_rng(2), n_classes=2, noise=0.2)
    r = np.hypot(X[:, 0], X[:, 1])
    mask = r > 0
    # x = r (sin t, cos t), so t = atan2(x0, x1); the residual from 4 (k + r) is the noise,
    # wrapped to (-pi, pi] (at 0.2 rad a wrap is a > 15-sigma event).
    residual = np.arctan2(X[mask, 0], X[mask, 1]) - 4.0 * (y[mask] + r[mask])
    residual = np.angle(np.exp(1j * residual))
    assert 0.19 < residual.std() < 0.21
    assert abs(residual.mean()) < 0.01


@pytest.mark.parametrize(
    ("make", "kwargs", "n_out"),
    [
        (make_blobs, {"n": 30}, 30),
        (make_blobs, {"n": 30, "centers": 4}, 30),
        (make_moons, {"n": 30}, 30),
        (make_circles, {"n": 30}, 30),
        (make_spirals, {"n_per_class": 10}, 30),
        (make_spirals, {"n_per_class": 10, "n_classes": 5}, 50),
    ],
)
def test_synthetic_sets_contract(make, kwargs, n_out):
    X, y = make(rng=np.random.default_rng(3), **kwargs)
    assert X.shape == (n_out, 2) and X.dtype == np.float64
    assert y.shape == (n_out,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced
    # Deterministic given the seed, different across seeds.
    X_same, y_same = make(rng=np.random.default_rng(3), **kwargs)
    np.testing.assert_array_equal(X, X_same)
    np.testing.assert_array_equal(y, y_same)
    X_other, _ = make(rng=np.random.default_rng(4), **kwargs)
    assert not np.array_equal(X, X_other)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_sets(rng, n):
    for make in (make_blobs, make_moons, make_circles):
        X, y = make(n, rng)
        assert X.shape == (n, 2) and y.shape == (n,)
        assert np.all(np.isfinite(X))
    X, y = make_spirals(n, rng)
    assert X.shape == (3 * n, 2)


def test_synthetic_bad_arguments(rng):
    with pytest.raises(ValueError, match="make_moons: n must be >= 1"):
        make_moons(0, rng)
    with pytest.raises(ValueError, match="make_moons: noise must be >= 0"):
        make_moons(10, rng, noise=-0.1)
    with pytest.raises(TypeError, match=r"make_moons: rng must be a numpy\.random\.Generator"):
        make_moons(10, np.random.RandomState(0))
    with pytest.raises(ValueError, match="make_circles: noise must be >= 0"):
        make_circles(10, rng, noise=-1.0)
    with pytest.raises(ValueError, match=r"make_circles: factor .* must be < 1"):
        make_circles(10, rng, factor=1.0)
    with pytest.raises(ValueError, match="make_circles: factor must be > 0"):
        make_circles(10, rng, factor=0.0)
    with pytest.raises(TypeError, match="make_circles: rng must be"):
        make_circles(10, None)
    with pytest.raises(ValueError, match="make_spirals: n_per_class must be >= 1"):
        make_spirals(0, rng)
    with pytest.raises(ValueError, match="make_spirals: n_classes must be >= 2"):
        make_spirals(5, rng, n_classes=1)
    with pytest.raises(ValueError, match="make_spirals: noise must be >= 0"):
        make_spirals(5, rng, noise=-0.2)
    with pytest.raises(ValueError, match="make_spirals: noise must be finite"):
        make_spirals(5, rng, noise=np.inf)


# --- load_digits --------------------------------------------------------------------------


def _raw_digits_rows():
    """Parse the shipped file with the csv module, independently of load_digits."""
    source = importlib.resources.files("backproplab") / "data" / "digits.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        return [[int(v) for v in row] for row in csv.reader(text)]


def test_digits_file_known_facts():
    rows = _raw_digits_rows()
    assert len(rows) == 1797
    assert {len(row) for row in rows} == {65}
    pixels = {v for row in rows for v in row[:64]}
    assert min(pixels) == 0 and max(pixels) == 16
    assert sorted({row[64] for row in rows}) == list(range(10))
    # The first image is the well-known "0" of this data set; its top row is 0 0 5 13 9 1 0 0.
    assert rows[0][:8] == [0, 0, 5, 13, 9, 1, 0, 0] and rows[0][64] == 0


def test_load_digits_matches_file_scaled_by_16():
    rows = np.array(_raw_digits_rows())
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, rows[:, :64])
    np.testing.assert_array_equal(y, rows[:, 64])
    counts = np.bincount(y)
    assert counts.size == 10 and counts.sum() == 1797
    assert counts.min() >= 170 and counts.max() <= 190  # roughly 180 of each digit


def test_load_digits_images_nchw():
    X, y = load_digits()
    images, y_img = load_digits(images=True)
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float64
    np.testing.assert_array_equal(images[0, 0, 0], np.array([0, 0, 5, 13, 9, 1, 0, 0]) / 16)
    # Row-major: pixel 8 * i + j is image row i, column j.
    np.testing.assert_array_equal(images[:, 0, 2, 5], X[:, 8 * 2 + 5])
    np.testing.assert_array_equal(y_img, y)


@pytest.mark.parametrize("images", [False, True])
def test_load_digits_returns_copies(images):
    X, y = load_digits(images=images)
    X_ref, y_ref = X.copy(), y.copy()
    X[...] = -1.0
    y[...] = 99
    X2, y2 = load_digits(images=images)
    np.testing.assert_array_equal(X2, X_ref)
    np.testing.assert_array_equal(y2, y_ref)
    assert X2.flags.writeable and y2.flags.writeable
    X3, _ = load_digits(images=not images)
    assert X3.min() == 0.0  # the other layout is not corrupted either


def test_load_digits_bad_argument():
    with pytest.raises(TypeError, match="load_digits: images must be True or False"):
        load_digits(images="yes")


# --- train_test_split ---------------------------------------------------------------------


def test_split_sizes_and_disjointness(rng):
    X = np.arange(20.0).reshape(10, 2)  # row i holds 2i, 2i + 1: row ids survive the split
    y = np.array([0, 1] * 5)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, 0.25, rng, stratify=False)
    # n_test = ceil(0.25 * 10) = 3, n_train = 7
    assert X_te.shape == (3, 2) and y_te.shape == (3,)
    assert X_tr.shape == (7, 2) and y_tr.shape == (7,)
    ids_tr, ids_te = X_tr[:, 0] / 2, X_te[:, 0] / 2
    assert set(ids_tr).isdisjoint(ids_te)
    assert set(ids_tr) | set(ids_te) == set(range(10))
    # Rows keep their labels.
    np.testing.assert_array_equal(y_tr, ids_tr.astype(int) % 2)
    np.testing.assert_array_equal(y_te, ids_te.astype(int) % 2)


def test_split_stratified_counts_by_hand(rng):
    # 30 of class 0 and 10 of class 1, 20%: n_test = 8 = 6 of class 0 + 2 of class 1.
    y = np.repeat([0, 1], [30, 10])
    X = np.arange(40.0)[:, None]
    _, _, y_tr, y_te = train_test_split(X, y, 0.2, rng)
    np.testing.assert_array_equal(np.bincount(y_te), [6, 2])
    np.testing.assert_array_equal(np.bincount(y_tr), [24, 8])
    # 25%: n_test = 10, shares 7.5 and 2.5; the tie goes to the first class -> 8 and 2.
    _, _, _, y_te = train_test_split(X, y, 0.25, rng)
    np.testing.assert_array_equal(np.bincount(y_te), [8, 2])


def test_split_stratified_digits_keep_proportions(rng):
    X, y = load_digits(images=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, 0.2, rng)
    assert y_tr.shape == (1437,) and y_te.shape == (360,)
    assert X_te.shape == (360, 1, 8, 8) and X_tr.shape == (1437, 1, 8, 8)  # ceil(359.4) = 360
    expected = np.bincount(y) * 360 / 1797  # each class's exact share of the 360
    assert np.all(np.abs(np.bincount(y_te, minlength=10) - expected) < 1)


def test_split_deterministic_and_seed_dependent():
    X, y = load_digits()
    a = train_test_split(X, y, 0.3, np.random.default_rng(0))
    b = train_test_split(X, y, 0.3, np.random.default_rng(0))
    c = train_test_split(X, y, 0.3, np.random.default_rng(1))
    for part_a, part_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(part_a, part_b)
    assert not np.array_equal(a[1], c[1])


def test_split_does_not_mutate_and_returns_new_arrays(rng):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 0, 0, 1, 1, 1])
    X0, y0 = X.copy(), y.copy()
    parts = train_test_split(X, y, 0.5, rng)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    for part in parts:
        assert not np.shares_memory(part, X) and not np.shares_memory(part, y)
    assert parts[2].dtype == np.int64


def test_split_bad_arguments(rng):
    X, y = np.ones((10, 2)), np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match="train_test_split: X has 10 examples but y has 9"):
        train_test_split(X, y[:9], 0.2, rng)
    with pytest.raises(ValueError, match="train_test_split: test_fraction must be > 0"):
        train_test_split(X, y, 0.0, rng)
    with pytest.raises(ValueError, match="train_test_split: test_fraction must be < 1"):
        train_test_split(X, y, 1.0, rng)
    with pytest.raises(ValueError, match="leaves an empty training set"):
        train_test_split(X[:2], y[:2], 0.6, rng)  # ceil(1.2) = 2 of 2
    with pytest.raises(TypeError, match="train_test_split: y must hold integer class labels"):
        train_test_split(X, y.astype(float), 0.2, rng)
    with pytest.raises(ValueError, match="train_test_split: y must be 1-D"):
        train_test_split(X, y[:, None], 0.2, rng)
    with pytest.raises(
        TypeError, match=r"train_test_split: rng must be a numpy\.random\.Generator"
    ):
        train_test_split(X, y, 0.2, 0)
    with pytest.raises(TypeError, match="train_test_split: stratify must be True or False"):
        train_test_split(X, y, 0.2, rng, stratify="yes")


# --- properties ---------------------------------------------------------------------------


@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 60),
    st.floats(0.01, 0.99),
    st.booleans(),
    st.integers(1, 5),
)
def test_split_is_a_partition(seed, n, f, stratify, k):
    g = np.random.default_rng(seed)
    n_test = int(np.ceil(f * n))
    if n_test >= n:
        return
    X = np.arange(float(n))[:, None]
    y = g.integers(0, k, size=n)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, f, g, stratify=stratify)
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))
    assert len(X_te) == n_test
    np.testing.assert_array_equal(np.concatenate([y_tr, y_te]), y[ids])
    if stratify:
        counts, test_counts = np.bincount(y, minlength=k), np.bincount(y_te, minlength=k)
        assert np.all(np.abs(test_counts - counts * n_test / n) < 1)


def test_boolean_labels_are_refused_like_everywhere_else(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(TypeError, match="train_test_split: y must hold integer class labels"):
        train_test_split(X, np.arange(10) % 2 == 0, 0.2, rng)
