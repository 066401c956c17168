"""Shared by tests/engine/test_runner.py and test_runner_cells.py: the test-only checks
("trusted_test.*", registered once on import; ``trusted_test.scale`` calls a companion and gives
partial credit), two correct student sources, the sandbox limits, the ``sandboxes`` fixture and
:func:`require_bwrap`."""

import os
import shutil

import numpy as np
import pytest

import backproplab.grading  # noqa: F401 (the course: importing it configures the framework)
from trustedgrading.checks import Case, call_student, companion, fail, register, register_custom
from trustedgrading.sandbox import launch as sandbox

LIMITS = sandbox.Limits(wall_seconds=20)


def _double_cases(rng, hidden):
    yield Case("two numbers", np.array([1.0, -2.0]))
    yield Case("a matrix", rng.standard_normal((2, 3)))
    if hidden:
        yield Case("empty", np.zeros(0))
        yield Case("large", rng.standard_normal(50) * 1e6)


def _half_cases(rng, hidden):
    yield Case("one", np.array([4.0]))


def _apply_cases(rng, hidden):
    yield Case("square", np.square, np.array([1.0, 2.0, 3.0]))
    yield Case("negate", np.negative, np.array([[1.0, -1.0]]))


register("trusted_test.double", reference=lambda x: 2 * x, cases=_double_cases)
register("trusted_test.half", reference=lambda x: x / 2, cases=_half_cases)
register("trusted_test.apply", reference=lambda f, x: f(x) + 1, cases=_apply_cases)


@register_custom("trusted_test.scale", companions=("unscale",))
def _scale_check(student, rng, hidden):
    """``unscale(scale(x)) == x``: full marks within 1e-9, partial credit within 0.5, else a
    failure."""
    x = np.array([1.0, 2.0])
    back = call_student(companion(student, "unscale"), call_student(student, x, case="x"), case="x")
    error = float(np.max(np.abs(np.asarray(back) - x)))
    if error > 0.5:
        fail(f"unscale(scale(x)) is {error} away from x")
    return None if error < 1e-9 else 1.0 - error


DOUBLE = "def double(x):\n    return 2 * x\n"
HALF = "def half(x):\n    return x / 2\n"


@pytest.fixture
def sandboxes(monkeypatch):
    """Every sandbox process started during the test, as (process, workdir)."""
    started = []
    original = sandbox.start_child

    def start_child(limits, workdir):
        started.append((original(limits, workdir), workdir))
        return started[-1][0]

    monkeypatch.setattr(sandbox, "start_child", start_child)
    yield started
    for (process, _, _), workdir in started:
        if process.poll() is None:
            sandbox.kill(process)
            for pipe in (process.stdin, process.stdout):
                pipe.close()
            shutil.rmtree(workdir, ignore_errors=True)


def require_bwrap():
    """Skip without bubblewrap, except under CI (``CI`` set), where that is a failure."""
    if sandbox.bwrap_path() is None:
        if os.environ.get("CI"):
            pytest.fail("bubblewrap is required under CI but sandbox.bwrap_path() is None")
        pytest.skip(
            "bubblewrap (bwrap) is not installed or cannot create a sandbox here: "
            "apt-get install bubblewrap"
        )
