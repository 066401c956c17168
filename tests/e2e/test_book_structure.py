"""Every chapter ends the same way and keeps the book's notation (read from the sources).

SYLLABUS.md's rules for every chapter: key ideas at the end, links back to the chapters it
builds on, further reading with cited sources, figures and equations numbered and referred
to by number, and one symbol per meaning. The build checks that references resolve; this
checks that they are there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import support
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIGURE_NAME = re.compile(r"^\s*name:\s*(fig-[\w-]+)", re.MULTILINE)
EQUATION_LABEL = re.compile(r"^\$\$\s*\((eq-[\w-]+)\)", re.MULTILINE)
CITE = re.compile(r"\{cite(?::[pt])?\}`([^`]+)`")


def chapters() -> list[Path]:
    pages = support.toc_pages(ROOT)
    return [ROOT / f"{page}.md" for page in pages if re.match(r"book/ch\d\d_", page)]


def section(text: str, title: str) -> str | None:
    match = re.search(rf"^## {title}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else None


CHAPTERS = chapters()


def test_there_are_chapters():
    assert len(CHAPTERS) >= 8


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_key_ideas_links_back_and_further_reading(page):
    text = page.read_text(encoding="utf-8")
    key_ideas = section(text, "Key ideas")
    reading = section(text, "Further reading")
    assert key_ideas, f"{page.stem}: no '## Key ideas' section"
    assert reading, f"{page.stem}: no '## Further reading' section"
    assert text.index("## Key ideas") > text.index("## Exercise"), (
        f"{page.stem}: the key ideas must come at the end, after the exercise"
    )
    assert len(set(CITE.findall(reading))) >= 3, f"{page.stem}: further reading cites < 3 sources"
    if page.stem != "ch01_perceptron":
        earlier = re.findall(r"\(ch\d\d_\w+\.md\)|\{doc\}`[^`]*ch\d\d_\w+>?`", text)
        assert earlier, f"{page.stem}: no link back to an earlier chapter"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_figures_and_equations_are_referred_to_by_number(page):
    text = page.read_text(encoding="utf-8")
    figures = set(FIGURE_NAME.findall(text))
    unreferred = sorted(f for f in figures if f"{{numref}}`{f}`" not in text)
    assert figures, f"{page.stem}: no numbered figure"
    assert not unreferred, f"{page.stem}: figures never referred to by number: {unreferred}"
    equations = set(EQUATION_LABEL.findall(support.prose(text)))
    unreferred = sorted(e for e in equations if f"{{eq}}`{e}`" not in text)
    assert not unreferred, f"{page.stem}: equations never referred to by number: {unreferred}"


# Symbols the notation page gives another meaning, in the maths of the prose.
FORBIDDEN = {
    r"\\partial\s*[CE]\b": "the loss is L (never C or E)",
    r"\bC'\(": "the loss is L (never C)",
    r"\bH'\s*=": "feature-map sizes are n_h, n_w (H' is code, not the book's maths)",
}
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_prose_maths_keeps_the_notation(page):
    maths = "\n".join(MATH.findall(support.prose(page.read_text(encoding="utf-8"))))
    found = [
        f"{pattern!r} ({why})" for pattern, why in FORBIDDEN.items() if re.search(pattern, maths)
    ]
    assert not found, f"{page.stem}: " + "; ".join(found)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_describes_itself_for_the_introduction(page):
    # The introduction's chapter list is built from these (book/intro.md), so a chapter without
    # one would silently be missing from it.
    text = page.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{page.stem}: no front matter"
    front = yaml.safe_load(text.split("---\n")[1]) or {}
    description = front.get("myst", {}).get("html_meta", {}).get("description")
    assert isinstance(description, str) and 20 <= len(description) <= 160, (
        f"{page.stem}: add a one-line `myst: html_meta: description:` to the front matter "
        "(20-160 characters); the introduction lists it"
    )
    assert re.search(r"^# \d+\. \S", text, re.MULTILINE), f"{page.stem}: title is not '# N. Title'"
