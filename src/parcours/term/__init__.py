"""The teacher's term: the class list, collecting copies (Moodle, folders, nbgrader's exchange),
grades on 20, feedback pages, the class report, copy detection, and the course folder itself.

Built on ``parcours.grading`` (gradebook, results); the commands in ``parcours.commands`` call it.
"""
