"""What the course's users do on the hub, over HTTP, for tests/e2e/test_hub.py: the assignment
and course it uses, :class:`Run` (the hub under test, its log, and ``check``, which fails with
the log), and the actions of the round trip: fill a notebook in through the contents API, the
assignment list's buttons, the formgrader's API, reading the score in the feedback, the page
config of a JupyterLab page and the rows of nbgrader's Assignments panel.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from support import batch_course as course_kit
from support.notebooks import grade_id, load, solution_cells

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "ch02_activations"
COURSE = "backprop-lab"
SCORE = re.compile(r"<h4>\s*" + ASSIGNMENT + r"\s*\(Score:\s*([\d.]+)\s*/\s*([\d.]+)\)")


class Run:
    """The hub under test, its log, and what the round trip measured."""

    def __init__(self, hub, process, log_path):
        self.hub = hub
        self.process = process
        self.log_path = log_path
        self.phases = {}
        self.facts = {}

    def log(self, limit=30000):
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = "(no hub log)"
        return f"\n----- hub, proxy and servers' log (last {limit} characters)\n{text[-limit:]}"

    def check(self, condition, message):
        if not condition:
            pytest.fail(f"{message}{self.log()}")


def _points(test_cell_id):
    solution = load(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    for cell in solution["cells"]:
        if grade_id(cell) == test_cell_id:
            return float(cell["metadata"]["nbgrader"]["points"])
    raise KeyError(test_cell_id)


def _mutant(answers):
    """A wrong version of the last graded function (nothing later uses it)."""
    last = list(answers)[-1]
    return next(m for m in course_kit.mutants(ASSIGNMENT) if m["function"] == last)


def _fill_in(browser, run, sources):
    """Open the fetched notebook through the contents API, fill in ``sources``, save it."""
    path = f"/user/{browser.name}/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    model = browser.get(path + "?content=1")
    run.check(model.status == 200, f"{browser.name} cannot open the fetched notebook: {model.text}")
    notebook = model.json()["content"]
    filled = 0
    for cell in solution_cells(notebook):
        if grade_id(cell) in sources:
            cell["source"] = sources[grade_id(cell)]
            filled += 1
    run.check(filled == len(sources), f"{browser.name}: {filled} of {len(sources)} cells found")
    saved = browser.request(
        "PUT", path, body={"type": "notebook", "format": "json", "content": notebook}
    )
    run.check(saved.status == 200, f"{browser.name} cannot save the notebook: {saved.text}")


def _action(browser, run, action):
    """What the assignment list's buttons do: POST /assignments/<action>."""
    response = browser.post(
        f"/user/{browser.name}/assignments/{action}",
        body={"course_id": COURSE, "assignment_id": ASSIGNMENT},
    )
    run.check(response.status == 200, f"{browser.name} {action}: {response.status} {response.text}")
    result = response.json()
    run.check(result.get("success"), f"{browser.name} {action} failed: {result}")
    return result["value"]


def _formgrader(instructor, run, path, method="POST"):
    response = instructor.request(method, f"/services/{COURSE}/formgrader/api/{path}")
    run.check(
        response.status == 200, f"formgrader {path}: {response.status} {response.text[:3000]}"
    )
    result = response.json()
    if isinstance(result, dict) and "success" in result:
        run.check(result["success"], f"formgrader {path} failed: {json.dumps(result)[:6000]}")
    return result


def _feedback_score(browser, run):
    folder = f"/user/{browser.name}/api/contents/{ASSIGNMENT}/feedback"
    listing = browser.get(folder)
    run.check(listing.status == 200, f"{browser.name} has no feedback folder: {listing.text}")
    stamps = [entry["name"] for entry in listing.json()["content"]]
    run.check(len(stamps) == 1, f"{browser.name}'s feedback: {stamps}")
    stamp = urllib.parse.quote(stamps[0])  # a time stamp, with spaces
    page = browser.get(f"{folder}/{stamp}/{ASSIGNMENT}.html?content=1&type=file&format=text")
    run.check(page.status == 200, f"{browser.name} cannot read the feedback: {page.text[:500]}")
    html = page.json()["content"]
    match = SCORE.search(html)
    run.check(match is not None, f"no score in {browser.name}'s feedback")
    return float(match.group(1)), float(match.group(2)), html


CONFIG_DATA = re.compile(
    r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S
)


def _disabled_extensions(browser, path, run):
    """The plugins JupyterLab's page at ``path`` is told to leave out (its page config)."""
    response = browser.get(path)
    run.check(response.status == 200, f"{browser.name} GET {path}: {response.status}")
    match = CONFIG_DATA.search(response.text)
    run.check(match is not None, f"no jupyter-config-data in {path}")
    disabled = json.loads(match.group(1)).get("disabledExtensions", [])
    return set(disabled if isinstance(disabled, list) else (k for k, v in disabled.items() if v))


def _assignment_rows(panel, section):
    """(assignment, course) of each row in one section of nbgrader's Assignments panel."""
    rows = panel.locator(f"#{section}_assignments_list > .list_item")
    return [
        (
            row.locator(".item_name").first.inner_text().strip(),
            row.locator(".item_course").first.inner_text().strip(),
        )
        for row in rows.all()
    ]
