"""A temporary course with many submissions to one assignment, for the batch-grading tests
(``test_grading_batch.py``) and benchmark (``benchmarks/bench_parallel_autograde.py``).

The course is built like the pipeline test's (``test_nbgrader_pipeline.py``, whose notebook
helpers this module imports): a copy of ``solutions/<id>/`` and of the repository's
``nbgrader_config.py`` (rooted wherever it is copied), a fixed ``.grading-secret`` so the
salted random cases are the same in every gradebook, and ``nbgrader generate_assignment``.
Each submission is the release notebook with some solution cells filled in: the reference, a
mutant from ``tests/checks/mutants/<id>.toml``, or the untouched stub.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # the benchmark runs from tests/benchmarks/
    sys.path.insert(0, str(TESTS))

import support  # noqa: E402
from support.notebooks import (  # noqa: E402
    IGNORED,
    SOLUTION_MARKER,
    grade_id,
    load,
    solution_cells,
    source,
    submission,
)
from support.solutions import load_bank  # noqa: E402

REPO = TESTS.parent
BIN = Path(sys.executable).parent
NBGRADER = BIN / "nbgrader"


def course_env(root):
    """The environment every grading command of the course runs with.

    ``alembic`` (which nbgrader may run) on PATH, no personal Jupyter settings or kernel specs
    (the venv's own python3 kernel grades), and one BLAS thread per process, as ``make bench``.
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(Path(root) / ".jupyter" / "config")
    env["JUPYTER_DATA_DIR"] = str(Path(root) / ".jupyter" / "data")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def make_course(root, assignment_id):
    """Copy the assignment and the config into ``root`` (created) and fix the grading secret."""
    root = Path(root)
    shutil.copytree(
        REPO / "solutions" / assignment_id,
        root / "solutions" / assignment_id,
        ignore=IGNORED,
    )
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / ".grading-secret").write_text("test-secret\n", encoding="utf-8")
    return root


def run_in_course(root, command, timeout=1800):
    """``command`` in the course folder with :func:`course_env`; the CompletedProcess (output
    captured, no stdin). It runs in a session of its own, ended whole (kernels included) on a
    timeout or an interruption."""
    return support.run(
        command,
        cwd=root,
        env=course_env(root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )


def run_nbgrader(root, *args, timeout=1800):
    """``nbgrader <args>`` in the course folder; the CompletedProcess (output captured)."""
    return run_in_course(root, [NBGRADER, *args], timeout=timeout)


def run_batch(root, *args, timeout=1800):
    """``python -m trustedgrading.batch <args>`` in the course folder."""
    return run_in_course(
        root, [sys.executable, "-m", "trustedgrading.batch", *args], timeout=timeout
    )


def reference_answers(root, assignment_id):
    """``{grade_id: source}`` of every solution cell, without the solution markers."""
    solution = load(Path(root) / "solutions" / assignment_id / f"{assignment_id}.ipynb")
    return {
        grade_id(cell): "".join(
            line for line in source(cell).splitlines(True) if not SOLUTION_MARKER.match(line)
        )
        for cell in solution_cells(solution)
    }


def mutants(assignment_id):
    """The mutants of the assignment's bank, each ``{"function", "source", "message", ...}``
    with its source materialised (see ``support.solutions``)."""
    return load_bank(assignment_id).mutants


def varied_answers(answers, bank, count):
    """``count`` students' answers, each ``{grade_id: source}`` (missing: left as the stub).

    Student 1 hands in the untouched release; every other student, by ``index % 4``: 0 the
    reference, 1 one mutant, 2 the first few functions only (a different number each time),
    3 two mutants of different functions. Deterministic, so the scores differ from student
    to student and from cell to cell in a known, repeatable way.
    """
    functions = list(answers)
    chosen = []
    for index in range(count):
        kind = index % 4
        if index == 1:
            chosen.append({})
        elif kind == 0:
            chosen.append(dict(answers))
        elif kind == 1:
            mutant = bank[(7 * index) % len(bank)]
            chosen.append({**answers, mutant["function"]: mutant["source"]})
        elif kind == 2:
            kept = 1 + (index // 4) % (len(functions) - 1)
            chosen.append({f: answers[f] for f in functions[:kept]})
        else:
            first = bank[(5 * index) % len(bank)]
            second = next(
                m
                for m in bank[(11 * index) % len(bank) :] + bank
                if m["function"] != first["function"]
            )
            chosen.append(
                {
                    **answers,
                    first["function"]: first["source"],
                    second["function"]: second["source"],
                }
            )
    return chosen


def mostly_reference_answers(answers, bank, count):
    """``count`` students for the benchmark: every 5th a mutant, every 20th blank, else the
    reference (a class where most work is right, graded at its real cost)."""
    chosen = []
    for index in range(count):
        if index % 20 == 19:
            chosen.append({})
        elif index % 5 == 4:
            mutant = bank[(7 * index) % len(bank)]
            chosen.append({**answers, mutant["function"]: mutant["source"]})
        else:
            chosen.append(dict(answers))
    return chosen


def student_name(index):
    return f"student{index:03d}"


def hand_in(root, assignment_id, chosen):
    """Write one submission per entry of ``chosen``; returns the student ids, in order."""
    root = Path(root)
    release = load(root / "exercises" / assignment_id / f"{assignment_id}.ipynb")
    students = []
    for index, sources in enumerate(chosen):
        student = student_name(index)
        folder = root / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        notebook = submission(release, sources)
        (folder / f"{assignment_id}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        students.append(student)
    return students


def recorded_grades(db_url, assignment_id, course_id="backprop-lab"):
    """``{student: {grade_id: (score, auto_score)}}`` for every submission in the gradebook."""
    grades = {}
    with Gradebook(db_url, course_id) as gb:
        for found in gb.find_assignment(assignment_id).submissions:
            cells = {}
            for notebook in found.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = (grade.score, grade.auto_score)
            grades[found.student.id] = cells
    return grades


def run_batch_cli(root, *args):
    """``run_batch`` with the 600 s timeout of tests/engine/test_batch*.py."""
    return run_batch(root, *args, timeout=600)
