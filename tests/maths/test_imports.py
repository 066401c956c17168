"""The maths stays maths: no module of backproplab outside ``display`` may load a plotting or
widget library (DESIGN.md), nor SciPy, which is only the tests' oracle (requirements.txt; the
augmentations and convolutions are NumPy). Every module found on disk is covered, not a list."""

import ast
import subprocess
import sys

import pytest
from support.packages import PACKAGE_DIR, maths_modules

FORBIDDEN = ("matplotlib", "ipywidgets", "ipympl", "IPython", "backproplab.display", "scipy")


def check_modules():
    """Every module of the grading package, found on disk, subpackages included (an
    assignment's checks may be a package of several modules, like ch04_gradient_descent)."""
    found = []
    for path in sorted((PACKAGE_DIR / "grading").rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        found.append("backproplab." + ".".join(p for p in parts if p != "__init__"))
    return sorted(found)


def test_the_discovery_finds_the_check_modules():
    modules = check_modules()
    assert {"backproplab.grading", "backproplab.grading.ch01_perceptron"} <= set(modules)
    # Subpackages are walked too: ch04's checks are a package of several modules.
    assert {
        "backproplab.grading.ch04_gradient_descent",
        "backproplab.grading.ch04_gradient_descent.minibatches",
    } <= set(modules)


def forbidden_imports(source):
    """Every import of a plotting/widget library in ``source``, including inside functions."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found += [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    return found


def loaded_after_importing(modules):
    """The forbidden modules a fresh interpreter holds after importing ``modules``."""
    code = (
        "import sys, importlib\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules\n"
        f"       if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def source_of(module):
    path = PACKAGE_DIR.joinpath(*module.split(".")[1:])
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()


def test_the_discovery_finds_the_maths_modules():
    modules = maths_modules()
    assert {"backproplab.layers", "backproplab.conv", "backproplab.optimizers"} <= set(modules)
    assert not any(m.startswith(("backproplab.display", "backproplab.grading")) for m in modules)


def test_importing_the_maths_loads_no_plotting_library():
    # A fresh interpreter, so that nothing imported by pytest or other tests can hide it.
    assert loaded_after_importing(maths_modules()) == ""


@pytest.mark.parametrize("module", maths_modules())
def test_no_forbidden_import_statement(module):
    # Also catches imports inside functions, which the runtime check cannot see.
    assert forbidden_imports(source_of(module)) == []


def test_the_detector_itself_can_fail():
    source = "import numpy\ndef f():\n    import matplotlib.pyplot as plt\n"
    assert forbidden_imports(source) == ["matplotlib.pyplot"]
    assert forbidden_imports("from backproplab.display import widgets\n") == [
        "backproplab.display",
        "backproplab.display.widgets",
    ]
    assert "matplotlib" in loaded_after_importing(["backproplab.display.plotting"])


def test_the_checks_load_no_plotting_library():
    # Autograding imports every check module; plotting would cost time in every submission.
    assert loaded_after_importing(check_modules()) == ""
    for module in check_modules():
        assert forbidden_imports(source_of(module)) == [], module
