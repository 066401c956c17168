"""Backprop Lab's checks: one module per assignment, the same ones pytest runs.

A notebook's test cell is one line::

    check("ch02_activations.sigmoid", sigmoid)

:func:`check` runs the student's function on hand-made and random cases, compares every output
with the reference entry by entry, and on failure raises :class:`CheckFailed` (an
``AssertionError``, so nbgrader marks the cell failed) with a message in the student's terms:
which case, which output, which index, expected against got, and the likely mistake when the
wrong answer matches one in the table of known mistakes (:func:`known_mistakes`).

The checks for assignment ``<id>`` live in ``backproplab.grading.<id>`` (the assignments are
this folder's modules, found on disk) and are imported on first use. The framework that runs
them is the course-agnostic :mod:`trustedgrading.checks`; this package only tells it where the
course is, and that a graded function may not use ``backproplab``.
"""

# Test cells and the course's tests need only these; a check module imports the framework
# (Case, Mistake, register, ...) from trustedgrading.checks itself.
from trustedgrading.checks import (
    CheckFailed,
    assignments,
    check,
    graded_functions,
    known_mistakes,
    use_course,
)

use_course(__name__, reference="backproplab")

ASSIGNMENTS = assignments()
"""The assignment ids, in course order: this package's modules (DESIGN.md's ids sort by chapter)."""

__all__ = ["ASSIGNMENTS", "CheckFailed", "check", "graded_functions", "known_mistakes"]
