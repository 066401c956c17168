"""Every number a page states is computed by the page and checked by a hidden assertion.

A page states a computed number through a glue reference in its prose ({glue:text}`key`,
{glue:md}`key`, ...). This test reads the MyST sources (no build needed) and requires, for
every page of the book that runs code:

- at least one assertion in a hidden cell (tagged remove-cell or remove-input);
- for every glued key the prose shows, that the glued value is asserted: one of the names
  in the glued expression, or a name it was computed from (up to two assignments back), is
  read by an assertion in a hidden cell.

So a change to the package that makes a sentence false fails the book build, and a new
sentence whose number nobody checks fails here. The report lists the claims per page.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import support
import yaml

ROOT = Path(__file__).resolve().parents[2]

GLUE_REF = re.compile(r"\{glue(?::(?:text|md|any|math))?\}`([A-Za-z0-9_]+)")
HIDDEN_TAGS = {"remove-cell", "remove-input"}
HOPS = 2  # how far back through assignments a glued value may be traced to an assertion


def toc_pages() -> list[Path]:
    return [ROOT / f"{name}.md" for name in support.toc_pages(ROOT)]


@dataclass
class Cell:
    source: str
    tags: set[str]

    @property
    def hidden(self) -> bool:
        return bool(self.tags & HIDDEN_TAGS)


def cells(text: str) -> list[Cell]:
    found = []
    for match in support.CODE_CELL.finditer(text):
        body = match.group(1)
        tags: set[str] = set()
        if body.startswith("---\n"):
            header, _, body = body[4:].partition("\n---\n")
            tags = set((yaml.safe_load(header) or {}).get("tags", []) or [])
        else:
            lines = body.splitlines(keepends=True)
            options = []
            while lines and lines[0].startswith(":"):
                options.append(lines.pop(0))
            body = "".join(lines)
            for option in options:
                key, _, value = option[1:].partition(":")
                if key.strip() == "tags":
                    tags = set(yaml.safe_load(value) or [])
        found.append(Cell(body, tags))
    return found


@dataclass
class PageFacts:
    asserts: int = 0
    asserted: set[str] = field(default_factory=set)
    sources: dict[str, set[str]] = field(default_factory=dict)  # name -> names it came from
    glued: dict[str, set[str]] = field(default_factory=dict)  # key -> names in the value
    imported: set[str] = field(default_factory=set)


def names_in(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def parse_cell(source: str) -> ast.Module | None:
    # IPython magics (%matplotlib, !cmd) are not Python; they never hold a claim.
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def page_facts(text: str) -> PageFacts:
    facts = PageFacts()

    def source_of(name: str, origin: set[str]) -> None:
        facts.sources.setdefault(name, set()).update(origin - {name})

    for cell in cells(text):
        tree = parse_cell(cell.source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                facts.imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in names_in(target):
                        source_of(name, names_in(node.value))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                for name in names_in(node.target):
                    source_of(name, names_in(node.value))
            elif isinstance(node, (ast.For, ast.comprehension)):
                for name in names_in(node.target):
                    source_of(name, names_in(node.iter))
            elif isinstance(node, ast.NamedExpr):
                source_of(node.target.id, names_in(node.value))
            elif isinstance(node, ast.Call) and _is_glue(node) and len(node.args) >= 2:
                key = node.args[0]
                value_names = names_in(node.args[1])
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    facts.glued.setdefault(key.value, set()).update(value_names)
                else:
                    # A key built at run time (f-string, concatenation) stands for the keys
                    # with its literal prefix.
                    facts.glued.setdefault(_literal_prefix(key) + "*", set()).update(value_names)
            # Attribute and method calls on a name (results.append(x)) make x a source of it.
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
            ):
                source_of(node.func.value.id, set().union(*map(names_in, node.args)))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript):
                        for name in names_in(target.value):
                            source_of(name, names_in(node.value))
        if cell.hidden:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assert):
                    facts.asserts += 1
                    facts.asserted |= names_in(node.test)
    return facts


def _is_glue(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "glue") or (
        isinstance(func, ast.Attribute) and func.attr == "glue"
    )


def _literal_prefix(node: ast.AST) -> str:
    """The literal start of a key built at run time ("" when it starts with a variable)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_prefix(node.left)
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant):
            return first.value
    return ""


IGNORED = set(dir(builtins))


def traced(facts: PageFacts, names: set[str]) -> set[str]:
    """The names, and the names they were computed from, up to HOPS assignments back."""
    seen = set(names)
    frontier = set(names)
    for _ in range(HOPS):
        frontier = set().union(*(facts.sources.get(n, set()) for n in frontier)) - seen
        frontier -= facts.imported | IGNORED
        seen |= frontier
    return seen


def glue_for(facts: PageFacts, key: str) -> set[str] | None:
    if key in facts.glued:
        return facts.glued[key]
    for pattern, names in facts.glued.items():
        if pattern.endswith("*") and key.startswith(pattern[:-1]):
            return names
    return None


def unchecked_claims(text: str) -> tuple[PageFacts, list[str], list[str]]:
    facts = page_facts(text)
    shown = sorted(set(GLUE_REF.findall(support.prose(text))))
    unchecked = []
    for key in shown:
        names = glue_for(facts, key)
        if names is None:
            unchecked.append(f"{key} (not glued on this page)")
        elif not traced(facts, names) & facts.asserted:
            unchecked.append(key)
    return facts, shown, unchecked


PAGES = [page for page in toc_pages() if cells(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_asserted(page):
    facts, shown, unchecked = unchecked_claims(page.read_text(encoding="utf-8"))
    print(f"{page.stem}: {len(shown)} computed numbers in the prose, {facts.asserts} assertions")
    assert facts.asserts > 0, f"{page.stem}: no assertion in a hidden cell checks any claim"
    assert not unchecked, (
        f"{page.stem}: the prose shows these glued values, but no hidden assertion reads them "
        f"(or what they were computed from): {', '.join(unchecked)}"
    )


def test_every_chapter_runs_code():
    chapters = [p for p in toc_pages() if re.match(r"ch\d\d_", p.stem)]
    assert chapters
    assert set(chapters) <= set(PAGES), "a chapter without code cannot compute its claims"


def test_the_checker_finds_an_unasserted_claim():
    page = """
```{code-cell} ipython3
x = 2 + 2
y = x * 10
glue("x", x)
glue("y", y)
glue("z", 7)
```

```{code-cell} ipython3
:tags: [remove-cell]

assert x == 4
```

Four is {glue:text}`x`, forty is {glue:text}`y`, seven is {glue:text}`z`, and
{glue:text}`w` is nowhere.
"""
    facts, shown, unchecked = unchecked_claims(page)
    assert facts.asserts == 1
    assert shown == ["w", "x", "y", "z"]
    # y was computed from x, which is asserted; z is a bare literal; w is never glued.
    assert unchecked == ["w (not glued on this page)", "z"]


def test_the_checker_reads_yaml_headers_and_loops():
    page = """
```{code-cell} ipython3
---
tags: [hide-input]
---
ratio = {"a": 0.5}
for label, value in ratio.items():
    glue("ratio_" + label, value)
```

```{code-cell} ipython3
---
tags: [remove-cell]
---
assert ratio["a"] < 1
```

The ratio is {glue:text}`ratio_a:.2f`.
"""
    facts, shown, unchecked = unchecked_claims(page)
    assert shown == ["ratio_a"] and not unchecked and facts.asserts == 1
