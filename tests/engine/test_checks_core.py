"""The grading machinery itself: what a check accepts, refuses and says.

The checks are registered here under a test-only assignment name ("core_test"), with small
references written in this file, so these tests do not depend on any chapter's checks.
"""

import contextlib
import io

import numpy as np
import pytest

import backproplab
from backproplab.activations import sigmoid as reference_sigmoid
from backproplab.grading import ASSIGNMENTS  # the course: its import configures the framework
from trustedgrading.checks import (
    Case,
    CheckFailed,
    GradingAborted,
    Location,
    Mistake,
    call_student,
    check,
    check_case,
    companion,
    companions,
    describe,
    expect_close,
    fail,
    graded_functions,
    known_mistakes,
    register,
    register_custom,
)


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _logistic_cases(rng, hidden):
    yield Case("z = 0", np.array(0.0))
    yield Case("z = [-1000, 1000]", np.array([-1000.0, 1000.0]))
    yield Case("random (2, 3)", rng.normal(0, 3, size=(2, 3)))
    if hidden:
        for shape in [(5,), (3, 4)]:
            yield Case(f"random {shape}", rng.normal(0, 10, size=shape))


register("core_test.logistic", reference=_logistic, cases=_logistic_cases)


def _step_grad(z):
    return (np.asarray(z) > 0).astype(float)


register(
    "core_test.step_grad",
    reference=_step_grad,
    cases=lambda rng, hidden: iter([Case("z = [-1, 0, 2]", np.array([-1.0, 0.0, 2.0]))]),
    mistakes=[Mistake("the slope at 0 must be 0", lambda z: (z >= 0).astype(float), "use z > 0")],
)


def _mean_square(y_hat, y):
    return float(np.mean((y_hat - y) ** 2))


def _mean_square_grad(y_hat, y):
    return 2 * (y_hat - y) / y.size


def _square_cases(rng, hidden):
    y_hat, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    yield Case("a batch of 4", y_hat, y, batch=4)


register(
    "core_test.mse_grad", reference=_mean_square_grad, cases=_square_cases, outputs=("dy_hat",)
)


def _affine(x, W):
    return x @ W, x.sum(axis=0)


register(
    "core_test.affine",
    reference=_affine,
    cases=lambda rng, hidden: iter(
        [Case("x (3, 2), W (2, 4)", rng.normal(size=(3, 2)), rng.normal(size=(2, 4)))]
    ),
    outputs=("out", "colsum"),
)


def _outer(a, b):
    return np.outer(a, b)


register(
    "core_test.outer",
    reference=_outer,
    cases=lambda rng, hidden: iter([Case("a (2,), b (3,)", np.array([1.0, 2.0]), np.arange(3.0))]),
)


_STD_ONE = Mistake("std of 1", lambda n, rng: rng.normal(size=n))


@register_custom("core_test.noise", mistakes=[_STD_ONE])
def _noise_check(student, rng, hidden):
    out = call_student(student, 10_000, np.random.default_rng(1), case="n = 10000")
    expect_close(np.std(out), 2.0, what="the standard deviation", case="n = 10000", rtol=0.05)


def failure(name, fn, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(name, fn, **kwargs)
    return str(info.value)


# --- passing ---


def test_a_correct_function_passes_and_reports_its_cases(capsys):
    assert check("core_test.logistic", lambda z: 1 / (1 + np.exp(-z))) is None
    assert capsys.readouterr().out == "\u2713 logistic: 3 cases pass\n"


def test_hidden_runs_more_cases(capsys):
    check("core_test.logistic", lambda z: 1 / (1 + np.exp(-z)), hidden=True)
    assert capsys.readouterr().out == "\u2713 logistic: 5 cases pass (hidden tests included)\n"


def test_a_check_failure_is_an_assertion_error_for_nbgrader():
    assert issubclass(CheckFailed, AssertionError)


def test_overflow_warnings_of_a_correct_function_never_fail():
    # pytest turns warnings into errors here (filterwarnings = error); the check must shield
    # the student's call from that: 1 / (1 + exp(1000)) overflows to the right value, 0.
    def naive_but_correct(z):
        return 1 / (1 + np.exp(-z))

    check("core_test.logistic", naive_but_correct, hidden=True)


def test_an_integer_array_is_accepted_where_its_values_are_right():
    check("core_test.step_grad", lambda z: (z > 0).astype(int))


def test_a_numpy_scalar_or_python_float_is_accepted_for_a_0d_output():
    check("core_test.logistic", lambda z: _logistic(z) if np.ndim(z) else float(_logistic(z)))


def test_an_ndarray_subclass_is_judged_by_its_data():
    class Tagged(np.ndarray):
        pass

    check("core_test.logistic", lambda z: _logistic(z).view(Tagged))


def test_the_random_cases_are_the_same_on_every_run():
    seen = []

    def recorder(z):
        seen.append(np.array(z, copy=True))
        return _logistic(z)

    check("core_test.logistic", recorder)
    check("core_test.logistic", recorder)
    first, second = seen[:3], seen[3:]
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


# --- wrong values and their diagnoses ---


def test_a_wrong_value_names_the_case_index_expected_and_got():
    message = failure("core_test.logistic", lambda z: np.tanh(z))
    assert 'case "z = 0"' in message
    assert "expected 0.5, got 0" in message
    assert "input z = 0" in message


def test_an_overflow_to_nan_is_diagnosed():
    message = failure("core_test.logistic", lambda z: np.exp(z) / (1 + np.exp(z)))
    assert "z = [-1000, 1000]" in message
    assert "nan or inf" in message and "numerically stable" in message


def test_a_known_mistake_is_named():
    message = failure("core_test.step_grad", lambda z: (z >= 0).astype(float))
    assert "Likely mistake: the slope at 0 must be 0. use z > 0" in message


def test_a_gradient_n_times_too_large_names_the_batch_size():
    message = failure("core_test.mse_grad", lambda y_hat, y: 2 * (y_hat - y) / 3)
    assert "4 times too large, and 4 is the batch size N" in message


def test_a_gradient_averaged_twice_is_recognised():
    message = failure("core_test.mse_grad", lambda y_hat, y: 2 * (y_hat - y) / y.size / 4)
    assert "4 times too small" in message and "twice" in message


def test_a_constant_factor_is_reported():
    message = failure("core_test.mse_grad", lambda y_hat, y: (y_hat - y) / y.size)
    assert "2 times too small everywhere" in message


def test_a_flipped_sign_is_reported():
    message = failure("core_test.mse_grad", lambda y_hat, y: 2 * (y - y_hat) / y.size)
    assert "opposite sign" in message


def test_a_transposed_output_is_recognised_by_its_shape():
    message = failure("core_test.outer", lambda a, b: np.outer(b, a))
    assert "shape (3, 2)" in message and "expected shape (2, 3)" in message
    assert "transposed" in message


def test_a_missing_keepdims_is_hinted():
    message = failure("core_test.outer", lambda a, b: np.outer(a, b)[:, None, :])
    assert "axes of length 1" in message


def test_the_second_of_two_outputs_is_named():
    message = failure("core_test.affine", lambda x, W: (x @ W, x.sum(axis=1)))
    assert "colsum" in message


# --- refused results ---


def test_a_list_is_refused_with_a_conversion_hint():
    message = failure("core_test.outer", lambda a, b: np.outer(a, b).tolist())
    assert "returned a list" in message and "np.array" in message


def test_none_is_refused():
    message = failure("core_test.logistic", lambda z: None)
    assert "returned None" in message


def test_float32_is_refused_by_name():
    message = failure("core_test.logistic", lambda z: _logistic(z).astype(np.float32))
    assert "float32" in message and "float64" in message


def test_a_complex_result_is_refused():
    message = failure("core_test.logistic", lambda z: _logistic(z) + 0j)
    assert "complex" in message


def test_a_subclass_with_a_lying_eq_is_not_believed():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

        def __array_ufunc__(self, *args, **kwargs):
            return np.ones(1, dtype=bool)

    message = failure("core_test.logistic", lambda z: np.zeros_like(z).view(Liar))
    assert "expected 0.5, got 0" in message


def test_an_object_with_a_lying_eq_is_refused():
    class Always:
        def __eq__(self, other):
            return True

        def __array__(self, dtype=None, copy=None):
            return np.array(0.5)

    message = failure("core_test.logistic", lambda z: Always())
    assert "expected a NumPy array" in message


def test_a_tuple_of_the_wrong_length_is_refused():
    message = failure("core_test.affine", lambda x, W: (x @ W,))
    assert "should return 2 values (out, colsum) but returned 1" in message


def test_a_tuple_where_one_array_is_expected_is_refused():
    message = failure("core_test.logistic", lambda z: (_logistic(z), 0))
    assert "should return one array" in message


# --- the student's call ---


def test_not_implemented_yet():
    def stub(z):
        raise NotImplementedError()

    message = failure("core_test.logistic", stub)
    assert message.startswith("logistic is not implemented yet")


def test_an_exception_is_reported_with_the_case_and_line():
    def broken(z):
        return z[5]

    message = failure("core_test.logistic", broken)
    assert "raised IndexError" in message and 'case "z = 0"' in message
    assert "return z[5]" in message


def test_changing_an_input_is_refused_by_name():
    def in_place(z):
        z[...] = _logistic(z)
        return z

    message = failure("core_test.logistic", in_place)
    assert "changed its input `z`" in message


def test_the_callers_arrays_are_never_changed():
    z = np.array([1.0, 2.0])

    def in_place(z):
        z += 1
        return z

    with pytest.raises(CheckFailed):
        call_student(in_place, z, case="mine")
    assert np.array_equal(z, [1.0, 2.0])


def test_not_a_function_is_refused():
    message = failure("core_test.logistic", 3)
    assert "should be a function" in message


# --- the neutral terms in which an engine reports a call that ran elsewhere ---


def test_an_aborted_call_is_reported_as_it_is_with_the_case():
    def aborted(z):
        raise GradingAborted("did not finish within 2 s")

    message = failure("core_test.logistic", aborted)
    assert message == 'logistic did not finish within 2 s (on case "z = 0").'


def test_a_location_set_by_an_engine_replaces_the_traceback():
    def elsewhere(z):
        error = KeyError("w")
        error.student_location = Location("helper", 2, 'return p["w"]')
        raise error

    message = failure("core_test.logistic", elsewhere)
    assert message.endswith('raised KeyError: \'w\'\n  on case "z = 0"\n  in helper: return p["w"]')


def test_a_location_attribute_of_another_type_is_ignored():
    def own(z):
        error = ValueError("no")
        error.student_location = ("helper", 2, "forged")
        raise error

    message = failure("core_test.logistic", own)
    assert "forged" not in message and "at line" in message


def test_a_value_can_describe_itself():
    class Stayed:
        def __grading_description__(self):
            return "an object of type Always"

    assert describe(Stayed()) == "an object of type Always"
    assert describe(None) == "None"
    assert describe([1, 2]) == "a list of length 2"
    assert describe({}) == "a dict"
    message = failure("core_test.logistic", lambda z: Stayed())
    assert "returned an object of type Always for out" in message


# --- delegation to the reference package ---


def test_calling_the_package_through_its_module_scores_zero():
    message = failure("core_test.logistic", lambda z: backproplab.activations.sigmoid(z))
    assert "must not use backproplab" in message


def test_calling_an_imported_reference_function_scores_zero():
    message = failure("core_test.logistic", lambda z: reference_sigmoid(z))
    assert "must not use backproplab" in message and "reference_sigmoid" in message


def test_importing_the_package_inside_the_function_scores_zero():
    namespace = {"np": np}
    exec("def logistic(z):\n    import backproplab\n    return 1 / (1 + np.exp(-z))\n", namespace)
    message = failure("core_test.logistic", namespace["logistic"])
    assert "must not use backproplab" in message


def test_a_hidden_runtime_call_into_the_package_scores_zero():
    namespace = {"np": np}
    source = (
        "def logistic(z):\n"
        "    module = __import__('backproplab.activations', fromlist=['sigmoid'])\n"
        "    return getattr(module, 'sig' + 'moid')(z)\n"
    )
    exec(source, namespace)
    message = failure("core_test.logistic", namespace["logistic"])
    assert "it called backproplab.activations.sigmoid" in message


def test_a_closure_over_the_reference_scores_zero():
    def make():
        ref = reference_sigmoid

        def logistic(z):
            return ref(z)

        return logistic

    message = failure("core_test.logistic", make())
    assert "must not use backproplab" in message


def test_calling_the_students_own_helpers_is_fine():
    namespace = {"np": np}
    exec(
        "def helper(z):\n    return np.exp(-np.logaddexp(0, -z))\n"
        "def logistic(z):\n    return helper(z)\n",
        namespace,
    )
    check("core_test.logistic", namespace["logistic"], hidden=True)


# --- custom checks, names, the table ---


def test_a_custom_check_uses_the_same_helpers(capsys):
    check("core_test.noise", lambda n, rng: 2.0 * rng.normal(size=n))
    assert capsys.readouterr().out == "\u2713 noise: 1 case passes\n"
    message = failure("core_test.noise", lambda n, rng: rng.normal(size=n))
    assert "the standard deviation" in message


def test_fail_raises_check_failed():
    with pytest.raises(CheckFailed, match=r"^exactly this$"):
        fail("exactly this")


def test_an_unknown_check_name_is_a_value_error_listing_the_known_ones():
    with pytest.raises(ValueError, match=r"core_test\.logistic"):
        check("core_test.logistik", np.tanh)
    with pytest.raises(ValueError, match=r"assignment\.function"):
        check("logistic", np.tanh)


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already registered"):
        register("core_test.logistic", reference=_logistic, cases=_logistic_cases)


def test_the_table_of_known_mistakes_holds_the_registered_ones():
    table = known_mistakes()
    assert [m.name for m in table["core_test.step_grad"]] == ["the slope at 0 must be 0"]
    assert "core_test.noise" in table


def test_graded_functions_lists_an_assignment_and_refuses_unknown_ones():
    for assignment in ASSIGNMENTS:
        assert all(isinstance(name, str) for name in graded_functions(assignment))
    with pytest.raises(ValueError, match="unknown assignment"):
        graded_functions("ch09_transformers")


@register_custom("core_test.outer_steps")
def _outer_steps(student, rng, hidden):
    def advice(case, what, shape):
        return "Outer products are (len(a), len(b))." if shape == (3, 2) else None

    for n in (2, 3):
        case = Case(f"a ({n},), b (3,)", np.arange(1.0, n + 1), np.arange(3.0))
        check_case(student, _outer, case, shape_advice=advice)


def test_check_case_runs_one_case_with_shape_advice(capsys):
    check("core_test.outer_steps", np.outer)
    assert capsys.readouterr().out == "\u2713 outer_steps: 2 cases pass\n"
    message = failure("core_test.outer_steps", lambda a, b: np.outer(b, a))
    assert message.endswith("expected shape (2, 3). Outer products are (len(a), len(b)).")


def _inputs_seen(salt):
    """The inputs that check() hands a correct sigmoid, with the given salt."""
    seen = []

    def sigmoid(z):
        seen.append(np.array(z, copy=True))
        return np.exp(-np.logaddexp(0.0, -z))

    with contextlib.redirect_stdout(io.StringIO()):
        check("ch02_activations.sigmoid", sigmoid, hidden=True, salt=salt)
    return seen


def _same(a, b):
    return len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True)
    )


def test_a_salt_changes_the_random_cases_and_only_them():
    plain, again = _inputs_seen(b""), _inputs_seen(b"")
    salted, salted_again = _inputs_seen(b"course secret"), _inputs_seen(b"course secret")
    assert _same(plain, again) and _same(salted, salted_again)
    assert not _same(plain, salted)
    # The hand-made cases (the first ones) do not depend on the seed.
    assert np.array_equal(plain[0], salted[0])


# --- partial credit ---


@register_custom("core_test.near")
def _near_check(student, rng, hidden):
    """Full marks within 1 of 10, partial credit (linear) up to 5 away, a failure beyond."""
    distance = abs(call_student(student, case="no arguments") - 10.0)
    if distance > 5.0:
        fail(f"{distance} away from 10")
    return min(1.0, (5.0 - distance) / 4.0) if distance > 1.0 else None


def test_a_custom_check_gives_full_marks_as_before(capsys):
    assert check("core_test.near", lambda: 10.5) is None
    assert capsys.readouterr().out == "\u2713 near: 1 case passes\n"


def test_a_custom_check_gives_partial_credit_by_returning_a_fraction(capsys):
    assert check("core_test.near", lambda: 13.0, hidden=True) == 0.5
    assert capsys.readouterr().out == (
        "\u25d0 near: partial credit, 50% of the marks (hidden tests included)\n"
    )


def test_a_failure_is_still_a_failure():
    assert "6.0 away from 10" in failure("core_test.near", lambda: 16.0)


@pytest.mark.parametrize(
    ("result", "error"),
    [(0.0, ValueError), (1.5, ValueError), ("half", TypeError), (True, TypeError)],
)
def test_a_custom_checks_result_must_be_a_fraction_of_the_marks(result, error):
    name = f"core_test.result_{type(result).__name__}_{str(result).replace('.', '_')}"
    register_custom(name)(lambda student, rng, hidden: result)
    with pytest.raises(error, match=name.replace(".", r"\.")):
        check(name, lambda: None)


def test_a_returned_fraction_of_one_is_full_marks(capsys):
    register_custom("core_test.one")(lambda student, rng, hidden: 1)
    assert check("core_test.one", lambda: None) is None
    assert capsys.readouterr().out.startswith("\u2713 one:")


# --- companions: a check that calls two of the student's functions ---


@register_custom("core_test.encode", companions=("decode",))
def _encode_check(student, rng, hidden):
    decode = companion(student, "decode")
    x = rng.normal(size=5)
    code = call_student(student, x, case="a vector of 5")
    back = call_student(decode, code, case="decoding it")
    expect_close(back, x, what="decode(encode(x))", case="a vector of 5")


def _student(source):
    namespace = {"np": np}
    exec(source, namespace)
    return namespace["encode"]


def test_a_companion_comes_from_the_students_namespace(capsys):
    check(
        "core_test.encode",
        _student("def encode(x):\n    return 2 * x\ndef decode(c):\n    return c / 2\n"),
    )
    assert capsys.readouterr().out == "\u2713 encode: 2 cases pass\n"


def test_a_companions_mistakes_are_named_after_it():
    not_yet = _student(
        "def encode(x):\n    return 2 * x\ndef decode(c):\n    raise NotImplementedError()\n"
    )
    assert failure("core_test.encode", not_yet).startswith("decode is not implemented yet")
    changes = _student(
        "def encode(x):\n    return 2 * x\ndef decode(c):\n    c /= 2\n    return c\n"
    )
    assert failure("core_test.encode", changes).startswith("decode changed its input `c`")


def test_a_missing_companion_is_named():
    message = failure("core_test.encode", _student("def encode(x):\n    return 2 * x\n"))
    assert "needs your function decode too" in message and "`def decode(...)`" in message


def test_a_companion_that_uses_the_reference_scores_zero():
    delegating = _student(
        "import backproplab\ndef encode(x):\n    return 2 * x\n"
        "def decode(c):\n    return backproplab.activations.identity(c / 2)\n"
    )
    assert "decode must not use backproplab" in failure("core_test.encode", delegating)


def test_an_undeclared_companion_is_a_course_error():
    @register_custom("core_test.undeclared")
    def _undeclared(student, rng, hidden):
        companion(student, "decode")

    with pytest.raises(RuntimeError, match=r"companions=\('decode',\)"):
        check("core_test.undeclared", _student("def encode(x):\n    return x\n"))


def test_companions_are_listed_for_the_engine():
    assert companions("core_test.encode") == ("decode",)
    assert companions("core_test.logistic") == ()
    with pytest.raises(ValueError, match="companions must be function names"):
        register_custom("core_test.bad_companion", companions=("not a name",))
