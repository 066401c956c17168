r"""Parallel autograding: every submission to one assignment, on every core.

Run from the course root (where ``nbgrader_config.py`` is), as ``nbgrader autograde`` would be::

    python -m trustedgrading.batch <assignment> [--jobs N] [--db URL] [--root DIR]
                                        [--logs DIR] [-- <nbgrader autograde options>]

The students are the folders ``submitted/<student>/<assignment>/`` (nbgrader's
``CourseDirectory`` paths, from its config: ``submitted_directory`` and
``directory_structure``; ``--student=PATTERN`` and ``--CourseDirectory.student_id_exclude``
among the nbgrader options narrow them down as they do for ``nbgrader autograde``).

``N`` worker processes (default: the cores this process may use) each grade many students,
one at a time: a worker asks the parent for the next student whenever it finishes one, so a
slow submission holds up one worker, not a whole slice of the class. Each worker is forked
from the parent after it has loaded nbgrader's configuration exactly as ``nbgrader autograde``
does (``AutogradeApp.initialize``, so the course's ``nbgrader_config.py`` and trusted grading
with it), and grades a student with nbgrader's own ``Autograde`` converter restricted to that
student: the same code path as the serial command, without its start-up per student.

Everything a worker prints while grading a student (nbgrader's log, the kernels' and sandboxes'
output) goes to that student's log, ``<root>/_build/autograde-logs/<assignment>/<student>.log``
by default (``--logs DIR`` for another folder). The parent shows one progress line on stderr
(rewritten in place on a terminal, every few seconds otherwise) and a summary at the end; the
exit status is 1 if any student failed, 130 if interrupted, 2 for a usage error. A student's
folder without a notebook fails (``nbgrader autograde`` only warns, and records nothing).
Submissions already graded are skipped, as by nbgrader (``-- --force`` grades them again).

The workers are forked (POSIX): the parent starts them before any thread of its own.

This module is the command line; the rest of the package: :mod:`~trustedgrading.batch.course`
(checking the command line and the gradebook, finding the students),
:mod:`~trustedgrading.batch.student` (grading one student),
:mod:`~trustedgrading.batch.workers` (the worker processes) and
:mod:`~trustedgrading.batch.progress` (the bookkeeping and what the grader sees of it).

Gradebook: ``--db URL`` (``CourseDirectory.db_url``), by default nbgrader's own
``sqlite:///<root>/gradebook.db``; ``postgresql://`` (psycopg 3) also works. A grade is never
lost silently: an ``OperationalError`` of the database (SQLite's transient "database is
locked", a dropped PostgreSQL connection) makes nbgrader abandon that student, whom the
worker then grades again, in :data:`DB_ATTEMPTS` attempts in all (any other database error
fails the student at once); after grading, the worker reads the student's grades
back from the gradebook and fails the student loudly if one is missing.

Ctrl-C (or SIGTERM) stops the workers: each is asked to stop (nbgrader shuts its kernel down),
then after :data:`GRACE_SECONDS` killed with its process group; the sandboxes, started with
``--die-with-parent``, end with it. The summary then lists what was graded and what was not.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from trustedgrading import limits
from trustedgrading.batch.course import (
    BatchError,
    check_db_url,
    check_gradebook,
    discover_students,
    load_app,
    parse_jobs,
    usable_cores,
)
from trustedgrading.batch.progress import summary
from trustedgrading.batch.student import (
    _output_to,  # noqa: F401 (still importable from here: tests/benchmarks use it)
    failure_reason,
    grade_student,
    missing_grades,
)
from trustedgrading.batch.workers import interrupt, run_batch

DB_ATTEMPTS = limits.DB_ATTEMPTS
GRACE_SECONDS = limits.BATCH_GRACE_SECONDS
LOG_FOLDER = os.path.join("_build", "autograde-logs")

__all__ = [
    "DB_ATTEMPTS",
    "GRACE_SECONDS",
    "LOG_FOLDER",
    "BatchError",
    "check_db_url",
    "check_gradebook",
    "discover_students",
    "failure_reason",
    "grade_student",
    "load_app",
    "main",
    "missing_grades",
    "parse_jobs",
    "prepare",
    "run_batch",
    "usable_cores",
]


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m trustedgrading.batch",
        description="Autograde every submission to one assignment with N worker processes. "
        "Options after `--` go to nbgrader autograde (e.g. -- --force).",
    )
    parser.add_argument("assignment", help="the assignment id, e.g. ch02_activations")
    parser.add_argument(
        "--jobs", help="worker processes (default: the usable cores; 1 grades serially)"
    )
    parser.add_argument(
        "--db",
        help="gradebook URL (default: sqlite:///<course root>/gradebook.db); a relative "
        "SQLite path is taken from the course root",
    )
    parser.add_argument("--root", help="the course root (default: the current folder)")
    parser.add_argument(
        "--logs", help=f"folder for the per-student logs (default: <root>/{LOG_FOLDER}/<id>)"
    )
    return parser


def prepare(argv):
    """Everything before grading: ``(app, students, jobs, log_dir)`` or :class:`BatchError`."""
    ours, extra = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    args = _parser().parse_args(ours)
    jobs = parse_jobs(args.jobs) if args.jobs is not None else usable_cores()
    if args.root:
        if not os.path.isdir(args.root):
            raise BatchError(f"--root {args.root!r} is not a folder")
        os.chdir(args.root)
    nbgrader_args = list(extra)
    if args.db is not None:
        nbgrader_args.append(f"--CourseDirectory.db_url={check_db_url(args.db, os.getcwd())}")
    app = load_app(args.assignment, nbgrader_args)
    coursedir = app.coursedir
    coursedir.db_url = check_db_url(coursedir.db_url, os.getcwd())
    # Split exactly as nbgrader's converters do (no stripping), so serial and batch agree.
    exclude = [s for s in coursedir.student_id_exclude.split(",") if s]
    students = discover_students(
        coursedir.root,
        args.assignment,
        submitted=coursedir.submitted_directory,
        structure=coursedir.directory_structure,
        pattern=coursedir.student_id or "*",
        exclude=exclude,
    )
    if not students:
        where = coursedir.format_path(
            coursedir.submitted_directory, coursedir.student_id or "*", args.assignment
        )
        raise BatchError(
            f"no submissions to {args.assignment}: nothing matches {where} (run from the "
            "course root, where nbgrader_config.py is, or pass --root)"
        )
    check_gradebook(coursedir.db_url, coursedir.course_id, args.assignment)
    log_dir = os.path.abspath(
        args.logs or os.path.join(coursedir.root, LOG_FOLDER, args.assignment)
    )
    os.makedirs(log_dir, exist_ok=True)
    return app, students, min(jobs, len(students)), log_dir


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        app, students, jobs, log_dir = prepare(argv)
    except BatchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted before grading started", file=sys.stderr)
        return 130
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        ledger, wall, interrupted = run_batch(app, students, jobs, log_dir, sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
    for line in summary(app.coursedir.assignment_id, ledger, wall, jobs, log_dir):
        print(line, file=sys.stderr)
    if interrupted:
        return 130
    return 1 if ledger.failed() else 0
