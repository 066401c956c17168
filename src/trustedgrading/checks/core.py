"""A check from end to end: :func:`check` runs a registered check, :func:`check_case` one case.

The parts: :mod:`~trustedgrading.checks.registry` (the course, its checks and cases),
:mod:`~trustedgrading.checks.calling` (calling the student's function),
:mod:`~trustedgrading.checks.compare` (judging a result and explaining a difference) and
:mod:`~trustedgrading.checks.context` (how a check fails, and what every part shares).
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from trustedgrading.checks.calling import call_student, refuse_static_delegation
from trustedgrading.checks.compare import expect_close
from trustedgrading.checks.context import (
    CALLS,
    COMPANIONS,
    FUNCTION,
    CheckFailed,
    describe,
    fail,
    quiet,
)
from trustedgrading.checks.registry import (
    _REGISTRY,  # noqa: F401 (still importable from here: the course's tests read the table)
    lookup,
    seed,
)


def check(name, fn, *, hidden=False, salt=b""):
    """Check a student's function; raise :class:`CheckFailed` with a diagnosis if it is wrong.

    Parameters
    ----------
    name : str
        ``"<assignment>.<function>"``, e.g. ``"ch02_activations.sigmoid"``.
    fn : callable
        The student's function.
    hidden : bool
        Also run the hidden cases (the autograder's test cells do).
    salt : bytes
        Mixed into the seed of the random cases. The trusted grader passes the course's
        secret, so the random inputs it grades with cannot be generated from the installed
        package; without a salt they are the same on every machine.

    Returns
    -------
    None or float
        On success a one-line summary is printed and nothing is returned, so a test cell shows
        only that line. A custom check may give partial credit (it returns the fraction of
        the marks earned, below 1): then that fraction is returned, after a summary line
        saying so, and a test cell ending in this call shows it as its result.
    """
    spec = lookup(name)
    function = name.split(".")[1]
    token = FUNCTION.set(function)
    companions_token = COMPANIONS.set(spec.companions)
    calls = [0]
    calls_token = CALLS.set(calls)
    score = None
    try:
        if not callable(fn):
            fail(f"{function} should be a function, but it is {describe(fn)}.")
        refuse_static_delegation(fn, function)
        rng = np.random.default_rng(seed(name, salt))
        if spec.custom is not None:
            score = _fraction(spec.custom(fn, rng, hidden), name)
        else:
            _run_cases(spec, fn, rng, hidden)
    except CheckFailed as failure:
        # Re-raised below so the student's traceback ends in this function, not deep inside.
        message = str(failure)
    else:
        message = None
    finally:
        FUNCTION.reset(token)
        COMPANIONS.reset(companions_token)
        CALLS.reset(calls_token)
    if message is not None:
        raise CheckFailed(message) from None
    hidden_note = " (hidden tests included)" if hidden else ""
    if score is not None:
        print(f"\u25d0 {function}: partial credit, {score:.0%} of the marks{hidden_note}")
        return score
    cases = "1 case passes" if calls[0] == 1 else f"{calls[0]} cases pass"
    print(f"\u2713 {function}: {cases}{hidden_note}")
    return None


def _fraction(result, name):
    """A custom check's result as partial credit: None for full marks, else a float in (0, 1)."""
    if result is None:
        return None
    if isinstance(result, bool) or not isinstance(result, (int, float, np.floating)):
        raise TypeError(f"the check {name} returned {result!r}; a check returns None or a number")
    score = float(result)
    if not 0.0 < score <= 1.0:
        raise ValueError(
            f"the check {name} returned {score}: partial credit is a fraction in (0, 1]; "
            "a check that gives no marks fails instead"
        )
    return None if score == 1.0 else score


def _run_cases(spec, fn, rng, hidden):
    for case in spec.cases(rng, hidden):
        check_case(
            fn,
            spec.reference,
            case,
            outputs=spec.outputs,
            mistakes=spec.mistakes,
            rtol=spec.rtol,
            atol=spec.atol,
        )


def check_case(
    fn,
    reference,
    case,
    *,
    outputs=("out",),
    mistakes=(),
    rtol=1e-7,
    atol=1e-12,
    shape_advice=None,
):
    """Run one :class:`Case` through the student's function and compare with the reference.

    What :func:`register` does for each of its cases, for custom checks that build their
    cases as they go (e.g. feeding a student's own output into the next step).

    Parameters
    ----------
    fn, reference : callable
        The student's function and the reference.
    case : Case
        The inputs.
    outputs, mistakes, rtol, atol
        As for :func:`register`. Mistakes are run only when an output is wrong.
    shape_advice : callable, optional
        ``shape_advice(case, what, shape)`` may return a sentence explaining a wrong shape
        (e.g. "the padding was not cropped"); it replaces the generic shape hint.

    Returns
    -------
    tuple
        The student's outputs, one per name in ``outputs``.
    """
    expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    expected = (expected,) if len(outputs) == 1 else tuple(expected)
    got = _unpack(call_student(fn, *case.args, case=case.label, **case.kwargs), outputs, case.label)
    inputs = _named_inputs(reference, case)
    for i, what in enumerate(outputs):
        if what is None:
            continue
        if shape_advice is not None and isinstance(got[i], np.ndarray):
            # The base class's view: a subclass cannot misreport its shape.
            shape, wanted = np.ndarray.view(got[i], np.ndarray).shape, np.shape(expected[i])
            advice = shape_advice(case, what, shape) if shape != wanted else None
            if advice:
                fail(
                    f"{FUNCTION.get()} returned {what} with shape {shape} on case "
                    f'"{case.label}", expected shape {wanted}. {advice}'
                )
        expect_close(
            got[i],
            expected[i],
            what=what,
            case=case.label,
            rtol=rtol,
            atol=atol,
            batch=case.batch,
            mistakes=_mistake_outputs(mistakes, case, i, len(outputs)),
            inputs=inputs,
        )
    return got


def _unpack(got, outputs, case):
    function = FUNCTION.get()
    n = len(outputs)
    names = ", ".join(o or "cache" for o in outputs)
    if n == 1:
        # A list is left to the array check, which suggests np.array(...).
        if isinstance(got, tuple):
            fail(
                f'{function} returned {describe(got)} on case "{case}"; it should return '
                f"one array ({names})."
            )
        return (got,)
    if not isinstance(got, (tuple, list)):
        fail(
            f"{function} should return {n} values ({names}) but returned {describe(got)} "
            f'on case "{case}". End with `return {names}`.'
        )
    # The base class's own methods, so an overridden __len__/__getitem__ cannot lie.
    base = tuple if isinstance(got, tuple) else list
    length = base.__len__(got)
    if length != n:
        fail(
            f'{function} should return {n} values ({names}) but returned {length} on case "{case}".'
        )
    return tuple(base.__getitem__(got, i) for i in range(n))


def _mistake_outputs(mistakes, case, index, n_outputs):
    """(Mistake, its output number ``index``) for each mistake that runs on this case.

    A mistake may return all the outputs (a tuple, like the reference) or only the compared
    one (e.g. a forward pass's ``out`` without its cache).
    """
    for mistake in mistakes:
        try:
            with quiet():
                wrong = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception:
            continue
        yield mistake, (wrong[index] if n_outputs > 1 and isinstance(wrong, tuple) else wrong)


def _named_inputs(reference, case):
    try:
        bound = inspect.signature(reference).bind(*case.args, **case.kwargs)
    except (TypeError, ValueError):
        return {f"argument {i + 1}": a for i, a in enumerate(case.args)} | case.kwargs
    return dict(bound.arguments)
