"""A Moodle team submission, all the way back: one group folder in the archive
(``<groupe>_<id du groupe>_assignsubmission_file``) is collected once, graded once, and every
member gets the grade, the feedback page (in the feedback zip, checked with our reading of
Moodle's importziplib rule) and the worksheet's comment; the report counts the group once."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import termclass as tc
from moodle_import import import_feedback_zip
from test_trimestre import expected_points, on20, run

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("moodle_equipes")]

TEAM = "Équipe Alpha"
TEAM_ID = 7


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("equipes")
    root = tc.make_course(tmp)
    members = tc.make_class(4)  # four "full" copies: e001, e002 alone, e003 + e004 as a team
    R = ("--racine", str(root))
    tc.write_class_list(members, tmp / "liste.csv")
    assert run("etudiants", "importer", str(tmp / "liste.csv"), *R)[0] == 0
    assert run("publier", tc.TD, *R)[0] == 0
    groups = tmp / "groupes.csv"
    groups.write_text(f"Identifiant;Groupe\ne003;{TEAM}\ne004;{TEAM}\n", encoding="utf-8")
    archive = tmp / "travaux.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for m in members[:2]:
            z.writestr(
                f"{m.full}_{m.participant}_assignsubmission_file/{tc.TD}.ipynb",
                tc.submission(root, m, members),
            )
        z.writestr(
            f"{TEAM}_{TEAM_ID}_assignsubmission_file/{tc.TD}.ipynb",
            tc.submission(root, members[3], members),
        )
    sheet = tmp / "feuille.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note"]
    header += ["Note maximale", "Dernière modification (note)", "Feedback par commentaires"]
    w.writerow(header)
    for m in members:
        w.writerow([f"Participant {m.participant}", m.full, m.email, "Remis", "", "20,00", "-", ""])
    sheet.write_bytes(buf.getvalue().encode("utf-8"))
    steps = {
        "collect": run(
            "collecter",
            tc.TD,
            "--depuis",
            str(archive),
            "--feuille",
            str(sheet),
            "--groupes",
            str(groups),
            *R,
        )
    }
    tc.grade_class(root)
    steps["retours"] = run(
        "retours", tc.TD, "--moodle", "--feuille", str(sheet), "--sortie", str(tmp / "r.zip"), *R
    )
    steps["notes"] = run(
        "notes",
        tc.TD,
        "--format",
        "moodle",
        "--feuille",
        str(sheet),
        "--sortie",
        str(tmp / "m.csv"),
        "--provisoire",  # the written answers are not graded yet
        *R,
    )
    steps["csv"] = run("notes", tc.TD, "--sortie", str(tmp / "notes.csv"), *R)
    steps["rapport"] = run("rapport", tc.TD, *R)
    return {"root": root, "tmp": tmp, "members": members, "steps": steps}


def test_the_team_copy_is_collected_once_for_its_members(story):
    code, out, _ = story["steps"]["collect"]
    assert code == 0, out
    assert f"copie du groupe « {TEAM} », notée une fois pour e003, e004" in out
    assert "absente" not in out and "Bilan td03_satisfaction : 3 importées." in out
    root = story["root"]
    assert (root / "submitted" / "e003" / tc.TD / f"{tc.TD}.ipynb").is_file()
    assert not (root / "submitted" / "e004").exists()


def test_every_member_gets_the_grade_page_and_comment(story):
    code, out, _ = story["steps"]["retours"]
    assert code == 0 and "Archive Moodle : 4 retours" in out, out
    members = story["members"]
    grade = on20(expected_points(members[0])[0])  # four full copies: the same grade
    stored, skipped = import_feedback_zip(story["tmp"] / "r.zip", {m.participant for m in members})
    assert skipped == [] and sorted(stored) == sorted(m.participant for m in members)
    for m in members:
        page = story["root"] / "feedback" / m.id / tc.TD / f"{tc.TD}.html"
        assert stored[m.participant] == {f"retour_{tc.TD}.html": page.read_bytes()}
        text = page.read_text(encoding="utf-8")
        assert f"({m.id})" in text and f"{grade} / 20" in text
        assert (f"copie du groupe « {TEAM} »" in text) == (m.id in ("e003", "e004"))
    assert story["steps"]["notes"][0] == 0, story["steps"]["notes"]
    rows = list(csv.reader(io.StringIO((story["tmp"] / "m.csv").read_text(encoding="utf-8"))))
    by_id = {r[0]: r for r in rows[1:]}
    cells = [by_id[f"Participant {m.participant}"] for m in members]
    assert [c[4] for c in cells] == [grade] * 4
    assert cells[2][7] == cells[3][7] and f"<p>{tc.TD} : <strong>{grade} / 20" in cells[2][7]
    code, out, _ = story["steps"]["csv"]
    notes = (story["tmp"] / "notes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert sum(line.split(";")[5] == grade for line in notes[1:]) == 4


def test_the_report_counts_the_group_once(story):
    code, _, _ = story["steps"]["rapport"]
    assert code == 0
    html = (story["root"] / "rapports" / f"rapport_{tc.TD}.html").read_text(encoding="utf-8")
    assert "<h2>Absents</h2><p>Aucun.</p>" in html
