"""The test suite's own support (``support.py``, ``conftest.py``): programs found whatever the
``PATH``, skips that say what to install, and processes that never outlive their fixture."""

import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import support

TESTS = Path(__file__).resolve().parents[1]


def executable(path):
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_find_program_looks_in_the_sbin_folders_a_minimal_path_lacks(tmp_path, monkeypatch):
    sbin, bin_ = tmp_path / "sbin", tmp_path / "bin"
    sbin.mkdir()
    bin_.mkdir()
    tool = executable(sbin / "blab-tool")
    monkeypatch.setattr(support, "SBIN", (str(sbin),))
    monkeypatch.setenv("PATH", str(bin_))
    assert support.search_path() == f"{bin_}{os.pathsep}{sbin}"
    assert support.find_program("blab-tool") == str(tool)
    # PATH comes first, and an sbin folder already on it is not searched twice.
    first = executable(bin_ / "blab-tool")
    assert support.find_program("blab-tool") == str(first)
    monkeypatch.setenv("PATH", f"{sbin}{os.pathsep}{bin_}")
    assert support.search_path() == f"{sbin}{os.pathsep}{bin_}"


def test_find_program_takes_a_path_and_ignores_what_cannot_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(support, "SBIN", ())
    plain = tmp_path / "plain"
    plain.write_text("not a program")
    assert support.find_program("plain") is None
    assert support.find_program(str(plain)) is None
    assert support.find_program(str(executable(tmp_path / "tool"))) == str(tmp_path / "tool")
    assert support.find_program("missing") is None


@pytest.mark.skipif(not os.path.exists("/usr/sbin/runuser"), reason="no /usr/sbin/runuser here")
def test_runuser_is_found_with_the_path_of_env_i(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert support.find_program("runuser") == "/usr/sbin/runuser"


def test_a_missing_program_skips_with_the_install_command(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(support, "SBIN", ())
    with pytest.raises(pytest.skip.Exception) as skipped:
        support.require_program("blab-missing", "blab-package", "the frobnication test")
    assert str(skipped.value) == (
        "the frobnication test needs blab-missing, not found in /nonexistent: "
        "apt-get install blab-package"
    )


def test_a_missing_program_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(support, "SBIN", ())
    with pytest.raises(pytest.fail.Exception, match=r"CI.*apt-get install blab-package"):
        support.require_program("blab-missing", "blab-package", "the frobnication test")


def test_a_missing_browser_skips_with_the_install_command(monkeypatch):
    from support import browser

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium"):
        browser.require_chromium()


def living(marker):
    """The living (not zombie) processes whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if stat[stat.rindex(b")") + 2 :].split()[0] != b"Z" and marker.encode() in command:
            found.append(int(entry))
    return found


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# A leader that starts a child in its group and a grandchild in a session of its own (as
# jupyter_client starts a kernel), all marked, then sleeps.
FAMILY = textwrap.dedent(
    """
    import subprocess, sys, time
    marker = sys.argv[1]
    sleep = [sys.executable, "-c", "import time; time.sleep(300)", marker]
    subprocess.Popen(sleep)
    subprocess.Popen(sleep, start_new_session=True)
    time.sleep(300)
    """
)


def test_stop_ends_the_group_and_descendants_in_their_own_session():
    marker = f"blab-family-{uuid.uuid4().hex}"
    process = support.start([sys.executable, "-c", FAMILY, marker], stdout=subprocess.PIPE)
    try:
        assert wait_for(lambda: len(living(marker)) == 3), living(marker)
    finally:
        support.stop(process, grace=2.0)
    assert wait_for(lambda: not living(marker), timeout=5), living(marker)
    assert process.stdout.closed
    support.stop(process)  # twice is harmless


def test_run_ends_every_process_of_a_command_that_times_out():
    marker = f"blab-timeout-{uuid.uuid4().hex}"
    with pytest.raises(subprocess.TimeoutExpired):
        support.run([sys.executable, "-c", FAMILY, marker], timeout=3, stdout=subprocess.PIPE)
    assert wait_for(lambda: not living(marker), timeout=5), living(marker)


HALF_WAY = textwrap.dedent(
    """
    import contextlib, subprocess, sys, time
    import pytest, support

    MARKER = {marker!r}

    @pytest.fixture(scope="module")
    def server(request):
        # As test_grading_batch's graded: start a process group, then a step fails.
        cleanup = contextlib.ExitStack()
        if {register!r}:
            request.addfinalizer(cleanup.close)
        process = support.start([sys.executable, "-c", {family!r}, MARKER])
        cleanup.callback(support.stop, process)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not support.descendants(process.pid)[1:]:
            time.sleep(0.05)
        raise FileNotFoundError(2, "No such file or directory", "runuser")

    def test_uses_the_server(server):
        pass
    """
)


def run_half_way(tmp_path, register):
    marker = f"blab-halfway-{uuid.uuid4().hex}"
    (tmp_path / "test_half_way.py").write_text(
        HALF_WAY.format(marker=marker, register=register, family=FAMILY)
    )
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    result = support.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_half_way.py"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    return marker, result


def test_a_fixture_that_fails_half_way_leaves_nothing_running(tmp_path):
    marker, result = run_half_way(tmp_path, register=True)
    assert "1 error" in result.stdout and "FileNotFoundError" in result.stdout, result.stdout
    assert wait_for(lambda: not living(marker), timeout=5), f"left running: {living(marker)}"


def test_without_its_finalizer_the_same_fixture_leaks_which_the_check_sees(tmp_path):
    """The control: the check above can see a leak (it is then cleaned up here)."""
    marker, result = run_half_way(tmp_path, register=False)
    try:
        assert "1 error" in result.stdout, result.stdout
        assert len(living(marker)) == 3
    finally:
        for pid in living(marker):
            os.kill(pid, 9)
    assert wait_for(lambda: not living(marker), timeout=5)


def read_only_home(tmp_path):
    """A folder this user cannot create a file in (root writes in a mode-555 folder anyway,
    but not in /sys), or None."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    for candidate in (home, Path("/sys")):
        try:
            with tempfile.TemporaryFile(dir=candidate):
                pass
        except OSError:
            return candidate
    return None


def test_a_read_only_home_stops_the_run_with_one_line(tmp_path):
    home = read_only_home(tmp_path)
    if home is None:
        pytest.skip("no read-only folder to use as HOME here")
    result = support.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            str(TESTS / "e2e" / "test_support.py"),
            "-k",
            "sbin",
        ],
        cwd=TESTS.parent,
        env={**os.environ, "HOME": str(home)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4, result.stdout
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    assert f"error: the home folder {home} is not writable" in lines[0]
    assert "HOME=$(mktemp -d) make test" in lines[0]
    assert "Traceback" not in result.stdout


# Four tests of one group; each one's fixture writes the worker it was set up in.
GROUPED = textwrap.dedent(
    """
    import os
    from pathlib import Path

    import pytest

    pytestmark = pytest.mark.xdist_group(name="shared")

    @pytest.fixture
    def set_up(request):
        n = request.node.callspec.params["n"]
        Path(f"ran-{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])

    @pytest.mark.parametrize("n", range(4))
    def test_in_the_group(set_up, n):
        pass
    """
)
# pytest-dev/pytest-xdist#1386 as pytest 9.2 shows it: the worker leaves the group off the node
# id, so the controller spreads the group over the workers.
DROP_GROUPS = textwrap.dedent(
    """
    def pytest_configure(config):
        manager = config.pluginmanager
        for plugin in manager.get_plugins():
            if type(plugin).__name__ == "WorkerInteractor":
                name = manager.get_name(plugin)
                manager.unregister(plugin)
                type(plugin).pytest_collection_modifyitems = lambda self, config, items: None
                manager.register(plugin, name)
    """
)


def run_grouped(tmp_path, *plugins):
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "drop_groups.py").write_text(DROP_GROUPS)
    path = os.pathsep.join([str(TESTS), str(tmp_path), os.environ.get("PYTHONPATH", "")])
    # -rN: no short summary, whose lines repeat each error's message only when the terminal is
    # wide enough (COLUMNS), so that each message is counted once, whatever the width.
    options = ["-q", "-rN", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup"]
    options += [option for plugin in ("conftest", *plugins) for option in ("-p", plugin)]
    return support.run(
        [sys.executable, "-m", "pytest", *options, "test_grouped.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def test_a_group_runs_in_one_worker(tmp_path):
    result = run_grouped(tmp_path)
    assert "4 passed" in result.stdout, result.stdout
    assert len({(tmp_path / f"ran-{n}").read_text() for n in range(4)}) == 1


def test_a_grouped_test_that_lost_its_group_fails_before_its_fixtures(tmp_path):
    """conftest.py's guard against pytest-dev/pytest-xdist#1386 (emulated by a plugin)."""
    result = run_grouped(tmp_path, "drop_groups")
    assert "4 errors" in result.stdout, result.stdout
    assert result.stdout.count("but pytest-xdist did not group it") == 4, result.stdout
    assert not list(tmp_path.glob("ran-*")), "a fixture was set up"
