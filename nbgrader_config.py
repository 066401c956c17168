"""nbgrader configuration for Backprop Lab.

Instructors write each assignment in solutions/<assignment>/<assignment>.ipynb: nbgrader's
*source* notebooks, with the solutions and the hidden tests. nbgrader generates the student
version into exercises/<assignment>/, its *release* folder, which is never edited by hand.
"""

import os

from trustedgrading.nbgrader.plugin import configure as configure_trusted_autograding

c = get_config()  # noqa: F821 (traitlets provides get_config when nbgrader loads this file)

# Anchored to this file, so every nbgrader command finds the course wherever it is started.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "backprop-lab"

# The stub that replaces each solution region in the release. `raise NotImplementedError()`
# is what backproplab.grading turns into "<function> is not implemented yet", so an untouched
# release scores 0 with that message instead of crashing (nbgrader's default, made explicit).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Trusted autograding (README, "Autograding you can trust"): the kernel runs the notebook in a
# sandbox, and every test cell is then decided by the grader, which runs the student's
# functions in a fresh sandboxed process per test cell and compares them with the reference
# itself. Nothing a submission does in its kernel can change its grade or anyone else's.
configure_trusted_autograding(c, c.CourseDirectory.root, checks="backproplab.grading")

# The kernel's run stops at the first cell still running after this many seconds (the test
# cells are graded anyway). A correct notebook runs in a few seconds in all
# (tests/benchmarks/bench_autograde.py).
c.Execute.timeout = 30
# A graded kernel has nothing left to do: end it at once instead of asking it to shut down
# (about 0.5 s of waiting per submission; the sandbox is torn down either way).
c.Execute.shutdown_kernel = "immediate"
