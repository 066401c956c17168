"""The book builds with warnings as errors, every page is there, and no cell failed.

The build runs once per session (about a minute once chapters exist) into the repository's
own ``_build``, so it shares jupyter-cache with ``make book``.
"""

import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.book

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
BUILD_TIMEOUT_S = 45 * 60
# myst-nb marks a failed cell's output with these classes.
ERROR_OUTPUT = re.compile(r'class="[^"]*\boutput (?:traceback|error)\b')
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def toc_files(entry):
    """Every ``file`` (and the ``root``) listed in a jb-book table of contents."""
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("root", "file"):
                yield value
            else:
                yield from toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from toc_files(item)


@pytest.fixture(scope="module")
def html():
    # The venv's own jupyter-book, next to the interpreter running the tests.
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    assert jupyter_book.exists(), f"jupyter-book not found next to {sys.executable}"
    command = [
        str(jupyter_book),
        "build",
        str(REPO),
        "--builder",
        "html",
        "--warningiserror",
        "--keep-going",
        # Re-read every page: an unchanged page's warning must still fail the build.
        "--all",
    ]
    started = time.time()
    result = subprocess.run(
        command,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if result.returncode != 0:
        # jupyter-book colours its log even into a pipe.
        lines = ANSI_COLOUR.sub("", result.stdout + result.stderr).splitlines()
        warnings = [line for line in lines if "WARNING:" in line or "ERROR:" in line]
        report = [*warnings, "--- last lines of the log ---", *lines[-40:]]
        # myst-nb saves the traceback of each failing notebook here.
        logs = [
            log for log in (HTML / "reports").rglob("*.err.log") if log.stat().st_mtime >= started
        ]
        for log in sorted(logs):
            error_lines = ANSI_COLOUR.sub("", log.read_text(errors="replace")).splitlines()
            report += [f"--- {log.relative_to(REPO)} ---", *error_lines[-30:]]
        report = "\n".join(report)
        pytest.fail(f"jupyter-book build exited with {result.returncode}:\n{report}")
    return HTML


def test_every_page_in_the_toc_has_html(html):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = list(toc_files(toc))
    assert "book/intro" in pages
    missing = [page for page in pages if not (html / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"
    assert (html / "index.html").is_file()


def test_no_page_shows_a_failed_cell(html):
    pages = [page for page in html.rglob("*.html") if "_static" not in page.parts]
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text, f"{page.relative_to(html)} shows a traceback"
        assert not ERROR_OUTPUT.search(text), f"{page.relative_to(html)} shows an error output"


def test_intro_shows_the_computed_number_of_combinations(html):
    combinations = 1000**25
    exponent = len(str(combinations)) - 1
    assert combinations == 10**exponent
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    # dollarmath leaves inline maths as \( ... \) for MathJax.
    assert rf"\(10^{{{exponent}}}\)" in intro

    ages_of_universe = combinations / 93e15 / (365.25 * 24 * 3600) / 13.8e9
    assert rf"\times 10^{{{math.floor(math.log10(ages_of_universe))}}}\)" in intro


def test_notation_page_shows_the_table_but_not_its_check(html):
    notation = (html / "book" / "notation.html").read_text(encoding="utf-8")
    tables = re.findall(r"<table.*?</table>", notation, flags=re.DOTALL)
    assert tables, "the notation table was not rendered"
    assert any(">lr<" in table and "optimizers.sgd_update" in table for table in tables)
    assert "inspect.signature" not in notation  # the check's input is removed
