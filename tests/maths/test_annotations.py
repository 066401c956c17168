"""Every public function of the maths package has type hints (issue #14): a return annotation
and one for each parameter. The modules are found on disk, not listed, so a new module or a new
function is covered as soon as it exists. ``make lint`` checks it too, with ruff's ANN rules
(which also cover the private helpers and the functions nested in others).
"""

import importlib
import inspect
import textwrap
import types
import typing

import pytest
from support.packages import maths_modules


def public_functions(module):
    """``(qualified name, function)`` for each public function defined in ``module``: its
    module-level functions and the methods of its classes (not what it imports)."""
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            found.append((name, obj))
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if (
                    not attr.startswith("_")
                    and inspect.isfunction(member)
                    and member.__module__ == module.__name__
                ):
                    found.append((f"{name}.{attr}", member))
    return found


def missing_annotations(fn):
    """What ``fn``'s signature leaves unannotated (``self`` and ``cls`` of methods excepted)."""
    signature = inspect.signature(fn)
    missing = [
        p.name
        for i, p in enumerate(signature.parameters.values())
        if p.annotation is inspect.Parameter.empty
        and not (i == 0 and p.name in ("self", "cls") and "." in fn.__qualname__)
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def unannotated(module):
    """``{"name": [what is missing]}`` for the public functions of ``module``."""
    return {
        name: missing
        for name, fn in public_functions(module)
        if (missing := missing_annotations(fn))
    }


def unresolvable(module):
    """``{"name": error}`` for the public functions of ``module`` whose hints do not evaluate."""
    found = {}
    for name, fn in public_functions(module):
        try:
            typing.get_type_hints(fn)
        except Exception as exc:  # NameError for a misspelt type, TypeError, ...
            found[name] = type(exc).__name__
    return found


def test_the_discovery_finds_the_maths_modules():
    modules = maths_modules()
    assert {"backproplab.layers", "backproplab.conv", "backproplab.optimizers"} <= set(modules)
    assert not any(m.startswith(("backproplab.display", "backproplab.grading")) for m in modules)


def test_the_discovery_finds_functions_and_methods():
    names = dict(public_functions(importlib.import_module("backproplab.surfaces")))
    assert {"descend", "get_surface", "Surface.value", "Surface.grad"} <= set(names)
    assert "as_float_array" not in names  # imported from _validate, checked there
    assert not any(n.split(".")[-1].startswith("_") for n in names)


@pytest.mark.parametrize("module", maths_modules())
def test_every_public_function_is_annotated(module):
    assert unannotated(importlib.import_module(module)) == {}


@pytest.mark.parametrize("module", maths_modules())
def test_the_hints_name_real_types(module):
    # The modules postpone evaluating annotations, so a misspelt type would go unnoticed.
    assert unresolvable(importlib.import_module(module)) == {}


def _module_from_source(source):
    module = types.ModuleType("fake_maths")
    exec(textwrap.dedent(source), module.__dict__)
    return module


def test_the_detector_catches_what_is_missing():
    module = _module_from_source(
        """
        from __future__ import annotations

        def untyped(x, y=1):
            return x

        def no_return(x: float):
            return x

        def one_untyped(x: float, *args: int, **kwargs) -> float:
            return x

        def typed(x: float, *, y: int = 1) -> float:
            return x

        def misspelt(x: flaot) -> float:
            return x

        def _private(x):
            return x

        class Thing:
            def method(self, w):
                return w

            @staticmethod
            def static(w: float):
                return w

            def fine(self, w: float) -> float:
                return w
        """
    )
    assert unannotated(module) == {
        "untyped": ["x", "y", "return"],
        "no_return": ["return"],
        "one_untyped": ["kwargs"],
        "Thing.method": ["w", "return"],
        "Thing.static": ["return"],
    }
    assert unresolvable(module) == {"misspelt": "NameError"}
