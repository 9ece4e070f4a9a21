"""Moodle's anonymous marking, all the way: an archive of ``Participant_<n>_assignsubmission_file_``
folders and a worksheet without names → collect → grade → feedback zip → worksheet → report →
grades. Every copy is graded on its author's own data (the id its setup cell printed), yet no
name or student id reaches the gradebook, a feedback page, the zip, the worksheet or the report;
only ``notes --reveler`` gives the names back."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile

import pytest
import termclass as tc
from moodle_import import import_feedback_zip
from test_trimestre import CODE_MAX, on20, run

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("moodle_anonyme")]


def _own_value(root, sid: str) -> float:
    """q01's answer computed on the data of ``sid`` (what a student could type by hand)."""
    from parcours.grading.batch import course_secret_in

    saved = {k: os.environ.get(k) for k in ("PARCOURS_ETUDIANT", "PARCOURS_SECRET")}
    os.environ["PARCOURS_ETUDIANT"] = sid
    os.environ["PARCOURS_SECRET"] = course_secret_in(root)
    try:
        import parcours

        return float(parcours.charger("enquete")["repondu"].mean() * 100)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def anonymous_copy(root, m: tc.Member, members, *, ran: bool = True) -> bytes:
    """A full copy whose setup cell printed its author's id, and whose q01 answer is typed as a
    number from the author's own data: right only on the author's variant."""
    nb = json.loads(tc.submission(root, m, members))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid == "td03_preparation" and ran:
            text = f"Données chargées pour « {m.id} » (code de contrôle : ABCD).\n"
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
        if gid == "td03_q01_taux_reponse_reponse":
            cell["source"] = f"taux_reponse = {_own_value(root, m.id)!r}"
    return json.dumps(nb, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("anonyme")
    root = tc.make_course(tmp)
    everyone = tc.make_class(8)
    members = [m for m in everyone if m.kind == "full"][:4]  # the 4th never ran its setup cell
    R = ("--racine", str(root))
    tc.write_class_list(everyone, tmp / "liste.csv")
    assert run("etudiants", "importer", str(tmp / "liste.csv"), *R)[0] == 0
    assert run("publier", tc.TD, *R)[0] == 0
    archive = tmp / "travaux.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i, m in enumerate(members):
            z.writestr(
                f"Participant_{m.participant}_assignsubmission_file_/{tc.TD}.ipynb",
                anonymous_copy(root, m, everyone, ran=i < 3),
            )
    sheet = tmp / "feuille.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["Identifiant", "Statut", "Note", "Note maximale", "Dernière modification (note)"]
        + ["Feedback par commentaires"]
    )
    for m in members:
        w.writerow([f"Participant {m.participant}", "Remis", "", "20,00", "-", ""])
    sheet.write_bytes(buf.getvalue().encode("utf-8"))
    steps = {
        "collect": run("collecter", tc.TD, "--depuis", str(archive), "--feuille", str(sheet), *R)
    }
    steps["grade"] = tc.grade_class(root)
    steps["retours"] = run(
        "retours", tc.TD, "--moodle", "--feuille", str(sheet), "--sortie", str(tmp / "r.zip"), *R
    )
    moodle = ("--format", "moodle", "--feuille", str(sheet), "--provisoire")
    steps["moodle"] = run("notes", tc.TD, *moodle, "--sortie", str(tmp / "m.csv"), *R)
    steps["csv"] = run("notes", tc.TD, "--sortie", str(tmp / "notes.csv"), *R)
    steps["revealed"] = run("notes", tc.TD, "--reveler", "--sortie", str(tmp / "noms.csv"), *R)
    steps["rapport"] = run("rapport", tc.TD, *R)
    graded, unknown = members[:3], members[3]
    yield {"root": root, "tmp": tmp, "graded": graded, "unknown": unknown, "steps": steps}


def _names_in(text: str, members) -> list[str]:
    return [
        hint
        for m in members
        for hint in (m.id, m.full, f"{m.prenom} {m.nom.upper()}", m.email)
        if hint in text
    ]


def test_collect_keeps_the_pseudonyms_and_says_which_copy_cannot_be_graded(story):
    code, out, err = story["steps"]["collect"]
    assert code == 0, out + err
    for m in story["graded"]:
        assert f"participant_{m.participant}" in out and f"Participant {m.participant}" in out
    unknown = story["unknown"]
    line = next(x for x in out.splitlines() if f"participant_{unknown.participant}" in x)
    assert line.startswith("à identifier") and "levée de l'anonymat" in line
    assert "absente" not in out
    assert _names_in(out, story["graded"] + [unknown]) == []
    root = story["root"]
    assert not (root / "submitted" / f"participant_{unknown.participant}").exists()
    # formgrader lists « Participant <n> », nobody's name
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        shown = {s.id: f"{s.first_name or ''} {s.last_name or ''}".strip() for s in gb.students}
    for m in story["graded"]:
        assert shown[f"participant_{m.participant}"] == f"Participant {m.participant}"


def test_each_copy_is_graded_on_its_author_s_own_data(story):
    from nbgrader.api import Gradebook

    root = story["root"]
    # the typed q01 value is right on its author's data only (else this test could not fail)
    m = story["graded"][0]
    assert _own_value(root, m.id) != _own_value(root, f"participant_{m.participant}")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for m in story["graded"]:
            sub = gb.find_submission(tc.TD, f"participant_{m.participant}")
            assert sub.code_score == CODE_MAX, (m, sub.code_score)
    # the graded notebook formgrader opens names the pseudonym in its setup line, not the id
    for m in story["graded"]:
        pseudo = f"participant_{m.participant}"
        text = (root / "autograded" / pseudo / tc.TD / f"{tc.TD}.ipynb").read_text(encoding="utf-8")
        assert f"Données chargées pour « {pseudo} »" in text and _names_in(text, [m]) == []


def test_feedback_zip_pages_and_report_keep_the_pseudonyms(story):
    code, out, err = story["steps"]["retours"]
    assert code == 0, out + err
    graded = story["graded"]
    stored, skipped = import_feedback_zip(story["tmp"] / "r.zip", {m.participant for m in graded})
    assert skipped == [] and sorted(stored) == sorted(m.participant for m in graded)
    with zipfile.ZipFile(story["tmp"] / "r.zip") as z:
        names = z.namelist()
        assert all(n.startswith("Participant_") for n in names), names
        for n in names:
            assert _names_in(z.read(n).decode("utf-8"), graded) == []
    for m in graded:
        page = story["root"] / "feedback" / f"participant_{m.participant}" / tc.TD / f"{tc.TD}.html"
        assert stored[m.participant] == {f"retour_{tc.TD}.html": page.read_bytes()}
        assert f"Participant {m.participant}" in page.read_text(encoding="utf-8")
    code, _, _ = story["steps"]["rapport"]
    assert code == 0
    html = (story["root"] / "rapports" / f"rapport_{tc.TD}.html").read_text(encoding="utf-8")
    assert _names_in(html, graded + [story["unknown"]]) == []
    assert "données de" not in html and "<h2>Absents</h2><p>Aucun.</p>" in html


def test_the_worksheet_is_filled_by_participant(story):
    code, out, err = story["steps"]["moodle"]
    assert code == 0, out + err
    rows = list(csv.reader(io.StringIO((story["tmp"] / "m.csv").read_text(encoding="utf-8-sig"))))
    by_id = {r[0]: r for r in rows[1:]}
    for m in story["graded"]:
        r = by_id[f"Participant {m.participant}"]
        assert r[2] == on20(CODE_MAX) and _names_in(",".join(r), story["graded"]) == []
    assert by_id[f"Participant {story['unknown'].participant}"][2] == ""


def test_only_notes_reveler_gives_the_names_back(story):
    code, out, err = story["steps"]["csv"]
    assert code == 0, out + err
    hidden = (story["tmp"] / "notes.csv").read_text(encoding="utf-8-sig")
    assert _names_in(hidden, story["graded"]) == []
    rows = [line.split(";") for line in hidden.splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(
        f"participant_{m.participant}" for m in story["graded"]
    )
    code, out, err = story["steps"]["revealed"]
    assert code == 0, out + err
    shown = (story["tmp"] / "noms.csv").read_text(encoding="utf-8-sig")
    by_id = {r[0]: r for r in (line.split(";") for line in shown.splitlines()[1:])}
    for m in story["graded"]:
        assert by_id[m.id][1] == m.nom.upper() and by_id[m.id][5] == on20(CODE_MAX)
    assert by_id[story["unknown"].id][6] == "absent"
    assert "participant_" not in shown
