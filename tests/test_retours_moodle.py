"""The feedback zip for Moodle: folder names Moodle's importer maps to the right participant
(checked with our reading of importziplib's rule), and students without a number listed."""

from __future__ import annotations

import json
import zipfile

import pytest
from moodle_import import import_feedback_zip, match_entry

from parcours.term.moodle import feedback_folder, participant_numbers, write_feedback_zip

PLUGINS = {("assignfeedback", "file")}


def test_the_importer_rule_as_read_in_moodle():
    # Moodle ≥ 4.1 and older names, the folder form and the flat form.
    assert match_entry("Zoé École_12_assignfeedback_file/r.html", {12}, PLUGINS) == (12, "/r.html")
    assert match_entry("Zoé École_12_assignfeedback_file_/r.html", {12}, PLUGINS) == (12, "/r.html")
    assert match_entry("Zoé École_12_assignfeedback_file_r.html", {12}, PLUGINS) == (12, "r.html")
    # Unknown participant, disabled plugin, hidden files, a name with "_" shifting the pieces.
    assert match_entry("Zoé École_13_assignfeedback_file/r.html", {12}, PLUGINS) is None
    assert match_entry("Zoé École_12_assignsubmission_file/r.html", {12}, PLUGINS) is None
    assert match_entry("Zoé École_12_assignfeedback_file/.r.html", {12}, PLUGINS) is None
    assert match_entry("Zoé École_12_assignfeedback_file/~r.html", {12}, PLUGINS) is None
    assert match_entry("Zoé_École_12_assignfeedback_file/r.html", {12}, PLUGINS) is None


@pytest.mark.parametrize(
    "name",
    ["Zoé École", "Jean_Pierre Dupont", ".cachée", "~tilde", "a/b\\c", "Anne-Marie O'Neil", "  "],
)
def test_every_folder_name_lands_on_its_participant(name):
    folder = feedback_folder(name, "0042")
    assert match_entry(f"{folder}/retour.html", {42}, PLUGINS) == (42, "/retour.html")
    assert not folder.startswith((".", "~"))


def test_the_zip_maps_each_page_to_its_own_student_and_lists_the_others(tmp_path):
    pages = {}
    for sid in ("e1", "e2", "e3"):
        page = tmp_path / sid / "td" / "td.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<p>retour de {sid}</p>", encoding="utf-8")
        pages[sid] = page
    names = {"e1": "Zoé École", "e2": "Jean_Pierre Dupont", "e3": "Théo Martin"}
    target = tmp_path / "retours.zip"
    included, missing = write_feedback_zip(pages, {"e1": "1003", "e2": "7"}, names, target, td="td")
    assert (included, missing) == (["e1", "e2"], ["e3"])
    stored, skipped = import_feedback_zip(target, {1003, 7, 99})
    assert skipped == []
    assert stored == {
        1003: {"retour_td.html": b"<p>retour de e1</p>"},
        7: {"retour_td.html": b"<p>retour de e2</p>"},
    }
    with zipfile.ZipFile(target) as z:
        assert z.namelist() == [
            "Zoé École_1003_assignfeedback_file/retour_td.html",
            "Jean Pierre Dupont_7_assignfeedback_file/retour_td.html",
        ]


def test_participant_numbers_from_the_collect_and_the_worksheet(tmp_path, monkeypatch):
    from parcours.term.moodle import read_worksheet

    class Course:
        root = tmp_path

    mapping = tmp_path / "collectes" / "td" / "participants_moodle.json"
    mapping.parent.mkdir(parents=True)
    mapping.write_text(json.dumps({"5": "e1", "6": "e2"}), encoding="utf-8")
    assert participant_numbers(Course(), "td") == {"e1": "5", "e2": "6"}
    sheet = tmp_path / "feuille.csv"
    sheet.write_text(
        "Identifiant,Nom complet,Adresse de courriel,Note\n"
        "Participant 8,Zoé École,e2@x.fr,\n"
        "Participant 9,Camille Martin,,\n",
        encoding="utf-8",
    )
    from parcours.term.classlist import Student

    students = [
        Student("e1", "École", "Zoé", "e1@x.fr", None),
        Student("e2", "Durand", "Élodie", "e2@x.fr", None),
        Student("e3", "Martin", "Camille", "", None),
        Student("e4", "Martin", "Camille", "", None),
    ]
    monkeypatch.setattr("parcours.term.classlist.class_list", lambda course: students)
    numbers = participant_numbers(Course(), "td", read_worksheet(sheet))
    # The worksheet's e-mail wins; homonyms are never guessed.
    assert numbers == {"e1": "5", "e2": "8"}
