"""``parcours collecter``: Moodle archives (folders, old and flat names), worksheet or name
matching, versions kept on re-import, unsafe archives refused, folder source."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from termclass import run_cli as run

pytestmark = pytest.mark.xdist_group("collecter")
TD = "td03_satisfaction"


def notebook(tag: str) -> bytes:
    cell = {"cell_type": "code", "metadata": {}, "source": f"x = '{tag}'", "outputs": []}
    return json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ).encode()


def lines(out: str, statut: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(statut + " ")]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("collecter")
    (root / "liste.csv").write_text(
        "Identifiant;Nom;Prénom;Adresse de courriel\n"
        "zoe;École;Zoé;zoe@lycee.fr\n"
        "jerome;Lefèvre-Roux;Jérôme;jerome@lycee.fr\n"
        "cam1;Martin;Camille;camille.martin1@lycee.fr\n"
        "cam2;Martin;Camille;camille.martin2@lycee.fr\n"
        "absent;Girard;Noé;noe@lycee.fr\n",
        encoding="utf-8",
    )
    assert run("etudiants", "importer", root / "liste.csv", "--racine", root)[0] == 0
    return root


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data, when in entries:
            z.writestr(zipfile.ZipInfo(name, when), data)
    return path


def test_moodle_archive_by_names_then_worksheet_then_new_version(course):
    day = (2026, 11, 20, 10, 0, 0)
    late = (2026, 11, 22, 9, 0, 0)
    archive = make_zip(
        course / "travaux.zip",
        [
            (f"ECOLE Zoe_501_assignsubmission_file/{TD}.ipynb", notebook("zoe"), day),
            (f"Jérôme Lefèvre Roux_502_assignsubmission_file_/{TD}.ipynb", notebook("j1"), day),
            (
                "Jérôme Lefèvre Roux_502_assignsubmission_file_/copie.ipynb",
                notebook("j0"),
                (2026, 11, 19, 8, 0, 0),
            ),
            (f"Camille Martin_503_assignsubmission_file_{TD}.ipynb", notebook("c1"), late),
            (f"Camille Martin_504_assignsubmission_file/{TD}.ipynb", notebook("c2"), day),
            ("Camille Martin_504_assignsubmission_onlinetext_/onlinetext.html", b"<p>", day),
            (f"Paul Personne_505_assignsubmission_file/{TD}.ipynb", notebook("p"), day),
            (f"Zoé École_506_assignsubmission_file/{TD}.ipynb", b"pas un notebook", day),
        ],
    )
    code, out, _ = run(
        "collecter", TD, "--depuis", archive, "--limite", "2026-11-21 12:00", "--racine", course
    )
    assert code == 0, out
    assert {line.split()[1] for line in lines(out, "importée")} == {"zoe", "jerome"}
    assert len(lines(out, "ambiguë")) == 2 and "cam1, cam2" in lines(out, "ambiguë")[0]
    assert "Paul Personne" in lines(out, "non reconnue")[0]
    assert "copie.ipynb" in lines(out, "doublon")[0] and "jerome" in lines(out, "doublon")[0]
    assert "n'est pas un notebook valide" in lines(out, "illisible")[0]
    absent = {line.split()[1] for line in lines(out, "absente")}
    assert absent == {"absent"}, "des homonymes ambigus ne sont pas aussi « absente »"
    kept = course / "submitted" / "jerome" / TD / f"{TD}.ipynb"
    assert b"j1" in kept.read_bytes()  # the latest of the two files
    assert (
        (course / "submitted" / "zoe" / TD / "timestamp.txt")
        .read_text()
        .startswith("2026-11-20 10:00:00")
    )

    # With Moodle's worksheet (English headers), the homonyms are told apart by e-mail.
    sheet = course / "grading.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 503,Camille Martin,camille.martin1@lycee.fr,Submitted,,20.00,Yes,"
        '"Sunday, 22 November 2026, 9:00 AM",-,\n'
        "Participant 504,Camille Martin,camille.martin2@lycee.fr,Submitted,,20.00,Yes,-,-,\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        "collecter",
        TD,
        "--depuis",
        archive,
        "--feuille",
        sheet,
        "--limite",
        "2026-11-21 12:00",
        "--racine",
        course,
    )
    assert code == 0
    assert {line.split()[1] for line in lines(out, "importée")} == {"cam2"}
    assert {line.split()[1] for line in lines(out, "inchangée")} == {"zoe", "jerome"}
    assert [line.split()[2] for line in lines(out, "en retard")] == ["cam1"]
    assert sum(" cam1 " in f" {line} " for line in out.splitlines()) == 1, out
    assert "1 jours" in lines(out, "en retard")[0] or "21 h" in lines(out, "en retard")[0]
    mapping = json.loads((course / "collectes" / TD / "participants_moodle.json").read_text())
    assert mapping["503"] == "cam1" and mapping["504"] == "cam2" and mapping["501"] == "zoe"

    # A changed re-upload is a new version; the first one is kept, and said so.
    again = make_zip(
        course / "travaux2.zip",
        [
            (
                f"Zoé École_501_assignsubmission_file/{TD}.ipynb",
                notebook("zoe-v2"),
                (2026, 11, 20, 11, 0, 0),
            )
        ],
    )
    code, out, _ = run("collecter", TD, "--depuis", again, "--racine", course)
    assert code == 0 and "v2" in lines(out, "nouvelle version")[0]
    versions = sorted(p.name for p in (course / "collectes" / TD / "zoe").iterdir())
    assert versions == ["v1_20261120-100000.ipynb", "v2_20261120-110000.ipynb"]
    assert b"zoe-v2" in (course / "submitted" / "zoe" / TD / f"{TD}.ipynb").read_bytes()


@pytest.mark.parametrize(
    "entry", ["../evil_7_assignsubmission_file/a.ipynb", "/etc/x_7_assignsubmission_file/a.ipynb"]
)
def test_unsafe_archive_is_refused_whole(course, entry):
    archive = make_zip(
        course / "evil.zip",
        [
            (
                f"Noé Girard_9_assignsubmission_file/{TD}.ipynb",
                notebook("n"),
                (2026, 1, 1, 0, 0, 0),
            ),
            (entry, notebook("x"), (2026, 1, 1, 0, 0, 0)),
        ],
    )
    code, out, err = run("collecter", TD, "--depuis", archive, "--racine", course)
    assert code == 2 and "Archive refusée" in err and "Rien n'a été importé" in err
    assert not (course / "submitted" / "absent").exists()


def test_archive_over_the_size_limit_is_refused(course):
    archive = make_zip(
        course / "gros.zip",
        [
            (
                f"Noé Girard_9_assignsubmission_file/{TD}.ipynb",
                notebook("n" * 5000),
                (2026, 1, 1, 0, 0, 0),
            )
        ],
    )
    code, _, err = run(
        "collecter", TD, "--depuis", archive, "--taille-max", "0.001", "--racine", course
    )
    assert code == 2 and "plus que la limite de 0.001 Mo" in err
    assert not (course / "submitted" / "absent").exists()


def test_word_only_copies_late_copies_and_a_bare_date_deadline(tmp_path):
    root = tmp_path / "cours"
    root.mkdir()
    (root / "liste.csv").write_text(
        "Identifiant;Nom;Prénom\nzoe;École;Zoé\nnoe;Girard;Noé\nlea;Petit;Léa\nhugo;Roux;Hugo\n",
        encoding="utf-8",
    )
    assert run("etudiants", "importer", root / "liste.csv", "--racine", root)[0] == 0
    archive = make_zip(
        root / "travaux.zip",
        [
            (
                f"Zoé École_1_assignsubmission_file/{TD}.ipynb",
                notebook("z"),
                (2026, 11, 27, 22, 0, 0),
            ),
            (
                "Noé Girard_2_assignsubmission_file/rapport.docx",
                b"PK\x03\x04",
                (2026, 11, 27, 9, 0, 0),
            ),
            (
                f"Léa Petit_3_assignsubmission_file/{TD}.ipynb",
                notebook("l"),
                (2026, 11, 28, 8, 0, 0),
            ),
        ],
    )
    code, out, err = run(
        "collecter", TD, "--depuis", archive, "--limite", "2026-11-27", "--racine", root
    )
    assert code == 0, err
    assert "27/11/2026 à 23:59" in out, f"la date limite appliquée n'est pas affichée :\n{out}"
    assert [line.split()[1] for line in lines(out, "importée")] == ["zoe"], out
    assert (
        "rapport.docx" in lines(out, "pas de notebook")[0]
        and "noe" in lines(out, "pas de notebook")[0]
    )
    assert {line.split()[1] for line in lines(out, "absente")} == {"hugo"}
    assert [line.split()[2] for line in lines(out, "en retard")] == ["lea"]
    assert sum(" lea " in f" {line} " for line in out.splitlines()) == 1, out
    assert "1 importée, 1 en retard, 1 pas de notebook, 1 absente." in out, out
    # Plurals in the summary.
    code, out, _ = run(
        "collecter", TD, "--depuis", archive, "--limite", "2026-11-29", "--racine", root
    )
    assert "2 inchangées" in out, out


def test_folder_source(course, tmp_path):
    (tmp_path / "absent" / "sous").mkdir(parents=True)
    (tmp_path / "absent" / "sous" / f"{TD}.ipynb").write_bytes(notebook("noe"))
    (tmp_path / "inconnu").mkdir()
    (tmp_path / "inconnu" / f"{TD}.ipynb").write_bytes(notebook("?"))
    code, out, _ = run("collecter", TD, "--depuis", tmp_path, "--racine", course)
    assert code == 0
    assert [line.split()[1] for line in lines(out, "importée")] == ["absent"]
    assert "inconnu" in lines(out, "non reconnue")[0]


def _submit_through_exchange(root, student: str, notebook_bytes: bytes, again=False) -> None:
    """What a student's « Submit » button does on the JupyterHub: nbgrader's own ExchangeSubmit."""
    from parcours.grading.nbgrader_light import full_nbgrader
    from parcours.term.course import open_course

    full_nbgrader()
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.submit import ExchangeSubmit

    home = root.parent / "eleves" / student
    (home / TD).mkdir(parents=True, exist_ok=again)
    (home / TD / f"{TD}.ipynb").write_bytes(notebook_bytes)
    config = open_course(root).config
    config.CourseDirectory.student_id = student
    config.CourseDirectory.assignment_id = TD
    config.Exchange.assignment_dir = str(home)
    ExchangeSubmit(
        coursedir=CourseDirectory(config=config),
        authenticator=Authenticator(config=config),
        config=config,
    ).start()


def test_exchange_source_takes_what_students_submitted_on_the_hub(tmp_path):
    import termclass as tc

    root = tc.make_course(tmp_path)
    (tmp_path / "liste.csv").write_text(
        "Identifiant;Nom;Prénom\nzoe;École;Zoé\njerome;Lefèvre;Jérôme\nnoe;Girard;Noé\n",
        encoding="utf-8",
    )
    R = ("--racine", root)
    assert run("etudiants", "importer", tmp_path / "liste.csv", *R)[0] == 0
    assert run("publier", TD, "--echange", *R)[0] == 0
    _submit_through_exchange(root, "zoe", notebook("copie de Zoé"))
    _submit_through_exchange(root, "jerome", notebook("copie de Jérôme"))
    _submit_through_exchange(root, "intrus", notebook("inconnu"))

    code, out, err = run("collecter", TD, "--depuis", "echange", *R)

    assert code == 0, err
    assert [line.split()[1] for line in lines(out, "importée")] == ["jerome", "zoe"]
    assert "intrus" in lines(out, "non reconnue")[0]
    assert "noe" in lines(out, "absente")[0]
    copy = root / "submitted" / "zoe" / TD / f"{TD}.ipynb"
    assert (
        json.loads(copy.read_text(encoding="utf-8"))["cells"][0]["source"] == "x = 'copie de Zoé'"
    )

    # Collecting again changes nothing; a new submission becomes a new version, the old one kept.
    code, out, err = run("collecter", TD, "--depuis", "echange", *R)
    assert code == 0, err
    assert lines(out, "importée") == []
    assert [line.split()[1] for line in lines(out, "inchangée")] == ["jerome", "zoe"]
    _submit_through_exchange(root, "zoe", notebook("copie de Zoé, corrigée"), again=True)
    code, out, err = run("collecter", TD, "--depuis", "echange", *R)
    assert code == 0, err
    assert [line.split()[2] for line in lines(out, "nouvelle version")] == ["zoe"]
    assert [line.split()[1] for line in lines(out, "inchangée")] == ["jerome"]
    versions = sorted((root / "collectes" / TD / "zoe").glob("v*.ipynb"))
    sources = [json.loads(v.read_text(encoding="utf-8"))["cells"][0]["source"] for v in versions]
    assert sources == ["x = 'copie de Zoé'", "x = 'copie de Zoé, corrigée'"]
    assert json.loads(copy.read_text(encoding="utf-8"))["cells"][0]["source"] == sources[-1]


def _patch_entry(data: bytearray, index: int, *, flag: int = 0, method: int | None = None):
    """Set a flag bit or the compression method of entry ``index`` (local and central headers)."""
    import struct

    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[index]
    local = info.header_offset
    central = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x01\x02"][index]
    for pos, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if flag:
            old = struct.unpack_from("<H", data, pos + flag_at)[0]
            struct.pack_into("<H", data, pos + flag_at, old | flag)
        if method is not None:
            struct.pack_into("<H", data, pos + method_at, method)


def test_damaged_entries_are_skipped_and_the_rest_imported(tmp_path):
    root = tmp_path / "cours"
    root.mkdir()
    (root / "liste.csv").write_text(
        "Identifiant;Nom;Prénom;Adresse de courriel\n"
        + "".join(f"e{i};Nom{i};Prénom{i};e{i}@lycee.fr\n" for i in range(5)),
        encoding="utf-8",
    )
    assert run("etudiants", "importer", root / "liste.csv", "--racine", root)[0] == 0
    deep = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": '
    deep += b"[" * 100_000 + b"]" * 100_000 + b"}"
    bodies = [notebook("bon"), notebook("crc-casse"), deep, notebook("chiffre"), notebook("lzma")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for i, body in enumerate(bodies):
            name = f"Prénom{i} Nom{i}_{10 + i}_assignsubmission_file/{TD}.ipynb"
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), body)
    data = bytearray(buf.getvalue())
    at = data.index(b"crc-casse")
    data[at] = ord("X")  # the stored CRC no longer matches
    _patch_entry(data, 3, flag=0x1)  # encrypted
    _patch_entry(data, 4, method=97)  # a compression method zipfile does not know
    archive = root / "moodle.zip"
    archive.write_bytes(bytes(data))
    code, out, err = run("collecter", TD, "--depuis", archive, "--racine", root)
    assert code == 0, (out, err)
    assert "Traceback" not in err
    assert b"bon" in (root / "submitted" / "e0" / TD / f"{TD}.ipynb").read_bytes()
    unreadable = lines(out, "illisible")
    for i in range(1, 5):
        assert any(f"Prénom{i}" in line for line in unreadable), (i, out)
        assert not (root / "submitted" / f"e{i}").exists()


@pytest.mark.lent
def test_publier_says_what_it_is_doing_while_it_checks_the_solution(tmp_path):
    import termclass as tc

    root = tc.make_course(tmp_path)
    code, out, err = run("publier", TD, "--racine", root)
    assert code == 0, err
    said = err.splitlines()
    steps = [
        f"{TD} : préparation de la version étudiante…",
        f"{TD} : vérification de la solution : exécution du notebook corrigé…",
        f"{TD} : vérification de la solution : 16/16, tous les points.",
        f"{TD} : enregistrement dans le carnet de notes…",
    ]
    assert [line for line in said if line in steps] == steps, err
    assert "la solution obtient tous les points" in out
