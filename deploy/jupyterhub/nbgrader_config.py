"""nbgrader settings every user of the course's JupyterHub shares (students and instructors).

``hubctl.py install`` copies this file into the course environment's ``etc/jupyter/``, which
nbgrader reads before the folder's own ``nbgrader_config.py``. The course directory's copy of
the repository's ``nbgrader_config.py`` adds the instructor's settings (source and release
folders, trusted autograding).
"""

import os

c = get_config()  # noqa: F821 (traitlets provides get_config when nbgrader loads this file)

c.CourseDirectory.course_id = "backprop-lab"
# Set by the hub for every server it starts (jupyterhub_config.py, BACKPROPLAB_HUB_EXCHANGE).
# The folder is writable by everyone (mode 1777): a submission is protected only by its
# unguessable name and feedback by a hashed name (README, the threat model).
c.Exchange.root = os.environ.get("BACKPROPLAB_HUB_EXCHANGE", "/srv/nbgrader/exchange")
