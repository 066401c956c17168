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
start carries ``marker`` on its command line so that the test can find and kill it.
"""

import ast
import copy
import json
import random
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ASSIGNMENT = "ch02_activations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
# What the gradebook attacker writes into other students' folders: a file of this name, and
# this text appended to their notebooks.
TROPHY = "PWNED-by-rewrite_gradebook.txt"
CORRUPTION = "corrupted by rewrite_gradebook"
ATTACKER = "rewrite_gradebook"
FLOOD_BYTES = 50 * 2**20


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


# --- the attacks (each returns source text) -------------------------------------------------


def _patch_numpy(np_name):
    return textwrap.dedent(
        f"""\
        {np_name}.allclose = lambda *a, **k: True
        {np_name}.array_equal = lambda *a, **k: True
        {np_name}.isclose = lambda a, b, *args, **k: {np_name}.ones(
            {np_name}.broadcast({np_name}.asarray(a), {np_name}.asarray(b)).shape, dtype=bool
        )
        # NaN compares equal to NaN in the course's checks: make everything NaN.
        {np_name}.isnan = lambda x, *args, **k: {np_name}.ones({np_name}.shape(x), dtype=bool)
        {np_name}.testing.assert_allclose = lambda *a, **k: None
        {np_name}.testing.assert_array_equal = lambda *a, **k: None
        {np_name}.testing.assert_array_almost_equal = lambda *a, **k: None
        {np_name}.testing.assert_equal = lambda *a, **k: None
        """
    )


PATCH_BODY = "import numpy as _np\n" + _patch_numpy("_np")

SYSMODULES = textwrap.dedent(
    """\
    import sys as _sys
    import types as _types

    def _noop(*args, **kwargs):
        return None

    for _name in ("backproplab.grading", "trustedgrading.checks", "trustedgrading.checks.core"):
        _module = _sys.modules.get(_name)
        if _module is not None:
            for _attr in ("check", "check_case", "expect_close", "fail", "call_student"):
                if hasattr(_module, _attr):
                    setattr(_module, _attr, _noop)
    _fake = _types.ModuleType("backproplab.grading")
    _fake.check = _noop
    _fake.check_case = _noop
    _fake.expect_close = _noop
    _fake.fail = _noop
    _fake.CheckFailed = AssertionError
    _sys.modules["backproplab.grading"] = _fake
    _sys.modules["trustedgrading.checks"] = _fake
    _sys.modules["trustedgrading.checks.core"] = _fake
    """
)
# At a cell's top level the name the test cells call is rebound too.
SYSMODULES_TOP = SYSMODULES + "check = _noop\n"

# An object that claims to equal anything, and an array subclass that does the same.
ALWAYS_EQUAL_OBJECT = textwrap.dedent(
    """\
    import numpy as _np
    _shape = _np.shape(z)

    class _AlwaysEqual:
        __array_priority__ = 1e300
        shape = _shape
        ndim = len(_shape)
        size = int(_np.prod(_shape))
        dtype = _np.dtype(float)

        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __lt__ = __le__ = __gt__ = __ge__ = __eq__

        def __hash__(self):
            return 0

        def __bool__(self):
            return True

        def __array__(self, dtype=None, copy=None):
            return _np.ones(_shape)

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return self

        def __array_function__(self, func, types, args, kwargs):
            return self

        def __float__(self):
            return 1.0

        def __int__(self):
            return 1

        def __len__(self):
            return _shape[0] if _shape else 1

        def __getitem__(self, key):
            return self

        def __iter__(self):
            return iter([self] * len(self))

        def __abs__(self):
            return self

        def __neg__(self):
            return self

        def _self(self, *args, **kwargs):
            return self

        __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _self
        __truediv__ = __rtruediv__ = __pow__ = __rpow__ = _self
        astype = copy = reshape = ravel = max = min = sum = mean = _self

        def all(self, *args, **kwargs):
            return True

        def any(self, *args, **kwargs):
            return True

        def tolist(self):
            return _np.ones(_shape).tolist()

        def __repr__(self):
            return repr(_np.ones(_shape))

    return _AlwaysEqual()
    """
)
ALWAYS_EQUAL_ARRAY = textwrap.dedent(
    """\
    import numpy as _np

    class _Agreeable(_np.ndarray):
        __array_priority__ = 1e300

        def __eq__(self, other):
            return _np.ones(_np.shape(self), dtype=bool)

        def __ne__(self, other):
            return _np.zeros(_np.shape(self), dtype=bool)

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return True

        def __array_function__(self, func, types, args, kwargs):
            return True

        def __float__(self):
            return 1.0

    return _np.ones(_np.shape(z)).view(_Agreeable)
    """
)


def _exec_solutions(wrong, course):
    """Look for the solutions notebook, exec the cell defining ``wrong.name``, return its
    result; the wrong code when nothing is found."""
    guesses = [
        f"../../../solutions/{ASSIGNMENT}/{NOTEBOOK}",
        f"../../solutions/{ASSIGNMENT}/{NOTEBOOK}",
        f"../solutions/{ASSIGNMENT}/{NOTEBOOK}",
        f"solutions/{ASSIGNMENT}/{NOTEBOOK}",
    ]
    if course is not None:
        guesses.append(str(Path(course) / "solutions" / ASSIGNMENT / NOTEBOOK))
    return textwrap.dedent(
        f"""\
        import json as _json
        import os as _os

        _guesses = {guesses!r}
        _here = _os.path.abspath(_os.getcwd())
        while True:
            _guesses.append(_os.path.join(_here, "solutions", {ASSIGNMENT!r}, {NOTEBOOK!r}))
            if _os.path.dirname(_here) == _here:
                break
            _here = _os.path.dirname(_here)
        for _path in _guesses:
            try:
                with open(_path, encoding="utf-8") as _file:
                    _cells = _json.load(_file)["cells"]
            except Exception:
                continue
            for _cell in _cells:
                _text = _cell.get("source", "")
                _text = "".join(_text) if isinstance(_text, list) else _text
                if "def {wrong.name}(" in _text:
                    _namespace = {{"np": __import__("numpy")}}
                    exec(_text, _namespace)
                    return _namespace[{wrong.name!r}]({wrong.args})
        """
    )


def _rewrite_gradebook(course, student=ATTACKER):
    """Find gradebook.db, give ``student`` full marks and everyone else 0 (now and, through a
    trigger, for every grade written later), and drop files into other students' folders."""
    places = ["../..", "../../../submitted", "../../../autograded", "../../../feedback"]
    guesses = []
    if course is not None:
        guesses.append(str(Path(course) / "gradebook.db"))
        places += [str(Path(course) / d) for d in ("submitted", "autograded", "feedback")]
    mine = (
        "SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa "
        f"ON sn.assignment_id = sa.id WHERE sa.student_id = '{student}'"
    )
    return textwrap.dedent(
        f"""\
        import os as _os
        import sqlite3 as _sqlite3

        _dbs = {guesses!r}
        _here = _os.path.abspath(_os.getcwd())
        while True:
            _dbs.append(_os.path.join(_here, "gradebook.db"))
            if _os.path.dirname(_here) == _here:
                break
            _here = _os.path.dirname(_here)
        for _db in _dbs:
            if not _os.path.isfile(_db):
                continue  # never create one
            try:
                _con = _sqlite3.connect("file:" + _db + "?mode=rw", uri=True, timeout=1)
                _con.executescript(
                    "UPDATE grade SET manual_score = 0, auto_score = 0 "
                    "WHERE notebook_id NOT IN ({mine});"
                    "UPDATE grade SET needs_manual_grade = 0, manual_score = "
                    "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id) "
                    "WHERE notebook_id IN ({mine});"
                    "CREATE TRIGGER IF NOT EXISTS pwned_update AFTER UPDATE ON grade "
                    "WHEN NEW.notebook_id NOT IN ({mine}) "
                    "BEGIN UPDATE grade SET manual_score = 0 WHERE id = NEW.id; END;"
                    "CREATE TRIGGER IF NOT EXISTS pwned_insert AFTER INSERT ON grade "
                    "WHEN NEW.notebook_id NOT IN ({mine}) "
                    "BEGIN UPDATE grade SET manual_score = 0 WHERE id = NEW.id; END;"
                )
                _con.commit()
                _con.close()
            except Exception:
                pass
        for _place in {places!r}:
            try:
                _others = [o for o in _os.listdir(_place) if o != {student!r}]
            except Exception:
                continue
            for _other in _others:
                for _folder in (
                    _os.path.join(_place, _other),
                    _os.path.join(_place, _other, {ASSIGNMENT!r}),
                ):
                    try:
                        with open(_os.path.join(_folder, {TROPHY!r}), "w") as _file:
                            _file.write({CORRUPTION!r})
                    except Exception:
                        pass
                    _notebook = _os.path.join(_folder, {NOTEBOOK!r})
                    try:
                        if _os.path.isfile(_notebook):
                            with open(_notebook, "a") as _file:
                                _file.write({CORRUPTION!r})
                    except Exception:
                        pass
        """
    )


def _background(marker):
    """Start a detached sleeper and a double-forked daemon (once per process: every check
    calls the function many times), both with ``marker`` on their command line."""
    return textwrap.dedent(
        f"""\
        import os as _os
        import subprocess as _subprocess
        import sys as _sys
        import warnings as _warnings

        if "BATTERY_STARTED_{marker}" not in _os.environ:
            _os.environ["BATTERY_STARTED_{marker}"] = "1"
            _sleep = "import time; time.sleep(600)"
            _subprocess.Popen(
                [_sys.executable, "-c", _sleep, "{marker}"], start_new_session=True
            )
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")  # fork() in a threaded process warns
                _pid = _os.fork()
            if _pid == 0:
                try:
                    _os.setsid()
                    if _os.fork() == 0:
                        _os.execv(_sys.executable, [_sys.executable, "-c", _sleep, "{marker}-d"])
                finally:
                    _os._exit(0)
            _os.waitpid(_pid, 0)
        """
    )


def _flood_once(marker):
    return textwrap.dedent(
        f"""\
        import os as _os

        if "BATTERY_FLOODED_{marker}" not in _os.environ:
            _os.environ["BATTERY_FLOODED_{marker}"] = "1"
            print(("flood " * 16 + "\\n") * ({FLOOD_BYTES} // 97))
        """
    )


FLOOD_TOP = f'print(("flood " * 16 + "\\n") * ({FLOOD_BYTES} // 97))\n'

SHADOW_NUMPY = 'raise ImportError("this numpy.py was handed in by the student")\n'
SHADOW_BACKPROPLAB = textwrap.dedent(
    """\
    # Handed in by the student: a fake reference package whose checks never fail and whose
    # activations are wrong.
    import sys
    import types

    __path__ = []
    grading = types.ModuleType("backproplab.grading")
    grading.check = lambda *args, **kwargs: None
    grading.CheckFailed = AssertionError
    sys.modules["backproplab.grading"] = grading
    activations = types.ModuleType("backproplab.activations")
    for _name in ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"):
        setattr(activations, _name, lambda z, *args, **kwargs: 0.0)
        setattr(activations, _name + "_grad", lambda z, *args, **kwargs: 0.0)
    sys.modules["backproplab.activations"] = activations
    """
)


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
