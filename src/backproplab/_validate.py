"""Boundary checks shared by every public function.

Errors name the function, the argument and what is wrong with it (shape, dtype, value), so a
student meets "dense_forward: x has 3 features but W expects 4" instead of a traceback from
inside ``np.dot``.

Policy (recorded in docs/decisions.md):

- Inputs are converted to float64 (bool and integer arrays are accepted; complex, object and
  string arrays raise ``TypeError``). Float32 is promoted: the course computes in float64.
- NaN anywhere in an input raises ``ValueError`` with the index of the first NaN.
  Infinities are allowed where the maths has a limit (``sigmoid(inf) == 1``) and rejected
  where it does not (``check_finite``).
- Conversion never writes to the caller's array; functions must not write into what
  ``as_float_array`` returns, since it may be the caller's own array.
"""

from __future__ import annotations

import numbers
import re
from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from backproplab._types import ArrayLike


def as_array(x: ArrayLike, name: str, fn: str) -> np.ndarray:
    """``np.asarray(x)``, turning NumPy's error for ragged nested lists into a clear one."""
    if isinstance(x, np.ndarray):
        return x
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{fn}: {name} is not a rectangular array ({exc})") from None


def as_float_array(
    x: ArrayLike, name: str, fn: str, *, ndim: int | None = None, finite: bool = False
) -> np.ndarray:
    """Return ``x`` as a float64 ndarray, or raise a clear error.

    Parameters
    ----------
    x : array_like
        The argument to check.
    name, fn : str
        Argument and function names used in the error message.
    ndim : int, optional
        Required number of dimensions.
    finite : bool
        Also reject ``inf`` (NaN is always rejected).
    """
    arr = as_array(x, name, fn)
    kind = arr.dtype.kind
    if kind not in "biuf":
        raise TypeError(
            f"{fn}: {name} must hold real numbers, got dtype {arr.dtype}"
            + (" (complex values are not supported)" if kind == "c" else "")
        )
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{fn}: {name} must be {ndim}-D, got shape {arr.shape}")
    if kind == "f":
        bad = np.isnan(arr) if not finite else ~np.isfinite(arr)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            what = "NaN" if not finite else "a non-finite value"
            value = arr[where] if where else arr
            raise ValueError(f"{fn}: {name} contains {what} ({value}) at index {where}")
    return arr


def as_scalar(
    value: object,
    name: str,
    fn: str,
    *,
    positive: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Return ``value`` as a Python float, checking it is a finite real number in range.

    ``low`` and ``high`` are inclusive bounds; ``positive`` requires ``value > 0``.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{fn}: {name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{fn}: {name} must be > 0, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{fn}: {name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{fn}: {name} must be <= {high}, got {value}")
    return value


def as_int(value: object, name: str, fn: str, *, low: int | None = None) -> int:
    """Return ``value`` as a Python int (no silent truncation of floats) with ``value >= low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{fn}: {name} must be >= {low}, got {value}")
    return value


def as_labels(y: ArrayLike, name: str, fn: str) -> np.ndarray:
    """Class labels as a 1-D int64 array; floats and booleans are refused, not guessed at."""
    y = as_array(y, name, fn)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"{fn}: {name} must hold integer class labels, got dtype {y.dtype} "
            "(convert with .astype(int))"
        )
    if y.ndim != 1:
        raise ValueError(f"{fn}: {name} must be 1-D (N,), got shape {y.shape}")
    return y.astype(np.int64)


_LAYER_KEY = re.compile(r"([Wb])([1-9][0-9]*)")


def layer_count(params: object, name: str, fn: str) -> int:
    """Number of layers L in a dict keyed ``W1, b1, ..., WL, bL`` (no gap, both per layer)."""
    if not isinstance(params, dict):
        raise TypeError(
            f"{fn}: {name} must be a dict like {{'W1': ..., 'b1': ...}}, "
            f"got {type(params).__name__}"
        )
    if not params:
        raise ValueError(f"{fn}: {name} is empty; expected keys 'W1', 'b1', ...")
    found: dict[int, set[str]] = {}
    for key in params:
        match = _LAYER_KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None:
            raise ValueError(
                f"{fn}: unexpected key {key!r} in {name}: keys are 'W<l>' and 'b<l>' for "
                "layers l = 1, 2, ..."
            )
        found.setdefault(int(match.group(2)), set()).add(match.group(1))
    L = max(found)
    for layer in range(1, L + 1):
        for kind in ("W", "b"):
            if kind not in found.get(layer, ()):
                raise ValueError(
                    f"{fn}: {name} has no {kind}{layer}: layers 1..{L} each need W and b "
                    f"(keys: {list(params)})"
                )
    return L


def same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str], fn: str) -> None:
    """Raise ``ValueError`` naming both shapes unless ``a.shape == b.shape``."""
    if a.shape != b.shape:
        raise ValueError(
            f"{fn}: {names[0]} has shape {a.shape} but {names[1]} has shape {b.shape}; "
            "they must match"
        )


def upstream(dout: ArrayLike, expected_shape: Iterable[int], fn: str) -> np.ndarray:
    """``dout`` as a finite float array shaped like the layer's forward output, or an error
    naming both shapes."""
    dout = as_float_array(dout, "dout", fn, finite=True)
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"{fn}: dout has shape {dout.shape} but the forward output had shape "
            f"{tuple(expected_shape)}; dout must match the layer's output"
        )
    return dout


def non_empty(x: np.ndarray, name: str, fn: str) -> None:
    """Reject an empty batch: a mean over zero examples is undefined."""
    if x.size == 0:
        raise ValueError(f"{fn}: {name} is empty (shape {x.shape}); need at least one example")


def check_rng(rng: object, fn: str, *, optional: bool = False) -> np.random.Generator | None:
    """Require a ``numpy.random.Generator`` so that every random draw is seeded by the caller."""
    if rng is None and optional:
        return None
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{fn}: rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def cache_type(name: str, fields: str, forward: str) -> type[tuple]:
    """A named tuple type for what ``forward`` keeps for its backward pass.

    Caches are still tuples (``x, W, b = cache`` works), but each layer has its own type, so
    handing a sigmoid cache to ``relu_backward`` is an error instead of a wrong gradient.
    """
    cls = namedtuple(name, fields)
    cls.forward = forward
    cls.__doc__ = f"What ``{forward}`` keeps for the backward pass: ({', '.join(cls._fields)})."
    return cls


def check_cache(cache: object, cls: type[tuple], fn: str) -> tuple:
    """Return ``cache`` as a ``cls`` (made by ``cache_type``), or explain the mix-up.

    A plain tuple of the right length is accepted too: it is what a student's own forward
    function returns, and their backward must work with the reference's and vice versa.
    """
    if isinstance(cache, cls):
        return cache
    if type(cache) is tuple and len(cache) == len(cls._fields):
        return cls(*cache)
    expected = f"the {cls.__name__} returned by {cls.forward}"
    source = getattr(type(cache), "forward", None)
    if source is not None:
        got = f"a {type(cache).__name__} from {source}"
    elif isinstance(cache, tuple):
        got = f"a tuple of length {len(cache)} (expected {len(cls._fields)}: {cls._fields})"
    else:
        got = type(cache).__name__
    raise TypeError(f"{fn}: cache must be {expected}, got {got}")


def frozen(a: ArrayLike) -> np.ndarray:
    """A read-only float64 copy, so a cache cannot change after the forward pass returns."""
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def check_optimizer(optimizer: object, fn: str) -> None:
    """Require the ``init(w)`` / ``update(w, dw, state)`` shape of ``make_optimizer``'s objects."""
    for method in ("init", "update"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(
                f"{fn}: optimizer must have init(w) and update(w, dw, state) methods, e.g. "
                f"make_optimizer('sgd', lr=0.1); got {type(optimizer).__name__} without "
                f"{method}()"
            )
