"""What the sandboxed child and the sandboxed kernel can and cannot reach (``grading.sandbox``).

The child is driven directly over its protocol (``_wire`` frames on its stdin/stdout), with a
small probe function as the "student's" code. Files the child must not see live in a
course-like folder *outside* /tmp (the sandbox mounts an empty /tmp, which would hide
anything under it and make the test pass for the wrong reason).

Tests that need bubblewrap are skipped when ``sandbox.bwrap_path()`` is None, except under CI
(``CI`` set), where a missing sandbox is a failure.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import backproplab
import trustedgrading
from trustedgrading.sandbox import _wire
from trustedgrading.sandbox import launch as sandbox


def _require_bwrap():
    if sandbox.bwrap_path() is None:
        if os.environ.get("CI"):
            pytest.fail("bubblewrap is required under CI but sandbox.bwrap_path() is None")
        pytest.skip(
            "bubblewrap (bwrap) is not installed or cannot create a sandbox here: "
            "apt-get install bubblewrap"
        )


@pytest.fixture
def bwrap():
    _require_bwrap()


@pytest.fixture
def course(tmp_path):
    """A course-like folder outside /tmp, with a gradebook and a release folder."""
    for parent in ("/var/tmp", os.path.expanduser("~")):
        if os.access(parent, os.W_OK):
            root = Path(tempfile.mkdtemp(prefix="bpl-course-", dir=parent))
            break
    else:
        pytest.skip("no writable folder outside /tmp for a course directory")
    (root / "gradebook.db").write_text("grades")
    (root / "source" / "ch02").mkdir(parents=True)
    (root / "source" / "ch02" / "ch02.ipynb").write_text("{}")
    student = root / "autograded" / "alice" / "ch02"
    student.mkdir(parents=True)
    (student / "ch02.ipynb").write_text("{}")
    os.chmod(root, 0o755)  # readable by others, so only the sandbox can hide it
    yield root
    shutil.rmtree(root, ignore_errors=True)


class Child:
    """A sandbox speaking the frame protocol: its zygote forks one child for ``probe``."""

    def __init__(self, source, limits=None, name="probe"):
        self.workdir = sandbox.private_dir()
        self.process, self.stderr, self.sandboxed = sandbox.start_child(
            limits or sandbox.Limits(wall_seconds=20), self.workdir
        )
        self.peer = _wire.Peer()
        self.send({"op": "fork"})
        self.send({"op": "load", "source": textwrap.dedent(source), "name": name})
        self.loaded = self.receive()[0]

    def send(self, meta, arrays=None):
        self.process.stdin.write(_wire.pack(meta, arrays))
        self.process.stdin.flush()

    def receive(self):
        header = self.process.stdout.read(8)
        if len(header) < 8:
            raise AssertionError(f"the child ended; stderr: {self.stderr.text()!r}")
        return _wire.unpack(self.process.stdout.read(_wire.frame_length(header)))

    def call(self, *args):
        encoder = _wire.Encoder(self.peer)
        meta = {"op": "call", "args": encoder.node(list(args)), "kwargs": encoder.node({})}
        self.send(meta, encoder.arrays)
        reply, arrays = self.receive()
        if reply["op"] == "error":
            return ("error", reply["type"], reply["message"])
        return _wire.decode(reply["value"], arrays, self.peer)

    def close(self):
        sandbox.kill(self.process)
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        self.stderr.text()
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def child():
    started = []

    def start(source, **kwargs):
        started.append(Child(source, **kwargs))
        return started[-1]

    yield start
    for c in started:
        c.close()


def pids_with(marker):
    """Pids whose command line contains ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def appears(marker, within=5.0):
    """Whether a process with ``marker`` shows up (a fresh process may not be listed yet)."""
    end = time.monotonic() + within
    while not pids_with(marker):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def gone(marker, within=5.0):
    """Whether no process with ``marker`` remains (killed processes take a moment to go)."""
    end = time.monotonic() + within
    while pids_with(marker):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


PROBES = """
import os, sys

def probe(what, arg=None):
    if what == "read":
        try:
            with open(arg) as f:
                return "read: " + f.read()
        except OSError as error:
            return type(error).__name__
    if what == "exists":
        return os.path.exists(arg)
    if what == "import":
        try:
            __import__(arg)
            return "imported"
        except ImportError as error:
            return type(error).__name__
    if what == "connect":
        import socket
        try:
            socket.create_connection(("127.0.0.1", arg), timeout=2).close()
            return "connected"
        except OSError as error:
            return type(error).__name__
    if what == "ids":
        return (os.getuid(), os.getgid())
    if what == "listdir":
        return sorted(os.listdir(arg))
    if what == "alloc":
        import numpy as np
        return float(np.ones(arg).sum())
    if what == "sys.path":
        return list(sys.path)
"""


# --- Limits and command lines ----------------------------------------------------------------


def test_limits_defaults_and_immutability():
    limits = sandbox.Limits()
    assert limits.wall_seconds == 30.0 and limits.cpu_seconds == 60
    assert limits.memory_bytes == 2 * 2**30
    with pytest.raises(AttributeError):
        limits.wall_seconds = 1.0


def test_without_bwrap_the_child_runs_isolated_python_on_a_numpy_only_path(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    command, sandboxed = sandbox.child_command(str(tmp_path))
    assert not sandboxed
    assert command[1:3] == ["-I", "-S"] and command[3].endswith("_child.py")
    own = Path(command[3]).parent  # the child's folder: links to its files, nothing else
    assert {p.name: p.resolve() for p in own.iterdir()} == {
        name: Path(path).resolve() for name, path in sandbox.CHILD_FILES.items()
    }
    site = Path(command[4])
    assert sorted(p.name for p in site.iterdir()) in (["numpy"], ["numpy", "numpy.libs"])
    assert (site / "numpy").resolve() == Path(np.__file__).parent.resolve()


def test_with_bwrap_the_child_command_drops_privileges_and_unshares_everything(bwrap, tmp_path):
    command, sandboxed = sandbox.child_command(str(tmp_path))
    assert sandboxed and command[0] == sandbox.bwrap_path()
    for flag in ("--unshare-all", "--die-with-parent", "--new-session"):
        assert flag in command
    assert command[command.index("--cap-drop") + 1] == "ALL"
    assert command[command.index("--uid") + 1] == str(sandbox.NOBODY)
    assert command[command.index("--tmpfs") + 1] == "/tmp"
    # Of the repository only the child's files are mounted (its two and the engine's leaf
    # modules it shares), never the package or all of site-packages.
    package = Path(trustedgrading.__file__).parent.parent  # src/: the course and the engine
    engine = package / "trustedgrading"
    allowed = {
        str(engine / "sandbox" / "_child.py"),
        str(engine / "sandbox" / "_wire.py"),
        str(engine / "mutation.py"),
        str(engine / "limits.py"),
    }
    assert set(sandbox.CHILD_FILES.values()) == allowed
    assert {part for part in command if part.startswith(str(package))} == allowed
    for name, path in sandbox.CHILD_FILES.items():
        assert command[command.index(path) + 1] == f"/sandbox/grading/{name}"
    assert str(Path(np.__file__).resolve().parent.parent) not in command


def test_without_bwrap_kernel_command_only_adds_prlimit(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    kernel = ["python", "-m", "ipykernel_launcher", "-f", "k.json"]
    wrapped = sandbox.kernel_command(
        kernel,
        cwd=str(tmp_path),
        private_dir=str(tmp_path),
        course_root=str(tmp_path),
        memory_bytes=12345,
    )
    assert wrapped[1:4] == ["--as=12345", "--core=0", "--"]
    assert Path(wrapped[0]).name == "prlimit"
    assert wrapped[4:] == kernel


def test_private_dir_is_fresh_and_private():
    first, second = sandbox.private_dir(), sandbox.private_dir()
    try:
        assert first != second and os.listdir(first) == []
        assert os.stat(first).st_mode & 0o077 == 0
    finally:
        os.rmdir(first)
        os.rmdir(second)


# --- kill ------------------------------------------------------------------------------------


def test_kill_kills_the_whole_process_group():
    marker = f"bpl-kill-{uuid.uuid4().hex}"
    script = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}']); "
        "time.sleep(60)"
    )
    leader = subprocess.Popen([sys.executable, "-c", script, marker], start_new_session=True)
    try:
        end = time.monotonic() + 10
        while len(pids_with(marker)) < 2 and time.monotonic() < end:
            time.sleep(0.05)
        assert len(pids_with(marker)) == 2  # the leader and its child
        sandbox.kill(leader)
        assert leader.returncode == -signal.SIGKILL
        assert gone(marker)
    finally:
        for pid in pids_with(marker):
            os.kill(pid, signal.SIGKILL)


def test_kill_of_an_already_reaped_process_is_harmless():
    process = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    process.wait()
    sandbox.kill(process)
    assert process.returncode == 0


# --- the child without bwrap -------------------------------------------------------------------


def test_the_fallback_child_cannot_import_backproplab_or_site_packages(monkeypatch, child):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    c = child(PROBES)
    assert not c.sandboxed
    assert c.call("import", "numpy") == "imported"
    for name in ("backproplab", "scipy", "hypothesis", "_core"):
        assert c.call("import", name) == "ModuleNotFoundError", name


# --- the child in bwrap -------------------------------------------------------------------------


def test_the_child_runs_sandboxed_with_numpy_but_not_backproplab(bwrap, child):
    c = child(PROBES)
    assert c.sandboxed
    assert c.loaded["params"] == [["what", 1], ["arg", 1]]
    assert c.call("import", "numpy") == "imported"
    for name in ("backproplab", "scipy", "pytest"):
        assert c.call("import", name) == "ModuleNotFoundError", name


def test_the_child_cannot_see_the_course_or_the_repository(bwrap, child, course):
    assert (course / "gradebook.db").read_text() == "grades"  # readable from outside
    c = child(PROBES)
    for path in (
        course / "gradebook.db",
        course / "source" / "ch02" / "ch02.ipynb",
        Path(backproplab.__file__),
        Path(sys.prefix) / "pyvenv.cfg",
    ):
        assert c.call("exists", str(path)) is False, path
        assert c.call("read", str(path)) == "FileNotFoundError", path


def test_the_child_runs_as_nobody(bwrap, child):
    assert child(PROBES).call("ids") == (sandbox.NOBODY, sandbox.NOBODY)


def test_the_child_sees_an_empty_tmp(bwrap, child, tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    c = child(PROBES)
    assert c.call("listdir", "/tmp") == []
    assert c.call("exists", str(tmp_path / "secret.txt")) is False


def test_the_child_has_no_network(bwrap, child):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable here
        assert child(PROBES).call("connect", port) != "connected"


def test_rlimit_as_turns_a_huge_allocation_into_memory_error(bwrap, child):
    c = child(PROBES)
    assert c.call("alloc", 10) == 10.0
    assert c.call("alloc", 10**11)[:2] == ("error", "MemoryError")
    assert c.call("alloc", 10) == 10.0  # the child survives it


def test_a_background_session_does_not_survive_close(bwrap, child):
    marker = f"bpl-bg-{uuid.uuid4().hex}"
    c = child(
        f"""
        import subprocess, sys

        def probe():
            subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(120)", "{marker}"],
                start_new_session=True,
            )
            return True
        """
    )
    try:
        assert c.call() is True
        assert appears(marker)  # it runs, in a session of its own
        c.close()
        assert gone(marker)
    finally:
        for pid in pids_with(marker):
            os.kill(pid, signal.SIGKILL)


# --- the kernel's sandbox ----------------------------------------------------------------------


def run_in_kernel_sandbox(course, code):
    student = course / "autograded" / "alice" / "ch02"
    private = Path(sandbox.private_dir())
    try:
        command = sandbox.kernel_command(
            [sys.executable, "-c", code],
            cwd=str(student),
            private_dir=str(private),
            course_root=str(course),
        )
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.split(), private
    finally:
        shutil.rmtree(private, ignore_errors=True)


def test_kernel_command_hides_the_course_but_not_the_students_folder(bwrap, course):
    student = course / "autograded" / "alice" / "ch02"
    code = textwrap.dedent(
        f"""
        import os
        print(os.path.exists({str(course / "gradebook.db")!r}))
        print(os.path.exists({str(course / "source" / "ch02" / "ch02.ipynb")!r}))
        print(os.path.exists("ch02.ipynb"))
        print(os.getcwd() == {str(student)!r})
        with open("written.txt", "w") as f:
            f.write("ok")
        print(os.getuid())
        """
    )
    out, _ = run_in_kernel_sandbox(course, code)
    assert out == ["False", "False", "True", "True", str(sandbox.NOBODY)]
    assert (student / "written.txt").read_text() == "ok"


def test_kernel_command_gives_the_notebooks_libraries_and_a_writable_private_dir(bwrap, course):
    code = textwrap.dedent(
        """
        import os, backproplab, numpy
        private = os.environ["JUPYTER_RUNTIME_DIR"]
        with open(os.path.join(private, "kernel.sock"), "w") as f:
            f.write("x")
        print(os.path.isfile(os.path.join(private, "kernel.sock")))
        print(os.environ["HOME"], os.environ.get("JPY_PARENT_PID"))
        """
    )
    out, _ = run_in_kernel_sandbox(course, code)
    # JPY_PARENT_PID=1: ipykernel watches no parent (its parent is bwrap's init) and prints
    # no console banner.
    assert out == ["True", "/tmp", "1"]


def test_kernel_command_cannot_reach_the_network(bwrap, course):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = textwrap.dedent(
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
                print("connected")
            except OSError:
                print("refused")
            """
        )
        out, _ = run_in_kernel_sandbox(course, code)
    assert out == ["refused"]


def test_kernel_command_applies_the_memory_limit(bwrap, course):
    code = textwrap.dedent(
        """
        import numpy as np
        try:
            np.ones(10**11)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        """
    )
    assert run_in_kernel_sandbox(course, code)[0] == ["MemoryError"]


def test_kernel_command_keeps_library_folders_that_live_under_tmp(bwrap, course, monkeypatch):
    # A checkout or virtual environment under /tmp (CI clones there) must stay visible: the
    # sandbox's fresh /tmp is mounted before the binds, not over them.
    library = Path(tempfile.mkdtemp(prefix="bpl-lib-", dir="/tmp"))
    try:
        (library / "tmp_library_probe.py").write_text("VALUE = 42\n")
        monkeypatch.setattr(sys, "path", [*sys.path, str(library)])
        code = (
            f"import sys; sys.path.append({str(library)!r}); "
            "import tmp_library_probe; print(tmp_library_probe.VALUE)"
        )
        out, _ = run_in_kernel_sandbox(course, code)
        assert out == ["42"]
    finally:
        shutil.rmtree(library, ignore_errors=True)
