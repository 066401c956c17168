"""Parallel autograding (``trustedgrading.batch.grader``) without a real course: its helpers
(parse_jobs, usable_cores, check_db_url, discover_students), grade_student's retries with a
stand-in for nbgrader's converter, the pool of workers with a stand-in for the grading, and
the command line's early errors. The acceptance test (real grading, PostgreSQL) is in
test_batch.py.
"""

import io
import logging
import os
import re
import shutil
import time
import types
from pathlib import Path

import pytest
import sqlalchemy.exc
from nbgrader.converters import NbGraderException
from support import batch_course as course_kit
from support.batch_course import run_batch_cli

from trustedgrading.batch import grader as batch
from trustedgrading.batch import progress, workers
from trustedgrading.batch import student as one_student

ASSIGNMENT = "ch02_activations"


# --- helpers --------------------------------------------------------------------------------


def test_parse_jobs_accepts_positive_integers():
    assert batch.parse_jobs("1") == 1
    assert batch.parse_jobs("16") == 16


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5", ""])
def test_parse_jobs_rejects_anything_else(text):
    with pytest.raises(batch.BatchError, match=r"--jobs must be a positive integer"):
        batch.parse_jobs(text)


def test_usable_cores_follows_the_cpu_affinity(monkeypatch):
    monkeypatch.setattr(batch.os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert batch.usable_cores() == 3
    monkeypatch.delattr(batch.os, "sched_getaffinity")
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 6)
    assert batch.usable_cores() == 6


def test_check_db_url_makes_a_relative_sqlite_path_absolute():
    assert batch.check_db_url("sqlite:///gradebook.db", "/course") == (
        "sqlite:////course/gradebook.db"
    )
    assert batch.check_db_url("sqlite:////data/g.db", "/course") == "sqlite:////data/g.db"


def test_check_db_url_keeps_postgresql_urls():
    url = "postgresql://grader@/gradebook?host=/run/postgresql"
    assert batch.check_db_url(url, "/course") == url
    url = "postgresql+psycopg2://grader@db.example/gradebook"
    assert batch.check_db_url(url, "/course") == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/gradebook", r"unsupported gradebook URL.*sqlite:///.*postgresql://"),
        ("gradebook.db", r"unsupported gradebook URL"),
        ("sqlite://", r"must be a file.*in memory"),
        ("sqlite:///:memory:", r"must be a file"),
        ("postgresql://u@h/", r"no database named"),
        ("postgresql://u@h:port/db", r"port"),
    ],
)
def test_check_db_url_rejects_with_a_reason(url, message):
    with pytest.raises(batch.BatchError, match=message):
        batch.check_db_url(url, "/course")


def test_check_db_url_never_shows_a_password():
    with pytest.raises(batch.BatchError) as error:
        batch.check_db_url("mysql://grader:hunter2@h/gradebook", "/course")
    assert "hunter2" not in str(error.value)
    assert "grader:***@h" in str(error.value)


def make_folders(root, *paths):
    for path in paths:
        (root / path).mkdir(parents=True)


def test_discover_students_finds_the_folders_of_the_assignment(tmp_path):
    make_folders(
        tmp_path,
        "submitted/bob/a1",
        "submitted/alice/a1",
        "submitted/carol/a2",  # another assignment
        "submitted/dave",  # nothing handed in
    )
    (tmp_path / "submitted" / "erin").mkdir()
    (tmp_path / "submitted" / "erin" / "a1").write_text("a file, not a submission folder")
    assert batch.discover_students(str(tmp_path), "a1") == ["alice", "bob"]
    assert batch.discover_students(str(tmp_path), "a3") == []


def test_discover_students_follows_nbgrader_paths_pattern_and_exclusions(tmp_path):
    make_folders(tmp_path, "handed-in/a[1]/by/x1", "handed-in/a[1]/by/y2", "handed-in/a1/by/x3")
    found = batch.discover_students(
        str(tmp_path),
        "a[1]",
        submitted="handed-in",
        structure=os.path.join("{nbgrader_step}", "{assignment_id}", "by", "{student_id}"),
    )
    assert found == ["x1", "y2"]  # the brackets are the id's, not a glob
    assert batch.discover_students(
        str(tmp_path),
        "a[1]",
        submitted="handed-in",
        structure=os.path.join("{nbgrader_step}", "{assignment_id}", "by", "{student_id}"),
        pattern="x*",
    ) == ["x1"]
    make_folders(tmp_path, "submitted/x1/a1", "submitted/y2/a1")
    assert batch.discover_students(str(tmp_path), "a1", exclude=["y2"]) == ["x1"]


# --- grade_student's retries, with a stand-in for nbgrader's converter -----------------------


class Fd2Handler(logging.Handler):
    """Writes to file descriptor 2 itself, as nbgrader's log does in a real worker (pytest
    replaces ``sys.stderr`` by an object of its own)."""

    def emit(self, record):
        os.write(2, (self.format(record) + "\n").encode())


def fake_app(tmp_path):
    coursedir = types.SimpleNamespace(
        student_id="*", db_url="sqlite:///unused", course_id="c", assignment_id="a1"
    )
    log = logging.getLogger(f"fake-batch-app-{tmp_path.name}")
    log.propagate = False
    log.addHandler(Fd2Handler())
    return types.SimpleNamespace(coursedir=coursedir, log=log)


def converter_failing(times, error):
    """A converter class whose first ``times`` runs fail with ``error`` (a database error)."""
    runs = []

    class Converter:
        def __init__(self, coursedir, parent):
            self.coursedir, self.processed, self.db_error = coursedir, False, None

        def start(self):
            runs.append(self.coursedir.student_id)
            if len(runs) <= times:
                self.db_error = error
                raise NbGraderException("There was an error accessing the nbgrader database")
            self.processed = True

    return Converter, runs


LOCKED = sqlalchemy.exc.OperationalError("UPDATE grade", {}, Exception("database is locked"))


def test_grade_student_grades_again_after_a_database_error(tmp_path, monkeypatch):
    monkeypatch.setattr(one_student, "missing_grades", lambda *args: [])
    monkeypatch.setattr(one_student.time, "sleep", lambda seconds: None)
    converter, runs = converter_failing(batch.DB_ATTEMPTS - 1, LOCKED)
    log = tmp_path / "s1.log"
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(log))
    assert outcome.status == progress.GRADED
    assert runs == ["s1"] * batch.DB_ATTEMPTS
    assert "database error, grading s1 again" in log.read_text()


def test_grade_student_fails_loudly_when_the_database_stays_locked(tmp_path, monkeypatch):
    monkeypatch.setattr(one_student, "missing_grades", lambda *args: [])
    monkeypatch.setattr(one_student.time, "sleep", lambda seconds: None)
    converter, runs = converter_failing(batch.DB_ATTEMPTS, LOCKED)
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(tmp_path / "s1.log"))
    assert outcome.status == progress.FAILED
    assert re.search(r"database error.*database is locked", outcome.reason)
    assert len(runs) == batch.DB_ATTEMPTS


def test_grade_student_fails_when_a_grade_is_not_in_the_gradebook(tmp_path, monkeypatch):
    monkeypatch.setattr(one_student, "missing_grades", lambda *args: ["a1/test_sigmoid"])
    converter, _ = converter_failing(0, None)
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(tmp_path / "s1.log"))
    assert outcome.status == progress.FAILED
    assert "grades missing from the gradebook: a1/test_sigmoid" in outcome.reason


def test_grade_student_escapes_the_id_for_nbgrader_glob(tmp_path, monkeypatch):
    monkeypatch.setattr(one_student, "missing_grades", lambda *args: [])
    converter, runs = converter_failing(0, None)
    batch.grade_student(fake_app(tmp_path), converter, "a[1]", str(tmp_path / "x.log"))
    assert runs == ["a[[]1]"]


def test_grade_student_reads_the_grades_back_again_after_a_database_error(tmp_path, monkeypatch):
    reads = []

    def missing(*args):
        reads.append(args)
        if len(reads) < batch.DB_ATTEMPTS:
            raise LOCKED
        return []

    monkeypatch.setattr(one_student, "missing_grades", missing)
    monkeypatch.setattr(one_student.time, "sleep", lambda seconds: None)
    converter, runs = converter_failing(0, None)
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(tmp_path / "s1.log"))
    assert outcome.status == progress.GRADED
    assert (len(runs), len(reads)) == (1, batch.DB_ATTEMPTS)  # graded once, read three times
    assert reads[0] == ("sqlite:///unused", "c", "a1", "s1")


def test_failure_reason_prefers_the_logged_traceback_to_nbgraders_see_the_log():
    logged = [
        "There was an error processing assignment: /c/submitted/s1/a1",
        "Traceback (most recent call last):\n  File ...\nValueError: bad notebook\n",
        "There was an error processing assignment 'a1' for student 's1'",
    ]
    error = NbGraderException("Please see the the above traceback for details")
    assert batch.failure_reason(error, logged) == "ValueError: bad notebook"
    assert batch.failure_reason(NbGraderException("No notebooks were matched"), []) == (
        "No notebooks were matched"
    )


# --- the pool of workers, with a stand-in for the grading itself -----------------------------


def fake_grading(seconds, crash=()):
    """A ``grade_student`` that takes ``seconds[student]`` and kills its worker for ``crash``.

    Each worker process appends the students it graded to ``<log dir>/worker-<pid>``, so the
    test can see how the work was shared out.
    """

    def grade(app, converter_class, student, log_path):
        if student in crash:
            os._exit(3)
        time.sleep(seconds.get(student, 0.05))
        mine = Path(log_path).parent / f"worker-{os.getpid()}"
        with mine.open("a") as handle:
            handle.write(student + "\n")
        return progress.Outcome(progress.GRADED, seconds.get(student, 0.05), "", log_path)

    return grade


class NotATerminal(io.StringIO):
    def isatty(self):
        return False


def test_run_batch_shares_the_work_out_dynamically(tmp_path, monkeypatch):
    students = [f"s{i}" for i in range(8)]
    # s0 is slow: while one worker grades it, the other grades nearly all the rest.
    monkeypatch.setattr(workers, "grade_student", fake_grading({"s0": 1.5}))
    stream = NotATerminal()
    ledger, _, interrupted = batch.run_batch(fake_app(tmp_path), students, 2, str(tmp_path), stream)
    assert not interrupted
    assert {s: o.status for s, o in ledger.outcomes.items()} == dict.fromkeys(
        students, progress.GRADED
    )
    shares = sorted(len(p.read_text().split()) for p in tmp_path.glob("worker-*"))
    assert shares == [1, 7], shares  # the slow one alone; a fixed split would give [4, 4]
    assert "autograde a1: 8/8 done, 0 failed, 0 running, ETA 0s" in stream.getvalue()


def test_run_batch_fails_the_student_of_a_worker_that_died_and_goes_on(tmp_path, monkeypatch):
    students = [f"s{i}" for i in range(6)]
    monkeypatch.setattr(workers, "grade_student", fake_grading({}, crash={"s2"}))
    ledger, _, interrupted = batch.run_batch(
        fake_app(tmp_path), students, 2, str(tmp_path), NotATerminal()
    )
    assert not interrupted
    assert ledger.failed() == ["s2"]
    assert ledger.outcomes["s2"].reason == "the worker process ended (exit code 3)"
    assert ledger.count(progress.GRADED) == 5  # a new worker took over


def test_run_batch_with_one_job_grades_in_order(tmp_path, monkeypatch):
    students = ["c", "a", "b"]
    monkeypatch.setattr(workers, "grade_student", fake_grading({}))
    ledger, _, _ = batch.run_batch(fake_app(tmp_path), students, 1, str(tmp_path), NotATerminal())
    (mine,) = tmp_path.glob("worker-*")
    assert mine.read_text().split() == students
    assert list(ledger.outcomes) == students


# --- the command line's early errors (no grading) ---------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], r"--jobs must be a positive integer, not '0'"),
        (["--db", "mysql://u@h/g"], r"--db 'mysql://u@h/g': unsupported gradebook URL"),
        (["--root", "/nonexistent/course"], r"--root '/nonexistent/course' is not a folder"),
    ],
)
def test_cli_rejects_bad_options(tmp_path, args, message):
    result = run_batch_cli(tmp_path, ASSIGNMENT, *args)
    assert result.returncode == 2
    assert re.search(rf"^error: {message}", result.stderr, re.MULTILINE), result.stderr


def test_cli_says_when_nobody_handed_anything_in_or_the_assignment_is_unknown(tmp_path):
    shutil.copy(course_kit.REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    (tmp_path / "submitted").mkdir()
    result = run_batch_cli(tmp_path, ASSIGNMENT, "--jobs", "2")
    assert result.returncode == 2
    assert f"error: no submissions to {ASSIGNMENT}: nothing matches " in result.stderr
    assert str(tmp_path / "submitted" / "*" / ASSIGNMENT) in result.stderr

    (tmp_path / "submitted" / "alice" / ASSIGNMENT).mkdir(parents=True)
    result = run_batch_cli(tmp_path, ASSIGNMENT)
    assert result.returncode == 2
    assert re.search(
        rf"error: the gradebook sqlite:///{re.escape(str(tmp_path))}/gradebook.db does not know "
        rf"assignment '{ASSIGNMENT}': record it first with `nbgrader generate_assignment",
        result.stderr,
    ), result.stderr
