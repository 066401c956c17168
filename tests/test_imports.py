"""The maths modules stay free of plotting and widget libraries (DESIGN.md)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import backproplab

PACKAGE_DIR = Path(backproplab.__file__).parent
FORBIDDEN = ("matplotlib", "ipywidgets", "IPython", "backproplab.plotting", "backproplab.widgets")


def test_every_maths_module_exists():
    present = {p.stem for p in PACKAGE_DIR.glob("*.py")}
    assert set(backproplab.MATHS_MODULES) <= present


def test_importing_the_maths_loads_no_plotting_library():
    # A fresh interpreter, so that nothing imported by pytest or other tests can hide it.
    code = (
        "import sys, importlib\n"
        f"for m in {backproplab.MATHS_MODULES!r}: importlib.import_module('backproplab.' + m)\n"
        f"bad = [m for m in sys.modules\n"
        f"       if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"maths modules pulled in: {out.stdout.strip()}"


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


@pytest.mark.parametrize("module", backproplab.MATHS_MODULES)
def test_no_forbidden_import_statement(module):
    # Also catches imports inside functions, which the runtime check cannot see.
    assert forbidden_imports((PACKAGE_DIR / f"{module}.py").read_text()) == []


def test_the_detector_itself_can_fail():
    source = "import numpy\ndef f():\n    import matplotlib.pyplot as plt\n"
    assert forbidden_imports(source) == ["matplotlib.pyplot"]
    assert forbidden_imports("from backproplab import widgets\n") == ["backproplab.widgets"]


def test_the_grading_checks_load_no_plotting_library():
    # Autograding imports every check module; plotting would cost time in every submission.
    code = (
        "import sys, importlib\n"
        "from backproplab.grading import ASSIGNMENTS\n"
        "for a in ASSIGNMENTS: importlib.import_module('backproplab.grading.' + a)\n"
        f"bad = [m for m in sys.modules\n"
        f"       if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"grading pulled in: {out.stdout.strip()}"
    for path in sorted((PACKAGE_DIR / "grading").glob("*.py")):
        found = forbidden_imports(path.read_text())
        if path.name == "extract.py":
            # The grader reads notebook cells with IPython's own input parser (magics, `!`),
            # which is not a display library and never loads in a kernel or a check.
            found = [m for m in found if not m.startswith("IPython.core.inputtransformer2")]
        assert found == [], path.name
