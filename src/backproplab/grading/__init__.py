"""Checks shared by the exercise notebooks, the autograder and the test suite.

A notebook's test cell is one line::

    check("ch02_activations.sigmoid", sigmoid)

:func:`check` runs the student's function on hand-made and random cases, compares every output
with the reference entry by entry, and on failure raises :class:`CheckFailed` (an
``AssertionError``, so nbgrader marks the cell failed) with a message in the student's terms:
which case, which output, which index, expected against got, and the likely mistake when the
wrong answer matches one in the table of known mistakes (:func:`known_mistakes`).

The checks for assignment ``<id>`` live in ``backproplab.grading.<id>`` and are imported on
first use. See ``_core`` for what every check does around the student's call (copies, mutation,
warnings, use of ``backproplab`` itself).
"""

from backproplab.grading._core import (
    ASSIGNMENTS,
    Case,
    CheckFailed,
    Mistake,
    call_student,
    check,
    check_case,
    expect_close,
    fail,
    graded_functions,
    known_mistakes,
    register,
    register_custom,
)

__all__ = [
    "ASSIGNMENTS",
    "Case",
    "CheckFailed",
    "Mistake",
    "call_student",
    "check",
    "check_case",
    "expect_close",
    "fail",
    "graded_functions",
    "known_mistakes",
    "register",
    "register_custom",
]
