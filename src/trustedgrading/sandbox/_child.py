"""The processes that run a student's graded code, inside the sandbox.

Started by ``trustedgrading.sandbox.launch`` as ``python -I -S _child.py <site dir>``: isolated
mode, no site-packages, and a ``sys.path`` of only its own folder (the files in
``launch.CHILD_FILES``: this one, ``_wire``, and the engine's ``mutation`` and ``limits``) and a
folder holding NumPy. The process imports NumPy and nothing of the course (which is not there),
and becomes a *zygote*: it never runs student code itself. For each check group the grader sends
``{"op": "fork"}``; the zygote forks a fresh child, which serves that group, and waits for it.
When the child has exited, the zygote kills every process the group left behind, empties
``/tmp`` and replies ``{"op": "ended"}``. Forking costs milliseconds where starting a sandbox
and importing NumPy costs about 0.1 s, and every group still starts from the same clean state.

The child runs the student's source in a fresh namespace and answers the grader's requests
over the same pipes, in the frames of ``_wire``:

- ``{"op": "load", "source": ..., "name": ...}``: execute the source and find the function;
- ``{"op": "call", "args": ..., "kwargs": ...}``: call it, reply with the result (or the
  exception) and with every argument the call changed, so the grader can notice mutation;
  with ``"function": name`` the call is to another function the source defines (a check's
  companion, such as the ``predict`` that goes with a ``train``);
- while a call runs, a callable the grader lent sends ``{"op": "callback"}`` and waits;
- ``{"op": "end"}``: exit.

The student's prints go to /dev/null: only returned values count. Nothing the student does
here can change a grade directly: the grader compares the returned values with the
reference in its own process.
"""

import copy
import inspect
import os
import sys
import traceback
import warnings

SOURCE_NAME = "<your code>"


SANDBOXED_FLAG = "--sandboxed"


def _setup_path():
    here = os.path.dirname(os.path.abspath(__file__))
    # -I -S: the standard library only; then this folder (this file and the ones it imports by
    # bare name, launch.CHILD_FILES) and NumPy's folder.
    sys.path[:0] = [here, *(a for a in sys.argv[1:] if a != SANDBOXED_FLAG)]


def _in_own_sandbox():
    """True only inside bubblewrap's PID namespace, where cleaning up cannot hurt the host."""
    if SANDBOXED_FLAG not in sys.argv[1:]:
        return False
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"bwrap"
    except OSError:
        return False


_setup_path()

# Only now, with sys.path set: this folder's files (launch.CHILD_FILES) and NumPy.
import _wire  # noqa: E402
import limits  # noqa: E402
import numpy as np  # noqa: E402
from mutation import unchanged  # noqa: E402


class Channel:
    """Blocking frames over two private file descriptors."""

    def __init__(self, fd_in, fd_out):
        self.fd_in = fd_in
        self.fd_out = fd_out

    def send(self, meta, arrays=None):
        data = _wire.pack(meta, arrays)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd_out, view) :]

    def receive(self):
        length = _wire.frame_length(self._read(8))
        return _wire.unpack(self._read(length))

    def _read(self, n):
        chunks = []
        while n:
            chunk = os.read(self.fd_in, min(n, 1 << 20))
            if not chunk:
                raise SystemExit(0)  # the grader closed the pipe: nothing more to do
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


def _private_channel():
    """The protocol on duplicated descriptors; fd 0 and 1 then point at /dev/null."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    sys.stdin = open(os.devnull)
    sys.stdout = open(os.devnull, "w")
    return Channel(fd_in, fd_out)


def _where(error, source_lines):
    """Where in the student's source the error was raised, as (function, line, text)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == SOURCE_NAME]
    if not frames:
        return None
    frame = frames[-1]
    text = source_lines[frame.lineno - 1].strip() if 0 < frame.lineno <= len(source_lines) else ""
    return [frame.name, frame.lineno, text[: limits.ERROR_LINE_CHARS]]


def _error_meta(error, source_lines):
    try:
        message = str(error)
    except BaseException:
        message = "<unprintable>"
    return {
        "op": "error",
        "type": type(error).__name__[: limits.ERROR_NAME_CHARS],
        "message": message[: limits.ERROR_MESSAGE_CHARS],
        "where": _where(error, source_lines),
    }


class Child:
    def __init__(self, channel):
        self.channel = channel
        self.peer = _wire.Peer()
        self.function = None
        self.namespace = {}
        self.load_error = None
        self.source_lines = []

    def serve(self):
        while True:
            meta, arrays = self.channel.receive()
            op = meta.get("op")
            if op == "load":
                self.load(meta)
            elif op == "call":
                self.call(meta, arrays)
            elif op == "end":
                return
            else:
                self.channel.send({"op": "error", "type": "ProtocolError", "message": f"op {op!r}"})

    def load(self, meta):
        source, name = str(meta["source"]), str(meta["name"])
        self.source_lines = source.splitlines()
        namespace = self.namespace = {"__name__": _wire.STUDENT_MODULE, "np": np, "numpy": np}
        try:
            exec(compile(source, SOURCE_NAME, "exec"), namespace)
            self.function = namespace.get(name)
            if not callable(self.function):
                self.load_error = {
                    "op": "error",
                    "type": "NameError",
                    "message": f"your code defines no function named {name!r}",
                    "where": None,
                }
        except BaseException as error:
            self.load_error = _error_meta(error, self.source_lines)
        params = []
        if self.load_error is None:
            try:
                signature = inspect.signature(self.function)
                params = [[p.name, int(p.kind)] for p in signature.parameters.values()]
            except (TypeError, ValueError):
                pass
        self.channel.send({"op": "loaded", "params": params})

    def _lent(self, id_):
        channel, peer = self.channel, self.peer

        def lent(*args, **kwargs):
            encoder = _wire.Encoder(peer)
            meta = {
                "op": "callback",
                "id": id_,
                "args": encoder.node(list(args)),
                "kwargs": encoder.node(kwargs),
            }
            channel.send(meta, encoder.arrays)
            reply, arrays = channel.receive()
            if reply.get("op") == "return":
                return _wire.decode(reply["value"], arrays, peer)
            raise RuntimeError(str(reply.get("message", "the grader's function failed")))

        return lent

    def _target(self, meta):
        """The function a call is for: the loaded one, or the companion it names."""
        name = meta.get("function")
        if name is None:
            return self.function
        function = self.namespace.get(str(name))
        if not inspect.isfunction(function):
            raise NameError(f"your code defines no function named {str(name)!r}")
        return function

    def call(self, meta, arrays):
        if self.load_error is not None:
            self.channel.send(self.load_error)
            return
        try:
            function = self._target(meta)
        except NameError as error:
            self.channel.send(_error_meta(error, self.source_lines))
            return
        try:
            args = _wire.decode(meta["args"], arrays, self.peer, self._lent)
            kwargs = _wire.decode(meta["kwargs"], arrays, self.peer, self._lent)
            before_args, before_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        except Exception as error:
            self.channel.send({"op": "error", "type": "ProtocolError", "message": str(error)})
            return
        encoder = _wire.Encoder(self.peer, drain=True)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                # Encoding the result consumes a returned generator, so it runs here too.
                value = encoder.node(function(*args, **kwargs))
        except _wire.WireError as error:
            self.channel.send({"op": "error", "type": "OutputTooLarge", "message": str(error)})
            return
        except BaseException as error:
            self.channel.send(_error_meta(error, self.source_lines))
            return
        changed = [
            [i, encoder.node(after)]
            for i, (before, after) in enumerate(zip(before_args, args, strict=True))
            if not unchanged(before, after)
        ]
        changed += [
            [key, encoder.node(kwargs[key])]
            for key, before in before_kwargs.items()
            if not unchanged(before, kwargs[key])
        ]
        reply = {"op": "result", "value": value, "changed": changed}
        try:
            self.channel.send(reply, encoder.arrays)
        except _wire.WireError as error:
            self.channel.send({"op": "error", "type": "OutputTooLarge", "message": str(error)})


def _clean_up_after_group():
    """Kill what the group left running (all but this process and the namespace's init)."""
    import shutil
    import signal

    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    for name in os.listdir("/tmp"):
        path = os.path.join("/tmp", name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def zygote(channel):
    """Fork one child per check group, and clean up after each (in the sandbox only)."""
    private = _in_own_sandbox()
    while True:
        meta, _ = channel.receive()
        if meta.get("op") != "fork":
            channel.send({"op": "error", "type": "ProtocolError", "message": "expected fork"})
            continue
        pid = os.fork()
        if pid == 0:
            try:
                Child(channel).serve()
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        if private:
            _clean_up_after_group()
        channel.send({"op": "ended", "status": os.waitstatus_to_exitcode(status)})


def main():
    zygote(_private_channel())


if __name__ == "__main__":
    main()
