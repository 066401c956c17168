"""The reference solutions as code: each assignment's solution namespace, and running a check
on it (in process, or sandboxed as ``nbgrader autograde`` does). The mutation tests, the checks'
tests and ``make mutation-report`` share these."""

import ast
import functools
import json
import runpy
import warnings
from pathlib import Path

import numpy as np

from backproplab.grading import CheckFailed, check
from trustedgrading.nbgrader.extract import function_source
from trustedgrading.runner import run_test_cell
from trustedgrading.sandbox.launch import Limits

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
BANKS = REPO / "tests" / "checks" / "mutants"
# Statements that only define things; anything else in a cell (a plot, a demo run) is skipped.
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def notebook_path(assignment_id):
    return SOLUTIONS / assignment_id / f"{assignment_id}.ipynb"


def load_bank(assignment_id):
    """``(mutants, alternatives)`` of an assignment's bank, or ``None`` without a bank."""
    path = BANKS / f"{assignment_id}.py"
    if not path.is_file():
        return None
    bank = runpy.run_path(str(path))
    return list(bank.get("MUTANTS", [])), list(bank.get("ALTERNATIVES", []))


def _is_definition(node):
    if isinstance(node, DEFINITIONS):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        try:
            ast.literal_eval(node.value)
        except ValueError:
            return False
        return True
    return False


def _definitions(code, filename):
    """The cell's top-level definitions, compiled, with IPython magics and shell lines removed."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    tree = ast.parse("\n".join(lines), filename=filename)
    tree.body = [node for node in tree.body if _is_definition(node)]
    return compile(tree, filename, "exec")


def _notebook(assignment_id):
    return json.loads(notebook_path(assignment_id).read_text(encoding="utf-8"))


def solution_functions(assignment_id):
    """The graded functions (the solution cells' ``grade_id``), in notebook order."""
    return [
        cell["metadata"]["nbgrader"]["grade_id"]
        for cell in _notebook(assignment_id)["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


@functools.cache
def _solution(assignment_id):
    namespace = {"__name__": f"solutions_{assignment_id}", "np": np}
    for index, cell in enumerate(_notebook(assignment_id)["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or meta.get("grade"):
            continue
        if not (meta.get("solution") or meta.get("locked")):
            continue
        code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        name = f"<{assignment_id} cell {index}: {meta.get('grade_id', '')}>"
        # The notebook's own imports (matplotlib, widgets) may warn; that is not under test.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(_definitions(code, name), namespace)
    return namespace


def solution_namespace(assignment_id):
    """A fresh copy of the reference solution's namespace (functions are shared, not copied)."""
    return dict(_solution(assignment_id))


def run_check(assignment_id, function, source=None):
    """Check the solution's ``function``, or ``source`` run on top of the solution.

    Returns ``None`` when the check passes, else the ``CheckFailed`` message.
    """
    namespace = solution_namespace(assignment_id)
    if source is not None:
        exec(compile(source, f"<{assignment_id} {function} variant>", "exec"), namespace)
    try:
        check(f"{assignment_id}.{function}", namespace[function], hidden=True)
    except CheckFailed as failure:
        return str(failure)
    return None


def run_check_sandboxed(assignment_id, function, source=None):
    """:func:`run_check` as ``nbgrader autograde`` runs it: the function's source is taken from
    the notebook's cells (plus ``source`` as a last cell) and run in a sandboxed child."""
    cells = [
        (index, "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"])
        for index, cell in enumerate(_notebook(assignment_id)["cells"])
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("grade")
    ]
    if source is not None:
        cells.append((len(cells) + 1000, source))
    ok, text, _ = run_test_cell(
        [(f"{assignment_id}.{function}", function, True)],
        {function: function_source(cells, function)},
        Limits(),
    )
    return None if ok else text


MODES = {"in-process": run_check, "sandboxed": run_check_sandboxed}
