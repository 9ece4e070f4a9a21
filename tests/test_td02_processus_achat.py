"""TD02 « Le processus d'achat B2C et B2B », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pytest
from nbgrading import assert_only_lost, grade_td

from parcours import charger
from parcours.scenario import FUNNEL_STAGES

pytestmark = pytest.mark.xdist_group("td02")

TD = "td02_processus_achat"
STUDENT = "etudiant_test"
OTHER = "lea_durand"


def _funnel(student: str) -> list[int]:
    reached = charger("entonnoir", student)["etape_atteinte"]
    return [int((reached >= stage).sum()) for stage in FUNNEL_STAGES]


def _with(answer_id: str, code: str):
    """Grade the solution with one answer cell replaced by ``code`` (a student's mistake)."""
    return grade_td(TD, student=STUDENT, replace={answer_id: code})


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
    assert_only_lost(
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
    assert_only_lost(graded, "td02_q07_taille_centre")
    out = graded.output("td02_q07_taille_centre")
    assert "Vous avez compté des lignes, pas des personnes" in out
    assert "Comptez les contacts distincts avec nunique()" in out


def test_funnel_counts_visits_stopped_at_each_stage_instead_of_reaching_it():
    code = 'visites_par_etape = entonnoir["etape_atteinte"].value_counts(sort=False)'
    graded = _with("td02_q01_visites_par_etape_reponse", code)
    assert graded.grades["td02_q01_visites_par_etape"] == (0, 2)
    assert "Toutes les visites atteignent l'étape « visite »" in graded.output(
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
    assert_only_lost(graded, "td02_q09_taux_victoire")
    assert "Vos deux taux semblent inversés" in graded.output("td02_q09_taux_victoire")
