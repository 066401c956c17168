"""The worker processes: forked from the parent, each asks for a student, grades it, reports.

A slow submission holds up one worker, not a slice of the class; a worker that dies fails its
student and is replaced; Ctrl-C (or SIGTERM) asks every worker to stop and, after
:data:`~trustedgrading.limits.BATCH_GRACE_SECONDS`, kills what is left with its process group.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time

from trustedgrading import limits
from trustedgrading.batch.progress import FAILED, Ledger, Outcome, Reporter
from trustedgrading.batch.student import _converter_class, grade_student


def interrupt(signum, frame):
    """A signal handler that makes SIGTERM stop the batch as Ctrl-C does."""
    raise KeyboardInterrupt


def _worker(conn, app, log_dir):
    """One worker process: ask for a student, grade it, report, until told to stop (None)."""
    # A process group of its own: Ctrl-C reaches the parent only, which decides how to stop
    # the workers, and a kill of this group takes what the worker started with it.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    # The logs are files: timestamps instead of terminal colours.
    for handler in app.log.handlers:
        handler.setFormatter(
            logging.Formatter("%(asctime)s [%(levelname)s] %(message)s", "%H:%M:%S")
        )
    converter_class = _converter_class()
    try:
        conn.send(("ready", None, None))
        while (student := conn.recv()) is not None:
            log_path = os.path.join(log_dir, f"{student}.log")
            outcome = grade_student(app, converter_class, student, log_path)
            conn.send(("done", student, dataclasses.asdict(outcome)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass


class _Pool:
    """The worker processes, forked from this one (nbgrader's configuration already loaded)."""

    def __init__(self, app, log_dir):
        self._context = multiprocessing.get_context("fork")
        self._app = app
        self._log_dir = log_dir
        self.workers = {}  # worker id -> (process, connection)
        self._next_id = 0

    def start(self):
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker, args=(child_end, self._app, self._log_dir), daemon=True
        )
        sys.stdout.flush()
        sys.stderr.flush()
        process.start()
        child_end.close()
        self.workers[self._next_id] = (process, parent_end)
        self._next_id += 1

    def waitables(self):
        return [
            item for process, conn in self.workers.values() for item in (conn, process.sentinel)
        ]

    def ready(self, timeout):
        """``(worker, conn)`` for each worker with a message to read, ``(worker, None)`` for
        each that ended, waiting up to ``timeout`` seconds for the first. Lazy, so a worker
        removed while an earlier item is handled is not yielded again."""
        for item in multiprocessing.connection.wait(self.waitables(), timeout=timeout):
            for worker, (process, conn) in list(self.workers.items()):
                if item is conn:
                    yield worker, conn
                elif item == process.sentinel:
                    yield worker, None

    def remove(self, worker, on_message=None):
        """Forget a worker that ended (or is being killed); its exit code. ``on_message`` first
        gets what it sent before it ended and was not read yet."""
        process, conn = self.workers.pop(worker)
        with contextlib.suppress(Exception):  # a closed pipe, a message cut short
            while on_message is not None and conn.poll():
                on_message(worker, conn.recv())
        conn.close()
        process.join(timeout=1)
        return process.exitcode

    def stop(self, on_message, grace=limits.BATCH_GRACE_SECONDS):
        """Ask every worker to stop (SIGINT), wait up to ``grace`` seconds while passing their
        last messages to ``on_message``, then kill what is left with its process group."""
        for process, _ in self.workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        try:
            while self.workers and time.monotonic() < deadline:
                for worker, conn in self.ready(timeout=0.2):
                    if conn is not None:
                        try:
                            on_message(worker, conn.recv())
                        except Exception:  # closed, or a message cut by the interruption
                            self.remove(worker)
                    else:
                        self.remove(worker, on_message)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: no more waiting
        for worker in list(self.workers):
            process, _ = self.workers[worker]
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            self.remove(worker)


def run_batch(app, students, jobs, log_dir, stream):
    """Grade ``students`` with ``jobs`` workers; ``(ledger, wall seconds, interrupted)``."""
    assignment_id = app.coursedir.assignment_id
    ledger = Ledger(students)
    pool = _Pool(app, log_dir)
    reporter = Reporter(stream, assignment_id)
    started = time.monotonic()
    restarts = 0
    interrupted = False

    def on_message(worker, message):
        kind, student, outcome = message
        if kind == "done":
            ledger.finish(worker, student, Outcome(**outcome))

    try:
        for _ in range(jobs):
            pool.start()
        while ledger.done < ledger.total:
            for worker, conn in pool.ready(timeout=1.0):
                if conn is not None:
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        continue  # the sentinel says why
                    on_message(worker, message)
                    with contextlib.suppress(OSError):  # if it just died, its sentinel says so
                        conn.send(ledger.next_for(worker))
                else:
                    exitcode = pool.remove(worker, on_message)
                    ledger.lost(worker, f"the worker process ended (exit code {exitcode})")
                    if ledger.pending and restarts < jobs:
                        restarts += 1
                        pool.start()
            if not pool.workers:
                for student in list(ledger.pending):
                    ledger.pending.remove(student)
                    ledger.outcomes[student] = Outcome(FAILED, reason="no worker left")
            now = time.monotonic()
            reporter.update(ledger, now - started, now)
        for worker in list(pool.workers):
            process, conn = pool.workers[worker]
            with contextlib.suppress(OSError):
                conn.send(None)
            process.join(timeout=limits.WORKER_EXIT_SECONDS)
            pool.remove(worker)
    except KeyboardInterrupt:
        interrupted = True
        count = len(pool.workers)
        stream.write(f"\ninterrupted: stopping {count} worker{'s' if count != 1 else ''}\n")
        pool.stop(on_message)
    finally:
        if pool.workers:
            pool.stop(on_message, grace=0)
        reporter.close()
    return ledger, time.monotonic() - started, interrupted
