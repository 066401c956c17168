"""Loading the mutation banks: a variant written as edits of the reference solution is built
from the solution notebook, and an edit that no longer applies (its text missing or ambiguous)
fails loudly, naming the bank, the variant and the text. Format: ``tests/support/solutions.py``.
"""

import json
import re

import pytest
from support.solutions import (
    BankError,
    apply_edits,
    load_bank,
    notebook_path,
    reference_sources,
    solution_functions,
)

from backproplab.grading import ASSIGNMENTS

SOURCE = "def f(x):\n    return x + 1\n"


def test_edits_are_located_in_the_source_and_applied_together():
    assert apply_edits(SOURCE, [("x + 1", "x - 1")]) == "def f(x):\n    return x - 1\n"
    # The second edit is found in the source as given, not in the first one's result.
    edits = [("(x)", "(x, y)"), ("x + 1", "x + y")]
    assert apply_edits(SOURCE, edits) == "def f(x, y):\n    return x + y\n"


@pytest.mark.parametrize(
    ("edits", "problem"),
    [
        ([("x + 2", "x")], "does not contain this text"),
        ([("x", "y")], "contains this text 2 times, not once"),
        ([("return x", "return -x"), ("x + 1", "x + 2")], "two edits overlap"),
        ([("", "x")], "pair of strings"),
        (["x + 1"], "(old, new) pair"),
    ],
    ids=["missing", "ambiguous", "overlapping", "empty", "not-a-pair"],
)
def test_an_edit_that_does_not_apply_exactly_once_raises(edits, problem):
    with pytest.raises(BankError, match=re.escape(problem)) as raised:
        apply_edits(SOURCE, edits, "the reference f")
    assert str(raised.value).startswith("the reference f")


@pytest.fixture
def written():
    """An assignment with a solution notebook and its first graded function."""
    assignment_id = next((a for a in ASSIGNMENTS if notebook_path(a).is_file()), None)
    if assignment_id is None:
        pytest.skip("no solution notebook is written yet")
    return assignment_id, solution_functions(assignment_id)[0]


def bank(folder, assignment_id, mutants, alternatives=None, partial=None):
    """A bank file for ``assignment_id`` in ``folder``, loaded as the real ones are."""
    lines = []
    tables = (
        ("mutants", mutants),
        ("alternatives", alternatives or {}),
        ("partial", partial or {}),
    )
    for part, table in tables:
        for function, variants in table.items():
            for variant in variants:
                # JSON strings and arrays are valid TOML values.
                lines.append(f"[[{part}.{function}]]")
                lines += [f"{key} = {json.dumps(value)}" for key, value in variant.items()]
    (folder / f"{assignment_id}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_bank(assignment_id, banks=folder)


def test_a_variant_is_built_from_the_reference_solution(tmp_path, written):
    assignment_id, function = written
    head = f"def {function}("
    mutants, alternatives, _ = bank(
        tmp_path,
        assignment_id,
        {function: [{"message": "m", "edits": [(head, f"# edited\n{head}")]}]},
        {function: [{"source": f"def {function}(*args):\n    return None\n"}]},
    )
    reference = reference_sources(assignment_id)[function]
    assert "### BEGIN SOLUTION" not in reference
    assert mutants == [
        {
            "function": function,
            "message": "m",
            "edits": [[head, f"# edited\n{head}"]],  # TOML has arrays, not tuples
            "source": f"# edited\n{reference}",
        }
    ]
    assert alternatives[0]["function"] == function
    assert alternatives[0]["source"].startswith(f"def {function}(*args)")


@pytest.mark.parametrize(
    ("old", "problem"),
    [
        ("text that is not in the solution", "does not contain this text"),
        ("\n", "contains this text"),
    ],
    ids=["missing", "ambiguous"],
)
def test_an_edit_that_no_longer_applies_fails_the_loader(tmp_path, written, old, problem):
    assignment_id, function = written
    head = f"def {function}("
    variants = [{"message": "m", "edits": [(head, head)]}, {"message": "m", "edits": [(old, "")]}]
    with pytest.raises(BankError) as raised:
        bank(tmp_path, assignment_id, {function: variants})
    message = str(raised.value)
    path = tmp_path / f"{assignment_id}.toml"
    assert message.startswith(
        f"{path}: {assignment_id}-{function}-mutant2: the reference {function}"
    )
    assert problem in message
    assert repr(old) in message


def test_a_malformed_variant_fails_the_loader(tmp_path, written):
    assignment_id, function = written
    with pytest.raises(BankError, match="needs either `edits` or `source`"):
        bank(tmp_path, assignment_id, {function: [{"message": "m"}]})
    both = {"message": "m", "edits": [], "source": f"def {function}():\n    pass\n"}
    with pytest.raises(BankError, match="needs either `edits` or `source`"):
        bank(tmp_path, assignment_id, {function: [both]})
    with pytest.raises(BankError, match=rf"does not define {function}\(\)"):
        bank(tmp_path, assignment_id, {function: [{"source": "def something_else():\n    pass\n"}]})
    with pytest.raises(BankError, match="does not parse"):
        bank(tmp_path, assignment_id, {}, {function: [{"source": "def (:\n"}]})
    with pytest.raises(BankError, match="is not a solution cell"):
        bank(tmp_path, assignment_id, {"no_such_function": [{"message": "m", "edits": []}]})
    (tmp_path / f"{assignment_id}.toml").write_text('mutants = ["m"]\n', encoding="utf-8")
    with pytest.raises(BankError, match="map functions to lists of variants"):
        load_bank(assignment_id, banks=tmp_path)


def test_partial_credit_variants_are_built_like_the_others(tmp_path, written):
    assignment_id, function = written
    head = f"def {function}("
    loaded = bank(
        tmp_path,
        assignment_id,
        {},
        partial={function: [{"message": "p", "pipeline": True, "edits": [(head, f"#\n{head}")]}]},
    )
    assert loaded.mutants == [] and loaded.alternatives == []
    [variant] = loaded.partial
    assert variant["source"] == f"#\n{reference_sources(assignment_id)[function]}"
    assert variant["message"] == "p" and variant["pipeline"] is True


def test_an_unknown_table_fails_the_loader(tmp_path, written):
    assignment_id, _ = written
    (tmp_path / f"{assignment_id}.toml").write_text("[[mutans.f]]\n", encoding="utf-8")
    with pytest.raises(
        BankError, match=r"unknown tables \['mutans'\] \(mutants, alternatives, partial\)"
    ):
        load_bank(assignment_id, banks=tmp_path)


def test_a_bank_that_is_not_valid_toml_fails_the_loader(tmp_path, written):
    assignment_id, _ = written
    (tmp_path / f"{assignment_id}.toml").write_text("[[mutants.f]\n", encoding="utf-8")
    with pytest.raises(BankError, match="is not valid TOML"):
        load_bank(assignment_id, banks=tmp_path)
