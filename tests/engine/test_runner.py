"""Checks against a student's function that runs in a sandboxed child (``grading.trusted``).

Small hand-written "student" sources run through :class:`RemoteFunction` (a real child
process, with bubblewrap when it is available) and through the very ``check`` /
``call_student`` the notebooks use, under test-only check names ("trusted_test.*").

The sandbox faults that only fail a cell, ``run_test_cell`` and the child pool are in
test_runner_cells.py; the "trusted_test.*" checks and the ``sandboxes`` fixture both files use
are in support/runner_cases.py.
"""

import builtins
import inspect
import os
import re
import textwrap

import numpy as np
import pytest
from support import runner_cases
from support.runner_cases import DOUBLE, LIMITS

import backproplab.grading  # noqa: F401 (the course: importing it configures the framework)
from trustedgrading.checks import CheckFailed, GradingAborted, Location, call_student, check
from trustedgrading.runner import ChildPool, RemoteFunction, SandboxFault
from trustedgrading.sandbox import launch as sandbox

sandboxes = runner_cases.sandboxes  # the fixture, defined once for both files


@pytest.fixture
def remote():
    started = []

    def start(source, name=None, limits=LIMITS):
        source = textwrap.dedent(source).lstrip("\n")
        if name is None:
            name = re.findall(r"^def (\w+)", source, re.MULTILINE)[-1]
        pool = ChildPool(limits)
        started.append(pool)
        function = RemoteFunction(name, source, pool)
        function.pool = pool
        return function

    yield start
    for pool in started:
        pool.close()


def student_error(function, *args, **kwargs):
    with pytest.raises(Exception) as info:
        function(*args, **kwargs)
    return info.value


# --- results -----------------------------------------------------------------------------------


def test_a_remote_function_returns_the_students_result(remote):
    f = remote(DOUBLE)
    x = np.array([[1.0, 2.5], [-3.0, 0.0]])
    got = f(x)
    assert type(got) is np.ndarray and np.array_equal(got, 2 * x)
    assert f(3) == 6 and f(x=1.5) == 3.0
    assert f.__name__ == "double"
    assert f.sandboxed is (sandbox.bwrap_path() is not None)


def test_the_signature_is_the_students(remote):
    f = remote("def f(x, w, *rest, lr=0.1, **options):\n    return x\n")
    parameters = inspect.signature(f).parameters
    assert list(parameters) == ["x", "w", "rest", "lr", "options"]
    assert parameters["rest"].kind is inspect.Parameter.VAR_POSITIONAL
    assert parameters["lr"].kind is inspect.Parameter.KEYWORD_ONLY


def test_tuples_generators_and_prints_come_back_as_values(remote):
    f = remote(
        """
        def f(n):
            print("noise " * 100_000)
            return (np.arange(n), {"n": n}), [float(n)]
        """
    )
    (array, info), floats = f(3)
    assert np.array_equal(array, [0, 1, 2]) and info == {"n": 3} and floats == [3.0]
    g = remote("def g(n):\n    for i in range(n):\n        yield i * i\n")
    assert list(g(4)) == [0, 1, 4, 9]


def test_an_endless_generator_is_reported_as_too_large_output(remote):
    f = remote("import itertools\ndef f():\n    return itertools.count()\n")
    error = student_error(f)
    assert type(error).__name__ == "OutputTooLarge" and "more than 100000 items" in str(error)


def test_a_passing_check_prints_its_summary(remote, capsys):
    check("trusted_test.double", remote(DOUBLE), hidden=True)
    assert capsys.readouterr().out.strip() == "\u2713 double: 4 cases pass (hidden tests included)"


# --- exceptions --------------------------------------------------------------------------------


def test_an_exception_keeps_its_type_message_and_where(remote):
    f = remote(
        """
        def f(x):
            y = x + 1
            raise ValueError(f"bad value {y}")
        """
    )
    error = student_error(f, 1)
    assert type(error) is ValueError and str(error) == "bad value 2"
    assert error.student_location == ("f", 3, 'raise ValueError(f"bad value {y}")')
    assert type(error.student_location) is Location  # the framework's neutral type
    with pytest.raises(CheckFailed, match=r"raised ValueError: bad value 2\n.*\n  in f: raise"):
        call_student(f, 1, case="one")


def test_the_where_of_an_error_names_the_innermost_student_frame(remote):
    f = remote(
        """
        def helper(v):
            return v["missing"]

        def f(x):
            return helper({})
        """
    )
    error = student_error(f, 0)
    assert type(error) is KeyError
    assert error.student_location == ("helper", 2, 'return v["missing"]')


def test_an_error_inside_numpy_is_located_at_the_students_line(remote):
    f = remote("def f(a, b):\n    return a @ b\n")
    error = student_error(f, np.ones((2, 3)), np.ones((2, 3)))
    assert type(error) is ValueError and "matmul" in str(error)
    assert error.student_location == ("f", 2, "return a @ b")


def test_a_students_own_exception_class_becomes_a_plain_exception_of_that_name(remote):
    f = remote("class Oops(ValueError):\n    pass\ndef f():\n    raise Oops('no')\n")
    error = student_error(f)
    assert type(error).__name__ == "Oops" and str(error) == "no"
    assert type(error).__bases__ == (Exception,)


def test_not_implemented_error_stays_not_implemented_error(remote):
    f = remote("def f(x):\n    raise NotImplementedError()\n")
    assert type(student_error(f, 1)) is NotImplementedError
    with pytest.raises(CheckFailed, match="is not implemented yet"):
        call_student(f, 1, case="one")


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("raise SystemExit(3)", "SystemExit"),
        ("import sys; sys.exit('bye')", "SystemExit"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("raise GeneratorExit", "GeneratorExit"),
    ],
)
def test_base_exceptions_become_plain_exceptions_never_raised_as_themselves(
    remote, statement, name
):
    f = remote(f"def f(x):\n    {statement}\n")
    error = student_error(f, 1)  # pytest.raises(Exception) would not catch the real ones
    assert type(error).__name__ == name
    assert isinstance(error, Exception)
    assert not isinstance(error, (builtins.SystemExit, builtins.KeyboardInterrupt))
    assert not isinstance(error, builtins.GeneratorExit)
    with pytest.raises(CheckFailed, match=f"raised {name}"):
        call_student(f, 1, case="one")


def test_os_exit_is_a_sandbox_fault_naming_the_exit_status(remote):
    f = remote("import os\ndef f(x):\n    os._exit(7)\n")
    with pytest.raises(SandboxFault, match="exit status 7") as info:
        f(1)
    # The fault sticks: later calls raise it again instead of talking to a dead process.
    with pytest.raises(SandboxFault) as again:
        f(1)
    assert again.value is info.value
    assert isinstance(info.value, GradingAborted)  # what the check framework knows of it
    with pytest.raises(CheckFailed, match=r'ended the process .*exit status 7.*\(on case "c"\)'):
        call_student(f, 1, case="c")


def test_an_endless_loop_is_a_sandbox_fault_after_the_wall_time(remote, sandboxes):
    f = remote(
        """
        import signal
        def f(x):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            while True:
                pass
        """,
        limits=sandbox.Limits(wall_seconds=2),
    )
    with pytest.raises(SandboxFault, match="did not finish within 2 s"):
        f(1)
    [((process, _, _), workdir)] = sandboxes
    assert process.poll() is not None  # stopped, not left spinning
    assert not os.path.exists(workdir)


def test_a_load_error_is_raised_on_every_call(remote):
    f = remote("def f(x):\n    return x +\n", name="f")
    assert type(student_error(f, 1)) is SyntaxError
    g = remote("def other(x):\n    return x\n", name="g")
    error = student_error(g, 1)
    assert type(error) is NameError and "no function named 'g'" in str(error)


def test_importing_backproplab_fails_in_the_child_and_the_check_says_so(remote):
    f = remote("import backproplab\ndef double(x):\n    return backproplab.nope(x)\n")
    with pytest.raises(CheckFailed, match="must not use backproplab"):
        check("trusted_test.double", f)


# --- mutation write-back -----------------------------------------------------------------------


def test_an_in_place_change_to_an_array_argument_is_written_back(remote):
    f = remote("def f(x):\n    x *= 3\n    return 0.0\n")
    a = np.array([1.0, 2.0])
    assert f(a) == 0.0
    assert np.array_equal(a, [3.0, 6.0])
    b = np.array([1.0, 2.0])
    with pytest.raises(CheckFailed, match="changed its input `x`"):
        call_student(f, b, case="c")
    assert np.array_equal(b, [1.0, 2.0])  # call_student worked on a copy


def test_a_change_to_a_dict_argument_is_written_back(remote):
    f = remote(
        """
        def f(params):
            params["W"] -= 1.0
            params["extra"] = 5
            del params["gone"]
            return 0.0
        """
    )
    params = {"W": np.ones(2), "gone": 1}
    w = params["W"]
    f(params)
    assert set(params) == {"W", "extra"} and params["extra"] == 5
    assert params["W"] is w and np.array_equal(w, [0.0, 0.0])  # the same array, changed
    with pytest.raises(CheckFailed, match="changed its input `params`"):
        call_student(f, {"W": np.ones(2), "gone": 1}, case="c")


def test_a_change_inside_a_tuple_of_arrays_is_written_back(remote):
    f = remote("def f(pair):\n    pair[1][0] = -9.0\n    return 1.0\n")
    pair = (np.zeros(2), np.zeros(3))
    f(pair)
    assert np.array_equal(pair[0], [0.0, 0.0]) and np.array_equal(pair[1], [-9.0, 0.0, 0.0])
    with pytest.raises(CheckFailed, match="changed its input `pair`"):
        call_student(f, (np.zeros(2), np.zeros(3)), case="c")


def test_a_change_to_a_list_or_keyword_argument_is_written_back(remote):
    f = remote("def f(items, *, out):\n    items.append(4)\n    out[:] = 1\n    return 0\n")
    items, out = [1, 2, 3], np.zeros(2)
    f(items, out=out)
    assert items == [1, 2, 3, 4] and np.array_equal(out, [1.0, 1.0])
    with pytest.raises(CheckFailed, match="changed its input `items`"):
        call_student(f, [1], out=np.zeros(2), case="c")
    g = remote("def g(x, *, out):\n    out += x\n    return out\n")
    with pytest.raises(CheckFailed, match="changed its input `out`"):
        call_student(g, 1.0, out=np.zeros(2), case="c")


@pytest.mark.parametrize(
    ("source", "make"),
    [
        ("def f(x):\n    x.shape = (-1,)\n    return 0.0\n", lambda: np.ones((2, 2))),
        ("def f(x):\n    x[0] = np.zeros(5)\n    return 0.0\n", lambda: [np.ones(2)]),
        ("def f(x):\n    x[0] = 5.0\n    return 0.0\n", lambda: [1.0, 2.0]),
        ("def f(x):\n    x['lr'] = 0.5\n    return 0.0\n", lambda: {"lr": 0.1}),
    ],
    ids=["reshaped in place", "list element rebound", "number in a list", "number in a dict"],
)
def test_a_change_is_reported_as_in_process(remote, source, make):
    namespace = {"np": np}
    exec(source, namespace)
    with pytest.raises(CheckFailed, match="changed its input `x`"):
        call_student(namespace["f"], make(), case="c")  # in-process: reported
    with pytest.raises(CheckFailed, match="changed its input `x`"):
        call_student(remote(source), make(), case="c")


def test_an_unchanged_argument_is_not_reported_even_with_nan(remote):
    f = remote("def f(x):\n    y = x.copy()\n    y[0] = 0.0\n    return y\n")
    x = np.array([np.nan, 1.0])
    got = call_student(f, x, case="c")
    assert np.array_equal(got, [0.0, 1.0]) and np.isnan(x[0])


def test_a_generator_argument_advances_exactly_as_in_process(remote):
    f = remote("def f(rng):\n    return rng.standard_normal(3)\n")
    mine, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(f(mine), twin.standard_normal(3))
    assert mine.bit_generator.state == twin.bit_generator.state
    assert mine.standard_normal() == twin.standard_normal()


# --- lent callables ----------------------------------------------------------------------------


def test_a_lent_callable_is_called_back_in_the_grader(remote):
    seen = []

    def callback(v):
        seen.append(v)
        return v * 10

    f = remote("def apply(f, x):\n    return f(x) + 1\n")
    assert f(callback, 2.0) == 21.0
    got = f(callback, np.arange(3.0))
    assert np.array_equal(got, [1.0, 11.0, 21.0])
    assert seen[0] == 2.0 and np.array_equal(seen[1], [0.0, 1.0, 2.0])


def test_a_check_that_passes_a_function_works_remotely(remote, capsys):
    check("trusted_test.apply", remote("def apply(f, x):\n    return f(x) + 1\n"))
    assert "\u2713 apply: 2 cases pass" in capsys.readouterr().out


def test_a_failing_callback_reaches_the_student_as_runtime_error(remote):
    def callback(v):
        raise ZeroDivisionError("in the grader")

    f = remote("def f(g):\n    return g(1)\n")
    error = student_error(f, callback)
    assert type(error) is RuntimeError
    assert "ZeroDivisionError: in the grader" in str(error)


# --- what the student's values can do ------------------------------------------------------------


def test_an_always_equal_object_arrives_as_a_reference_and_fails(remote):
    f = remote(
        """
        class Always:
            def __eq__(self, other):
                return True
            def __array__(self, dtype=None, copy=None):
                return np.full(2, 0.0)

        def double(x):
            return Always()
        """
    )
    assert type(f(np.ones(2))).__name__ == "Ref"
    with pytest.raises(CheckFailed, match="object of type Always"):
        check("trusted_test.double", f)


def test_a_wrong_result_fails_the_check_with_the_case(remote):
    with pytest.raises(CheckFailed, match='case "two numbers"'):
        check("trusted_test.double", remote("def double(x):\n    return 3 * x\n"))
