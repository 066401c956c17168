#!/usr/bin/env python3
"""Run Backprop Lab on a JupyterHub with nbgrader's exchange (standard library only).

    python3 deploy/jupyterhub/hubctl.py demo      # install + users + course + up (as root)
    python3 deploy/jupyterhub/hubctl.py down      # stop it, delete the demo's users and state

Subcommands (``--help`` on each for its options):

install   build the course environment under ``--prefix`` (default /opt/backproplab-hub):
          ``env/``, a virtual environment made from a world-readable interpreter
          (/usr/bin/python3) with deploy/jupyterhub/requirements.txt and ``backproplab``
          (not editable), and ``proxy/``, configurable-http-proxy from npm (``npm ci`` on
          deploy/jupyterhub/proxy/package-lock.json). A stamp keyed on
          the requirement files, the package's sources and the interpreter makes a second
          run a no-op.
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
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COURSE_ID = "backprop-lab"
PROXY_FILES = ("package.json", "package-lock.json")  # configurable-http-proxy 5.3.0
DEFAULT_PREFIX = "/opt/backproplab-hub"
DEFAULT_STATE = "/var/lib/backproplab-hub"
USER_STATE = "~/.local/state/backproplab-hub"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
DEFAULT_USER_PREFIX = "blab-"
MIN_PYTHON = (3, 11)


class HubError(Exception):
    """A situation hubctl cannot fix itself; the message says what to do."""


# --------------------------------------------------------------------------- the layout


@dataclass
class Hub:
    """Where everything lives, and who the users are. Saved as ``<state>/hub.json``."""

    prefix: str = DEFAULT_PREFIX
    state: str = DEFAULT_STATE
    exchange: str = DEFAULT_EXCHANGE
    user_prefix: str = DEFAULT_USER_PREFIX
    isolation: bool = True
    ip: str = "127.0.0.1"
    port: int = 8000
    created_users: list = field(default_factory=list)
    created_exchange: str = ""  # the topmost folder `course` created for the exchange

    @property
    def instructors(self):
        return [f"{self.user_prefix}instructor"]

    @property
    def students(self):
        return [f"{self.user_prefix}alice", f"{self.user_prefix}bob"]

    @property
    def grader(self):
        return f"{self.user_prefix}grader"

    @property
    def env(self):
        return Path(self.prefix) / "env"

    @property
    def proxy(self):
        return Path(self.prefix) / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def password_file(self):
        return Path(self.state) / "password"

    @property
    def log_file(self):
        return Path(self.state) / "hub.log"

    @property
    def course_dir(self):
        if self.isolation:
            return Path(home_of(self.grader)) / COURSE_ID
        return Path(self.state) / COURSE_ID

    @property
    def url(self):
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"http://{host}:{self.port}/"

    def save(self):
        Path(self.state).mkdir(parents=True, exist_ok=True, mode=0o700)
        path = Path(self.state) / "hub.json"
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, state, **defaults):
        path = Path(state) / "hub.json"
        if path.is_file():
            saved = json.loads(path.read_text(encoding="utf-8"))
            saved.update({k: v for k, v in defaults.items() if v is not None})
            return cls(**{**saved, "state": str(state)})
        return cls(state=str(state), **{k: v for k, v in defaults.items() if v is not None})


def home_of(user):
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        return f"/home/{user}"


def is_root():
    return os.geteuid() == 0


SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def find_program(name):
    """The path of the program ``name`` on ``PATH`` or in the sbin folders (which a minimal
    ``PATH`` such as ``env -i``'s or cron's lacks), else None."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    return shutil.which(name, path=os.pathsep.join(path + [p for p in SBIN if p not in path]))


def program(name, package):
    """The path of the program ``name``; a HubError saying how to install it when missing."""
    path = find_program(name)
    if path is None:
        raise HubError(f"{name} not found on PATH or in {':'.join(SBIN)} (apt install {package})")
    return path


def say(message):
    print(f"hubctl: {message}", flush=True)


# --------------------------------------------------------------------------- install


def world_readable_python(python):
    """The interpreter's real path, after checking that any user can run it and its stdlib."""
    real = shutil.which(python) or python
    if not os.path.isfile(real):
        raise HubError(f"no Python interpreter at {python}; pass --python /usr/bin/python3")
    real = os.path.realpath(real)
    probe = "import sys, sysconfig; print(sys.version_info[:2], sysconfig.get_path('stdlib'))"
    result = subprocess.run([real, "-c", probe], capture_output=True, text=True)
    if result.returncode != 0:
        raise HubError(f"{real} does not run: {result.stderr.strip()}")
    version, stdlib = result.stdout.strip().split(") ", 1)
    major, minor = (int(x) for x in version.strip("(").split(","))
    if (major, minor) < MIN_PYTHON:
        raise HubError(f"{real} is Python {major}.{minor}; the course needs 3.11 or newer")
    for path in (real, stdlib):
        blocked = _not_world_readable(path)
        if blocked:
            raise HubError(
                f"{real} cannot be used: {blocked} is not readable by other users, and every "
                "student's server runs as that student (a pyenv Python under /root is the "
                "usual case). Pass --python with a world-readable interpreter, e.g. "
                "--python /usr/bin/python3 (Debian: apt install python3-venv)."
            )
    if subprocess.run([real, "-c", "import venv, ensurepip"], capture_output=True).returncode:
        raise HubError(f"{real} lacks venv/ensurepip (Debian: apt install python3-venv)")
    return real


def _not_world_readable(path):
    """The first component of ``path`` that other users cannot reach, or None."""
    path = Path(path)
    for part in [*reversed(path.parents), path]:
        mode = part.stat().st_mode
        needed = stat.S_IXOTH if part.is_dir() else stat.S_IROTH
        if not mode & needed:
            return str(part)
    return None


def _package_files():
    files = [REPO / "pyproject.toml"]
    for path in sorted((REPO / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files.append(path)
    return files


def install_stamp(python):
    """What the installed environment depends on: a new value means re-install."""
    digest = hashlib.sha256()
    digest.update(f"{python}\n".encode())
    inputs = [HERE / "requirements.txt", HERE / "constraints.txt", HERE / "nbgrader_config.py"]
    inputs += [HERE / "proxy" / name for name in PROXY_FILES]
    inputs += sorted(path for path in (HERE / "user-config").rglob("*") if path.is_file())
    for path in inputs + _package_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run(command, **kwargs):
    say("$ " + " ".join(str(part) for part in command))
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode != 0:
        raise HubError(f"{command[0]} failed (exit {result.returncode})")
    return result


def install(hub, python="/usr/bin/python3", force=False):
    """Build ``<prefix>/env`` and ``<prefix>/proxy`` unless the stamp says they are current."""
    npm = find_program("npm")
    if npm is None:
        raise HubError(
            "npm not found: configurable-http-proxy, JupyterHub's proxy, is installed with "
            "npm (Debian: apt install npm)"
        )
    python = world_readable_python(python)
    prefix = Path(hub.prefix)
    stamp_file = prefix / ".installed"
    stamp = install_stamp(python)
    ready = (hub.env / "bin" / "jupyterhub").is_file() and hub.proxy.is_file()
    if not force and ready and stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
        say(f"{prefix} is up to date")
        return False
    try:
        prefix.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise HubError(f"cannot create {prefix}: run as root, or pass --prefix") from None
    os.chmod(prefix, 0o755)
    stamp_file.unlink(missing_ok=True)
    shutil.rmtree(hub.env, ignore_errors=True)
    old_umask = os.umask(0o022)  # everything installed is readable by every user
    try:
        run([python, "-m", "venv", hub.env])
        pip = [hub.env / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
        run([*pip, "install", "-r", HERE / "requirements.txt"])
        # From a copy of the sources: a build in the checkout would leave build/ and
        # *.egg-info there, and the checkout may be unreadable by the users anyway.
        with tempfile.TemporaryDirectory(prefix="backproplab-build-") as tmp:
            shutil.copy(REPO / "pyproject.toml", tmp)
            # pyproject.toml names a readme; the package's description needs no more.
            (Path(tmp) / "README.md").write_text("Backprop Lab's reference package.\n")
            shutil.copytree(
                REPO / "src", Path(tmp) / "src", ignore=shutil.ignore_patterns("__pycache__")
            )
            run([*pip, "install", "--no-deps", "--no-cache-dir", tmp])
        config_dir = hub.env / "etc" / "jupyter"
        config_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "nbgrader_config.py", config_dir / "nbgrader_config.py")
        # The config folder of the users' own servers (jupyterhub_config.py, JUPYTER_CONFIG_PATH).
        shutil.rmtree(prefix / "user-config", ignore_errors=True)
        shutil.copytree(HERE / "user-config", prefix / "user-config")
        # configurable-http-proxy and its dependencies, exactly as proxy/package-lock.json says.
        shutil.rmtree(prefix / "proxy", ignore_errors=True)
        (prefix / "proxy").mkdir()
        for name in PROXY_FILES:
            shutil.copy(HERE / "proxy" / name, prefix / "proxy" / name)
        run([npm, "ci", "--prefix", prefix / "proxy", "--omit=dev", "--no-fund", "--no-audit"])
    finally:
        os.umask(old_umask)
    run([program("chmod", "coreutils"), "-R", "a+rX", prefix])
    stamp_file.write_text(stamp + "\n")
    say(f"installed the course environment in {prefix}")
    return True


# --------------------------------------------------------------------------- users, course


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def users(hub):
    """Create the system users (instructor, students, grader) and the shared password."""
    if not hub.isolation:
        raise HubError("--no-isolation uses no system users; nothing to create")
    if not is_root():
        raise HubError(
            "creating system users needs root (sudo). Without root, run the demo with "
            "--no-isolation (every user's server then runs as you: no isolation)."
        )
    wanted = [*hub.instructors, *hub.students, hub.grader]
    foreign = [n for n in wanted if _user_exists(n) and n not in hub.created_users]
    if foreign:
        raise HubError(
            f"user(s) {', '.join(foreign)} already exist and were not created by hubctl with "
            f"state {hub.state}; choose another --user-prefix"
        )
    for name in wanted:
        if _user_exists(name):
            continue
        run(
            [
                program("useradd", "passwd"),
                "--create-home",
                "--user-group",
                "--shell",
                "/bin/bash",
                "--comment",
                "Backprop Lab hub demo",
                name,
            ]
        )
        hub.created_users.append(name)
        hub.save()
        os.chmod(home_of(name), 0o700)
    ensure_password(hub)
    say(f"users: instructor {hub.instructors[0]}, students {', '.join(hub.students)}")


def ensure_password(hub):
    hub.save()
    if not hub.password_file.is_file():
        fd = os.open(hub.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(12) + "\n")
    return hub.password_file.read_text(encoding="utf-8").strip()


def course(hub):
    """The instructor's course directory and the exchange root."""
    if hub.isolation and not is_root():
        raise HubError("creating the course directory for the grader user needs root")
    if hub.isolation and not _user_exists(hub.grader):
        raise HubError(f"no user {hub.grader}: run `hubctl.py users` first")
    target = hub.course_dir
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
        shutil.copytree(REPO / "solutions", target / "solutions", ignore=ignore)
        shutil.copy(REPO / "nbgrader_config.py", target / "nbgrader_config.py")
        if hub.isolation:
            run([program("chown", "coreutils"), "-R", f"{hub.grader}:{hub.grader}", target])
        os.chmod(target, 0o700)
        owner = hub.grader if hub.isolation else pwd.getpwuid(os.geteuid()).pw_name
        say(f"course directory {target} (mode 700, owner {owner})")
    exchange = Path(hub.exchange)
    if not exchange.exists():
        top = exchange
        while not top.parent.exists():
            top = top.parent
        try:
            exchange.mkdir(parents=True)
        except PermissionError:
            raise HubError(f"cannot create {exchange}: run as root, or pass --exchange") from None
        hub.created_exchange = str(top)
        hub.save()
    # nbgrader's documented set-up: everyone writes into the exchange root; the sticky bit
    # stops one user from renaming or deleting another's course folder.
    os.chmod(exchange, 0o1777)
    say(f"exchange root {exchange} (mode 1777)")


def check_sandbox(hub):
    """Whether the grader user's autograding can use bubblewrap; raises with what is missing."""
    if not hub.isolation:
        return "skipped (--no-isolation)"
    if find_program("bwrap") is None:
        raise HubError(
            "bubblewrap is not installed (apt install bubblewrap): trusted autograding needs "
            "it to sandbox the students' code"
        )
    probe = (
        "from trustedgrading.sandbox import launch as sandbox; print(sandbox.bwrap_path() or '')"
    )
    result = subprocess.run(
        [
            program("runuser", "util-linux"),
            "-u",
            hub.grader,
            "--",
            hub.env / "bin" / "python",
            "-c",
            probe,
        ],
        capture_output=True,
        text=True,
        cwd="/",
    )
    if result.returncode == 0 and result.stdout.strip():
        return f"bubblewrap works for {hub.grader}"
    try:
        userns = Path("/proc/sys/kernel/unprivileged_userns_clone").read_text().strip()
    except OSError:
        userns = None
    max_ns = Path("/proc/sys/user/max_user_namespaces").read_text().strip()
    missing = []
    if userns == "0":
        missing.append(
            "kernel.unprivileged_userns_clone=0 (sysctl -w kernel.unprivileged_userns_clone=1)"
        )
    if max_ns == "0":
        missing.append("user.max_user_namespaces=0 (sysctl -w user.max_user_namespaces=15000)")
    try:
        apparmor = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").read_text()
    except OSError:
        apparmor = "0"
    if apparmor.strip() == "1":
        missing.append(
            "AppArmor restricts unprivileged user namespaces "
            "(sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor "
            "profile for /usr/bin/bwrap)"
        )
    detail = "; ".join(missing) or (result.stderr.strip() or "bwrap's probe sandbox failed")
    raise HubError(
        f"bubblewrap cannot create a sandbox as the unprivileged user {hub.grader}: {detail}. "
        "Trusted autograding in the course service needs unprivileged user namespaces."
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
