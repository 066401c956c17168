"""What the tests need from the system: programs found robustly, and processes that never outlive
the test or fixture that started them.

Programs
    :func:`find_program` searches ``PATH`` and then the sbin folders, which a minimal ``PATH``
    (``/usr/bin:/bin`` under ``env -i``, cron, ``sudo -i`` on some systems) leaves out although
    ``runuser``, ``useradd`` and friends live there. :func:`require_program` turns a missing
    program into a skip that names the Debian package to install, or a failure under CI (the
    ``CI`` variable set), where ``.ci/run`` installs everything first.

Processes
    :func:`start` starts a command in a session (and process group) of its own, and
    :func:`stop` ends that whole group together with any descendant that left it (a Jupyter
    kernel starts in a session of its own), then closes its pipes. A fixture registers the
    ``stop`` (for instance on a :class:`contextlib.ExitStack`) right after the ``start``, before
    its next step that can fail, so a setup that fails half-way leaves nothing running.

The book's sources
    :func:`toc_pages` lists the pages of ``_toc.yml``; :data:`CODE_CELL` matches one MyST code
    cell and :func:`prose` is a page without its code cells.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")
# One line per optional system package: what it adds to the test suite.
INSTALL_ALL = "apt-get install chromium bubblewrap postgresql npm"


def search_path():
    """``PATH`` followed by the sbin folders it lacks."""
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    return os.pathsep.join(parts + [p for p in SBIN if p not in parts])


def find_program(name):
    """The absolute path of the program ``name`` (a name or a path), or None.

    A name is looked up on :func:`search_path`; a path must be an executable file.
    """
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for folder in search_path().split(os.pathsep):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


def unavailable(reason):
    """Skip with ``reason``, or fail under CI, where every optional package is installed."""
    __tracebackhide__ = True  # pytest reports the test's line, not this one
    if os.environ.get("CI"):
        pytest.fail(f"cannot run under CI (CI is set): {reason}", pytrace=False)
    pytest.skip(reason)


def require_program(name, package, purpose):
    """The path of ``name``, or a skip (failure under CI) that says how to install it.

    ``purpose`` completes "... needs <name>", e.g. ``"the PostgreSQL gradebook test"``.
    """
    __tracebackhide__ = True
    path = find_program(name)
    if path is None:
        where = search_path()
        unavailable(f"{purpose} needs {name}, not found in {where}: apt-get install {package}")
    return path


def require_root(purpose):
    """Skip (failure under CI) unless running as root."""
    __tracebackhide__ = True
    if os.geteuid() != 0:
        unavailable(f"{purpose} needs root: run it as root, e.g. sudo make test")


def postgres_bin_dir():
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), or None.

    Debian keeps them out of ``PATH``, in ``/usr/lib/postgresql/<major>/bin`` (the newest major
    wins); elsewhere they are on ``PATH``.
    """
    found = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        if folder.parent.name.isdigit():
            found.append((int(folder.parent.name), folder))
    for _, folder in sorted(found, reverse=True):
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "createdb")):
            return folder
    initdb = find_program("initdb")
    if initdb is not None:
        folder = Path(os.path.realpath(initdb)).parent
        if all(os.access(folder / tool, os.X_OK) for tool in ("pg_ctl", "createdb")):
            return folder
    return None


# --- processes -------------------------------------------------------------------------------


def start(command, **kwargs):
    """``subprocess.Popen(command, **kwargs)`` in a new session: :func:`stop` ends its group."""
    return subprocess.Popen([str(part) for part in command], start_new_session=True, **kwargs)


def _processes():
    """``(pid, fields)`` of every process visible in /proc: the fields of its ``stat`` after
    the command name (state, parent pid, process group, ...)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            # The command name, in parentheses, may itself hold spaces and parentheses.
            yield int(entry), stat[stat.rindex(b")") + 2 :].split()


def _parents():
    """``{pid: parent pid}`` of every process visible in /proc."""
    return {pid: int(fields[1]) for pid, fields in _processes()}


def descendants(pid):
    """The pids of every living descendant of ``pid``."""
    children = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def group_members(pgid):
    """The pids of the living (not zombie) processes of process group ``pgid``."""
    return [pid for pid, fields in _processes() if fields[0] != b"Z" and int(fields[2]) == pgid]


def _signal_all(pgid, pids, sig):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop(process, grace=5.0):
    """End ``process`` (from :func:`start`), its process group and all its descendants.

    SIGTERM first, SIGKILL after ``grace`` seconds; then reap it and close its pipes. Safe to
    call on a process that has already finished, and more than once.
    """
    pids = descendants(process.pid)
    if process.poll() is None or group_members(process.pid) or pids:
        _signal_all(process.pid, pids, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if process.poll() is not None and not group_members(process.pid):
                break
            time.sleep(0.1)
        _signal_all(process.pid, pids + descendants(process.pid), signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def run(command, *, timeout, **kwargs):
    """``subprocess.run`` whose child runs in its own session, all of whose processes are
    ended on a timeout or an interruption (``subprocess.run`` ends the child alone)."""
    process = start(command, **kwargs)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        stop(process, grace=1.0)
        raise
    finally:
        if process.poll() is None:
            stop(process, grace=1.0)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# ---------------------------------------------------------------------------- book sources

# One MyST code cell: its header line, then its body (group 1) up to the closing fence.
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _toc_files(entry):
    """Every ``file`` (and the ``root``) listed in a jb-book table of contents."""
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("root", "file"):
                yield value
            else:
                yield from _toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from _toc_files(item)


def toc_pages(root):
    """The pages of ``root/_toc.yml`` in order, as written there (``"book/intro"``)."""
    return list(_toc_files(yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))))


def prose(text):
    """A MyST page's text without its code cells."""
    return CODE_CELL.sub("", text)
