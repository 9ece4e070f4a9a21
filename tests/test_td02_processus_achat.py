"""TD02 « Le processus d'achat B2C et B2B », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrading import course, grade_td

from parcours import charger
from parcours.scenario import FUNNEL_STAGES

pytestmark = pytest.mark.xdist_group("td02")

TD = "td02_processus_achat"
SOURCE = Path(__file__).parents[1] / "solutions" / TD / f"{TD}.ipynb"
STUDENT = "etudiant_test"
OTHER = "lea_durand"
AUTOGRADED_POINTS = 14
MANUAL_POINTS = 3


def _lost(graded, *grade_ids: str) -> None:
    """Exactly the named items score 0; every other item keeps full marks."""
    for gid, (score, max_score) in graded.grades.items():
        assert score == (0 if gid in grade_ids else max_score), (gid, score, max_score)
    lost = sum(graded.grades[g][1] for g in grade_ids)
    assert graded.score == graded.max_score - lost


def _between(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and len(line.strip()) > 3:
            lines.append(line.strip())
    return lines


def _funnel(student: str) -> list[int]:
    reached = charger("entonnoir", student)["etape_atteinte"]
    return [int((reached >= stage).sum()) for stage in FUNNEL_STAGES]


def _with(answer_id: str, code: str):
    """Grade the solution with one answer cell replaced by ``code`` (a student's mistake)."""
    return grade_td(TD, student=STUDENT, replace={answer_id: code})


@pytest.fixture(scope="module")
def solution():
    return grade_td(TD, student=STUDENT)


def test_source_notebook_is_clean_and_follows_the_conventions():
    nb = nbformat.read(SOURCE, as_version=4)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    meta = {c.id: c.metadata.get("nbgrader", {}) for c in nb.cells}
    assert all(meta.values()), "every cell carries nbgrader metadata"
    grade_ids = {m["grade_id"] for m in meta.values()}
    tests = [c for c in nb.cells if c.metadata["nbgrader"]["grade"] and c.cell_type == "code"]
    assert 8 <= len(tests) + 1 <= 12
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    for cell in tests:
        gid = cell.metadata["nbgrader"]["grade_id"]
        assert gid.startswith("td02_q") and f"{gid}_reponse" in grade_ids
        assert cell.source.startswith('"""Vérifie ')
        assert "### BEGIN HIDDEN TESTS" in cell.source
        assert cell.metadata["nbgrader"]["locked"]
    assert sum(c.metadata["nbgrader"].get("points", 0) for c in tests) == AUTOGRADED_POINTS


def test_released_notebook_hides_solutions_and_hidden_tests():
    source = {c.id: c for c in nbformat.read(SOURCE, as_version=4).cells}
    released = nbformat.read(course(TD).release_path, as_version=4)
    assert [c.id for c in released.cells] == list(source)
    for cell in released.cells:
        hidden = _between(source[cell.id].source, "BEGIN SOLUTION", "END SOLUTION")
        hidden += _between(source[cell.id].source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        for line in hidden:
            assert line not in cell.source, (cell.id, line)
    text = course(TD).release_path.read_text(encoding="utf-8")
    assert "VOTRE CODE ICI" in text and "VOTRE RÉPONSE ICI" in text


def test_solution_scores_full_marks(solution):
    assert solution.max_score == AUTOGRADED_POINTS
    assert solution.score == AUTOGRADED_POINTS
    assert solution.manual_max_score == MANUAL_POINTS


def test_blank_notebook_scores_zero():
    graded = grade_td(TD, student=STUDENT, blank=True)
    assert graded.max_score == AUTOGRADED_POINTS
    assert graded.score == 0
    assert all(score == 0 for score, _ in graded.grades.values())


def test_solution_scores_full_marks_for_another_student():
    graded = grade_td(TD, student=OTHER)
    assert graded.score == graded.max_score == AUTOGRADED_POINTS


def test_copying_another_students_numbers_fails_the_hidden_tests():
    visits = _funnel(OTHER)
    rates = [100 * b / a for a, b in zip(visits, visits[1:], strict=False)]
    leaky = FUNNEL_STAGES[1 + rates.index(min(rates))]
    mine = _funnel(STUDENT)
    assert leaky != FUNNEL_STAGES[1 + min(range(5), key=lambda i: mine[i + 1] / mine[i])]
    deals = charger("centre_achat", OTHER)
    size = deals.groupby("id_affaire")["id_contact"].nunique()
    cycle = deals.groupby("id_affaire")["duree_cycle_jours"].first()
    deciders = deals[deals["role"] == "décideur"]
    won = deciders["issue"] == "gagnée"
    copied = {
        "td02_q01_visites_par_etape_reponse": (
            f"visites_par_etape = pd.Series({visits!r}, index=ETAPES_ENTONNOIR)"
        ),
        "td02_q03_etape_fuyante_reponse": f"etape_la_plus_fuyante = {leaky!r}",
        "td02_q07_taille_centre_reponse": f"taille_centre = pd.Series({size.to_dict()!r})",
        "td02_q09_taux_victoire_reponse": (
            f"taux_victoire_rencontre = {won[deciders['rencontre']].mean() * 100!r}\n"
            f"taux_victoire_non_rencontre = {won[~deciders['rencontre']].mean() * 100!r}"
        ),
        "td02_q10_correlation_reponse": f"correlation_taille_cycle = {size.corr(cycle)!r}",
    }
    graded = grade_td(TD, student=STUDENT, replace=copied)
    # The conversion rates and the chart are computed from the copied visits: they fail too.
    _lost(
        graded,
        *(gid.removesuffix("_reponse") for gid in copied),
        "td02_q02_taux_conversion",
        "td02_q04_graphique",
    )


def test_buying_center_size_counted_in_rows_instead_of_people():
    deals = charger("centre_achat", STUDENT)
    rows = deals.groupby("id_affaire").size()
    people = deals.groupby("id_affaire")["id_contact"].nunique()
    assert (rows > people).any()  # the planted trap: one person, several roles
    code = 'taille_centre = centre_achat.groupby("id_affaire").size()'
    graded = _with("td02_q07_taille_centre_reponse", code)
    _lost(graded, "td02_q07_taille_centre")
    out = graded.output("td02_q07_taille_centre")
    assert "Vous avez compté des lignes, pas des personnes" in out
    assert "Comptez les contacts distincts avec nunique()" in out


def test_funnel_counts_visits_stopped_at_each_stage_instead_of_reaching_it():
    code = 'visites_par_etape = entonnoir["etape_atteinte"].value_counts(sort=False)'
    graded = _with("td02_q01_visites_par_etape_reponse", code)
    assert graded.grades["td02_q01_visites_par_etape"] == (0, 2)
    assert "Toutes les visites atteignent l'étape « besoin »" in graded.output(
        "td02_q01_visites_par_etape"
    )
    # Rates, leakiest stage and chart build on these counts; the B2B part is untouched.
    for gid in sorted(graded.grades)[4:]:
        score, max_score = graded.grades[gid]
        assert score == max_score, gid


def test_win_rates_swapped():
    code = (
        'decideurs = centre_achat[centre_achat["role"] == "décideur"]\n'
        'gagnee = decideurs["issue"] == "gagnée"\n'
        'taux_victoire_rencontre = gagnee[~decideurs["rencontre"]].mean() * 100\n'
        'taux_victoire_non_rencontre = gagnee[decideurs["rencontre"]].mean() * 100'
    )
    graded = _with("td02_q09_taux_victoire_reponse", code)
    _lost(graded, "td02_q09_taux_victoire")
    assert "Vos deux taux semblent inversés" in graded.output("td02_q09_taux_victoire")
