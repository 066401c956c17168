"""Trusted autograding under attack: one real ``nbgrader autograde`` run over a battery.

A temporary course gets a copy of ``solutions/ch02_activations`` and of the repository's
``nbgrader_config.py`` (so the trusted grading configured there applies). After
``generate_assignment``, twenty students hand in (``tests/support/trusted_battery.py`` builds them):
``correct``, ``wrong`` (two functions wrong), six cheats built on ``wrong`` (patched NumPy
comparisons, delegation to ``backproplab``, exec of the solutions notebook, grading helpers
replaced in ``sys.modules``, always-equal results, a gradebook rewrite), six faults built on
``correct`` (endless loop, SIGINT-immune loop, ``os._exit(0)``, ``np.ones(10**11)``, a 50 MB
print flood, processes left running in the background) and six damaged or unusual hand-ins of
``correct`` (deleted, metadata-stripped, duplicated and shuffled test cells, a renamed
notebook, ``numpy.py``/``backproplab.py`` next to it, invalid JSON).

Then ONE ``nbgrader autograde ch02_activations`` for everyone and ONE ``generate_feedback``;
a module-scoped fixture does all of it and the tests only read the results. Expected scores
come from the points of the solution notebook's test cells (never from a run):

- ``correct`` and every notebook case score full marks, cell by cell; ``invalid_json`` 0,
  with its autograded notebook saying it "could not be read";
- ``wrong`` loses exactly the cells of its two wrong functions (so 0 < W < 100) and every
  cheat scores at most W;
- a fault loses exactly the test cells that run the faulty function (directly or through
  another graded function that calls it); the print flood and the background processes are
  not wrong and lose nothing;
- no grade needs manual grading, no process started by a submission is alive after autograde
  (3 s allowed for killed processes to leave /proc), no file of another student or of the
  solutions changed or appeared, every feedback page is under 1 MB.

Bound: the autograde run must finish within ``BOUND`` = 900 s for the 20 students (the timeout
of the subprocess; past it the run is killed and the tests fail). Every nbgrader command gets
that timeout. The battery's course shortens the time budgets its endless loops spend in full
(``BUDGETS``), as a course may in its ``nbgrader_config.py``. Locally the test is skipped when
bubblewrap is missing; under CI (``CI`` set) it runs regardless.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import trusted_battery as battery

pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group(name="battery")]

REPO = Path(__file__).resolve().parents[2]
NBGRADER = Path(sys.executable).with_name("nbgrader")
A = battery.ASSIGNMENT
BOUND = 900  # seconds, for the whole autograde run (see the module docstring)
GRACE = 3.0  # seconds for processes killed at the end of grading to disappear
# The endless loops spend every budget they meet in full: the kernel's cell timeout, then the
# check's wall budget of each test cell that runs them. The course's defaults (30 s each) would
# make those waits most of the run; shorter ones, set as a course may set them in its
# nbgrader_config.py, test the same stops (tests/engine tests the budgets themselves). A correct
# check of this assignment needs well under a second.
BUDGETS = """
c.TrustedChecks.wall_seconds = 8
c.RobustExecute.timeout = 15
"""
MAX_FEEDBACK = 2**20  # bytes per feedback page
# Students whose hand-in is not a readable <assignment>.ipynb: the grader may add a readable
# one next to it in their own submitted folder.
NORMALISED = ("renamed", "invalid_json")
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")


@dataclass
class Run:
    root: Path
    solution: dict
    submissions: dict
    marker: str
    returncodes: dict = field(default_factory=dict)  # command -> exit code (None: killed)
    seconds: dict = field(default_factory=dict)  # command -> wall-clock seconds
    grades: dict = field(default_factory=dict)  # student -> {grade_id: Grade} or None
    survivors: list = field(default_factory=list)  # (pid, command line) after autograde
    before: dict = field(default_factory=dict)  # file -> digest, before autograde

    def log(self, chars=6000):
        parts = []
        for name, code in self.returncodes.items():
            with (self.root / "logs" / f"{name}.log").open("rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - chars))
                tail = handle.read().decode(errors="replace")
            parts.append(f"$ nbgrader {name} (exit {code}, {self.seconds[name]:.0f} s)\n{tail}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Grade:
    score: float
    max_score: float
    needs_manual_grade: bool


def nbgrader(run, name, *args):
    """Run ``nbgrader <args>`` in the course folder, its output in ``logs/<name>.log``."""
    env = dict(os.environ)
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    env["PATH"] = f"{NBGRADER.parent}{os.pathsep}{env.get('PATH', '')}"
    # No personal nbgrader settings or kernel specs: the venv's own python3 kernel grades.
    env["JUPYTER_CONFIG_DIR"] = str(run.root / ".jupyter" / "config")
    env["JUPYTER_DATA_DIR"] = str(run.root / ".jupyter" / "data")
    logs = run.root / "logs"
    logs.mkdir(exist_ok=True)
    start = time.monotonic()
    # A file, not a pipe: a process a submission leaves behind may hold the output open.
    with (logs / f"{name}.log").open("w") as out:
        process = subprocess.Popen(
            [str(NBGRADER), *args],
            cwd=run.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
    run.returncodes[name] = code
    run.seconds[name] = time.monotonic() - start


def marked_processes(marker):
    """``[(pid, command line)]`` of the live processes whose command line holds ``marker``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace")))
    return found


def survivors_after(marker, grace):
    deadline = time.monotonic() + grace
    while (found := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def kill_marked(marker):
    """Kill, by pid, the processes the submissions of this run left behind."""
    for pid, _ in marked_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def digests(root, *folders):
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def read_grades(run):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{run.root / 'gradebook.db'}") as gradebook:
        for student in run.submissions:
            try:
                notebook = gradebook.find_submission_notebook(A, A, student)
            except MissingEntry:
                run.grades[student] = None
                continue
            run.grades[student] = {
                g.name: Grade(g.score, g.max_score, bool(g.needs_manual_grade))
                for g in notebook.grades
            }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if shutil.which("bwrap") is None and not os.environ.get("CI"):
        pytest.skip("bubblewrap (bwrap) is not installed: apt install bubblewrap")
    root = tmp_path_factory.mktemp("trusted")
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A, ignore=IGNORED)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(BUDGETS)
    # A fixed grading secret (normally random per course), so the salted random cases, and
    # with them the diagnoses the feedback must show, are the same on every run.
    (root / ".grading-secret").write_text("test-secret\n", encoding="utf-8")
    solution = json.loads((root / "solutions" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    marker = uuid.uuid4().hex
    run = Run(root, solution, {}, marker)

    nbgrader(run, "generate_assignment", "generate_assignment", A, "--force")
    if run.returncodes["generate_assignment"] != 0:
        pytest.fail(f"generate_assignment failed:\n{run.log()}")
    release = json.loads((root / "exercises" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    run.submissions = battery.build_submissions(release, solution, marker=marker, course=root)
    for student, submission in run.submissions.items():
        submission.write(root / "submitted" / student / A)
    run.before = digests(root, "submitted", "solutions")

    try:
        nbgrader(run, "autograde", "autograde", A)
        run.survivors = survivors_after(marker, GRACE)
        kill_marked(marker)
        nbgrader(run, "generate_feedback", "generate_feedback", A)
    finally:
        kill_marked(marker)
    read_grades(run)
    # Shown with `pytest -s`: where the minutes go.
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in run.seconds.items()))
    return run


def full_marks(run):
    return sum(battery.points(run.solution).values())


def wrong_score(run):
    """W: what ``wrong`` scores, from the points of the cells its wrong functions cost."""
    broken = [w.name for w in battery.WRONG]
    return sum(battery.expected_grades(run.solution, broken).values())


def expected(run, student):
    """``{grade_id: score}`` the student must get, or None for a cheat (bounded by W)."""
    submission = run.submissions[student]
    if student == "invalid_json":
        return dict.fromkeys(battery.points(run.solution), 0.0)
    if student == "wrong":
        return battery.expected_grades(run.solution, [w.name for w in battery.WRONG])
    if submission.kind == "cheat":
        return None
    return battery.expected_grades(run.solution, submission.broken)


def scores(run, student):
    grades = run.grades[student]
    assert grades is not None, f"{student} has no graded notebook in the gradebook:\n{run.log()}"
    return {name: grade.score for name, grade in grades.items()}


def failures(run, student):
    """What the student's autograded notebook says about each failed cell (for messages)."""
    path = run.root / "autograded" / student / A / f"{A}.ipynb"
    if not path.is_file():
        return f"no autograded notebook for {student}"
    lines = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = " | ".join(output.get("evalue", "").splitlines())[:300]
                name = battery.grade_id(cell) or "(ungraded cell)"
                lines.append(f"{name}: {output.get('ename')}: {message}")
    return "\n".join(lines) or "no failed cell"


def test_autograde_exits_cleanly(run):
    assert run.returncodes["autograde"] == 0, f"nbgrader autograde failed:\n{run.log()}"
    assert run.returncodes["generate_feedback"] == 0, f"generate_feedback failed:\n{run.log()}"


def test_autograde_within_bound(run):
    assert run.returncodes["autograde"] is not None, f"killed after {BOUND} s:\n{run.log()}"
    assert run.seconds["autograde"] < BOUND


@pytest.mark.parametrize("student", battery.STUDENTS)
def test_every_grade_cell_is_graded_automatically(run, student):
    grades = run.grades[student]
    assert grades is not None, f"{student} has no graded notebook in the gradebook:\n{run.log()}"
    table = battery.points(run.solution)
    assert set(grades) == set(table), f"{student}: grade rows {sorted(grades)}"
    manual = [name for name, grade in grades.items() if grade.needs_manual_grade]
    assert manual == [], f"{student} needs manual grading of {manual}:\n{run.log(2000)}"
    assert {name: grade.max_score for name, grade in grades.items()} == table


def test_wrong_loses_points_the_correct_code_would_get(run):
    assert 0 < wrong_score(run) < full_marks(run)


@pytest.mark.parametrize("student", ["correct", "wrong"])
def test_base_scores_exactly(run, student):
    """Also what shows that no attacker changed another student's grade."""
    assert scores(run, student) == expected(run, student), failures(run, student)


@pytest.mark.parametrize("student", battery.CHEATS)
def test_cheat_scores_no_more_than_wrong(run, student):
    got = scores(run, student)
    assert sum(got.values()) <= wrong_score(run), f"{student} scored {got}"


@pytest.mark.parametrize("student", [*battery.FAULTY, *battery.NOTEBOOK_CASES])
def test_fault_or_damaged_notebook_scores_exactly(run, student):
    # The print flood scores full marks too: printing is not wrong, however much (the grader
    # caps what it keeps, it does not fail the function for it).
    assert scores(run, student) == expected(run, student), failures(run, student)


def test_unreadable_notebook_is_reported(run):
    path = run.root / "autograded" / "invalid_json" / A / f"{A}.ipynb"
    assert path.is_file(), f"no autograded notebook for invalid_json:\n{run.log()}"
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert "could not be read" in battery.source(first)


def test_no_process_outlives_grading(run):
    assert run.survivors == []


def test_nothing_written_into_other_students_or_solutions(run):
    after = digests(run.root, "submitted", "solutions")
    changed = sorted(
        name
        for name in run.before
        if run.before[name] != after.get(name)
        and not name.startswith(f"submitted/{battery.ATTACKER}/")
        and not name.startswith(tuple(f"submitted/{s}/" for s in NORMALISED))
    )
    assert changed == [], "changed or deleted by the grading run"
    # The grader may put a readable notebook in place of a renamed or unreadable one, but the
    # student's hand-in must stay there as it was.
    for student in NORMALISED:
        folder = f"submitted/{student}/"
        originals = {v for k, v in run.before.items() if k.startswith(folder)}
        kept = {v for k, v in after.items() if k.startswith(folder)}
        assert originals <= kept, f"{student}'s hand-in was lost"
    # What the gradebook attacker leaves, anywhere but in its own folders.
    planted = []
    for folder in ("submitted", "autograded", "feedback", "solutions"):
        for path in (run.root / folder).rglob("*"):
            parts = path.relative_to(run.root).parts
            if (len(parts) > 1 and parts[1] == battery.ATTACKER) or not path.is_file():
                continue
            if path.name == battery.TROPHY or battery.CORRUPTION.encode() in path.read_bytes():
                planted.append(str(path.relative_to(run.root)))
    assert planted == []


def test_gradebook_has_no_planted_triggers(run):
    import sqlite3

    connection = sqlite3.connect(f"file:{run.root / 'gradebook.db'}?mode=ro", uri=True)
    try:
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert [name for (name,) in triggers] == []
    finally:
        connection.close()


@pytest.mark.parametrize("student", battery.STUDENTS)
def test_feedback_is_small(run, student):
    path = run.root / "feedback" / student / A / f"{A}.html"
    assert path.is_file(), f"no feedback for {student}:\n{run.log()}"
    assert path.stat().st_size < MAX_FEEDBACK


def test_the_sandboxed_kernel_runs_a_correct_notebook_to_the_end(run):
    # The grades never depend on the kernel, so they cannot show that it ran: the outputs do.
    path = run.root / "autograded" / "correct" / A / f"{A}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("execution_count") for cell in code), "some cells never ran"
    text = json.dumps(notebook)
    assert "The kernel stopped" not in text
    # A demo cell's print, e.g. identity([-2, 0, 3]), came from the kernel.
    assert "[-2.  0.  3.]" in text


def test_a_kernel_stopped_by_a_fault_says_so(run):
    path = run.root / "autograded" / "sigint_immune" / A / f"{A}.ipynb"
    assert "The kernel stopped here" in path.read_text(encoding="utf-8")
