"""TD03 « Mesurer la satisfaction client », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pandas as pd
import pytest
from nbgrading import (
    assert_only_lost,
    course,
    fair_grading,
    grade_td,
)

from parcours import charger

pytestmark = pytest.mark.xdist_group("td03")

TD = "td03_satisfaction"
STUDENT = "etudiant_test"
OTHER = "lea_durand"
AUTOGRADED_POINTS = 16

Q01, Q02, Q03 = "td03_q01_taux_reponse", "td03_q02_nps_global", "td03_q03_csat"
Q04A, Q04B = "td03_q04_ces_moyen", "td03_q04_part_facile"
Q05, Q05B, Q06 = "td03_q05_nps_par_canal", "td03_q05_canal_faible", "td03_q06_graphique"
Q09A, Q09B = "td03_q09_delai_median", "td03_q09_taux_resolution"


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
            f"{Q04A}_reponse": f"ces_moyen = {theirs['ces_moyen']!r}",
            f"{Q04B}_reponse": f"part_facile = {theirs['part_facile']!r}",
            f"{Q09A}_reponse": f"delai_median = {theirs['delai_median']!r}",
            f"{Q09B}_reponse": f"taux_resolution = {theirs['taux_resolution']!r}",
        },
    )
    assert_only_lost(graded, Q01, Q02, Q03, Q04A, Q04B, Q09A, Q09B)
    assert "Le taux de réponse ne correspond pas à vos données" in graded.output(Q01)
    assert "Le NPS global ne correspond pas à vos données" in graded.output(Q02)


@pytest.mark.parametrize("student", [STUDENT, "marc"])
def test_nps_with_detractors_from_0_to_7_loses_the_nps_items(student):
    code = """
def calcul_nps(notes):
    part_promoteurs = (notes >= 9).mean() * 100
    part_detracteurs = (notes <= 7).mean() * 100
    return part_promoteurs - part_detracteurs


nps_global = calcul_nps(repondants["note_nps"])
"""
    graded = grade_td(TD, student=student, replace={f"{Q02}_reponse": code})
    # The same function feeds the NPS by channel and its chart; the channel read from the
    # student's own table is still the right decision.
    assert_only_lost(graded, Q02, Q05, Q06)
    assert graded.score == AUTOGRADED_POINTS - 4
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


def test_ces_read_in_the_wrong_direction_loses_only_the_easy_share():
    code = 'part_facile = (repondants["note_ces"] <= 3).mean() * 100'
    graded = grade_td(TD, student=STUDENT, replace={f"{Q04B}_reponse": code})
    assert_only_lost(graded, Q04B)
    assert graded.score == AUTOGRADED_POINTS - 1
    assert "plus la note est haute, plus c'était facile" in graded.output(Q04B)


def test_one_of_two_values_right_scores_its_point():
    """Q9 asks for two values: a wrong median keeps the resolution rate's point."""
    code = 'delai_median = reclamations["delai_traitement_jours"].mean()'
    graded = grade_td(TD, student=STUDENT, replace={f"{Q09A}_reponse": code})
    assert_only_lost(graded, Q09A)
    assert graded.grades[Q09B] == (1, 1)


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


# --- A fair teacher's grading: every correct variant scores, each classic mistake loses its points.
# One nbgrader run grades every case below under two student ids.

Q = {
    1: Q01,
    2: Q02,
    3: Q03,
    "4a": Q04A,
    "4b": Q04B,
    "5a": Q05,
    "5b": Q05B,
    6: Q06,
    "7a": "td03_q07_ecarts",
    "7b": "td03_q07_attribut_prioritaire",
    "8a": "td03_q08_part_cumulee",
    "8b": "td03_q08_motifs_80",
    "9a": Q09A,
    "9b": Q09B,
    10: "td03_q10_strategie",
}
NPS_LOOP = """
def calcul_nps(notes):
    n = len(notes)
    promoteurs = sum(1 for x in notes if x >= 9)
    detracteurs = sum(1 for x in notes if x <= 6)
    return (promoteurs - detracteurs) / n * 100


nps_global = calcul_nps(repondants["note_nps"])
"""
GAPS = """
ecarts = {}
for attribut in ATTRIBUTS:
    ecarts[attribut] = (repondants[f"%s_{attribut}"] - repondants[f"%s_{attribut}"]).mean()
ecarts = pd.Series(ecarts, dtype=float).sort_values()%s
"""
OTHER_IDIOMS = {  # other idioms, text typed loosely, builtin names reused
    1: 'list = enquete["repondu"].value_counts(normalize=True)\ntaux_reponse = list[True] * 100',
    2: NPS_LOOP,
    3: 'csat = repondants["note_csat"].isin([4, 5]).sum() / len(repondants) * 100',
    "4a": 'ces_moyen = repondants["note_ces"].astype(float).mean()',
    "4b": 'part_facile = 100 * (repondants["note_ces"] > 4).mean()',
    "5a": (
        "nps_par_canal = pd.Series({c: calcul_nps(g['note_nps']) for c, g in "
        "repondants.groupby('canal', observed=True)}).sort_values(ascending=True)"
    ),
    "5b": "canal_faible = nps_par_canal.index[0].capitalize()",
    6: "fig, ax = plt.subplots()\nax.barh(nps_par_canal.index, nps_par_canal.values)\nplt.show()",
    "7a": (
        "ecarts = {}\n"
        "for attribut in ATTRIBUTS:\n"
        '    diff = repondants[f"perception_{attribut}"] - repondants[f"attente_{attribut}"]\n'
        "    ecarts[attribut] = diff.sum() / diff.count()\n"
        "ecarts = pd.Series(ecarts, dtype=float)\n"
        "max = ecarts.max()"
    ),
    "7b": "attribut_plus_gros_ecart = ecarts.sort_values().index[0].upper()",
    "8a": (
        'nb_par_motif = reclamations["motif"].value_counts()\n'
        "part_cumulee = (nb_par_motif / nb_par_motif.sum()).cumsum() * 100"
    ),
    "8b": (
        "motifs_80 = []\n"
        "for motif, part in part_cumulee.items():\n"
        "    motifs_80.append(motif)\n"
        "    if part >= 80:\n"
        "        break"
    ),
    "9a": (
        'cloturees = reclamations.dropna(subset=["date_cloture"])\n'
        'delai_median = cloturees["delai_traitement_jours"].quantile(0.5)\n'
        "min = delai_median"
    ),
    "9b": 'taux_resolution = 100 * reclamations["resolue"].sum() / len(reclamations)',
    10: 'reponse_q10 = " b"',
}
ROUNDED = {  # percentages to one decimal, means to two, a provided table modified
    1: (
        'enquete["canal"] = enquete["canal"].astype(str)\n'
        'taux_reponse = round(enquete["repondu"].mean() * 100, 1)'
    ),
    2: SOLUTION_NPS + 'nps_global = round(calcul_nps(repondants["note_nps"]), 1)',
    3: 'csat = round((repondants["note_csat"] >= 4).mean() * 100, 1)',
    "4a": 'ces_moyen = round(repondants["note_ces"].mean(), 2)',
    "4b": 'part_facile = round((repondants["note_ces"] >= 5).mean() * 100, 1)',
    "5a": (
        'nps_par_canal = repondants.groupby("canal", observed=True)["note_nps"]'
        ".apply(calcul_nps).round(1).sort_values()"
    ),
    "5b": 'canal_faible = "  " + str(nps_par_canal.idxmin())',
    "7a": GAPS % ("perception", "attente", ".round(2)"),
    "7b": "attribut_plus_gros_ecart = ecarts.idxmin()",
    "8a": (
        'nb_par_motif = reclamations["motif"].value_counts()\n'
        "part_cumulee = (nb_par_motif.cumsum() / nb_par_motif.sum() * 100).round(1)"
    ),
    "8b": "motifs_80 = list(part_cumulee.index[: (part_cumulee < 80).sum() + 1])",
    "9a": 'delai_median = round(reclamations["delai_traitement_jours"].median(), 1)',
    "9b": 'taux_resolution = round(reclamations["resolue"].mean() * 100, 1)',
}
MISTAKES_A = {
    3: ('csat = repondants["note_csat"].mean()', "pas la moyenne des notes de 1 à 5"),
    "4b": (
        'part_facile = round((repondants["note_ces"] >= 5).mean() * 100)',
        "vous avez arrondi trop tôt ?",
    ),
    "5a": (
        'nps_par_canal = repondants.groupby("canal", observed=True)["note_nps"]'
        ".apply(calcul_nps).sort_values(ascending=False)",
        "triée du plus faible au plus fort NPS",
    ),
    "7b": ("attribut_plus_gros_ecart = ecarts.idxmax()", "pas le plus grand écart positif"),
    10: ('reponse_q10 = "A"', "Ce dispositif ne convient pas"),
}
MISTAKES_B = {
    1: ('taux_reponse = enquete["repondu"].mean()', "pas en proportion : multipliez par 100"),
    "5b": ("canal_faible = nps_par_canal.index[-1]", "Ce n'est pas le canal dont le NPS"),
    6: (
        "fig, ax = plt.subplots()\nnps_par_canal.plot.bar(ax=ax)\nplt.show()",
        "se trace en barres horizontales",
    ),
    # Gaps computed the wrong way round: the attribute read from them is still a fair reading.
    "7a": (GAPS % ("attente", "perception", ""), "faites perception − attente"),
    "8b": (
        "motifs_80 = list(part_cumulee[part_cumulee < 80].index)",
        "jusqu'au premier dont la part cumulée atteint ou dépasse 80 %",
    ),
    "9a": (
        'delai_median = reclamations["delai_traitement_jours"].mean()',
        "Le délai médian ne correspond pas à vos données",
    ),
}
MORE_VARIANTS = {  # a second correct variant for the questions the rounded case does not touch
    2: (
        "def calcul_nps(notes):\n"
        "    return 100 * (notes.ge(9).sum() - notes.le(6).sum()) / notes.count()\n\n\n"
        'nps_global = calcul_nps(repondants["note_nps"])'
    ),
    6: "fig, ax = plt.subplots()\nax.barh(list(nps_par_canal.index), list(nps_par_canal))\nplt.show()",
    10: 'reponse_q10 = "b"',
}
globals().update(
    fair_grading(
        TD,
        Q,
        variants=MORE_VARIANTS,
        idioms=OTHER_IDIOMS,
        rounded=ROUNDED,
        mistakes_a=MISTAKES_A,
        mistakes_b=MISTAKES_B,
    )
)
