"""Parallel autograding (``trustedgrading.batch.grader``): its helpers, then the real thing.

The acceptance test grades one temporary course three ways, concurrently, each in its own copy
of the course: (a) serially with plain ``nbgrader autograde``, (b) with the batch and two
workers into SQLite, (c) the same into a throwaway PostgreSQL server. Every student's every
grade cell (score and auto_score, read back with nbgrader's ``Gradebook``) must be the same in
all three gradebooks, none missing. The class (``tests/support/batch_course.py``): ten students of
``ch02_activations`` with different scores and different failing cells (the reference, the
untouched release, mutants, partial hand-ins). Then: the batch's progress line, summary and
per-student logs; a second run skips what is graded and fails a folder without a notebook
loudly; Ctrl-C stops the workers and leaves no worker or kernel behind.

PostgreSQL: the test starts its own server (``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/*/bin`` or ``PATH``, Unix socket only, trust authentication, as the
``postgres`` user through ``runuser`` when run as root) and removes it afterwards. Without those
programs the PostgreSQL test is skipped locally, saying what to install, and fails under CI
(the ``CI`` variable set).

Every process the tests start runs in a session of its own (``support.start``) and is ended
with its whole group (``support.stop``), registered before the next step that can fail: a
fixture whose setup fails half-way leaves nothing running, which
``test_a_setup_that_fails_half_way_leaves_nothing_running`` checks on ``graded`` itself.
"""

import contextlib
import io
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import pytest
import sqlalchemy.exc
import support
from nbgrader.converters import NbGraderException
from support import batch_course as course_kit

from trustedgrading.batch import grader as batch
from trustedgrading.batch import progress

pytestmark = pytest.mark.xdist_group(name="batch")
ASSIGNMENT = "ch02_activations"
STUDENTS = 10
PROGRESS = re.compile(
    rf"^autograde {ASSIGNMENT}: (\d+)/{STUDENTS} done, (\d+) failed, (?:\d+ skipped, )?"
    r"(\d+) running, ETA (\?|\d+s|\d+m\d\ds)$",
    re.MULTILINE,
)
# Interrupted before anyone is graded, the summary says "no submission processed" instead.
SUMMARY = re.compile(
    rf"^autograde {ASSIGNMENT}: (\d+) graded, (\d+) failed, (\d+) skipped of (\d+) in \S+ "
    r"\((?:(\d+\.\d\d) s per submission|no submission processed), (\d+) jobs?\)$",
    re.MULTILINE,
)


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
    monkeypatch.setattr(batch, "missing_grades", lambda *args: [])
    monkeypatch.setattr(batch.time, "sleep", lambda seconds: None)
    converter, runs = converter_failing(batch.DB_ATTEMPTS - 1, LOCKED)
    log = tmp_path / "s1.log"
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(log))
    assert outcome.status == progress.GRADED
    assert runs == ["s1"] * batch.DB_ATTEMPTS
    assert "database error, grading s1 again" in log.read_text()


def test_grade_student_fails_loudly_when_the_database_stays_locked(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "missing_grades", lambda *args: [])
    monkeypatch.setattr(batch.time, "sleep", lambda seconds: None)
    converter, runs = converter_failing(batch.DB_ATTEMPTS, LOCKED)
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(tmp_path / "s1.log"))
    assert outcome.status == progress.FAILED
    assert re.search(r"database error.*database is locked", outcome.reason)
    assert len(runs) == batch.DB_ATTEMPTS


def test_grade_student_fails_when_a_grade_is_not_in_the_gradebook(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "missing_grades", lambda *args: ["a1/test_sigmoid"])
    converter, _ = converter_failing(0, None)
    outcome = batch.grade_student(fake_app(tmp_path), converter, "s1", str(tmp_path / "s1.log"))
    assert outcome.status == progress.FAILED
    assert "grades missing from the gradebook: a1/test_sigmoid" in outcome.reason


def test_grade_student_escapes_the_id_for_nbgrader_glob(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "missing_grades", lambda *args: [])
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

    monkeypatch.setattr(batch, "missing_grades", missing)
    monkeypatch.setattr(batch.time, "sleep", lambda seconds: None)
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
    monkeypatch.setattr(batch, "grade_student", fake_grading({"s0": 1.5}))
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
    monkeypatch.setattr(batch, "grade_student", fake_grading({}, crash={"s2"}))
    ledger, _, interrupted = batch.run_batch(
        fake_app(tmp_path), students, 2, str(tmp_path), NotATerminal()
    )
    assert not interrupted
    assert ledger.failed() == ["s2"]
    assert ledger.outcomes["s2"].reason == "the worker process ended (exit code 3)"
    assert ledger.count(progress.GRADED) == 5  # a new worker took over


def test_run_batch_with_one_job_grades_in_order(tmp_path, monkeypatch):
    students = ["c", "a", "b"]
    monkeypatch.setattr(batch, "grade_student", fake_grading({}))
    ledger, _, _ = batch.run_batch(fake_app(tmp_path), students, 1, str(tmp_path), NotATerminal())
    (mine,) = tmp_path.glob("worker-*")
    assert mine.read_text().split() == students
    assert list(ledger.outcomes) == students


# --- the command line's early errors (no grading) ---------------------------------------------


def run_batch_cli(root, *args):
    return course_kit.run_batch(root, *args, timeout=600)


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


# --- the acceptance test -----------------------------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL server on a Unix socket in a fresh folder.

    Nothing exists before :meth:`start`; :meth:`stop` undoes whatever part of it was done.
    """

    def __init__(self, bin_dir, as_user=()):
        self.bin = Path(bin_dir)
        self.as_user = list(as_user)  # runuser -u postgres -- ..., when we are root
        self.base = None
        self.port = 5432

    def run(self, tool, *args):
        result = support.run(
            [*self.as_user, self.bin / tool, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{tool} failed:\n{result.stdout}\n{result.stderr}"

    def start(self):
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # `postgres` when we are root.
        self.base = Path(tempfile.mkdtemp(prefix="batch-pg-"))
        self.data, self.socket = self.base / "data", self.base / "socket"
        self.socket.mkdir()
        if self.as_user:
            for path in (self.base, self.socket):
                shutil.chown(path, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-c listen_addresses='' -k {self.socket} -p {self.port} -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w",
            "start",
        )  # fmt: skip
        self.run("createdb", "-h", str(self.socket), "-p", str(self.port), "-U", "postgres", "gb")
        return f"postgresql://postgres@/gb?host={self.socket}&port={self.port}"

    def stop(self):
        if self.base is None:
            return
        if (self.data / "postmaster.pid").exists():
            support.run(
                [*self.as_user, self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w",
                 "stop"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None


def find_postgres():
    """A (not yet started) server, or the reason there is none and what to install."""
    bin_dir = support.postgres_bin_dir()
    if bin_dir is None:
        return (
            "the PostgreSQL gradebook test needs PostgreSQL's server (initdb, pg_ctl, createdb), "
            "found neither in /usr/lib/postgresql/*/bin nor on PATH: apt-get install postgresql"
        )
    as_user = []
    if os.geteuid() == 0:
        runuser = support.find_program("runuser")
        if runuser is None:
            return (
                "the PostgreSQL gradebook test, as root, runs the server as user postgres with "
                f"runuser, not found in {support.search_path()}: apt-get install util-linux"
            )
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return (
                "the PostgreSQL gradebook test, as root, runs the server as user postgres, "
                "which does not exist: apt-get install postgresql creates it"
            )
        as_user = [runuser, "-u", "postgres", "--"]
    return Postgres(bin_dir, as_user)


@pytest.fixture(scope="module")
def base_course(tmp_path_factory):
    """The generated course with the class handed in, not graded yet."""
    root = course_kit.make_course(tmp_path_factory.mktemp("base") / "course", ASSIGNMENT)
    result = course_kit.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    assert result.returncode == 0, result.stderr[-3000:]
    answers = course_kit.reference_answers(root, ASSIGNMENT)
    chosen = course_kit.varied_answers(answers, course_kit.mutants(ASSIGNMENT), STUDENTS)
    students = course_kit.hand_in(root, ASSIGNMENT, chosen)
    return root, students


def copy_course(base, target):
    shutil.copytree(base, target, symlinks=True)
    return target


def start(command, root):
    """``command`` in the course with its output piped, in a session of its own: end it with
    ``support.stop`` (its workers and kernels too)."""
    return support.start(
        command,
        cwd=root,
        env=course_kit.course_env(root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process, timeout=600):
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        support.stop(process, grace=1.0)
        stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def grade_three_ways(base, students, top, server):
    """Grade copies of the course ``base`` under ``top`` serially, with the batch into SQLite
    and, with ``server`` (a :class:`Postgres`, else the reason there is none), into PostgreSQL.

    Everything it starts (the graders, their workers and kernels, the server) is ended before
    it returns or raises: each is registered for clean-up before the next step that can fail.
    """
    roots = {name: copy_course(base, top / name) for name in ("serial", "sqlite", "postgres")}
    batch_cmd = [sys.executable, "-m", "trustedgrading.batch", ASSIGNMENT, "--jobs", "2"]
    with contextlib.ExitStack() as cleanup:
        runs = {}
        for name, command in (
            ("serial", [course_kit.NBGRADER, "autograde", ASSIGNMENT]),
            ("sqlite", batch_cmd),
        ):
            runs[name] = start(command, roots[name])
            cleanup.callback(support.stop, runs[name])
        pg_url, no_postgres = None, None
        if isinstance(server, str):
            no_postgres = server
        else:
            cleanup.callback(server.stop)
            pg_url = server.start()
            # As `make autograde DB=...` does: record the assignment in that gradebook first.
            recorded = course_kit.run_nbgrader(
                roots["postgres"],
                "generate_assignment",
                ASSIGNMENT,
                "--force",
                f"--CourseDirectory.db_url={pg_url}",
            )
            assert recorded.returncode == 0, recorded.stderr[-3000:]
            runs["postgres"] = start([*batch_cmd, "--db", pg_url], roots["postgres"])
            cleanup.callback(support.stop, runs["postgres"])
        results = {name: finish(process) for name, process in runs.items()}
        urls = {
            "serial": f"sqlite:///{roots['serial'] / 'gradebook.db'}",
            "sqlite": f"sqlite:///{roots['sqlite'] / 'gradebook.db'}",
        }
        if pg_url:
            urls["postgres"] = pg_url
        grades = {name: course_kit.recorded_grades(url, ASSIGNMENT) for name, url in urls.items()}
    return types.SimpleNamespace(
        students=students, roots=roots, results=results, grades=grades, no_postgres=no_postgres
    )


@pytest.fixture(scope="module")
def graded(base_course, tmp_path_factory):
    """The class graded three ways at once: serial nbgrader, batch into SQLite, batch into
    PostgreSQL (not without a server: the PostgreSQL test then skips, or fails under CI)."""
    base, students = base_course
    return grade_three_ways(base, students, tmp_path_factory.mktemp("graded"), find_postgres())


def describe(result):
    return f"exit {result.returncode}\n{result.stderr[-4000:]}"


@pytest.mark.nbgrader
def test_serial_grades_are_complete_and_varied(graded):
    assert graded.results["serial"].returncode == 0, describe(graded.results["serial"])
    grades = graded.grades["serial"]
    assert sorted(grades) == graded.students
    cells = {name for per_student in grades.values() for name in per_student}
    assert len(cells) == 11 and all(set(g) == cells for g in grades.values())
    assert all(
        score is not None and auto is not None
        for g in grades.values()
        for score, auto in g.values()
    )
    totals = {student: sum(score for score, _ in g.values()) for student, g in grades.items()}
    assert totals["student000"] == 100.0 and totals["student001"] == 0.0, totals
    # The class is a real test of "no grade lost": scores differ by student and by cell.
    assert len({tuple(sorted(g.items())) for g in grades.values()}) >= 7, grades
    varying = [c for c in cells if len({grades[s][c] for s in grades}) > 1]
    assert len(varying) >= 8, varying


@pytest.mark.nbgrader
def test_batch_into_sqlite_records_every_grade_as_serial_nbgrader(graded):
    assert graded.results["sqlite"].returncode == 0, describe(graded.results["sqlite"])
    assert sorted(graded.grades["sqlite"]) == graded.students
    assert graded.grades["sqlite"] == graded.grades["serial"]


@pytest.mark.nbgrader
def test_batch_into_postgresql_records_every_grade_as_serial_nbgrader(graded):
    if graded.no_postgres:
        support.unavailable(graded.no_postgres)
    assert graded.results["postgres"].returncode == 0, describe(graded.results["postgres"])
    assert sorted(graded.grades["postgres"]) == graded.students
    assert graded.grades["postgres"] == graded.grades["serial"]


@pytest.mark.nbgrader
def test_batch_shows_progress_and_a_summary(graded):
    stderr = graded.results["sqlite"].stderr
    lines = PROGRESS.findall(stderr)
    assert lines, stderr
    assert lines[-1][:3] == (str(STUDENTS), "0", "0"), lines  # all done, none failed or running
    done = [int(line[0]) for line in lines]
    assert done == sorted(done), "the progress goes backwards"
    (summary,) = SUMMARY.findall(stderr)
    graded_n, failed, skipped, total, per_submission, jobs = summary
    assert (graded_n, failed, skipped, total, jobs) == (str(STUDENTS), "0", "0", str(STUDENTS), "2")
    assert float(per_submission) > 0
    log_dir = graded.roots["sqlite"] / "_build" / "autograde-logs" / ASSIGNMENT
    assert f"  logs: {log_dir}" in stderr
    for student in graded.students:
        log = (log_dir / f"{student}.log").read_text()
        assert f"batch: {student} graded" in log, log[-2000:]
        assert "Autograding" in log  # nbgrader's own log goes there too


@pytest.mark.nbgrader
def test_batch_skips_what_is_graded_and_fails_a_folder_without_notebook(graded):
    root = graded.roots["sqlite"]
    (root / "submitted" / "zz-nothing" / ASSIGNMENT).mkdir(parents=True)
    result = run_batch_cli(root, ASSIGNMENT, "--jobs", "2")
    assert result.returncode == 1, describe(result)
    (summary,) = SUMMARY.findall(result.stderr)
    assert summary[:4] == ("0", "1", str(STUDENTS), str(STUDENTS + 1)), result.stderr
    log = root / "_build" / "autograde-logs" / ASSIGNMENT / "zz-nothing.log"
    assert re.search(
        rf"FAILED zz-nothing: .*No notebooks.*\(log: {re.escape(str(log))}\)", result.stderr
    ), result.stderr
    # The grades already recorded are untouched.
    grades = course_kit.recorded_grades(f"sqlite:///{root / 'gradebook.db'}", ASSIGNMENT)
    assert grades == graded.grades["serial"]


def processes_mentioning(text):
    """The pids of the processes whose command line contains ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(int(entry))
    return found


def processes_in(folder):
    """The living (not zombie) processes working in ``folder`` or naming it: ``{pid: command}``."""
    folder = str(folder)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            if stat[stat.rindex(b")") + 2 :].split()[0] == b"Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if folder in command or cwd == folder or cwd.startswith(folder + os.sep):
            found[int(entry)] = command
    return found


@pytest.mark.nbgrader
def test_ctrl_c_stops_every_worker_and_kernel_and_says_what_finished(base_course, tmp_path):
    base, _ = base_course
    root = copy_course(base, tmp_path / "course")
    logs = root / "interrupted-logs"  # on every worker's command line, to find them
    process = start(
        [sys.executable, "-m", "trustedgrading.batch", ASSIGNMENT, "--jobs", "2",
         "--logs", str(logs)],
        root,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(logs.glob("*.log")):
            time.sleep(0.2)
        time.sleep(3)  # the first kernels are running
        assert processes_mentioning(str(root)), "nothing was grading"
        process.send_signal(signal.SIGINT)
        result = finish(process, timeout=60)
    finally:
        support.stop(process)  # whatever happened above (a no-op once it has ended)
    assert result.returncode == 130, describe(result)
    assert "interrupted: stopping" in result.stderr
    (summary,) = SUMMARY.findall(result.stderr)
    assert int(summary[0]) + int(summary[1]) < STUDENTS
    assert re.search(r"^  not graded \((\d+)\): student", result.stderr, re.MULTILINE)
    time.sleep(1)
    assert processes_mentioning(str(root)) == [], "workers or kernels outlived the batch"


class ServerThatCannotStart:
    """Stands in for a PostgreSQL server whose start fails (as it did when ``runuser`` was not
    found on PATH) once the serial grader and the batch are busy grading."""

    def __init__(self, folder):
        self.folder, self.running_then, self.stopped = folder, {}, False

    def start(self):
        deadline = time.monotonic() + 60
        # The batch's workers or a kernel are up, not just the two graders.
        while time.monotonic() < deadline and len(processes_in(self.folder)) < 4:
            time.sleep(0.2)
        self.running_then = processes_in(self.folder)
        raise FileNotFoundError(2, "No such file or directory", "runuser")

    def stop(self):
        self.stopped = True


@pytest.mark.nbgrader
def test_a_setup_that_fails_half_way_leaves_nothing_running(base_course, tmp_path):
    """``graded``'s setup, failing after it started the serial grader and the batch: it raises
    the error, and neither grader nor any of their workers or kernels is left running."""
    base, students = base_course
    server = ServerThatCannotStart(tmp_path)
    with pytest.raises(FileNotFoundError, match="runuser"):
        grade_three_ways(base, students, tmp_path, server)
    commands = list(server.running_then.values())
    assert len(commands) >= 4, f"not busy grading when the server failed: {commands}"
    assert any("nbgrader autograde" in c for c in commands), commands
    assert any("trustedgrading.batch" in c for c in commands), commands
    assert server.stopped
    left = processes_in(tmp_path)
    assert left == {}, f"left running after the failed setup: {left}"
