"""TD00 « Prise en main », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pytest
from nbgrading import (
    assert_only_lost,
    course,
    fair_grading,
    grade_td,
)

from parcours import charger

pytestmark = pytest.mark.xdist_group("td00")

TD = "td00_prise_en_main"
STUDENT = "etudiant_test"
OTHER = "lea_durand"

Q = {
    1: "td00_q01_panier_moyen",
    2: "td00_q02_nb_reclamations",
    3: "td00_q03_delai_moyen",
    4: "td00_q04_non_resolues",
    5: "td00_q05_nb_par_canal",
    6: "td00_q06_canal_prioritaire",
    7: "td00_q07_gros_achats",
    8: "td00_q08_panier_par_canal",
    9: "td00_q09_graphique",
}


def test_released_notebook_hides_solutions_and_hidden_tests():
    released = course(TD).release_path.read_text(encoding="utf-8")
    assert "VOTRE CODE ICI" in released and "VOTRE RÉPONSE ICI" in released
    for leak in ("BEGIN HIDDEN TESTS", "_charger", "ca_site / nb_commandes\\n", "nlargest(5)"):
        assert leak not in released, leak


def test_answers_copied_from_another_student_fail():
    theirs = charger("reclamations", OTHER)
    mine = charger("reclamations", STUDENT)
    assert len(theirs) != len(mine)
    assert theirs["delai_traitement_jours"].mean() != pytest.approx(
        mine["delai_traitement_jours"].mean(), abs=0.05
    )
    graded = grade_td(
        TD,
        student=STUDENT,
        replace={
            f"{Q[2]}_reponse": f"nb_reclamations = {len(theirs)}",
            f"{Q[3]}_reponse": f"delai_moyen = {theirs['delai_traitement_jours'].mean()!r}",
        },
    )
    assert_only_lost(graded, Q[2], Q[3])
    assert "ne correspond pas à vos données" in graded.output(Q[2])


# --- A fair teacher's grading: every correct variant scores, each classic mistake loses its points.

OTHER_IDIOMS = {  # other idioms, builtin names reused
    1: "ca_site = 2_500\nnb_commandes = 50\nlist = ca_site / nb_commandes\npanier_moyen = list",
    2: "nb_reclamations = reclamations.shape[0]",
    3: "delai_moyen = reclamations.delai_traitement_jours.sum() / "
    "reclamations.delai_traitement_jours.count()",
    4: 'non_resolues = reclamations[~reclamations["resolue"]]\nnb_non_resolues = len(non_resolues)',
    5: 'nb_par_canal = reclamations.groupby("canal", observed=True).size()',
    6: 'canal_prioritaire = "Téléphone "',
    7: 'gros_achats = achats.nlargest(5, "montant")',
    8: (
        "panier_par_canal = {}\n"
        'for canal, groupe in achats.groupby("canal", observed=True):\n'
        '    panier_par_canal[canal] = groupe["montant"].mean()\n'
        "panier_par_canal = pd.Series(panier_par_canal)"
    ),
    9: "fig, ax = plt.subplots()\nax.bar(nb_par_canal.index, nb_par_canal.values)\nplt.show()",
}
ROUNDED = {  # results rounded as the statements allow, a provided table modified
    1: "ca_site = 2500\nnb_commandes = 50\npanier_moyen = round(ca_site / nb_commandes)",
    3: 'delai_moyen = round(reclamations["delai_traitement_jours"].mean(), 1)',
    4: (
        'reclamations["canal"] = reclamations["canal"].astype(str)\n'
        'nb_non_resolues = (reclamations["resolue"] == False).sum()'
    ),
    8: 'panier_par_canal = achats.groupby("canal", observed=True)["montant"].mean().round(2)',
}
MORE_VARIANTS = {
    2: "nb_reclamations = len(reclamations.index)",
    5: 'nb_par_canal = reclamations["canal"].value_counts().sort_index()',
    6: "canal_prioritaire = nb_par_canal.sort_values().index[-1]",
    7: 'gros_achats = achats.sort_values(by=["montant"], ascending=[False])[:5]',
    9: "fig, ax = plt.subplots()\nnb_par_canal.plot(kind='barh', ax=ax)\nplt.show()",
}
MISTAKES_A = {
    1: (
        "ca_site = 2500\nnb_commandes = 50\npanier_moyen = nb_commandes / ca_site",
        "et non l'inverse",
    ),
    3: (
        'delai_moyen = reclamations["delai_traitement_jours"].median()',
        "pas la médiane",
    ),
    5: (
        'nb_par_canal = reclamations["canal"].value_counts(normalize=True)',
        "pas des parts",
    ),
    7: (
        'gros_achats = achats.sort_values("montant").head(5)',
        "du plus gros au moins gros",
    ),
}
MISTAKES_B = {
    2: ("nb_reclamations = reclamations.shape[1]", "compterait les colonnes"),
    4: (
        'non_resolues = reclamations[reclamations["resolue"]]\nnb_non_resolues = len(non_resolues)',
        "Vous avez compté les réclamations résolues",
    ),
    6: ("canal_prioritaire = nb_par_canal.idxmin()", "pas le canal qui reçoit le plus"),
    8: (
        'panier_par_canal = achats.groupby("canal", observed=True)["montant"].sum()',
        "au lieu de la moyenne",
    ),
    9: (
        "fig, ax = plt.subplots()\nplt.show()",
        "Rien n'est tracé sur ax",
    ),
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
