"""Parallel autograding against serial: ``nbgrader autograde`` vs ``trustedgrading.batch.grader``.

Run with ``python tests/benchmarks/bench_parallel_autograde.py [--submissions 200] [--jobs 2]``
(``make bench`` runs it with the defaults). A report, not a test: it prints the table and always
exits 0.

One temporary course holds ``ch02_activations`` (generated once) and ``--submissions``
submissions: mostly the reference solution, every 5th with one mutant from
``tests/checks/mutants/ch02_activations.py``, every 20th the untouched release (see
``tests/support/batch_course.py``). The course is then copied twice before anything is graded:

- *serial*: the plain CLI, ``nbgrader autograde ch02_activations``, one process for the class
  (the baseline, measured in the same run);
- *batch*: ``python -m trustedgrading.batch ch02_activations --jobs N``.

Both are timed from the command's start to its exit (start-up included, as an instructor waits
for it), one after the other on an otherwise idle machine, and both gradebooks must then hold the
same grades for every student and cell (else the timings compare different work and the report
says so). Target: a speed-up of at least 1.7 with ``--jobs 2`` on a 2-core machine.

The projection for a course of 1,000 students and all of its assignments (the course's, as
``backproplab.grading`` finds them): the measured seconds per submission of ch02_activations
(serial, and batch) x 1,000 x the number of ch02_activations-equivalents one student's
assignments cost. That number is measured (unless ``--no-per-assignment``): one reference
submission of every written assignment graded alone (median of 3, nbgrader's API in this
process), each relative to ch02_activations, summed. The assignments' costs differ, so
ch02_activations x their number is not a bound either way. It assumes the batch's speed-up
holds for every assignment, and the machine has as many cores as jobs; more cores (or grading
hosts sharing a PostgreSQL gradebook) divide it further.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

# Single-threaded BLAS everywhere (the kernels inherit the environment).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import batch_course as course_kit  # noqa: E402

from backproplab.grading import ASSIGNMENTS  # noqa: E402

ASSIGNMENT = "ch02_activations"
TARGET = 1.7
STUDENTS = 1000
ASSIGNMENTS_PER_STUDENT = len(ASSIGNMENTS)  # found on disk, never listed


def positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=positive, default=200)
    parser.add_argument("--jobs", type=positive, default=2)
    parser.add_argument(
        "--per-assignment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure each written assignment's cost for the projection (about a minute)",
    )
    return parser.parse_args(argv)


def build(base, count):
    """The generated course with ``count`` submissions in ``base``; the student ids."""
    course_kit.make_course(base, ASSIGNMENT)
    result = course_kit.run_nbgrader(base, "generate_assignment", ASSIGNMENT, "--force")
    if result.returncode != 0:
        raise RuntimeError(f"generate_assignment failed:\n{result.stderr[-3000:]}")
    answers = course_kit.reference_answers(base, ASSIGNMENT)
    chosen = course_kit.mostly_reference_answers(answers, course_kit.mutants(ASSIGNMENT), count)
    return course_kit.hand_in(base, ASSIGNMENT, chosen)


def cpu_jiffies():
    """``(busy, total)`` CPU time of the whole machine so far, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def timed(command, cwd):
    """``(seconds, CompletedProcess, machine CPU busy share during the run or None)``."""
    before = cpu_jiffies()
    started = time.perf_counter()
    result = course_kit.run_in_course(cwd, command, timeout=None)
    seconds = time.perf_counter() - started
    after = cpu_jiffies()
    busy = None
    if before and after and after[1] > before[1]:
        busy = (after[0] - before[0]) / (after[1] - before[1])
    return seconds, result, busy


def per_assignment_costs(top, rounds=3):
    """``{assignment: seconds}``: one reference submission of each written assignment, graded
    alone (median of ``rounds``), with nbgrader's API in this process, one after the other."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    from trustedgrading.batch.grader import _output_to

    written = [
        a for a in ASSIGNMENTS if (course_kit.REPO / "solutions" / a / f"{a}.ipynb").is_file()
    ]
    root = Path(top) / "costs"
    for assignment_id in written:
        course_kit.make_course(root, assignment_id)
    result = course_kit.run_nbgrader(root, "generate_assignment", "*", "--force")
    if result.returncode != 0:
        raise RuntimeError(f"generate_assignment failed:\n{result.stderr[-3000:]}")
    for assignment_id in written:
        answers = course_kit.reference_answers(root, assignment_id)
        course_kit.hand_in(root, assignment_id, [answers] * rounds)
    os.environ.update(course_kit.course_env(root))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(config=config)
    seconds = {assignment_id: [] for assignment_id in written}
    with _output_to(os.devnull):  # the kernels' banners and nbgrader's log
        for round_ in range(rounds):
            for assignment_id in written:
                started = time.perf_counter()
                graded = api.autograde(assignment_id, course_kit.student_name(round_))
                seconds[assignment_id].append(time.perf_counter() - started)
                if not graded["success"]:
                    raise RuntimeError(f"autograde {assignment_id} failed:\n{graded['log']}")
    return {a: statistics.median(times) for a, times in seconds.items()}


def main(argv):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        base = Path(tmp) / "base"
        students = build(base, args.submissions)
        serial_root, batch_root = Path(tmp) / "serial", Path(tmp) / "batch"
        shutil.copytree(base, serial_root, symlinks=True)
        shutil.copytree(base, batch_root, symlinks=True)

        load = os.getloadavg()[0]
        serial_s, serial, serial_busy = timed(
            [str(course_kit.NBGRADER), "autograde", ASSIGNMENT], serial_root
        )
        batch_command = [sys.executable, "-m", "trustedgrading.batch", ASSIGNMENT]
        batch_s, batch, batch_busy = timed([*batch_command, "--jobs", str(args.jobs)], batch_root)
        problems = []
        if serial.returncode != 0:
            problems.append(f"nbgrader autograde exited {serial.returncode}")
        if batch.returncode != 0:
            problems.append(f"batch exited {batch.returncode}:\n{batch.stderr[-2000:]}")
        grades = {
            name: course_kit.recorded_grades(f"sqlite:///{root / 'gradebook.db'}", ASSIGNMENT)
            for name, root in (("serial", serial_root), ("batch", batch_root))
        }
        if set(grades["serial"]) != set(students) or grades["serial"] != grades["batch"]:
            problems.append("the two gradebooks differ: the timings compare different work")
        summary = [line for line in batch.stderr.splitlines() if line.startswith("autograde ")]
        costs = per_assignment_costs(tmp) if args.per_assignment else None

    count = len(students)
    speedup = serial_s / batch_s
    print(f"{count} submissions of {ASSIGNMENT}, {os.cpu_count()} cores")
    print(f"{'':<30}{'wall s':>9}{'s/submission':>14}{'cores busy':>12}")
    for name, seconds, busy in (
        ("serial (nbgrader autograde)", serial_s, serial_busy),
        (f"batch --jobs {args.jobs}", batch_s, batch_busy),
    ):
        shown = "n/a" if busy is None else f"{busy * os.cpu_count():.2f}"
        print(f"{name:<30}{seconds:>9.1f}{seconds / count:>14.3f}{shown:>12}")
    verdict = "PASS" if speedup >= TARGET else "MISS"
    print(f"speed-up {speedup:.2f}x (target >= {TARGET}x with 2 jobs on 2 cores): {verdict}")
    if summary:
        print(f"batch's own summary: {summary[-1]}")
    print(
        f"load average before: {load:.2f}. Cores busy = the whole machine's, other processes "
        "included: serial grading alone keeps about 0.8 of a core busy, so much more during "
        "the serial run means other load, and a speed-up measured then is not the batch's."
    )

    print(f"\nprojected for {STUDENTS:,} students x {ASSIGNMENTS_PER_STUDENT} assignments:")
    per_batch, per_serial = batch_s / count, serial_s / count
    factor = ASSIGNMENTS_PER_STUDENT  # every assignment costs what ch02 costs, unless measured
    if costs:
        factor = sum(costs.values()) / costs[ASSIGNMENT]
        print(f"  one reference submission graded alone, median of 3, relative to {ASSIGNMENT}:")
        for assignment_id, seconds in costs.items():
            print(f"    {assignment_id:<28}{seconds:>6.2f} s{seconds / costs[ASSIGNMENT]:>7.2f}x")
        if len(costs) < ASSIGNMENTS_PER_STUDENT:
            factor *= ASSIGNMENTS_PER_STUDENT / len(costs)  # the unwritten ones at the mean
    print(
        f"  serial {per_serial * factor * STUDENTS / 3600:.1f} h, batch --jobs {args.jobs} "
        f"{per_batch * factor * STUDENTS / 3600:.1f} h"
    )
    print(
        f"  = measured s/submission of {ASSIGNMENT} x {STUDENTS:,} students x "
        f"{factor:.2f} ({ASSIGNMENT}-equivalents per student: "
        + (
            "the sum of the assignments' costs relative to it, measured above)"
            if costs
            else "every assignment assumed to cost as much; --per-assignment measures them)"
        )
    )
    for problem in problems:
        print(f"PROBLEM: {problem}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SystemExit:
        raise
    except Exception:
        # A report, never a failing step: say what broke and exit 0.
        print("bench_parallel_autograde could not finish:")
        traceback.print_exc(file=sys.stdout)
    sys.exit(0)
