"""Trusted autograding: the pieces ``nbgrader_config.py`` plugs into ``nbgrader autograde``.

Plain nbgrader decides a test cell's grade from what the student's own kernel printed, so a
submission can patch NumPy, delegate to the reference, read hidden tests or the gradebook,
or take the whole notebook down with ``os._exit``. Here the kernel still runs the notebook
(students see its outputs in their feedback), but:

- :class:`SandboxedKernelManager` starts that kernel in a bubblewrap sandbox that cannot see
  the gradebook, the source notebooks or other students (``sandbox.kernel_command``);
- :class:`RobustExecute` turns a dead, hung or timed-out kernel into a note in the notebook
  instead of an aborted notebook: the grade does not depend on the kernel;
- :class:`TrustedChecks` then decides every test cell in the grader: it puts back test cells
  that were deleted or stripped of their metadata, takes each graded function's source from
  the notebook (``extract``), runs the cell's checks against it in a fresh sandboxed child
  (``trusted``) and writes the outcome as the cell's only output;
- :class:`BoundOutput` caps what any cell may leave in the notebook (and so in the feedback);
- :class:`RepairMetadata` drops nbgrader metadata that no longer validates, and
  :func:`pre_convert_hook` replaces an unreadable notebook with a stub and grades a
  notebook handed in under another name, so one student's file cannot abort the batch.

:func:`configure` wires all of it into a traitlets config ``c``.
"""

from __future__ import annotations

import ast
import glob
import importlib
import json
import os
import secrets
import shutil

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    Execute,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets import Float, Integer, Unicode

from trustedgrading import limits
from trustedgrading.nbgrader.extract import function_source
from trustedgrading.runner import ChildPool, run_test_cell, source_names
from trustedgrading.sandbox import launch as sandbox

SCHEMA_VERSION = 3


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in ``sandbox.kernel_command``'s sandbox.

    The kernel talks over Unix sockets in a private folder (it has no network), and is
    interrupted by a message rather than a signal (a signal would stop the sandbox).
    """

    course_root = Unicode("", help="The course directory the kernel must not see.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = sandbox.private_dir()
        self.transport = "ipc"
        self.ip = os.path.join(self._private, "kernel")
        self.connection_file = os.path.join(self._private, "kernel.json")

    async def _async_pre_start_kernel(self, **kwargs):
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kwargs)

    async def _async_launch_kernel(self, kernel_cmd, **kwargs):
        command = sandbox.kernel_command(
            kernel_cmd,
            cwd=str(kwargs.get("cwd") or os.getcwd()),
            private_dir=self._private,
            course_root=self.course_root or os.getcwd(),
        )
        await super()._async_launch_kernel(command, **kwargs)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)


class _KernelGaveUp(Exception):
    pass


class RobustExecute(Execute):
    """nbgrader's Execute, except that a kernel failure never aborts the notebook.

    A cell that runs past ``timeout`` ends the kernel's run (the kernel may be ignoring
    interrupts, and every later cell would time out behind it); a kernel that dies
    (``os._exit``, a crash) ends it too. Either way the cells run so far keep their outputs,
    a note says where the kernel stopped, and grading goes on: the test cells are decided by
    :class:`TrustedChecks`, not by the kernel.
    """

    timeout = Integer(
        limits.KERNEL_CELL_SECONDS,
        allow_none=True,
        help="Seconds a cell may run before the kernel's run ends (None: no limit).",
    ).tag(config=True)

    async def _async_handle_timeout(self, timeout, cell=None):
        raise _KernelGaveUp(f"a cell ran for more than {timeout} s")

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km=km)
        except Exception as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            reason = reason or type(error).__name__
            self.log.warning("The kernel stopped: %s", reason)
            _note_kernel_stop(nb, reason)
            return nb, resources


def _note_kernel_stop(nb, reason):
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    target = ran[-1] if ran else next((c for c in nb.cells if c.cell_type == "code"), None)
    if target is None:
        return
    target.outputs.append(
        nbformat.v4.new_output(
            "stream",
            name="stdout",
            text=(
                f"\n[autograder] The kernel stopped here ({reason}); later cells were not run. "
                "Every test cell is still graded: the grader runs your functions itself.\n"
            ),
        )
    )


def _checks_in(source):
    """``(check name, function name, hidden)`` for each ``check("a.f", f, ...)`` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check"):
            continue
        if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
            continue
        if not isinstance(node.args[1], ast.Name) or not isinstance(node.args[0].value, str):
            continue
        hidden = any(
            k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )
        position = (node.lineno, node.col_offset)
        calls.append((position, node.args[0].value, node.args[1].id, hidden))
    return [call[1:] for call in sorted(calls)]


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_test_cell(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


class TrustedChecks(NbGraderPreprocessor):
    """Decide every test cell in the grader, against the student's code run in a sandbox."""

    wall_seconds = Float(
        limits.CHILD_WALL_SECONDS, help="Time budget of one check in a test cell, all its calls."
    ).tag(config=True)
    cpu_seconds = Integer(
        limits.CHILD_CPU_SECONDS, help="CPU seconds of the process running one check."
    ).tag(config=True)
    memory_bytes = Integer(
        limits.CHILD_MEMORY_BYTES, help="Address space of the process running one check."
    ).tag(config=True)
    secret_file = Unicode(
        "",
        help="A file holding the course's grading secret, created on first use (0600). It "
        "salts the seed of the random cases, so the inputs graded with cannot be generated "
        "from the installed package. Empty: no salt.",
    ).tag(config=True)
    checks_package = Unicode(
        "",
        help="The course's checks package (e.g. 'backproplab.grading'): imported before "
        "grading, it points trustedgrading.checks at the course (use_course).",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        if not self.checks_package:
            raise ValueError(
                "TrustedChecks.checks_package is not set: call "
                "trustedgrading.nbgrader.plugin.configure(c, root, checks='<your checks package>') "
                "in nbgrader_config.py"
            )
        importlib.import_module(self.checks_package)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source_nb = gb.find_notebook(info["notebook"], info["assignment"])
            solution_ids = {c.name for c in source_nb.solution_cells}
            tests = {}
            for graded in source_nb.grade_cells:
                if graded.name in solution_ids or graded.cell_type != "code":
                    continue
                try:
                    source = gb.find_source_cell(graded.name, info["notebook"], info["assignment"])
                except MissingEntry:
                    continue
                tests[graded.name] = (source.source, float(graded.max_score))
        self._restore_missing(nb, tests)
        child_limits = sandbox.Limits(
            wall_seconds=self.wall_seconds,
            cpu_seconds=self.cpu_seconds,
            memory_bytes=self.memory_bytes,
        )
        code_cells = [
            (i, cell.source)
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and _grade_id(cell) not in tests
        ]
        salt = _course_secret(self.secret_file) if self.secret_file else b""
        pool = ChildPool(child_limits)  # one sandbox per notebook, a fresh child per test cell
        try:
            self._grade(nb, tests, code_cells, pool, salt)
        finally:
            pool.close()
        return nb, resources

    def _grade(self, nb, tests, code_cells, pool, salt):
        warned = False
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or _grade_id(cell) not in tests:
                continue
            calls = _checks_in(tests[_grade_id(cell)][0])
            if not calls:
                continue  # not a backproplab check: the kernel's outcome stands
            sources = {
                fn: function_source(code_cells, fn, stop=index, companions=names[1:])
                for fn, names in source_names(calls).items()
            }
            score, text, sandboxed = run_test_cell(calls, sources, pool.limits, pool, salt)
            if not sandboxed and not warned:
                warned = True
                self.log.warning(
                    "bubblewrap (bwrap) is not available: student code runs isolated from the "
                    "grader but can read the files the grader's user can read. "
                    "Install it with `apt install bubblewrap`."
                )
            cell.outputs = _outcome(score, text, tests[_grade_id(cell)][1])

    def _restore_missing(self, nb, tests):
        """Put back every test cell that was deleted or lost its nbgrader metadata."""
        present = {
            _grade_id(c) for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        }
        for name, (source, points) in tests.items():
            if name in present:
                continue
            self.log.warning("Test cell %s is missing; putting it back", name)
            cell = nbformat.v4.new_code_cell(source)
            cell.metadata["nbgrader"] = {
                "grade": True,
                "grade_id": name,
                "locked": True,
                "points": points,
                "schema_version": SCHEMA_VERSION,
                "solution": False,
                "task": False,
            }
            nb.cells.append(cell)


def _course_secret(path):
    """The bytes of the course's grading secret, created (readable by its owner only) if new."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    with open(path, encoding="utf-8") as f:
        return f.read().strip().encode()


def _outcome(score, text, points):
    """The outputs that make nbgrader give a test cell ``score`` (a fraction) of its ``points``.

    A pass is the summary as a stream (full marks), a failure an error (no marks); partial
    credit adds the points earned as the cell's result, which nbgrader reads as its score
    (``nbgrader.utils.determine_grade``).
    """
    if score <= 0.0:
        return [
            nbformat.v4.new_output(
                "error",
                ename="CheckFailed",
                evalue=text,
                traceback=[f"\x1b[0;31mCheckFailed\x1b[0m: {text}"],
            )
        ]
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    if score < 1.0:
        earned = round(score * points, 2)
        outputs.append(
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": f"{earned:g}"}, execution_count=None
            )
        )
    return outputs


class BoundOutput(NbGraderPreprocessor):
    """Cap every output, and the notebook's outputs in all, so feedback stays small."""

    max_output_chars = Integer(limits.OUTPUT_CHARS, help="Characters kept of one output.").tag(
        config=True
    )
    max_total_chars = Integer(
        limits.NOTEBOOK_OUTPUT_CHARS, help="Characters kept of all outputs."
    ).tag(config=True)

    def preprocess(self, nb, resources):
        total = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kept = []
            for output in cell.get("outputs", []):
                output = self._bounded(output)
                size = len(json.dumps(output))
                if total + size > self.max_total_chars and not _is_test_cell(cell):
                    kept.append(
                        _note("[autograder] Output removed: the notebook's outputs are too large.")
                    )
                    break
                total += size
                kept.append(output)
            cell.outputs = kept
        return nb, resources

    def _bounded(self, output):
        limit = self.max_output_chars
        if output.output_type == "stream" and len(output.text) > limit:
            cut = len(output.text) - limit
            output.text = output.text[:limit] + f"\n[autograder] ... {cut} characters cut.\n"
        elif output.output_type == "error":
            output.evalue = output.evalue[:limit]
            lines, size = [], 0
            for line in output.traceback:
                size += len(line)
                if size > limit:
                    lines.append("[autograder] ... traceback cut.")
                    break
                lines.append(line)
            output.traceback = lines
        elif output.output_type in ("display_data", "execute_result"):
            if len(json.dumps(output.get("data", {}))) > limits.DISPLAY_OUTPUT_FACTOR * limit:
                return _note("[autograder] A large display output was removed.")
        return output


def _note(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")


class RepairMetadata(NbGraderPreprocessor):
    """Drop a cell's nbgrader metadata if it no longer validates (it is restored by id)."""

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.get("metadata", {}):
            try:
                MetadataValidator().validate_cell(cell)
            except Exception:
                self.log.warning("Cell %d: invalid nbgrader metadata removed", index)
                del cell.metadata["nbgrader"]
        return cell, resources


def pre_convert_hook(assignment, student, notebooks):
    """Make each submission gradable before nbgrader reads it (``Autograde.pre_convert_hook``).

    ``notebooks`` is nbgrader's own list of this submission's notebooks, changed in place:

    - a notebook that is not valid JSON or nbformat is moved aside (``.unreadable``) and
      replaced by a one-cell notebook saying so, which grades as an empty submission;
    - if ``<assignment>.ipynb`` is missing and the folder holds exactly one other notebook,
      that one is graded under the expected name, with a note.
    """
    if not notebooks:
        return
    folder = os.path.dirname(notebooks[0])
    assignment_id = os.path.basename(folder)
    expected = os.path.join(folder, f"{assignment_id}.ipynb")
    for path in notebooks:
        try:
            nbformat.read(path, as_version=4)
        except Exception as error:
            os.replace(path, path + ".unreadable")
            nbformat.write(_unreadable_stub(os.path.basename(path), error), path)
    if expected not in notebooks:
        others = sorted(glob.glob(os.path.join(folder, "*.ipynb")))
        if len(others) == 1 and others[0] in notebooks:
            _write_renamed(others[0], expected)
            notebooks[notebooks.index(others[0])] = expected


def _write_renamed(path, expected):
    nb = nbformat.read(path, as_version=4)
    note = (
        f"*[autograder] This notebook was handed in as `{os.path.basename(path)}` and graded "
        f"as `{os.path.basename(expected)}`.*"
    )
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(note))
    nbformat.write(nb, expected)


def _unreadable_stub(name, error):
    text = f"{type(error).__name__}: {error}"[: limits.UNREADABLE_REASON_CHARS]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(
        nbformat.v4.new_markdown_cell(
            f"**[autograder] Your submitted notebook `{name}` could not be read** ({text}), so "
            "it was graded as an empty submission. Open it in JupyterLab, save it, and hand "
            "it in again."
        )
    )
    return nb


def configure(c, course_root, checks):
    """Wire trusted autograding into the nbgrader config ``c`` of the course at ``course_root``.

    ``checks`` names the course's checks package (its ``__init__`` calls
    :func:`trustedgrading.checks.use_course`), whose ``check(...)`` calls the test cells make.
    The limits default to :mod:`trustedgrading.limits`; set ``c.TrustedChecks.wall_seconds``,
    ``c.RobustExecute.timeout``, ``c.BoundOutput.max_output_chars``, ``c.LimitOutput.max_lines``
    and the like after this call to change them.
    """
    c.Autograde.sanitize_preprocessors = [
        RepairMetadata,
        ClearOutput,
        DeduplicateIds,
        # DeduplicateIds leaves `nbgrader: {}` on a duplicated cell, which CheckCellMetadata
        # then rejects as an old schema and the whole batch stops; drop it.
        RepairMetadata,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        RobustExecute,
        TrustedChecks,
        IgnorePattern,
        ClearMetadataPreprocessor,
        BoundOutput,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    c.Autograde.pre_convert_hook = pre_convert_hook
    c.RobustExecute.kernel_manager_class = SandboxedKernelManager
    c.SandboxedKernelManager.course_root = os.path.abspath(course_root)
    c.TrustedChecks.secret_file = os.path.join(os.path.abspath(course_root), ".grading-secret")
    c.TrustedChecks.checks_package = checks
    c.LimitOutput.max_lines = limits.OUTPUT_LINES
    c.LimitOutput.max_traceback = limits.TRACEBACK_LINES


__all__ = [
    "BoundOutput",
    "RepairMetadata",
    "RobustExecute",
    "SandboxedKernelManager",
    "TrustedChecks",
    "configure",
    "pre_convert_hook",
]
