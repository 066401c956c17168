"""Every check of every assignment scores 0 for a function that hands the work to backproplab.

Two ways to delegate, for each graded function that has a reference in the package:
- named in the code (an import inside the function), refused before it runs;
- hidden from the code (the module and function names built from strings at run time), which
  only the run-time guard sees. A custom check that called the student's function without
  ``call_student`` would miss this one.
"""

import importlib

import pytest

from backproplab.grading import ASSIGNMENTS, CheckFailed, check, graded_functions

REFERENCE_MODULES = (
    "perceptron",
    "activations",
    "losses",
    "layers",
    "conv",
    "network",
    "optimizers",
    "training",
    "gradcheck",
    "diagnostics",
    "chain1d",
)


def reference_module(function):
    """The backproplab module that defines ``function``, or None."""
    for name in REFERENCE_MODULES:
        if hasattr(importlib.import_module(f"backproplab.{name}"), function):
            return name
    return None


GRADED = [(a, f) for a in ASSIGNMENTS for f in graded_functions(a)]
DELEGABLE = [(a, f, m) for a, f in GRADED if (m := reference_module(f)) is not None]


def test_most_graded_functions_have_a_reference_to_delegate_to():
    # Guards the parametrisation below against silently testing nothing.
    assert len(DELEGABLE) >= 35, [f for _, f in GRADED]


@pytest.mark.parametrize(("assignment", "function"), GRADED)
def test_importing_backproplab_scores_zero(assignment, function):
    namespace = {}
    exec(f"def {function}(*args, **kwargs):\n    import backproplab\n    return None\n", namespace)
    with pytest.raises(CheckFailed, match="must not use backproplab"):
        check(f"{assignment}.{function}", namespace[function], hidden=True)


@pytest.mark.parametrize(("assignment", "function", "module"), DELEGABLE)
def test_a_hidden_call_into_backproplab_scores_zero(assignment, function, module):
    source = (
        f"def {function}(*args, **kwargs):\n"
        f"    package = __import__('backproplab.' + {module!r}, fromlist=['_'])\n"
        f"    return getattr(package, {function!r})(*args, **kwargs)\n"
    )
    namespace = {}
    exec(source, namespace)
    with pytest.raises(CheckFailed, match="must not use backproplab"):
        check(f"{assignment}.{function}", namespace[function], hidden=True)
