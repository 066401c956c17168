"""Judging a result: is it a plain number or array, and equal to the expected one entry by entry?

Every result goes through :func:`expect_close`, which accepts plain ndarrays, NumPy scalars and
Python numbers, converts ndarray subclasses to a plain copy of their data (their own ``__eq__``
and ufunc overrides are never used), refuses anything else, and compares entry by entry. A
difference is explained when it can be: a known mistake, NaN where a number belongs, a constant
factor (N times too large: the batch size), a constant offset, a transpose.
"""

from __future__ import annotations

import numpy as np

from trustedgrading.checks.context import FUNCTION, describe, fail, quiet
from trustedgrading.limits import SHOWN_ENTRIES


def _as_result_array(got, expected, what, case):
    """The student's output as a plain ndarray, or a failure saying why it is not usable."""
    function = FUNCTION.get()
    if type(got) is np.ndarray:
        array = got
    elif isinstance(got, np.ndarray):
        # A plain copy of the data; the subclass's methods are never called.
        array = np.ndarray.copy(np.ndarray.view(got, np.ndarray))
    elif type(got) in (float, int, bool) or isinstance(got, np.generic):
        array = np.asarray(got)
    else:
        hint = " (convert it with np.array(...))" if isinstance(got, (list, tuple)) else ""
        fail(
            f'{function} returned {describe(got)} for {what} on case "{case}"; expected a '
            f"NumPy array{' or a number' if np.ndim(expected) == 0 else ''}{hint}."
        )
    kind = array.dtype.kind
    if kind not in "biuf":
        fail(
            f'{function} returned {what} with dtype {array.dtype} on case "{case}"; '
            "expected real numbers."
        )
    expected_dtype = np.asarray(expected).dtype
    if expected_dtype == np.float64 and kind == "f" and array.dtype != np.float64:
        fail(
            f'{function} returned {what} as {array.dtype} on case "{case}"; compute in float64 '
            "(the precision the checks compare at)."
        )
    return array


def _shape_hint(got_shape, expected_shape):
    if len(got_shape) == 2 and got_shape == expected_shape[::-1]:
        return " Is it transposed?"
    squeeze = tuple(d for d in got_shape if d != 1)
    if squeeze == tuple(d for d in expected_shape if d != 1):
        return (
            " Check keepdims / reshape: the entries may be right but the axes of length 1 differ."
        )
    if expected_shape == ():
        return " Expected a single number: reduce (e.g. with .mean() or .sum()) to a scalar."
    return ""


def expect_close(
    got,
    expected,
    *,
    what,
    case,
    rtol=1e-7,
    atol=1e-12,
    batch=None,
    mistakes=(),
    inputs=None,
):
    """Fail unless ``got`` equals ``expected`` entry by entry, explaining any difference.

    Parameters
    ----------
    got : object
        The student's output (validated: plain ndarray, NumPy scalar or Python number).
    expected : ndarray or number
        The correct output.
    what : str
        The output's name in the student's terms ("dW", "the loss").
    case : str
        The case label.
    rtol, atol : float
        ``|got - expected| <= atol + rtol * |expected|`` entry by entry; NaN and inf must match.
    batch : int, optional
        The batch size N, to recognise "N times too large/small".
    mistakes : iterable of (Mistake, ndarray)
        Known wrong implementations with their output on this case; consumed only when the
        output is wrong, so a lazy generator costs nothing on a pass.
    inputs : dict, optional
        The case's inputs by name, printed when small.
    """
    function = FUNCTION.get()
    expected_array = np.asarray(expected)
    array = _as_result_array(got, expected_array, what, case)
    if array.shape != expected_array.shape:
        fail(
            f'{function} returned {what} with shape {array.shape} on case "{case}", '
            f"expected shape {expected_array.shape}."
            + _shape_hint(array.shape, expected_array.shape)
        )
    g = array.astype(np.float64)
    e = expected_array.astype(np.float64)
    ok = _close(g, e, rtol, atol)
    if ok.all():
        return
    lines = [f'{function} gives a wrong {what} on case "{case}".']
    bad = np.argwhere(~ok)
    index = tuple(int(i) for i in bad[0])
    where = f"at index {index}" if index else "its value"
    lines.append(f"  {where}: expected {_number(e[index])}, got {_number(g[index])}")
    if g.size > 1:
        lines.append(f"  {len(bad)} of {g.size} entries differ.")
    lines += [
        f"  input {name} = {_short(value)}"
        for name, value in (inputs or {}).items()
        if _small(value)
    ]
    lines += _diagnose(g, e, what, batch, mistakes, rtol, atol)
    fail("\n".join(lines))


def _close(g, e, rtol, atol):
    with quiet():
        near = np.abs(g - e) <= atol + rtol * np.abs(e)
        return (g == e) | (np.isnan(g) & np.isnan(e)) | (np.isfinite(e) & np.isfinite(g) & near)


def _diagnose(g, e, what, batch, mistakes, rtol, atol):
    for mistake, wrong in mistakes:
        wrong = np.asarray(wrong)
        if wrong.shape == g.shape and wrong.dtype.kind in "biuf":
            if _close(g, wrong.astype(np.float64), max(rtol, 1e-6), atol).all():
                hint = f" {mistake.hint}" if mistake.hint else ""
                return [f"  Likely mistake: {mistake.name}.{hint}"]
    finite = np.isfinite(e)
    if (~np.isfinite(g) & finite).any():
        return [
            f"  Your {what} has nan or inf where the expected value is finite: an overflow or a "
            "division by zero? Use a numerically stable form (e.g. subtract the max before "
            "np.exp, or clip probabilities away from 0)."
        ]
    with quiet():
        scale = np.abs(e).max() if e.size else 0.0
        nonzero = np.abs(e) > 1e-9 * scale
        if finite.all() and nonzero.any() and np.allclose(g[~nonzero], 0, atol=1e-9 * scale + atol):
            ratios = g[nonzero] / e[nonzero]
            r = float(np.median(ratios))
            if r != 0 and np.allclose(ratios, r, rtol=1e-6, atol=0) and not np.isclose(r, 1.0):
                return [_ratio_message(what, r, batch)]
        offset = g - e
        if (
            finite.all()
            and g.size > 1
            and np.allclose(offset, offset.flat[0], rtol=0, atol=1e-9 * (scale + 1))
        ):
            return [
                f"  Your {what} is off by the same amount everywhere ({_number(offset.flat[0])})."
            ]
        if g.ndim == 2 and g.shape[0] == g.shape[1] and _close(g.T, e, rtol, atol).all():
            return [f"  Your {what} is the transpose of the expected one."]
    return []


def _ratio_message(what, r, batch):
    if np.isclose(r, -1.0):
        return f"  Your {what} has the opposite sign everywhere: check the sign of your formula."
    if batch and batch > 1 and np.isclose(r, batch):
        return (
            f"  Your {what} is {batch} times too large, and {batch} is the batch size N: "
            "divide by N (the loss is a mean over the batch)."
        )
    if batch and batch > 1 and np.isclose(r, 1 / batch):
        return (
            f"  Your {what} is {batch} times too small, and {batch} is the batch size N: "
            "did you average over the batch twice?"
        )
    if abs(r) >= 1:
        return (
            f"  Your {what} is {_number(r)} times the expected value everywhere: "
            "a constant factor is wrong."
        )
    return (
        f"  Your {what} is {_number(1 / r)} times too small everywhere: a constant factor is wrong."
    )


def _number(x):
    return f"{float(x):.6g}"


def _small(value):
    return (
        isinstance(value, (np.ndarray, float, int, np.generic)) and np.size(value) <= SHOWN_ENTRIES
    )


def _short(value):
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", suppress_small=False)
    return repr(value)
