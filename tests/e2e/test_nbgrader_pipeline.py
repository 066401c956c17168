"""The instructor's pipeline, end to end, with the real nbgrader CLI and its SQLite gradebook.

A temporary course gets a copy of ``solutions/`` and of the repository's ``nbgrader_config.py``
(whose root is the folder it sits in, so the copy is rooted in the temporary folder, gradebook
included). Then, as an instructor would: ``generate_assignment``; three submissions per
assignment in ``submitted/<student>/<id>/``; ``autograde``; ``generate_feedback``; ``export``.

The students, each a copy of the release notebook:

- ``reference`` fills every solution cell with the reference solution: it must score 100;
- ``blank`` hands the release in untouched: it must score 0, with every test cell failing on
  ``CheckFailed`` ("not implemented yet"), never on a crash of the notebook;
- ``partial`` is the reference with one graded function replaced by a wrong version, a mutant
  from ``tests/checks/mutants/<id>.toml`` (or, without a bank, a function returning None): its
  score lies strictly between 0 and 100 and its feedback names the mistake;
- one more student for each variant of the bank marked ``pipeline = true``, named after it
  (``mutant_train_cnn_3``): a mutant fails its function's test cell with its message, as
  ``partial`` does; a ``partial`` variant (partial credit) passes its test cell for part of its
  points, the cell's result, with its message in the feedback. Either way the score lies
  strictly between 0 and 100.

Every nbgrader command runs once for all assignments and students (nbgrader's start-up costs
seconds; notebooks cost about one kernel start each). Assignments not written yet are skipped
locally and fail under CI (the ``CI`` variable set).
"""

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.notebooks import (
    IGNORED,
    SOLUTION_MARKER,
    grade_id,
    load,
    solution_cells,
    source,
    submission,
)
from support.solutions import load_bank

from backproplab.grading import ASSIGNMENTS

pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group(name="pipeline")]

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
NBGRADER = Path(sys.executable).with_name("nbgrader")
STUDENTS = ("reference", "blank", "partial")
NOT_IMPLEMENTED = re.compile(r"not implemented yet", re.IGNORECASE)


def written(assignment_id):
    return (SOLUTIONS / assignment_id / f"{assignment_id}.ipynb").is_file()


@dataclass
class Wrong:
    """The wrong version of one graded function that the ``partial`` student hands in."""

    function: str
    source: str
    message: str  # a regex its feedback must match


@dataclass
class Extra:
    """A student who hands in a variant that the bank marks ``pipeline = true``."""

    student: str
    kind: str  # "mutant" (fails its test cell) or "partial" (part of the cell's points)
    wrong: Wrong


@dataclass
class Course:
    root: Path
    assignments: list
    wrong: dict = field(default_factory=dict)  # assignment id -> Wrong
    extra: dict = field(default_factory=dict)  # assignment id -> [Extra]
    logs: dict = field(default_factory=dict)  # command -> CompletedProcess
    grades: dict = field(default_factory=dict)  # (assignment id, student) -> (score, max)
    seconds: dict = field(default_factory=dict)  # command -> wall-clock seconds

    def log(self):
        return "\n".join(
            f"$ nbgrader {name} (exit {result.returncode}, {self.seconds[name]:.0f} s)\n"
            f"{result.stderr[-6000:]}"
            for name, result in self.logs.items()
        )


def nbgrader(course, name, *args):
    """Start ``nbgrader <args>`` in the course folder; the caller waits for it."""
    env = dict(os.environ)
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    env["PATH"] = f"{NBGRADER.parent}{os.pathsep}{env.get('PATH', '')}"
    # No personal nbgrader settings or kernel specs: the venv's own python3 kernel grades.
    env["JUPYTER_CONFIG_DIR"] = str(course.root / ".jupyter" / "config")
    env["JUPYTER_DATA_DIR"] = str(course.root / ".jupyter" / "data")
    return (
        name,
        time.monotonic(),
        subprocess.Popen(
            [str(NBGRADER), *args],
            cwd=course.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    )


def wait(course, *started):
    for name, start, process in started:
        try:
            stdout, stderr = process.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            stderr += "\n(killed after 900 s)"
        course.logs[name] = subprocess.CompletedProcess(
            process.args, process.returncode, stdout, stderr
        )
        course.seconds[name] = time.monotonic() - start


def wrong_version(assignment_id, release, solution):
    """A mutant of the last graded function that has one (nothing later in the notebook calls
    it, so only its own test cell fails), or a function returning None without a bank."""
    functions = [grade_id(cell) for cell in solution_cells(solution)]
    bank = load_bank(assignment_id)
    mutants = bank.mutants if bank else []
    for function in reversed(functions):
        for mutant in mutants:
            if mutant["function"] == function:
                return Wrong(function, mutant["source"], mutant["message"])
    stub = next(c for c in solution_cells(release) if grade_id(c) == functions[-1])
    return Wrong(
        functions[-1],
        source(stub).replace("raise NotImplementedError()", "return None"),
        rf"{functions[-1]}\b.*\bNone\b",
    )


def flagged_variants(assignment_id):
    """An :class:`Extra` for each mutant and partial-credit variant marked ``pipeline = true``."""
    bank = load_bank(assignment_id)
    extra = []
    for kind, variants in (
        ("mutant", bank.mutants if bank else []),
        ("partial", bank.partial if bank else []),
    ):
        counts = {}
        for variant in variants:
            k = counts[variant["function"]] = counts.get(variant["function"], 0) + 1
            if variant.get("pipeline"):
                wrong = Wrong(variant["function"], variant["source"], variant["message"])
                extra.append(Extra(f"{kind}_{variant['function']}_{k}", kind, wrong))
    return extra


def hand_in(course, assignment_id):
    release = load(course.root / "exercises" / assignment_id / f"{assignment_id}.ipynb")
    solution = load(course.root / "solutions" / assignment_id / f"{assignment_id}.ipynb")
    answers = {
        grade_id(cell): "".join(
            line for line in source(cell).splitlines(True) if not SOLUTION_MARKER.match(line)
        )
        for cell in solution_cells(solution)
    }
    wrong = course.wrong[assignment_id] = wrong_version(assignment_id, release, solution)
    notebooks = {
        "reference": submission(release, answers),
        "blank": release,
        "partial": submission(release, {**answers, wrong.function: wrong.source}),
    }
    course.extra[assignment_id] = flagged_variants(assignment_id)
    for extra in course.extra[assignment_id]:
        variant = {**answers, extra.wrong.function: extra.wrong.source}
        notebooks[extra.student] = submission(release, variant)
    for student, notebook in notebooks.items():
        folder = course.root / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        (folder / f"{assignment_id}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


def selected_assignments(session):
    """The written assignments whose tests this session runs (a `-k` run grades fewer)."""
    chosen = {
        item.callspec.params["assignment_id"]
        for item in session.items
        if item.module.__name__ == __name__ and hasattr(item, "callspec")
    }
    return [a for a in ASSIGNMENTS if a in chosen and written(a)]


@pytest.fixture(scope="module")
def course(request, tmp_path_factory):
    assignments = selected_assignments(request.session)
    if not assignments:
        pytest.skip("no assignment is written yet")
    course = Course(tmp_path_factory.mktemp("course"), assignments)
    for assignment_id in assignments:
        shutil.copytree(
            SOLUTIONS / assignment_id, course.root / "solutions" / assignment_id, ignore=IGNORED
        )
    shutil.copy(REPO / "nbgrader_config.py", course.root / "nbgrader_config.py")
    # A fixed grading secret (normally random per course), so the salted random cases, and
    # with them the diagnoses the feedback must show, are the same on every run.
    (course.root / ".grading-secret").write_text("test-secret\n", encoding="utf-8")
    pattern = assignments[0] if len(assignments) == 1 else "*"

    wait(course, nbgrader(course, "generate_assignment", "generate_assignment", pattern, "--force"))
    if course.logs["generate_assignment"].returncode != 0:
        pytest.fail(f"generate_assignment failed:\n{course.log()}")
    for assignment_id in assignments:
        hand_in(course, assignment_id)
    # One nbgrader process grades every assignment: the batch grader
    # (trustedgrading.batch.grader, tests/engine/test_batch.py) parallelises one assignment.
    wait(course, nbgrader(course, "autograde", "autograde", pattern))
    grades_csv = course.root / "grades.csv"
    wait(
        course,
        nbgrader(course, "generate_feedback", "generate_feedback", pattern),
        nbgrader(course, "export", "export", f"--to={grades_csv}"),
    )
    if grades_csv.is_file():
        with grades_csv.open(newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["assignment"], row["student_id"])
                course.grades[key] = (float(row["score"]), float(row["max_score"]))
    # Shown with `pytest -s`: where the minutes go, and the grades.
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in course.seconds.items()))
    print(", ".join(f"{a} {s} {g[0]:g}" for (a, s), g in sorted(course.grades.items())))
    return course


def feedback_text(course, assignment_id, student):
    """The text a student reads in their feedback page (tags removed, entities decoded)."""
    path = course.root / "feedback" / student / assignment_id / f"{assignment_id}.html"
    assert path.is_file(), f"no feedback for {student} in {assignment_id}:\n{course.log()}"
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def autograded_cells(course, assignment_id, student):
    """The cells of a student's autograded notebook."""
    path = course.root / "autograded" / student / assignment_id / f"{assignment_id}.ipynb"
    assert path.is_file(), f"{student}'s {assignment_id} was not autograded:\n{course.log()}"
    return load(path)["cells"]


def failures(course, assignment_id, student):
    """``{grade_id: (exception name, message)}`` for the failed cells of a graded notebook."""
    failed = {}
    for cell in autograded_cells(course, assignment_id, student):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                key = grade_id(cell) or f"<ungraded cell {source(cell)[:60]!r}>"
                failed[key] = (output["ename"], output["evalue"])
    return failed


def test_every_assignment_is_written():
    missing = [a for a in ASSIGNMENTS if not written(a)]
    if missing and os.environ.get("CI"):
        pytest.fail(f"assignments not written: {', '.join(missing)}")
    if missing:
        pytest.skip(f"not written yet: {', '.join(missing)}")


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_autograde_feedback_and_export(assignment_id, request):
    if not written(assignment_id):
        message = f"solutions/{assignment_id}/{assignment_id}.ipynb is not written yet"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    course = request.getfixturevalue("course")
    for name, result in course.logs.items():
        assert result.returncode == 0, f"nbgrader {name} failed:\n{course.log()}"
    grade = {s: course.grades.get((assignment_id, s)) for s in STUDENTS}
    assert all(grade.values()), f"grades.csv lacks {assignment_id}: {grade}\n{course.log()}"

    # The reference scores full marks and runs without a single error.
    assert failures(course, assignment_id, "reference") == {}
    assert grade["reference"] == (100.0, 100.0), grade

    # The untouched release scores 0, and every test cell fails on a check, not on a crash.
    failed = failures(course, assignment_id, "blank")
    release = load(course.root / "exercises" / assignment_id / f"{assignment_id}.ipynb")
    tests = [
        grade_id(c)
        for c in release["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    ]
    assert {k: ename for k, (ename, _) in failed.items()} == dict.fromkeys(tests, "CheckFailed")
    assert all(NOT_IMPLEMENTED.search(message) for _, message in failed.values()), failed
    assert grade["blank"][0] == 0.0, grade
    text = feedback_text(course, assignment_id, "blank")
    for _, message in failed.values():
        assert " ".join(message.split()) in text, f"the blank feedback lacks {message!r}"

    # One wrong function: partial credit, and the feedback names the mistake.
    wrong = course.wrong[assignment_id]
    failed = failures(course, assignment_id, "partial")
    ename, message = failed.get(f"test_{wrong.function}", (None, ""))
    assert ename == "CheckFailed", failed
    assert re.search(wrong.message, message, re.IGNORECASE), (
        f"the message on the wrong {wrong.function} does not match {wrong.message!r}: {message}"
    )
    assert 0.0 < grade["partial"][0] < 100.0, grade
    text = feedback_text(course, assignment_id, "partial")
    assert " ".join(message.split()) in text, f"the partial feedback lacks {message!r}"


# Only the assignments whose bank hands in variants of their own: a test for the others would
# have nothing to run, and a skip would read as something missing.
@pytest.mark.parametrize(
    "assignment_id", [a for a in ASSIGNMENTS if written(a) and flagged_variants(a)]
)
def test_the_wrong_submissions_the_bank_names_are_graded_and_explained(assignment_id, request):
    course = request.getfixturevalue("course")
    for extra in course.extra[assignment_id]:
        student, wrong = extra.student, extra.wrong
        grade = course.grades.get((assignment_id, student))
        assert grade and 0.0 < grade[0] < 100.0, f"{student}: {grade}\n{course.log()}"
        cell_id = f"test_{wrong.function}"
        failed = failures(course, assignment_id, student)
        if extra.kind == "mutant":
            ename, message = failed.get(cell_id, (None, ""))
            assert ename == "CheckFailed", (student, failed)
            assert re.search(wrong.message, message, re.IGNORECASE), (student, message)
        else:
            assert cell_id not in failed, (student, failed[cell_id])
            [cell] = [
                c
                for c in autograded_cells(course, assignment_id, student)
                if grade_id(c) == cell_id
            ]
            outputs = {o["output_type"]: o for o in cell["outputs"]}
            message = source({"source": outputs["stream"]["text"]})
            assert re.search(wrong.message, message, re.IGNORECASE), (student, message)
            earned = float(source({"source": outputs["execute_result"]["data"]["text/plain"]}))
            points = cell["metadata"]["nbgrader"]["points"]
            assert 0.0 < earned < points, (student, earned, points)
        assert " ".join(message.split()) in feedback_text(course, assignment_id, student), student
