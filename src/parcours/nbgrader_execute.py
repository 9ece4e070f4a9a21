"""nbgrader's Execute step, run as the submission's author: ``PARCOURS_ETUDIANT`` is set to the
student whose notebook is graded, so hidden tests reload that student's own data even when
``nbgrader autograde`` grades a whole class in one run (nbgrader_config.py installs it).
"""

from __future__ import annotations

import os

from nbgrader.preprocessors import Execute

from parcours.identity import GRADER_ENV


class ExecuteAsStudent(Execute):
    def preprocess(self, nb, resources=None, km=None):
        student = ((resources or {}).get("nbgrader") or {}).get("student")
        if not student:
            return super().preprocess(nb, resources, km)
        saved = os.environ.get(GRADER_ENV)
        os.environ[GRADER_ENV] = student
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if saved is None:
                os.environ.pop(GRADER_ENV, None)
            else:
                os.environ[GRADER_ENV] = saved
