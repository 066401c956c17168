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
import contextlib
import dataclasses
import glob
import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import time
import traceback

from trustedgrading import limits
from trustedgrading.batch.progress import (
    FAILED,
    GRADED,
    SKIPPED,
    Ledger,
    Outcome,
    Reporter,
    summary,
)

DB_ATTEMPTS = limits.DB_ATTEMPTS
GRACE_SECONDS = limits.BATCH_GRACE_SECONDS
LOG_FOLDER = os.path.join("_build", "autograde-logs")
# nbgrader's default CourseDirectory.directory_structure.
DEFAULT_STRUCTURE = os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}")
DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2")


class BatchError(Exception):
    """A problem with the command line or the course that stops the batch before it starts."""


# --- pure helpers -------------------------------------------------------------------------


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


# --- nbgrader --------------------------------------------------------------------------------


def load_app(assignment_id, nbgrader_args):
    """nbgrader's ``AutogradeApp``, configured as ``nbgrader autograde <id> <args>`` would be."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([assignment_id, *nbgrader_args])
    if len(app.extra_args) != 1:
        raise BatchError(f"unexpected arguments for nbgrader autograde: {app.extra_args[1:]}")
    app.coursedir.assignment_id = assignment_id
    return app


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
    return _first_line(error)


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


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
                        f"database error, {attempt} attempts: {_first_line(converter.db_error)}",
                    )
                app.log.warning("batch: database error, grading %s again", student)
                time.sleep(attempt)
                continue
            except Exception as error:
                app.log.error("batch: %s", traceback.format_exc())
                return outcome(FAILED, _first_line(error))
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
                return [f"(the gradebook could not be read: {_first_line(error)})"]
            app.log.warning("batch: database error, reading %s's grades again", student)
            time.sleep(attempt)
            attempt += 1


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
        raise BatchError(f"cannot open the gradebook {shown}: {_first_line(error)}") from None


def _redacted(db_url):
    """``db_url`` with its password, if any, replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db_url)


# --- the workers ------------------------------------------------------------------------------


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _worker(conn, app, log_dir):
    """One worker process: ask for a student, grade it, report, until told to stop (None)."""
    # A process group of its own: Ctrl-C reaches the parent only, which decides how to stop
    # the workers, and a kill of this group takes what the worker started with it.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    # The logs are files: timestamps instead of terminal colours.
    for handler in app.log.handlers:
        handler.setFormatter(
            logging.Formatter("%(asctime)s [%(levelname)s] %(message)s", "%H:%M:%S")
        )
    converter_class = _converter_class()
    try:
        conn.send(("ready", None, None))
        while (student := conn.recv()) is not None:
            log_path = os.path.join(log_dir, f"{student}.log")
            outcome = grade_student(app, converter_class, student, log_path)
            conn.send(("done", student, dataclasses.asdict(outcome)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass


class _Pool:
    """The worker processes, forked from this one (nbgrader's configuration already loaded)."""

    def __init__(self, app, log_dir):
        self._context = multiprocessing.get_context("fork")
        self._app = app
        self._log_dir = log_dir
        self.workers = {}  # worker id -> (process, connection)
        self._next_id = 0

    def start(self):
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker, args=(child_end, self._app, self._log_dir), daemon=True
        )
        sys.stdout.flush()
        sys.stderr.flush()
        process.start()
        child_end.close()
        self.workers[self._next_id] = (process, parent_end)
        self._next_id += 1

    def waitables(self):
        return [
            item for process, conn in self.workers.values() for item in (conn, process.sentinel)
        ]

    def ready(self, timeout):
        """``(worker, conn)`` for each worker with a message to read, ``(worker, None)`` for
        each that ended, waiting up to ``timeout`` seconds for the first. Lazy, so a worker
        removed while an earlier item is handled is not yielded again."""
        for item in multiprocessing.connection.wait(self.waitables(), timeout=timeout):
            for worker, (process, conn) in list(self.workers.items()):
                if item is conn:
                    yield worker, conn
                elif item == process.sentinel:
                    yield worker, None

    def remove(self, worker, on_message=None):
        """Forget a worker that ended (or is being killed); its exit code. ``on_message`` first
        gets what it sent before it ended and was not read yet."""
        process, conn = self.workers.pop(worker)
        with contextlib.suppress(Exception):  # a closed pipe, a message cut short
            while on_message is not None and conn.poll():
                on_message(worker, conn.recv())
        conn.close()
        process.join(timeout=1)
        return process.exitcode

    def stop(self, on_message, grace=GRACE_SECONDS):
        """Ask every worker to stop (SIGINT), wait up to ``grace`` seconds while passing their
        last messages to ``on_message``, then kill what is left with its process group."""
        for process, _ in self.workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        try:
            while self.workers and time.monotonic() < deadline:
                for worker, conn in self.ready(timeout=0.2):
                    if conn is not None:
                        try:
                            on_message(worker, conn.recv())
                        except Exception:  # closed, or a message cut by the interruption
                            self.remove(worker)
                    else:
                        self.remove(worker, on_message)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: no more waiting
        for worker in list(self.workers):
            process, _ = self.workers[worker]
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            self.remove(worker)


def run_batch(app, students, jobs, log_dir, stream):
    """Grade ``students`` with ``jobs`` workers; ``(ledger, wall seconds, interrupted)``."""
    assignment_id = app.coursedir.assignment_id
    ledger = Ledger(students)
    pool = _Pool(app, log_dir)
    reporter = Reporter(stream, assignment_id)
    started = time.monotonic()
    restarts = 0
    interrupted = False

    def on_message(worker, message):
        kind, student, outcome = message
        if kind == "done":
            ledger.finish(worker, student, Outcome(**outcome))

    try:
        for _ in range(jobs):
            pool.start()
        while ledger.done < ledger.total:
            for worker, conn in pool.ready(timeout=1.0):
                if conn is not None:
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        continue  # the sentinel says why
                    on_message(worker, message)
                    with contextlib.suppress(OSError):  # if it just died, its sentinel says so
                        conn.send(ledger.next_for(worker))
                else:
                    exitcode = pool.remove(worker, on_message)
                    ledger.lost(worker, f"the worker process ended (exit code {exitcode})")
                    if ledger.pending and restarts < jobs:
                        restarts += 1
                        pool.start()
            if not pool.workers:
                for student in list(ledger.pending):
                    ledger.pending.remove(student)
                    ledger.outcomes[student] = Outcome(FAILED, reason="no worker left")
            now = time.monotonic()
            reporter.update(ledger, now - started, now)
        for worker in list(pool.workers):
            process, conn = pool.workers[worker]
            with contextlib.suppress(OSError):
                conn.send(None)
            process.join(timeout=limits.WORKER_EXIT_SECONDS)
            pool.remove(worker)
    except KeyboardInterrupt:
        interrupted = True
        count = len(pool.workers)
        stream.write(f"\ninterrupted: stopping {count} worker{'s' if count != 1 else ''}\n")
        pool.stop(on_message)
    finally:
        if pool.workers:
            pool.stop(on_message, grace=0)
        reporter.close()
    return ledger, time.monotonic() - started, interrupted


# --- command line -----------------------------------------------------------------------------


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
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        ledger, wall, interrupted = run_batch(app, students, jobs, log_dir, sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
    for line in summary(app.coursedir.assignment_id, ledger, wall, jobs, log_dir):
        print(line, file=sys.stderr)
    if interrupted:
        return 130
    return 1 if ledger.failed() else 0
