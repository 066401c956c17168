"""The fixed repository layout of DESIGN.md, and the configuration files that hold it together."""

import os
import re
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parents[2]

LAYOUT_FILES = [
    "_config.yml",
    "_toc.yml",
    "requirements.txt",
    "constraints.txt",
    "pyproject.toml",
    "nbgrader_config.py",
    "Makefile",
    "README.md",
    ".ci/run",
]
LAYOUT_DIRS = ["book", "solutions", "exercises", "src/backproplab", "tests"]
# Never pages of the book: nbgrader notebooks, code, tooling and build output.
NOT_IN_BOOK = ["exercises", "solutions", "tests", "src", "docs", "_build", ".venv", ".ci"]


def pins(path):
    """``{canonical name: version}`` of the ``name==version`` lines of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"{path.name}: {line!r} is not pinned with =="
        name = re.sub(r"\[[^\]]*\]$", "", name.strip())  # psycopg[binary] pins psycopg
        found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


@pytest.mark.parametrize("name", LAYOUT_FILES)
def test_layout_file_exists(name):
    assert (REPO / name).is_file(), f"{name} is missing"


@pytest.mark.parametrize("name", LAYOUT_DIRS)
def test_layout_directory_exists(name):
    assert (REPO / name).is_dir(), f"{name}/ is missing"


def test_ci_script_is_an_executable_bash_script():
    script = REPO / ".ci" / "run"
    assert script.read_text().startswith("#!/usr/bin/env bash\n")
    assert os.access(script, os.X_OK)


def test_book_excludes_everything_that_is_not_a_page():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    patterns = config["exclude_patterns"]
    for name in NOT_IN_BOOK:
        assert name in patterns or f"{name}/**" in patterns, f"_config.yml must exclude {name}/"
    assert "README.md" in patterns
    assert config["only_build_toc_files"] is True


def test_book_executes_with_a_cache_and_needs_no_network():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["allow_errors"] is False
    assert not any(config.get("launch_buttons", {}).values())


def test_every_toc_entry_is_a_page_in_book():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    assert toc["format"] == "jb-book"
    entries = [toc["root"]] + [chapter["file"] for chapter in toc.get("chapters", [])]
    for entry in entries:
        assert entry.startswith("book/"), f"{entry} is outside book/"
        assert any((REPO / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")), entry


def test_nbgrader_uses_solutions_as_source_and_exercises_as_release():
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(REPO))
    course = loader.load_config().CourseDirectory
    assert course.source_directory == "solutions"
    assert course.release_directory == "exercises"
    assert Path(course.root) == REPO
    assert course.course_id == "backprop-lab"


def test_requirements_are_pinned_and_agree_with_the_constraints():
    lines = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "-c constraints.txt" in lines
    assert lines[-1] == "-e .[display,grading]"
    top = pins(REPO / "requirements.txt")
    constraints = pins(REPO / "constraints.txt")
    for name, version in top.items():
        assert constraints.get(name) == version, f"{name}=={version} disagrees with constraints"
    assert "backproplab" not in constraints


def test_the_hub_environment_is_pinned_like_the_course():
    """deploy/jupyterhub pins everything, with the repository's versions wherever both have a
    package (soupsieve excepted: 4.x needs Python >= 3.11.5, Debian 12's is 3.11.2)."""
    hub = REPO / "deploy" / "jupyterhub"
    top = pins(hub / "requirements.txt")
    constraints = pins(hub / "constraints.txt")
    for name, version in top.items():
        assert constraints.get(name) == version, f"{name}=={version} disagrees with constraints"
    assert top["jupyterhub"] == "6.1.1"
    course = pins(REPO / "constraints.txt")
    differ = {
        name: (version, course[name])
        for name, version in constraints.items()
        if name in course and course[name] != version
    }
    assert set(differ) <= {"soupsieve"}, differ


def test_jupyter_book_stays_below_version_2():
    version = pins(REPO / "requirements.txt")["jupyter-book"]
    assert int(version.split(".")[0]) < 2, f"jupyter-book {version}: the book uses the v1 format"


def test_build_output_and_course_state_are_ignored_by_git():
    ignored = (REPO / ".gitignore").read_text().splitlines()
    for entry in [".venv/", "_build/", "gradebook.db", "submitted/", "autograded/", "feedback/"]:
        assert entry in ignored, f".gitignore must list {entry}"


# A TAB or BEL inside a docstring's maths is what "\text" and "\arg" become when a string
# loses its r prefix, or when a tool writes the escape instead of the backslash: the page then
# renders garbage and nothing else fails.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\t")


def test_no_control_characters_in_source_or_pages():
    roots = (REPO / "src", REPO / "tests", REPO / "book", REPO / "deploy", REPO / "docs")
    offenders = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in {".py", ".md", ".js", ".toml", ".bib", ".yml"}:
                continue
            if "__pycache__" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if CONTROL.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:60]!r}")
    assert not offenders, "control characters (TAB, BEL, ...):\n" + "\n".join(offenders)
