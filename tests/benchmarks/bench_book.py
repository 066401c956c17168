"""How long the book takes to build, and what a rebuild re-executes.

Run with ``python tests/benchmarks/bench_book.py [--touch book/ch03_losses]`` (``make bench``
runs it). It is a report, not a test: it prints PASS/MISS against the targets and always
exits 0. It never touches the repository's ``_build``: the book's sources (``_config.yml``,
``_toc.yml``, ``book/``, ``exercises/``) are copied into a temporary folder and built there
exactly as ``make book`` builds them (``--warningiserror --keep-going --all``).

1. A clean build (empty jupyter-cache): wall time, and each page's execution time as myst-nb
   logs it (target: at most 60 s per chapter, 5 minutes in all).
2. One chapter touched (a hidden code cell appended, so its code changes but its page must
   not), then rebuilt: which pages were executed again (target: that chapter only, plus the
   pages that always re-execute, such as the notation page), the wall time, and which pages'
   HTML changed. The touched chapter's HTML should be byte-identical to the clean build's: its
   numbers and figures are seeded.
"""

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["_config.yml", "_toc.yml", "book", "exercises"]
TARGET_CLEAN_S = 300.0
TARGET_CHAPTER_S = 60.0
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
EXECUTED = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Executed notebook in (?P<s>[\d.]+) seconds")
FAILED = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Executing notebook failed")
CHECKSUM = re.compile(rb"\?v=[0-9a-f]{8}")
TOUCH = """

```{code-cell} ipython3
:tags: [remove-cell]

# Appended by tests/benchmarks/bench_book.py: new code, same page.
```
"""


def toc_files(entry):
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("root", "file"):
                yield value
            else:
                yield from toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from toc_files(item)


def build(root):
    """Build the book in ``root``; returns (seconds, {page: execution seconds}, log lines)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--builder", "html"]
    command += ["--warningiserror", "--keep-going", "--all"]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=root, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    lines = ANSI_COLOUR.sub("", result.stdout + result.stderr).splitlines()
    executed = {}
    for line in lines:
        if match := EXECUTED.match(line):
            executed[page_name(root, match["path"])] = float(match["s"])
        elif match := FAILED.match(line):
            executed[page_name(root, match["path"])] = float("nan")
    if result.returncode != 0:
        problems = [line for line in lines if "WARNING" in line or "ERROR" in line]
        print(f"  build FAILED (exit {result.returncode}); the times below still count:")
        for line in problems[:20]:
            print(f"    {line}")
    return seconds, executed, lines


def page_name(root, path):
    return Path(path).resolve().relative_to(root).with_suffix("").as_posix()


def snapshot(root):
    """Every page's HTML, without the ``?v=<checksum>`` Sphinx appends to a static file's URL
    once the file exists: a first build, written before MathJax is copied in, has none."""
    html = root / "_build" / "html"
    return {
        page.relative_to(html).as_posix(): CHECKSUM.sub(b"", page.read_bytes())
        for page in html.rglob("*.html")
        if "_static" not in page.parts
    }


def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--touch", help="the chapter to touch, e.g. book/ch03_losses (default: the first one)"
    )
    parser.add_argument("--source", type=Path, default=REPO, help="the book (default: this repo)")
    args = parser.parse_args()
    source_root = args.source.resolve()

    pages = list(toc_files(yaml.safe_load((source_root / "_toc.yml").read_text())))
    # Pages that opt out of the cache (execution_mode: force) run on every build by design.
    forced = {
        page
        for page in pages
        if re.search(r"^\s*execution_mode:\s*force", (source_root / f"{page}.md").read_text(), re.M)
    }
    chapters = [page for page in pages if re.fullmatch(r"book/ch\d\d_\w+", page)]
    touched = args.touch or (chapters[0] if chapters else pages[-1])

    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        root = Path(tmp).resolve()
        for name in SOURCES:
            source = source_root / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(".*"))
            elif source.exists():
                shutil.copy2(source, root / name)

        print(f"== clean build of {len(pages)} pages (empty jupyter-cache)")
        clean_s, executed, _ = build(root)
        print(f"  wall time: {clean_s:6.1f} s  (target <= {TARGET_CLEAN_S:.0f} s) ", end="")
        print(verdict(clean_s <= TARGET_CLEAN_S))
        print("  execution time per page (myst-nb):")
        for page in pages:
            if page in executed:
                seconds = executed[page]
                mark = "FAILED" if math.isnan(seconds) else verdict(seconds <= TARGET_CHAPTER_S)
                print(f"    {page:36s} {seconds:6.1f} s  {mark}")
            else:
                print(f"    {page:36s}      -    (no code, or not executed)")
        before = snapshot(root)

        print(f"== rebuild after touching {touched}")
        with open(root / f"{touched}.md", "a", encoding="utf-8") as source:
            source.write(TOUCH)
        rebuild_s, executed, _ = build(root)
        print(f"  wall time: {rebuild_s:6.1f} s")
        again = sorted(executed)
        print(f"  executed again: {', '.join(again) or 'nothing'}")
        if forced:
            print(f"    ({', '.join(sorted(forced))}: execution_mode force, runs on every build)")
        only_touched = set(again) - forced == {touched}
        print(f"  only the touched chapter re-executed from the cache: {verdict(only_touched)}")
        after = snapshot(root)
        changed = sorted(name for name in before if after.get(name) != before[name])
        print(f"  pages whose HTML changed: {', '.join(changed) or 'none'}")
        print(f"  {touched} reproduced byte for byte: {verdict(f'{touched}.html' not in changed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
