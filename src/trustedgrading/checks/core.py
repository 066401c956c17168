"""The machinery behind every check: calling student code, validating and comparing results.

Every call of a student's function goes through :func:`call_student`, which

- passes fresh deep copies of the arguments and reports an input the function changed;
- silences warnings and floating-point errors: the grade depends on returned values only, so
  an overflow warning from a correct implementation never costs points;
- refuses delegation: a graded function that imports or calls the reference package fails;
- turns ``NotImplementedError`` and any other exception into a message naming the case.

Every result goes through :func:`expect_close`, which accepts plain ndarrays, NumPy scalars and
Python numbers, converts ndarray subclasses to a plain copy of their data (their own ``__eq__``
and ufunc overrides are never used), refuses anything else, and compares entry by entry.

Random cases use a generator seeded from the check's name, so a grade never changes between
runs while the inputs are still ones the student has not seen.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import hashlib
import importlib
import inspect
import os
import pkgutil
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from trustedgrading.limits import SHOWN_ENTRIES
from trustedgrading.mutation import unchanged


@dataclass(frozen=True)
class _Course:
    checks: str  # the package whose modules hold the checks, one module per assignment
    reference: str  # the package a graded function must not use
    checks_dir: str
    reference_dir: str


_COURSE: list[_Course] = []


def use_course(checks, reference):
    """Point the framework at a course: its checks package and its reference package.

    A course's checks package calls this once, in its ``__init__``. The assignments are the
    public modules of ``checks`` (found on disk, never listed by hand); a graded function that
    imports or calls anything in ``reference`` (outside ``checks``) scores 0.
    """
    checks_module = importlib.import_module(checks)
    reference_module = importlib.import_module(reference)
    _COURSE[:] = [
        _Course(
            checks,
            reference,
            os.path.dirname(os.path.abspath(checks_module.__file__)) + os.sep,
            os.path.dirname(os.path.abspath(reference_module.__file__)) + os.sep,
        )
    ]


def _course():
    if not _COURSE:
        raise RuntimeError(
            "no course is configured: import the course's checks package (it calls "
            "trustedgrading.checks.use_course) before running a check"
        )
    return _COURSE[0]


def assignments():
    """The assignment ids of the configured course: its checks package's public modules."""
    course = _course()
    return tuple(
        sorted(
            m.name for m in pkgutil.iter_modules([course.checks_dir]) if not m.name.startswith("_")
        )
    )


# The name of the graded function being checked, for messages from helpers deep inside.
_FUNCTION = contextvars.ContextVar("graded_function", default="your function")
# How many times the current check has called the student's function (its number of cases).
_CALLS = contextvars.ContextVar("student_calls", default=None)


class CheckFailed(AssertionError):
    """A student's function gave a wrong result; the message says what and, if known, why."""


class GradingAborted(Exception):
    """A call of the student's function could not complete, for a reason outside its code.

    Raised by whatever runs the student's function on the framework's behalf (the trusted
    engine runs it in a sandboxed process, which may run out of time or be ended). The message
    is final: it completes "<function> ...", e.g. "did not finish within 30 s", and
    :func:`call_student` reports it as it is, with the case, instead of as the function's own
    exception.
    """


class Location(NamedTuple):
    """Where in the student's code an exception was raised: function, line number, source line.

    Code that runs the student's function elsewhere (the trusted engine runs it in a sandboxed
    process, so the grader gets no traceback) sets this as the exception's
    ``student_location`` attribute; :func:`call_student` then names it in its message.
    Without it, the location comes from the exception's traceback.
    """

    function: str
    line: int
    text: str


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation, named so a matching wrong answer can be explained.

    Parameters
    ----------
    name : str
        What the mistake is, in the student's terms ("Adam without bias correction").
    fn : callable
        A wrong implementation with the reference's signature. When a case fails and the
        student's output matches ``fn``'s output on that case, the failure names the mistake.
    hint : str
        How to fix it, shown after the name.
    """

    name: str
    fn: Callable
    hint: str = ""


class Case:
    """One input to a check: a label for the student, the arguments, and the batch size.

    ``Case("z = 0", np.array(0.0))`` calls ``f(np.array(0.0))``; keyword arguments other than
    ``batch`` are passed through. ``batch=N`` enables the "N times too large" diagnosis.
    """

    __slots__ = ("args", "batch", "kwargs", "label")

    def __init__(self, label, *args, batch=None, **kwargs):
        if not isinstance(label, str) or not label:
            raise ValueError("Case: the first argument must be a non-empty label string")
        self.label = label
        self.args = args
        self.kwargs = kwargs
        self.batch = batch

    def __repr__(self):
        return f"Case({self.label!r})"


@dataclass(frozen=True)
class _Spec:
    name: str
    reference: Callable | None
    cases: Callable | None
    outputs: tuple
    mistakes: tuple
    rtol: float
    atol: float
    custom: Callable | None = None


_REGISTRY: dict[str, _Spec] = {}


def _split_name(name):
    if not isinstance(name, str) or name.count(".") != 1:
        raise ValueError(
            f"check names look like 'ch02_activations.sigmoid' (assignment.function), got {name!r}"
        )
    return name.split(".")


def _register(spec):
    _split_name(spec.name)
    if spec.name in _REGISTRY:
        raise ValueError(f"a check named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec


def register(name, *, reference, cases, outputs=("out",), mistakes=(), rtol=1e-7, atol=1e-12):
    """Register a check that compares a student's function with ``reference`` case by case.

    Parameters
    ----------
    name : str
        ``"<assignment>.<function>"``.
    reference : callable
        The reference implementation (from the course's reference package).
    cases : callable
        ``cases(rng, hidden)`` yields :class:`Case` objects; with ``hidden=True`` it yields the
        visible cases and then the hidden ones.
    outputs : tuple of str or None
        One name per returned value (a tuple result has several); ``None`` for a cache, which
        is not compared (its layout is the student's own).
    mistakes : sequence of Mistake
        Known wrong implementations, matched against a failing output.
    rtol, atol : float
        Entry-wise tolerance ``|got - expected| <= atol + rtol * |expected|``.
    """
    if not callable(reference) or not callable(cases):
        raise TypeError(f"register({name!r}): reference and cases must be callables")
    outputs = tuple(outputs)
    if not outputs or not all(o is None or isinstance(o, str) for o in outputs):
        raise ValueError(f"register({name!r}): outputs must be a non-empty tuple of names/None")
    _register(_Spec(name, reference, cases, outputs, tuple(mistakes), rtol, atol))


def register_custom(name, *, mistakes=()):
    """Decorator: register ``fn(student, rng, hidden)`` as the check ``name``.

    For functions judged by properties rather than by one correct output (training loops,
    random initialisers). The function uses :func:`call_student`, :func:`expect_close` and
    :func:`fail`; ``mistakes`` only feeds :func:`known_mistakes`.
    """

    def decorator(fn):
        _register(_Spec(name, None, None, (), tuple(mistakes), 0.0, 0.0, custom=fn))
        return fn

    return decorator


def _spec(name):
    assignment, _ = _split_name(name)
    if name not in _REGISTRY and assignment in assignments():
        importlib.import_module(f"{_course().checks}.{assignment}")
    if name not in _REGISTRY:
        known = sorted(n for n in _REGISTRY if n.startswith(assignment + ".")) or sorted(_REGISTRY)
        raise ValueError(f"no check named {name!r}; known checks: {', '.join(known) or 'none'}")
    return _REGISTRY[name]


def _seed(name, salt=b""):
    return int.from_bytes(hashlib.sha256(salt + name.encode()).digest()[:8], "little")


def check(name, fn, *, hidden=False, salt=b""):
    """Check a student's function; raise :class:`CheckFailed` with a diagnosis if it is wrong.

    Parameters
    ----------
    name : str
        ``"<assignment>.<function>"``, e.g. ``"ch02_activations.sigmoid"``.
    fn : callable
        The student's function.
    hidden : bool
        Also run the hidden cases (the autograder's test cells do).
    salt : bytes
        Mixed into the seed of the random cases. The trusted grader passes the course's
        secret, so the random inputs it grades with cannot be generated from the installed
        package; without a salt they are the same on every machine.

    Returns
    -------
    None
        On success a one-line summary is printed. Nothing is returned, so a test cell shows
        only that line.
    """
    spec = _spec(name)
    function = name.split(".")[1]
    token = _FUNCTION.set(function)
    calls = [0]
    calls_token = _CALLS.set(calls)
    try:
        if not callable(fn):
            fail(f"{function} should be a function, but it is {describe(fn)}.")
        _refuse_static_delegation(fn, function)
        rng = np.random.default_rng(_seed(name, salt))
        if spec.custom is not None:
            spec.custom(fn, rng, hidden)
        else:
            _run_cases(spec, fn, rng, hidden)
    except CheckFailed as failure:
        # Re-raised below so the student's traceback ends in this function, not deep inside.
        message = str(failure)
    else:
        message = None
    finally:
        _FUNCTION.reset(token)
        _CALLS.reset(calls_token)
    if message is not None:
        raise CheckFailed(message) from None
    cases = "1 case passes" if calls[0] == 1 else f"{calls[0]} cases pass"
    print(f"\u2713 {function}: {cases}" + (" (hidden tests included)" if hidden else ""))


def _run_cases(spec, fn, rng, hidden):
    for case in spec.cases(rng, hidden):
        check_case(
            fn,
            spec.reference,
            case,
            outputs=spec.outputs,
            mistakes=spec.mistakes,
            rtol=spec.rtol,
            atol=spec.atol,
        )


def check_case(
    fn,
    reference,
    case,
    *,
    outputs=("out",),
    mistakes=(),
    rtol=1e-7,
    atol=1e-12,
    shape_advice=None,
):
    """Run one :class:`Case` through the student's function and compare with the reference.

    What :func:`register` does for each of its cases, for custom checks that build their
    cases as they go (e.g. feeding a student's own output into the next step).

    Parameters
    ----------
    fn, reference : callable
        The student's function and the reference.
    case : Case
        The inputs.
    outputs, mistakes, rtol, atol
        As for :func:`register`. Mistakes are run only when an output is wrong.
    shape_advice : callable, optional
        ``shape_advice(case, what, shape)`` may return a sentence explaining a wrong shape
        (e.g. "the padding was not cropped"); it replaces the generic shape hint.

    Returns
    -------
    tuple
        The student's outputs, one per name in ``outputs``.
    """
    expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    expected = (expected,) if len(outputs) == 1 else tuple(expected)
    got = _unpack(call_student(fn, *case.args, case=case.label, **case.kwargs), outputs, case.label)
    inputs = _named_inputs(reference, case)
    for i, what in enumerate(outputs):
        if what is None:
            continue
        if shape_advice is not None and isinstance(got[i], np.ndarray):
            # The base class's view: a subclass cannot misreport its shape.
            shape, wanted = np.ndarray.view(got[i], np.ndarray).shape, np.shape(expected[i])
            advice = shape_advice(case, what, shape) if shape != wanted else None
            if advice:
                fail(
                    f"{_FUNCTION.get()} returned {what} with shape {shape} on case "
                    f'"{case.label}", expected shape {wanted}. {advice}'
                )
        expect_close(
            got[i],
            expected[i],
            what=what,
            case=case.label,
            rtol=rtol,
            atol=atol,
            batch=case.batch,
            mistakes=_mistake_outputs(mistakes, case, i, len(outputs)),
            inputs=inputs,
        )
    return got


def _unpack(got, outputs, case):
    function = _FUNCTION.get()
    n = len(outputs)
    names = ", ".join(o or "cache" for o in outputs)
    if n == 1:
        # A list is left to the array check, which suggests np.array(...).
        if isinstance(got, tuple):
            fail(
                f'{function} returned {describe(got)} on case "{case}"; it should return '
                f"one array ({names})."
            )
        return (got,)
    if not isinstance(got, (tuple, list)):
        fail(
            f"{function} should return {n} values ({names}) but returned {describe(got)} "
            f'on case "{case}". End with `return {names}`.'
        )
    # The base class's own methods, so an overridden __len__/__getitem__ cannot lie.
    base = tuple if isinstance(got, tuple) else list
    length = base.__len__(got)
    if length != n:
        fail(
            f'{function} should return {n} values ({names}) but returned {length} on case "{case}".'
        )
    return tuple(base.__getitem__(got, i) for i in range(n))


def _mistake_outputs(mistakes, case, index, n_outputs):
    """(Mistake, its output number ``index``) for each mistake that runs on this case.

    A mistake may return all the outputs (a tuple, like the reference) or only the compared
    one (e.g. a forward pass's ``out`` without its cache).
    """
    for mistake in mistakes:
        try:
            with _quiet():
                wrong = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception:
            continue
        yield mistake, (wrong[index] if n_outputs > 1 and isinstance(wrong, tuple) else wrong)


def _named_inputs(reference, case):
    try:
        bound = inspect.signature(reference).bind(*case.args, **case.kwargs)
    except (TypeError, ValueError):
        return {f"argument {i + 1}": a for i, a in enumerate(case.args)} | case.kwargs
    return dict(bound.arguments)


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


# --- calling the student's code ------------------------------------------------------------


def _refuse_static_delegation(fn, function):
    """Fail if the function's code names the reference package or holds one of its objects."""
    used = _reference_uses(fn)
    if used:
        fail(
            f"{function} must not use {_course().reference} "
            f"(it uses {', '.join(sorted(used))}). The "
            "reference package is there for the book; a graded function must compute its "
            "result with NumPy and your own code, so this test scores 0."
        )


def _reference_uses(fn):
    code = getattr(fn, "__code__", None)
    if code is None:  # a builtin, or an instance of a class with a __call__ method
        code = getattr(vars(type(fn)).get("__call__"), "__code__", None)
        if code is None:
            return set()
    namespace = getattr(fn, "__globals__", {})
    found = set()
    for c in _code_objects(code):
        for name in c.co_names:
            if name.split(".")[0] == _course().reference:
                found.add(name)
            elif name in namespace and _is_reference(namespace[name]):
                found.add(name)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if _is_reference(value):
            found.add(getattr(value, "__name__", repr(value)))
    return found


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _is_reference(obj):
    reference = _course().reference
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0] == reference
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] == reference


@contextlib.contextmanager
def _delegation_guard(calls):
    """Record every Python-level call into the reference package (not the checks) while active."""
    previous = sys.getprofile()
    course = _course()

    def profiler(frame, event, arg):
        if event == "call":
            filename = frame.f_code.co_filename
            if filename.startswith(course.reference_dir) and not filename.startswith(
                course.checks_dir
            ):
                module = os.path.splitext(os.path.relpath(filename, course.reference_dir))[0]
                dotted = module.replace(os.sep, ".")
                calls.add(f"{course.reference}.{dotted}.{frame.f_code.co_name}")

    sys.setprofile(profiler)
    try:
        yield
    finally:
        sys.setprofile(previous)


def call_student(fn, *args, case, **kwargs):
    """Call a student's function safely on fresh copies of the arguments.

    Parameters
    ----------
    fn : callable
        The student's function.
    *args, **kwargs
        Its arguments; the function gets deep copies, so it cannot change the caller's.
    case : str
        A label for the case, used in messages.

    Returns
    -------
    object
        Whatever the function returned.

    Raises
    ------
    CheckFailed
        If the function is not implemented, raises, uses the reference package, or changes an input.
    """
    function = _FUNCTION.get()
    counter = _CALLS.get()
    if counter is not None:
        counter[0] += 1
    passed_args, passed_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    calls = set()
    error = None
    try:
        with _quiet(), _delegation_guard(calls):
            result = fn(*passed_args, **passed_kwargs)
    except CheckFailed:
        raise
    except Exception as exc:
        error = exc
    # Delegation first: a call into the reference that then failed (say, on the student's own
    # cache format) is still delegation, and that is what the student must hear about.
    if calls:
        # Private helpers are reached through a public function: naming that one is enough.
        public = {c for c in calls if not any(p.startswith("_") for p in c.split("."))}
        named = ", ".join(sorted(public or calls))
        fail(
            f"{function} must not use {_course().reference} (it called {named}). "
            "A graded function must compute its result with NumPy and your own code, so this "
            "test scores 0."
        )
    if isinstance(error, GradingAborted):
        fail(f'{function} {error} (on case "{case}").')
    if isinstance(error, ImportError) and _course().reference in str(error):
        fail(
            f"{function} must not use {_course().reference} ({error}). "
            "A graded function must compute "
            "its result with NumPy and your own code, so this test scores 0."
        )
    if isinstance(error, NotImplementedError):
        fail(
            f"{function} is not implemented yet: replace `raise NotImplementedError()` with "
            "your code, then run its cell and this test again."
        )
    if error is not None:
        fail(
            f'{function} raised {type(error).__name__}: {error}\n  on case "{case}"{_where(error)}'
        )
    _refuse_mutation(fn, args, kwargs, passed_args, passed_kwargs, case)
    return result


def _where(error):
    """' at line N: <source>' for the innermost frame of the student's own code."""
    located = getattr(error, "student_location", None)  # set where the code ran elsewhere
    if isinstance(located, Location):
        name, text = located.function, located.text
        return f"\n  in {name}: {text}" if text else f"\n  in {name}"
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not f.filename.startswith(_course().reference_dir) and "numpy" not in f.filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = f": {frame.line.strip()}" if frame.line else ""
    return f"\n  at line {frame.lineno} of {frame.name}{line}"


def _refuse_mutation(fn, args, kwargs, passed_args, passed_kwargs, case):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (before, after) in enumerate(zip(args, passed_args, strict=True)):
        if not unchanged(before, after, rng_may_advance=True):
            name = names[i] if i < len(names) else f"argument {i + 1}"
            _mutated(name, case)
    for key, before in kwargs.items():
        if not unchanged(before, passed_kwargs[key], rng_may_advance=True):
            _mutated(key, case)


def _mutated(name, case):
    fail(
        f'{_FUNCTION.get()} changed its input `{name}` on case "{case}". A function must not '
        "modify its arguments: build a new array (or work on `x.copy()`) instead of writing "
        "into the input (`x += ...`, `x[...] = ...`)."
    )


# --- validating and comparing results -------------------------------------------------------


def fail(message):
    """Fail the current check with ``message`` (raises :class:`CheckFailed`)."""
    raise CheckFailed(message)


def describe(value):
    """``value`` in a few words, for a message: "None", "a list of length 3", "a numpy.int64".

    A value may describe itself: if its type has a ``__grading_description__()`` method, its
    result is used. The trusted engine's stand-in for an object that stayed in the student's
    process does this ("an object of type Always").
    """
    if value is None:
        return "None"
    describe_itself = getattr(type(value), "__grading_description__", None)
    if callable(describe_itself):
        with contextlib.suppress(Exception):
            return str(describe_itself(value))
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _as_result_array(got, expected, what, case):
    """The student's output as a plain ndarray, or a failure saying why it is not usable."""
    function = _FUNCTION.get()
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
    function = _FUNCTION.get()
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
    with _quiet():
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
    with _quiet():
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


# --- the table of known mistakes ------------------------------------------------------------


def _import_all():
    for assignment in assignments():
        importlib.import_module(f"{_course().checks}.{assignment}")


def known_mistakes():
    """The table of known mistakes: ``{check name: [Mistake, ...]}`` for every assignment."""
    _import_all()
    return {name: list(spec.mistakes) for name, spec in sorted(_REGISTRY.items()) if spec.mistakes}


def graded_functions(assignment):
    """The function names with a registered check in ``assignment``, in registration order."""
    if assignment not in assignments():
        raise ValueError(
            f"unknown assignment {assignment!r}; the assignments are {', '.join(assignments())}"
        )
    _import_all()
    return [name.split(".")[1] for name in _REGISTRY if name.startswith(assignment + ".")]
