"""TD01 « Analyser l'expérience client », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

import pytest
from nbgrading import assert_only_lost, grade_td

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
    digital = first["canal"].isin(["site web", "application", "email", "réseaux sociaux", "chat"])
    copied = {
        "td01_q03_courbe_reponse": f"courbe = pd.Series({courbe!r}, index=ETAPES)",
        "td01_q05_pire_point_de_contact_reponse": f"pire_point_de_contact = {worst!r}",
        "td01_q06_omnicanal_reponse": f"part_omnicanal = {omni!r}",
        "td01_q07_depart_digital_reponse": f"part_depart_digital = {digital.mean() * 100!r}",
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
    code = 'part_omnicanal = (evenements.groupby("id_client")["canal"].nunique() >= 3).mean()'
    graded = _with("td01_q06_omnicanal_reponse", code)
    assert_only_lost(graded, "td01_q06_omnicanal")
    assert "multipliez par 100" in graded.output("td01_q06_omnicanal")


def test_peak_end_with_the_first_score_instead_of_the_last():
    code = (
        'notes = evenements.sort_values("horodatage").groupby("id_parcours")["score_experience"]\n'
        "pic_fin_par_parcours = (notes.min() + notes.first()) / 2"
    )
    graded = _with("td01_q10_pic_fin_parcours_reponse", code)
    assert_only_lost(graded, "td01_q10_pic_fin_parcours")
    assert "ont un score pic-fin inexact" in graded.output("td01_q10_pic_fin_parcours")
