"""The layout of a Backprop Lab hub for hubctl.py (standard library only): where everything
lives (:class:`Hub`, saved as ``<state>/hub.json``), :class:`HubError`, and the small helpers
every command uses (finding programs, running them, saying what happens)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
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


def run(command, **kwargs):
    say("$ " + " ".join(str(part) for part in command))
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode != 0:
        raise HubError(f"{command[0]} failed (exit {result.returncode})")
    return result
