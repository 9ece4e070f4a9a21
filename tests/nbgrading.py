"""Test helper: grade a TD through nbgrader's own API, as ``parcours corriger`` would.

``grade_td("td03_satisfaction")`` scores the solution; ``replace={answer_grade_id: code}`` puts a
typical mistake in one answer cell; ``blank=True`` submits the released notebook untouched. Each
TD is released once per test process (a temporary course), then every call autogrades a new
submission in it.
"""

from __future__ import annotations

import atexit

from parcours.grading import Course, Graded

_courses: dict[str, Course] = {}


def course(td: str) -> Course:
    if td not in _courses:
        _courses[td] = Course(td)
        atexit.register(_courses[td].close)
    return _courses[td]


def grade_td(
    td: str, *, student: str = "etudiant_test", replace=None, blank: bool = False
) -> Graded:
    c = course(td)
    return c.autograde(c.submission(replace=replace, blank=blank), student=student)


__all__ = ["Graded", "course", "grade_td"]
