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


__all__ = ["Graded", "assert_only_lost", "course", "grade_td"]


def assert_only_lost(graded: Graded, *grade_ids: str) -> None:
    """Exactly the named items score 0; every other autograded item keeps full marks."""
    for gid, (score, max_score) in graded.grades.items():
        assert score == (0 if gid in grade_ids else max_score), (gid, score, max_score)
    lost = sum(graded.grades[g][1] for g in grade_ids)
    assert graded.score == graded.max_score - lost
