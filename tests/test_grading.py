"""The grading machinery on a tiny TD built in memory: full marks, zero, mistakes, warnings."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from parcours.grading.config import Course

pytestmark = pytest.mark.xdist_group("grading")

TD = "td99_mini"


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=0):
    meta = {
        "grade_id": grade_id,
        "solution": solution,
        "grade": grade,
        "locked": locked,
        "schema_version": 3,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def mini_notebook():
    cells = [
        new_markdown_cell("# Mini TD", metadata=_meta("td99_entete", locked=True)),
        new_code_cell(
            "import warnings\nwarnings.filterwarnings('ignore')\nfrom parcours import charger\n"
            "enquete = charger('enquete')",
            metadata=_meta("td99_preparation", locked=True),
        ),
        new_code_cell(
            "### BEGIN SOLUTION\ntaux_reponse = enquete['repondu'].mean() * 100\n### END SOLUTION",
            metadata=_meta("td99_q01_taux_reponse_reponse", solution=True),
        ),
        new_code_cell(
            '"""Vérifie le taux de réponse."""\n'
            "assert 0 <= taux_reponse <= 100, 'Le taux de réponse est un pourcentage.'\n"
            "### BEGIN HIDDEN TESTS\n"
            "from parcours import charger as _charger\n"
            "_attendu = _charger('enquete')['repondu'].mean() * 100\n"
            "assert abs(taux_reponse - _attendu) < 0.01, 'Taux de réponse inexact.'\n"
            "### END HIDDEN TESTS",
            metadata=_meta("td99_q01_taux_reponse", grade=True, locked=True, points=2),
        ),
        new_markdown_cell(
            "### BEGIN SOLUTION\nUne analyse.\n### END SOLUTION",
            metadata=_meta("td99_q02_analyse", solution=True, grade=True, points=3),
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    solutions = tmp_path_factory.mktemp("solutions")
    (solutions / TD).mkdir()
    nbformat.write(mini_notebook(), solutions / TD / f"{TD}.ipynb")
    with Course(TD, solutions=solutions) as c:
        yield c


def test_solution_scores_full_marks(course):
    graded = course.autograde(course.submission(), student="alice")
    assert graded.score == graded.max_score == 2
    assert graded.manual_max_score == 3


def test_released_notebook_hides_solution_and_hidden_tests(course):
    text = course.release_path.read_text(encoding="utf-8")
    assert "VOTRE CODE ICI" in text and "VOTRE RÉPONSE ICI" in text
    assert "_attendu" not in text and "enquete['repondu'].mean() * 100\\n" not in text


def test_blank_notebook_scores_zero(course):
    graded = course.autograde(course.submission(blank=True), student="bob")
    assert graded.score == 0


def test_answer_of_another_student_fails(course):
    from parcours.data import charger

    other = float(charger("enquete", "quelquun_dautre")["repondu"].mean() * 100)
    graded = course.autograde(
        course.submission(replace={"td99_q01_taux_reponse_reponse": f"taux_reponse = {other!r}"}),
        student="carole",
    )
    assert graded.score == 0
    assert "Taux de réponse inexact." in graded.output("td99_q01_taux_reponse")


def test_hidden_tests_use_the_authors_own_data(course):
    from parcours.data import charger

    own = float(charger("enquete", "frank")["repondu"].mean() * 100)
    graded = course.autograde(
        course.submission(replace={"td99_q01_taux_reponse_reponse": f"taux_reponse = {own!r}"}),
        student="frank",
    )
    assert graded.score == 2


def test_visible_hint_is_shown(course):
    graded = course.autograde(
        course.submission(replace={"td99_q01_taux_reponse_reponse": "taux_reponse = 250"}),
        student="david",
    )
    assert graded.grades["td99_q01_taux_reponse"] == (0.0, 2.0)
    assert "Le taux de réponse est un pourcentage." in graded.output("td99_q01_taux_reponse")


def test_warning_in_student_cell_keeps_the_score(course):
    code = (
        "import warnings, sys\nwarnings.simplefilter('always')\n"
        "warnings.warn('colonne obsolète', FutureWarning)\n"
        "print('FutureWarning: bruit', file=sys.stderr)\n"
        "taux_reponse = enquete['repondu'].mean() * 100"
    )
    graded = course.autograde(
        course.submission(replace={"td99_q01_taux_reponse_reponse": code}), student="emma"
    )
    assert graded.score == 2


def test_rebound_builtins_cannot_fool_plain_nbgrader_autograde(course):
    """The course config's Execute step runs the checks in the grader (contract 1)."""
    nb = course.submission(replace={"td99_q01_taux_reponse_reponse": "taux_reponse = 42.0"})
    nb.cells.insert(
        2,
        new_code_cell(
            "import builtins, parcours\nbuiltins.abs = lambda x: 0\n"
            "parcours.charger = lambda *a, **k: None"
        ),
    )
    graded = course.autograde(nb, student="gaston")
    assert graded.score == 0
    out = graded.output("td99_q01_taux_reponse")
    assert "Taux de réponse inexact." in out
    assert "_attendu" not in out and "Traceback" not in out  # no hidden test code leaks


def test_deleted_test_cell_is_restored_and_graded(course):
    from parcours.data import charger

    own = float(charger("enquete", "hugo")["repondu"].mean() * 100)
    nb = course.submission(replace={"td99_q01_taux_reponse_reponse": f"taux_reponse = {own!r}"})
    nb.cells = [
        c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] != "td99_q01_taux_reponse"
    ]
    graded = course.autograde(nb, student="hugo")
    assert graded.grades["td99_q01_taux_reponse"] == (2.0, 2.0)
