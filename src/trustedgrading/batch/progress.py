"""The bookkeeping of a batch of autograding: who waits, who is being graded, who is done,
and what the grader sees of it (the live progress line and the closing summary).

No nbgrader and no processes here: :mod:`trustedgrading.batch.workers` tells the :class:`Ledger`
what its workers report, and a :class:`Reporter` shows the progress on its stderr.
"""

from __future__ import annotations

import collections
import dataclasses
import math

from trustedgrading.limits import SUMMARY_NAMES

GRADED, FAILED, SKIPPED = "graded", "failed", "skipped"
REPORT_SECONDS = 5.0


def format_duration(seconds):
    """``seconds`` as ``42s``, ``2m10s`` or ``1h05m`` (rounded to the second).

    >>> format_duration(130.4)
    '2m10s'
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def eta_seconds(processed, remaining, elapsed):
    r"""Seconds until the batch ends, from the throughput so far; None before any is known.

    .. math:: \mathrm{ETA} = \text{remaining} \cdot \frac{\text{elapsed}}{\text{processed}}

    ``processed`` counts the submissions graded or failed so far (skipped ones cost nothing
    and would make the class look faster than it is), ``remaining`` those not finished yet
    (running included), ``elapsed`` the seconds since the batch started. The throughput is
    the whole pool's, so N workers show an N times shorter ETA once they are all busy.
    """
    if processed <= 0:
        return None
    return remaining * elapsed / processed


@dataclasses.dataclass
class Outcome:
    """What happened to one student: ``status`` is GRADED, FAILED or SKIPPED."""

    status: str
    seconds: float = 0.0
    reason: str = ""
    log: str = ""


class Ledger:
    """The bookkeeping of one batch: who waits, who is being graded by whom, who is done.

    Work is handed out one student at a time, in order, to whichever worker asks
    (:meth:`next_for`); :meth:`finish` records an outcome; :meth:`lost` takes back the
    student of a worker that died and records it as failed.
    """

    def __init__(self, students):
        self.total = len(students)
        self.pending = collections.deque(students)
        self.running = {}  # worker id -> student
        self.outcomes = {}  # student -> Outcome, in the order they finished

    def next_for(self, worker):
        """The next student for ``worker`` (now busy with it), or None when none is left."""
        if not self.pending:
            return None
        student = self.pending.popleft()
        self.running[worker] = student
        return student

    def finish(self, worker, student, outcome):
        if self.running.get(worker) == student:
            del self.running[worker]
        self.outcomes[student] = outcome

    def lost(self, worker, reason):
        """Record the student ``worker`` was grading, if any, as failed with ``reason``."""
        student = self.running.pop(worker, None)
        if student is not None:
            self.outcomes[student] = Outcome(FAILED, reason=reason)
        return student

    def count(self, status):
        return sum(outcome.status == status for outcome in self.outcomes.values())

    @property
    def done(self):
        return len(self.outcomes)

    def failed(self):
        return [s for s, outcome in self.outcomes.items() if outcome.status == FAILED]

    def not_graded(self):
        """The students still running or never started (after an interruption)."""
        return [*self.running.values(), *self.pending]


def progress_line(assignment_id, ledger, elapsed):
    """The live progress line, e.g.
    ``autograde ch02_activations: 37/200 done, 1 failed, 2 running, ETA 2m10s``."""
    failed, skipped = ledger.count(FAILED), ledger.count(SKIPPED)
    processed = ledger.done - skipped
    eta = eta_seconds(processed, ledger.total - ledger.done, elapsed)
    parts = [f"{ledger.done}/{ledger.total} done", f"{failed} failed"]
    if skipped:
        parts.append(f"{skipped} skipped")
    parts.append(f"{len(ledger.running)} running")
    parts.append("ETA " + ("?" if eta is None else format_duration(eta)))
    return f"autograde {assignment_id}: " + ", ".join(parts)


def should_report(now, last_time, done, last_done, total, interval=REPORT_SECONDS):
    """Whether a non-terminal stderr gets a new progress line: every ``interval`` seconds, or
    when another tenth of the class is done (so a fast batch still shows its progress)."""
    step = max(1, math.ceil(total / 10))
    return now - last_time >= interval or done // step > last_done // step


def summary(assignment_id, ledger, wall, jobs, log_dir):
    """The lines printed at the end: counts, wall time, seconds per submission, failures."""
    graded, failed, skipped = (ledger.count(s) for s in (GRADED, FAILED, SKIPPED))
    processed = graded + failed
    per = f"{wall / processed:.2f} s per submission" if processed else "no submission processed"
    lines = [
        f"autograde {assignment_id}: {graded} graded, {failed} failed, {skipped} skipped "
        f"of {ledger.total} in {format_duration(wall)} ({per}, {jobs} "
        f"job{'s' if jobs != 1 else ''})"
    ]
    for student in ledger.failed():
        outcome = ledger.outcomes[student]
        lines.append(f"  FAILED {student}: {outcome.reason} (log: {outcome.log or '-'})")
    not_graded = ledger.not_graded()
    if not_graded:
        shown = ", ".join(not_graded[:SUMMARY_NAMES])
        shown += ", ..." if len(not_graded) > SUMMARY_NAMES else ""
        lines.append(f"  not graded ({len(not_graded)}): {shown}")
    lines.append(f"  logs: {log_dir}")
    return lines


class Reporter:
    """The progress line on stderr: rewritten in place on a terminal, a new line every
    :data:`REPORT_SECONDS` (or each tenth of the class) otherwise."""

    def __init__(self, stream, assignment_id):
        self.stream = stream
        self.assignment_id = assignment_id
        self.tty = stream.isatty()
        self._width = 0
        self._last_time = -math.inf
        self._last_done = -1
        self._last_line = ""
        self._printed = ""

    def update(self, ledger, elapsed, now):
        line = progress_line(self.assignment_id, ledger, elapsed)
        if self.tty:
            if line != self._last_line:
                self.stream.write("\r" + line.ljust(self._width))
                self._width = len(line)
        elif should_report(now, self._last_time, ledger.done, self._last_done, ledger.total):
            self.stream.write(line + "\n")
            self._last_time, self._last_done, self._printed = now, ledger.done, line
        self._last_line = line
        self.stream.flush()

    def close(self):
        if self.tty and self._width:
            self.stream.write("\n")
        elif not self.tty and self._last_line != self._printed:
            self.stream.write(self._last_line + "\n")
        self.stream.flush()
