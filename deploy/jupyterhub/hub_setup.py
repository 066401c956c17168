"""What hubctl.py does before the hub starts (standard library only): ``install`` (the course
environment under the prefix), ``users`` (the system users and the password), ``course`` (the
course directory and the exchange root) and ``check`` (bubblewrap for the grader user)."""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from hub_layout import (
    HERE,
    MIN_PYTHON,
    PROXY_FILES,
    REPO,
    HubError,
    find_program,
    home_of,
    is_root,
    program,
    run,
    say,
)

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


def _digest(python, paths):
    digest = hashlib.sha256()
    digest.update(f"{python}\n".encode())
    for path in paths:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def install_stamps(python):
    """What the installed environment depends on, in two parts: a new value means re-install.

    ``env``: the interpreter, the pinned requirements and the proxy's lock file (a new value
    rebuilds everything, minutes). ``course``: the package's sources and the course's
    configuration (a new value re-installs only those, seconds), so that a change to the
    course does not download and build JupyterHub's environment again."""
    env = [HERE / "requirements.txt", HERE / "constraints.txt"]
    env += [HERE / "proxy" / name for name in PROXY_FILES]
    course = [HERE / "nbgrader_config.py"]
    course += sorted(path for path in (HERE / "user-config").rglob("*") if path.is_file())
    return {"env": _digest(python, env), "course": _digest(python, course + _package_files())}


def _read_stamps(stamp_file):
    try:
        lines = stamp_file.read_text().split()
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in lines if "=" in line)


def install(hub, python="/usr/bin/python3", force=False):
    """Build ``<prefix>/env`` and ``<prefix>/proxy`` unless the stamps say they are current."""
    npm = find_program("npm")
    if npm is None:
        raise HubError(
            "npm not found: configurable-http-proxy, JupyterHub's proxy, is installed with "
            "npm (Debian: apt install npm)"
        )
    python = world_readable_python(python)
    prefix = Path(hub.prefix)
    stamp_file = prefix / ".installed"
    stamps = install_stamps(python)
    ready = (hub.env / "bin" / "jupyterhub").is_file() and hub.proxy.is_file()
    old = {} if force or not ready else _read_stamps(stamp_file)
    if old == stamps:
        say(f"{prefix} is up to date")
        return False
    try:
        prefix.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise HubError(f"cannot create {prefix}: run as root, or pass --prefix") from None
    os.chmod(prefix, 0o755)
    stamp_file.unlink(missing_ok=True)
    old_umask = os.umask(0o022)  # everything installed is readable by every user
    pip = [hub.env / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    try:
        if old.get("env") != stamps["env"]:
            _install_env(hub, python, pip, npm, prefix)
        _install_course(hub, pip, prefix)
    finally:
        os.umask(old_umask)
    run([program("chmod", "coreutils"), "-R", "a+rX", prefix])
    stamp_file.write_text("".join(f"{key}={value}\n" for key, value in stamps.items()))
    say(f"installed the course environment in {prefix}")
    return True


def _install_env(hub, python, pip, npm, prefix):
    """JupyterHub's environment and configurable-http-proxy, from their pinned files."""
    shutil.rmtree(hub.env, ignore_errors=True)
    run([python, "-m", "venv", hub.env])
    run([*pip, "install", "-r", HERE / "requirements.txt"])
    # configurable-http-proxy and its dependencies, exactly as proxy/package-lock.json says.
    shutil.rmtree(prefix / "proxy", ignore_errors=True)
    (prefix / "proxy").mkdir()
    for name in PROXY_FILES:
        shutil.copy(HERE / "proxy" / name, prefix / "proxy" / name)
    run([npm, "ci", "--prefix", prefix / "proxy", "--omit=dev", "--no-fund", "--no-audit"])


def _install_course(hub, pip, prefix):
    """The course's package (replacing any older build) and its configuration."""
    # From a copy of the sources: a build in the checkout would leave build/ and
    # *.egg-info there, and the checkout may be unreadable by the users anyway.
    with tempfile.TemporaryDirectory(prefix="backproplab-build-") as tmp:
        shutil.copy(REPO / "pyproject.toml", tmp)
        # pyproject.toml names a readme; the package's description needs no more.
        (Path(tmp) / "README.md").write_text("Backprop Lab's reference package.\n")
        shutil.copytree(
            REPO / "src", Path(tmp) / "src", ignore=shutil.ignore_patterns("__pycache__")
        )
        run([*pip, "install", "--no-deps", "--no-cache-dir", "--force-reinstall", tmp])
    config_dir = hub.env / "etc" / "jupyter"
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "nbgrader_config.py", config_dir / "nbgrader_config.py")
    # The config folder of the users' own servers (jupyterhub_config.py, JUPYTER_CONFIG_PATH).
    shutil.rmtree(prefix / "user-config", ignore_errors=True)
    shutil.copytree(HERE / "user-config", prefix / "user-config")


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
