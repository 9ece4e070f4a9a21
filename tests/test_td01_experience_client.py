"""TD01 « Analyser l'expérience client », graded by nbgrader as a teacher would grade it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrading import course, grade_td

from parcours import charger

pytestmark = pytest.mark.xdist_group("td01")

TD = "td01_experience_client"
SOURCE = Path(__file__).parents[1] / "solutions" / TD / f"{TD}.ipynb"
STUDENT = "etudiant_test"
OTHER = "lea_durand"
AUTOGRADED_POINTS = 13
MANUAL_POINTS = 3


def _touchpoint_stats(student: str):
    return (
        charger("parcours", student)
        .groupby("point_de_contact", observed=True)["score_experience"]
        .agg(["mean", "size"])
    )


def _lost(graded, *grade_ids: str) -> None:
    """Exactly the named items score 0; every other item keeps full marks."""
    for gid, (score, max_score) in graded.grades.items():
        assert score == (0 if gid in grade_ids else max_score), (gid, score, max_score)
    lost = sum(graded.grades[g][1] for g in grade_ids)
    assert graded.score == graded.max_score - lost


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
        assert gid.startswith("td01_q") and f"{gid}_reponse" in grade_ids
        assert cell.source.startswith('"""Vérifie ')
        assert "### BEGIN HIDDEN TESTS" in cell.source
        assert cell.metadata["nbgrader"]["locked"]
    assert sum(c.metadata["nbgrader"].get("points", 0) for c in tests) == AUTOGRADED_POINTS


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
    _lost(graded, *(gid.removesuffix("_reponse") for gid in copied), "td01_q04_graphique")


def test_worst_touchpoint_without_minimum_count_picks_the_decoy():
    stats = _touchpoint_stats(STUDENT)
    decoy = stats["mean"].idxmin()
    assert stats.loc[decoy, "size"] < 50  # the rare, very badly rated touchpoint
    code = 'pire_point_de_contact = stats["score_moyen"].idxmin()'
    graded = _with("td01_q05_pire_point_de_contact_reponse", code)
    _lost(graded, "td01_q05_pire_point_de_contact")
    out = graded.output("td01_q05_pire_point_de_contact")
    assert f"« {decoy} » ne compte que {stats.loc[decoy, 'size']} événements" in out
    assert "au moins 50 événements" in out


def test_stages_sorted_by_count_instead_of_journey_order():
    code = 'evenements_par_etape = evenements["etape"].value_counts()'
    graded = _with("td01_q01_etapes_reponse", code)
    _lost(graded, "td01_q01_etapes")
    assert "utilisez value_counts(sort=False)" in graded.output("td01_q01_etapes")


def test_omnichannel_share_given_as_a_proportion():
    code = 'part_omnicanal = (evenements.groupby("id_client")["canal"].nunique() >= 3).mean()'
    graded = _with("td01_q06_omnicanal_reponse", code)
    _lost(graded, "td01_q06_omnicanal")
    assert "multipliez par 100" in graded.output("td01_q06_omnicanal")


def test_peak_end_with_the_first_score_instead_of_the_last():
    code = (
        'notes = evenements.sort_values("horodatage").groupby("id_parcours")["score_experience"]\n'
        "pic_fin_par_parcours = (notes.min() + notes.first()) / 2"
    )
    graded = _with("td01_q10_pic_fin_parcours_reponse", code)
    _lost(graded, "td01_q10_pic_fin_parcours")
    assert "ont un score pic-fin inexact" in graded.output("td01_q10_pic_fin_parcours")
