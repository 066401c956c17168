"""trustedgrading: autograde nbgrader notebooks without trusting the student's code.

Course-agnostic: it never imports a course. A course gives it two things, named in its
``nbgrader_config.py`` (see ``docs/trustedgrading.md``):

- a *checks package* (one module per assignment, built on :mod:`trustedgrading.checks`), whose
  ``check(name, fn)`` calls are the course's test cells;
- the nbgrader configuration hook :func:`trustedgrading.nbgrader.plugin.configure`.

Subpackages, one concern each:

``checks``    the check framework (cases, known mistakes, comparison, messages); no transport
``sandbox``   starting sandboxed processes, the child that runs student code, the wire
              protocol between them (standard library and NumPy only)
``runner``    the grader's side: runs a test cell's checks against a sandboxed child
``nbgrader``  nbgrader preprocessors (sandboxed kernel, trusted test cells) and source extraction
``batch``     grading many submissions in parallel, with live progress
``limits``    every time, memory and output limit, defined once
``mutation``  whether a call changed its argument (the framework's and the child's one answer)

``limits`` and ``mutation`` are leaves: they import only the standard library and NumPy, and
the sandboxed child loads them by bare name (``sandbox.launch.CHILD_FILES``).
"""
