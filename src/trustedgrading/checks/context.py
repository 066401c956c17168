"""What every part of a check shares: how it fails, which function it is checking, how a value
is named in a message, and arithmetic without warnings.

Nothing here knows how the student's function is run. Whatever runs it elsewhere (the trusted
engine runs it in a sandboxed process) reports in these terms: a call that cannot complete
raises :class:`GradingAborted`, and an object that stayed elsewhere describes itself to
:func:`describe`.
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings

import numpy as np

# The name of the graded function being checked, for messages from helpers deep inside.
FUNCTION = contextvars.ContextVar("graded_function", default="your function")
# How many times the current check has called the student's function (its number of cases).
CALLS = contextvars.ContextVar("student_calls", default=None)
# The student's other functions the current check declared it calls (register_custom).
COMPANIONS = contextvars.ContextVar("companions", default=())


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
    module = type(value).__module__
    name = type(value).__qualname__
    # A builtin (dict, int, str) reads best bare; anything else with its module (numpy.int64).
    return f"a {name}" if module == "builtins" else f"a {module}.{name}"


@contextlib.contextmanager
def quiet():
    """Silence warnings and floating-point errors: a grade depends on returned values only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield
