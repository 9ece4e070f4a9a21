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


__all__ = ["Graded", "assert_only_lost", "course", "grade_all", "grade_td", "solution_code"]


def assert_only_lost(graded: Graded, *grade_ids: str) -> None:
    """Exactly the named items score 0; every other autograded item keeps full marks."""
    for gid, (score, max_score) in graded.grades.items():
        assert score == (0 if gid in grade_ids else max_score), (gid, score, max_score)
    lost = sum(graded.grades[g][1] for g in grade_ids)
    assert graded.score == graded.max_score - lost


def grade_all(td: str, submissions: dict) -> dict[str, Graded]:
    """Grade ``{student: notebook}`` in one ``nbgrader autograde`` run of the TD's course.

    Each notebook is graded against its own student's data (the course's Execute step sets the
    author's id). Earlier submissions of the course are cleared first.
    """
    import shutil

    import nbformat
    from nbgrader.api import Gradebook

    from parcours.grading import _check, _env

    c = course(td)
    for folder in ("submitted", "autograded"):
        shutil.rmtree(c.root / folder, ignore_errors=True)
    for student, notebook in submissions.items():
        folder = c.root / "submitted" / student / td
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{td}.ipynb")
    results: dict[str, Graded] = {}
    with _env():
        _check(c.api.autograde(td, "*", force=True, create=True), f"correction de {td}")
        with Gradebook(c.api.coursedir.db_url) as gb:
            for student in submissions:
                graded_nb = nbformat.read(
                    c.root / "autograded" / student / td / f"{td}.ipynb", as_version=4
                )
                sub = gb.find_submission_notebook(td, td, student)
                grades = {
                    g.name: (float(g.auto_score or 0.0), float(g.max_score))
                    for g in sub.grades
                    if g.cell_type == "code"
                }
                results[student] = Graded(
                    score=sum(s for s, _ in grades.values()),
                    max_score=sum(m for _, m in grades.values()),
                    grades=grades,
                    notebook=graded_nb,
                )
    return results


def solution_code(td: str) -> dict[str, str]:
    """The solution of every answer cell of a TD, by grade id (to build variants from)."""
    import nbformat

    from parcours.grading import strip_solution_markers

    source = nbformat.read(course(td).source_path, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: strip_solution_markers(cell.source)
        for cell in source.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell.cell_type == "code"
    }
