"""A sandboxed child that fails or hangs fails only its cell; ``run_test_cell`` and the
``ChildPool`` it runs students' functions in (``grading.trusted``).

Hand-written "student" sources under the test-only checks of support/runner_cases.py
("trusted_test.*"); the checks against a single :class:`RemoteFunction` are in test_runner.py.
"""

import os
import textwrap

import pytest
from support import runner_cases
from support.runner_cases import DOUBLE, HALF, LIMITS, require_bwrap

import backproplab.grading  # noqa: F401 (the course: importing it configures the framework)
from trustedgrading.runner import ChildPool, RemoteFunction, run_test_cell, source_names
from trustedgrading.sandbox import launch as sandbox

sandboxes = runner_cases.sandboxes  # the fixture, defined once for both files


def test_a_forged_error_frame_only_fails_the_cell():
    source = textwrap.dedent(
        """
        import gc
        def double(x):
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            channel.send({"op": "error", "type": "ValueError", "message": "m", "where": [1]})
            return 2 * x
        """
    )
    passed, text, _ = run_test_cell(
        [("trusted_test.double", "double", False)], {"double": source}, LIMITS
    )
    assert not passed and text.startswith("double")


@pytest.mark.parametrize("bwrap", [True, False], ids=["bwrap", "fallback"])
def test_a_child_that_closes_its_pipe_and_hangs_only_fails_the_cell(monkeypatch, sandboxes, bwrap):
    if bwrap:
        require_bwrap()
    if not bwrap:
        monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    source = textwrap.dedent(
        """
        import gc, os, time
        def _close():
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            os.close(channel.fd_out)
            time.sleep(30)
        X = _close()
        def double(x):
            return X
        """
    )
    passed, text, _ = run_test_cell(
        [("trusted_test.double", "double", False)],
        {"double": source},
        sandbox.Limits(wall_seconds=2),
    )
    assert not passed and text.startswith("double ")
    assert all(process.poll() is not None for (process, _, _), _ in sandboxes)


# --- run_test_cell -----------------------------------------------------------------------------


def test_run_test_cell_passes_correct_code_with_the_summary_lines():
    passed, text, sandboxed = run_test_cell(
        [("trusted_test.double", "double", True), ("trusted_test.half", "half", False)],
        {"double": DOUBLE, "half": HALF},
        LIMITS,
    )
    assert passed and sandboxed is (sandbox.bwrap_path() is not None)
    assert text == (
        "\u2713 double: 4 cases pass (hidden tests included)\n\u2713 half: 1 case passes"
    )


def test_run_test_cell_merges_visible_and_hidden_calls_of_the_same_check():
    calls = [
        ("trusted_test.double", "double", False),
        ("trusted_test.double", "double", True),
        ("trusted_test.double", "double", False),
    ]
    passed, text, _ = run_test_cell(calls, {"double": DOUBLE}, LIMITS)
    assert passed
    assert text == "\u2713 double: 4 cases pass (hidden tests included)"


def test_run_test_cell_reports_the_first_failure():
    passed, text, _ = run_test_cell(
        [("trusted_test.half", "half", False), ("trusted_test.double", "double", False)],
        {"half": "def half(x):\n    return x\n", "double": "def double(x):\n    return 0 * x\n"},
        LIMITS,
    )
    assert not passed
    assert text.startswith("half") and 'case "one"' in text and "double" not in text


def test_run_test_cell_names_a_missing_function():
    passed, text, _ = run_test_cell(
        [("trusted_test.double", "double", False)], {"double": None}, LIMITS
    )
    assert not passed
    assert "does not define a function named double" in text
    assert "`def double(...)`" in text


def test_run_test_cell_turns_a_fault_at_load_into_a_failed_cell():
    source = "import os\nos._exit(0)\ndef double(x):\n    return 2 * x\n"
    passed, text, _ = run_test_cell(
        [("trusted_test.double", "double", False)], {"double": source}, LIMITS
    )
    assert not passed
    assert text.startswith("double ended the process running it (exit status 0")
    assert text.endswith(".")


def test_run_test_cell_turns_a_fault_in_a_call_into_a_failed_cell():
    source = "import os\ndef double(x):\n    os._exit(0)\n"
    passed, text, _ = run_test_cell(
        [("trusted_test.double", "double", False)], {"double": source}, LIMITS
    )
    assert not passed
    assert "double ended the process running it (exit status 0" in text
    assert 'on case "two numbers"' in text


def test_run_test_cell_leaves_no_child_or_folder_behind(sandboxes):
    run_test_cell(
        [("trusted_test.double", "double", False), ("trusted_test.half", "half", False)],
        {"double": DOUBLE, "half": "import os\ndef half(x):\n    os._exit(1)\n"},
        LIMITS,
    )
    assert sandboxes
    for (process, _, _), workdir in sandboxes:
        assert process.returncode is not None
        assert not os.path.exists(workdir)


def test_groups_in_one_pool_share_the_sandbox_but_not_the_students_state(sandboxes):
    pool = ChildPool(LIMITS)
    try:
        first = RemoteFunction(
            "f",
            "import numpy, sys\nnumpy.MARK = 1\nsys.modules['planted'] = numpy\n"
            "def f():\n    return hasattr(numpy, 'MARK') and 'planted' in sys.modules\n",
            pool,
        )
        assert first() is True
        first.close()
        second = RemoteFunction(
            "g",
            "import numpy, sys\n"
            "def g():\n    return hasattr(numpy, 'MARK') or 'planted' in sys.modules\n",
            pool,
        )
        assert second() is False
        second.close()
        assert len(sandboxes) == 1  # one sandbox, a fresh child per group
    finally:
        pool.close()


def test_a_group_leaves_no_files_or_processes_for_the_next(sandboxes):
    require_bwrap()  # the clean-up between groups runs only inside bubblewrap
    marker = f"bpl-group-{os.getpid()}-{id(sandboxes)}"
    pool = ChildPool(LIMITS)
    try:
        first = RemoteFunction(
            "f",
            textwrap.dedent(
                f"""
                import subprocess, sys
                def f():
                    with open("/tmp/left-behind", "w") as out:
                        out.write("x")
                    subprocess.Popen(
                        [sys.executable, "-c", "import time; time.sleep(60)", "{marker}"],
                        start_new_session=True,
                    )
                    return True
                """
            ),
            pool,
        )
        assert first() is True
        first.close()
        second = RemoteFunction(
            "g",
            textwrap.dedent(
                f"""
                import os
                def g():
                    alive = []
                    for pid in filter(str.isdigit, os.listdir("/proc")):
                        try:
                            with open(f"/proc/{{pid}}/cmdline", "rb") as f:
                                alive += [pid] if b"{marker}" in f.read() else []
                        except OSError:
                            pass
                    return os.listdir("/tmp"), alive
                """
            ),
            pool,
        )
        assert second() == ([], [])
        second.close()
    finally:
        pool.close()


def test_a_pool_recovers_after_a_child_dies():
    pool = ChildPool(LIMITS)
    try:
        passed, text, _ = run_test_cell(
            [("trusted_test.half", "half", False)],
            {"half": "import os\ndef half(x):\n    os._exit(3)\n"},
            LIMITS,
            pool,
        )
        assert not passed and "exit status 3" in text
        passed, text, _ = run_test_cell(
            [("trusted_test.half", "half", False)], {"half": HALF}, LIMITS, pool
        )
        assert passed, text
    finally:
        pool.close()


# --- companions and partial credit ---------------------------------------------------------------

SCALE = "def scale(x):\n    return 3 * x\n"


def test_a_companion_runs_in_the_same_child_as_the_function():
    source = SCALE + "def unscale(c):\n    return c / 3\n"
    score, text, _ = run_test_cell(
        [("trusted_test.scale", "scale", False)], {"scale": source}, LIMITS
    )
    assert score == 1.0 and text == "\u2713 scale: 2 cases pass"


def test_a_missing_companion_is_named_by_the_child():
    score, text, _ = run_test_cell(
        [("trusted_test.scale", "scale", False)], {"scale": SCALE}, LIMITS
    )
    assert score == 0.0
    assert text.startswith("unscale raised NameError") and "no function named 'unscale'" in text


def test_a_companions_exception_names_the_companion_and_its_line():
    source = SCALE + "def unscale(c):\n    return c / undefined_name\n"
    score, text, _ = run_test_cell(
        [("trusted_test.scale", "scale", False)], {"scale": source}, LIMITS
    )
    assert score == 0.0 and text.startswith("unscale raised NameError")
    assert "in unscale: return c / undefined_name" in text


def test_partial_credit_is_the_lowest_fraction_of_the_cell():
    source = SCALE + "def unscale(c):\n    return c / 3 + 0.25\n"
    calls = [("trusted_test.scale", "scale", True), ("trusted_test.half", "half", False)]
    score, text, _ = run_test_cell(calls, {"scale": source, "half": HALF}, LIMITS)
    assert score == 0.75
    assert text == (
        "\u25d0 scale: partial credit, 75% of the marks (hidden tests included)\n"
        "\u2713 half: 1 case passes"
    )


def test_source_names_list_each_function_with_its_checks_companions():
    calls = [
        ("trusted_test.scale", "scale", False),
        ("trusted_test.double", "double", False),
        ("trusted_test.scale", "scale", True),
    ]
    assert source_names(calls) == {"scale": ("scale", "unscale"), "double": ("double",)}
