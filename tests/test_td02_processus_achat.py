"""TD02 « Le processus d'achat B2C et B2B », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pytest
from nbgrading import (
    assert_only_lost,
    fair_grading,
    grade_td,
)

from parcours import charger
from parcours.data.scenario import FUNNEL_STAGES

pytestmark = pytest.mark.xdist_group("td02")

TD = "td02_processus_achat"
STUDENT = "etudiant_test"
OTHER = "lea_durand"


def _funnel(student: str) -> list[int]:
    reached = charger("entonnoir", student)["etape_atteinte"]
    return [int((reached >= stage).sum()) for stage in FUNNEL_STAGES]


def _with(answer_id: str, code: str, student: str = STUDENT):
    """Grade the solution with one answer cell replaced by ``code`` (a student's mistake)."""
    return grade_td(TD, student=student, replace={answer_id: code})


def test_copying_another_students_numbers_fails_the_hidden_tests():
    visits = _funnel(OTHER)
    rates = [100 * b / a for a, b in zip(visits, visits[1:], strict=False)]
    purchase = rates[:4]  # fiche produit to commande payée; the review comes after the purchase
    leaky = FUNNEL_STAGES[1 + purchase.index(min(purchase))]
    mine = _funnel(STUDENT)
    assert leaky != FUNNEL_STAGES[1 + min(range(4), key=lambda i: mine[i + 1] / mine[i])]
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
        "td02_q09_taux_victoire_rencontre_reponse": (
            f"taux_victoire_rencontre = {won[deciders['rencontre']].mean() * 100!r}"
        ),
        "td02_q09_taux_victoire_non_rencontre_reponse": (
            f"taux_victoire_non_rencontre = {won[~deciders['rencontre']].mean() * 100!r}"
        ),
        "td02_q10_correlation_reponse": f"correlation_taille_cycle = {size.corr(cycle)!r}",
    }
    graded = grade_td(TD, student=STUDENT, replace=copied)
    # The conversion rates and the chart are computed from the copied visits: they fail too.
    assert_only_lost(
        graded,
        *(gid.removesuffix("_reponse") for gid in copied),
        "td02_q02_taux_passage",
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


@pytest.mark.parametrize("student", [STUDENT, "marc"])
def test_funnel_counts_visits_stopped_at_each_stage_instead_of_reaching_it(student):
    code = 'visites_par_etape = entonnoir["etape_atteinte"].value_counts(sort=False)'
    graded = _with("td02_q01_visites_par_etape_reponse", code, student)
    assert graded.grades["td02_q01_visites_par_etape"] == (0, 2)
    assert "Toutes les visites atteignent l'étape « visite »" in graded.output(
        "td02_q01_visites_par_etape"
    )
    # Rates, leakiest stage and chart build on these counts; the B2B part is untouched.
    for gid in sorted(graded.grades)[4:]:
        score, max_score = graded.grades[gid]
        assert score == max_score, gid


@pytest.mark.parametrize("student", [STUDENT, "marc"])
def test_the_review_is_not_a_leak_of_the_purchase_funnel(student):
    # Few buyers leave a review (erratum 12): its rate is low, and it comes after the purchase.
    visits = dict(zip(FUNNEL_STAGES, _funnel(student), strict=True))
    assert 1 <= visits["avis"] / visits["commande payée"] * 100 <= 12
    graded = _with("td02_q03_etape_fuyante_reponse", 'etape_la_plus_fuyante = "avis"', student)
    assert_only_lost(graded, Q[3])
    assert "L'avis vient après l'achat" in graded.output(Q[3])


def test_win_rates_swapped_lose_each_rate_separately():
    swapped = {
        "td02_q09_taux_victoire_rencontre_reponse": DECIDERS
        + 'taux_victoire_rencontre = gagnee[~decideurs["rencontre"]].mean() * 100',
        "td02_q09_taux_victoire_non_rencontre_reponse": (
            'taux_victoire_non_rencontre = gagnee[decideurs["rencontre"]].mean() * 100'
        ),
    }
    graded = grade_td(TD, student=STUDENT, replace=swapped)
    assert_only_lost(graded, Q["9a"], Q["9b"])
    assert "taux_victoire_rencontre semble inversé" in graded.output(Q["9a"])
    one_right = {k: v for k, v in swapped.items() if "non_rencontre" in k}
    graded = grade_td(TD, student=STUDENT, replace=one_right)  # one value wrong: 1 point of 2
    assert_only_lost(graded, Q["9b"])


# --- A fair teacher's grading: every correct variant scores, each classic mistake loses its points.
# One nbgrader run grades every case below under two student ids.

Q = {
    1: "td02_q01_visites_par_etape",
    2: "td02_q02_taux_passage",
    3: "td02_q03_etape_fuyante",
    4: "td02_q04_graphique",
    5: "td02_q05_types_achat",
    6: "td02_q06_soncas",
    7: "td02_q07_taille_centre",
    8: "td02_q08_roles",
    "9a": "td02_q09_taux_victoire_rencontre",
    "9b": "td02_q09_taux_victoire_non_rencontre",
    10: "td02_q10_correlation",
}
DECIDERS = (
    'decideurs = centre_achat[centre_achat["role"] == "décideur"]\n'
    'gagnee = decideurs["issue"] == "gagnée"\n'
)
DEALS = (
    'affaires = centre_achat.groupby("id_affaire").agg(\n'
    '    nb_personnes=("id_contact", "nunique"),\n'
    '    duree_cycle=("duree_cycle_jours", "first"),\n'
    ")\n"
)
OTHER_IDIOMS = {  # other idioms, text typed loosely, builtin names reused, funnel drawn top-down
    1: (
        'list = entonnoir["etape_atteinte"].value_counts(sort=False)\n'
        "visites_par_etape = list[::-1].cumsum()[::-1]"
    ),
    2: "taux_passage = visites_par_etape.pct_change().add(1).mul(100).iloc[1:]",
    3: (
        "etape_la_plus_fuyante = min(taux_passage.index[:4], key=lambda e: taux_passage[e]).upper()"
    ),
    4: (
        "fig, ax_entonnoir = plt.subplots()\n"
        "ax_entonnoir.barh(ETAPES_ENTONNOIR[::-1], visites_par_etape[::-1])\n"
        "plt.show()"
    ),
    5: (
        'type_achat_1 = "Achat d’investissement"\ntype_achat_2 = "achat indirect "\n'
        'type_achat_3 = "ACHAT DIRECT"'
    ),
    6: 'motif_1 = "securite"\nmotif_2 = "Sympathie"\nmotif_3 = "argent"\nmotif_4 = " orgueil"',
    7: (
        'sum = centre_achat.drop_duplicates(["id_affaire", "id_contact"])\n'
        'taille_centre = sum.groupby("id_affaire").size()'
    ),
    8: 'role_1 = "Prescripteur"\nrole_2 = "filtre"\nrole_3 = "utilisateur"\nrole_4 = "decideur"',
    "9a": DECIDERS
    + (
        'max = decideurs.groupby("rencontre")["issue"].apply(lambda s: (s == "gagnée").mean() * 100)\n'
        "taux_victoire_rencontre = max[True]"
    ),
    "9b": "taux_victoire_non_rencontre = max[False]",
    10: DEALS
    + (
        "import numpy as np\n"
        'correlation_taille_cycle = np.corrcoef(affaires["nb_personnes"], '
        'affaires["duree_cycle"])[0, 1]'
    ),
}
ROUNDED = {  # percentages to one decimal, a correlation to two, a provided table modified
    2: "taux_passage = (visites_par_etape / visites_par_etape.shift(1) * 100).dropna().round(1)",
    7: (
        'centre_achat["role"] = centre_achat["role"].astype(str)\n'
        'taille_centre = centre_achat.groupby("id_affaire")["id_contact"].nunique()'
    ),
    "9a": DECIDERS
    + 'taux_victoire_rencontre = round(gagnee[decideurs["rencontre"]].mean() * 100, 1)',
    "9b": 'taux_victoire_non_rencontre = round(gagnee[~decideurs["rencontre"]].mean() * 100, 1)',
    10: DEALS
    + 'correlation_taille_cycle = round(affaires["nb_personnes"].corr(affaires["duree_cycle"]), 2)',
}
MISTAKES_A = {
    3: (
        'etape_la_plus_fuyante = visites_par_etape.drop("avis").idxmin()',
        "comparez les taux de passage",
    ),
    5: (
        'type_achat_1 = "achat direct"\ntype_achat_2 = "achat indirect"\n'
        'type_achat_3 = "achat d\'investissement"',
        "Situation(s) mal classée(s) : type_achat_1, type_achat_3",
    ),
    7: (
        'taille_centre = centre_achat.groupby("id_affaire").size()',
        "Vous avez compté des lignes, pas des personnes",
    ),
    10: (
        DEALS
        + 'correlation_taille_cycle = round(affaires["nb_personnes"].corr(affaires["duree_cycle"]), 1)',
        "vous avez arrondi trop tôt ?",
    ),
}
MISTAKES_B = {
    2: (
        "taux_passage = (visites_par_etape.shift(1) / visites_par_etape * 100).dropna()",
        "divisez chaque étape par l'étape précédente",
    ),
    4: (
        "fig, ax_entonnoir = plt.subplots()\n"
        "ax_entonnoir.plot(ETAPES_ENTONNOIR, visites_par_etape)\nplt.show()",
        "le vôtre est d'un autre genre",
    ),
    6: (
        'motif_1 = "confort"\nmotif_2 = "sympathie"\nmotif_3 = "argent"\nmotif_4 = "orgueil"',
        "Phrase(s) mal classée(s) : motif_1",
    ),
    8: (
        'role_1 = "influenceur"\nrole_2 = "filtre"\nrole_3 = "utilisateur"\nrole_4 = "décideur"',
        "Personne(s) mal classée(s) : role_1",
    ),
    "9a": (
        DECIDERS + 'taux_victoire_rencontre = gagnee[~decideurs["rencontre"]].mean() * 100',
        "taux_victoire_rencontre semble inversé",
    ),
    "9b": (
        'taux_victoire_non_rencontre = gagnee[decideurs["rencontre"]].mean() * 100',
        "taux_victoire_non_rencontre semble inversé",
    ),
}
# Inverted rates also point at another leakiest stage: Q3 is a finding on the data, not a rounding
# of the student's own rates, so it is lost with them.
ALSO_LOST = {"erreurs-a": (), "erreurs-b": (3,)}
MORE_VARIANTS = {  # a second correct variant for the questions the rounded case does not touch
    1: (
        'visites_par_etape = pd.Series([(entonnoir["etape_atteinte"] >= e).sum() '
        "for e in ETAPES_ENTONNOIR], index=ETAPES_ENTONNOIR)"
    ),
    3: 'etape_la_plus_fuyante = str(taux_passage[taux_passage.index != "avis"].sort_values().index[0])',
    4: "fig, ax_entonnoir = plt.subplots()\nvisites_par_etape.plot.bar(ax=ax_entonnoir)\nplt.show()",
    5: (
        "type_achat_1, type_achat_2, type_achat_3 = "
        '"achat d\'investissement", "Achat indirect", "achat direct"'
    ),
    6: 'motif_1 = "Sécurité"\nmotif_2 = "sympathie"\nmotif_3 = "Argent"\nmotif_4 = "orgueil"',
    8: 'role_1, role_2, role_3, role_4 = ("prescripteur", "Filtre", "utilisateur ", "Décideur")',
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
        also_lost=ALSO_LOST,
    )
)
