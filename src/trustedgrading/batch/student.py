"""Grading one student, with nbgrader's own ``Autograde`` converter, in a worker process.

A transient database error (``OperationalError``) is graded again, in
:data:`~trustedgrading.limits.DB_ATTEMPTS` attempts in all; the grades are then read back
from the gradebook, so a grade is never lost silently. Everything nbgrader and the sandboxes
print while a student is graded goes to that student's log.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import sys
import time
import traceback

from trustedgrading.batch.course import first_line
from trustedgrading.batch.progress import FAILED, GRADED, SKIPPED, Outcome
from trustedgrading.limits import DB_ATTEMPTS


def _converter_class():
    """nbgrader's Autograde converter, remembering whether it graded and any
    ``OperationalError`` of the database (the errors worth grading again)."""
    import sqlalchemy.exc
    from nbgrader.converters import Autograde

    class RecordingAutograde(Autograde):
        processed = False
        db_error = None

        def init_destination(self, assignment_id, student_id):
            self.processed = super().init_destination(assignment_id, student_id)
            return self.processed

        # nbgrader turns an OperationalError into NbGraderException after logging it; keep the
        # original, so the worker knows it may grade the student again.
        def init_assignment(self, assignment_id, student_id):
            try:
                super().init_assignment(assignment_id, student_id)
            except sqlalchemy.exc.OperationalError as error:
                self.db_error = error
                raise

        def convert_single_notebook(self, notebook_filename):
            try:
                super().convert_single_notebook(notebook_filename)
            except sqlalchemy.exc.OperationalError as error:
                self.db_error = error
                raise

    return RecordingAutograde


def missing_grades(db_url, course_id, assignment_id, student):
    """The autograded cells of ``student``'s submission without a score in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            submitted = gb.find_submission(assignment_id, student)
        except MissingEntry:
            return ["(no submission recorded)"]
        missing = []
        for notebook in submitted.notebooks:
            answers = {cell.name for cell in notebook.notebook.solution_cells}
            for grade in notebook.grades:
                if grade.name not in answers and grade.auto_score is None:
                    missing.append(f"{notebook.name}/{grade.name}")
        return missing


@contextlib.contextmanager
def _output_to(path):
    """Send file descriptors 1 and 2 (this process's and its children's) to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with open(path, "a", encoding="utf-8") as log:
        for fd in saved:
            os.dup2(log.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


class _ErrorTrap(logging.Handler):
    """Keeps the messages of the errors nbgrader logs, to say why a student failed."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _errors_logged(log):
    trap = _ErrorTrap()
    log.addHandler(trap)
    try:
        yield trap.messages
    finally:
        log.removeHandler(trap)


def failure_reason(error, logged):
    """One line saying why nbgrader failed a student.

    nbgrader logs the traceback of what went wrong, then raises an exception that only says
    "see the log": the traceback's last line (``ValueError: ...``) says more, if there is one.
    """
    for message in logged:
        if message.lstrip().startswith("Traceback"):
            lines = [line for line in message.strip().splitlines() if line.strip()]
            return lines[-1].strip()
    return first_line(error)


def grade_student(app, converter_class, student, log_path):
    """Grade one student with nbgrader's converter; the :class:`Outcome`.

    An ``OperationalError`` of the database is retried (nbgrader has already removed the
    half-written autograded folder), in :data:`DB_ATTEMPTS` attempts in all; any other
    failure is final. The grades are then read back from the gradebook. Everything goes to
    ``log_path``.
    """
    from nbgrader.converters import NbGraderException

    started = time.monotonic()

    def outcome(status, reason=""):
        return Outcome(status, time.monotonic() - started, reason, log_path)

    coursedir = app.coursedir
    with open(log_path, "w", encoding="utf-8"):
        pass
    with _output_to(log_path), _errors_logged(app.log) as logged:
        for attempt in range(1, DB_ATTEMPTS + 1):
            app.log.info("batch: grading %s (attempt %d)", student, attempt)
            coursedir.student_id = glob.escape(student)
            converter = converter_class(coursedir=coursedir, parent=app)
            try:
                converter.start()
            except NbGraderException as error:
                if converter.db_error is None:
                    return outcome(FAILED, failure_reason(error, logged))
                if attempt == DB_ATTEMPTS:
                    return outcome(
                        FAILED,
                        f"database error, {attempt} attempts: {first_line(converter.db_error)}",
                    )
                app.log.warning("batch: database error, grading %s again", student)
                time.sleep(attempt)
                continue
            except Exception as error:
                app.log.error("batch: %s", traceback.format_exc())
                return outcome(FAILED, first_line(error))
            break
        if not converter.processed:
            return outcome(SKIPPED, "already graded")
        missing = _read_back(app, student)
        if missing:
            reason = f"grades missing from the gradebook: {', '.join(missing)}"
            app.log.error("batch: %s", reason)
            return outcome(FAILED, reason)
        app.log.info("batch: %s graded", student)
        return outcome(GRADED)


def _read_back(app, student):
    """:func:`missing_grades`, with the same retries on a database error as the grading."""
    import sqlalchemy.exc

    coursedir = app.coursedir
    attempt = 1
    while True:
        try:
            return missing_grades(
                coursedir.db_url, coursedir.course_id, coursedir.assignment_id, student
            )
        except sqlalchemy.exc.OperationalError as error:
            if attempt == DB_ATTEMPTS:
                return [f"(the gradebook could not be read: {first_line(error)})"]
            app.log.warning("batch: database error, reading %s's grades again", student)
            time.sleep(attempt)
            attempt += 1
