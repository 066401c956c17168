"""Which top-level statements of a notebook a graded function needs (``grading.extract``).

Each notebook is a list of ``(cell index, source)`` pairs written by hand here; the expected
selections are read off the sources (which statements the function reaches), never printed by
the implementation. Where the selection is executed, the result is checked by calling it.
"""

import textwrap

import pytest

from trustedgrading.nbgrader.extract import function_source


def cells(*sources):
    return [(i, textwrap.dedent(s).strip("\n") + "\n") for i, s in enumerate(sources)]


def run(source, name, *args):
    namespace = {}
    exec(compile(source, "<extracted>", "exec"), namespace)
    return namespace[name](*args)


NOTEBOOK = cells(
    """
    import numpy as np
    import math
    """,
    """
    SCALE = 3.0
    OFFSET = SCALE + 1
    UNUSED = 99
    print("hello")
    np.allclose = lambda *a, **k: True
    big = expensive_setup()
    """,
    """
    def _square(v):
        return v * v

    def helper(v):
        return _square(v) + OFFSET

    def unrelated():
        return UNUSED
    """,
    """
    def f(x):
        return SCALE * helper(np.asarray(x))

    f(2)
    plot(f)
    """,
)


def test_the_function_its_helpers_constants_and_imports_are_selected_transitively():
    source = function_source(NOTEBOOK, "f")
    for needed in (
        "import numpy as np",
        "SCALE = 3.0",
        "OFFSET = SCALE + 1",
        "def _square(v):",
        "def helper(v):",
        "def f(x):",
    ):
        assert needed in source
    assert run(source, "f", 2.0) == 3.0 * (4.0 + 4.0)


@pytest.mark.parametrize(
    "left_out",
    [
        "import math",
        "UNUSED",
        "print(",
        "np.allclose",
        "expensive_setup",
        "def unrelated",
        "f(2)",
        "plot(f)",
    ],
)
def test_unrelated_top_level_code_is_left_out(left_out):
    assert left_out not in function_source(NOTEBOOK, "f")


def test_statements_come_out_in_notebook_order():
    source = function_source(NOTEBOOK, "f")
    order = ["import numpy", "SCALE = 3.0", "OFFSET =", "def _square", "def helper", "def f"]
    positions = [source.index(s) for s in order]
    assert positions == sorted(positions)


def test_a_function_with_no_dependencies_is_selected_alone():
    source = function_source(cells("x = 1\nprint(x)", "def g(a):\n    return a + 1"), "g")
    assert source == "def g(a):\n    return a + 1\n"


def test_the_last_definition_before_the_test_cell_wins():
    notebook = cells(
        "def f(x):\n    return 'first'",
        "def f(x):\n    return 'second'",
        "check('a.f', f)",  # index 2: the test cell
        "def f(x):\n    return 'after the test'",
    )
    assert run(function_source(notebook, "f", stop=2), "f", 0) == "second"


def test_dependencies_also_take_their_definition_before_the_test_cell():
    notebook = cells(
        "K = 1",
        "def f(x):\n    return x * K",
        "K = 2",
        "check('a.f', f)",  # index 3
        "K = 100",
    )
    assert run(function_source(notebook, "f", stop=3), "f", 5) == 10


def test_without_a_definition_before_the_test_cell_the_last_one_anywhere_wins():
    notebook = cells(
        "check('a.f', f)",  # index 0: a reordered notebook
        "def f(x):\n    return 'early'",
        "def f(x):\n    return 'late'",
    )
    assert run(function_source(notebook, "f", stop=0), "f", 0) == "late"


def test_without_stop_the_last_definition_anywhere_wins():
    notebook = cells("def f(x):\n    return 1", "def f(x):\n    return 2")
    assert run(function_source(notebook, "f"), "f", 0) == 2


def test_decorators_and_their_definitions_are_kept():
    notebook = cells(
        "import functools",
        """
        def twice(fn):
            def wrapper(x):
                return 2 * fn(x)
            return wrapper
        """,
        """
        @twice
        @functools.lru_cache(maxsize=None)
        def f(x):
            return x + 1
        """,
    )
    source = function_source(notebook, "f")
    assert "@twice" in source and "@functools.lru_cache" in source
    assert "import functools" in source and "def twice" in source
    assert run(source, "f", 1) == 4


def test_magics_and_shell_escapes_are_ignored():
    notebook = cells(
        """
        %matplotlib inline
        !ls -la
        import numpy as np
          %load_ext autoreload
        """,
        """
        %%time
        def f(x):
            return np.sum(x)
        """,
    )
    source = function_source(notebook, "f")
    assert "%" not in source and "!" not in source
    assert run(source, "f", [1, 2]) == 3


def test_a_continuation_line_starting_with_an_operator_is_not_a_magic():
    notebook = cells(
        """
        def wrap(x, n):
            return (
                x
                % n
            )
        """
    )
    assert run(function_source(notebook, "wrap"), "wrap", 7, 3) == 1


def test_ipython_assignment_magics_do_not_hide_the_function_in_the_same_cell():
    notebook = cells("files = !ls\nnp.mean?\ndef f(x):\n    return x + 1")
    assert run(function_source(notebook, "f"), "f", 1) == 2


def test_a_syntax_error_in_the_defining_cell_returns_that_cell_verbatim():
    broken = "%matplotlib inline\ndef f(x)\n    return x\nprint('other code')\n"
    notebook = [(0, "import numpy as np\n"), (1, broken), (2, "def g(x):\n    return x\n")]
    assert function_source(notebook, "f") == broken


def test_a_parsable_definition_is_preferred_over_a_broken_cell():
    notebook = cells("def f(x):\n    return 1", "def f(x) return 2")
    assert run(function_source(notebook, "f"), "f", 0) == 1


def test_a_broken_cell_that_does_not_define_the_function_is_not_returned():
    notebook = cells("x = (", "y = f(3")
    assert function_source(notebook, "f") is None


@pytest.mark.parametrize(
    "notebook",
    [
        [],
        cells("import numpy as np"),
        cells("f_other = 1\ndef ff(x):\n    return x"),
        cells("# def f(x): only a comment\nprint('f')"),
    ],
    ids=["empty", "imports only", "similar names", "comment"],
)
def test_an_undefined_name_gives_none(notebook):
    assert function_source(notebook, "f") is None


def test_a_class_definition_and_what_its_body_and_methods_use_are_selected():
    notebook = cells(
        "BASE = 10\nFACTOR = 3\nIGNORED = 0",
        """
        def bump(v):
            return v + 1

        class Model:
            base = BASE

            def predict(self, x):
                return bump(x) * FACTOR + self.base
        """,
        "def f(x):\n    return Model().predict(x)",
    )
    source = function_source(notebook, "f")
    assert "class Model" in source and "def bump" in source
    assert "IGNORED" not in source
    assert run(source, "f", 1) == 2 * 3 + 10


def test_the_graded_name_may_itself_be_a_class():
    notebook = cells("K = 2", "class f:\n    def __init__(self, x):\n        self.v = x * K")
    assert run(function_source(notebook, "f"), "f", 4).v == 8


def test_names_used_only_inside_nested_functions_are_selected():
    notebook = cells(
        "LIMIT = 5\nOTHER = 6",
        """
        def f(x):
            def inner(y):
                def innermost():
                    return min(y, LIMIT)
                return innermost()
            return inner(x)
        """,
    )
    source = function_source(notebook, "f")
    assert "LIMIT = 5" in source
    assert run(source, "f", 9) == 5


def test_a_local_that_shadows_a_global_does_not_pull_the_global_in():
    notebook = cells("scale = expensive()", "def f(x):\n    scale = 2\n    return x * scale")
    assert "expensive" not in function_source(notebook, "f")


def test_lambdas_comprehensions_and_default_arguments_count_as_uses():
    notebook = cells(
        "A = 1\nB = 2\nC = 3\nD = 4",
        "g = lambda v: v + A",
        "def f(x, k=B):\n    return [g(v) * C for v in range(x)][-1] + k",
    )
    source = function_source(notebook, "f")
    assert "D = 4" not in source
    assert run(source, "f", 2) == (1 + 1) * 3 + 2


def test_assignments_by_tuple_unpacking_for_loops_and_with_define_names():
    notebook = cells(
        "P, (Q, R) = 1, (2, 3)",
        "for S in range(4):\n    pass",
        "import contextlib\nwith contextlib.nullcontext(5) as T:\n    pass",
        "def f():\n    return P + Q + R + S + T",
    )
    assert run(function_source(notebook, "f"), "f") == 1 + 2 + 3 + 3 + 5


def test_dotted_and_aliased_imports_define_their_binding_names():
    notebook = cells(
        "import os.path\nimport numpy as xp\nfrom math import sqrt as root",
        "def f(v):\n    return root(xp.float64(v)) if os.path.sep else 0",
    )
    source = function_source(notebook, "f")
    assert "import os.path" in source and "import numpy as xp" in source
    assert "from math import sqrt as root" in source
    assert run(source, "f", 9.0) == 3.0


def test_attribute_assignments_on_a_used_module_are_never_selected():
    notebook = cells(
        "import numpy as np",
        "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = print",
        "setattr(np, 'isclose', None)",
        "def f(x):\n    return np.allclose(x, x)",
    )
    source = function_source(notebook, "f")
    assert "lambda" not in source and "setattr" not in source and "testing" not in source


def test_recursion_and_mutual_recursion_terminate():
    notebook = cells(
        "def even(n):\n    return n == 0 or odd(n - 1)",
        "def odd(n):\n    return n != 0 and even(n - 1)",
    )
    source = function_source(notebook, "even")
    assert source.count("def even") == 1 and source.count("def odd") == 1
    assert run(source, "even", 6) is True


def test_cells_are_read_from_any_iterable():
    generator = ((i, s) for i, s in cells("K = 1", "def f():\n    return K"))
    assert run(function_source(generator, "f"), "f") == 1


# --- companions: other functions the check calls ------------------------------------------------

TRAINED = cells(
    "import numpy as np",
    "SCALE = 2.0\nSHIFT = 5.0",
    "def _forward(w, x):\n    return SCALE * w * x",
    "def train(x):\n    return np.mean(x)",
    "def predict(w, x):\n    return _forward(w, x) + SHIFT",
    "check('a.train', train)",  # index 5: the test cell
    "def predict(w, x):\n    return 'after the test'",
)


def test_companions_and_what_they_use_are_selected_with_the_function():
    source = function_source(TRAINED, "train", stop=5, companions=("predict",))
    for needed in ("import numpy", "SCALE = 2.0", "def _forward", "def train", "def predict"):
        assert needed in source
    assert run(source, "predict", 3.0, 1.0) == 2.0 * 3.0 + 5.0
    assert "after the test" not in source  # the companion's definition before the test cell


def test_without_companions_only_the_functions_own_needs_are_selected():
    source = function_source(TRAINED, "train", stop=5)
    assert "def predict" not in source and "_forward" not in source


def test_a_missing_companion_leaves_the_functions_source_as_it_is():
    alone = function_source(TRAINED, "train", stop=5)
    assert function_source(TRAINED, "train", stop=5, companions=("evaluate",)) == alone


def test_a_companion_is_selected_once_even_when_the_function_uses_it():
    notebook = cells("def g(x):\n    return x + 1", "def f(x):\n    return g(x)")
    source = function_source(notebook, "f", companions=("g",))
    assert source.count("def g") == 1 and run(source, "f", 1) == 2
