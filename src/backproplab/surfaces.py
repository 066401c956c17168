r"""Named error surfaces with value and gradient, and gradient descent paths across them.

Each ``Surface`` is a small test function :math:`L(w)` (a loss, in the book's notation) over
:math:`w \in \mathbb{R}^{d}` (``dim`` = 2, except the one-weight perceptron curve with
``dim`` = 1). ``value`` and ``grad`` are vectorised over leading axes, so a contour plot
evaluates a whole grid at once::

    X, Y = np.meshgrid(np.linspace(*s.xlim, 200), np.linspace(*s.ylim, 200))
    Z = s.value(np.stack([X, Y], axis=-1))      # (200, 200)

Every surface here has its minimum value at 0, so ``value`` is also the gap to the optimum.

- ``"bowl"``: :math:`\tfrac12 (x^2 + 25 y^2)`, an ill-conditioned quadratic (condition number
  25: plain gradient descent zig-zags across the narrow axis); minimum (0, 0).
- ``"rosenbrock"``: :math:`(1 - x)^2 + 100 (y - x^2)^2` (a = 1, b = 100), a curved, flat-bottomed
  valley; minimum (1, 1).
- ``"beale"``: :math:`(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`, flat
  plateaus next to steep walls; minimum (3, 0.5).
- ``"himmelblau"``: :math:`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`, four minima of value 0, at
  (3, 2) and three irrational points (stored to 16 digits); where you start decides where you
  end.
- ``"saddle"``: :math:`x^2 - y^2 + y^4/4 + 1 = x^2 + (y^2/2 - 1)^2`, a saddle point at the
  origin (value 1, zero gradient) between two minima at :math:`(0, \pm\sqrt 2)`. The quartic
  term keeps it bounded below, so paths that escape the saddle settle instead of running off.
- ``"one_weight"`` (``dim`` = 1): the one-weight perceptron error of SYLLABUS ch. 3, input
  :math:`x = 0.3`, target :math:`y = 0.8`, :math:`L(w) = |0.3 w - 0.8| = 0.3\,|w - 8/3|`;
  minimum at :math:`w^* = 8/3`. Its gradient is the subgradient
  :math:`0.3\,\mathrm{sign}(w - w^*)`, so a fixed learning rate always steps by the same
  amount. The code uses the second form with ``w_star = 0.8 / 0.3``, the same float as
  ``minima[0]``, so value and gradient are exactly 0 at the stored minimum (the first form
  rounds to a gradient of -0.3 there and SGD would walk away from the minimum).
- ``"tiny_net"``: the training loss of the smallest network with a hidden unit, on real data:
  :math:`\hat y = w_2 \tanh(w_1 x)`, with :math:`x` the standardised mean ink of the central
  4 x 2 pixels of the 8x8 digits 0 and 1 (360 images, ``datasets.load_digits``) and target
  :math:`y = -1` for a 0, :math:`+1` for a 1. The surface is the *excess* mean squared error
  :math:`L(w) = \frac{1}{N}\sum_n (\hat y_n - y_n)^2 - L^*`, where :math:`L^* \approx 0.0761`
  is the loss at the minimum, so that like every surface here its minimum value is 0 (clipped
  at 0, so rounding never makes it negative). Two mirror-image minima at
  :math:`\pm(2.604, 1.014)` (flipping both signs gives the same network) and a saddle at the
  origin; the valley is long and flat along :math:`w_1` (Hessian eigenvalues 0.0064 and 1.8),
  because the tanh saturates.
- ``"two_weight_fit"``: the excess training MSE (like ``"tiny_net"``) of a linear model
  :math:`w_1 x_1 + w_2 x_2` on 20 noisy examples with correlated inputs (``linear_fit``): a
  long valley along :math:`w_1 - w_2`. The one surface with a validation loss, ``val_value``
  (excess MSE on 200 more examples), which falls and then rises along gradient descent from
  the origin (chapter 9); :func:`fit_surface` builds it on another sample.

``descend`` runs any optimizer with ``init`` / ``update`` (see ``backproplab.optimizers``)
from a start point and returns the whole path, which is what the chapter 4 widgets draw.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from backproplab import datasets, linear_fit
from backproplab._types import ArrayLike, OptimizerLike
from backproplab._validate import as_float_array, as_int, check_optimizer

__all__ = ["SURFACES", "Surface", "descend", "fit_surface", "get_surface"]


@dataclass(frozen=True, eq=False)
class Surface:
    r"""An error surface :math:`L: \mathbb{R}^{dim} \to \mathbb{R}` with its gradient.

    Attributes
    ----------
    name : str
        Key in ``SURFACES``.
    title : str
        Human-readable title for plots.
    value_fn, grad_fn : callable
        Raw formulas on a float64 array of shape (..., dim); use ``value`` and ``grad``,
        which check their input first.
    dim : int
        Number of weights (2, or 1 for a curve).
    xlim, ylim : tuple of float
        Plotting domain. For ``dim`` = 1, ``xlim`` is the range of the weight and ``ylim`` the
        range of the error axis.
    minima : ndarray, shape (k, dim)
        Known global minima (read-only).
    start : ndarray, shape (dim,)
        A start point that shows the surface's difficulty (read-only).
    val_value_fn : callable or None
        Raw formula of the validation loss, for a surface fitted to data with a validation
        sample (``"two_weight_fit"``); None for the others.
    val_value : callable or None
        The validation loss, checked like ``value``: ``val_value(w)`` takes points of shape
        (..., dim) and returns shape (...). None when the surface has no validation loss, so
        ``if surface.val_value is not None`` tells whether to draw one.
    """

    name: str
    title: str
    value_fn: Callable[[np.ndarray], np.ndarray | np.float64] = field(repr=False)
    grad_fn: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    dim: int
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: np.ndarray
    start: np.ndarray
    val_value_fn: Callable[[np.ndarray], np.ndarray | np.float64] | None = field(
        default=None, repr=False
    )
    val_value: Callable[[ArrayLike], np.ndarray] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for attr, shape in (("minima", (-1, self.dim)), ("start", (self.dim,))):
            arr = np.array(getattr(self, attr), dtype=np.float64).reshape(shape)
            arr.setflags(write=False)
            object.__setattr__(self, attr, arr)
        checked = None if self.val_value_fn is None else self._val_value
        object.__setattr__(self, "val_value", checked)

    def value(self, w: ArrayLike) -> np.ndarray:
        r"""Loss :math:`L(w)`.

        Parameters
        ----------
        w : array_like, shape (..., dim)
            One point (dim,) or a grid of points.

        Returns
        -------
        L : ndarray, shape (...)
            A 0-d array for a single point. Points so far out that float64 overflows give
            ``inf`` (or ``nan``), without a warning.
        """
        w = self._points(w, "value")
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self.value_fn(w), dtype=np.float64)

    def _val_value(self, w: ArrayLike) -> np.ndarray:
        """Validation loss at points of shape (..., dim), shape (...) (the ``val_value``)."""
        w = self._points(w, "val_value")
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self.val_value_fn(w), dtype=np.float64)

    def grad(self, w: ArrayLike) -> np.ndarray:
        r"""Gradient :math:`\nabla L(w)` (a subgradient at kinks).

        Parameters
        ----------
        w : array_like, shape (..., dim)

        Returns
        -------
        dL : ndarray, shape (..., dim)
        """
        w = self._points(w, "grad")
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self.grad_fn(w), dtype=np.float64)

    def _points(self, w: ArrayLike, method: str) -> np.ndarray:
        fn = f"{self.name}.{method}"
        w = as_float_array(w, "w", fn, finite=True)
        if w.ndim == 0 or w.shape[-1] != self.dim:
            raise ValueError(
                f"{fn}: w has shape {w.shape} but the surface is {self.dim}-D, so the last "
                f"axis must have length {self.dim} (shape (..., {self.dim}))"
            )
        return w


_BOWL_B = 25.0


def _bowl_value(w: np.ndarray) -> np.ndarray | np.float64:
    x, y = w[..., 0], w[..., 1]
    return 0.5 * (x**2 + _BOWL_B * y**2)


def _bowl_grad(w: np.ndarray) -> np.ndarray:
    return w * np.array([1.0, _BOWL_B])


def _rosenbrock_value(w: np.ndarray) -> np.ndarray | np.float64:
    x, y = w[..., 0], w[..., 1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_grad(w: np.ndarray) -> np.ndarray:
    x, y = w[..., 0], w[..., 1]
    dx = -2.0 * (1.0 - x) - 400.0 * x * (y - x**2)
    dy = 200.0 * (y - x**2)
    return np.stack([dx, dy], axis=-1)


def _beale_terms(
    w: np.ndarray,
) -> tuple[np.ndarray | np.float64, np.ndarray | np.float64, tuple[np.ndarray | np.float64, ...]]:
    x, y = w[..., 0], w[..., 1]
    return x, y, (1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3)


def _beale_value(w: np.ndarray) -> np.ndarray | np.float64:
    _, _, (t1, t2, t3) = _beale_terms(w)
    return t1**2 + t2**2 + t3**2


def _beale_grad(w: np.ndarray) -> np.ndarray:
    x, y, (t1, t2, t3) = _beale_terms(w)
    dx = 2.0 * (t1 * (y - 1.0) + t2 * (y**2 - 1.0) + t3 * (y**3 - 1.0))
    dy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y**2 * t3)
    return np.stack([dx, dy], axis=-1)


def _himmelblau_value(w: np.ndarray) -> np.ndarray | np.float64:
    x, y = w[..., 0], w[..., 1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _himmelblau_grad(w: np.ndarray) -> np.ndarray:
    x, y = w[..., 0], w[..., 1]
    a = x**2 + y - 11.0
    b = x + y**2 - 7.0
    return np.stack([4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b], axis=-1)


def _saddle_value(w: np.ndarray) -> np.ndarray | np.float64:
    x, y = w[..., 0], w[..., 1]
    # x^2 - y^2 + y^4/4 + 1 written as a sum of squares, so it is never negative in float64
    # (the expanded form rounds to -2e-16 at the minima).
    return x**2 + (0.5 * y**2 - 1.0) ** 2


def _saddle_grad(w: np.ndarray) -> np.ndarray:
    x, y = w[..., 0], w[..., 1]
    return np.stack([2.0 * x, -2.0 * y + y**3], axis=-1)


# SYLLABUS ch. 3: one input x = 0.3, target y = 0.8, prediction w * x.
_X1, _Y1 = 0.3, 0.8
# Both formulas measure the distance to this float, which is also the stored minimum, so value
# and gradient are exactly 0 there. In the form |0.3 w - 0.8|, 0.3 * (0.8 / 0.3) - 0.8 rounds
# to -1.1e-16 and the subgradient at the minimum would be -0.3.
_W_STAR = _Y1 / _X1


def _one_weight_value(w: np.ndarray) -> np.ndarray | np.float64:
    return _X1 * np.abs(w[..., 0] - _W_STAR)


def _one_weight_grad(w: np.ndarray) -> np.ndarray:
    return _X1 * np.sign(w - _W_STAR)


@functools.cache
def _tiny_net_data() -> tuple[np.ndarray, np.ndarray]:
    """Inputs x (N,) and targets y (N,) of the tiny network: digits 0 (y = -1) and 1 (y = +1)."""
    X, labels = datasets.load_digits(images=True)
    keep = (labels == 0) | (labels == 1)
    # A 1 has its ink in the centre of the image, a 0 has a hole there: one informative but
    # overlapping feature, so the best fit is finite and the loss does not fall to 0.
    ink = X[keep, 0, 2:6, 3:5].mean(axis=(1, 2))
    x = (ink - ink.mean()) / ink.std()
    y = np.where(labels[keep] == 1, 1.0, -1.0)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


# Found by Newton's method on the gradient below (|grad| < 2e-16 there); the mirror image
# (-w1, -w2) is the same network, hence the second minimum.
_TINY_NET_MIN = (2.603928774782543, 1.0142830755892098)
# Rows per block when a grid of points is evaluated: a 200 x 200 contour grid against 360
# examples would otherwise allocate 115 MB at once.
_TINY_NET_BLOCK = 2048


def _tiny_net_blocks(w: np.ndarray, per_point: Callable[..., np.ndarray]) -> np.ndarray:
    """Apply ``per_point(w1 (M, 1), w2 (M, 1), x, y) -> (M, k)`` block-wise over w (..., 2)."""
    x, y = _tiny_net_data()
    flat = w.reshape(-1, 2)
    out = np.concatenate(
        [
            per_point(block[:, :1], block[:, 1:], x, y)
            for block in np.split(flat, range(_TINY_NET_BLOCK, len(flat), _TINY_NET_BLOCK))
        ]
    )
    return out.reshape(*w.shape[:-1], out.shape[-1])


def _tiny_net_loss(w: np.ndarray) -> np.ndarray | np.float64:
    def mse(w1: np.ndarray, w2: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.mean((w2 * np.tanh(w1 * x) - y) ** 2, axis=1, keepdims=True)

    return _tiny_net_blocks(w, mse)[..., 0]


@functools.cache
def _tiny_net_floor() -> float:
    return float(_tiny_net_loss(np.array(_TINY_NET_MIN)))


def _tiny_net_value(w: np.ndarray) -> np.ndarray | np.float64:
    return np.maximum(_tiny_net_loss(w) - _tiny_net_floor(), 0.0)


def _tiny_net_grad(w: np.ndarray) -> np.ndarray:
    def grad(w1: np.ndarray, w2: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        h = np.tanh(w1 * x)
        r = 2.0 * (w2 * h - y)  # dL/dy_hat for each example, before the mean
        dw1 = np.mean(r * w2 * (1.0 - h**2) * x, axis=1)
        dw2 = np.mean(r * h, axis=1)
        return np.stack([dw1, dw2], axis=-1)

    return _tiny_net_blocks(w, grad)


def fit_surface(seed: int = linear_fit.SURFACE_SEED) -> Surface:
    r"""The two-weight least-squares surface on the sample ``linear_fit.make_fit(seed)``.

    Parameters
    ----------
    seed : int >= 0
        ``linear_fit.SURFACE_SEED`` gives ``SURFACES["two_weight_fit"]``.

    Returns
    -------
    Surface
        Named ``"two_weight_fit"``: ``value`` is the training loss
        :math:`L(w) - L(w_\text{train})` and ``val_value`` the validation loss
        :math:`L_\text{val}(w) - L_\text{val}(w_\text{val})`, both mean squared errors minus
        their minimum (``linear_fit.excess_loss``); ``minima`` is the training least-squares
        weights, ``start`` the origin (small initial weights); the box holds the origin and both
        samples' least-squares weights with a margin of at least 1.
    """
    fit = linear_fit.make_fit(seed)
    corners = np.stack([np.zeros(2), fit.w_train, fit.w_val])
    lo = np.floor((corners.min(axis=0) - 1.0) * 2.0) / 2.0
    hi = np.ceil((corners.max(axis=0) + 1.0) * 2.0) / 2.0
    return Surface(
        "two_weight_fit",
        rf"Two-weight fit $w_1 x_1 + w_2 x_2$, sample {fit.seed} (excess training MSE)",
        lambda w: linear_fit.excess_loss(fit.gram, fit.w_train, w),
        lambda w: linear_fit.excess_loss_grad(fit.gram, fit.w_train, w),
        2,
        (float(lo[0]), float(hi[0])),
        (float(lo[1]), float(hi[1])),
        [fit.w_train],
        [0.0, 0.0],
        lambda w: linear_fit.excess_loss(fit.gram_val, fit.w_val, w),
    )


SURFACES: Mapping[str, Surface] = MappingProxyType(
    {
        s.name: s
        for s in (
            Surface(
                "bowl",
                r"Ill-conditioned bowl $\frac{1}{2}(x^2 + 25y^2)$",
                _bowl_value,
                _bowl_grad,
                2,
                (-4.0, 4.0),
                (-2.0, 2.0),
                [[0.0, 0.0]],
                [-3.5, 1.5],
            ),
            Surface(
                "rosenbrock",
                "Rosenbrock (a = 1, b = 100)",
                _rosenbrock_value,
                _rosenbrock_grad,
                2,
                (-2.0, 2.0),
                (-1.0, 3.0),
                [[1.0, 1.0]],
                [-1.2, 1.0],
            ),
            Surface(
                "beale",
                "Beale",
                _beale_value,
                _beale_grad,
                2,
                (-4.5, 4.5),
                (-4.5, 4.5),
                [[3.0, 0.5]],
                [1.0, 1.4],
            ),
            Surface(
                "himmelblau",
                "Himmelblau (four minima)",
                _himmelblau_value,
                _himmelblau_grad,
                2,
                (-5.0, 5.0),
                (-5.0, 5.0),
                [
                    [3.0, 2.0],
                    [-2.805118086952745, 3.131312518250573],
                    [-3.779310253377747, -3.283185991286170],
                    [3.584428340330492, -1.848126526964404],
                ],
                [0.0, 0.0],
            ),
            Surface(
                "saddle",
                r"Saddle $x^2 - y^2 + y^4/4 + 1$",
                _saddle_value,
                _saddle_grad,
                2,
                (-2.5, 2.5),
                (-2.5, 2.5),
                [[0.0, np.sqrt(2.0)], [0.0, -np.sqrt(2.0)]],
                # Just off the saddle's ridge: plain GD lingers near (0, 0) before escaping.
                [-2.0, 1e-3],
            ),
            Surface(
                "one_weight",
                r"One-weight error $|0.3w - 0.8|$",
                _one_weight_value,
                _one_weight_grad,
                1,
                (-2.0, 6.0),
                (0.0, 1.5),
                [[_W_STAR]],
                [0.0],
            ),
            Surface(
                "tiny_net",
                r"Tiny network $w_2 \tanh(w_1 x)$ on digits 0 vs 1 (excess MSE)",
                _tiny_net_value,
                _tiny_net_grad,
                2,
                (-4.0, 4.0),
                (-3.0, 3.0),
                [_TINY_NET_MIN, [-_TINY_NET_MIN[0], -_TINY_NET_MIN[1]]],
                # Near the saddle at the origin, slightly off the line w2 = 0.
                [-0.5, -0.05],
            ),
            fit_surface(),
        )
    }
)
"""Every named surface, read-only: ``SURFACES["rosenbrock"]``."""


def get_surface(name: str | Surface) -> Surface:
    """Look up a surface by name.

    Parameters
    ----------
    name : str or Surface
        A key of ``SURFACES`` (``"bowl"``, ``"rosenbrock"``, ``"beale"``, ``"himmelblau"``,
        ``"saddle"``, ``"one_weight"``, ``"tiny_net"``, ``"two_weight_fit"``); a ``Surface``
        is passed through unchanged, so callers can accept either.

    Returns
    -------
    surface : Surface
        Its ``value`` and ``grad`` take points of shape (..., dim) and return shapes (...)
        and (..., dim).

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones).
    TypeError
        ``name`` is neither a string nor a ``Surface``.
    """
    if isinstance(name, Surface):
        return name
    if not isinstance(name, str):
        raise TypeError(f"get_surface: name must be a string, got {type(name).__name__}")
    try:
        return SURFACES[name]
    except KeyError:
        raise ValueError(
            f"get_surface: unknown surface {name!r}; valid names are {', '.join(SURFACES)}"
        ) from None


def descend(
    surface: Surface | str,
    optimizer: OptimizerLike,
    start: ArrayLike | None = None,
    steps: int = 100,
) -> np.ndarray:
    r"""Follow an optimizer across a surface and return every iterate.

    .. math:: w_0 = \text{start}, \qquad (w_{k}, s_{k}) = \text{update}(w_{k-1},
              \nabla L(w_{k-1}), s_{k-1}), \quad s_0 = \text{init}(w_0)

    Parameters
    ----------
    surface : Surface or str
        A surface or its name in ``SURFACES``.
    optimizer : object with ``init`` and ``update``
        From ``make_optimizer`` or user-defined: ``init(w) -> state`` and
        ``update(w, dw, state) -> (w_new, state_new)`` with ``w`` of shape (dim,).
        It receives copies, so an optimizer that writes into ``w`` cannot corrupt the path.
    start : array_like, shape (dim,), optional
        First iterate; ``surface.start`` by default. A scalar is accepted when ``dim`` = 1.
    steps : int
        Number of updates, ``>= 0``.

    Returns
    -------
    path : ndarray, shape (steps + 1, dim)
        ``path[0] = start`` and ``path[k]`` is the iterate after ``k`` updates.

        Divergence: if the gradient at ``path[k-1]`` or the iterate ``path[k]`` is not finite
        (typically a learning rate that is too large), ``path[k:]`` is all NaN and the run
        stops there, with no ``RuntimeWarning``. A plot of the path then simply ends.

    Raises
    ------
    ValueError, TypeError
        Bad ``start`` or ``steps``; or an optimizer that raises or returns something of the
        wrong shape, with the step at which it happened.
    """
    fn = "descend"
    surface = get_surface(surface)
    check_optimizer(optimizer, fn)
    d = surface.dim
    w = as_float_array(surface.start if start is None else start, "start", fn, finite=True)
    if w.shape == () and d == 1:
        w = w.reshape(1)
    if w.shape != (d,):
        raise ValueError(
            f"{fn}: start has shape {w.shape} but surface {surface.name!r} is {d}-D, "
            f"so start must have shape ({d},)"
        )
    steps = as_int(steps, "steps", fn, low=0)

    path = np.full((steps + 1, d), np.nan)
    path[0] = w
    state = _call(optimizer.init, (w.copy(),), "init", 0)
    # A learning rate that is too large is a result to show, not an error: overflow is
    # allowed to happen quietly and is turned into NaN rows below.
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            g = surface.grad_fn(path[k - 1])
            if not np.all(np.isfinite(g)):
                break
            out = _call(optimizer.update, (path[k - 1].copy(), g.copy(), state), "update", k)
            w_new, state = _unpack_update(out, d, k)
            if not np.all(np.isfinite(w_new)):
                break
            path[k] = w_new
    return path


def _call(method: Callable[..., object], args: tuple, name: str, k: int) -> object:
    try:
        return method(*args)
    except Exception as exc:
        raise ValueError(
            f"descend: optimizer.{name} raised {type(exc).__name__} at step {k}: {exc}"
        ) from exc


def _unpack_update(out: object, d: int, k: int) -> tuple[np.ndarray, Any]:
    if not isinstance(out, tuple) or len(out) != 2:
        got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
        raise TypeError(f"descend: optimizer.update must return (w, state) at step {k}, got {got}")
    try:
        w_new = np.asarray(out[0], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"descend: optimizer.update returned a w that is not a numeric array at step {k} "
            f"({exc})"
        ) from None
    if w_new.shape != (d,):
        raise ValueError(
            f"descend: optimizer.update returned w of shape {w_new.shape} at step {k}, but the "
            f"iterate has shape ({d},)"
        )
    return w_new, out[1]
