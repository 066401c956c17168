"""The reference solutions as code: each assignment's solution namespace, and running a check
on it (in process, or sandboxed as ``nbgrader autograde`` does). The mutation tests, the checks'
tests and ``make mutation-report`` share these.

Mutation banks. ``tests/checks/mutants/<id>.toml`` is data, read with ``tomllib`` (never
executed): ``mutants`` (wrong implementations that the check must fail) and ``alternatives``
(other correct ones that must pass), each a table from a graded function (the ``grade_id`` of
its solution cell) to an array of variants of it, in order::

    [[mutants.sigmoid]]
    message = 'sign of z is flipped'
    edits = [['z >= 0', 'z < 0']]

A third table, ``partial``, holds variants that a check gives *partial credit* (a custom check
that returns a fraction of the marks, such as a training function judged by its accuracy):
they must earn strictly between nothing and full marks, with a message matching theirs.

A variant is a table with

- ``message`` (mutants, partial): a regex that the check's failure message (mutants) or its
  printed output (partial) must match (``re.search``, case insensitive);
- either ``edits``, a list of ``[old, new]`` string pairs that turn the reference function into
  the variant, or ``source``, the variant's whole code, for one that is not a small change of
  the reference (an alternative written differently, a rewrite), best as a multi-line literal
  string (``'''...'''``: no escapes, so code and regexes read as written).

The reference function is the source of that solution cell in ``solutions/<id>/<id>.ipynb``,
docstring included, without its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines. Each
``old`` must occur exactly once in it, and the edits must not overlap; they are all located in
the reference first, then applied together (so no edit sees another's result). An ``old`` that
is missing or ambiguous (the solution changed, say) raises :class:`BankError`, naming the bank,
the variant and the text: an edit never silently stops applying. :func:`load_bank` returns
each variant as a dict with ``function`` and its ``source`` materialised (the edited function's
full code, which must define ``function``, and may define other functions the check calls with
it), plus its other keys; the consumers read ``function``, ``source`` and ``message``, and the
pipeline test ``pipeline`` (true: also hand the variant in as a student of its own).
"""

import ast
import contextlib
import functools
import io
import itertools
import json
import re
import tomllib
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from backproplab.grading import CheckFailed, check
from trustedgrading.nbgrader.extract import function_source
from trustedgrading.runner import run_test_cell, source_names
from trustedgrading.sandbox.launch import Limits

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
BANKS = REPO / "tests" / "checks" / "mutants"
# Statements that only define things; anything else in a cell (a plot, a demo run) is skipped.
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def notebook_path(assignment_id):
    return SOLUTIONS / assignment_id / f"{assignment_id}.ipynb"


class BankError(ValueError):
    """A mutation bank entry that cannot be built from the reference solution."""


class Bank(NamedTuple):
    """An assignment's mutation bank: each part a list of variants (dicts), in bank order."""

    mutants: list
    alternatives: list
    partial: list


TABLES = {"mutants": "mutant", "alternatives": "alternative", "partial": "partial"}


def load_bank(assignment_id, banks=BANKS):
    """The :class:`Bank` of an assignment, or ``None`` without a bank.

    Each part is a list of dicts, the variants in bank order, with ``function`` and ``source``
    (see the module docstring).
    """
    path = Path(banks) / f"{assignment_id}.toml"
    if not path.is_file():
        return None
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    try:
        bank = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(f"{name} is not valid TOML: {error}") from None
    unknown = set(bank) - set(TABLES)
    if unknown:
        raise BankError(f"{name}: unknown tables {sorted(unknown)} ({', '.join(TABLES)})")
    return Bank(
        *(
            _materialise(assignment_id, bank.get(table, {}), kind, name)
            for table, kind in TABLES.items()
        )
    )


def _materialise(assignment_id, bank_part, kind, bank):
    """The variants of ``mutants`` or ``alternatives``, each with its ``source`` built; labelled
    as their tests are, ``<id>-<function>-mutant<k>``."""
    if not isinstance(bank_part, dict):
        raise BankError(f"{bank}: {', '.join(TABLES)} map functions to lists of variants")
    variants = []
    for function, entries in bank_part.items():
        reference = reference_sources(assignment_id).get(function)
        for k, entry in enumerate(entries, 1):
            label = f"{bank}: {assignment_id}-{function}-{kind}{k}"
            if ("edits" in entry) == ("source" in entry):
                raise BankError(f"{label} needs either `edits` or `source` (not both)")
            if "source" in entry:
                source = entry["source"]
            elif reference is None:
                raise BankError(f"{label}: {function} is not a solution cell of {assignment_id}")
            else:
                where = f"{label}: the reference {function}"
                source = apply_edits(reference, entry["edits"], where)
            try:
                tree = ast.parse(source)
            except SyntaxError as error:
                raise BankError(f"{label} does not parse ({error}):\n{source}") from None
            if function not in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}:
                raise BankError(f"{label} does not define {function}():\n{source}")
            variants.append({"function": function, **entry, "source": source})
    return variants


def apply_edits(source, edits, name="the source"):
    """``source`` with each ``(old, new)`` of ``edits`` applied.

    Every ``old`` is located in ``source`` first (it must occur there exactly once, and no two
    may overlap), then all are replaced together. Raises :class:`BankError` otherwise, the
    message naming the text and ``name`` (what ``source`` is).
    """
    spans = []
    for edit in edits:
        if not (isinstance(edit, tuple | list) and len(edit) == 2):
            raise BankError(f"{name}: an edit is an (old, new) pair, not {edit!r}")
        old, new = edit
        if not (isinstance(old, str) and isinstance(new, str) and old):
            raise BankError(f"{name}: an edit is an (old, new) pair of strings, not {edit!r}")
        count = source.count(old)
        if count == 0:
            raise BankError(f"{name} does not contain this text (did it change?):\n{old!r}")
        if count > 1:
            raise BankError(f"{name} contains this text {count} times, not once:\n{old!r}")
        start = source.index(old)
        spans.append((start, start + len(old), new))
    spans.sort()
    for (_, end, _), (start, _, _) in itertools.pairwise(spans):
        if start < end:
            raise BankError(f"{name}: two edits overlap on:\n{source[start:end]!r}")
    for start, end, new in reversed(spans):
        source = source[:start] + new + source[end:]
    return source


@functools.cache
def reference_sources(assignment_id):
    """``{function: source}`` of the solution cells, without the solution marker lines."""
    sources = {}
    for cell in _notebook(assignment_id)["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines = code.splitlines(True)
            sources[meta["grade_id"]] = "".join(l for l in lines if not SOLUTION_MARKER.match(l))
    return sources


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


def grade_check(assignment_id, function, source=None):
    """Check the solution's ``function``, or ``source`` run on top of the solution.

    Returns ``(score, text)``: the fraction of the marks (1.0 on a pass, 0.0 on a failure, in
    between for partial credit) and what the check printed, or its failure message.
    """
    namespace = solution_namespace(assignment_id)
    if source is not None:
        exec(compile(source, f"<{assignment_id} {function} variant>", "exec"), namespace)
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            score = check(f"{assignment_id}.{function}", namespace[function], hidden=True)
    except CheckFailed as failure:
        return 0.0, str(failure)
    return (1.0 if score is None else score), output.getvalue().strip()


def grade_check_sandboxed(assignment_id, function, source=None):
    """:func:`grade_check` as ``nbgrader autograde`` runs it: the function's source is taken
    from the notebook's cells (plus ``source`` as a last cell) and run in a sandboxed child."""
    cells = [
        (index, "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"])
        for index, cell in enumerate(_notebook(assignment_id)["cells"])
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("grade")
    ]
    if source is not None:
        cells.append((len(cells) + 1000, source))
    calls = [(f"{assignment_id}.{function}", function, True)]
    names = source_names(calls)[function]
    score, text, _ = run_test_cell(
        calls, {function: function_source(cells, function, companions=names[1:])}, Limits()
    )
    return score, text


def run_check(assignment_id, function, source=None):
    """:func:`grade_check`'s verdict: ``None`` if the check passes (partial credit included),
    else the ``CheckFailed`` message."""
    score, text = grade_check(assignment_id, function, source)
    return None if score else text


def run_check_sandboxed(assignment_id, function, source=None):
    """:func:`run_check`, sandboxed as :func:`grade_check_sandboxed`."""
    score, text = grade_check_sandboxed(assignment_id, function, source)
    return None if score else text


MODES = {"in-process": run_check, "sandboxed": run_check_sandboxed}
GRADE_MODES = {"in-process": grade_check, "sandboxed": grade_check_sandboxed}
