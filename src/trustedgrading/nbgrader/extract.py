"""The source of one graded function, taken from a submitted notebook.

The trusted grader does not run the student's notebook to find their function: it reads the
code cells and keeps only what the function needs, i.e. the top-level definition of the
function and, transitively, the top-level statements that define the global names it uses
(helper functions, constants, imports). Other top-level code (experiments, prints, plots,
``np.allclose = ...``) is left out, so it can neither cost time nor change what the checks
see.

Which definition counts: the last one before the test cell that checks the function (what the
test cell saw when the notebook ran top to bottom); if there is none before it (a reordered
notebook), the last one anywhere.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from dataclasses import dataclass

_MAGIC = re.compile(r"^\s*[%!]")
# Cell magics whose body runs as ordinary Python in the notebook's namespace.
_PYTHON_CELL_MAGICS = frozenset({"time", "capture", "prun"})


@dataclass(frozen=True)
class _Statement:
    position: tuple  # (cell index, line): notebook order
    source: str
    defines: frozenset
    uses: frozenset


def _blank_magic_lines(source):
    return "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())


def _without_magics(source):
    """The cell as Python: IPython's own transforms turn magics and ``!`` into calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return _blank_magic_lines(source)
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split()
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return ""  # %%bash, %%writefile, ...: the cell defines no Python names
        source = "\n".join([*lines[:first], "", *lines[first + 1 :]])
    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _defined_names(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {
            (alias.asname or alias.name.split(".")[0]) for alias in node.names if alias.name != "*"
        }
    names = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue  # its body is its own scope
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store):
            names.add(current.id)
        if isinstance(current, (ast.Import, ast.ImportFrom)):
            names |= _defined_names(current)
            continue
        stack.extend(ast.iter_child_nodes(current))
    return names


def _global_uses(source):
    """Global names the code refers to, at top level or from any function inside it."""
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return set()
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    stack = list(table.get_children())
    while stack:
        child = stack.pop()
        if child.get_type() == "function":
            used |= set(child.get_globals())
        else:  # a class body: its referenced names that are not its own
            used |= {s.get_name() for s in child.get_symbols() if s.is_global() or s.is_free()}
        stack.extend(child.get_children())
    return used - set(dir(builtins))


def _statements(cells):
    """Every top-level statement of every parsable cell, with what it defines and uses."""
    statements, unparsable = [], []
    for index, source in cells:
        tree = None
        # IPython's transforms first; failing that, magic-looking lines blanked out.
        for text in (_without_magics(source), _blank_magic_lines(source)):
            try:
                tree = ast.parse(text)
                break
            except SyntaxError:
                continue
        if tree is None:
            unparsable.append((index, source))
            continue
        lines = text.splitlines()
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            segment = "\n".join(lines[first - 1 : node.end_lineno])
            statements.append(
                _Statement(
                    (index, first),
                    segment,
                    frozenset(_defined_names(node)),
                    frozenset(_global_uses(segment)),
                )
            )
    return statements, unparsable


def _definition(statements, name, stop):
    defining = [s for s in statements if name in s.defines]
    before = [s for s in defining if stop is None or s.position[0] < stop]
    chosen = before or defining
    return chosen[-1] if chosen else None


def function_source(cells, name, stop=None, companions=()):
    """The code that defines ``name`` and what it depends on, or None if nothing defines it.

    Parameters
    ----------
    cells : iterable of (int, str)
        ``(cell index, source)`` of the notebook's code cells that may hold student code.
    name : str
        The graded function's name.
    stop : int, optional
        The index of the test cell that checks the function.
    companions : sequence of str
        Other functions the check calls (``runner.source_names``): their definitions and
        what they depend on are included too, when the notebook has them.

    Returns
    -------
    str or None
        The selected top-level statements, in notebook order. If no cell defines ``name``
        but a cell that does not parse mentions ``def name(``, that cell's source is returned
        as is, so the student sees its ``SyntaxError``.
    """
    cells = list(cells)
    statements, unparsable = _statements(cells)
    root = _definition(statements, name, stop)
    if root is None:
        pattern = re.compile(rf"^\s*def\s+{re.escape(name)}\s*\(", re.MULTILINE)
        broken = [source for _, source in unparsable if pattern.search(source)]
        return broken[-1] if broken else None
    chosen, todo, seen = {root.position: root}, list(root.uses), {name}
    for other in companions:
        statement = _definition(statements, other, stop)
        seen.add(other)
        if statement is not None:
            chosen[statement.position] = statement
            todo.extend(statement.uses)
    while todo:
        used = todo.pop()
        if used in seen:
            continue
        seen.add(used)
        statement = _definition(statements, used, stop)
        if statement is not None and statement.position not in chosen:
            chosen[statement.position] = statement
            todo.extend(statement.uses)
    return "\n\n".join(chosen[p].source for p in sorted(chosen)) + "\n"
