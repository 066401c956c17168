"""The course on JupyterHub with nbgrader's exchange, end to end over HTTP on loopback.

``deploy/jupyterhub/hubctl.py`` installs the course environment (cached under its prefix,
/opt/backproplab-hub, and kept after the test), creates three system users with a distinctive
prefix (``blabtest-instructor``, ``blabtest-alice``, ``blabtest-bob``) and the grader user,
the course directory and a temporary exchange, and starts the hub on free ports. Then,
through HTTP only, as a browser and JupyterLab's nbgrader extension would:

1. the instructor, through the course service's formgrader API, generates and releases
   ``ch02_activations``;
2. alice and bob fetch it (the assignment list's endpoints), fill it in through the Jupyter
   contents API (alice with the reference solutions, bob with one wrong function, a mutant
   from tests/checks/mutants/) and submit it;
3. the instructor collects, autogrades each student, generates and releases the feedback;
4. each student fetches their feedback and reads their score in it, which must be the
   gradebook's: 100 for alice, strictly between 0 and 100 for bob.

Then isolation: a student can open neither the other's server nor the course service (403),
and as a system user cannot list the exchange's inbound or feedback folders nor read the
instructor's source notebooks. The README's terminal route (the batch grader, run as the grader
user in the course directory) must agree with the formgrader's grades. Finally, a real browser
(headless Chromium) logs alice in, opens nbgrader's Assignments panel and her notebook, and
takes a screenshot. Everything is torn down after (users, homes, exchange, state).

Needs root (system users; marked ``root``, so ``-m "not root"`` leaves it out), npm,
``useradd`` and ``runuser`` (found on PATH or in the sbin folders) and bubblewrap; the first run
downloads from PyPI and npm. Outside CI it skips with what to install; with ``CI`` set it fails
instead.

The constants, ``Run`` and the HTTP actions of the round trip are in tests/support/hub_course.py.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import support
from support import batch_course as course_kit
from support.browser import chromium, require_chromium
from support.hub_course import (
    ASSIGNMENT,
    COURSE,
    REPO,
    Run,
    _action,
    _assignment_rows,
    _disabled_extensions,
    _feedback_score,
    _fill_in,
    _formgrader,
    _mutant,
    _points,
)
from support.hub_http import Browser
from support.notebooks import solution_cells, source

pytestmark = [pytest.mark.nbgrader, pytest.mark.root, pytest.mark.timeout(2400)]
pytestmark.append(pytest.mark.xdist_group(name="hub"))

USER_PREFIX = "blabtest-"
STALE_COMMENT = "Backprop Lab hub demo"  # what hubctl's useradd writes in the GECOS field


def _hubctl():
    spec = importlib.util.spec_from_file_location(
        "hubctl", REPO / "deploy" / "jupyterhub" / "hubctl.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["hubctl"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


hubctl = _hubctl()


def _unavailable(reason):
    support.unavailable(f"the hub test: {reason}")


def _runuser():
    return support.find_program("runuser") or "runuser"


def _adopt_stale_test_users(hub):
    """Users left by an interrupted run of this test (our prefix and comment) are deleted."""
    for name in [*hub.instructors, *hub.students, hub.grader]:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_gecos != STALE_COMMENT:
            pytest.fail(f"user {name} exists and was not made by this test; not touching it")
        hub.created_users.append(name)


@pytest.fixture(scope="module")
def hub_run():
    support.require_root("the hub test (it runs each user's server as that system user)")
    support.require_program("npm", "npm", "the hub test (configurable-http-proxy)")
    support.require_program("useradd", "passwd", "the hub test (system users)")
    support.require_program("runuser", "util-linux", "the hub test")
    # A private state folder, and an exchange the students can reach (/tmp/pytest-of-root is
    # mode 700, so the exchange lives next to it).
    scratch = Path(tempfile.mkdtemp(prefix="blabtest-hub-", dir="/tmp"))
    hub = process = None
    try:
        os.chmod(scratch, 0o755)
        hub = hubctl.Hub(
            state=str(scratch / "state"),
            exchange=str(scratch / "exchange"),
            user_prefix=USER_PREFIX,
            port=hubctl.free_port(),
        )
        log_path = scratch / "hub.log"
        started = time.monotonic()
        try:
            hubctl.install(hub)
        except hubctl.HubError as error:
            pytest.fail(f"hubctl install failed: {error}", pytrace=False)
        installed = time.monotonic()
        _adopt_stale_test_users(hub)
        hub.save()
        hubctl.down(hub)  # a clean slate: removes stale users of an interrupted run
        hub.created_users = []
        try:
            hubctl.users(hub)
            hubctl.course(hub)
        except hubctl.HubError as error:
            pytest.fail(f"the hub's users and course: {error}", pytrace=False)
        try:
            print(hubctl.check_sandbox(hub))
        except hubctl.HubError as error:
            _unavailable(str(error))
        with open(log_path, "wb") as log:
            process = hubctl.start(hub, log=log)
        run = Run(hub, process, log_path)
        try:
            hubctl.wait_ready(hub, process)
        except hubctl.HubError as error:
            pytest.fail(f"{error}{run.log()}", pytrace=False)
        run.phases["install (a no-op when cached)"] = installed - started
        run.phases["users, course, hub up"] = time.monotonic() - installed
        yield run
    finally:
        # Always: stop the hub (its proxy, servers and service) and delete the users, their
        # homes, the course directory, the exchange and the state. The environment under
        # the prefix stays as a cache for the next run. Each step runs even if one before
        # it fails.
        try:
            if hub is not None:
                hubctl.down(hub)
        finally:
            try:
                if process is not None:
                    support.stop(process, grace=60)  # hubctl.down has ended it already
            finally:
                shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def cycle(hub_run):
    """The whole round trip, over HTTP; returns the browsers and what it saw."""
    try:
        return _round_trip(hub_run)
    except (AssertionError, OSError, ValueError, KeyError) as error:
        pytest.fail(f"{type(error).__name__}: {error}{hub_run.log()}")


def _round_trip(run):
    hub = run.hub
    password = hub.password_file.read_text().strip()
    base = hub.url.rstrip("/")
    instructor = Browser(base, hub.instructors[0])
    alice, bob = (Browser(base, name) for name in hub.students)
    people = [instructor, alice, bob]

    clock = time.monotonic()
    for person in people:
        person.login(password)
        person.start_server()
    for person in people:
        person.wait_server()
    # The instructor opens the course service (OAuth to /services/backprop-lab/).
    instructor.open(f"/services/{COURSE}/lab")
    _formgrader(instructor, run, "status", method="GET")
    run.phases["log in, start 3 servers"] = time.monotonic() - clock

    released = clock = time.monotonic()
    _formgrader(instructor, run, f"assignment/{ASSIGNMENT}/assign")
    _formgrader(instructor, run, f"assignment/{ASSIGNMENT}/release")
    run.phases["generate + release"] = time.monotonic() - clock

    clock = time.monotonic()
    answers = course_kit.reference_answers(REPO, ASSIGNMENT)
    mutant = _mutant(answers)
    listed = {}
    for student, sources in (
        (alice, answers),
        (bob, {**answers, mutant["function"]: mutant["source"]}),
    ):
        available = _action(student, run, "fetch")
        listed[student.name] = available
        _fill_in(student, run, sources)
        _action(student, run, "submit")
    run.phases["fetch, fill in, submit (2 students)"] = time.monotonic() - clock

    clock = time.monotonic()
    _formgrader(instructor, run, f"assignment/{ASSIGNMENT}/collect")
    run.phases["collect"] = time.monotonic() - clock
    clock = time.monotonic()
    for student in (alice, bob):
        _formgrader(instructor, run, f"submission/{ASSIGNMENT}/{student.name}/autograde")
    run.phases["autograde (2 students)"] = time.monotonic() - clock
    clock = time.monotonic()
    _formgrader(instructor, run, f"assignment/{ASSIGNMENT}/generate_feedback")
    _formgrader(instructor, run, f"assignment/{ASSIGNMENT}/release_feedback")
    run.phases["generate + release feedback"] = time.monotonic() - clock

    clock = time.monotonic()
    seen = {}
    for student in (alice, bob):
        _action(student, run, "fetch_feedback")
        seen[student.name] = _feedback_score(student, run)
    run.phases["fetch + read feedback"] = time.monotonic() - clock
    round_trip = time.monotonic() - released

    gradebook = {
        s["student"]: (s["score"], s["max_score"])
        for s in _formgrader(instructor, run, f"submissions/{ASSIGNMENT}", method="GET")
    }
    print()
    for name, seconds in run.phases.items():
        print(f"  {name:40s} {seconds:6.1f} s")
    print(f"hub round trip (release -> both students see their feedback): {round_trip:.1f} s")
    return {
        "instructor": instructor,
        "alice": alice,
        "bob": bob,
        "listed": listed,
        "seen": seen,
        "gradebook": gradebook,
        "mutant": mutant,
        "round_trip": round_trip,
    }


def test_round_trip_gives_each_student_their_score(hub_run, cycle):
    run = hub_run
    alice, bob = cycle["alice"].name, cycle["bob"].name
    for name in (alice, bob):
        statuses = {a["assignment_id"]: a["status"] for a in cycle["listed"][name]}
        run.check(statuses.get(ASSIGNMENT) == "fetched", f"{name} fetched: {statuses}")

    score_a, max_a, _ = cycle["seen"][alice]
    score_b, max_b, html_b = cycle["seen"][bob]
    assert (score_a, max_a) == (100.0, 100.0), cycle["seen"]
    # Bob's one wrong function fails its own test cell and nothing else.
    expected_b = 100.0 - _points(f"test_{cycle['mutant']['function']}")
    assert 0.0 < score_b < 100.0 and max_b == 100.0, cycle["seen"]
    assert score_b == expected_b, (score_b, expected_b)
    assert re.search(cycle["mutant"]["message"], html_b, re.IGNORECASE), "no diagnosis in feedback"
    # What each student reads is what the instructor's gradebook holds.
    assert cycle["gradebook"] == {alice: (score_a, max_a), bob: (score_b, max_b)}
    # The course service graded with trusted autograding, sandboxed (no fallback warning).
    run.check("bubblewrap (bwrap) is not available" not in run.log(10**9), "graded unsandboxed")


def _as_user(name, *command):
    return subprocess.run(
        [_runuser(), "-u", name, "--", *command], capture_output=True, text=True, cwd="/"
    )


def test_students_cannot_see_each_other_or_the_instructor(hub_run, cycle):
    run = hub_run
    hub = run.hub
    alice, bob = cycle["alice"], cycle["bob"]
    course = Path(f"{hub.exchange}/{COURSE}")

    # Over HTTP: bob's server (page and API), the course service and its formgrader.
    for path in (
        f"/user/{bob.name}/lab",
        f"/user/{bob.name}/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?content=1",
        f"/user/{bob.name}/files/{ASSIGNMENT}/feedback",
        f"/services/{COURSE}/lab",
        f"/services/{COURSE}/api/contents/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
        f"/services/{COURSE}/formgrader/api/submissions/{ASSIGNMENT}",
    ):
        response = alice.get(path)
        run.check(response.status == 403, f"alice GET {path}: {response.status}, not 403")
    # Her own server serves only her home: the exchange is out of its reach.
    inbound = course / "inbound"
    escape = f"/user/{alice.name}/api/contents/{'..%2F' * 6}{str(inbound).lstrip('/')}"
    response = alice.get(escape)
    run.check(response.status in (400, 403, 404), f"alice {escape}: {response.status}")

    # As the system user: the exchange's inbound and feedback folders cannot be listed, so a
    # submission (named <student>+<assignment>+<time>+<random>) and a feedback page (named by
    # a hash) cannot be found; the course directory and bob's home are closed.
    submissions = sorted(p.name for p in inbound.iterdir())
    bobs = [s for s in submissions if s.startswith(f"{bob.name}+{ASSIGNMENT}+")]
    run.check(len(bobs) == 1, f"inbound: {submissions}")
    assert len(bobs[0].rsplit("+", 1)[1]) >= 12, f"no random part in {bobs[0]}"
    denied = [
        ["ls", str(inbound)],
        ["ls", str(course / "feedback")],
        ["ls", str(hub.course_dir)],
        ["cat", str(hub.course_dir / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")],
        ["ls", hubctl.home_of(bob.name)],
        ["cat", f"{hubctl.home_of(bob.name)}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"],
    ]
    for command in denied:
        result = _as_user(alice.name, *command)
        run.check(
            result.returncode != 0 and "Permission denied" in result.stderr,
            f"as {alice.name}, {' '.join(command)} was not denied: {result.stdout[:300]}",
        )
    # The same commands work for their owners (so the denials above mean something).
    assert _as_user(bob.name, "ls", hubctl.home_of(bob.name)).returncode == 0
    assert _as_user(hub.grader, "ls", str(inbound)).returncode == 0


STUDENT_HIDDEN = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyterlab/apputils-extension:announcements",
)


def test_every_student_gets_the_course_environment(hub_run, cycle):
    run = hub_run
    alice = cycle["alice"]
    response = alice.get(f"/user/{alice.name}/lab/api/extensions")
    run.check(response.status == 200, f"extensions: {response.status} {response.text[:500]}")
    # JupyterLab lists each extension under a normalised name ("@a/b" -> "a-b").
    enabled = {e["name"]: e.get("enabled") for e in response.json()}
    for front_end in (
        "@jupyter-widgets/jupyterlab-manager",
        "jupyter-matplotlib",
        "@jupyter/nbgrader",
    ):
        name = re.sub(r"[^a-z0-9]+", "-", front_end.lower()).strip("-")
        run.check(enabled.get(name), f"{front_end} is not served to students: {enabled}")
    # Students' servers have no instructor tools (hubctl's user-config): the formgrader's
    # server extension is off, and JupyterLab is told to leave its front-ends (and the news
    # pop-up) out; the course service keeps them.
    response = alice.get(f"/user/{alice.name}/formgrader")
    run.check(response.status == 404, f"a student's own formgrader: {response.status}")
    hidden = set(STUDENT_HIDDEN)
    disabled = _disabled_extensions(alice, f"/user/{alice.name}/lab", run)
    run.check(hidden <= disabled, f"not hidden from students: {hidden - disabled}")
    instructor = cycle["instructor"]
    in_service = _disabled_extensions(instructor, f"/services/{COURSE}/lab", run)
    run.check(not hidden & in_service, f"hidden from the course service: {hidden & in_service}")
    # The environment is the installed one, readable by the students, with backproplab.
    python = str(run.hub.env / "bin" / "python")
    result = _as_user(alice.name, python, "-c", "import backproplab, sys; print(sys.prefix)")
    run.check(result.returncode == 0, f"backproplab as a student: {result.stderr}")
    assert (
        "site-packages"
        in _as_user(
            alice.name, python, "-c", "import backproplab; print(backproplab.__file__)"
        ).stdout
    )


def test_batch_grading_in_the_course_service_agrees(hub_run, cycle):
    """The README's way to grade a large class: a terminal in the course service.

    As the grader user, in the course directory, with the environment the service runs in,
    ``python -m trustedgrading.batch`` grades both students again (``--force``) on two
    workers; it must succeed, and the gradebook must hold the scores the formgrader gave."""
    run = hub_run
    hub = run.hub
    env = {
        "PATH": f"{hub.env}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": hubctl.home_of(hub.grader),
        "BACKPROPLAB_HUB_EXCHANGE": hub.exchange,
    }
    command = ["python", "-m", "trustedgrading.batch", ASSIGNMENT, "--jobs", "2"]
    result = subprocess.run(
        [_runuser(), "-u", hub.grader, "--", "env", "-i"]
        + [f"{key}={value}" for key, value in env.items()]
        + [*command, "--", "--force"],
        capture_output=True,
        text=True,
        cwd=hub.course_dir,
        timeout=600,
    )
    report = f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-4000:]}"
    run.check(result.returncode == 0, f"batch grading in the course service failed: {report}")
    run.check("2 graded, 0 failed" in result.stderr, f"not both students regraded: {report}")
    gradebook = {
        s["student"]: (s["score"], s["max_score"])
        for s in _formgrader(cycle["instructor"], run, f"submissions/{ASSIGNMENT}", method="GET")
    }
    assert gradebook == cycle["gradebook"], (gradebook, cycle["gradebook"])


@pytest.mark.browser
def test_a_student_sees_the_course_in_jupyterlab(hub_run, cycle, tmp_path):
    """Alice in headless Chromium: the hub's login page, her JupyterLab, nbgrader's
    Assignments panel after the round trip, and her fetched notebook with a running kernel.

    Requests that would leave the hub are refused and recorded: the course needs none."""
    require_chromium()
    run = hub_run
    hub = run.hub
    alice = cycle["alice"]
    password = hub.password_file.read_text().strip()
    base = hub.url.rstrip("/")
    notebook_path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    model = alice.get(f"/user/{alice.name}/api/contents/{notebook_path}?content=1")
    run.check(model.status == 200, f"alice's notebook: {model.status} {model.text[:500]}")
    notebook = model.json()["content"]
    title = source(notebook["cells"][0]).splitlines()[0].lstrip("#").strip()
    blocked, console_errors, page_errors = [], [], []

    def guard(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", guard)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        page.goto(f"{hub.url}hub/login", timeout=30_000)
        page.fill("#username_input", alice.name)
        page.fill("#password_input", password)
        page.click("#login_submit")
        page.wait_for_url(re.compile(rf"/user/{re.escape(alice.name)}/lab"), timeout=60_000)
        # JupyterLab is ready once its menu bar holds nbgrader's menu (the extension is active).
        nbgrader_menu = page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first
        nbgrader_menu.wait_for(state="visible", timeout=60_000)

        # Nbgrader > Assignment List, as a student opens it.
        nbgrader_menu.click()
        page.locator(".lm-Menu-itemLabel", has_text="Assignment List").first.click()
        panel = page.locator("#nbgrader-assignment-list")
        panel.wait_for(state="visible", timeout=30_000)
        row = panel.locator("#submitted_assignments_list > .list_item").first
        row.wait_for(state="visible", timeout=30_000)
        shown = {
            section: _assignment_rows(panel, section)
            for section in ("released", "fetched", "submitted")
        }
        print(f"\nalice's Assignments panel: {shown}")
        # After the round trip: fetched, submitted once, nothing left to fetch.
        assert shown["fetched"] == [(ASSIGNMENT, COURSE)], shown
        assert shown["submitted"] == [(ASSIGNMENT, COURSE)], shown
        assert shown["released"] == [], shown
        assert panel.locator("#course_list_default").inner_text().strip() == COURSE

        # Her notebook, opened from the panel: expand the assignment, click the notebook.
        panel.locator("#fetched_assignments_list .assignment-notebooks-link").first.click()
        panel.locator(
            "#fetched_assignments_list .nested_list_item .item_name a", has_text=ASSIGNMENT
        ).first.click()
        tab = page.locator(".lm-TabBar-tabLabel", has_text=f"{ASSIGNMENT}.ipynb")
        tab.first.wait_for(state="visible", timeout=30_000)
        notebook_panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
        notebook_panel.locator(".jp-Cell").first.wait_for(state="visible", timeout=30_000)
        heading = notebook_panel.locator(".jp-MarkdownCell h1").first
        heading.wait_for(state="visible", timeout=30_000)
        assert title in heading.inner_text(), (title, heading.inner_text())
        # The code of her first graded cell shows (not every cell: JupyterLab attaches the
        # cells of a long notebook lazily, so only those near the top are sure to be there).
        graded = source(solution_cells(notebook)[0]).splitlines()[0]
        editor = notebook_panel.locator(".jp-CodeCell .cm-content", has_text=graded).first
        editor.wait_for(state="visible", timeout=30_000)
        # Markdown maths is typeset by JupyterLab's own MathJax, offline.
        notebook_panel.locator(".jp-MarkdownCell mjx-container").first.wait_for(
            state="visible", timeout=30_000
        )
        # The kernel starts (python3, from the course environment) and answers.
        notebook_panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
            state="attached", timeout=60_000
        )

        # No instructor tool in a student's JupyterLab (all plugins are active by now).
        create = page.locator(".lm-TabBar-tabLabel", has_text="Create Assignment")
        assert create.count() == 0, "students see nbgrader's Create Assignment sidebar"

        shot = tmp_path / "alice-jupyterlab.png"
        page.screenshot(path=shot)
        print(f"screenshot of alice's JupyterLab: {shot}")
        if console_errors:
            print("console errors (logged, not failed on):", *console_errors, sep="\n  ")
        context.close()

    assert shot.stat().st_size > 20_000, f"{shot} is nearly empty"
    assert not page_errors, f"uncaught page errors: {page_errors}"
    assert not blocked, f"JupyterLab on the hub tried to leave the machine: {blocked}"
