"""exercises/ is exactly what nbgrader generates from solutions/; the notebooks follow the rules.

The releases are regenerated once per session with the real ``nbgrader generate_assignment`` in
a temporary copy of the course (the repository's own ``nbgrader_config.py``, whose root is the
folder it sits in, so the copy is rooted in the temporary folder and its gradebook is a fresh
one there). What differs between two runs of nbgrader on the same source is only the cell ids
it invents for source cells that have none; those are ignored for such cells, so a cell id is
compared whenever the source notebook fixes it.

Rules checked on every assignment of DESIGN.md: both notebooks exist, each solution cell
defines exactly one function (named like its ``grade_id``), each test cell is locked and calls
``check(``, and the points of a notebook add up to 100. Both notebooks also run as a student
runs them (a kernel outside nbgrader, so the plots and widgets that skip themselves under the
autograder run too): the source with no error at all, the untouched release with errors only
in its test cells, each a ``CheckFailed`` saying "not implemented yet".

An assignment that is not written yet is skipped locally and fails under CI (the ``CI``
variable set): CI checks the finished course.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backproplab.grading import ASSIGNMENTS

pytestmark = pytest.mark.xdist_group(name="release")
REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
NBGRADER = Path(sys.executable).with_name("nbgrader")
# nbgrader's own default ignore list (CourseDirectory.ignore): never part of a release.
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")
TOTAL_POINTS = 100
CELL_TIMEOUT_S = 120


def written(assignment_id):
    """True if the assignment's source notebook exists; otherwise skip, or fail under CI."""
    if (SOLUTIONS / assignment_id / f"{assignment_id}.ipynb").is_file():
        return True
    message = f"solutions/{assignment_id}/{assignment_id}.ipynb is not written yet"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def nbgrader_cells(notebook):
    """``(cell, nbgrader metadata)`` for every cell that nbgrader tracks."""
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta:
            yield cell, meta


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def comparable(notebook, drop_ids):
    """The notebook as data, without the cell ids nbgrader invents afresh on every run."""
    notebook = json.loads(json.dumps(notebook))
    for index, cell in enumerate(notebook["cells"]):
        if index in drop_ids:
            cell.pop("id", None)
    return notebook


def tree(folder):
    """Relative paths of the files of a release folder, without nbgrader's ignored files."""
    files = set()
    for path in folder.rglob("*"):
        if path.is_file() and not any(
            part in (".ipynb_checkpoints", "__pycache__", "feedback") for part in path.parts
        ):
            if path.suffix != ".pyc":
                files.add(path.relative_to(folder).as_posix())
    return files


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """A fresh ``generate_assignment --force`` of every written assignment, in a temp course."""
    course = tmp_path_factory.mktemp("course")
    present = [a for a in ASSIGNMENTS if (SOLUTIONS / a / f"{a}.ipynb").is_file()]
    if not present:
        pytest.skip("no assignment is written yet")
    for assignment_id in present:
        shutil.copytree(
            SOLUTIONS / assignment_id, course / "solutions" / assignment_id, ignore=IGNORED
        )
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ)
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    env["PATH"] = f"{NBGRADER.parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter" / "config")  # no personal settings
    # One nbgrader process for all assignments: "*" is the same per-assignment conversion as
    # `make assignments` runs id by id, without paying nbgrader's start-up eight times.
    result = subprocess.run(
        [str(NBGRADER), "generate_assignment", "*", "--force"],
        cwd=course,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"nbgrader generate_assignment failed:\n{result.stderr}"
    return course / "exercises"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_source_and_release_notebooks_exist(assignment_id):
    written(assignment_id)
    release = EXERCISES / assignment_id / f"{assignment_id}.ipynb"
    assert release.is_file(), f"{release.relative_to(REPO)} is missing: run `make assignments`"


def test_every_folder_is_an_assignment_of_the_course():
    for folder in (SOLUTIONS, EXERCISES):
        for path in folder.iterdir():
            if path.is_dir():
                assert path.name in ASSIGNMENTS, (
                    f"{path.relative_to(REPO)} is not an assignment id of DESIGN.md"
                )
    for path in EXERCISES.iterdir():
        if path.is_dir():
            assert (SOLUTIONS / path.name).is_dir(), (
                f"exercises/{path.name} has no source in solutions/: a stale release"
            )


@pytest.mark.nbgrader
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_release_is_what_nbgrader_generates(assignment_id, regenerated):
    written(assignment_id)
    fresh, committed = regenerated / assignment_id, EXERCISES / assignment_id
    assert tree(committed) == tree(fresh), (
        f"exercises/{assignment_id} does not have the files nbgrader generates: "
        "run `make assignments`"
    )
    source_notebook = load(SOLUTIONS / assignment_id / f"{assignment_id}.ipynb")
    invented = {i for i, cell in enumerate(source_notebook["cells"]) if "id" not in cell}
    for name in sorted(tree(fresh)):
        if name.endswith(".ipynb"):
            same = comparable(load(committed / name), invented) == comparable(
                load(fresh / name), invented
            )
        else:
            same = (committed / name).read_bytes() == (fresh / name).read_bytes()
        assert same, (
            f"exercises/{assignment_id}/{name} differs from what nbgrader generates from "
            f"solutions/: run `make assignments` (never edit exercises/ by hand)"
        )


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_points_add_up_to_100(assignment_id, folder):
    written(assignment_id)
    path = REPO / folder / assignment_id / f"{assignment_id}.ipynb"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(REPO)} is missing: run `make assignments`")
    points = {
        meta["grade_id"]: meta.get("points", 0)
        for _, meta in nbgrader_cells(load(path))
        if meta.get("grade")
    }
    assert sum(points.values()) == TOTAL_POINTS, (
        f"{path.relative_to(REPO)}: points add up to {sum(points.values())}, "
        f"not {TOTAL_POINTS}: {points}"
    )


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_test_cell_is_locked_and_calls_check(assignment_id):
    written(assignment_id)
    notebook = load(SOLUTIONS / assignment_id / f"{assignment_id}.ipynb")
    tests = [(cell, meta) for cell, meta in nbgrader_cells(notebook) if meta.get("grade")]
    assert tests, f"{assignment_id}: no graded test cell"
    for cell, meta in tests:
        assert cell["cell_type"] == "code", f"{assignment_id}: {meta['grade_id']} is not code"
        assert meta.get("locked") is True, f"{assignment_id}: {meta['grade_id']} is not locked"
        assert not meta.get("solution"), f"{assignment_id}: {meta['grade_id']} is a solution"
        assert "check(" in source(cell), (
            f"{assignment_id}: test cell {meta['grade_id']} does not call check(...)"
        )


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_each_solution_cell_defines_exactly_one_function(assignment_id):
    written(assignment_id)
    notebook = load(SOLUTIONS / assignment_id / f"{assignment_id}.ipynb")
    solutions = [(cell, meta) for cell, meta in nbgrader_cells(notebook) if meta.get("solution")]
    assert solutions, f"{assignment_id}: no solution cell"
    for cell, meta in solutions:
        assert cell["cell_type"] == "code", f"{assignment_id}: {meta['grade_id']} is not code"
        body = ast.parse(source(cell)).body
        names = [
            node.name for node in body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        assert len(body) == 1 and len(names) == 1, (
            f"{assignment_id}: solution cell {meta['grade_id']} must hold exactly one function "
            f"definition and nothing else; it has {len(body)} statement(s), functions {names}"
        )
        assert names[0] == meta["grade_id"], (
            f"{assignment_id}: solution cell {meta['grade_id']!r} defines {names[0]!r}"
        )


# Runs in a child process: nbclient's event loops and sockets, left for the garbage collector,
# would otherwise meet this suite's `filterwarnings = error` as ResourceWarnings.
STUDENT_RUNNER = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import nbformat
from nbclient import NotebookClient

def run(job):
    path, workdir, timeout = job
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True).execute(
        cwd=workdir
    )
    return [
        [cell.metadata.get("nbgrader", {}).get("grade_id", index), out.ename, out.evalue]
        for index, cell in enumerate(notebook.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]

jobs = json.loads(sys.argv[1])
# Two kernels at a time: most of a run is waiting for a kernel to start.
with ThreadPoolExecutor(max_workers=2) as pool:
    print(json.dumps(list(pool.map(run, jobs))))
"""


@pytest.fixture(scope="module")
def student_runs(tmp_path_factory):
    """``{(assignment id, folder): [(grade_id or cell index, exception, message)]}`` for every
    written source and release notebook, each run in a fresh kernel in a copy of its folder."""
    keys = [
        (a, folder)
        for a in ASSIGNMENTS
        for folder in ("solutions", "exercises")
        if (REPO / folder / a / f"{a}.ipynb").is_file()
    ]
    if not keys:
        pytest.skip("no assignment is written yet")
    scratch = tmp_path_factory.mktemp("student")
    jobs = []
    for a, folder in keys:
        workdir = scratch / folder / a
        shutil.copytree(REPO / folder / a, workdir, ignore=IGNORED)
        jobs.append((str(workdir / f"{a}.ipynb"), str(workdir), CELL_TIMEOUT_S))
    env = dict(os.environ)
    env.pop("NBGRADER_EXECUTION", None)  # the kernels run as a student's, not the autograder's
    result = subprocess.run(
        [sys.executable, "-c", STUDENT_RUNNER, json.dumps(jobs)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, f"running the notebooks failed:\n{result.stderr[-6000:]}"
    errors = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: [tuple(e) for e in found] for key, found in zip(keys, errors, strict=True)}


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_source_notebook_runs_without_an_error(assignment_id, student_runs):
    written(assignment_id)
    errors = student_runs[(assignment_id, "solutions")]
    assert errors == [], f"solutions/{assignment_id}: {errors}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_untouched_release_fails_only_its_tests_and_says_not_implemented(
    assignment_id, student_runs
):
    written(assignment_id)
    key = (assignment_id, "exercises")
    if key not in student_runs:
        pytest.fail(f"exercises/{assignment_id} is missing: run `make assignments`")
    release = load(EXERCISES / assignment_id / f"{assignment_id}.ipynb")
    tests = {meta["grade_id"] for _, meta in nbgrader_cells(release) if meta.get("grade")}
    errors = student_runs[key]
    crashed = [e for e in errors if e[0] not in tests or e[1] != "CheckFailed"]
    assert crashed == [], f"exercises/{assignment_id}: cells other than checks failed: {crashed}"
    assert {e[0] for e in errors} == tests, f"test cells that did not fail: {errors}"
    for cell, _, message in errors:
        assert "not implemented yet" in message, f"{assignment_id} {cell}: {message}"
