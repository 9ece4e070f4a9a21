"""TD03 « Mesurer la satisfaction client », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pandas as pd
import pytest
from nbgrading import assert_only_lost, course, grade_td

from parcours import charger

pytestmark = pytest.mark.xdist_group("td03")

TD = "td03_satisfaction"
STUDENT = "etudiant_test"
OTHER = "lea_durand"
AUTOGRADED_POINTS = 16

Q01, Q02, Q03, Q04 = "td03_q01_taux_reponse", "td03_q02_nps_global", "td03_q03_csat", "td03_q04_ces"
Q05, Q06, Q09 = "td03_q05_nps_par_canal", "td03_q06_graphique", "td03_q09_traitement"


def _indicators(student: str) -> dict[str, float]:
    """The numeric answers of one student, computed outside the notebook."""
    e = charger("enquete", student)
    r = charger("reclamations", student)
    rep = e[e["repondu"]]
    nps = rep["note_nps"].astype(int)
    ces = rep["note_ces"].astype(int)
    return {
        "taux_reponse": e["repondu"].mean() * 100,
        "nps_global": ((nps >= 9).mean() - (nps <= 6).mean()) * 100,
        "csat": (rep["note_csat"] >= 4).mean() * 100,
        "ces_moyen": ces.mean(),
        "part_facile": (ces >= 5).mean() * 100,
        "delai_median": r.loc[r["date_cloture"].notna(), "delai_traitement_jours"].median(),
        "taux_resolution": r["resolue"].mean() * 100,
    }


SOLUTION_NPS = """
def calcul_nps(notes):
    return ((notes >= 9).mean() - (notes <= 6).mean()) * 100
"""


def test_released_notebook_hides_solutions_and_hidden_tests():
    released = course(TD).release_path.read_text(encoding="utf-8")
    assert "VOTRE CODE ICI" in released and "VOTRE RÉPONSE ICI" in released
    for leak in (
        "BEGIN HIDDEN TESTS",
        "_charger",
        "(notes <= 6).mean()",
        'reponse_q10 = \\"B\\"',
        "Deloitte",
    ):
        assert leak not in released, leak


def test_answers_copied_from_another_student_fail():
    mine, theirs = _indicators(STUDENT), _indicators(OTHER)
    for name, value in mine.items():  # the copy must be detectable with the tests' tolerances
        assert abs(value - theirs[name]) > 0.02, name
    graded = grade_td(
        TD,
        student=STUDENT,
        replace={
            f"{Q01}_reponse": f"taux_reponse = {theirs['taux_reponse']!r}",
            f"{Q02}_reponse": SOLUTION_NPS + f"nps_global = {theirs['nps_global']!r}",
            f"{Q03}_reponse": f"csat = {theirs['csat']!r}",
            f"{Q04}_reponse": (
                f"ces_moyen = {theirs['ces_moyen']!r}\npart_facile = {theirs['part_facile']!r}"
            ),
            f"{Q09}_reponse": (
                f"delai_median = {theirs['delai_median']!r}\n"
                f"taux_resolution = {theirs['taux_resolution']!r}"
            ),
        },
    )
    assert_only_lost(graded, Q01, Q02, Q03, Q04, Q09)
    assert "Le taux de réponse ne correspond pas à vos données" in graded.output(Q01)
    assert "Le NPS global ne correspond pas à vos données" in graded.output(Q02)


def test_nps_with_detractors_from_0_to_7_loses_the_nps_items():
    code = """
def calcul_nps(notes):
    part_promoteurs = (notes >= 9).mean() * 100
    part_detracteurs = (notes <= 7).mean() * 100
    return part_promoteurs - part_detracteurs


nps_global = calcul_nps(repondants["note_nps"])
"""
    graded = grade_td(TD, student=STUDENT, replace={f"{Q02}_reponse": code})
    # The same function feeds the NPS by channel and its chart.
    assert_only_lost(graded, Q02, Q05, Q06)
    assert graded.score == AUTOGRADED_POINTS - 5
    out = graded.output(Q02)
    assert "le NPS vaut 50 − 20 = 30 et votre fonction donne 20" in out
    assert "détracteurs de 0 à 6, passifs 7 et 8" in out


def test_csat_as_a_mean_of_scores_loses_the_csat_item():
    graded = grade_td(
        TD, student=STUDENT, replace={f"{Q03}_reponse": 'csat = repondants["note_csat"].mean()'}
    )
    assert_only_lost(graded, Q03)
    assert graded.score == AUTOGRADED_POINTS - 1
    assert "pas la moyenne des notes de 1 à 5" in graded.output(Q03)


def test_ces_read_in_the_wrong_direction_loses_the_ces_item():
    code = (
        'ces_moyen = repondants["note_ces"].mean()\n'
        'part_facile = (repondants["note_ces"] <= 3).mean() * 100'
    )
    graded = grade_td(TD, student=STUDENT, replace={f"{Q04}_reponse": code})
    assert_only_lost(graded, Q04)
    assert graded.score == AUTOGRADED_POINTS - 2
    assert "plus la note est haute, plus c'était facile" in graded.output(Q04)


def test_pandas_warnings_in_student_cells_do_not_change_the_score():
    # A one-element Series makes the test cell's float(nps_global) raise a real pandas
    # FutureWarning on stderr, once the student has switched warnings back on.
    with pytest.warns(FutureWarning):
        float(pd.Series([1.0]))
    code = SOLUTION_NPS + (
        "import warnings\n"
        "warnings.resetwarnings()\n"
        "warnings.simplefilter('always')\n"
        "warnings.warn('Cette méthode est obsolète.', FutureWarning)\n"
        'nps_global = pd.Series([calcul_nps(repondants["note_nps"])])\n'
    )
    graded = grade_td(TD, student=STUDENT, replace={f"{Q02}_reponse": code})
    assert graded.score == AUTOGRADED_POINTS
    cell = next(
        c for c in graded.notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == Q02
    )
    assert not any(o.get("name") == "stderr" for o in cell.outputs)
