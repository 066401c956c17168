"""Where untrusted code runs while autograding: bubblewrap sandboxes with resource limits.

Two kinds of process run a student's code during ``nbgrader autograde``:

- the **child** that runs one group of checks (``_child.py``): it sees a read-only system,
  the Python interpreter, NumPy and nothing else: no ``backproplab``, no course directory, no
  gradebook, no other student, no network. It runs as an unprivileged user with every
  capability dropped, in its own PID namespace (so no process it starts outlives it), with
  limits on CPU time, address space, file size and open files;
- the **kernel** that executes the notebook (:func:`kernel_command`): it also sees the
  course's Python environment (the student's own notebook imports ``backproplab`` and
  matplotlib) and its own autograded folder, but not the rest of the course directory.

Both need bubblewrap (``bwrap``, Debian package ``bubblewrap``), which works as root and, with
unprivileged user namespaces (the Debian default), as any user. Without it
(:func:`bwrap_path` returns None) the child still runs isolated (``python -I -S``, a fixed
``sys.path``, the same limits, killed with its process group) but can read whatever the
grader's user can read; ``nbgrader_plugin`` logs a warning saying so.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass

from trustedgrading.limits import (
    BWRAP_PROBE_SECONDS,
    CHILD_CPU_SECONDS,
    CHILD_FILE_BYTES,
    CHILD_MEMORY_BYTES,
    CHILD_OPEN_FILES,
    CHILD_STDERR_BYTES,
    CHILD_WALL_SECONDS,
    KERNEL_MEMORY_BYTES,
    KILL_WAIT_SECONDS,
    STDERR_DRAIN_SECONDS,
)

_HERE = os.path.dirname(os.path.abspath(__file__))
_ENGINE = os.path.dirname(_HERE)
# Every file the child loads, by the name it has in the child's folder: this folder's two and
# the engine's leaf modules it shares with the grader (imported there by bare name). All of
# them import only the standard library and NumPy (tests/engine/test_boundaries.py).
CHILD_FILES = {
    "_child.py": os.path.join(_HERE, "_child.py"),
    "_wire.py": os.path.join(_HERE, "_wire.py"),
    "mutation.py": os.path.join(_ENGINE, "mutation.py"),
    "limits.py": os.path.join(_ENGINE, "limits.py"),
}
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")
NOBODY = 65534
# Mounted before any bind: a later --tmpfs /tmp would hide whatever was bound under /tmp (a
# course, a virtual environment or a checkout can live there).
_FRESH_MOUNTS = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed process (defaults: :mod:`trustedgrading.limits`).

    Attributes
    ----------
    wall_seconds : float
        Wall-clock budget of one check group (all its calls); the process group is killed
        when it runs out.
    cpu_seconds : int
        ``RLIMIT_CPU``.
    memory_bytes : int
        ``RLIMIT_AS``: an allocation beyond it raises ``MemoryError`` in the student's code.
    file_bytes : int
        ``RLIMIT_FSIZE``: the largest file the process may write.
    stderr_bytes : int
        How much of the process's stderr is kept (the rest is read and dropped).
    """

    wall_seconds: float = CHILD_WALL_SECONDS
    cpu_seconds: int = CHILD_CPU_SECONDS
    memory_bytes: int = CHILD_MEMORY_BYTES
    file_bytes: int = CHILD_FILE_BYTES
    stderr_bytes: int = CHILD_STDERR_BYTES


def find_program(name):
    """The path of the program ``name`` on ``PATH`` or in the sbin folders, else None.

    A minimal ``PATH`` (``/usr/bin:/bin`` under ``env -i``, cron or ``sudo -i``) lacks the
    sbin folders; a program installed there is still found.
    """
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    path += [p for p in _SBIN_DIRS if p not in path]
    return shutil.which(name, path=os.pathsep.join(path))


@functools.cache
def bwrap_path():
    """The bubblewrap executable if it is installed and can create a sandbox here, else None."""
    path = find_program("bwrap")
    if path is None:
        return None
    probe = [path, "--unshare-all", "--die-with-parent", *_system_binds(), "--", "/bin/true"]
    try:
        run = subprocess.run(probe, capture_output=True, timeout=BWRAP_PROBE_SECONDS)
        ok = run.returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return path if ok else None


def _system_binds():
    args = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _bwrap_base(bwrap, *extra):
    """What both sandboxes share: no namespaces in common with the host, user ``nobody``
    with no capabilities, the system folders read-only, then ``extra``, then fresh /proc,
    /dev and /tmp (before any bind, which they would otherwise hide)."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
    args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    return [*args, "--hostname", "sandbox", *_system_binds(), *extra, *_FRESH_MOUNTS]


def _bind_once(args, path, *, writable=False, seen):
    path = os.path.realpath(path)
    if path in seen or not os.path.exists(path):
        return
    seen.add(path)
    args += ["--bind" if writable else "--ro-bind", path, path]


def _interpreter():
    """The real interpreter behind the (virtual environment's) ``sys.executable``."""
    return os.path.realpath(sys.executable)


def _numpy_dirs():
    """NumPy's package folder and its bundled libraries, nothing else of site-packages."""
    import numpy

    package = os.path.dirname(os.path.realpath(numpy.__file__))
    site = os.path.dirname(package)
    return [p for p in (package, os.path.join(site, "numpy.libs")) if os.path.isdir(p)]


def _set_limits(limits):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (CHILD_OPEN_FILES, CHILD_OPEN_FILES))

    return apply


_QUIET_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    # One thread: the limits are per process, and two graders on two cores must not fight.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def child_command(workdir):
    """The command that starts ``_child.py``, and whether it is sandboxed.

    ``workdir`` is a private temporary folder of the grader's: without bubblewrap it holds
    the links that make up the child's whole ``sys.path``, its own folder (``grading``: the
    :data:`CHILD_FILES`) and NumPy's (``site``). With bubblewrap the same files are mounted
    read-only at ``/sandbox/grading`` and ``/sandbox/site``.
    """
    python = _interpreter()
    site = os.path.join(workdir, "site")
    own = os.path.join(workdir, "grading")
    _link_all(site, {os.path.basename(path): path for path in _numpy_dirs()})
    bwrap = bwrap_path()
    if bwrap is None:
        _link_all(own, CHILD_FILES)
        return [python, "-I", "-S", os.path.join(own, "_child.py"), site], False
    args = _bwrap_base(bwrap, "--new-session")
    seen = set(_SYSTEM_DIRS)
    _bind_once(args, sys.base_prefix, seen=seen)
    _bind_once(args, os.path.dirname(python), seen=seen)
    for path in _numpy_dirs():
        args += ["--ro-bind", path, f"/sandbox/site/{os.path.basename(path)}"]
    for name, path in CHILD_FILES.items():
        args += ["--ro-bind", path, f"/sandbox/grading/{name}"]
    args += ["--chdir", "/tmp"]
    args += ["--", python, "-I", "-S", "/sandbox/grading/_child.py", "/sandbox/site", "--sandboxed"]
    return args, True


def _link_all(folder, targets):
    os.makedirs(folder, exist_ok=True)
    for name, path in targets.items():
        link = os.path.join(folder, name)
        if not os.path.lexists(link):
            os.symlink(path, link)


def start_child(limits, workdir):
    """Start the child process; returns ``(process, stderr collector, sandboxed)``."""
    command, sandboxed = child_command(workdir)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=dict(_QUIET_ENV),
        close_fds=True,
        start_new_session=True,
        preexec_fn=_set_limits(limits),
    )
    return process, StderrCollector(process.stderr, limits.stderr_bytes), sandboxed


class StderrCollector:
    """Drain a pipe on a thread, keeping its first ``limit`` bytes and dropping the rest."""

    def __init__(self, pipe, limit):
        self.kept = bytearray()
        self._limit = limit
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe):
        with pipe:
            while chunk := pipe.read1(1 << 16):
                room = self._limit - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]

    def text(self):
        self._thread.join(timeout=STDERR_DRAIN_SECONDS)
        return self.kept.decode(errors="replace")


def kill(process):
    """Kill the process and its whole process group, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=KILL_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        pass


def kernel_command(command, *, cwd, private_dir, course_root, memory_bytes=KERNEL_MEMORY_BYTES):
    """Wrap a kernel's command so the kernel runs sandboxed (unchanged without bubblewrap).

    The kernel sees the system read-only, the Python environment the grader runs in (its
    ``sys.path``, which holds ``backproplab`` and the notebook's libraries), ``cwd`` (the
    student's autograded folder) and ``private_dir`` (its connection file and sockets)
    writable, and nothing else of ``course_root``: not the gradebook, the source notebooks or
    the other students. It has no network (its sockets are Unix sockets in ``private_dir``).
    """
    bwrap = bwrap_path()
    limits = [find_program("prlimit") or "prlimit", f"--as={memory_bytes}", "--core=0", "--"]
    if bwrap is None:
        return [*limits, *command]
    root = os.path.realpath(course_root)
    # No --new-session: the kernel is already a session leader with no terminal.
    args = _bwrap_base(bwrap, "--ro-bind", "/etc", "/etc")
    seen = set(_SYSTEM_DIRS)
    package_root = os.path.dirname(os.path.dirname(_HERE))  # holds backproplab (editable or not)
    for path in [
        sys.base_prefix,
        sys.prefix,
        *sys.path,
        sysconfig.get_path("purelib"),
        package_root,
    ]:
        real = os.path.realpath(path) if path else ""
        # Never a folder that contains the course (it would expose all of it).
        if real and os.path.isdir(real) and not (root + os.sep).startswith(real + os.sep):
            _bind_once(args, real, seen=seen)
    _bind_once(args, os.path.dirname(os.path.realpath(command[0])), seen=seen)
    _bind_once(args, private_dir, writable=True, seen=seen)
    _bind_once(args, cwd, writable=True, seen=seen)
    # ipykernel exits when its parent pid changes, and in a PID namespace its parent is
    # bwrap's init; 1 is the value ipykernel reads as "no parent to watch" (without one at
    # all it prints a console banner into the grader's log). --die-with-parent ends it.
    args += ["--chdir", os.path.realpath(cwd), "--setenv", "JPY_PARENT_PID", "1"]
    for name, value in (
        ("HOME", "/tmp"),
        ("IPYTHONDIR", "/tmp/.ipython"),
        ("MPLCONFIGDIR", "/tmp/.matplotlib"),
        ("JUPYTER_RUNTIME_DIR", private_dir),
    ):
        args += ["--setenv", name, value]
    return [*limits, *args, "--", *command]


def private_dir():
    """A fresh folder only the grader's user can read."""
    return tempfile.mkdtemp(prefix="backproplab-")
