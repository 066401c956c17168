"""Calling the student's function: copies in, delegation refused, exceptions and changes named.

Every call of a student's function goes through :func:`call_student`, which

- passes fresh deep copies of the arguments and reports an input the function changed
  (:func:`trustedgrading.mutation.unchanged`, the same answer the sandboxed child gives);
- silences warnings and floating-point errors: the grade depends on returned values only, so
  an overflow warning from a correct implementation never costs points;
- refuses delegation: a graded function that imports or calls the reference package fails
  (:func:`refuse_static_delegation` reads its code before the first call);
- turns ``NotImplementedError`` and any other exception into a message naming the case and,
  from the traceback or a :class:`Location` set by whatever ran the code, the line;
- reports a :class:`~trustedgrading.checks.context.GradingAborted` call as it is.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import os
import sys
import traceback
import types
from typing import NamedTuple

from trustedgrading.checks.context import (
    CALLS,
    COMPANIONS,
    FUNCTION,
    CheckFailed,
    GradingAborted,
    fail,
    quiet,
)
from trustedgrading.checks.registry import current_course
from trustedgrading.mutation import unchanged


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


def refuse_static_delegation(fn, function):
    """Fail if the function's code names the reference package or holds one of its objects."""
    used = _reference_uses(fn)
    if used:
        fail(
            f"{function} must not use {current_course().reference} "
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
            if name.split(".")[0] == current_course().reference:
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
    reference = current_course().reference
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0] == reference
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] == reference


@contextlib.contextmanager
def _delegation_guard(calls):
    """Record every Python-level call into the reference package (not the checks) while active."""
    previous = sys.getprofile()
    course = current_course()

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


class _Companion:
    """Another of the student's functions, called by a check for ``FUNCTION`` (see
    :func:`companion`); :func:`call_student` names it in its messages."""

    def __init__(self, fn, name):
        self.fn = fn
        self.name = name
        with contextlib.suppress(TypeError, ValueError):
            self.__signature__ = inspect.signature(fn)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def companion(student, name):
    """The student's function ``name``, defined next to ``student``, for a check that needs two.

    The check must declare it: ``register_custom(..., companions=(name,))``. Call it with
    :func:`call_student` like the checked function; its messages name ``name``. In process the
    function is looked up in ``student``'s globals (the notebook's namespace); whatever runs
    the student's code elsewhere provides it through a ``__grading_companion__(name)`` method
    of its stand-in's type (the trusted engine's runs in the same sandboxed child).
    """
    if name not in COMPANIONS.get():
        raise RuntimeError(
            f"the check for {FUNCTION.get()} calls companion({name!r}) without declaring it: "
            f"register_custom(..., companions=({name!r},))"
        )
    provide = vars(type(student)).get("__grading_companion__")
    if callable(provide):
        return _Companion(provide(student, name), name)
    fn = getattr(student, "__globals__", {}).get(name)
    if not callable(fn):
        fail(
            f"Checking {FUNCTION.get()} needs your function {name} too, but your notebook "
            f"defines no function named {name}: write `def {name}(...)` in its cell and run it."
        )
    refuse_static_delegation(fn, name)
    return _Companion(fn, name)


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
    function = fn.name if isinstance(fn, _Companion) else FUNCTION.get()
    counter = CALLS.get()
    if counter is not None:
        counter[0] += 1
    passed_args, passed_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    calls = set()
    error = None
    try:
        with quiet(), _delegation_guard(calls):
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
            f"{function} must not use {current_course().reference} (it called {named}). "
            "A graded function must compute its result with NumPy and your own code, so this "
            "test scores 0."
        )
    if isinstance(error, GradingAborted):
        fail(f'{function} {error} (on case "{case}").')
    if isinstance(error, ImportError) and current_course().reference in str(error):
        fail(
            f"{function} must not use {current_course().reference} ({error}). "
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
    _refuse_mutation(fn, args, kwargs, passed_args, passed_kwargs, case, function)
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
        if not f.filename.startswith(current_course().reference_dir) and "numpy" not in f.filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = f": {frame.line.strip()}" if frame.line else ""
    return f"\n  at line {frame.lineno} of {frame.name}{line}"


def _refuse_mutation(fn, args, kwargs, passed_args, passed_kwargs, case, function):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (before, after) in enumerate(zip(args, passed_args, strict=True)):
        if not unchanged(before, after, rng_may_advance=True):
            name = names[i] if i < len(names) else f"argument {i + 1}"
            _mutated(function, name, case)
    for key, before in kwargs.items():
        if not unchanged(before, passed_kwargs[key], rng_may_advance=True):
            _mutated(function, key, case)


def _mutated(function, name, case):
    fail(
        f'{function} changed its input `{name}` on case "{case}". A function must not '
        "modify its arguments: build a new array (or work on `x.copy()`) instead of writing "
        "into the input (`x += ...`, `x[...] = ...`)."
    )
