"""Every check of every assignment scores 0 for a function that hands the work to backproplab.

Two ways to delegate, for each graded function that has a reference in the package:
- named in the code (an import inside the function), refused before it runs;
- hidden from the code (the module and function names built from strings at run time), which
  only the run-time guard sees. A custom check that called the student's function without
  ``call_student`` would miss this one.
"""

import importlib
import pkgutil

import pytest

import backproplab
from backproplab.grading import ASSIGNMENTS, CheckFailed, check, graded_functions

# The maths modules, found on disk (never listed by hand, so a new chapter's module is covered):
# backproplab's public modules; display and grading are subpackages, _validate is private.
REFERENCE_MODULES = tuple(
    sorted(
        m.name
        for m in pkgutil.iter_modules(backproplab.__path__)
        if not m.ispkg and not m.name.startswith("_")
    )
)


def reference_module(function):
    """The backproplab module that defines ``function`` (else one that imports it), or None."""
    found = [
        name
        for name in REFERENCE_MODULES
        if callable(getattr(importlib.import_module(f"backproplab.{name}"), function, None))
    ]
    for name in found:
        module = importlib.import_module(f"backproplab.{name}")
        if getattr(module, function).__module__ == module.__name__:
            return name
    return found[0] if found else None


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
