"""Shared pytest set-up: a seeded rng, a reproducible Hypothesis profile, and the checks of the
environment that must come before any fixture (see ``support.py``).

- A home folder that cannot be written stops the run at once with one line: Jupyter, IPython
  and Matplotlib write there, and would otherwise fail deep inside some fixture.
- A test marked ``browser`` skips (fails under CI) before its fixtures are set up when Chromium
  is missing, and one marked ``root`` when not run as root, each saying what to do.
- Under ``make test`` (pytest-xdist, ``--dist loadgroup``) a test with an ``xdist_group`` mark
  that pytest-xdist did not group fails, before its fixtures, saying why (see
  :func:`pytest_collection_modifyitems`).
"""

import os
import tempfile

import numpy as np
import pytest
import support
from hypothesis import HealthCheck, settings

# Derandomised so that CI and every developer see the same examples; no deadline because a
# 2-core CI machine under load would make timing-based failures flaky.
settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")


def home_problem():
    """Why the home folder cannot be used, or None."""
    home = os.path.expanduser("~")
    if not os.path.isdir(home):
        return f"the home folder {home} does not exist"
    try:
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as error:
        return f"the home folder {home} is not writable ({error.strerror})"
    return None


def pytest_configure(config):
    problem = home_problem()
    if problem:
        pytest.exit(
            f"error: {problem}: Jupyter, IPython and Matplotlib keep their settings there. "
            "Run with a writable HOME, e.g. HOME=$(mktemp -d) make test",
            returncode=4,
        )


# Why a test that should run in one worker with its group cannot (see the hook below).
LOST_GROUP = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """In each pytest-xdist worker under ``--dist loadgroup`` (after pytest-xdist's own hook):
    every test with an ``xdist_group`` mark must carry its group, which pytest-xdist 3.8 appends
    to the node id (``...::test@book``) and schedules by. Otherwise (pytest 9.2 with pytest-xdist
    3.8 loses the suffix silently: pytest-dev/pytest-xdist#1386) a group's tests would spread
    over the workers: an expensive module-scoped set-up would run once per worker, and two
    workers would build the book into the same ``_build`` at once. Each such test fails before
    its fixtures are set up instead, saying why."""
    if not getattr(config.option, "loadgroup", False):  # set in the workers only
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = {
            mark.args[0] if mark.args else mark.kwargs.get("name", "default") for mark in marks
        }
        if names and not item.nodeid.endswith("@" + "_".join(sorted(names))):
            item.stash[LOST_GROUP] = (
                f"this test has the xdist_group mark {sorted(names)}, but pytest-xdist did not "
                "group it (pytest-dev/pytest-xdist#1386, e.g. pytest 9.2 with pytest-xdist 3.8): "
                "pin a pytest and a pytest-xdist that work together, or run with TEST_WORKERS=0"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before pytest's own skip check and any fixture: a test that cannot run here gets a skip
    marker (reported at its own line), or fails under CI."""
    if LOST_GROUP in item.stash:
        pytest.fail(item.stash[LOST_GROUP], pytrace=False)
    try:
        if item.get_closest_marker("root") is not None:
            support.require_root("this test (system users)")
        if item.get_closest_marker("browser") is not None:
            from support.browser import require_chromium

            require_chromium()
    except pytest.skip.Exception as skipped:
        item.add_marker(pytest.mark.skip(reason=skipped.msg))


@pytest.fixture
def rng():
    """A fresh, seeded generator per test."""
    return np.random.default_rng(20261123)
