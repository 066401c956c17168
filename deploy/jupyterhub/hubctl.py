#!/usr/bin/env python3
"""Run Backprop Lab on a JupyterHub with nbgrader's exchange (standard library only).

    python3 deploy/jupyterhub/hubctl.py demo      # install + users + course + up (as root)
    python3 deploy/jupyterhub/hubctl.py down      # stop it, delete the demo's users and state

Subcommands (``--help`` on each for its options):

install   build the course environment under ``--prefix`` (default /opt/backproplab-hub):
          ``env/``, a virtual environment made from a world-readable interpreter
          (/usr/bin/python3) with deploy/jupyterhub/requirements.txt and ``backproplab``
          (not editable), and ``proxy/``, configurable-http-proxy from npm (``npm ci`` on
          deploy/jupyterhub/proxy/package-lock.json). Two stamps make a second run a no-op:
          one keyed on the interpreter, the requirement files and the proxy's lock file
          (rebuilds everything), one on the package's sources and the course's
          configuration (re-installs only those, in seconds).
users     create the system users (root only): one instructor, two students and the grader
          user that owns the course directory; the password goes to ``<state>/password``.
course    create the course directory (a copy of solutions/ and nbgrader_config.py, owned
          by the grader user, mode 700) and the exchange root (mode 1777).
check     check that trusted autograding can sandbox the grader user's kernels (bubblewrap
          with unprivileged user namespaces).
up        run the hub in the foreground (Ctrl-C stops it, its proxy and every server).
demo      all of the above, printing the URL, the user names and the password.
down      stop the hub and delete what ``users`` and ``course`` created and the state
          (``teardown`` is the same); the installed environment stays as a cache
          (``--purge`` deletes it too).

Without root, ``demo --no-isolation`` runs every user's server as your own user
(JupyterHub's SimpleLocalProcessSpawner): NO isolation between users, for a look on your
own machine only. The hub listens on 127.0.0.1 unless ``--ip`` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# The layout and the set-up commands are sibling modules: hub_layout.py (Hub, HubError, helpers)
# and hub_setup.py (install, users, course, check). Run as a script, this folder is on sys.path;
# loaded by path (the hub test does), it is put there.
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from hub_layout import (  # noqa: E402
    COURSE_ID,
    DEFAULT_EXCHANGE,
    DEFAULT_PREFIX,
    DEFAULT_STATE,
    DEFAULT_USER_PREFIX,
    USER_STATE,
    Hub,
    HubError,
    home_of,  # noqa: F401 (for the hub test)
    is_root,
    program,
    say,
)
from hub_setup import (  # noqa: E402
    _user_exists,
    check_sandbox,
    course,
    ensure_password,
    install,
    users,
)

# --------------------------------------------------------------------------- up, down


def port_free(port, ip="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the proxy binds: connections of a process that just ended do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hub_environment(hub):
    """The environment jupyterhub_config.py reads (see its docstring)."""
    ip = hub.ip or "127.0.0.1"
    if not port_free(hub.port, "127.0.0.1" if ip == "0.0.0.0" else ip):
        raise HubError(f"port {hub.port} is in use: stop what uses it, or pass --port")
    ports = {"API_PORT": 0, "PROXY_API_PORT": 0, "SERVICE_PORT": 0}
    taken = {hub.port}
    for name in ports:
        port = free_port()
        while port in taken:
            port = free_port()
        ports[name] = port
        taken.add(port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROPLAB_HUB_")}
    env.update(
        {
            "BACKPROPLAB_HUB_PREFIX": hub.prefix,
            "BACKPROPLAB_HUB_STATE": hub.state,
            "BACKPROPLAB_HUB_IP": ip,
            "BACKPROPLAB_HUB_PORT": str(hub.port),
            "BACKPROPLAB_HUB_INSTRUCTORS": ",".join(hub.instructors),
            "BACKPROPLAB_HUB_STUDENTS": ",".join(hub.students),
            "BACKPROPLAB_HUB_GRADER": hub.grader,
            "BACKPROPLAB_HUB_COURSE_DIR": str(hub.course_dir),
            "BACKPROPLAB_HUB_EXCHANGE": hub.exchange,
            "BACKPROPLAB_HUB_PASSWORD_FILE": str(hub.password_file),
            "BACKPROPLAB_HUB_SPAWNER": "local" if hub.isolation else "simple",
            **{f"BACKPROPLAB_HUB_{k}": str(v) for k, v in ports.items()},
        }
    )
    return env


def preflight(hub):
    if hub.isolation and not is_root():
        raise HubError(
            "the hub starts each user's server as that user, which needs root (sudo). "
            "For a look without root: --no-isolation (NO isolation between users)."
        )
    if not (hub.env / "bin" / "jupyterhub").is_file() or not hub.proxy.is_file():
        raise HubError(f"nothing installed in {hub.prefix}: run `hubctl.py install` first")
    if not hub.password_file.is_file():
        raise HubError("no password yet: run `hubctl.py users` (or demo) first")
    if not hub.course_dir.is_dir():
        raise HubError(f"no course directory {hub.course_dir}: run `hubctl.py course` first")


def start(hub, log=None):
    """Start the hub in its own process group; returns the Popen."""
    preflight(hub)
    env = hub_environment(hub)
    hub.save()
    process = subprocess.Popen(
        [hub.env / "bin" / "jupyterhub", "-f", HERE / "jupyterhub_config.py"],
        cwd=hub.state,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )
    (Path(hub.state) / "hubctl.pid").write_text(f"{process.pid}\n")
    return process


def wait_ready(hub, process, timeout=180):
    """Wait until the hub answers on its public port; raises if it exits first."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    url = hub.url + "hub/api/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"the hub exited with status {process.returncode} (log: {hub.log_file})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise HubError(f"the hub did not answer on {url} within {timeout} s")


def stop(hub, timeout=60):
    """Stop the hub (it stops its proxy, servers and service), then anything left over."""
    pid_file = Path(hub.state) / "hubctl.pid"
    if pid_file.is_file() and _runs(int(pid_file.read_text()), "jupyterhub"):
        pid = int(pid_file.read_text())
        _kill_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        _kill_group(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    # The proxy, servers and service each run in their own session: if the hub died
    # without stopping them, end them by their recorded pid or their user.
    proxy_pid = Path(hub.state) / "proxy.pid"
    with contextlib.suppress(ValueError, OSError):
        pid = int(proxy_pid.read_text().strip())
        if _runs(pid, "configurable-http-proxy"):
            _kill_group(pid, signal.SIGKILL)
    uids = set()
    for name in hub.created_users:
        with contextlib.suppress(KeyError):
            uids.add(pwd.getpwnam(name).pw_uid)
    for pid in _pids_of(uids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _runs(pid, program):
    """Whether process ``pid`` still runs ``program`` (a recorded pid may have been reused)."""
    try:
        return program in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _kill_group(pid, sig):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _pids_of(uids):
    if not uids:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
    return pids


def down(hub, purge=False):
    """Stop the hub and delete the users, course directory, exchange and state it created."""
    stop(hub)
    for name in list(hub.created_users):
        if _user_exists(name):
            # Deleting the user's group too (userdel does it for a --user-group group).
            subprocess.run([program("userdel", "passwd"), "--remove", name], capture_output=True)
            if _user_exists(name):
                raise HubError(f"could not delete user {name}")
        with contextlib.suppress(KeyError):
            grp.getgrnam(name)
            subprocess.run([program("groupdel", "passwd"), name], capture_output=True)
        hub.created_users.remove(name)
    if hub.created_exchange:
        shutil.rmtree(hub.created_exchange, ignore_errors=True)
    shutil.rmtree(hub.state, ignore_errors=True)
    if purge:
        shutil.rmtree(hub.prefix, ignore_errors=True)
    say("stopped and removed the demo" + (f" and {hub.prefix}" if purge else ""))


def up(hub):
    """Run the hub in the foreground until Ctrl-C or SIGTERM."""
    process = start(hub)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True
        _kill_group(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        wait_ready(hub, process)
        print_welcome(hub)
        process.wait()
    except KeyboardInterrupt:
        _kill_group(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        # Whatever the hub left running if it died (its proxy, servers) goes with it.
        stop(hub)
    if process.returncode not in (0, -signal.SIGTERM) and not stopping:
        raise HubError(f"the hub exited with status {process.returncode}")


def print_welcome(hub):
    password = hub.password_file.read_text(encoding="utf-8").strip()
    lines = [
        f"Backprop Lab hub: {hub.url}",
        f"  instructor: {', '.join(hub.instructors)} (formgrader: {hub.url}services/{COURSE_ID}/)",
        f"  students:   {', '.join(hub.students)}",
        f"  password:   {password} (every demo user)",
        f"  course dir: {hub.course_dir}   exchange: {hub.exchange}",
        "Ctrl-C stops the hub; `python3 deploy/jupyterhub/hubctl.py down` deletes the demo.",
    ]
    if not hub.isolation:
        lines.append("WARNING: --no-isolation: every user's server runs as you; NO isolation.")
    print("\n".join(lines), flush=True)


# --------------------------------------------------------------------------- command line


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="hubctl.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--prefix", help=f"the installed environment [{DEFAULT_PREFIX}]")
    common.add_argument(
        "--state", help=f"the hub's state folder [{DEFAULT_STATE}; without root {USER_STATE}]"
    )
    common.add_argument("--exchange", help=f"nbgrader's exchange root [{DEFAULT_EXCHANGE}]")
    common.add_argument(
        "--user-prefix", help=f"prefix of the demo's user names [{DEFAULT_USER_PREFIX}]"
    )
    common.add_argument(
        "--no-isolation",
        action="store_true",
        help="demo without root: every server runs as you (SimpleLocalProcessSpawner)",
    )
    for name in ("install", "demo"):
        sub = commands.add_parser(name, parents=[common])
        sub.add_argument("--python", default="/usr/bin/python3", help="[%(default)s]")
        sub.add_argument("--force", action="store_true", help="re-install even if up to date")
        if name == "demo":
            sub.add_argument("--ip", default="127.0.0.1", help="[%(default)s]")
            sub.add_argument("--port", type=int, default=8000, help="[%(default)s]")
    for name in ("users", "course", "check"):
        commands.add_parser(name, parents=[common])
    sub = commands.add_parser("up", parents=[common])
    sub.add_argument("--ip", default="127.0.0.1", help="[%(default)s]")
    sub.add_argument("--port", type=int, default=8000, help="[%(default)s]")
    for name in ("down", "teardown"):
        sub = commands.add_parser(name, parents=[common])
        sub.add_argument("--purge", action="store_true", help="delete the installed environment")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    defaults = {
        "prefix": args.prefix,
        "exchange": args.exchange,
        "user_prefix": args.user_prefix,
        "isolation": False if args.no_isolation else None,
        "ip": getattr(args, "ip", None),
        "port": getattr(args, "port", None),
    }
    state = args.state or (DEFAULT_STATE if is_root() else os.path.expanduser(USER_STATE))
    if args.no_isolation and args.exchange is None and not (Path(state) / "hub.json").exists():
        defaults["exchange"] = os.path.join(state, "exchange")  # no root: no /srv
    hub = Hub.load(state, **defaults)
    try:
        if args.command == "install":
            install(hub, args.python, args.force)
        elif args.command == "users":
            users(hub)
        elif args.command == "course":
            course(hub)
        elif args.command == "check":
            say(check_sandbox(hub))
        elif args.command == "up":
            up(hub)
        elif args.command in ("down", "teardown"):
            down(hub, args.purge)
        elif args.command == "demo":
            if hub.isolation and not is_root():
                raise HubError(
                    "the demo creates system users and runs each user's server as that user: "
                    "run it as root (sudo), or add --no-isolation for a look without root "
                    "(NO isolation between users) with a --prefix and --state you can write"
                )
            install(hub, args.python, args.force)
            if hub.isolation:
                users(hub)
            else:
                ensure_password(hub)
            course(hub)
            say(check_sandbox(hub))
            up(hub)
    except HubError as error:
        print(f"hubctl: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
