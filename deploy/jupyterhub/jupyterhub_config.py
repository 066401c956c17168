"""JupyterHub configuration for Backprop Lab: the course on a hub, with nbgrader's exchange.

Start it with ``python3 deploy/jupyterhub/hubctl.py up`` (or ``demo``), which sets the
variables below; ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`` works too, as root,
with the environment installed by ``hubctl.py install``. Every setting comes from an
environment variable (default in brackets):

BACKPROPLAB_HUB_PREFIX          where ``hubctl.py install`` put the course environment (env/)
                                and configurable-http-proxy (proxy/) [/opt/backproplab-hub]
BACKPROPLAB_HUB_STATE           the hub's database, cookie secret and pid files
                                [/var/lib/backproplab-hub]
BACKPROPLAB_HUB_IP              the address the hub listens on [127.0.0.1: this machine only]
BACKPROPLAB_HUB_PORT            its public port [8000]
BACKPROPLAB_HUB_API_PORT        the hub's internal API, on 127.0.0.1 [8081]
BACKPROPLAB_HUB_PROXY_API_PORT  the proxy's REST API, on 127.0.0.1 [8001]
BACKPROPLAB_HUB_SERVICE_PORT    the course service (the formgrader), on 127.0.0.1 [9999]
BACKPROPLAB_HUB_INSTRUCTORS     comma-separated user names with the instructor role [none]
BACKPROPLAB_HUB_STUDENTS        comma-separated user names with the student role [none]
BACKPROPLAB_HUB_GRADER          the system user that owns the course directory and runs the
                                course service [grader-backprop-lab]
BACKPROPLAB_HUB_COURSE_DIR      the instructor's course directory (a copy of solutions/ and
                                nbgrader_config.py, made by ``hubctl.py course``)
                                [/home/<grader>/backprop-lab]
BACKPROPLAB_HUB_EXCHANGE        nbgrader's exchange root (mode 1777) [/srv/nbgrader/exchange]
BACKPROPLAB_HUB_PASSWORD        the demo's shared password (8 characters or more), or
BACKPROPLAB_HUB_PASSWORD_FILE   a file holding it (what hubctl.py uses)
BACKPROPLAB_HUB_SPAWNER         ``local``: every user's server runs as that user's own system
                                account (the hub must run as root) [default];
                                ``simple``: a demo without root, where every server runs as
                                the hub's own user: NO isolation between users at all.

Roles: instructors are in the group ``formgrade-backprop-lab``, whose role may open the course
service (``/services/backprop-lab/``: a JupyterLab server running as the grader user in the
course directory, with the formgrader); students are in ``nbgrader-backprop-lab`` and may
only see that the course exists. Everyone gets their own server running the course
environment (backproplab, nbgrader's assignment list, ipywidgets and ipympl), opening /lab.

The shared password is for a demo. For a real course, switch the authenticator to the
university's and keep the groups and roles below, e.g. (pip install the package into the
environment first, and pin it in requirements.txt):

    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = "ldap.example.edu"
    c.LDAPAuthenticator.bind_dn_template = ["uid={username},ou=people,dc=example,dc=edu"]

or ``"oauthenticator.generic.GenericOAuthenticator"`` with the university's OAuth2 / OIDC
endpoints (``client_id``, ``client_secret``, ``authorize_url``, ``token_url``,
``userdata_url``). ``allowed_users`` and ``load_groups`` stay as they are (or take the
class list from the authenticator with ``Authenticator.manage_groups``); with
LocalProcessSpawner every login name must also be a system user.
"""

import os

c = get_config()  # noqa: F821 (JupyterHub provides get_config when it loads this file)

COURSE_ID = "backprop-lab"


def _setting(name, default):
    return os.environ.get(f"BACKPROPLAB_HUB_{name}", default) or default


def _names(name):
    return [n.strip() for n in _setting(name, "").split(",") if n.strip()]


PREFIX = _setting("PREFIX", "/opt/backproplab-hub")
ENV = os.path.join(PREFIX, "env")
STATE = _setting("STATE", "/var/lib/backproplab-hub")
GRADER = _setting("GRADER", f"grader-{COURSE_ID}")
COURSE_DIR = _setting("COURSE_DIR", f"/home/{GRADER}/{COURSE_ID}")
EXCHANGE = _setting("EXCHANGE", "/srv/nbgrader/exchange")
SPAWNER = _setting("SPAWNER", "local")
INSTRUCTORS = _names("INSTRUCTORS")
STUDENTS = _names("STUDENTS")
SERVICE_PORT = int(_setting("SERVICE_PORT", "9999"))

# --- Network: loopback unless told otherwise; put TLS in front before opening it wider.
c.JupyterHub.ip = _setting("IP", "127.0.0.1")
c.JupyterHub.port = int(_setting("PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(_setting("API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_setting('PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [
    os.path.join(PREFIX, "proxy", "node_modules", ".bin", "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "proxy.pid")

# --- State: everything the hub writes, in one folder (hubctl.py down deletes it).
c.JupyterHub.db_url = f"sqlite:///{os.path.join(STATE, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")

# --- Who may log in: the demo's shared password (see the docstring for a real authenticator).
c.JupyterHub.authenticator_class = "shared-password"
_password = os.environ.get("BACKPROPLAB_HUB_PASSWORD", "")
if not _password and os.environ.get("BACKPROPLAB_HUB_PASSWORD_FILE"):
    with open(os.environ["BACKPROPLAB_HUB_PASSWORD_FILE"], encoding="utf-8") as _file:
        _password = _file.read().strip()
c.SharedPasswordAuthenticator.user_password = _password or None
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)

# --- Instructors and students. nbgrader's course list finds a course by these group names:
# formgrade-<course> for its graders, nbgrader-<course> for its students.
INSTRUCTOR_GROUP = f"formgrade-{COURSE_ID}"
STUDENT_GROUP = f"nbgrader-{COURSE_ID}"
c.JupyterHub.load_groups = {
    INSTRUCTOR_GROUP: {"users": INSTRUCTORS},
    STUDENT_GROUP: {"users": STUDENTS},
}
c.JupyterHub.load_roles = [
    {
        "name": "instructor",
        "description": "Opens the course service (the formgrader) and sees the course.",
        "groups": [INSTRUCTOR_GROUP],
        "scopes": [
            f"access:services!service={COURSE_ID}",
            "list:services",
            f"read:services!service={COURSE_ID}",
        ],
    },
    {
        "name": "student",
        "description": "Sees that the course exists; cannot open its service.",
        "groups": [STUDENT_GROUP],
        "scopes": ["list:services", f"read:services!service={COURSE_ID}"],
    },
    # A user's server acts with its owner's permissions (nbgrader's course list asks the
    # hub which courses its user may see).
    {"name": "server", "scopes": ["inherit"]},
]

# --- Every user's server: the course environment, opening JupyterLab. `alembic` must be on
# PATH (nbgrader creates a gradebook with it); the exchange root reaches nbgrader through
# the environment's global nbgrader_config.py (etc/jupyter, installed by hubctl.py).
_environment = {
    "PATH": f"{ENV}/bin:/usr/local/bin:/usr/bin:/bin",
    "BACKPROPLAB_HUB_EXCHANGE": EXCHANGE,
}
# Users' own servers (not the course service) read one more config folder first: it turns
# off nbgrader's instructor tools (formgrader, create assignment, course list), which act on
# a user's own home only and confuse students, and JupyterLab's news pop-up (the course runs
# offline). hubctl.py install copies it from deploy/jupyterhub/user-config/.
_user_environment = {**_environment, "JUPYTER_CONFIG_PATH": os.path.join(PREFIX, "user-config")}
c.Spawner.cmd = [os.path.join(ENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = _user_environment
# Two cores starting several servers at once: be patient before declaring a spawn failed.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

_service_environment = {**_environment, "JUPYTERHUB_DEFAULT_URL": "/lab"}
if SPAWNER == "simple":
    import logging

    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(STATE, "homes", "{username}")
    # The service runs as the hub's user too: give it a home of its own next to the others.
    _service_environment["HOME"] = os.path.join(STATE, "homes", GRADER)
    os.makedirs(_service_environment["HOME"], exist_ok=True)
    logging.getLogger("JupyterHub").warning(
        "BACKPROPLAB_HUB_SPAWNER=simple: EVERY USER'S SERVER RUNS AS %s. There is NO "
        "isolation between users: any student can read and change every other student's "
        "work, the course directory and the gradebook. Use it for a demo on your own "
        "machine only, never with real students.",
        os.environ.get("USER", "the hub's user"),
    )
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"

# --- The course service: the instructors' JupyterLab with the formgrader, running as the
# grader user in the course directory, at /services/backprop-lab/ (the service's name must be
# the course id). Only the instructor role may open it.
c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [
            os.path.join(ENV, "bin", "jupyterhub-singleuser"),
            f"--ServerApp.root_dir={COURSE_DIR}",
        ],
        "cwd": COURSE_DIR,
        "environment": _service_environment,
        # The instructors trust their own course service: no consent page on first visit.
        "oauth_no_confirm": True,
        **({} if SPAWNER == "simple" else {"user": GRADER}),
    }
]
