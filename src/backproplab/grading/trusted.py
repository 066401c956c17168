"""Checks run by the grader against a student's function that lives in a sandboxed child.

:class:`RemoteFunction` looks like the student's function to :func:`~backproplab.grading.check`
(the same checks the notebooks and the tests run), but each call crosses into a child process
(``sandbox``) that holds only the student's code and NumPy. The reference, the comparison,
the diagnosis and the verdict all stay in the grader, so nothing the student's code does to
NumPy, to ``backproplab`` or to the grading helpers can reach them.

:func:`run_test_cell` grades one test cell this way: one fresh child per check group.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import io
import os
import select
import shutil
import time

from backproplab.grading import _wire, sandbox
from backproplab.grading._core import CheckFailed, SandboxFault, check

_BASE_ONLY = (SystemExit, KeyboardInterrupt, GeneratorExit)


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


class RemoteFunction:
    """A student's function running in a sandboxed child; call it like the function itself.

    Parameters
    ----------
    name : str
        The function's name.
    source : str
        The code that defines it (see :func:`backproplab.grading.extract.function_source`).
    limits : sandbox.Limits
        Resource limits; ``limits.wall_seconds`` is the budget for all calls together.
    """

    def __init__(self, name, source, limits):
        self.__name__ = self.__qualname__ = name
        self._limits = limits
        self._workdir = sandbox.private_dir()
        self._peer = _wire.Peer(lend=True)
        self._fault = None
        self._deadline = time.monotonic() + limits.wall_seconds
        self._process, self._stderr, self.sandboxed = sandbox.start_child(limits, self._workdir)
        self._buffer = b""
        self._send({"op": "load", "source": source, "name": name})
        reply, _ = self._receive()
        self.__signature__ = _signature(reply.get("params", []))

    # --- the channel ---------------------------------------------------------------------

    def _die(self, reason):
        self._fault = SandboxFault(reason)
        self.close()
        raise self._fault

    def _send(self, meta, arrays=None):
        data = memoryview(_wire.pack(meta, arrays))
        fd = self._process.stdin.fileno()
        while data:
            _, ready, _ = select.select([], [fd], [], self._remaining())
            if not ready:
                self._timeout()
            try:
                data = data[os.write(fd, data[: 1 << 16]) :]
            except (BrokenPipeError, OSError):
                self._ended()

    def _remaining(self):
        return max(0.0, self._deadline - time.monotonic())

    def _read(self, n):
        fd = self._process.stdout.fileno()
        while len(self._buffer) < n:
            ready, _, _ = select.select([fd], [], [], self._remaining())
            if not ready:
                self._timeout()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self._ended()
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _receive(self):
        try:
            length = _wire.frame_length(self._read(8))
            return _wire.unpack(self._read(length))
        except _wire.WireError as error:
            self._die(f"sent the grader something it cannot read ({error})")

    def _timeout(self):
        self._die(
            f"did not finish within {self._limits.wall_seconds:g} s (the time limit for all of "
            "this function's cases together): an endless loop? The grader stopped it"
        )

    def _ended(self):
        self._process.wait(timeout=5)
        code = self._process.returncode
        detail = self._stderr.text().strip().splitlines()
        why = f" ({detail[-1][:300]})" if detail else ""
        if code is not None and code < 0:
            name = {9: "SIGKILL", 24: "SIGXCPU", 25: "SIGXFSZ", 11: "SIGSEGV"}.get(-code, -code)
            self._die(f"stopped the process running it (signal {name}){why}")
        self._die(
            f"ended the process running it (exit status {code}: os._exit, sys.exit from a "
            f"thread, or a crash){why}"
        )

    # --- calling ---------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if self._fault is not None:
            raise self._fault
        encoder = _wire.Encoder(self._peer)
        meta = {"op": "call", "args": encoder.node(list(args)), "kwargs": encoder.node(kwargs)}
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
        except (_wire.WireError, KeyError, TypeError, ValueError) as error:
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
        if where:
            error.where = tuple(where)
        return error

    def close(self):
        """Stop the child (and everything it started) and remove its folder."""
        sandbox.kill(self._process)
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self._stderr.text()  # joins the thread that drains (and closes) stderr
        shutil.rmtree(self._workdir, ignore_errors=True)


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
    import numpy as np

    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and original.flags.writeable:
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


def run_test_cell(calls, sources, limits):
    """Grade one test cell: its checks against the student's functions, each in a child.

    Parameters
    ----------
    calls : list of (str, str, bool)
        ``(check name, function name, hidden)`` for each ``check(...)`` in the cell.
    sources : dict
        Function name -> the code that defines it (None if the notebook defines none).
    limits : sandbox.Limits

    Returns
    -------
    (bool, str, bool)
        Whether every check passed, what to show (the checks' summary lines, or the first
        failure's message), and whether the code ran in a bubblewrap sandbox.
    """
    merged = {}
    for name, function, hidden in calls:
        previous = merged.get(name, (function, False))
        merged[name] = (function, previous[1] or hidden)
    lines, sandboxed = [], True
    for name, (function, hidden) in merged.items():
        source = sources.get(function)
        if source is None:
            return (
                False,
                f"Your notebook does not define a function named {function}: grading needs "
                f"a cell with `def {function}(...)`.",
                sandboxed,
            )
        output = io.StringIO()
        remote = None
        try:
            remote = RemoteFunction(function, source, limits)
            sandboxed = remote.sandboxed
            with contextlib.redirect_stdout(output):
                check(name, remote, hidden=hidden)
        except CheckFailed as failure:
            return False, str(failure), sandboxed
        except SandboxFault as fault:
            return False, f"{function} {fault}.", sandboxed
        finally:
            if remote is not None:
                remote.close()
        lines.append(output.getvalue().strip())
    return True, "\n".join(lines), sandboxed
