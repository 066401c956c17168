r"""Small data sets for the course: logic gates, 2-D toy problems and the 8x8 digits.

Everything is offline and deterministic: the synthetic sets draw only from the ``rng`` they
are given (same seed, same data), and the digits come from the file shipped in
``backproplab/data``. Every function returns ``X`` as float64 and ``y`` as int64 labels
``0..K-1``, with the examples of the synthetic 2-D sets shuffled (so that plain SGD over them
in order does not meet one class after the other).
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources

import numpy as np

from backproplab._types import ArrayLike
from backproplab._validate import as_float_array, as_int, as_labels, as_scalar, check_rng

_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
}

DIGITS_SHAPE = (1797, 65)
"""Rows and columns of ``data/digits.csv.gz``: 64 pixels (0..16) then the label."""


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    r"""The truth table of a two-input logic gate.

    Parameters
    ----------
    name : {"and", "or", "xor", "nand"}
        Case-insensitive.

    Returns
    -------
    X : ndarray of float64, shape (4, 2)
        The inputs in the order (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of int64, shape (4,)
        The gate's output for each row. AND, OR and NAND are linearly separable; XOR is not.
    """
    fn = "logic_gate"
    if not isinstance(name, str):
        raise TypeError(f"{fn}: name must be a string, got {type(name).__name__}")
    key = name.lower()
    if key not in _GATES:
        raise ValueError(f"{fn}: unknown gate {name!r}; choose one of {sorted(_GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return X, np.array(_GATES[key], dtype=np.int64)


def _class_sizes(n: int, k: int) -> np.ndarray:
    """Split n examples over k classes as evenly as possible (the first ones get the extra)."""
    return n // k + (np.arange(k) < n % k)


def _shuffled(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(y.shape[0])
    return X[order], y[order]


def make_blobs(
    n: int, rng: np.random.Generator, centers: int = 2, std: float = 1.0, separation: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gaussian blobs that are guaranteed linearly separable.

    Class :math:`k` is centred at :math:`R(\cos\theta_k, \sin\theta_k)` with
    :math:`\theta_k = 2\pi k / K`, and :math:`R = s / (2\sin(\pi/K))` so that neighbouring
    centres are ``separation`` :math:`= s` apart (for K = 2 the centres are
    :math:`(\pm s/2, 0)`). Each point is its centre plus isotropic Gaussian noise of standard
    deviation ``std``, **truncated** to the disc of radius

    .. math:: r = \frac{s}{2} \sin\left(\frac{\pi}{K}\right) = R \sin^2\left(\frac{\pi}{K}\right)

    (sampled exactly, by the inverse CDF of the truncated radius). Why this radius: projected on
    the direction of centre k, class k lies beyond :math:`R - r` and every other class below
    :math:`R\cos(2\pi/K) + r`, and these are apart exactly when :math:`r < R\sin^2(\pi/K)`.
    So every class is separable from all the others by one line (one-vs-rest), and for K = 2
    (:math:`r = s/2`: the two open discs are disjoint) a perceptron always reaches zero errors
    (it converges on separable data). With the defaults (``std=1``, ``separation=6``,
    K = 2) the truncation is at 3 standard deviations and removes about 1% of the Gaussian.

    Parameters
    ----------
    n : int
        Number of points, >= 1, split over the classes as evenly as possible.
    rng : numpy.random.Generator
    centers : int
        Number of classes K >= 2.
    std : float
        Standard deviation of the noise around each centre, > 0.
    separation : float
        Distance between neighbouring centres, > 0.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    fn = "make_blobs"
    n = as_int(n, "n", fn, low=1)
    rng = check_rng(rng, fn)
    k = as_int(centers, "centers", fn, low=2)
    std = as_scalar(std, "std", fn, positive=True)
    separation = as_scalar(separation, "separation", fn, positive=True)

    y = np.repeat(np.arange(k, dtype=np.int64), _class_sizes(n, k))
    theta = 2 * np.pi * np.arange(k) / k
    radius = separation / (2 * np.sin(np.pi / k))
    centres = radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)

    # Radius of a 2-D isotropic Gaussian: P(rho <= t) = 1 - exp(-t^2 / 2 std^2). Drawing the
    # CDF value uniformly below its value at r_max samples the truncated radius exactly.
    r_max = 0.5 * separation * np.sin(np.pi / k)
    cdf_max = -np.expm1(-0.5 * (r_max / std) ** 2)
    u = rng.uniform(0.0, cdf_max, size=n)
    rho = std * np.sqrt(-2.0 * np.log1p(-u))
    phi = rng.uniform(0.0, 2 * np.pi, size=n)
    X = centres[y] + rho[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=1)
    return _shuffled(X, y, rng)


def _check_noise(noise: float, fn: str) -> float:
    return as_scalar(noise, "noise", fn, low=0.0)


def make_moons(
    n: int, rng: np.random.Generator, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaving half circles (not linearly separable).

    Class 0 lies on :math:`(\cos t, \sin t)`, class 1 on :math:`(1 - \cos t, \tfrac12 - \sin t)`,
    for :math:`t` evenly spaced in :math:`[0, \pi]`, plus Gaussian noise of standard deviation
    ``noise`` on both coordinates (the layout of scikit-learn's ``make_moons``).

    Parameters
    ----------
    n : int
        Number of points, >= 1 (class 0 gets the extra one when n is odd).
    rng : numpy.random.Generator
    noise : float
        Standard deviation of the noise, >= 0.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    fn = "make_moons"
    n = as_int(n, "n", fn, low=1)
    rng = check_rng(rng, fn)
    noise = _check_noise(noise, fn)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    X = np.concatenate(
        [
            np.stack([np.cos(t0), np.sin(t0)], axis=1),
            np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_circles(
    n: int, rng: np.random.Generator, noise: float = 0.05, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    r"""A small circle inside a large one (not linearly separable).

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``, at evenly
    spaced angles, plus Gaussian noise of standard deviation ``noise`` on both coordinates.

    Parameters
    ----------
    n : int
        Number of points, >= 1 (class 0 gets the extra one when n is odd).
    rng : numpy.random.Generator
    noise : float
        Standard deviation of the noise, >= 0.
    factor : float
        Radius of the inner circle, 0 < factor < 1.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    fn = "make_circles"
    n = as_int(n, "n", fn, low=1)
    rng = check_rng(rng, fn)
    noise = _check_noise(noise, fn)
    factor = as_scalar(factor, "factor", fn, positive=True)
    if factor >= 1.0:
        raise ValueError(f"{fn}: factor (inner radius) must be < 1, got {factor}")
    sizes = _class_sizes(n, 2)
    parts = []
    for radius, size in zip((1.0, factor), sizes, strict=True):
        t = np.linspace(0.0, 2 * np.pi, size, endpoint=False)
        parts.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))
    X = np.concatenate(parts)
    y = np.repeat(np.array([0, 1], dtype=np.int64), sizes)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_spirals(
    n_per_class: int, rng: np.random.Generator, n_classes: int = 3, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    r"""Interleaved spiral arms, one per class (the CS231n spiral data).

    Point :math:`i` of class :math:`k` sits at radius :math:`r_i` evenly spaced in [0, 1]
    and angle :math:`t_i = 4(k + r_i) + \epsilon_i`, :math:`\epsilon_i \sim N(0, \text{noise}^2)`:

    .. math:: x_i = r_i (\sin t_i, \cos t_i)

    so ``noise`` is an angular jitter in radians, which blurs the arms more far from the
    centre.

    Parameters
    ----------
    n_per_class : int
        Points per arm, >= 1.
    rng : numpy.random.Generator
    n_classes : int
        Number of arms K >= 2.
    noise : float
        Standard deviation of the angular noise in radians, >= 0.

    Returns
    -------
    X : ndarray of float64, shape (n_per_class * n_classes, 2)
    y : ndarray of int64, same length
    """
    fn = "make_spirals"
    m = as_int(n_per_class, "n_per_class", fn, low=1)
    rng = check_rng(rng, fn)
    k = as_int(n_classes, "n_classes", fn, low=2)
    noise = _check_noise(noise, fn)
    r = np.tile(np.linspace(0.0, 1.0, m), k)
    y = np.repeat(np.arange(k, dtype=np.int64), m)
    t = 4.0 * (y + r) + noise * rng.standard_normal(m * k)
    X = r[:, None] * np.stack([np.sin(t), np.cos(t)], axis=1)
    return _shuffled(X, y, rng)


@functools.lru_cache(maxsize=1)
def _digits_table() -> np.ndarray:
    """Parse the shipped file once; read-only so that even a stray write cannot corrupt it."""
    source = importlib.resources.files("backproplab") / "data" / "digits.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    if table.shape != DIGITS_SHAPE:
        raise RuntimeError(
            f"load_digits: {source} has shape {table.shape}, expected {DIGITS_SHAPE}; "
            "the package data is damaged, reinstall backproplab"
        )
    table.setflags(write=False)
    return table


def load_digits(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""The 8x8 handwritten digits (UCI optical digits test set, 1,797 images, 10 classes).

    Pixel intensities in the file are integers 0..16; they are returned divided by 16, so
    :math:`X \in [0, 1]`. The file is parsed once per process and cached; every call returns
    fresh copies, so modifying the result never affects later calls.

    Parameters
    ----------
    images : bool
        False for flat rows (N, 64); True for images in NCHW layout (N, 1, 8, 8), the input of
        :func:`backproplab.conv.conv2d_forward`.

    Returns
    -------
    X : ndarray of float64, shape (1797, 64) or (1797, 1, 8, 8)
        Pixels in [0, 1], row-major (pixel ``8 * i + j`` is row i, column j).
    y : ndarray of int64, shape (1797,)
        Digit labels 0..9.
    """
    if not isinstance(images, bool | np.bool_):
        raise TypeError(f"load_digits: images must be True or False, got {images!r}")
    table = _digits_table()
    X = table[:, :64] / 16.0  # a new float64 array, never a view of the cache
    y = table[:, 64].copy()
    if images:
        X = X.reshape(-1, 1, 8, 8)
    return X, y


def _stratified_test_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Share n_test over classes in proportion to their sizes (largest remainders)."""
    # Integer arithmetic: a float share such as 2.9999999 could otherwise round the wrong way.
    numerator = counts * n_test
    take, remainder = numerator // counts.sum(), numerator % counts.sum()
    # Ties broken by class order (stable sort) so that the result does not depend on rng.
    extra = np.argsort(-remainder, kind="stable")[: n_test - take.sum()]
    take[extra] += 1
    return take


def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    test_fraction: float,
    rng: np.random.Generator,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Split examples at random into a training and a test set.

    The test set has :math:`n_{test} = \lceil f N \rceil` examples (``f = test_fraction``)
    and the training set the other :math:`N - n_{test}`; both must be non-empty. With
    ``stratify=True`` each class contributes :math:`f N_k` test examples, rounded down or up
    (largest remainders) so that the counts add up to exactly :math:`n_{test}`; the class
    proportions of both parts then match those of ``y`` as closely as integers allow.
    Both parts come out in random order.

    Parameters
    ----------
    X : array_like, shape (N, ...)
        Examples along the first axis (rows of features, or NCHW images).
    y : array_like, shape (N,)
        Integer labels.
    test_fraction : float
        Fraction of the examples for the test set, 0 < f < 1.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same split.
    stratify : bool
        Keep the class proportions in both parts.

    Returns
    -------
    X_train : ndarray of float64, shape (N - n_test, ...)
    X_test : ndarray of float64, shape (n_test, ...)
    y_train : ndarray of int64, shape (N - n_test,)
    y_test : ndarray of int64, shape (n_test,)
        New arrays (no views of the inputs).
    """
    fn = "train_test_split"
    X = as_float_array(X, "X", fn)
    if X.ndim == 0:
        raise ValueError(f"{fn}: X must have examples along its first axis, got a scalar")
    y_arr = as_labels(y, "y", fn)
    if y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"{fn}: X has {X.shape[0]} examples but y has {y_arr.shape[0]}")
    f = as_scalar(test_fraction, "test_fraction", fn, positive=True)
    if f >= 1.0:
        raise ValueError(f"{fn}: test_fraction must be < 1, got {f}")
    rng = check_rng(rng, fn)
    if not isinstance(stratify, bool | np.bool_):
        raise TypeError(f"{fn}: stratify must be True or False, got {stratify!r}")

    n = X.shape[0]
    n_test = int(np.ceil(f * n))
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"{fn}: test_fraction={f} of {n} examples leaves an empty "
            f"{'test' if n_test < 1 else 'training'} set"
        )
    if stratify:
        classes, inverse, counts = np.unique(y_arr, return_inverse=True, return_counts=True)
        take = _stratified_test_counts(counts, n_test)
        test_parts = [
            rng.choice(np.flatnonzero(inverse == c), size=take[c], replace=False)
            for c in range(classes.size)
        ]
        test_idx = rng.permutation(np.concatenate(test_parts))
    else:
        test_idx = rng.choice(n, size=n_test, replace=False)
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    y_int = y_arr.astype(np.int64)
    return X[train_idx], X[test_idx], y_int[train_idx], y_int[test_idx]
