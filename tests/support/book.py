"""The one build of the book that the book tests share (``build_book``, cached per process)."""

import functools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("BACKPROPLAB_BOOK_SOURCE", REPO)).resolve()
OUTPUT = Path(os.environ.get("BACKPROPLAB_BOOK_OUTPUT", SOURCE)).resolve()
HTML = OUTPUT / "_build" / "html"
BUILD_TIMEOUT_S = 45 * 60
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@functools.cache
def build_book():
    """Build the book once per session; returns ``(html folder, failure report or None)``."""
    # The venv's own jupyter-book, next to the interpreter running the tests.
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    assert jupyter_book.exists(), f"jupyter-book not found next to {sys.executable}"
    command = [
        str(jupyter_book),
        "build",
        str(SOURCE),
        "--builder",
        "html",
        "--warningiserror",
        "--keep-going",
        # Re-read every page: an unchanged page's warning must still fail the build.
        "--all",
    ]
    if OUTPUT != SOURCE:
        command += ["--path-output", str(OUTPUT)]
    started = time.time()
    result = subprocess.run(
        command,
        cwd=SOURCE,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if result.returncode == 0:
        return HTML, None
    # jupyter-book colours its log even into a pipe.
    lines = ANSI_COLOUR.sub("", result.stdout + result.stderr).splitlines()
    # Each kernel's start-up notice about TCP transport is noise, not a build problem.
    lines = [line for line in lines if not line.startswith("[IPKernelApp]")]
    warnings = [line for line in lines if "WARNING:" in line or "ERROR:" in line]
    report = [*warnings, "--- last lines of the log ---", *lines[-40:]]
    # myst-nb saves the traceback of each failing notebook here.
    logs = [log for log in (HTML / "reports").rglob("*.err.log") if log.stat().st_mtime >= started]
    for log in sorted(logs):
        error_lines = ANSI_COLOUR.sub("", log.read_text(errors="replace")).splitlines()
        report += [f"--- {log.relative_to(OUTPUT)} ---", *error_lines[-30:]]
    return HTML, f"jupyter-book build exited with {result.returncode}:\n" + "\n".join(report)
