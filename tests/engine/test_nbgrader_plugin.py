"""The pure parts of the nbgrader plug-in (``grading.nbgrader_plugin``), without running nbgrader.

Notebooks are built here with ``nbformat``; sizes and limits are the preprocessors' documented
defaults (20 000 characters per output, 400 000 for a notebook's outputs).
"""

import json
import os
import stat

import nbformat
import pytest
from nbgrader.utils import determine_grade
from traitlets.config import Config

from trustedgrading.nbgrader import plugin

GRADE = {
    "grade": True,
    "grade_id": "test_sigmoid",
    "locked": True,
    "points": 2,
    "schema_version": 3,
    "solution": False,
    "task": False,
}
SOLUTION = {
    "grade": False,
    "grade_id": "sigmoid_answer",
    "locked": False,
    "schema_version": 3,
    "solution": True,
    "task": False,
}


def code_cell(source="", metadata=None, outputs=()):
    cell = nbformat.v4.new_code_cell(source)
    if metadata is not None:
        cell.metadata["nbgrader"] = dict(metadata)
    cell.outputs = list(outputs)
    return cell


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def output_chars(nb):
    return sum(len(json.dumps(o)) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


# --- _checks_in ---------------------------------------------------------------------------------


def test_checks_in_finds_every_check_call_with_its_hidden_flag():
    source = (
        "from backproplab.grading import check\n"
        'check("ch02_activations.sigmoid", sigmoid)\n'
        "if True:\n"
        '    check("ch02_activations.relu", relu, hidden=True)\n'
        'check("ch02_activations.tanh", tanh, hidden=False)\n'
    )
    assert sorted(plugin._checks_in(source)) == [
        ("ch02_activations.relu", "relu", True),
        ("ch02_activations.sigmoid", "sigmoid", False),
        ("ch02_activations.tanh", "tanh", False),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "",
        "assert sigmoid(0) == 0.5",
        "check(name, sigmoid)",  # not a literal name
        'check("a.f")',  # no function
        'check("a.f", obj.f)',  # not a plain name
        "check(3, f)",  # not a string
        'grading.check("a.f", f)',  # not the bare name `check`
        'check("a.f", f',  # syntax error
        '# check("a.f", f)',
    ],
)
def test_checks_in_ignores_what_is_not_a_plain_check_call(source):
    assert plugin._checks_in(source) == []


def test_checks_in_treats_only_the_literal_true_as_hidden():
    source = 'check("a.f", f, hidden=1)\ncheck("a.g", g, hidden=flag)'
    assert plugin._checks_in(source) == [("a.f", "f", False), ("a.g", "g", False)]


# --- BoundOutput --------------------------------------------------------------------------------


def test_a_50_mb_stream_output_is_cut_with_a_note():
    nb = notebook(code_cell("print(...)", outputs=[stream("x" * 50 * 2**20)]))
    plugin.BoundOutput().preprocess(nb, {})
    (output,) = nb.cells[0].outputs
    assert output.text.startswith("x" * 20_000)
    assert output.text[20_000:] == f"\n[autograder] ... {50 * 2**20 - 20_000} characters cut.\n"


def test_a_short_output_is_left_as_it_is():
    nb = notebook(code_cell(outputs=[stream("hello\n")]))
    plugin.BoundOutput().preprocess(nb, {})
    assert nb.cells[0].outputs == [stream("hello\n")]


def test_a_huge_display_output_is_replaced_by_a_note():
    big = nbformat.v4.new_output(
        "display_data", data={"image/png": "A" * 10**6, "text/plain": "<Figure>"}
    )
    small = nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1)
    nb = notebook(code_cell(outputs=[big, small]))
    plugin.BoundOutput().preprocess(nb, {})
    first, second = nb.cells[0].outputs
    assert first.output_type == "stream" and "large display output was removed" in first.text
    assert second == small


def test_a_huge_error_output_is_cut():
    error = nbformat.v4.new_output(
        "error", ename="ValueError", evalue="v" * 10**6, traceback=["line " * 1000] * 1000
    )
    nb = notebook(code_cell(outputs=[error]))
    plugin.BoundOutput().preprocess(nb, {})
    (output,) = nb.cells[0].outputs
    assert len(output.evalue) == 20_000
    assert output.traceback[-1] == "[autograder] ... traceback cut."
    assert sum(map(len, output.traceback)) <= 20_000 + 100


def test_the_notebooks_outputs_are_capped_in_total_but_grade_cells_keep_theirs():
    chunk = "y" * 19_000  # under the per-output limit, so only the total can stop it
    flood = code_cell(outputs=[stream(chunk, name=("stdout", "stderr")[i % 2]) for i in range(60)])
    verdict = stream("\u2713 sigmoid: 5 cases pass (hidden tests included)\n")
    graded = code_cell('check("a.sigmoid", sigmoid, hidden=True)', GRADE, outputs=[verdict])
    later = code_cell(outputs=[stream(chunk)])
    nb = notebook(flood, graded, later)
    plugin.BoundOutput().preprocess(nb, {})
    assert nb.cells[0].outputs[-1].text.startswith("[autograder] Output removed")
    assert len(nb.cells[0].outputs) < 60
    assert nb.cells[1].outputs == [verdict]
    assert [o.text for o in nb.cells[2].outputs] == [
        "[autograder] Output removed: the notebook's outputs are too large.\n"
    ]
    assert output_chars(nb) < 400_000 + 2_000


def test_a_solution_cells_outputs_count_against_the_total():
    chunk = "z" * 19_000
    answer = code_cell(
        "def sigmoid(z): ...",
        SOLUTION,
        outputs=[stream(chunk, name=("stdout", "stderr")[i % 2]) for i in range(100)],
    )
    nb = notebook(answer)
    plugin.BoundOutput().preprocess(nb, {})
    assert output_chars(nb) < 400_000 + 2_000


def test_markdown_cells_are_left_alone():
    cell = nbformat.v4.new_markdown_cell("m" * 10**6)
    nb = notebook(cell)
    plugin.BoundOutput().preprocess(nb, {})
    assert nb.cells[0].source == "m" * 10**6


# --- RepairMetadata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metadata",
    [
        {"grade": True, "schema_version": 3},  # required keys missing
        {**GRADE, "points": -1},
        {**GRADE, "schema_version": 99},
        {**GRADE, "grade_id": ""},
        {**GRADE, "unknown": 1},
        "garbage",
        None,
    ],
    ids=[
        "missing keys",
        "negative points",
        "future schema",
        "empty id",
        "extra key",
        "str",
        "null",
    ],
)
def test_invalid_nbgrader_metadata_is_dropped(metadata):
    cell = code_cell("x = 1")
    cell.metadata["nbgrader"] = metadata
    cell.metadata["tags"] = ["keep"]
    repaired, _ = plugin.RepairMetadata().preprocess_cell(cell, {}, 0)
    assert "nbgrader" not in repaired.metadata
    assert repaired.metadata["tags"] == ["keep"] and repaired.source == "x = 1"


@pytest.mark.parametrize("metadata", [GRADE, SOLUTION], ids=["grade", "solution"])
def test_valid_nbgrader_metadata_is_kept(metadata):
    cell = code_cell("x = 1", metadata)
    repaired, _ = plugin.RepairMetadata().preprocess_cell(cell, {}, 0)
    assert repaired.metadata["nbgrader"] == metadata


def test_a_cell_without_nbgrader_metadata_is_untouched():
    cell = code_cell("x = 1")
    cell.metadata["tags"] = ["t"]
    repaired, _ = plugin.RepairMetadata().preprocess_cell(cell, {}, 0)
    assert dict(repaired.metadata) == {"tags": ["t"]}


def test_repair_metadata_runs_over_a_whole_notebook():
    bad = code_cell("y = 2")
    bad.metadata["nbgrader"] = {"grade": "yes"}
    nb = notebook(code_cell("x = 1", GRADE), bad)
    plugin.RepairMetadata().preprocess(nb, {})
    assert nb.cells[0].metadata["nbgrader"] == GRADE
    assert "nbgrader" not in nb.cells[1].metadata


# --- test cells, outcomes and kernel stops ------------------------------------------------------


def test_deleted_and_stripped_test_cells_are_put_back_with_their_points():
    stripped = code_cell('check("a.g", g)')  # the test cell, metadata gone
    nb = notebook(
        code_cell("def f(x): ...", SOLUTION), code_cell('check("a.f", f)', GRADE), stripped
    )
    tests = {"test_sigmoid": ('check("a.f", f)', 2.0), "test_g": ('check("a.g", g)', 3.0)}
    plugin.TrustedChecks()._restore_missing(nb, tests)
    assert len(nb.cells) == 4
    restored = nb.cells[-1]
    assert restored.source == 'check("a.g", g)'
    assert restored.metadata["nbgrader"]["grade_id"] == "test_g"
    assert restored.metadata["nbgrader"]["points"] == 3.0
    plugin.RepairMetadata().preprocess_cell(restored, {}, 3)
    assert "nbgrader" in restored.metadata  # what is put back validates


def test_outcomes_are_a_stream_on_success_and_an_error_on_failure():
    [ok] = plugin._outcome(1.0, "\u2713 f: 3 cases pass", 2.0)
    assert ok.output_type == "stream" and ok.text == "\u2713 f: 3 cases pass\n"
    [bad] = plugin._outcome(0.0, "f returned 2, expected 3", 2.0)
    assert bad.output_type == "error" and bad.ename == "CheckFailed"
    assert bad.evalue == "f returned 2, expected 3"
    assert "f returned 2, expected 3" in bad.traceback[0]


def test_partial_credit_is_the_points_earned_as_the_cells_result():
    summary, result = plugin._outcome(0.625, "\u25d0 f: partial credit, 62% of the marks", 8.0)
    assert summary.output_type == "stream" and "partial credit" in summary.text
    assert result.output_type == "execute_result" and result.data == {"text/plain": "5"}


@pytest.mark.parametrize(
    ("score", "points"), [(1.0, 20.0), (0.0, 0.0), (0.5, 10.0), (1 / 3, 6.67), (0.999, 19.98)]
)
def test_nbgrader_scores_each_outcome_as_its_fraction_of_the_points(score, points):
    cell = code_cell("check('a.f', f)", {**GRADE, "points": 20})
    cell.outputs = plugin._outcome(score, "the summary", 20.0)
    assert determine_grade(cell) == (points, 20.0)


def test_a_kernel_stop_is_noted_on_the_last_cell_that_ran():
    ran, not_run = code_cell("a"), code_cell("b")
    ran.execution_count = 3
    nb = notebook(code_cell("z"), ran, not_run)
    nb.cells[0].execution_count = 1
    plugin._note_kernel_stop(nb, "a cell ran for more than 30 s")
    assert not nb.cells[0].outputs and not not_run.outputs
    assert "The kernel stopped here (a cell ran for more than 30 s)" in ran.outputs[-1].text


def test_a_kernel_that_ran_nothing_gets_the_note_on_the_first_code_cell():
    nb = notebook(nbformat.v4.new_markdown_cell("intro"), code_cell("a"), code_cell("b"))
    plugin._note_kernel_stop(nb, "dead")
    assert "The kernel stopped here (dead)" in nb.cells[1].outputs[0].text
    plugin._note_kernel_stop(notebook(nbformat.v4.new_markdown_cell("only text")), "dead")


# --- pre_convert_hook ---------------------------------------------------------------------------


@pytest.fixture
def submission(tmp_path):
    folder = tmp_path / "submitted" / "alice" / "ch02_activations"
    folder.mkdir(parents=True)
    return folder


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [code_cell(s) for s in sources]
    nbformat.write(nb, str(path))


def test_an_invalid_json_notebook_is_kept_aside_and_replaced_by_a_stub(submission):
    path = submission / "ch02_activations.ipynb"
    path.write_text("{ this is not json")
    notebooks = [str(path)]
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    assert notebooks == [str(path)]
    assert (submission / "ch02_activations.ipynb.unreadable").read_text() == "{ this is not json"
    stub = nbformat.read(str(path), as_version=4)
    nbformat.validate(stub)
    assert [c.cell_type for c in stub.cells] == ["markdown"]
    assert "could not be read" in stub.cells[0].source
    assert "ch02_activations.ipynb" in stub.cells[0].source


def test_a_json_file_that_is_not_a_notebook_is_replaced_too(submission):
    path = submission / "ch02_activations.ipynb"
    path.write_text(json.dumps({"cells": "no"}))
    plugin.pre_convert_hook("ch02_activations", "alice", [str(path)])
    assert (submission / "ch02_activations.ipynb.unreadable").exists()
    assert "could not be read" in nbformat.read(str(path), as_version=4).cells[0].source


def test_a_renamed_sole_notebook_is_graded_under_the_expected_name(submission):
    renamed = submission / "my work (1).ipynb"
    write_notebook(renamed, "def sigmoid(z):\n    return z")
    notebooks = [str(renamed)]
    same_list = notebooks
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    expected = submission / "ch02_activations.ipynb"
    assert same_list is notebooks and notebooks == [str(expected)]  # replaced in place
    nb = nbformat.read(str(expected), as_version=4)
    assert nb.cells[0].cell_type == "markdown"
    assert "my work (1).ipynb" in nb.cells[0].source
    assert "ch02_activations.ipynb" in nb.cells[0].source
    assert nb.cells[1].source == "def sigmoid(z):\n    return z"
    assert renamed.exists()


def test_a_submission_with_the_expected_name_is_left_alone(submission):
    path = submission / "ch02_activations.ipynb"
    write_notebook(path, "x = 1")
    content = path.read_bytes()
    notebooks = [str(path)]
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    assert notebooks == [str(path)] and path.read_bytes() == content
    assert sorted(os.listdir(submission)) == ["ch02_activations.ipynb"]


def test_two_other_notebooks_are_not_guessed_between(submission):
    for name in ("a.ipynb", "b.ipynb"):
        write_notebook(submission / name, "x = 1")
    notebooks = [str(submission / "a.ipynb"), str(submission / "b.ipynb")]
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    assert notebooks == [str(submission / "a.ipynb"), str(submission / "b.ipynb")]
    assert not (submission / "ch02_activations.ipynb").exists()


def test_an_empty_list_is_a_no_op():
    notebooks = []
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    assert notebooks == []


def test_a_renamed_invalid_notebook_becomes_the_stub_under_the_expected_name(submission):
    renamed = submission / "mine.ipynb"
    renamed.write_text("{ not json")
    notebooks = [str(renamed)]
    plugin.pre_convert_hook("ch02_activations", "alice", notebooks)
    expected = submission / "ch02_activations.ipynb"
    assert notebooks == [str(expected)]
    graded = nbformat.read(str(expected), as_version=4)
    assert any("could not be read" in cell.source for cell in graded.cells[:2])


# --- configure ----------------------------------------------------------------------------------


def test_configure_wires_the_trusted_pipeline(tmp_path):
    c = Config()
    plugin.configure(c, str(tmp_path / "course" / ".." / "course"), checks="backproplab.grading")
    sanitize = c.Autograde.sanitize_preprocessors
    autograde = c.Autograde.autograde_preprocessors
    assert sanitize[0] is plugin.RepairMetadata
    assert autograde[0] is plugin.RobustExecute and autograde[1] is plugin.TrustedChecks
    names = [p.__name__ for p in autograde]
    assert names.index("BoundOutput") < names.index("LimitOutput") < names.index("SaveAutoGrades")
    assert names.index("TrustedChecks") < names.index("SaveAutoGrades")
    assert c.Autograde.pre_convert_hook is plugin.pre_convert_hook
    assert c.RobustExecute.kernel_manager_class is plugin.SandboxedKernelManager
    assert c.SandboxedKernelManager.course_root == os.path.abspath(str(tmp_path / "course"))


def test_the_course_secret_is_created_private_and_then_kept(tmp_path):
    from trustedgrading.nbgrader.plugin import _course_secret

    path = tmp_path / ".grading-secret"
    first = _course_secret(str(path))
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _course_secret(str(path)) == first
    other = tmp_path / "other-course-secret"
    assert _course_secret(str(other)) != first
