"""Checks run by the grader against a student's function that lives in a sandboxed child.

:class:`RemoteFunction` looks like the student's function to :func:`trustedgrading.checks.check`
(the same checks the notebooks and the tests run), but each call crosses into a child process
(``sandbox``) that holds only the student's code and NumPy. The reference, the comparison,
the diagnosis and the verdict all stay in the grader, so nothing the student's code does to
NumPy, to the course's reference package or to the grading helpers can reach them.

The check framework knows nothing of this: the runner speaks its neutral terms. A sandbox
that times out or ends is a :class:`SandboxFault`, a
:class:`~trustedgrading.checks.GradingAborted`; an exception raised in the child carries its
:class:`~trustedgrading.checks.Location` as ``student_location``; and an object that stayed in
the child arrives as a ``_wire.Ref``, which describes itself to
:func:`~trustedgrading.checks.describe`.

:func:`run_test_cell` grades one test cell this way: one fresh child per check group. A check
that calls the student's other functions (``companions``) gets them from the same child
(:meth:`RemoteFunction.__grading_companion__`), and a check that gives partial credit makes the
cell's score a fraction.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import io
import os
import select
import shutil
import subprocess
import time

import numpy as np

from trustedgrading.checks import CheckFailed, GradingAborted, Location, check, companions
from trustedgrading.limits import (
    CHILD_END_SECONDS,
    CHILD_EXIT_SECONDS,
    ERROR_LINE_CHARS,
    ERROR_NAME_CHARS,
    STDERR_LINE_CHARS,
)
from trustedgrading.sandbox import _wire
from trustedgrading.sandbox import launch as sandbox

_BASE_ONLY = (SystemExit, KeyboardInterrupt, GeneratorExit)


class SandboxFault(GradingAborted):
    """The process running a student's function was stopped or ended.

    The message completes "<function> ...", e.g. "did not finish within 30 s".
    """


def _exception_class(name):
    """A grader-side exception type for a student's exception called ``name``.

    Built-in exceptions map to themselves (so ``NotImplementedError`` and ``ImportError`` keep
    their meaning); ``SystemExit`` and friends, which must never be raised in the grader, and
    the student's own classes become plain ``Exception`` subclasses with the same name.
    """
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and not issubclass(kind, _BASE_ONLY):
        return kind
    return type(name, (Exception,), {})


class ChildPool:
    """One sandboxed zygote (``_child.py``) that forks a fresh child per check group.

    The pipes are shared: while a group runs, its child answers on them; when the group ends,
    the zygote reports and waits for the next ``fork``. After a fault (a timeout, a child that
    died mid-message) the whole sandbox is killed and the next group starts a new one.
    """

    def __init__(self, limits):
        self.limits = limits
        self.sandboxed = True
        self._process = None
        self._workdir = None
        self._buffer = b""
        self._deadline = 0.0

    def fork(self):
        """Start a group: ask the zygote (started first if needed) for a fresh child."""
        if self._process is None or self._process.poll() is not None:
            self.close()
            self._workdir = sandbox.private_dir()
            self._process, self._stderr, self.sandboxed = sandbox.start_child(
                self.limits, self._workdir
            )
            self._buffer = b""
        self._deadline = time.monotonic() + self.limits.wall_seconds
        self.send({"op": "fork"})

    def end(self):
        """End the current group; on any trouble, drop the sandbox (the group is over anyway)."""
        try:
            self._deadline = time.monotonic() + CHILD_END_SECONDS
            self.send({"op": "end"})
            reply, _ = self.receive()
            if reply.get("op") != "ended":
                self.close()
        except (SandboxFault, _wire.WireError, OSError):
            self.close()

    def send(self, meta, arrays=None):
        data = memoryview(_wire.pack(meta, arrays))
        fd = self._process.stdin.fileno()
        while data:
            _, ready, _ = select.select([], [fd], [], self._remaining())
            if not ready:
                self._fail(None)
            try:
                data = data[os.write(fd, data[: 1 << 16]) :]
            except OSError:
                self._fail(self._ended())

    def receive(self):
        length = _wire.frame_length(self._read(8))
        return _wire.unpack(self._read(length))

    def _remaining(self):
        return max(0.0, self._deadline - time.monotonic())

    def _read(self, n):
        fd = self._process.stdout.fileno()
        while len(self._buffer) < n:
            ready, _, _ = select.select([fd], [], [], self._remaining())
            if not ready:
                self._fail(None)
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self._fail(self._ended())
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _fail(self, reason):
        if reason is None:
            reason = (
                f"did not finish within {self.limits.wall_seconds:g} s (the time limit for "
                "all of this function's cases together): an endless loop? The grader stopped it"
            )
        self.close()
        raise SandboxFault(reason)

    def _ended(self):
        # The pipe closed: the child (or the whole sandbox) ended mid-group.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=CHILD_EXIT_SECONDS)
        detail = (
            self._stderr.text().strip().splitlines() if self._process.poll() is not None else []
        )
        why = f" ({detail[-1][:STDERR_LINE_CHARS]})" if detail else ""
        return (
            f"ended the process running it (os._exit, a signal, or a crash) before it returned{why}"
        )

    def close(self):
        """Stop the sandbox (and everything in it) and remove its folder."""
        if self._process is None:
            return
        sandbox.kill(self._process)
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self._stderr.text()  # joins the thread that drains (and closes) stderr
        shutil.rmtree(self._workdir, ignore_errors=True)
        self._process = None


class RemoteFunction:
    """A student's function running in a sandboxed child; call it like the function itself.

    Parameters
    ----------
    name : str
        The function's name.
    source : str
        The code that defines it (see :func:`trustedgrading.nbgrader.extract.function_source`).
    pool : ChildPool
        Where the child comes from; ``pool.limits.wall_seconds`` is the budget for all calls.
    """

    def __init__(self, name, source, pool):
        self.__name__ = self.__qualname__ = name
        self._pool = pool
        self._peer = _wire.Peer(lend=True)
        self._fault = None
        try:
            pool.fork()
            self.sandboxed = pool.sandboxed
            pool.send({"op": "load", "source": source, "name": name})
            reply, _ = self._receive()
        except SandboxFault as fault:
            self._fault = fault
            raise
        self.__signature__ = _signature(reply.get("params", []))

    def _receive(self):
        try:
            reply, arrays = self._pool.receive()
        except _wire.WireError as error:
            self._die(f"sent the grader something it cannot read ({error})")
        if reply.get("op") == "ended":
            # The zygote reports the child's end mid-group. Start the next group in a new
            # sandbox: whatever the child left unread in the pipe must not reach it.
            self._pool.close()
            status = reply.get("status")
            self._fault = SandboxFault(
                f"ended the process running it (exit status {status}: os._exit, a signal, "
                "or a crash) before it returned"
            )
            raise self._fault
        return reply, arrays

    def _send(self, meta, arrays=None):
        self._pool.send(meta, arrays)

    def _die(self, reason):
        self._fault = SandboxFault(reason)
        self._pool.close()
        raise self._fault

    # --- calling ---------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        return self._guarded_call(args, kwargs, None)

    def __grading_companion__(self, name):
        """The student's function ``name`` from the same source, run in the same child."""

        def call(*args, **kwargs):
            return self._guarded_call(args, kwargs, name)

        call.__name__ = call.__qualname__ = name
        return call

    def _guarded_call(self, args, kwargs, function):
        if self._fault is not None:
            raise self._fault
        try:
            return self._call(args, kwargs, function)
        except SandboxFault as fault:
            self._fault = fault
            raise

    def _call(self, args, kwargs, function):
        encoder = _wire.Encoder(self._peer)
        meta = {"op": "call", "args": encoder.node(list(args)), "kwargs": encoder.node(kwargs)}
        if function is not None:
            meta["function"] = function
        self._send(meta, encoder.arrays)
        while True:
            reply, arrays = self._receive()
            op = reply.get("op")
            if op == "callback":
                self._serve_callback(reply, arrays)
            elif op == "result":
                return self._result(reply, arrays, args, kwargs)
            elif op == "error":
                raise self._error(reply)
            else:
                self._die(f"sent an unexpected message {op!r}")

    def _decode(self, node, arrays):
        try:
            return _wire.decode(node, arrays, self._peer)
        except Exception as error:
            self._die(f"returned something the grader cannot read ({error})")

    def _serve_callback(self, reply, arrays):
        fn = self._peer.own(int(reply["id"]))
        args = self._decode(reply["args"], arrays)
        kwargs = self._decode(reply["kwargs"], arrays)
        try:
            value = fn(*args, **kwargs)
        except Exception as error:
            self._send({"op": "raise", "message": f"{type(error).__name__}: {error}"})
            return
        encoder = _wire.Encoder(self._peer)
        self._send({"op": "return", "value": encoder.node(value)}, encoder.arrays)

    def _result(self, reply, arrays, args, kwargs):
        value = self._decode(reply["value"], arrays)
        # Write the student's changes back into the caller's arguments, so a check sees a
        # mutated input exactly as it would in-process.
        for key, node in reply.get("changed", []):
            original = args[key] if isinstance(key, int) and key < len(args) else kwargs.get(key)
            _write_back(original, self._decode(node, arrays))
        return value

    def _error(self, reply):
        error = _exception_class(str(reply.get("type", "Exception")))(str(reply.get("message", "")))
        where = reply.get("where")
        # Only a well-formed (function, line, text) triple: the child may be lying.
        if (
            isinstance(where, list)
            and len(where) == 3
            and isinstance(where[0], str)
            and isinstance(where[1], int)
            and isinstance(where[2], str)
        ):
            error.student_location = Location(
                where[0][:ERROR_NAME_CHARS], where[1], where[2][:ERROR_LINE_CHARS]
            )
        return error

    def close(self):
        """End this function's group (the child exits; the zygote cleans up after it)."""
        if self._fault is None:
            self._pool.end()


def _signature(params):
    """The student's parameter names, for messages such as "changed its input `x`"."""
    try:
        return inspect.Signature(
            [
                inspect.Parameter(str(name), inspect._ParameterKind(int(kind)))
                for name, kind in params
            ]
        )
    except (TypeError, ValueError):
        return inspect.Signature()


def _write_back(original, new):
    """Make ``original`` (an argument in the grader) hold what the student's call left in it."""
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape != new.shape:
            # x.shape = ..., x.resize(...): reshape the caller's copy too, or the change
            # would go unnoticed (the arguments a check passes own their data).
            try:
                original.resize(new.shape, refcheck=False)
            except (ValueError, TypeError):
                return
        if original.flags.writeable:
            np.copyto(original, new, casting="unsafe")
    elif isinstance(original, (tuple, list)) and isinstance(new, (tuple, list)):
        for i, (before, after) in enumerate(zip(original, new, strict=False)):
            _write_back(before, after)
            if isinstance(original, list) and not isinstance(before, np.ndarray):
                original[i] = after
        if isinstance(original, list) and len(original) != len(new):
            original[:] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        for key in list(original):
            if key not in new:
                del original[key]
        for key, after in new.items():
            before = original.get(key)
            if isinstance(before, np.ndarray) and isinstance(after, np.ndarray):
                _write_back(before, after)
                if before.shape == after.shape:
                    continue
            original[key] = after
    elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        original.bit_generator.state = new.bit_generator.state


def source_names(calls):
    """Function name -> the names its source must define, for the ``calls`` of a test cell.

    A function's child runs the function and the companions its checks call (the student's
    ``predict`` for a check of their ``train``): the source given to :func:`run_test_cell` for
    it must define them all, as ``function_source(cells, name, companions=names[1:])`` does.
    """
    names = {}
    for name, function, _ in calls:
        listed = names.setdefault(function, [function])
        listed += [c for c in companions(name) if c not in listed]
    return {function: tuple(listed) for function, listed in names.items()}


def run_test_cell(calls, sources, limits, pool=None, salt=b""):
    """Grade one test cell: its checks against the student's functions, each in a child.

    Parameters
    ----------
    calls : list of (str, str, bool)
        ``(check name, function name, hidden)`` for each ``check(...)`` in the cell.
    sources : dict
        Function name -> the code that defines it and its checks' companions
        (:func:`source_names`), or None if the notebook does not define the function.
    limits : sandbox.Limits
    pool : ChildPool, optional
        The notebook's sandbox, shared by its test cells; by default one for this cell only.
    salt : bytes
        Passed to :func:`trustedgrading.checks.check` (the course's secret).

    Returns
    -------
    (float, str, bool)
        The fraction of the cell's marks earned: 1.0 if every check passed, 0.0 if one
        failed, in between if a check gave partial credit (the lowest such fraction); what to
        show (the checks' summary lines, or the first failure's message); and whether the
        code ran in a bubblewrap sandbox.
    """
    merged = {}
    for name, function, hidden in calls:
        previous = merged.get(name, (function, False))
        merged[name] = (function, previous[1] or hidden)
    own_pool = pool is None
    pool = ChildPool(limits) if own_pool else pool
    try:
        return _run_checks(merged, sources, pool, salt)
    finally:
        if own_pool:
            pool.close()


def _run_checks(merged, sources, pool, salt):
    lines, sandboxed, score = [], True, 1.0
    for name, (function, hidden) in merged.items():
        source = sources.get(function)
        if source is None:
            return (
                0.0,
                f"Your notebook does not define a function named {function}: grading needs "
                f"a cell with `def {function}(...)`.",
                sandboxed,
            )
        output = io.StringIO()
        remote = None
        try:
            remote = RemoteFunction(function, source, pool)
            sandboxed = remote.sandboxed
            with contextlib.redirect_stdout(output):
                partial = check(name, remote, hidden=hidden, salt=salt)
        except CheckFailed as failure:
            return 0.0, str(failure), sandboxed
        except SandboxFault as fault:
            return 0.0, f"{function} {fault}.", sandboxed
        finally:
            if remote is not None:
                remote.close()
        if partial is not None:
            score = min(score, partial)
        lines.append(output.getvalue().strip())
    return score, "\n".join(lines), sandboxed
