"""The check framework: a course registers checks; a test cell calls ``check(name, fn)``.

A course keeps one module per assignment in its *checks package*, whose ``__init__`` calls
:func:`use_course` with that package's name and the name of the course's reference package.
Each module registers its checks with :func:`register` (compare outputs with the reference on
:class:`Case` inputs, and name the :class:`Mistake` a wrong answer matches) or
:func:`register_custom` (which may call the student's other functions, :func:`companion`, and
give partial credit). Nothing here knows how the student's function is run: the trusted
engine (:mod:`trustedgrading.runner`) hands :func:`check` a stand-in that calls into a
sandbox, and speaks the framework's neutral terms: a call that cannot complete raises a
:class:`GradingAborted`, an exception raised elsewhere carries its :class:`Location` as
``student_location``, and an object that stayed elsewhere describes itself to
:func:`describe`.

Modules: ``registry`` (the course, its checks and cases), ``calling`` (calling the student's
function), ``compare`` (judging a result, explaining a difference), ``context`` (how a check
fails, what every part shares) and ``core`` (:func:`check` and :func:`check_case`).
"""

from trustedgrading.checks.calling import Location, call_student, companion
from trustedgrading.checks.compare import expect_close
from trustedgrading.checks.context import CheckFailed, GradingAborted, describe, fail
from trustedgrading.checks.core import check, check_case
from trustedgrading.checks.registry import (
    Case,
    Mistake,
    assignments,
    companions,
    graded_functions,
    known_mistakes,
    register,
    register_custom,
    use_course,
)

__all__ = [
    "Case",
    "CheckFailed",
    "GradingAborted",
    "Location",
    "Mistake",
    "assignments",
    "call_student",
    "check",
    "check_case",
    "companion",
    "companions",
    "describe",
    "expect_close",
    "fail",
    "graded_functions",
    "known_mistakes",
    "register",
    "register_custom",
    "use_course",
]
