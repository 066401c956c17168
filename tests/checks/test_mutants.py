"""Mutation testing of the graders: every known-wrong implementation must fail its check.

For each assignment with a bank ``tests/checks/mutants/<id>.toml`` (``mutants`` and
``alternatives``, TOML data: mostly small edits of the reference solution's functions; format
in ``tests/support/solutions.py``, the loader in ``tests/checks/test_banks.py``):

- the namespace of the reference solution is built from ``solutions/<id>/<id>.ipynb``: the
  definitions (imports, functions, classes, constants) of its solution cells and of its locked,
  ungraded cells (the setup cell, helpers the graded functions may call), executed in order with
  ``np`` available and IPython magics skipped; test cells, worked examples and plots are not run;
- each graded function of the solution passes ``check("<id>.<function>", fn, hidden=True)``;
- each mutant, executed on top of that namespace (replacing its one function), makes the check
  raise ``CheckFailed`` with a message matching the mutant's regex (``re.search``, case
  insensitive);
- each alternative passes with full marks;
- each partial-credit variant (``partial``) passes with a fraction of the marks strictly
  between 0 and 1, and the check's output matches the variant's regex.

Every mutant and alternative is its own test, named ``<id>-<function>-mutant<k>``.
``python tests/checks/mutants/report.py`` (``make mutation-report``) prints the catch rate.
"""

import os
import re

import pytest
from support.solutions import (
    GRADE_MODES,
    MODES,
    load_bank,
    notebook_path,
    solution_functions,
)

from backproplab.grading import ASSIGNMENTS, graded_functions


def _variants(kind):
    """``pytest.param(assignment_id, entry)`` for every variant of one kind ("mutant",
    "alternative", "partial") of every bank."""
    part = {"mutant": "mutants", "alternative": "alternatives", "partial": "partial"}[kind]
    params = []
    for assignment_id in ASSIGNMENTS:
        bank = load_bank(assignment_id)
        if bank is None:
            continue
        entries = getattr(bank, part)
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
        message = f"tests/checks/mutants/{assignment_id}.toml is missing"
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
        pytest.skip(f"tests/checks/mutants/{assignment_id}.toml is missing")
    for function in functions:
        assert any(m["function"] == function for m in bank.mutants), f"no mutant of {function}"
        assert any(a["function"] == function for a in bank.alternatives), (
            f"no alternative to {function}"
        )


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


@pytest.mark.parametrize("mode", GRADE_MODES)
@pytest.mark.parametrize(("assignment_id", "alternative"), _variants("alternative"))
def test_alternative_passes(assignment_id, alternative, mode):
    _needs_solution(assignment_id)
    _needs_function(assignment_id, alternative["function"])
    score, text = GRADE_MODES[mode](assignment_id, alternative["function"], alternative["source"])
    assert score == 1.0, f"a valid implementation earns {score:.0%} of the marks:\n{text}"


@pytest.mark.parametrize("mode", GRADE_MODES)
@pytest.mark.parametrize(("assignment_id", "variant"), _variants("partial"))
def test_partial_variant_earns_part_of_the_marks(assignment_id, variant, mode):
    _needs_solution(assignment_id)
    _needs_function(assignment_id, variant["function"])
    score, text = GRADE_MODES[mode](assignment_id, variant["function"], variant["source"])
    assert 0.0 < score < 1.0, f"the variant earns {score:.0%} of the marks, not a part:\n{text}"
    assert re.search(variant["message"], text, re.IGNORECASE), (
        f"partial credit, but the output does not match {variant['message']!r}:\n{text}"
    )
