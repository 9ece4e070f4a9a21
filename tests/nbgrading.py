"""Test helper: grade a TD through nbgrader's own API and through ``parcours corriger``.

``grade_td("td03_satisfaction")`` scores the solution; ``replace={answer_grade_id: code}`` puts a
typical mistake in one answer cell; ``blank=True`` submits the released notebook untouched. Each
TD is released once per test process (a temporary course), then every call autogrades a new
submission in it.
"""

from __future__ import annotations

import atexit

from parcours.grading.config import Course, Graded

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


__all__ = [
    "CORRECT_CASES",
    "IDS",
    "MISTAKE_CASES",
    "Graded",
    "assert_full_marks",
    "assert_mistakes",
    "assert_only_lost",
    "case_table",
    "course",
    "fair_grading",
    "grade_all",
    "grade_cases",
    "grade_td",
    "solution_code",
]


def assert_only_lost(graded: Graded, *grade_ids: str) -> None:
    """Exactly the named items score 0; every other autograded item keeps full marks."""
    for gid, (score, max_score) in graded.grades.items():
        assert score == (0 if gid in grade_ids else max_score), (gid, score, max_score)
    lost = sum(graded.grades[g][1] for g in grade_ids)
    assert graded.score == graded.max_score - lost


def grade_all(td: str, submissions: dict) -> dict[str, Graded]:
    """Grade ``{student: notebook}`` in one ``parcours corriger`` batch of the TD's course.

    The batch is the teacher's: sandboxed kernels, two workers, checks in the grader's process,
    each notebook graded on its own author's data. Earlier submissions of the course are cleared
    first.
    """
    import shutil

    import nbformat

    from parcours.grading.batch import grade_batch
    from parcours.grading.config import _env

    c = course(td)
    for folder in ("submitted", "autograded"):
        shutil.rmtree(c.root / folder, ignore_errors=True)
    for student, notebook in submissions.items():
        folder = c.root / "submitted" / student / td
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{td}.ipynb")
    with _env():
        batch = grade_batch(td, root=c.root, workers=2, force=True)
    results: dict[str, Graded] = {}
    for student in submissions:
        outcome = batch.results[student]
        assert outcome.echec is None, (student, outcome.echec)
        grades = {gid: (q.points, q.max) for gid, q in outcome.questions.items()}
        results[student] = Graded(
            score=outcome.score,
            max_score=outcome.max_score,
            grades=grades,
            notebook=nbformat.read(
                c.root / "autograded" / student / td / f"{td}.ipynb", as_version=4
            ),
        )
    return results


def solution_code(td: str) -> dict[str, str]:
    """The solution of every answer cell of a TD, by grade id (to build variants from)."""
    import nbformat

    from parcours.grading.config import strip_solution_markers

    source = nbformat.read(course(td).source_path, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: strip_solution_markers(cell.source)
        for cell in source.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell.cell_type == "code"
    }


def released_setup_cell(td: str) -> str:
    """The locked setup cell of a released TD, as a student runs it."""
    import json
    from pathlib import Path

    released = Path(__file__).resolve().parents[1] / "exercises" / td / f"{td}.ipynb"
    cells = json.loads(released.read_text(encoding="utf-8"))["cells"]
    return next(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code"
        and c["metadata"]["nbgrader"]["grade_id"].endswith("preparation")
    )


CORRECT_CASES = ("idiomes", "arrondis", "variantes")
MISTAKE_CASES = ("erreurs-a", "erreurs-b")
IDS = ("lea", "marc")  # every case is graded under these two student ids


def case_table(*, variants, idioms, rounded, mistakes_a, mistakes_b, **more_mistakes) -> dict:
    """The cases of a TD's batch: the three correct ones (``{question: code}``), then the mistakes
    (``{question: (code, hint)}``) by case name."""
    mistakes = {"erreurs-a": mistakes_a, "erreurs-b": mistakes_b, **more_mistakes}
    return {
        "variantes": variants,
        "idiomes": idioms,
        "arrondis": rounded,
        **{name: {q: code for q, (code, _) in m.items()} for name, m in mistakes.items()},
    }


def grade_cases(td: str, questions: dict, cases: dict, ids) -> dict[str, Graded]:
    """Grade every case (``{question: code}``) under every id, in one batch: ``"case.id"`` keys."""
    c = course(td)
    submissions = {
        f"{case}.{sid}": c.submission(
            replace={f"{questions[q]}_reponse": code for q, code in answers.items()}
        )
        for case, answers in cases.items()
        for sid in ids
    }
    return grade_all(td, submissions)


def assert_full_marks(graded: Graded) -> None:
    assert graded.score == graded.max_score, {g: s for g, s in graded.grades.items() if s[0] < s[1]}


def assert_mistakes(graded: Graded, questions: dict, mistakes: dict, also_lost=()) -> None:
    """The mistaken questions (and those they spill into) lose exactly their points, with hints."""
    assert_only_lost(graded, *(questions[q] for q in (*mistakes, *also_lost)))
    for q, (_, hint) in mistakes.items():
        gid = questions[q]
        assert hint in graded.output(gid), (gid, graded.output(gid)[-400:])


def fair_grading(
    td: str,
    questions: dict,
    *,
    variants,
    idioms,
    rounded,
    mistakes_a,
    mistakes_b,
    also_lost=None,
    **more_mistakes,
) -> dict:
    """A fair teacher's grading of a TD, as a module's fixture and tests (``globals().update(...)``).

    One nbgrader batch grades every case under every id in ``IDS``: the correct cases (``variants``,
    ``idioms``, ``rounded``: ``{question: code}``) score full marks; each classic mistake
    (``mistakes_a``, ``mistakes_b``: ``{question: (code, hint)}``) loses exactly its points, and
    those of the questions ``also_lost[case]`` it spills into, with its hint. ``more_mistakes`` are
    further mistake cases that the module tests itself through the ``batch`` fixture.
    """
    import pytest

    cases = case_table(
        variants=variants,
        idioms=idioms,
        rounded=rounded,
        mistakes_a=mistakes_a,
        mistakes_b=mistakes_b,
        **more_mistakes,
    )
    spills = also_lost or {}

    @pytest.fixture(scope="module")
    def batch():
        return grade_cases(td, questions, cases, IDS)

    @pytest.mark.parametrize("case", CORRECT_CASES)
    @pytest.mark.parametrize("sid", IDS)
    def test_correct_variants_score_full_marks(batch, case, sid):
        assert_full_marks(batch[f"{case}.{sid}"])

    @pytest.mark.parametrize("case", MISTAKE_CASES)
    @pytest.mark.parametrize("sid", IDS)
    def test_classic_mistakes_lose_exactly_their_points_with_their_hint(batch, case, sid):
        mistakes = mistakes_a if case == "erreurs-a" else mistakes_b
        assert_mistakes(batch[f"{case}.{sid}"], questions, mistakes, spills.get(case, ()))

    return {
        "batch": batch,
        "test_correct_variants_score_full_marks": test_correct_variants_score_full_marks,
        "test_classic_mistakes_lose_exactly_their_points_with_their_hint": (
            test_classic_mistakes_lose_exactly_their_points_with_their_hint
        ),
    }
