"""The course before any grading: the command line's numbers, the gradebook, the students.

Everything that can stop a batch before it starts raises :class:`BatchError`, which
``python -m trustedgrading.batch`` reports as a usage error.
"""

from __future__ import annotations

import glob
import os
import re

# nbgrader's default CourseDirectory.directory_structure.
DEFAULT_STRUCTURE = os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}")
DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2")


class BatchError(Exception):
    """A problem with the command line or the course that stops the batch before it starts."""


def parse_jobs(text):
    """The number of worker processes in ``--jobs`` (a positive integer).

    >>> parse_jobs("4")
    4
    """
    try:
        jobs = int(text)
    except (TypeError, ValueError):
        raise BatchError(f"--jobs must be a positive integer, not {text!r}") from None
    if jobs < 1:
        raise BatchError(f"--jobs must be a positive integer, not {text!r}")
    return jobs


def usable_cores():
    """The cores this process may run on (its CPU affinity, e.g. a container's cpuset), which
    can be fewer than ``os.cpu_count()``; the default number of workers."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_db_url(url, cwd):
    """The gradebook URL every worker will use, or :class:`BatchError` saying what is wrong.

    Only SQLite files and PostgreSQL are accepted (what nbgrader's gradebook is tested on). A
    relative SQLite path is made absolute against ``cwd``: nbgrader changes into the course
    root while it grades, and every worker must open the same file. SQLite without a file
    (``sqlite://``, in memory) would give each worker a gradebook of its own, so it is refused.

    >>> check_db_url("sqlite:///gradebook.db", "/course")
    'sqlite:////course/gradebook.db'
    """
    shown = _redacted(url)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in DB_SCHEMES:
        raise BatchError(
            f"--db {shown!r}: unsupported gradebook URL; expected sqlite:///<file> or "
            "postgresql://<user>@<host>/<database> (psycopg 3; postgresql+psycopg2:// for "
            "psycopg2)"
        )
    if scheme.lower() != "sqlite":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            database = make_url(url).database
        except (ArgumentError, ValueError) as error:
            raise BatchError(f"--db {shown!r}: {error}") from None
        if not database:
            raise BatchError(f"--db {shown!r}: no database named (postgresql://user@host/<name>)")
        return url
    if not rest.startswith("/") or rest == "/" or rest.startswith("/:memory:"):
        raise BatchError(
            f"--db {shown!r}: an SQLite gradebook must be a file, sqlite:///<path> (in memory, "
            "every worker would have a gradebook of its own)"
        )
    return f"sqlite:///{os.path.join(cwd, rest[1:])}"


def discover_students(
    root,
    assignment_id,
    *,
    submitted="submitted",
    structure=DEFAULT_STRUCTURE,
    pattern="*",
    exclude=(),
):
    """The sorted ids of the students with a folder for ``assignment_id`` in ``submitted``.

    ``structure`` is nbgrader's ``CourseDirectory.directory_structure``; ``pattern`` its
    ``student_id`` (a glob, ``*`` for everyone) and ``exclude`` its ``student_id_exclude``,
    as ``nbgrader autograde`` applies them.
    """
    found = glob.glob(
        os.path.join(
            root,
            structure.format(
                nbgrader_step=glob.escape(submitted),
                student_id=pattern,
                assignment_id=glob.escape(assignment_id),
            ),
        )
    )
    regex = re.compile(
        re.escape(os.sep).join(
            [
                re.escape(os.path.normpath(root)),
                *(
                    re.escape(part).replace(re.escape("{student_id}"), "(?P<student_id>[^/]+)")
                    for part in structure.format(
                        nbgrader_step=submitted,
                        student_id="{student_id}",
                        assignment_id=assignment_id,
                    ).split(os.sep)
                ),
            ]
        )
        + r"\Z"
    )
    students = set()
    for path in found:
        match = regex.match(os.path.normpath(path))
        if match and os.path.isdir(path) and match["student_id"] not in exclude:
            students.add(match["student_id"])
    return sorted(students)


def load_app(assignment_id, nbgrader_args):
    """nbgrader's ``AutogradeApp``, configured as ``nbgrader autograde <id> <args>`` would be."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([assignment_id, *nbgrader_args])
    if len(app.extra_args) != 1:
        raise BatchError(f"unexpected arguments for nbgrader autograde: {app.extra_args[1:]}")
    app.coursedir.assignment_id = assignment_id
    return app


def check_gradebook(db_url, course_id, assignment_id):
    """Open the gradebook once before any worker (creating it, and the course's row, if new:
    two workers must not race to do that) and make sure it knows the assignment."""
    import sqlalchemy.exc
    from nbgrader.api import Gradebook, MissingEntry

    shown = _redacted(db_url)
    try:
        with Gradebook(db_url, course_id) as gb:
            gb.find_assignment(assignment_id)
    except MissingEntry:
        raise BatchError(
            f"the gradebook {shown} does not know assignment {assignment_id!r}: record it "
            f"first with `nbgrader generate_assignment {assignment_id}` (`make autograde` does)"
        ) from None
    except ModuleNotFoundError as error:
        raise BatchError(f"cannot open the gradebook {shown}: {error}") from None
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise BatchError(f"cannot open the gradebook {shown}: {first_line(error)}") from None


def _redacted(db_url):
    """``db_url`` with its password, if any, replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db_url)


def first_line(error):
    """The first line of an exception's message, or its type's name if it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
