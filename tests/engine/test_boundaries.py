"""What each part of the engine may import (``docs/trustedgrading.md``, "What may import what").

Every ``import`` and ``from ... import`` in ``src/trustedgrading`` is read from the source
(an AST walk, so imports inside functions and ``try`` blocks count too, and so do
``importlib.import_module("...")`` and ``__import__("...")`` with a literal name):

- (a) the engine never imports ``backproplab`` (it is course-agnostic);
- (b) the sandbox, and the leaf modules its child loads, import only the standard library
  and NumPy (the child runs with nothing else on its path);
- (c) every other third-party import is declared in pyproject.toml's ``grading`` extra;
- (d) the check framework imports nothing of the sandbox, the runner, nbgrader or batch.

And no module is over 600 lines.

Each detector is run once on a small tree that breaks its rule, to show it can fail.
"""

import ast
import importlib.metadata
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from trustedgrading.sandbox import launch

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
ENGINE = "trustedgrading"
# Leaf modules of the engine the sandboxed child loads by bare name, next to its own files.
CHILD_LEAVES = ("limits", "mutation")
FRAMEWORK_MAY_NOT_IMPORT = tuple(
    f"{ENGINE}.{part}" for part in ("sandbox", "runner", "nbgrader", "batch")
)
# Import names whose distribution is named otherwise, for when the distribution is not installed
# (installed ones are looked up with importlib.metadata.packages_distributions).
DISTRIBUTIONS = {"IPython": "ipython", "sqlalchemy": "SQLAlchemy", "yaml": "PyYAML"}
# A module longer than this holds more than one concern: split it.
MAX_LINES = 600


# --- reading imports -----------------------------------------------------------------------


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path, name):
    """``(dotted name, line)`` for everything the file imports, at any depth.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a module); a relative import
    is resolved against the module's package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module
            yield module, node.lineno
            for alias in node.names:
                if alias.name != "*":
                    yield f"{module}.{alias.name}", node.lineno
        elif (
            isinstance(node, ast.Call)
            and _callee(node.func) in ("importlib.import_module", "import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def _callee(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def modules(root, under=ENGINE):
    """``(path, dotted name)`` of every module in the package folder ``root / under``."""
    for path in sorted((root / under).rglob("*.py")):
        yield path, module_name(path, root)


def top(name):
    return name.split(".")[0]


# --- the detectors ---------------------------------------------------------------------------


def course_imports(root):
    """(a) Imports of ``backproplab`` anywhere in the engine."""
    return [
        f"{name}:{line} imports {imported}"
        for path, name in modules(root)
        for imported, line in imports(path, name)
        if top(imported) == "backproplab"
    ]


def sandbox_imports(root):
    """(b) Imports in the sandbox and the child's leaf modules that are not standard library,
    NumPy, a file the child loads next to its own (by bare name), or that file's name in the
    engine."""
    sandbox = root / ENGINE / "sandbox"
    siblings = {p.stem for p in sandbox.glob("*.py")} | set(CHILD_LEAVES)
    allowed_in_engine = {
        f"{ENGINE}.sandbox",
        *(f"{ENGINE}.sandbox.{s}" for s in siblings),
        *(f"{ENGINE}.{leaf}" for leaf in CHILD_LEAVES),
    }
    checked = [(p, n) for p, n in modules(root, f"{ENGINE}/sandbox")]
    checked += [(root / ENGINE / f"{leaf}.py", f"{ENGINE}.{leaf}") for leaf in CHILD_LEAVES]
    found = []
    for path, name in checked:
        for imported, line in imports(path, name):
            first = top(imported)
            if first in sys.stdlib_module_names or first == "numpy" or first in siblings:
                continue
            if imported == ENGINE or any(
                imported == a or imported.startswith(a + ".") for a in allowed_in_engine
            ):
                continue
            found.append(f"{name}:{line} imports {imported}")
    return found


def leaf_imports(root):
    """(b) The child's leaf modules import only the standard library and NumPy."""
    found = []
    for leaf in CHILD_LEAVES:
        path = root / ENGINE / f"{leaf}.py"
        for imported, line in imports(path, f"{ENGINE}.{leaf}"):
            if top(imported) not in sys.stdlib_module_names and top(imported) != "numpy":
                found.append(f"{ENGINE}.{leaf}:{line} imports {imported}")
    return found


def _normalise(distribution):
    return re.sub(r"[-_.]+", "-", distribution).lower()


def declared_grading_extra(pyproject):
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    requirements = data["project"]["optional-dependencies"]["grading"]
    return {_normalise(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}


def undeclared_imports(root, declared):
    """(c) Third-party imports whose distribution is neither NumPy nor in ``declared``."""
    installed = importlib.metadata.packages_distributions()
    first_party = {ENGINE, *CHILD_LEAVES}
    first_party |= {p.stem for p in (root / ENGINE / "sandbox").glob("*.py")}
    found = []
    for path, name in modules(root):
        for imported, line in imports(path, name):
            first = top(imported)
            if first in sys.stdlib_module_names or first in first_party:
                continue
            names = installed.get(first) or [DISTRIBUTIONS.get(first, first)]
            if not {_normalise(d) for d in names} & (declared | {"numpy"}):
                found.append(f"{name}:{line} imports {imported} ({', '.join(names)})")
    return found


def framework_imports(root):
    """(d) Imports of the sandbox, runner, nbgrader or batch from the check framework."""
    return [
        f"{name}:{line} imports {imported}"
        for path, name in modules(root, f"{ENGINE}/checks")
        for imported, line in imports(path, name)
        if any(imported == p or imported.startswith(p + ".") for p in FRAMEWORK_MAY_NOT_IMPORT)
    ]


def loaded_with(module):
    """The engine's modules loaded by importing ``module`` in a fresh interpreter."""
    code = (
        f"import sys, {module}\n"
        f"print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] == {ENGINE!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.split()


# --- the rules -------------------------------------------------------------------------------


def test_a_the_engine_never_imports_the_course():
    assert course_imports(SRC) == []


def test_b_the_sandbox_imports_only_the_standard_library_and_numpy():
    assert sandbox_imports(SRC) == []
    assert leaf_imports(SRC) == []


def test_b_the_child_loads_exactly_its_own_files_and_the_leaf_modules():
    names = sorted(launch.CHILD_FILES)
    assert names == sorted(["_child.py", "_wire.py", *(f"{leaf}.py" for leaf in CHILD_LEAVES)])
    for name, path in launch.CHILD_FILES.items():
        assert Path(path).name == name and Path(path).is_file()


def test_c_every_third_party_import_is_declared_in_the_grading_extra():
    declared = declared_grading_extra(REPO / "pyproject.toml")
    assert undeclared_imports(SRC, declared) == []


def test_d_the_check_framework_imports_no_transport():
    assert framework_imports(SRC) == []
    loaded = loaded_with(f"{ENGINE}.checks")
    assert not [m for m in loaded if m.startswith(FRAMEWORK_MAY_NOT_IMPORT)], loaded


def test_no_engine_module_is_over_600_lines():
    long = {
        name: n
        for path, name in modules(SRC)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


# --- the detectors can fail --------------------------------------------------------------------


def write_tree(root, files):
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


@pytest.fixture
def bad_tree(tmp_path):
    return write_tree(
        tmp_path,
        {
            f"{ENGINE}/__init__.py": "",
            f"{ENGINE}/limits.py": "import json\n",
            f"{ENGINE}/mutation.py": "import numpy\nimport scipy\n",
            f"{ENGINE}/runner.py": "def later():\n    import backproplab.grading\n",
            f"{ENGINE}/nbgrader/plugin.py": "import matplotlib.pyplot\nfrom IPython import x\n",
            f"{ENGINE}/sandbox/__init__.py": "",
            f"{ENGINE}/sandbox/_wire.py": "try:\n    import requests\nexcept OSError:\n    0\n",
            f"{ENGINE}/sandbox/launch.py": f"from {ENGINE} import runner\nfrom .. import limits\n",
            f"{ENGINE}/checks/__init__.py": "from .core import check\n",
            f"{ENGINE}/checks/core.py": textwrap.dedent(
                """\
                import importlib
                from ..sandbox._wire import Ref
                def check():
                    from trustedgrading import batch
                    return importlib.import_module("backproplab")
                """
            ),
        },
    )


def test_the_course_detector_sees_imports_inside_functions_and_by_importlib(bad_tree):
    found = course_imports(bad_tree)
    assert any(f.startswith(f"{ENGINE}.runner:2 imports backproplab") for f in found)
    assert any(f.startswith(f"{ENGINE}.checks.core:5 imports backproplab") for f in found)


def test_the_sandbox_detector_sees_third_party_and_engine_imports(bad_tree):
    found = sandbox_imports(bad_tree)
    assert f"{ENGINE}.sandbox._wire:2 imports requests" in found  # inside try
    assert f"{ENGINE}.sandbox.launch:1 imports {ENGINE}.runner" in found
    assert f"{ENGINE}.mutation:2 imports scipy" in found
    assert not any("limits" in f for f in found)  # relative import of a leaf module: allowed
    assert leaf_imports(bad_tree) == [f"{ENGINE}.mutation:2 imports scipy"]


def test_the_declaration_detector_sees_an_undeclared_distribution(bad_tree):
    found = undeclared_imports(bad_tree, {"ipython", "numpy"})
    assert any(f.startswith(f"{ENGINE}.nbgrader.plugin:1 imports matplotlib") for f in found)
    assert not any("IPython" in f for f in found)  # declared as ipython
    assert any("imports scipy" in f for f in found) and any("requests" in f for f in found)
    # SQLAlchemy's import name differs from its distribution's in case only.
    sql = write_tree(bad_tree / "sql", {f"{ENGINE}/db.py": "import sqlalchemy.exc\n"})
    assert undeclared_imports(sql, {"sqlalchemy"}) == []
    assert undeclared_imports(sql, set()) != []


def test_the_framework_detector_sees_relative_and_late_imports(bad_tree):
    found = framework_imports(bad_tree)
    assert f"{ENGINE}.checks.core:2 imports {ENGINE}.sandbox._wire" in found
    assert f"{ENGINE}.checks.core:4 imports {ENGINE}.batch" in found


def test_the_transitive_check_sees_what_the_runner_loads():
    assert f"{ENGINE}.sandbox._wire" in loaded_with(f"{ENGINE}.runner")
