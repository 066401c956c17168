"""The course and its checks: which packages, which assignments, which checks and cases.

A course's checks package calls :func:`use_course` in its ``__init__``; each of its modules (one
per assignment) registers checks with :func:`register` (compare with the reference on
:class:`Case` inputs, explain a wrong answer by a :class:`Mistake`) or :func:`register_custom`.

Random cases use a generator seeded from the check's name (:func:`seed`), so a grade never
changes between runs while the inputs are still ones the student has not seen.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


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


def current_course():
    """The configured course; an error if no checks package has called :func:`use_course`."""
    if not _COURSE:
        raise RuntimeError(
            "no course is configured: import the course's checks package (it calls "
            "trustedgrading.checks.use_course) before running a check"
        )
    return _COURSE[0]


def assignments():
    """The assignment ids of the configured course: its checks package's public modules."""
    course = current_course()
    return tuple(
        sorted(
            m.name for m in pkgutil.iter_modules([course.checks_dir]) if not m.name.startswith("_")
        )
    )


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
    companions: tuple = ()


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


def register_custom(name, *, mistakes=(), companions=()):
    """Decorator: register ``fn(student, rng, hidden)`` as the check ``name``.

    For functions judged by properties rather than by one correct output (training loops,
    random initialisers). The function uses :func:`call_student`, :func:`expect_close` and
    :func:`fail`; ``mistakes`` only feeds :func:`known_mistakes`.

    ``companions`` names other functions of the student's notebook that the check calls too
    (a training function's check calls the student's ``predict``), each obtained with
    :func:`~trustedgrading.checks.calling.companion`. The trusted engine runs them in the
    same sandboxed child as the checked function.

    ``fn`` may return a number in (0, 1]: the fraction of the marks earned (partial credit);
    ``None`` means full marks, and a failure is still :func:`fail`.
    """
    companions = tuple(companions)
    if not all(isinstance(c, str) and c.isidentifier() for c in companions):
        raise ValueError(f"register_custom({name!r}): companions must be function names")

    def decorator(fn):
        _register(
            _Spec(name, None, None, (), tuple(mistakes), 0.0, 0.0, custom=fn, companions=companions)
        )
        return fn

    return decorator


def lookup(name):
    """The registered check ``name``, importing its assignment's module on first use."""
    assignment, _ = _split_name(name)
    if name not in _REGISTRY and assignment in assignments():
        importlib.import_module(f"{current_course().checks}.{assignment}")
    if name not in _REGISTRY:
        known = sorted(n for n in _REGISTRY if n.startswith(assignment + ".")) or sorted(_REGISTRY)
        raise ValueError(f"no check named {name!r}; known checks: {', '.join(known) or 'none'}")
    return _REGISTRY[name]


def companions(name):
    """The names of the student's other functions that the check ``name`` calls (may be ())."""
    return lookup(name).companions


def seed(name, salt=b""):
    """The seed of the random cases of the check ``name``, mixed with the course's ``salt``."""
    return int.from_bytes(hashlib.sha256(salt + name.encode()).digest()[:8], "little")


def _import_all():
    for assignment in assignments():
        importlib.import_module(f"{current_course().checks}.{assignment}")


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
