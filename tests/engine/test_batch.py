"""Parallel autograding (``trustedgrading.batch.grader``): the real thing.

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

The batch's helpers, grade_student's retries, the pool of workers and the command line's early
errors, with stand-ins and no real grading, are in test_batch_units.py.
"""

import contextlib
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
import support
from support import batch_course as course_kit
from support.batch_course import run_batch_cli

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
