"""TD01 « Analyser l'expérience client », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pytest
from nbgrading import (
    assert_only_lost,
    fair_grading,
    grade_td,
)

from parcours import charger

pytestmark = pytest.mark.xdist_group("td01")

TD = "td01_experience_client"
STUDENT = "etudiant_test"
OTHER = "lea_durand"


def _touchpoint_stats(student: str):
    return (
        charger("parcours", student)
        .groupby("point_de_contact", observed=True)["score_experience"]
        .agg(["mean", "size"])
    )


def _with(answer_id: str, code: str):
    """Grade the solution with one answer cell replaced by ``code`` (a student's mistake)."""
    return grade_td(TD, student=STUDENT, replace={answer_id: code})


def test_copying_another_students_numbers_fails_the_hidden_tests():
    ev = charger("parcours", OTHER)
    stats = _touchpoint_stats(OTHER)
    worst = stats[stats["size"] >= 50]["mean"].idxmin()
    assert worst != _touchpoint_stats(STUDENT).pipe(lambda s: s[s["size"] >= 50]["mean"].idxmin())
    courbe = ev.groupby("etape", observed=True)["score_experience"].mean().tolist()
    omni = (ev.groupby("id_client")["canal"].nunique() >= 3).mean() * 100
    personas = ev.groupby("persona", observed=True)["score_experience"].mean().sort_values()
    first = ev.sort_values(["id_parcours", "horodatage"], kind="stable").drop_duplicates(
        "id_parcours"
    )
    digital = first["canal"].isin(["site web", "application", "e-mail", "réseaux sociaux", "chat"])
    copied = {
        "td01_q03_courbe_reponse": f"courbe = pd.Series({courbe!r}, index=ETAPES)",
        "td01_q05_pire_point_de_contact_reponse": f"pire_point_de_contact = {worst!r}",
        "td01_q06_multicanal_reponse": f"part_multicanal = {omni!r}",
        "td01_q07_depart_numerique_reponse": f"part_depart_numerique = {digital.mean() * 100!r}",
        "td01_q08_personas_reponse": f"score_par_persona = pd.Series({personas.to_dict()!r})",
    }
    graded = grade_td(TD, student=STUDENT, replace=copied)
    # The chart plots the copied curve: it fails too.
    assert_only_lost(
        graded, *(gid.removesuffix("_reponse") for gid in copied), "td01_q04_graphique"
    )


def test_worst_touchpoint_without_minimum_count_picks_the_decoy():
    stats = _touchpoint_stats(STUDENT)
    decoy = stats["mean"].idxmin()
    assert stats.loc[decoy, "size"] < 50  # the rare, very badly rated touchpoint
    code = 'pire_point_de_contact = stats["score_moyen"].idxmin()'
    graded = _with("td01_q05_pire_point_de_contact_reponse", code)
    assert_only_lost(graded, "td01_q05_pire_point_de_contact")
    out = graded.output("td01_q05_pire_point_de_contact")
    assert f"« {decoy} » ne compte que {stats.loc[decoy, 'size']} événements" in out
    assert "au moins 50 événements" in out


def test_stages_sorted_by_count_instead_of_journey_order():
    code = 'evenements_par_etape = evenements["etape"].value_counts()'
    graded = _with("td01_q01_etapes_reponse", code)
    assert_only_lost(graded, "td01_q01_etapes")
    assert "utilisez value_counts(sort=False)" in graded.output("td01_q01_etapes")


def test_omnichannel_share_given_as_a_proportion():
    code = 'part_multicanal = (evenements.groupby("id_client")["canal"].nunique() >= 3).mean()'
    graded = _with("td01_q06_multicanal_reponse", code)
    assert_only_lost(graded, "td01_q06_multicanal")
    assert "multipliez par 100" in graded.output("td01_q06_multicanal")


def test_peak_end_with_the_first_score_instead_of_the_last():
    code = (
        'notes = evenements.sort_values("horodatage").groupby("id_parcours")["score_experience"]\n'
        "pic_fin_par_parcours = (notes.min() + notes.first()) / 2"
    )
    graded = _with("td01_q10_pic_fin_parcours_reponse", code)
    assert_only_lost(graded, "td01_q10_pic_fin_parcours")
    assert "ont un score pic-fin inexact" in graded.output("td01_q10_pic_fin_parcours")


# --- A fair teacher's grading: every correct variant scores, each classic mistake loses its points.
# One nbgrader run grades every case below under two student ids.

Q = {
    **{
        n: gid
        for n, gid in enumerate(
            [
                "td01_q01_etapes",
                "td01_q02_points_de_contact",
                "td01_q03_courbe",
                "td01_q04_graphique",
                "td01_q05_pire_point_de_contact",
                "td01_q06_multicanal",
                "td01_q07_depart_numerique",
                "td01_q08_personas",
                "td01_q09_fonction_pic_fin",
                "td01_q10_pic_fin_parcours",
            ],
            start=1,
        )
    },
    "7b": "td01_q07_drive_priorite",
    "11a": "td01_q11_enjeu_a",
    "11b": "td01_q11_enjeu_b",
}
OTHER_IDIOMS = {  # other pandas idioms, text typed loosely, builtin names reused by the student
    1: 'list = evenements["etape"].value_counts()\nevenements_par_etape = list.reindex(ETAPES)',
    2: 'points_de_contact = evenements.groupby(["etape", "canal"], observed=False).size().unstack()',
    3: (
        "courbe = pd.Series({e: evenements.loc[evenements['etape'] == e, 'score_experience']"
        ".mean() for e in ETAPES})"
    ),
    4: ('fig, ax_courbe = plt.subplots()\ncourbe.plot(ax=ax_courbe, marker="o")\nplt.show()'),
    5: (
        'fiables = stats.query("nb_evenements >= @NB_MIN")\n'
        'pire_point_de_contact = fiables.sort_values("score_moyen").index[0].upper()'
        '.replace("–", "-")'
    ),
    6: (
        'canaux_par_client = evenements.groupby("id_client")["canal"].nunique()\n'
        "sum = (canaux_par_client >= 3).sum()\n"
        "part_multicanal = sum / canaux_par_client.size * 100"
    ),
    7: (
        'premiers_evenements = evenements.sort_values("horodatage").drop_duplicates("id_parcours")\n'
        'n = premiers_evenements["canal"].isin(CANAUX_NUMERIQUES).sum()\n'
        "part_depart_numerique = 100 * n / len(premiers_evenements)"
    ),
    8: (
        'moyennes = evenements.groupby("persona", observed=True)["score_experience"].agg("mean")\n'
        "max = moyennes.max()\n"
        "score_par_persona = moyennes.sort_values(ascending=True)"
    ),
    9: "def score_pic_fin(notes):\n    pire = sorted(notes)[0]\n    return (pire + notes[len(notes) - 1]) / 2",
    10: (
        'notes = evenements.sort_values("horodatage").groupby("id_parcours")["score_experience"]\n'
        "pic_fin_par_parcours = notes.agg(lambda s: (s.min() + s.iloc[-1]) / 2)\n"
        "min = pic_fin_par_parcours.min()"
    ),
    "11a": 'enjeu_situation_a = "Outil de management collaboratif "',
    "11b": 'enjeu_situation_b = "outil d’innovation strategique"',
    "7b": 'moment_drive_prioritaire = " Commande en ligne"',
}
ROUNDED = {  # percentages to one decimal, means to two, and the provided table modified
    1: (
        'evenements["etape"] = evenements["etape"].astype(str)\n'
        'evenements_par_etape = evenements["etape"].value_counts().reindex(ETAPES)'
    ),
    3: ('courbe = evenements.groupby("etape")["score_experience"].mean().reindex(ETAPES).round(2)'),
    6: (
        'canaux_par_client = evenements.groupby("id_client")["canal"].nunique()\n'
        "part_multicanal = round((canaux_par_client >= 3).mean() * 100, 1)"
    ),
    7: (
        'premiers_evenements = evenements.sort_values("horodatage").drop_duplicates("id_parcours")\n'
        'part_depart_numerique = round(premiers_evenements["canal"].isin(CANAUX_NUMERIQUES).mean()'
        " * 100, 1)"
    ),
    8: (
        'score_par_persona = evenements.groupby("persona", observed=True)["score_experience"]'
        ".mean().round(2).sort_values()"
    ),
}
MISTAKES_A = {  # independent classic mistakes (question: code, expected hint)
    1: (
        'evenements_par_etape = evenements["etape"].value_counts()',
        "utilisez value_counts(sort=False)",
    ),
    3: (
        'courbe = evenements.groupby("etape", observed=True)["score_experience"].mean().round(1)',
        "vous avez arrondi trop tôt ?",
    ),
    5: ('pire_point_de_contact = stats["score_moyen"].idxmin()', "ne compte que"),
    6: (
        'canaux_par_client = evenements.groupby("id_client")["canal"].nunique()\n'
        "part_multicanal = (canaux_par_client >= 3).mean()",
        "multipliez par 100",
    ),
    8: (
        'score_par_persona = evenements.groupby("persona", observed=True)["score_experience"]'
        ".mean()",
        "Triez les scores du plus faible au plus élevé",
    ),
    "11a": ('enjeu_situation_a = "outil de stratégie marketing"', "Situation A : relisez-la"),
    "7b": ('moment_drive_prioritaire = "trajet"', "la route dépend de l'adresse du client"),
}
MISTAKES_B = {
    2: (
        'points_de_contact = pd.crosstab(evenements["canal"], evenements["etape"])',
        "Le tableau est inversé",
    ),
    4: (
        "fig, ax_courbe = plt.subplots()\nax_courbe.bar(ETAPES, courbe)\nplt.show()",
        "pas avec des barres",
    ),
    7: (
        'premiers_evenements = evenements.sort_values("horodatage").drop_duplicates("id_parcours")\n'
        'part_depart_numerique = evenements["canal"].isin(CANAUX_NUMERIQUES).mean() * 100',
        "Ce pourcentage ne correspond pas à vos données",
    ),
    9: (
        "def score_pic_fin(notes):\n    return sum(notes) / len(notes)",
        "doit valoir 4.5",
    ),
    10: (
        'notes = evenements.sort_values("horodatage").groupby("id_parcours")["score_experience"]\n'
        "pic_fin_par_parcours = (notes.min() + notes.first()) / 2",
        "ont un score pic-fin inexact",
    ),
}
MORE_VARIANTS = {  # a second correct variant for the questions the rounded case does not touch
    2: (
        'points_de_contact = evenements.value_counts(["etape", "canal"]).unstack(fill_value=0)'
        ".reindex(index=ETAPES, columns=CANAUX)"
    ),
    4: (
        "fig, ax_courbe = plt.subplots()\n"
        'ax_courbe.plot(range(8), courbe.values, "o-")\n'
        "ax_courbe.set_xticks(range(8), ETAPES)\n"
        "plt.show()"
    ),
    5: (
        'pire_point_de_contact = str(stats.loc[stats.nb_evenements >= 50, "score_moyen"]'
        ".sort_values().index[0])"
    ),
    9: "import statistics\n\n\ndef score_pic_fin(notes):\n    return statistics.mean([min(notes), notes[-1]])",
    10: (
        'derniers = evenements.sort_values("horodatage").groupby("id_parcours")'
        '["score_experience"].last()\n'
        'pires = evenements.groupby("id_parcours")["score_experience"].min()\n'
        "pic_fin_par_parcours = (pires + derniers) / 2"
    ),
    "11a": 'enjeu_situation_a = "OUTIL DE MANAGEMENT COLLABORATIF"',
    "11b": 'enjeu_situation_b = "Outil d\'innovation stratégique"',
    "7b": 'moment_drive_prioritaire = "commande en ligne".upper()',
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
