"""TD04 « Cycle de vie et portefeuille clients », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pandas as pd
import pytest
from nbgrading import (
    IDS,
    assert_mistakes,
    assert_only_lost,
    course,
    fair_grading,
    grade_td,
    solution_code,
)

from parcours import DATE_REFERENCE, charger
from parcours.data import variant_truth

pytestmark = pytest.mark.xdist_group("td04")

TD = "td04_cycle_de_vie"
STUDENT = "etudiant_test"
OTHER = "lea_durand"
AUTOGRADED_POINTS = 18
REF = pd.Timestamp(DATE_REFERENCE)

Q01, Q02, Q03 = "td04_q01_achats", "td04_q02_dates", "td04_q03_statuts"
Q04, Q05 = "td04_q04_effectifs", "td04_q05_graphique"
Q06 = "td04_q06_ca"
Q07A, Q07B, Q07C = "td04_q07_nouveaux", "td04_q07_perdus", "td04_q07_compense"
Q08, Q08B, Q09 = "td04_q08_rfm", "td04_q08_segment_a_relancer", "td04_q09_fidelisation"
Q10, Q11, Q12 = "td04_q10_clv", "td04_q11_campagne", "td04_q12_actions"


def _statuses(student: str) -> pd.Series:
    """The rules stated in the TD, applied outside the notebook."""
    clients = charger("clients", student).set_index("id_client")
    tx = charger("transactions", student)
    first = tx.groupby("id_client")["date_achat"].min().reindex(clients.index)
    last = tx.groupby("id_client")["date_achat"].max().reindex(clients.index)
    recent, lost = REF - pd.DateOffset(months=6), REF - pd.DateOffset(months=12)
    status = pd.Series("actif", index=clients.index, name="statut")
    status[first >= recent] = "nouveau"
    status[last < recent] = "dormant"
    status[(last < lost) | clients["date_depart_signale"].notna()] = "perdu"
    status[last.isna()] = "prospect"
    status[last.isna() & ~clients["qualifie"]] = "suspect"
    return status


def _answers(student: str) -> dict:
    status = _statuses(student)
    tx = charger("transactions", student)
    first = tx.groupby("id_client")["date_achat"].min()
    d = tx["date_achat"]
    lost, before = REF - pd.DateOffset(months=12), REF - pd.DateOffset(months=18)
    cohort = set(tx.loc[(d >= before) & (d < lost), "id_client"])
    kept = cohort & set(tx.loc[d >= lost, "id_client"])
    return {
        "effectifs": status.value_counts().reindex(list(_STATUTS), fill_value=0),
        "nouveaux": int((first >= lost).sum()),
        "perdus": int((status == "perdu").sum()),
        "retention": len(kept) / len(cohort) * 100,
    }


_STATUTS = ("suspect", "prospect", "nouveau", "actif", "dormant", "perdu")


@pytest.mark.parametrize("student", [STUDENT, OTHER, "demo", "x", "dupont.marie", "e42"])
def test_stated_rules_recover_the_planted_statuses(student):
    truth = variant_truth(student)["statuses"].astype(str)
    assert _statuses(student).reindex(truth.index).eq(truth).all()


def test_released_notebook_hides_solutions_and_hidden_tests():
    released = course(TD).release_path.read_text(encoding="utf-8")
    assert "VOTRE CODE ICI" in released and "VOTRE RÉPONSE ICI" in released
    for leak in ("BEGIN HIDDEN TESTS", "_charger", "EFCABD", "est_perdu = a_achete &"):
        assert leak not in released, leak


def test_answers_copied_from_another_student_fail():
    mine, theirs = _answers(STUDENT), _answers(OTHER)
    assert not mine["effectifs"].equals(theirs["effectifs"])
    assert abs(mine["nouveaux"] - theirs["nouveaux"]) > 3 and mine["perdus"] != theirs["perdus"]
    assert abs(mine["retention"] - theirs["retention"]) > 0.5
    counts = ", ".join(str(int(v)) for v in theirs["effectifs"])
    graded = grade_td(
        TD,
        student=STUDENT,
        replace={
            f"{Q04}_reponse": f"effectifs = pd.Series([{counts}], index=STATUTS)",
            f"{Q07A}_reponse": f"nouveaux_annee = {theirs['nouveaux']}",
            f"{Q07B}_reponse": f"perdus_annee = {theirs['perdus']}",
            f"{Q09}_reponse": (
                f"taux_fidelisation = {theirs['retention']!r}\n"
                "taux_churn = 100 - taux_fidelisation\n"
                "duree_vie = 100 / taux_churn if taux_churn else float('inf')"
            ),
        },
    )
    # The chart plots the copied counts, so it goes too; the decisions read from the copied
    # numbers (compensation, CLV, campaign) are fair readings and keep their points.
    assert_only_lost(graded, Q04, Q05, Q07A, Q07B, Q09)
    assert "Les effectifs doivent totaliser toutes les personnes." in graded.output(Q04)
    assert "Le taux de fidélisation ne correspond pas à vos données" in graded.output(Q09)


def test_rfm_scores_do_not_depend_on_row_order_or_on_the_hour_of_purchase():
    # Another correct way: rows shuffled before ranking (ties broken differently) and the recency
    # counted from the time of day (one day less for most clients).
    code = """
rfm = achats[["nb_achats", "ca"]].rename(columns={"nb_achats": "frequence", "ca": "montant"})
rfm = rfm.sample(frac=1, random_state=7)
rfm["recence"] = (date_ref - achats["dernier_achat"]).dt.days
rfm["R"] = pd.qcut(rfm["recence"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
rfm["M"] = pd.qcut(rfm["montant"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
rfm["segment"] = rfm["R"].astype(str) + rfm["F"].astype(str) + rfm["M"].astype(str)
"""
    graded = grade_td(TD, student=STUDENT, replace={f"{Q08}_reponse": code})
    assert graded.score == AUTOGRADED_POINTS


@pytest.mark.parametrize("student", [STUDENT, "marc"])
def test_todays_date_instead_of_the_reference_date_loses_every_dated_item(student):
    today = pd.Timestamp.today().normalize()
    if abs(today - REF) < pd.Timedelta(days=30):
        pytest.skip("today is too close to the reference date for the statuses to differ")
    code = (
        "date_ref = pd.Timestamp.today()\n"
        "limite_actif = date_ref - pd.DateOffset(months=6)\n"
        "limite_perdu = date_ref - pd.DateOffset(months=12)"
    )
    graded = grade_td(TD, student=student, replace={f"{Q02}_reponse": code})
    # Everything counted from the dates is wrong; the purchase summary, the choice of actions
    # and the decisions read from the student's own (wrong) numbers survive.
    assert_only_lost(graded, Q02, Q03, Q04, Q05, Q06, Q07A, Q07B, Q08, Q09)
    assert graded.score == 6
    assert "date de référence DATE_REFERENCE (30/06/2026)" in graded.output(Q02)
    assert "non la date du jour (pd.Timestamp.today())" in graded.output(Q02)
    assert "la date de référence (DATE_REFERENCE, pas la date du jour)" in graded.output(Q03)


# --- A fair teacher's grading: every correct variant scores, each classic mistake loses its points.
# One nbgrader run grades every case below under two student ids.

Q = {
    **dict(enumerate([Q01, Q02, Q03, Q04, Q05, Q06], start=1)),
    "7a": Q07A,
    "7b": Q07B,
    "7c": Q07C,
    8: Q08,
    "8b": Q08B,
    9: Q09,
    10: Q10,
    11: Q11,
    12: Q12,
}
SOL = solution_code(TD)
ACHATS = (
    'achats = transactions.groupby("id_client").agg(\n'
    '    premier_achat=("date_achat", "min"),\n'
    '    dernier_achat=("date_achat", "max"),\n'
    '    nb_achats=("montant", "size"),\n'
    '    ca=("montant", "sum"),\n'
    ")"
)
COHORT = (
    "limite_18m = date_ref - pd.DateOffset(months=18)\n"
    'date_achat = transactions["date_achat"]\n'
    'cohorte = transactions.loc[(date_achat >= limite_18m) & (date_achat < limite_perdu), "id_client"]'
    ".unique()\n"
)
OTHER_IDIOMS = {  # other idioms, achats.reset_index(), descending-rank quintiles, reused builtins
    1: ACHATS + ".reset_index()",
    2: (
        'date_ref = pd.Timestamp("2026-06-30")\n'
        "limite_actif = date_ref - pd.DateOffset(months=6)\n"
        "limite_perdu = date_ref - pd.Timedelta(days=365)"
    ),
    3: SOL[f"{Q03}_reponse"].replace(
        'est_dormant = a_achete & (tableau["dernier_achat"] < limite_actif)',
        'est_dormant = a_achete & ~(tableau["dernier_achat"] >= limite_actif)',
    ),
    4: (
        "list = statut.value_counts()\n"
        "effectifs = pd.Series([list.get(s, 0) for s in STATUTS], index=STATUTS)"
    ),
    5: "fig, ax = plt.subplots()\nax.bar(effectifs.index, effectifs.values)\nplt.show()",
    6: (
        'ca_par_statut = tableau.groupby(statut)["ca"].sum()'
        '.loc[["nouveau", "actif", "dormant", "perdu"]]'
    ),
    "7a": 'nouveaux_annee = len(achats[achats["premier_achat"] >= limite_perdu])',
    "7b": 'perdus_annee = statut.eq("perdu").sum()',
    "7c": "compense = bool(nouveaux_annee >= perdus_annee)\nsum = nouveaux_annee + perdus_annee",
    "8b": 'segment_a_relancer = segments.sort_values("ca").index[-1]',
    8: SOL[f"{Q08}_reponse"]
    .replace(
        'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])',
        'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first", ascending=False), 5, '
        "labels=[5, 4, 3, 2, 1])",
    )
    .replace(
        'rfm["M"] = pd.qcut(rfm["montant"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])',
        'rfm["M"] = pd.qcut(rfm["montant"].rank(method="first", ascending=False), 5, '
        "labels=[5, 4, 3, 2, 1])",
    ),
    9: COHORT
    + (
        'retenus = set(cohorte) & set(transactions.loc[date_achat >= limite_perdu, "id_client"])\n'
        "taux_fidelisation = len(retenus) / len(cohorte) * 100\n"
        "taux_churn = 100 - taux_fidelisation\n"
        "duree_vie = 1 / (taux_churn / 100)\n"
        "max = duree_vie"
    ),
    10: (
        "MARGE, ACTUALISATION = 40, 0.1\n"
        "r = 1 - taux_churn / 100\n"
        "clv = MARGE * r / (1 + ACTUALISATION - r)"
    ),
    11: 'reponse_campagne = "Oui" if clv >= 130 else "Non "',
    12: (
        'actions = {"suspect": "e", "prospect": "F ", "nouveau": "c", "actif": "A", '
        '"dormant": "b", "perdu": "D"}'
    ),
}
ROUNDED = {  # money to the euro, rates and years to one decimal, a provided table reordered
    1: 'transactions = transactions.sort_values("montant", ascending=False)\n' + ACHATS,
    6: (
        'ca_par_statut = tableau["ca"].groupby(statut).sum()'
        '.reindex(["nouveau", "actif", "dormant", "perdu"]).round(0)'
    ),
    9: COHORT
    + (
        'acheteurs_annee = transactions.loc[date_achat >= limite_perdu, "id_client"]\n'
        "taux_fidelisation = round(pd.Series(cohorte).isin(acheteurs_annee).mean() * 100, 1)\n"
        "taux_churn = round(100 - taux_fidelisation, 1)\n"
        "duree_vie = round(100 / taux_churn, 1)"
    ),
    10: "clv = round(40 * (taux_fidelisation / 100) / (1.10 - taux_fidelisation / 100))",
}
MISTAKES_A = {
    4: ("effectifs = statut.value_counts()", "effectifs doit suivre l'ordre du cycle de vie"),
    5: ("fig, ax = plt.subplots()\neffectifs.plot.barh(ax=ax)\nplt.show()", "barres verticales"),
    8: (
        SOL[f"{Q08}_reponse"].replace(
            'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])',
            'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1])',
        ),
        "F = 5 doit aller aux clients qui achètent le plus souvent",
    ),
    "7c": ("compense = nouveaux_annee < perdus_annee", "comparez vos deux nombres"),
    11: (
        'reponse_campagne = "non" if clv > 130 else "oui"',
        "Comparez-la à ce qu'il coûte à recruter",
    ),
    12: (
        'actions = {"suspect": "E", "prospect": "F", "nouveau": "C", "actif": "A", '
        '"dormant": "D", "perdu": "B"}',
        "L'action choisie ne convient pas pour 2 statut(s)",
    ),
}
MISTAKES_B = {
    6: (
        'ca_par_statut = tableau["ca"].groupby(statut).sum()'
        '.reindex(["actif", "nouveau", "dormant", "perdu"])',
        "ca_par_statut doit suivre l'ordre nouveau, actif, dormant, perdu",
    ),
    "7b": (
        'perdus_annee = int((achats["dernier_achat"] < limite_perdu).sum())',
        "perdus_annee ne correspond pas à vos données",
    ),
    "8b": (
        'segment_a_relancer = segments["nb_clients"].idxmax()',
        "relisez la colonne ca du tableau des segments",
    ),
    10: (
        "MARGE = 40\nACTUALISATION = 0.10\nclv = MARGE / (1 + ACTUALISATION - taux_fidelisation / 100)",
        "celle du cours multiplie aussi par r",
    ),
    9: (
        COHORT.replace("(date_achat >= limite_18m) & ", "")
        + 'acheteurs_annee = transactions.loc[date_achat >= limite_perdu, "id_client"]\n'
        "taux_fidelisation = pd.Series(cohorte).isin(acheteurs_annee).mean() * 100\n"
        "taux_churn = 100 - taux_fidelisation\n"
        "duree_vie = 100 / taux_churn",
        "Le taux de fidélisation ne correspond pas à vos données",
    ),
}
MORE_VARIANTS = {  # a second correct variant for the questions the rounded case does not touch
    2: (
        "date_ref = pd.to_datetime(DATE_REFERENCE)\n"
        "limite_actif = date_ref - pd.offsets.DateOffset(months=6)\n"
        "limite_perdu = date_ref - pd.offsets.DateOffset(years=1)"
    ),
    3: SOL[f"{Q03}_reponse"].replace(
        'est_nouveau = a_achete & (tableau["premier_achat"] >= limite_actif)',
        'est_nouveau = tableau["premier_achat"].ge(limite_actif)',
    ),
    4: (
        "effectifs = pd.Series(pd.Categorical(statut, categories=STATUTS)).value_counts(sort=False)"
    ),
    5: "fig, ax = plt.subplots()\nax.bar(STATUTS, [effectifs[s] for s in STATUTS])\nplt.show()",
    "7a": "nouveaux_annee = (achats.premier_achat >= limite_perdu).sum()",
    "7b": 'perdus_annee = (statut == "perdu").sum()',
    "7c": "compense = not (nouveaux_annee < perdus_annee)",
    "8b": "segment_a_relancer = str(segments.sort_values('ca', ascending=False).index[0])",
    11: 'reponse_campagne = ["non", "oui"][int(clv > 130)]',
    8: SOL[f"{Q08}_reponse"].replace(
        'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])'
        ".astype(int)",
        'rfm["F"] = pd.qcut(rfm["frequence"].rank(method="first"), q=[0, 0.2, 0.4, 0.6, 0.8, 1], '
        "labels=False) + 1",
    ),
    12: 'actions = dict(suspect="E", prospect="F", nouveau="C", actif="A", dormant="B", perdu="D")',
}
# The average basket instead of the revenue: the purchase summary is wrong, and so are the two
# items built on its `ca` column (revenue by status, the M of RFM); the statuses stay right.
MISTAKE_ACHATS = {
    1: (
        ACHATS.replace('ca=("montant", "sum")', 'ca=("montant", "mean")'),
        "Le chiffre d'affaires par client (somme des montants) est inexact.",
    )
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
        **{"erreur-achats": MISTAKE_ACHATS},
    )
)


@pytest.mark.parametrize("sid", IDS)
def test_average_basket_instead_of_revenue_spills_into_revenue_items_only(batch, sid):
    graded = batch[f"erreur-achats.{sid}"]
    assert_mistakes(graded, Q, MISTAKE_ACHATS, also_lost=(6, 8))
    assert graded.score == AUTOGRADED_POINTS - 4
    assert "Les colonnes frequence et montant ne correspondent pas" in graded.output(Q08)
    assert "additionnez la colonne ca par statut" in graded.output(Q06)
