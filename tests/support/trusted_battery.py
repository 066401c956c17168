"""Submissions that attack or break trusted autograding, for one assignment (ch02_activations).

Imported by ``tests/e2e/test_trusted_autograde.py`` and usable from a benchmark::

    submissions = build_submissions(release, solution, marker=uuid.uuid4().hex, course=root)
    for student, submission in submissions.items():
        submission.write(root / "submitted" / student / ASSIGNMENT)

``release`` and ``solution`` are the notebooks (JSON dicts) from ``exercises/`` and
``solutions/``. Every submission derives from two bases:

- ``correct``: the release with each solution cell filled from the solution notebook, the
  ``### BEGIN/END SOLUTION`` lines dropped (as a student would hand it in);
- ``wrong``: ``correct`` with the two functions of :data:`WRONG` replaced by wrong versions.
  No other graded function calls them, so the points ``wrong`` loses do not depend on whether
  a dependent function's check runs with the student's helper or with the reference one.

A *cheat* is ``wrong`` plus an attack: it must score no more than ``wrong``. A *fault* is
``correct`` plus one runaway or crashing statement at the start of one function's body: it
must lose exactly the test cells that (transitively) call that function, found by
:func:`lost_points` from the solution notebook (the print flood and the background processes
are not wrong and lose nothing). A *notebook* case is ``correct`` handed in in a
damaged or unusual form: it must score full marks, except ``invalid_json`` (0).

The print flood and the background processes happen once per process (an environment
variable remembers it): every check calls the function dozens of times, and a hundred 50 MB
prints or sleeping interpreters would test the machine, not the grader.

The attacks never reach outside the temporary course (they look for the gradebook only above
their working directory and at ``course``; they open it only if it exists), and what they
start carries ``marker`` on its command line so that the test can find and kill it. The
attacks' source text is in ``support/trusted_attacks.py``; this module builds the submissions
and exports every name the test uses (the assignment, the attacker and what it writes too).
"""

import ast
import copy
import json
import random
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from support.trusted_attacks import (  # noqa: F401 (ASSIGNMENT, TROPHY, CORRUPTION: for the test)
    ALWAYS_EQUAL_ARRAY,
    ALWAYS_EQUAL_OBJECT,
    ASSIGNMENT,
    ATTACKER,
    CORRUPTION,
    FLOOD_TOP,
    NOTEBOOK,
    PATCH_BODY,
    SHADOW_BACKPROPLAB,
    SHADOW_NUMPY,
    SYSMODULES,
    SYSMODULES_TOP,
    TROPHY,
    _background,
    _exec_solutions,
    _flood_once,
    _patch_numpy,
    _rewrite_gradebook,
)

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class WrongFunction:
    """A wrong version of one graded function: ``def name(params):`` then ``body``."""

    name: str
    params: str
    args: str  # how the body passes the parameters on, e.g. "z, alpha"
    body: str

    def source(self, prologue="", body=None):
        """The function with ``prologue`` run first, then ``body`` (the wrong one by default)."""
        inner = "\n".join(part for part in (prologue.strip("\n"), body or self.body) if part)
        return f"def {self.name}({self.params}):\n{textwrap.indent(inner, '    ')}\n"


WRONG = (
    # relu_grad(0) must be 0 (the left derivative): this gives 1 there.
    WrongFunction("relu_grad", "z", "z", "return (np.asarray(z, dtype=float) >= 0).astype(float)"),
    # The leak on the wrong side: alpha * z for positive z.
    WrongFunction(
        "leaky_relu",
        "z, alpha=0.01",
        "z, alpha",
        "z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, alpha * z, z)",
    ),
)

# Faults: (student, function, statements run first in its body). The functions follow the brief.
FAULTS = {
    "infinite_loop": ("tanh", "while True:\n    pass"),
    "sigint_immune": (
        "tanh_grad",
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "while True:\n"
        "    pass",
    ),
    "os_exit": ("relu", "import os\nos._exit(0)"),
    "huge_alloc": ("leaky_relu", "np.ones(10**11)"),
}
# Faults that are not wrong: the function still returns the right value, so nothing is lost.
HARMLESS = ("print_flood", "background")

# The students build_submissions returns, by kind (known before the notebooks are read, so that
# tests can be parametrized by student).
BASES = ("correct", "wrong")
CHEATS = ("patch", "delegate", "exec_solutions", "sysmodules", "always_equal", ATTACKER)
FAULTY = (*FAULTS, *HARMLESS)
NOTEBOOK_CASES = (
    "deleted_tests",
    "stripped_metadata",
    "shuffled",
    "renamed",
    "shadow_modules",
    "invalid_json",
)
STUDENTS = (*BASES, *CHEATS, *FAULTY, *NOTEBOOK_CASES)


@dataclass
class Submission:
    """What one student hands in, and what the battery expects of it.

    ``kind`` is ``"base"``, ``"cheat"``, ``"fault"`` or ``"notebook"``; ``broken`` names the
    graded functions a fault breaks (empty for a harmless one).
    """

    student: str
    kind: str
    notebook: dict | None
    filename: str = NOTEBOOK
    text: str | None = None  # written as is instead of ``notebook`` (invalid JSON)
    extra_files: dict = field(default_factory=dict)
    broken: tuple = ()

    def write(self, folder):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = self.text if self.text is not None else json.dumps(self.notebook, indent=1)
        (folder / self.filename).write_text(text, encoding="utf-8")
        for name, content in self.extra_files.items():
            (folder / name).write_text(content, encoding="utf-8")


# --- reading the notebooks ------------------------------------------------------------------


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell):
    return bool(nbgrader_meta(cell).get("solution"))


def is_test(cell):
    return bool(nbgrader_meta(cell).get("grade")) and cell.get("cell_type") == "code"


def grade_id(cell):
    return nbgrader_meta(cell).get("grade_id")


def answers(solution):
    """``{grade_id: source}`` of the solution cells, without the solution markers."""
    return {
        grade_id(cell): "".join(
            line for line in source(cell).splitlines(True) if not SOLUTION_MARKER.match(line)
        )
        for cell in solution["cells"]
        if is_solution(cell)
    }


def points(solution):
    """``{grade_id: points}`` of the test cells (what nbgrader grades automatically)."""
    return {
        grade_id(cell): float(nbgrader_meta(cell)["points"])
        for cell in solution["cells"]
        if is_test(cell)
    }


def _names(code):
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def checked_functions(solution):
    """``{test grade_id: graded functions it runs}``, following calls between graded functions
    (a test of ``tanh_grad`` runs ``tanh`` too, since the solution's ``tanh_grad`` calls it)."""
    functions = answers(solution)
    calls = {name: (_names(code) & functions.keys()) - {name} for name, code in functions.items()}
    result = {}
    for cell in solution["cells"]:
        if not is_test(cell):
            continue
        reached, todo = set(), list(_names(source(cell)) & functions.keys())
        while todo:
            name = todo.pop()
            if name not in reached:
                reached.add(name)
                todo.extend(calls[name])
        result[grade_id(cell)] = reached
    return result


def lost_points(solution, broken):
    """``{test grade_id: points}`` of the test cells that run any function in ``broken``."""
    table = points(solution)
    return {
        test: table[test]
        for test, functions in checked_functions(solution).items()
        if functions & set(broken)
    }


def expected_grades(solution, broken):
    """``{test grade_id: score}`` when exactly the functions in ``broken`` are wrong."""
    lost = lost_points(solution, broken)
    return {test: 0.0 if test in lost else p for test, p in points(solution).items()}


# --- building notebooks ---------------------------------------------------------------------


def filled(release, sources):
    """A copy of the release with the solution cells named in ``sources`` replaced."""
    notebook = copy.deepcopy(release)
    for cell in notebook["cells"]:
        if is_solution(cell) and grade_id(cell) in sources:
            cell["source"] = sources[grade_id(cell)]
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook


def code_cell(text):
    return {
        "cell_type": "code",
        "metadata": {},
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


def insert_after_setup(notebook, *texts):
    """Insert free (ungraded) code cells right after the set-up cell."""
    cells = notebook["cells"]
    at = next(i for i, c in enumerate(cells) if grade_id(c) == "setup") + 1
    cells[at:at] = [code_cell(text) for text in texts]
    return notebook


def at_body_start(code, function, statements):
    """``code`` with ``statements`` run first in ``function``'s body (after its docstring)."""
    tree = ast.parse(code)
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    body = node.body
    has_docstring = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    first = body[1] if has_docstring and len(body) > 1 else body[0]
    lines = code.splitlines(True)
    indent = " " * first.col_offset
    block = textwrap.indent(statements.strip("\n") + "\n", indent)
    return "".join(lines[: first.lineno - 1]) + block + "".join(lines[first.lineno - 1 :])


def indented(code, spaces=4):
    return textwrap.indent(textwrap.dedent(code).strip("\n"), " " * spaces)


# --- the battery ----------------------------------------------------------------------------


def build_submissions(release, solution, *, marker, course=None):
    """Every student of the battery: ``{student: Submission}``.

    Parameters
    ----------
    release, solution : dict
        The release and source notebooks of :data:`ASSIGNMENT` (JSON).
    marker : str
        Put on the command line of every process a submission starts (a uuid per run).
    course : path, optional
        The course root: the attacks try it as an absolute guess (the worst case, an attacker
        who knows where the course lives).
    """
    right = answers(solution)
    wrong = {w.name: w.source() for w in WRONG}
    base_wrong = {**right, **wrong}

    def cheat(student, sources, *free_cells):
        notebook = filled(release, {**base_wrong, **sources})
        return Submission(student, "cheat", insert_after_setup(notebook, *free_cells))

    def fault(student, function, statements, top=""):
        code = at_body_start(right[function], function, statements) + top
        return Submission(
            student,
            "fault",
            filled(release, {**right, function: code}),
            broken=() if student in HARMLESS else (function,),
        )

    def notebook_case(student, notebook, **kwargs):
        return Submission(student, "notebook", notebook, **kwargs)

    correct = filled(release, right)
    first, second = WRONG
    attack = _rewrite_gradebook(course)
    subs = [
        Submission("correct", "base", correct),
        Submission("wrong", "base", filled(release, base_wrong)),
        # 3. numpy's comparisons patched, at a cell's top level and inside the functions.
        cheat(
            "patch",
            {
                first.name: _patch_numpy("np") + "\n\n" + first.source(PATCH_BODY),
                second.name: second.source(PATCH_BODY),
            },
        ),
        # 4. delegation to the reference package, imported at top level or at run time.
        cheat(
            "delegate",
            {
                second.name: f"from backproplab.activations import {second.name} as _ref\n\n\n"
                + second.source(body=f"return _ref({second.args})"),
                # With a fallback to the wrong code where backproplab cannot be imported.
                first.name: first.source(
                    "import importlib\n"
                    "try:\n"
                    '    importlib.import_module("backproplab")\n'
                    f'    _ref = importlib.import_module("backproplab.activations").{first.name}\n'
                    f"    return _ref({first.args})\n"
                    "except ImportError:\n"
                    "    pass"
                ),
            },
        ),
        # 5. the hidden solutions read from the course folder and exec'd.
        cheat("exec_solutions", {w.name: w.source(_exec_solutions(w, course)) for w in WRONG}),
        # 6. the grading helpers replaced in sys.modules, in a free cell, a solution cell and
        # inside the functions.
        cheat(
            "sysmodules",
            {
                first.name: SYSMODULES_TOP + "\n\n" + first.source(SYSMODULES),
                second.name: second.source(SYSMODULES),
            },
            SYSMODULES_TOP,
        ),
        # 7. results that claim to equal anything.
        cheat(
            "always_equal",
            {
                first.name: first.source(body=ALWAYS_EQUAL_OBJECT),
                second.name: second.source(body=ALWAYS_EQUAL_ARRAY),
            },
        ),
        # 8. the gradebook rewritten, other students' folders written to.
        cheat(
            ATTACKER,
            {
                first.name: attack + "\n\n" + first.source(attack),
                second.name: second.source(attack),
            },
        ),
        *(fault(student, f, statements) for student, (f, statements) in FAULTS.items()),
        # 13. 50 MB printed by a call (once per process) and by a cell's top level.
        fault("print_flood", "softmax", _flood_once(marker), top="\n\n" + FLOOD_TOP),
        # 14. processes left behind; the function still returns the right value.
        fault("background", "identity", _background(marker)),
    ]

    # 15.-20. the correct code, handed in in damaged or unusual forms.
    deleted = copy.deepcopy(correct)
    deleted["cells"] = [c for c in deleted["cells"] if not is_test(c)]
    subs.append(notebook_case("deleted_tests", deleted))

    stripped = copy.deepcopy(correct)
    for cell in stripped["cells"]:
        if is_test(cell) or is_solution(cell):
            cell["metadata"] = {}
    subs.append(notebook_case("stripped_metadata", stripped))

    subs.append(notebook_case("shuffled", _shuffled(correct)))
    subs.append(notebook_case("renamed", correct, filename="my_work.ipynb"))
    subs.append(
        notebook_case(
            "shadow_modules",
            correct,
            extra_files={"numpy.py": SHADOW_NUMPY, "backproplab.py": SHADOW_BACKPROPLAB},
        )
    )
    text = json.dumps(correct, indent=1)
    subs.append(notebook_case("invalid_json", None, text=text[: len(text) // 2]))
    assert tuple(s.student for s in subs) == STUDENTS
    return {s.student: s for s in subs}


def _shuffled(notebook, seed=6):
    """The set-up cell first, then every other cell in a random order, with each test cell
    twice: one copy somewhere before its solution cell, one anywhere."""
    notebook = copy.deepcopy(notebook)
    rng = random.Random(seed)
    setup = [c for c in notebook["cells"] if grade_id(c) == "setup"]
    tests = [c for c in notebook["cells"] if is_test(c)]
    rest = [c for c in notebook["cells"] if c not in setup and c not in tests]
    rng.shuffle(rest)
    for test in tests:
        function = grade_id(test).removeprefix("test_")
        at = next(i for i, c in enumerate(rest) if is_solution(c) and grade_id(c) == function)
        rest.insert(rng.randint(0, at), test)
        # A pasted copy: Jupyter gives it a new cell id, the nbgrader metadata stays.
        duplicate = copy.deepcopy(test)
        if "id" in duplicate:
            duplicate["id"] = f"{duplicate['id']}-copy"
        rest.insert(rng.randint(0, len(rest)), duplicate)
    notebook["cells"] = setup + rest
    return notebook
