"""``parcours etudiants``: Pronote / ENT / Moodle exports, re-import, invalid rows."""

from __future__ import annotations

import io

import pytest
from termclass import run_cli as run

pytestmark = pytest.mark.xdist_group("etudiants")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return tmp_path_factory.mktemp("etudiants")


def students(root):
    from parcours.term.classlist import class_list
    from parcours.term.course import open_course

    return {s.id: s for s in class_list(open_course(root))}


def test_pronote_csv_windows_1252_then_moodle_xlsx_update(course):
    import openpyxl

    pronote = course / "pronote.csv"
    pronote.write_bytes(
        "Identifiant;Nom;Prénom;Adresse de courriel;Classe\r\n"
        "dupont.marie;DUPONT;Marie;marie.dupont@lycee.fr;BTS1\r\n"
        ";BÉNARD;Élodie;elodie.benard@lycee.fr;BTS1\r\n"
        "\r\n"
        "nguyen.theo;NGUYEN;Théo;;BTS2\r\n".encode("cp1252")
    )
    code, out, _ = run("etudiants", "importer", pronote, "--racine", course)
    assert code == 0 and "3 ajoutés" in out
    got = students(course)
    assert set(got) == {"dupont.marie", "elodie.benard", "nguyen.theo"}
    assert got["elodie.benard"].prenom == "Élodie" and got["elodie.benard"].groupe == "BTS1"
    assert got["nguyen.theo"].email is None and got["nguyen.theo"].groupe == "BTS2"
    # Moodle participants page, English headers, as .xlsx: updates one e-mail, adds one student.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Username", "First name", "Last name", "Email address", "Groups"])
    sheet.append(["dupont.marie", "Marie", "DUPONT", "m.dupont@lycee.fr", "BTS1"])
    sheet.append(["girard.loic", "Loïc", "GIRARD", "loic.girard@lycee.fr", "BTS2"])
    book.save(course / "moodle.xlsx")
    code, out, _ = run("etudiants", "importer", course / "moodle.xlsx", "--racine", course)
    assert code == 0 and "1 ajouté, 1 mis à jour, 0 inchangé" in out
    got = students(course)
    assert len(got) == 4 and got["dupont.marie"].email == "m.dupont@lycee.fr"
    code, out, _ = run("etudiants", "--racine", course)
    assert code == 0 and "4 étudiants." in out and "Loïc" in out and "BTS2" in out
    # UTF-8 with BOM and commas, Pronote's single « Élève » column.
    ent = course / "ent.csv"
    ent.write_bytes("\ufeffÉlève,Mail,Groupe\nFAURE Inès,ines.faure@lycee.fr,BTS1\n".encode())
    code, out, _ = run("etudiants", "importer", ent, "--racine", course)
    assert code == 0 and "1 ajouté" in out
    assert students(course)["ines.faure"].nom == "FAURE"


def test_invalid_rows_are_listed_and_nothing_is_imported(course):
    before = students(course)
    bad = course / "bad.csv"
    bad.write_text(
        "Identifiant;Nom;Prénom;E-mail\n"
        "ok.un;UN;Ok;ok@lycee.fr\n"
        "marie dupont;DUPONT;Marie;x@lycee.fr\n"
        "ok.deux;;Sans;pas-une-adresse\n"
        "ok.un;UN;Doublon;ok2@lycee.fr\n",
        encoding="utf-8",
    )
    code, out, err = run("etudiants", "importer", bad, "--racine", course)
    assert code == 2 and out == ""
    assert "3 lignes invalides, rien n'a été importé" in err
    assert "ligne 3 : Identifiant étudiant invalide" in err
    assert "ligne 4 : nom manquant ; adresse e-mail invalide « pas-une-adresse »" in err
    assert "ligne 5 : identifiant « ok.un » déjà donné ligne 2" in err
    assert students(course) == before


def test_unreadable_files_are_refused_in_french(course):
    (course / "vide.csv").write_text("", encoding="utf-8")
    (course / "autre.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    for name, message in (
        ("vide.csv", "est vide"),
        ("autre.csv", "colonnes du nom et du prénom introuvables"),
        ("absent.csv", "Fichier introuvable"),
    ):
        code, _, err = run("etudiants", "importer", course / name, "--racine", course)
        assert code == 2 and message in err


def test_a_second_copy_of_the_class_is_refused_unless_ajouter(tmp_path):
    names = [("DURAND", "Zoé"), ("MARTIN", "Théo"), ("FAURE", "Inès"), ("ROCHÉ", "Noé")]
    first = tmp_path / "liste.csv"
    first.write_text(
        "Nom;Prénom;Adresse E-mail;Classe;Groupe\n"
        + "".join(
            f"{n};{p};{p[0].lower()}{i}@lycee.fr;BTS1;G{i % 2 + 1}\n"
            for i, (n, p) in enumerate(names)
        ),
        encoding="utf-8",
    )
    code, out, err = run("etudiants", "importer", first, "--racine", tmp_path)
    assert code == 0 and "4 ajoutés" in out, err
    assert "identifiant ← partie avant @" in out and "groupe ← « Groupe »" in out
    assert {s.groupe for s in students(tmp_path).values()} == {"G1", "G2"}
    again = tmp_path / "noms.csv"
    again.write_text("Nom;Prénom\n" + "".join(f"{n};{p}\n" for n, p in names), encoding="utf-8")
    code, out, err = run("etudiants", "importer", again, "--racine", tmp_path)
    assert code == 2 and "Import refusé : 4 nouveaux identifiants" in err and "Zoé DURAND" in err
    assert len(students(tmp_path)) == 4
    code, out, err = run("etudiants", "importer", again, "--racine", tmp_path, "--ajouter")
    assert code == 0 and "4 ajoutés" in out
    assert len(students(tmp_path)) == 8


def test_the_class_list_shows_the_secret_check_code_a_students_setup_cell_shows(
    tmp_path, monkeypatch
):
    from parcours import presentation

    monkeypatch.delenv("PARCOURS_SECRET", raising=False)
    monkeypatch.setenv("PARCOURS_ETUDIANT", "dupont.marie")
    root = tmp_path / "cours"
    root.mkdir()
    (root / "parcours.toml").write_text('secret = "Tournesol-2026"\n', encoding="utf-8")
    (root / "liste.csv").write_text("Identifiant;Nom;Prénom\ndupont.marie;DUPONT;Marie\n")
    assert run("etudiants", "importer", root / "liste.csv", "--racine", root)[0] == 0
    code, out, _ = run("etudiants", "--racine", root)
    assert code == 0 and "Tournesol" not in out, "le secret du cours ne doit jamais s'afficher"
    shown = [line for line in out.splitlines() if "code de contrôle" in line]
    assert shown, f"« parcours etudiants » ne donne pas le code de contrôle du secret :\n{out}"
    teacher_code = shown[0].split(":")[-1].strip(" .")
    monkeypatch.chdir(root)
    student_line = presentation().splitlines()[0]
    assert teacher_code in student_line, (teacher_code, student_line)
    (root / "parcours.toml").write_text('secret = "Tournesol-2025"\n', encoding="utf-8")
    assert teacher_code not in presentation().splitlines()[0], "un secret mal recopié doit se voir"


def test_counts_agree_with_their_words_for_0_1_and_2(tmp_path):
    def import_list(*rows: str):
        path = tmp_path / "liste.csv"
        path.write_text("Identifiant;Nom;Prénom\n" + "".join(r + "\n" for r in rows), "utf-8")
        return run("etudiants", "importer", path, "--racine", tmp_path)

    code, out, err = import_list("a.un;UN;Ana")
    assert code == 0 and "Liste importée : 1 ajouté, 0 mis à jour, 0 inchangé " in out, out + err
    assert run("etudiants", "--racine", tmp_path)[1].count("\n1 étudiant.\n") == 1
    code, out, _ = import_list("a.un;UN;Ana", "b.deux;DEUX;Ben", "c.trois;TROIS;Chloé")
    assert "2 ajoutés, 0 mis à jour, 1 inchangé " in out, out
    assert "\n3 étudiants.\n" in run("etudiants", "--racine", tmp_path)[1]
    code, out, _ = import_list("a.un;UN;Ana", "b.deux;DEUX;Ben", "c.trois;TROIS;Chloé")
    assert "0 ajouté, 0 mis à jour, 3 inchangés " in out, out
    code, _, err = import_list("a un;UN;Ana")
    assert code == 2 and "1 ligne invalide, rien n'a été importé" in err, err
    code, _, err = import_list("a un;UN;Ana", "b deux;DEUX;Ben")
    assert code == 2 and "2 lignes invalides, rien n'a été importé" in err, err


def test_an_extension_alone_is_no_copy(tmp_path):
    """nbgrader keeps an extension on a submission row: a student granted one who hands nothing in
    stays absent (no 0 / 20, no feedback page), like any student without a copy."""
    import csv

    import termclass as tc

    root = tc.make_course(tmp_path)
    members = tc.make_class(2)
    tc.write_class_list(members, tmp_path / "liste.csv")
    R = ("--racine", root)
    assert run("etudiants", "importer", tmp_path / "liste.csv", *R)[0] == 0
    assert run("publier", tc.TD, "--limite", "2026-11-20 18:00", *R)[0] == 0
    extended = members[0].id
    code, out, err = run(
        "etudiants", "prolonger", extended, tc.TD, "--jusqu-au", "2026-11-22 12:00", *R
    )
    assert code == 0, out + err
    code, out, err = run("notes", tc.TD, "--sortie", tmp_path / "notes.csv", *R)
    assert code == 0, out + err
    text = (tmp_path / "notes.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    row = next(r for r in rows[1:] if r[0] == extended)
    assert row[5:7] == ["ABS", "absent"], row
    code, out, err = run("retours", tc.TD, *R)
    assert not (root / "feedback" / extended).exists(), out + err
