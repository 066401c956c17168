"""Mutation testing of the graders: every known-wrong implementation must fail its check.

For each assignment with a bank ``tests/grading_mutants/<id>.py`` (``MUTANTS`` and
``ALTERNATIVES``, plain data; format in the grading API brief):

- the namespace of the reference solution is built from ``solutions/<id>/<id>.ipynb``: the
  definitions (imports, functions, classes, constants) of its solution cells and of its locked,
  ungraded cells (the setup cell, helpers the graded functions may call), executed in order with
  ``np`` available and IPython magics skipped; test cells, worked examples and plots are not run;
- each graded function of the solution passes ``check("<id>.<function>", fn, hidden=True)``;
- each mutant, executed on top of that namespace (replacing its one function), makes the check
  raise ``CheckFailed`` with a message matching the mutant's regex (``re.search``, case
  insensitive);
- each alternative passes.

Every mutant and alternative is its own test, named ``<id>-<function>-mutant<k>``.
``python tests/grading_mutants/report.py`` (``make mutation-report``) prints the catch rate.
"""

import ast
import functools
import json
import os
import re
import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest

from backproplab.grading import ASSIGNMENTS, CheckFailed, check, graded_functions
from backproplab.grading.extract import function_source
from backproplab.grading.sandbox import Limits
from backproplab.grading.trusted import run_test_cell

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
BANKS = Path(__file__).resolve().parent / "grading_mutants"
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


def _variants(kind):
    """``pytest.param(assignment_id, entry)`` for every mutant or alternative of every bank."""
    params = []
    for assignment_id in ASSIGNMENTS:
        bank = load_bank(assignment_id)
        if bank is None:
            continue
        entries = bank[0] if kind == "mutant" else bank[1]
        seen = {}
        for entry in entries:
            k = seen[entry["function"]] = seen.get(entry["function"], 0) + 1
            test_id = f"{assignment_id}-{entry['function']}-{kind}{k}"
            params.append(pytest.param(assignment_id, entry, id=test_id))
    return params


def _graded():
    return [
        pytest.param(a, f, id=f"{a}-{f}")
        for a in ASSIGNMENTS
        if notebook_path(a).is_file()
        for f in solution_functions(a)
    ]


def _needs_solution(assignment_id):
    if not notebook_path(assignment_id).is_file():
        pytest.fail(f"a bank exists but solutions/{assignment_id}/{assignment_id}.ipynb does not")


def _needs_function(assignment_id, function):
    functions = solution_functions(assignment_id)
    assert function in functions, (
        f"the bank names {function!r}, which is not a graded function of {assignment_id} "
        f"({', '.join(functions)})"
    )


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_written_assignment_has_a_bank(assignment_id):
    if not notebook_path(assignment_id).is_file():
        pytest.skip(f"solutions/{assignment_id} is not written yet")
    if load_bank(assignment_id) is None:
        message = f"tests/grading_mutants/{assignment_id}.py is missing"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_each_graded_function_has_a_check_mutants_and_an_alternative(assignment_id):
    if not notebook_path(assignment_id).is_file():
        pytest.skip(f"solutions/{assignment_id} is not written yet")
    functions = solution_functions(assignment_id)
    assert sorted(graded_functions(assignment_id)) == sorted(functions), (
        f"checks registered for {assignment_id} do not match the notebook's solution cells"
    )
    bank = load_bank(assignment_id)
    if bank is None:
        pytest.skip(f"tests/grading_mutants/{assignment_id}.py is missing")
    for function in functions:
        assert any(m["function"] == function for m in bank[0]), f"no mutant of {function}"
        assert any(a["function"] == function for a in bank[1]), f"no alternative to {function}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("assignment_id", "function"), _graded())
def test_solution_passes_its_check(assignment_id, function, mode):
    assert MODES[mode](assignment_id, function) is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("assignment_id", "mutant"), _variants("mutant"))
def test_mutant_is_caught_with_a_named_mistake(assignment_id, mutant, mode):
    _needs_solution(assignment_id)
    _needs_function(assignment_id, mutant["function"])
    message = MODES[mode](assignment_id, mutant["function"], mutant["source"])
    assert message is not None, f"the mutant survived:\n{mutant['source']}"
    assert re.search(mutant["message"], message, re.IGNORECASE), (
        f"caught, but the message does not match {mutant['message']!r}:\n{message}"
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("assignment_id", "alternative"), _variants("alternative"))
def test_alternative_passes(assignment_id, alternative, mode):
    _needs_solution(assignment_id)
    _needs_function(assignment_id, alternative["function"])
    message = MODES[mode](assignment_id, alternative["function"], alternative["source"])
    assert message is None, f"a valid implementation fails:\n{message}"
