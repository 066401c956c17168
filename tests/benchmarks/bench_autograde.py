"""Autograding time per submission, against an empty notebook graded the same way.

Run with ``python tests/benchmarks/bench_autograde.py [rounds]`` (``make bench``). A report,
not a test: it prints the ratios and always exits 0.

A temporary course holds every written assignment of ``solutions/`` and a *floor* assignment
whose notebook is one graded cell (``assert True``): a kernel start plus nbgrader's own work
per notebook, the least any submission can cost. Each submission is the release notebook
with the reference solution filled in (every check runs, hidden cases included). Grading uses
nbgrader's Python API in this process, one ``autograde`` call per submission, so nbgrader's
start-up is paid once and not counted; the kernel start and everything per notebook is. The
rounds interleave the assignments (floor, ch01, ch02, ..., floor, ch01, ...) so a busy moment
of the machine hits all of them alike; each figure is the median over the rounds.

Target: at most 1.5 times the floor per assignment. Below the table, the slowest cells of
each reference notebook show where the time goes (one extra run with nbclient's cell timings,
with ``NBGRADER_EXECUTION=autograde`` as nbgrader sets it, so cells that skip themselves under
the autograder are skipped here too).
"""

import os
import sys

# Single-threaded BLAS in the kernels too (they inherit the environment).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import contextlib  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbgrader.apps import NbGraderAPI  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from backproplab.grading import ASSIGNMENTS  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
FLOOR = "floor"
TARGET = 1.5
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
SLOW_CELL = 0.2  # seconds; cells slower than this are listed


def floor_notebook():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_floor",
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    notebook.cells = [cell]
    return notebook


def solution_cells(notebook):
    return [
        c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def cell_source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def reference_submission(course, assignment_id):
    """The release notebook with every solution cell filled in, as a student would hand it in."""
    name = f"{assignment_id}.ipynb"
    release = json.loads((course / "exercises" / assignment_id / name).read_text())
    solution = json.loads((course / "solutions" / assignment_id / name).read_text())
    answers = {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(
            line for line in cell_source(c).splitlines(True) if not SOLUTION_MARKER.match(line)
        )
        for c in solution_cells(solution)
    }
    for cell in solution_cells(release):
        cell["source"] = answers[cell["metadata"]["nbgrader"]["grade_id"]]
    return json.dumps(release)


@contextlib.contextmanager
def kernel_stderr_silenced():
    """Kernels inherit file descriptor 2 and print a warning each; keep the report readable."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def slowest_cells(submission, cwd):
    """``[(seconds, first line)]`` of the cells slower than SLOW_CELL, slowest first."""
    notebook = nbformat.reads(submission, as_version=4)
    # As under autograde, where nbgrader sets this and the notebooks skip their plots.
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute(
            cwd=str(cwd)
        )
    finally:
        del os.environ["NBGRADER_EXECUTION"]
    slow = []
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
            continue
        start, end = (
            datetime.datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
            for k in ("iopub.execute_input", "shell.execute_reply")
        )
        seconds = (end - start).total_seconds()
        if seconds > SLOW_CELL:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            slow.append((seconds, first[:60]))
    return sorted(slow, reverse=True)


def main():
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    assignments = [a for a in ASSIGNMENTS if (SOLUTIONS / a / f"{a}.ipynb").is_file()]
    if not assignments:
        print("no assignment is written yet: nothing to measure")
        return
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        course = Path(tmp)
        # No personal nbgrader settings or kernel specs: the venv's own python3 kernel grades.
        os.environ["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter" / "config")
        os.environ["JUPYTER_DATA_DIR"] = str(course / ".jupyter" / "data")
        for assignment_id in assignments:
            shutil.copytree(
                SOLUTIONS / assignment_id,
                course / "solutions" / assignment_id,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
            )
        (course / "solutions" / FLOOR).mkdir()
        nbformat.write(floor_notebook(), course / "solutions" / FLOOR / f"{FLOOR}.ipynb")
        shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        api = NbGraderAPI(config=config)

        ids = [FLOOR, *assignments]
        for assignment_id in ids:
            result = api.generate_assignment(assignment_id, force=True)
            if not result["success"]:
                sys.exit(f"generate_assignment {assignment_id} failed:\n{result.get('log')}")
        for round_ in range(ROUNDS):
            for assignment_id in ids:
                folder = course / "submitted" / f"student{round_}" / assignment_id
                folder.mkdir(parents=True)
                if assignment_id == FLOOR:
                    shutil.copy(course / "exercises" / FLOOR / f"{FLOOR}.ipynb", folder)
                else:
                    text = reference_submission(course, assignment_id)
                    (folder / f"{assignment_id}.ipynb").write_text(text)

        seconds = {assignment_id: [] for assignment_id in ids}
        slow = {}
        with kernel_stderr_silenced():
            for round_ in range(ROUNDS):
                for assignment_id in ids:
                    started = time.perf_counter()
                    result = api.autograde(assignment_id, f"student{round_}")
                    seconds[assignment_id].append(time.perf_counter() - started)
                    if not result["success"]:
                        sys.exit(f"autograde {assignment_id} failed:\n{result.get('log')}")
            for assignment_id in assignments:
                submission = reference_submission(course, assignment_id)
                slow[assignment_id] = slowest_cells(
                    submission, course / "exercises" / assignment_id
                )

    floor = statistics.median(seconds[FLOOR])
    print(f"autograde per submission, median of {ROUNDS} rounds, against an empty notebook")
    print(f"{'assignment':<26}{'seconds':>9}{'x floor':>9}  target <= {TARGET}x")
    print(f"{'floor (one cell)':<26}{floor:>9.2f}{1:>9.2f}")
    for assignment_id in assignments:
        median = statistics.median(seconds[assignment_id])
        ratio = median / floor
        verdict = "PASS" if ratio <= TARGET else "MISS"
        print(f"{assignment_id:<26}{median:>9.2f}{ratio:>9.2f}  {verdict}")
    print(f"\ncells slower than {SLOW_CELL} s in each reference notebook (one nbclient run):")
    for assignment_id in assignments:
        cells = ", ".join(f"{t:.2f} s `{line}`" for t, line in slow[assignment_id]) or "none"
        print(f"  {assignment_id}: {cells}")
    missing = [a for a in ASSIGNMENTS if a not in assignments]
    if missing:
        print(f"not written yet: {', '.join(missing)}")


if __name__ == "__main__":
    main()
