"""nbgrader configuration for Backprop Lab.

Instructors write each assignment in solutions/<assignment>/<assignment>.ipynb: nbgrader's
*source* notebooks, with the solutions and the hidden tests. nbgrader generates the student
version into exercises/<assignment>/, its *release* folder, which is never edited by hand.
"""

import os

c = get_config()  # noqa: F821 (traitlets provides get_config when nbgrader loads this file)

# Anchored to this file, so every nbgrader command finds the course wherever it is started.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "backprop-lab"
