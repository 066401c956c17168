"""What trusted autograding costs: autograde time per submission, plain nbgrader against trusted.

Run with ``python tests/benchmarks/bench_trusted_autograde.py [rounds]`` (``make bench``). A
report, not a test: it prints the table and always exits 0.

*Trusted* is the repo's ``nbgrader_config.py`` as it is (its ``configure`` call wires in the
sandboxed kernel, ``RobustExecute``, ``TrustedChecks`` and the other preprocessors of
``trustedgrading.nbgrader.plugin``). *Plain* is the same file with only that call removed:
nbgrader's own preprocessor chain and kernel manager, with the same ``Execute.timeout``.

One temporary course, two configs: the course holds every written assignment of
``solutions/``, generated once, one gradebook, and both config files side by side (each sets
``CourseDirectory.root`` to its own folder, so both point at this course). Each config drives
its own ``NbGraderAPI`` in this process, so nbgrader's start-up is paid once and not counted;
the kernel start and everything per notebook is. One course rather than two keeps everything
but the config identical (same generated release, same gradebook); the plain and the trusted
runs grade different students (``plain<round>``, ``trusted<round>``), so they never share a
submission. Each submission is the release notebook with the reference solution filled in
(every check runs, hidden cases included); both must score full marks, which the table shows.

Each round grades every assignment with both configs back to back, plain first in even
rounds and trusted first in odd ones, so a busy moment of the machine or a warm cache hits
both alike; each figure is the median over the rounds. Target: trusted at most 2 times plain
per submission (issue 6), judged on the geometric mean of the ratios.

Below the table, where the extra time goes, per assignment (medians over the rounds as well):
``TrustedChecks.preprocess`` run on its own on the submission, how much of it is spent in
``run_test_cell`` (the sandboxed check groups), how many check groups (one fresh child each)
it starts, and the cost of starting and stopping one child (a trivial function loaded into a
``RemoteFunction``) times that number; the remainder of the trusted extra time is the
sandboxed kernel and the other preprocessors. ``run_test_cell`` is timed by wrapping it, for
that separate run only, where ``nbgrader_plugin`` looks it up; the graded runs are untouched.

The submissions are built by ``bench_autograde.reference_submission``, imported from the
sibling script only once the arguments are known to be valid (that script reads
``sys.argv[1]`` as its round count when imported).
"""

import os
import sys

# Single-threaded BLAS in the kernels too (they inherit the environment).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import contextlib  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from unittest import mock  # noqa: E402

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.apps import NbGraderAPI  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from backproplab.grading import ASSIGNMENTS  # noqa: E402
from trustedgrading.nbgrader import plugin as nbgrader_plugin  # noqa: E402
from trustedgrading.runner import ChildPool, RemoteFunction  # noqa: E402
from trustedgrading.sandbox import launch as sandbox  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
TARGET = 2.0
CONFIGURE_CALL = re.compile(r"^configure_trusted_autograding\(.*\)[ \t]*\n", re.MULTILINE)
PLAIN_CONFIG = "plain_nbgrader_config.py"
CHILD_SAMPLES = 5
MODES = ("plain", "trusted")


def parse_rounds(argv):
    if len(argv) < 2:
        return 3
    try:
        rounds = int(argv[1])
    except ValueError:
        rounds = 0
    if rounds < 1:
        print(f"usage: {argv[0]} [rounds]: rounds must be a positive integer, not {argv[1]!r}")
        return None
    return rounds


@contextlib.contextmanager
def kernel_output_silenced():
    """Kernels inherit file descriptors 1 and 2 and print banners; keep the report readable.

    (The sandboxed kernel prints its connection banner on stdout, the plain one a warning on
    stderr.)
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with open(os.devnull, "w") as devnull:
        for fd in saved:
            os.dup2(devnull.fileno(), fd)
    try:
        yield
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


def make_course(course, assignments):
    """Copy the assignments and both configs into ``course``; None, or why it cannot be done."""
    for assignment_id in assignments:
        shutil.copytree(
            SOLUTIONS / assignment_id,
            course / "solutions" / assignment_id,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
        )
    text = (REPO / "nbgrader_config.py").read_text()
    plain, calls = CONFIGURE_CALL.subn("", text)
    if calls != 1:
        return f"nbgrader_config.py holds {calls} configure calls, expected exactly one"
    (course / "nbgrader_config.py").write_text(text)
    (course / PLAIN_CONFIG).write_text(plain)
    return None


def load_api(course, filename):
    config = PyFileConfigLoader(filename, path=str(course)).load_config()
    return NbGraderAPI(config=config), config


def score(db_url, assignment_id, student):
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(assignment_id, student)
        return submission.score, submission.max_score


def time_trusted_checks(config, db_url, course, assignment_id, student):
    """``(seconds in preprocess, seconds in run_test_cell, check groups)`` for one submission.

    The submission is read as handed in (TrustedChecks needs no kernel outputs: it reads the
    functions' source), and TrustedChecks is configured exactly as in the trusted run.
    """
    name = f"{assignment_id}.ipynb"
    notebook = nbformat.read(course / "submitted" / student / assignment_id / name, as_version=4)
    resources = {
        "nbgrader": {"db_url": db_url, "notebook": assignment_id, "assignment": assignment_id}
    }
    in_cells, groups = [0.0], [0]
    real = nbgrader_plugin.run_test_cell

    def timed(calls, sources, limits, pool=None, salt=b""):
        started = time.perf_counter()
        try:
            return real(calls, sources, limits, pool, salt)
        finally:
            in_cells[0] += time.perf_counter() - started
            groups[0] += len({check_name for check_name, _, _ in calls})

    checks = nbgrader_plugin.TrustedChecks(config=config)
    with mock.patch.object(nbgrader_plugin, "run_test_cell", timed):
        started = time.perf_counter()
        checks.preprocess(notebook, resources)
        total = time.perf_counter() - started
    return total, in_cells[0], groups[0]


def child_start_seconds():
    """Median cost of one check group's child: (a new sandbox, a fork from a running one).

    Each notebook starts one sandbox (bubblewrap, Python, NumPy) and forks one child per
    check group from it; both costs load a trivial function and end it.
    """
    starts, forks = [], []
    for _ in range(CHILD_SAMPLES):
        pool = ChildPool(sandbox.Limits())
        try:
            for samples in (starts, forks):
                started = time.perf_counter()
                RemoteFunction("f", "def f():\n    return 0\n", pool).close()
                samples.append(time.perf_counter() - started)
        finally:
            pool.close()
    return statistics.median(starts), statistics.median(forks)


def grade_all(course, assignments, rounds):
    """Grade every submission, interleaved; returns the measurements, or a reason for failing."""
    # Imported here, once the arguments are valid: bench_autograde reads sys.argv[1] on import.
    from bench_autograde import reference_submission

    apis = {}
    configs = {}
    apis["plain"], configs["plain"] = load_api(course, PLAIN_CONFIG)
    apis["trusted"], configs["trusted"] = load_api(course, "nbgrader_config.py")
    if "RobustExecute" in configs["plain"] or "autograde_preprocessors" in configs["plain"].get(
        "Autograde", {}
    ):
        return "the plain config still configures trusted autograding"
    db_url = apis["trusted"].coursedir.db_url

    for assignment_id in assignments:
        result = apis["trusted"].generate_assignment(assignment_id, force=True)
        if not result["success"]:
            return f"generate_assignment {assignment_id} failed:\n{result.get('log')}"
    for round_ in range(rounds):
        for assignment_id in assignments:
            text = reference_submission(course, assignment_id)
            for mode in MODES:
                folder = course / "submitted" / f"{mode}{round_}" / assignment_id
                folder.mkdir(parents=True)
                (folder / f"{assignment_id}.ipynb").write_text(text)

    seconds = {(a, m): [] for a in assignments for m in MODES}
    scores = {}
    parts = {a: [] for a in assignments}
    with kernel_output_silenced():
        for round_ in range(rounds):
            order = MODES if round_ % 2 == 0 else MODES[::-1]
            for assignment_id in assignments:
                for mode in order:
                    student = f"{mode}{round_}"
                    started = time.perf_counter()
                    result = apis[mode].autograde(assignment_id, student)
                    seconds[assignment_id, mode].append(time.perf_counter() - started)
                    if not result["success"]:
                        return f"{mode} autograde {assignment_id} failed:\n{result.get('log')}"
                    scores[assignment_id, mode] = score(db_url, assignment_id, student)
                parts[assignment_id].append(
                    time_trusted_checks(
                        configs["trusted"], db_url, course, assignment_id, f"trusted{round_}"
                    )
                )
        child = child_start_seconds()
    return seconds, scores, parts, child


def points(pair):
    got, out_of = pair
    return f"{got:g}/{out_of:g}"


def report(assignments, rounds, measured):
    seconds, scores, parts, child = measured
    print(f"autograde per submission, median of {rounds} rounds (reference solution submitted)")
    print(
        f"{'assignment':<26}{'plain s':>9}{'trusted s':>11}{'ratio':>8}"
        f"{'pts plain':>11}{'pts trusted':>13}"
    )
    ratios = []
    for assignment_id in assignments:
        plain = statistics.median(seconds[assignment_id, "plain"])
        trusted = statistics.median(seconds[assignment_id, "trusted"])
        ratios.append(trusted / plain)
        print(
            f"{assignment_id:<26}{plain:>9.2f}{trusted:>11.2f}{trusted / plain:>8.2f}"
            f"{points(scores[assignment_id, 'plain']):>11}"
            f"{points(scores[assignment_id, 'trusted']):>13}"
        )
    geomean = math.exp(statistics.fmean(math.log(r) for r in ratios))
    verdict = "PASS" if geomean <= TARGET else "MISS"
    print(f"{'geometric mean ratio':<26}{'':>20}{geomean:>8.2f}  target <= {TARGET:g}x: {verdict}")
    worst = max(zip(ratios, assignments, strict=True))
    print(f"worst ratio: {worst[1]} at {worst[0]:.2f}x")
    mismatched = [a for a in assignments if scores[a, "plain"] != scores[a, "trusted"]]
    if mismatched:
        print(f"SCORES DIFFER (timings not comparable): {', '.join(mismatched)}")

    start, fork = child
    print(
        f"\nwhere the trusted extra time goes (medians; the notebook's sandbox start "
        f"{start:.3f} s, then one fork per check group {fork:.3f} s)"
    )
    print(
        f"{'assignment':<26}{'extra s':>9}{'checks s':>10}{'in cells':>10}{'groups':>8}"
        f"{'starts s':>10}{'rest s':>8}"
    )
    for assignment_id in assignments:
        extra = statistics.median(seconds[assignment_id, "trusted"]) - statistics.median(
            seconds[assignment_id, "plain"]
        )
        total, in_cells, groups = (
            statistics.median(p[i] for p in parts[assignment_id]) for i in range(3)
        )
        print(
            f"{assignment_id:<26}{extra:>9.2f}{total:>10.2f}{in_cells:>10.2f}{groups:>8.0f}"
            f"{start + (groups - 1) * fork:>10.2f}{extra - total:>8.2f}"
        )
    print(
        "extra = trusted - plain; checks = TrustedChecks.preprocess alone, of which `in cells`"
        "\nin run_test_cell; groups = sandboxed children started (one per check group);"
        "\nstarts = one sandbox start + (groups - 1) forks; rest = extra - checks"
        "\n(sandboxed kernel, the other preprocessors)."
    )
    if sandbox.bwrap_path() is None:
        print("bubblewrap is not available here: the children ran unsandboxed (the fallback)")


def main():
    rounds = parse_rounds(sys.argv)
    if rounds is None:
        return
    # nbgrader creates the gradebook with the `alembic` command, found on PATH.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    assignments = [a for a in ASSIGNMENTS if (SOLUTIONS / a / f"{a}.ipynb").is_file()]
    if not assignments:
        print("no assignment is written yet: nothing to measure")
        return
    with tempfile.TemporaryDirectory(prefix="bench-trusted-") as tmp:
        course = Path(tmp)
        # No personal nbgrader settings or kernel specs: the venv's own python3 kernel grades.
        os.environ["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter" / "config")
        os.environ["JUPYTER_DATA_DIR"] = str(course / ".jupyter" / "data")
        problem = make_course(course, assignments)
        measured = problem or grade_all(course, assignments, rounds)
    if isinstance(measured, str):
        print(f"cannot measure: {measured}")
        return
    report(assignments, rounds, measured)
    missing = [a for a in ASSIGNMENTS if a not in assignments]
    if missing:
        print(f"not written yet: {', '.join(missing)}")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        # A report, never a failing step: say what broke and exit 0.
        print("bench_trusted_autograde could not finish:")
        traceback.print_exc(file=sys.stdout)
    sys.exit(0)
