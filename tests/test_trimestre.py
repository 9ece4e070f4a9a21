"""The teacher's term, end to end, on a generated class of 34 students: import the class list →
publish → collect a Moodle archive (with its worksheet) → grade → feedback → grades (CSV, Moodle
worksheet, Excel) → class report. Slow (one grading run of the whole class): runs once, in one
xdist worker. The grading step is ``termclass.grade_class``.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import shutil
import statistics

import pytest
import termclass as tc

pytestmark = pytest.mark.xdist_group("trimestre")

CODE_MAX = 16  # autograded points of td03
TOTAL = 20  # with the written question (4 points, graded in formgrader)
TEACHER_COMMENT = "Analyse précise, bravo."


run = tc.run_cli

# The two late copies (handed in on 21/11 at 10:30, deadline 20/11 at 18:00): the first has an
# extension until 22/11 (not late), the second loses 1 point (1 started day, course policy).
EXTENDED, PENALISED = (m.id for m in tc.make_class(34) if m.kind == "late")
EXTENSION = "2026-11-22 12:00"
LATE_POLICY = (
    '\nc.PenaliteRetard.politique = "penalite"\n'
    "c.PenaliteRetard.points_par_jour = 1.0\nc.PenaliteRetard.plafond = 3.0\n"
)


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def nbgrader(*args: str, root) -> tuple[int, str]:
    """nbgrader's own command line, run in the course folder as a teacher would."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [str(Path(sys.executable).parent / "nbgrader"), *args]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def formgrader_students(root) -> tuple[int, str]:
    """Start Jupyter Server with formgrader in the course folder; its student list (JSON)."""
    import os
    import secrets
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    tmp = root.parent / "formgrader"
    env = dict(os.environ)
    env.update(
        HOME=str(tmp),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    log = root.parent / "formgrader.log"
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    cmd += [f"--ServerApp.root_dir={root}"] + (["--allow-root"] if os.geteuid() == 0 else [])
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    return -1, log.read_text(encoding="utf-8")[-3000:]
                time.sleep(0.5)
        try:
            with urllib.request.urlopen(
                f"{base}/formgrader/api/students?token={token}", timeout=60
            ) as r:
                return r.status, r.read().decode("utf-8")
        except OSError as exc:
            return -2, f"{exc}\n" + log.read_text(encoding="utf-8")[-3000:]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def expected_points(m: tc.Member) -> tuple[float | None, bool]:
    """(points, provisional) each kind of submission must get."""
    if m.id == PENALISED:
        return CODE_MAX - 1, True
    if m.kind == "missing":
        return None, False
    if m.kind == "blank":
        return 0, False
    if m.kind == "partial":
        return 1 + 2 + 1 + 2 + 2, False  # questions 1 to 5 answered, written answer left empty
    if m.kind == "mistake":
        return CODE_MAX - 3, True
    return CODE_MAX, True  # full, copy, late, duplicate (latest kept), identity, homonym


def on20(points: float) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    value = Decimal(str(points / TOTAL * 20)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:.1f}".replace(".", ",")


# Gradebooks the story runs on: the course's SQLite file, then a real PostgreSQL server (every
# command gets its URL through --db).
DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=DATABASES)
def term(tmp_path_factory, request):
    if request.param == "sqlite":
        yield from _term(tmp_path_factory, None)
        return
    from postgres import postgres_server, skip_reason

    if skip_reason():
        pytest.skip(skip_reason())
    with postgres_server() as url:
        yield from _term(tmp_path_factory, url)


def _term(tmp_path_factory, db):
    tmp = tmp_path_factory.mktemp("trimestre")
    root = tc.make_course(tmp)
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(LATE_POLICY)
    if db:  # as the teacher guide says: nbgrader's own tools read it from the course config
        with (root / "nbgrader_config.py").open("a", encoding="utf-8") as f:
            f.write(f"\nc.CourseDirectory.db_url = {db!r}\n")
    members = tc.make_class(34)
    R = ("--racine", str(root)) + (("--db", db) if db else ())
    steps = {}
    tc.write_class_list(members, tmp / "liste.csv")
    steps["import"] = run("etudiants", "importer", str(tmp / "liste.csv"), *R)
    # The same class again, exported by the ENT: other headers, no id column, one row twice.
    ent = ["Nom;Prénom;Adresse E-mail;Classe;Groupe"]
    ent += [f"{m.nom.upper()};{m.prenom};{m.email};BTS MCO 1;{m.groupe}" for m in members]
    ent.append(ent[3])
    (tmp / "liste_ent.csv").write_text("\n".join(ent) + "\n", encoding="utf-8")
    steps["import_ent"] = run("etudiants", "importer", str(tmp / "liste_ent.csv"), *R)
    # Names only: the ids would be nom.prenom, a second copy of the class.
    names_only = ["Nom;Prénom"] + [f"{m.nom};{m.prenom}" for m in members]
    (tmp / "noms.csv").write_text("\n".join(names_only) + "\n", encoding="utf-8")
    steps["import_names"] = run("etudiants", "importer", str(tmp / "noms.csv"), *R)
    steps["list"] = run("etudiants", *R)
    # A TD whose solution loses a point is refused, naming the failing item.
    broken = root / "solutions" / "td99_casse"
    broken.mkdir()
    nb = json.loads((root / "solutions" / tc.TD / f"{tc.TD}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "td03_q03_csat_reponse":
            cell["source"] = (
                '### BEGIN SOLUTION\ncsat = repondants["note_csat"].mean()\n### END SOLUTION'
            )
    (broken / "td99_casse.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    steps["publish_broken"] = run("publier", "td99_casse", *R)
    steps["publish"] = run("publier", tc.TD, "--echange", "--limite", "2026-11-20 18:00", *R)
    steps["extend"] = run("etudiants", "prolonger", EXTENDED, tc.TD, "--jusqu-au", EXTENSION, *R)
    steps["list_extended"] = run("etudiants", *R)
    archive, sheet = tc.build_moodle(root, members, tmp)
    # No --limite: the deadline comes from the gradebook.
    steps["collect"] = run(
        "collecter", tc.TD, "--depuis", str(archive), "--feuille", str(sheet), *R
    )
    steps["recollect"] = run(
        "collecter", tc.TD, "--depuis", str(archive), "--feuille", str(sheet), *R
    )
    tc.grade_class(root, db=db)
    steps["notes_before"] = run("notes", tc.TD, "--sortie", str(tmp / "avant.csv"), *R)
    # The teacher grades one written answer in formgrader, with a comment.
    from parcours.term.course import open_course

    with open_course(root, db=db).gradebook() as gb:
        full = next(m for m in members if m.kind == "full")
        grade = gb.find_grade("td03_q11_analyse", tc.TD, tc.TD, full.id)
        grade.manual_score = 3
        grade.needs_manual_grade = False  # what formgrader does when a grade is saved
        gb.find_comment("td03_q11_analyse", tc.TD, tc.TD, full.id).manual_comment = TEACHER_COMMENT
        gb.db.commit()
    steps["retours"] = run("retours", tc.TD, *R)
    # nbgrader's own feedback (formgrader's « Generate Feedback » button calls the same API).
    mistake = next(m for m in members if m.kind == "mistake")
    page = root / "feedback" / mistake.id / tc.TD / f"{tc.TD}.html"
    ours = page.read_bytes()
    page.unlink()
    steps["nbgrader_feedback"] = nbgrader("generate_feedback", tc.TD, "--force", root=root)
    steps["nbgrader_feedback_page"] = page.read_bytes() if page.is_file() else b""
    steps["nbgrader_feedback_files"] = {
        p.relative_to(root / "feedback").as_posix(): p.read_bytes()
        for p in (root / "feedback").rglob("*")
        if p.is_file()
    }
    page.unlink(missing_ok=True)
    with _quiet():
        api_result = open_course(root, db=db).api().generate_feedback(tc.TD, mistake.id)
    steps["formgrader_feedback"] = (api_result, page.read_bytes() if page.is_file() else b"")
    steps["parcours_feedback_page"] = ours
    page.write_bytes(ours)
    steps["retours_moodle"] = run(
        "retours", tc.TD, "--moodle", "--feuille", str(sheet), "--sortie", str(tmp / "r.zip"), *R
    )
    steps["notes_csv"] = run("notes", tc.TD, "--sortie", str(tmp / "notes.csv"), *R)
    steps["notes_xlsx"] = run("notes", "--format", "xlsx", "--sortie", str(tmp / "notes.xlsx"), *R)
    moodle = ("notes", tc.TD, "--format", "moodle", "--feuille", str(sheet))
    steps["notes_moodle_refused"] = run(*moodle, "--sortie", str(tmp / "refus.csv"), *R)
    steps["notes_moodle"] = run(*moodle, "--sortie", str(tmp / "moodle.csv"), "--provisoire", *R)
    steps["rapport"] = run("rapport", tc.TD, *R)
    steps["bilan_csv"] = run("notes", "--trimestre", "--sortie", str(tmp / "bilan.csv"), *R)
    steps["bilan_xlsx"] = run(
        "notes", "--trimestre", "--format", "xlsx", "--sortie", str(tmp / "bilan.xlsx"), *R
    )
    if db:
        steps["nbgrader_students"] = nbgrader("db", "student", "list", root=root)
        steps["formgrader"] = formgrader_students(root)
    yield {
        "root": root,
        "tmp": tmp,
        "members": members,
        "steps": steps,
        "graded": full.id,
        "R": R,
        "db": db,
    }


def test_class_list_imported(term):
    code, out, _ = term["steps"]["import"]
    assert code == 0 and "34 ajoutés" in out
    code, out, _ = term["steps"]["list"]
    assert "34 étudiants." in out
    assert "Zoé" in out and "ÉCOLE" in out and "e001@etu.exemple.fr" in out and "G1" in out
    assert "BTS MCO 1" not in out, "le groupe (G1/G2) doit l'emporter sur la classe"


def test_reimporting_another_export_of_the_class_adds_nobody(term):
    code, out, err = term["steps"]["import_ent"]
    assert code == 0, err
    assert "0 ajouté" in out and "34 inchangés" in out
    # The teacher is told which column gave what.
    assert "« Adresse E-mail »" in out and "« Groupe »" in out
    assert "ligne 36" in out and "ligne 4" in out and "doublon exact" in out
    code, out, err = term["steps"]["import_names"]
    assert code == 2 and "Traceback" not in err
    # The two homonyms give one exact duplicate row: one new id per distinct name.
    distinct = len({m.full for m in term["members"]})
    assert "--ajouter" in err and f"Import refusé : {distinct} nouveaux identifiants" in err
    m = term["members"][0]
    assert f"{m.prenom} {m.nom}" in err


def test_publish_refuses_a_wrong_solution_and_releases_the_td(term):
    code, _, err = term["steps"]["publish_broken"]
    assert code == 2 and "td03_q03_csat" in err and "non publié" in err
    assert not (term["root"] / "exercises" / "td99_casse").exists()
    code, out, _ = term["steps"]["publish"]
    assert code == 0 and "tous les points" in out and "échange" in out
    assert (term["root"] / "exercises" / tc.TD / f"{tc.TD}.ipynb").is_file()
    outbound = term["tmp"] / "echange" / "suivi_parcours_client" / "outbound" / tc.TD
    assert (outbound / f"{tc.TD}.ipynb").is_file()


def test_collect_from_moodle(term):
    code, out, _ = term["steps"]["collect"]
    assert code == 0, out
    members = term["members"]
    root = term["root"]
    present = [m for m in members if m.kind != "missing"]
    for m in present:
        assert (root / "submitted" / m.id / tc.TD / f"{tc.TD}.ipynb").is_file(), m
        assert (root / "submitted" / m.id / tc.TD / "timestamp.txt").is_file()
    for m in members:
        if m.kind == "missing":
            assert not (root / "submitted" / m.id).exists()
            assert any(line.startswith("absente") and m.id in line for line in out.splitlines())
        if m.kind == "late":
            late = any(line.startswith("en retard") and m.id in line for line in out.splitlines())
            assert late == (m.id == PENALISED), m
    dup = next(m for m in members if m.kind == "duplicate")
    assert any(line.startswith("doublon") and dup.id in line for line in out.splitlines())
    assert any(
        line.startswith("non reconnue") and "Kévin Inconnu" in line for line in out.splitlines()
    )
    assert (
        f"Bilan {tc.TD} : {len(present) - 1} importées, 1 en retard, 1 doublon, 1 non reconnue, "
        "3 absentes." in out
    )
    # Homonyms are told apart by the worksheet's e-mail addresses.
    for m in (m for m in members if m.kind == "homonym"):
        assert any(line.startswith("importée") and m.id in line for line in out.splitlines())
    # Re-importing the same archive changes nothing and says so.
    code, out, _ = term["steps"]["recollect"]
    assert (
        code == 0
        and f"{len(present)} inchangées" in out
        and "importée" not in out.split("Bilan")[1]
    )
    # The late flag survives the re-collect.
    assert any(
        line.startswith("inchangée") and PENALISED in line and "après la limite" in line
        for line in out.splitlines()
    )


def test_deadline_and_extension_are_nbgrader_s(term):
    from parcours.term.course import open_course

    code, out, _ = term["steps"]["publish"]
    assert code == 0 and "date limite enregistrée, le 20/11/2026 à 18:00" in out
    code, out, _ = term["steps"]["extend"]
    assert code == 0 and f"Prolongation accordée à {EXTENDED}" in out and "22/11/2026" in out
    code, out, _ = term["steps"]["list_extended"]
    line = next(line for line in out.splitlines() if line.startswith(EXTENDED))
    assert f"{tc.TD} → 22/11/2026 12:00" in line
    with open_course(term["root"], db=term["db"]).gradebook() as gb:
        assignment = gb.find_assignment(tc.TD)
        assert assignment.duedate is not None
        sub = gb.find_submission(tc.TD, EXTENDED)
        assert sub.extension is not None and sub.total_seconds_late == 0
        assert gb.find_submission(tc.TD, PENALISED).total_seconds_late > 0


def test_grades_before_manual_grading_are_provisional(term):
    code, out, _ = term["steps"]["notes_before"]
    assert code == 0
    pending = [m for m in term["members"] if expected_points(m)[1]]
    assert f"Notes provisoires ({len(pending)})" in out
    assert all(f"  {m.id} ({tc.TD}) : td03_q11_analyse" in out for m in pending)


def test_feedback_pages(term):
    code, out, _ = term["steps"]["retours"]
    members = term["members"]
    present = [m for m in members if m.kind != "missing"]
    assert len(present) > 1 and code == 0 and f"{len(present)} retours écrits" in out
    pages = {m.id: (term["root"] / "feedback" / m.id / tc.TD / f"{tc.TD}.html") for m in present}
    # A full name may be shared (homonyms): only unique names and ids are checked across pages.
    names = [m.full for m in members]
    for m in present:
        text = pages[m.id].read_text(encoding="utf-8")
        assert tc.CANARY not in text and not re.search(r"attendu \d", text)
        assert "Traceback" not in text and "_attendu" not in text and "assert " not in text
        assert f"({m.id})" in text and f"{m.prenom} {m.nom.upper()}" in text
        for other in members:
            if other.id != m.id:
                assert f"({other.id})" not in text and f"{other.id}@" not in text
                if names.count(other.full) == 1:
                    assert f"{other.prenom} {other.nom.upper()}" not in text
        points, _ = expected_points(m)
        assert f"{on20(points + (3 if m.id == term['graded'] else 0))} / 20" in text
    mistake = next(m for m in members if m.kind == "mistake")
    # The planted hidden-test string did reach the graded notebook (with a computed value)...
    graded_nb = term["root"] / "autograded" / mistake.id / tc.TD / f"{tc.TD}.ipynb"
    assert re.search(tc.CANARY + r" attendu \d", graded_nb.read_text(encoding="utf-8"))
    # ...and no feedback page shows it (checked above).
    text = pages[mistake.id].read_text(encoding="utf-8")
    # Visible test message, fixed hidden-test message, and the generic text for a computed one.
    assert "Le CSAT de ce cours est un pourcentage" in text
    assert "Ce dispositif ne convient pas" in text
    assert "Réponse incorrecte : relisez l&#x27;énoncé" in text
    blank = next(m for m in members if m.kind == "blank")
    blank_page = pages[blank.id].read_text(encoding="utf-8")
    assert "Non répondu" in blank_page and "Réponse incorrecte" not in blank_page, (
        "une copie blanche est « non répondu », pas « réponse incorrecte »"
    )
    graded = pages[term["graded"]].read_text(encoding="utf-8")
    assert TEACHER_COMMENT in graded and "3 / 4" in graded
    assert all(
        TEACHER_COMMENT not in pages[m.id].read_text(encoding="utf-8")
        for m in present
        if m.id != term["graded"]
    )
    partial = next(m for m in members if m.kind == "partial")
    assert "Note provisoire" not in pages[partial.id].read_text(encoding="utf-8")
    assert "Note provisoire" in pages[mistake.id].read_text(encoding="utf-8")
    # The grade itself says it is provisional, not only a note further down.
    points, _ = expected_points(mistake)
    assert f"Note provisoire<b>{on20(points)} / 20</b>" in text


def test_nbgrader_generate_feedback_gives_the_safe_page(term):
    """``nbgrader generate_feedback`` and formgrader's button write the same page as retours."""
    steps = term["steps"]
    ours = steps["parcours_feedback_page"].decode("utf-8")
    assert "Les tests de correction ne sont pas montrés" in ours
    code, log = steps["nbgrader_feedback"]
    assert code == 0, log
    api_result, api_page = steps["formgrader_feedback"]
    assert api_result["success"], api_result
    for page in (steps["nbgrader_feedback_page"], api_page):
        text = page.decode("utf-8")
        assert tc.CANARY not in text and "HIDDEN TESTS" not in text and "_attendu" not in text
        assert text == ours
    # Every student's page is the safe one, and no file of the grader's is copied beside it.
    files = steps["nbgrader_feedback_files"]
    names = {name.rsplit("/", 1)[-1] for name in files}
    assert f"{tc.TD}.html" in names and "parcours_resultat.json" not in names, sorted(files)
    assert not any(tc.CANARY.encode() in data or b"HIDDEN TESTS" in data for data in files.values())


def expected_row(term, m: tc.Member) -> tuple[str, str]:
    points, provisional = expected_points(m)
    if points is None:
        return "ABS", "absent"
    if m.id == term["graded"]:
        return on20(points + 3), ""
    return on20(points), "provisoire" if provisional else ""


def test_grades_csv_cell_by_cell(term):
    raw = (term["tmp"] / "notes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Identifiant",
        "Nom",
        "Prénom",
        "Groupe",
        "TD",
        "Note /20",
        "Statut",
        "Points",
        "Sur",
    ]
    by_id = {r[0]: r for r in rows[1:]}
    assert len(by_id) == 34
    for m in term["members"]:
        note, statut = expected_row(term, m)
        r = by_id[m.id]
        assert r[1:5] == [m.nom.upper(), m.prenom, m.groupe, tc.TD], m
        assert (r[5], r[6]) == (note, statut), (m, r)
        if note != "ABS":
            assert r[8] == str(TOTAL)


def test_grades_xlsx_cell_by_cell(term):
    import openpyxl

    sheet = openpyxl.load_workbook(term["tmp"] / "notes.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5] == "Note /20"
    by_id = {r[0]: r for r in rows[1:]}
    for m in term["members"]:
        note, statut = expected_row(term, m)
        r = by_id[m.id]
        if note == "ABS":
            assert r[5] == "ABS" and r[6] == "absent"
        else:
            assert isinstance(r[5], int | float) and f"{r[5]:.1f}".replace(".", ",") == note, (m, r)
            assert (r[6] or "") == statut


def test_moodle_feedback_zip_lands_each_page_on_its_own_student(term):
    """Round trip: Moodle's archive → collect → grade → retours --moodle → Moodle's importer
    (our reading of importziplib's rule) stores each page for its own participant only."""
    from moodle_import import import_feedback_zip

    from parcours.term.carte import without_local_links

    code, out, _ = term["steps"]["retours_moodle"]
    present = [m for m in term["members"] if m.kind != "missing"]
    assert code == 0, out
    assert (
        len(present) > 1
        and f"Archive Moodle : {len(present)} retours" in out
        and "Sans numéro" not in out
    )
    everyone = {m.participant for m in term["members"]} | {9999}
    stored, skipped = import_feedback_zip(term["tmp"] / "r.zip", everyone)
    assert skipped == []
    assert sorted(stored) == sorted(m.participant for m in present)
    for m in present:
        page = term["root"] / "feedback" / m.id / tc.TD / f"{tc.TD}.html"
        # The page as retours wrote it, but for « À revoir » links into the teacher's own built
        # book, plain text in the zip (dead links in Moodle).
        handed = without_local_links(page.read_bytes())
        assert stored[m.participant] == {f"retour_{tc.TD}.html": handed}, m
        assert f"({m.id})" in page.read_text(encoding="utf-8")


def graded_items() -> list[tuple[str, int, float, str, bool]]:
    """td03's graded items, read from its statement: (grade id, question number, points, the
    statement's heading above it, written answer). A question may be split into several items."""
    source = json.loads(
        (tc.ROOT / "solutions" / tc.TD / f"{tc.TD}.ipynb").read_text(encoding="utf-8")
    )
    items, heading = [], ""
    for cell in source["cells"]:
        text = "".join(cell["source"])
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "markdown" and not meta.get("grade"):
            for line in text.splitlines():
                if found := re.match(r"## (\d+)\. (.+)", line):
                    heading = f"Question {found.group(1)} · {found.group(2).strip()}"
        if meta.get("grade"):
            number = int(re.search(r"_q(\d+)_", meta["grade_id"]).group(1))
            written = cell["cell_type"] == "markdown"
            items.append((meta["grade_id"], number, meta["points"], heading, written))
    return items


def expected_summary(term, m: tc.Member) -> str:
    """The feedback-comments cell of one student, built from what each kind of copy answered:
    points per question (its items added up), each question to reread named once."""
    graded = m.id == term["graded"]
    waiting = expected_points(m)[1] and not graded
    per_question: dict[int, list] = {}  # number → [points, max, waiting, label]
    for gid, number, maximum, heading, written in graded_items():
        if written:  # the written analysis, graded by hand in formgrader
            got = 3 if graded else 0
            label = f"Question {number} · analyse"  # no numbered heading inside the answer cell
            pending = waiting
        else:
            got = maximum if tc.answered(m.kind, f"{gid}_reponse") else 0
            if m.kind == "mistake" and f"{gid}_reponse" in tc.MISTAKES:
                got = 0
            label, pending = heading, False
        acc = per_question.setdefault(number, [0, 0, False, label])
        acc[0] += got
        acc[1] += maximum
        acc[2] = acc[2] or pending
    points = sum(p for p, *_ in per_question.values()) - (1 if m.id == PENALISED else 0)
    cells = [
        f"Q{n} " + ("à noter" if pending else str(got)) + f"/{mx}"
        for n, (got, mx, pending, _) in per_question.items()
    ]
    text = (
        f"<p>{tc.TD} : <strong>{on20(points)} / 20</strong> ({points} / {TOTAL} points"
        + (", note provisoire" if waiting else "")
        + ").</p><p>Par question : "
        + " ; ".join(cells)
        + ".</p>"
    )
    if m.id == PENALISED:
        text += "<p>Copie rendue en retard (retard 1 j : −1 pt).</p>"
    missed = [
        label for got, mx, pending, label in per_question.values() if got < mx and not pending
    ]
    if missed:
        text += "<p>À relire : " + html.escape(", ".join(missed)) + ".</p>"
    if graded:
        text += f"<p>Commentaire de l'enseignant : Question 11 · analyse : {TEACHER_COMMENT}</p>"
    return text


def test_moodle_export_refuses_provisional_grades(term):
    code, out, err = term["steps"]["notes_moodle_refused"]
    pending = [m for m in term["members"] if expected_points(m)[1] and m.id != term["graded"]]
    assert len(pending) > 1 and f"{len(pending)} notes provisoires" in err
    assert code == 2 and "--provisoire" in err
    assert not (term["tmp"] / "refus.csv").exists()


def test_moodle_worksheet_filled(term):
    from parcours.term.tabular import safe_cell

    code, out, _ = term["steps"]["notes_moodle"]
    assert code == 0 and "Kévin Inconnu" in out
    assert "Colonne « Feedback comments » remplie" in out
    assert "cochez « Permettre la mise à jour des enregistrements modifiés" in out
    rows = list(
        csv.reader(io.StringIO((term["tmp"] / "moodle.csv").read_text(encoding="utf-8-sig")))
    )
    original = list(
        csv.reader(io.StringIO((term["tmp"] / "feuille.csv").read_text(encoding="utf-8-sig")))
    )
    assert rows[0] == original[0] and len(rows) == len(original)
    by_participant = {r[0]: r for r in rows[1:]}
    for m in term["members"]:
        note, _ = expected_row(term, m)
        r = by_participant[f"Participant {m.participant}"]
        assert r[4] == ("" if note == "ABS" else note), (m, r)
        assert r[2] == m.email and r[5] == "20,00"
        _, provisional = expected_points(m)
        summary = "" if m.kind == "missing" else expected_summary(term, m)
        assert len(summary) <= 1200
        if provisional and m.id != term["graded"]:
            assert r[9].startswith("Note provisoire") and r[9].endswith(summary), (m, r)
        else:
            assert r[9] == summary, (m, r)
        # Every other cell is Moodle's, unchanged (but never read as a formula).
        before = [safe_cell(c) for c in next(o for o in original if o[0] == r[0])]
        assert r[:4] + r[5:9] == before[:4] + before[5:9]
    assert by_participant["Participant 9999"][4] == ""
    assert by_participant["Participant 9999"][9] == ""


def test_class_report(term):
    code, out, _ = term["steps"]["rapport"]
    assert code == 0
    page = term["root"] / "rapports" / f"rapport_{tc.TD}.html"
    html = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 2_000_000
    assert "<script" not in html and "<link" not in html and 'src="http' not in html
    assert html.count("<svg") == 2
    members = term["members"]
    copiers = sorted(m.id for m in members if m.kind == "copy")
    assert f"<td>{copiers[0]}</td><td>{copiers[1]}</td>" in html
    flagged = next(m for m in members if m.kind == "identity")
    assert f"<tr><td>{flagged.id}</td><td>données de « " in html
    assert "<code>&#x27;A&#x27;</code> × 5" in html  # the typical wrong choice, 5 mistakes
    present = [m for m in members if m.kind != "missing"]
    written = [m for m in present if m.kind not in ("blank", "partial")]
    # Blank and unanswered written answers need no grading; one was graded by the teacher.
    done = len(present) - len(written) + 1
    assert f"{done} / {len(present)}" in html
    assert "Aucun échec" in html
    for m in (m for m in members if m.kind == "missing"):
        assert f"({m.id})" in html
    # Late copies and extensions: the extended copy is on time, the other lost its point.
    section = html.split("<h2>Retards et prolongations</h2>")[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>[^<]*\((\w+)\)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", section)
    assert rows == [(EXTENDED, "22/11/2026 12:00", ""), (PENALISED, "", "retard 1 j : −1 pt")]
    # Written answers not graded yet: pending, so the mean and histogram are provisional.
    assert "Moyenne /20 (provisoire)" in html and "Répartition des notes (provisoire)" in html


def _student_row(html: str, sid: str) -> str:
    section = html.split('id="par-etudiant"', 1)[1].split("</section>", 1)[0]
    row = re.search(rf"<tr[^>]*><td>{sid}</td>.*?</tr>", section, re.S)
    assert row, sid
    return row.group(0)


def test_report_says_who_needs_help(term):
    html = (term["root"] / "rapports" / f"rapport_{tc.TD}.html").read_text(encoding="utf-8")
    members = term["members"]
    mistake = next(m for m in members if m.kind == "mistake")
    row = _student_row(html, mistake.id)
    assert f"{CODE_MAX - 3} / {TOTAL}" in row and "en attente" in row
    assert "faux : Q1, Q3, Q10<" in row
    blank = next(m for m in members if m.kind == "blank")
    row = _student_row(html, blank.id)
    source = json.loads(
        (tc.ROOT / "solutions" / tc.TD / f"{tc.TD}.ipynb").read_text(encoding="utf-8")
    )
    items = [c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert f"copie blanche : {len(items)} non répondues" in row and "en attente" not in row
    partial = next(m for m in members if m.kind == "partial")
    assert "non répondu : Q6, Q7, Q8, Q9, Q10, Q11<" in _student_row(html, partial.id)
    late = next(m for m in members if m.kind == "late")
    assert "en retard" in _student_row(html, late.id)
    identity = next(m for m in members if m.kind == "identity")
    assert "données de" in _student_row(html, identity.id)
    full = next(m for m in members if m.kind == "full" and m.id != term["graded"])
    assert "faux" not in _student_row(html, full.id)
    # G1 against G2, from the class list.
    groups = html.split('id="groupes"', 1)[1].split("</section>", 1)[0]
    for g in ("G1", "G2"):
        marks = [
            expected_points(m)[0] + (3 if m.id == term["graded"] else 0)
            for m in members
            if m.groupe == g and m.kind != "missing"
        ]
        mean = statistics.fmean(float(on20(p).replace(",", ".")) for p in marks)
        assert re.search(rf"<td>{g}</td><td class=.num.>{len(marks)}</td>", groups), g
        assert f"<td class='num'>{mean:.1f} (provisoire)".replace(".", ",") in groups, (g, mean)


def test_report_lists_identical_copies_first_with_a_diff(term):
    html = (term["root"] / "rapports" / f"rapport_{tc.TD}.html").read_text(encoding="utf-8")
    members = term["members"]
    identical = html.index('id="copies-identiques"')
    assert identical < html.index("Copies très proches")
    section = html[identical:].split("</section>", 1)[0]
    # The mistake copies share the same code, same wrong answers included.
    for m in (m for m in members if m.kind == "mistake"):
        assert f"<td>{m.id}</td>" in section or f">{m.id}<" in section, m
    # The two copiers: the same code with other variable names.
    copiers = sorted(m.id for m in members if m.kind == "copy")
    assert copiers[0] in section and copiers[1] in section
    # Students who all wrote the expected solution are not copies.
    full = next(m for m in members if m.kind == "full")
    assert full.id not in section
    # A flagged pair side by side, answer cells diffed.
    diff = html.split('id="comparaison"', 1)[1].split("</section>", 1)[0]
    assert "autre_nom" in diff and "notes_x" in diff and 'class="diff_chg"' in diff


def test_term_view_one_row_per_student(term):
    code, out, err = term["steps"]["bilan_csv"]
    assert code == 0, err
    raw = (term["tmp"] / "bilan.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert rows[0] == ["Identifiant", "Nom", "Prénom", "Groupe", tc.TD, "Moyenne /20", "Statut"]
    by_id = {r[0]: r for r in rows[1:]}
    assert len(by_id) == 34
    for m in term["members"]:
        note, statut = expected_row(term, m)
        r = by_id[m.id]
        assert r[4] == note, (m, r)
        assert r[5] == ("" if note == "ABS" else note), (m, r)
        assert ("provisoire" in r[6]) == (statut == "provisoire"), (m, r)
    import openpyxl

    code, _, err = term["steps"]["bilan_xlsx"]
    assert code == 0, err
    sheet = openpyxl.load_workbook(term["tmp"] / "bilan.xlsx").active
    xrows = list(sheet.iter_rows(values_only=True))
    assert list(xrows[0][:6]) == rows[0][:6] and len(xrows) == 35


def test_nbgrader_and_formgrader_open_the_postgresql_gradebook(term):
    if "nbgrader_students" not in term["steps"]:
        pytest.skip("carnet SQLite : le cas PostgreSQL est l'autre paramètre")
    code, out = term["steps"]["nbgrader_students"]
    assert code == 0 and "psycopg" not in out, out
    assert all(m.id in out for m in term["members"])
    status, body = term["steps"]["formgrader"]
    assert status == 200, body
    listed = {s["id"] for s in json.loads(body)}
    assert {m.id for m in term["members"]} <= listed


@pytest.mark.parametrize(
    "args",
    [
        ("etudiants",),
        ("etudiants", "importer", "LISTE"),
        ("publier", tc.TD),
        ("notes",),
        ("retours", tc.TD),
        ("rapport", tc.TD),
        ("corriger", tc.TD),
    ],
)
def test_unreadable_gradebook_same_french_message_nothing_deleted(term, args, tmp_path):
    if "--db" in term["R"]:
        pytest.skip("fichier SQLite abîmé : le cas PostgreSQL est l'autre paramètre")
    root = tmp_path / "cours"
    shutil.copytree(term["root"], root)
    (root / "gradebook.db").write_bytes(b"ceci n'est pas une base SQLite" * 100)
    before = sorted((p.relative_to(root), p.read_bytes()) for p in root.rglob("*") if p.is_file())
    args = tuple(str(term["tmp"] / "liste.csv") if a == "LISTE" else a for a in args)
    code, out, err = run(*args, "--racine", str(root))
    after = sorted((p.relative_to(root), p.read_bytes()) for p in root.rglob("*") if p.is_file())
    assert code in (1, 2), (out, err)
    assert "illisible ou endommagé" in err and "Restaurez la dernière sauvegarde : cp" in err
    assert "Traceback" not in err and "DatabaseError" not in err and "file is not" not in err
    assert "Base des notes inaccessible" not in err
    assert before == after
    assert (root / "exercises" / tc.TD / f"{tc.TD}.ipynb").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ("notes", "--format", "pdf"),
        ("notes", "--sur", "-4"),
        ("notes", tc.TD, "--format", "moodle"),
        ("collecter", tc.TD, "--depuis", "/nulle/part.zip"),
        ("collecter", "../x", "--depuis", "echange"),
        ("retours", tc.TD, "--etudiant", "a b"),
        ("rapport", "td_inconnu"),
        ("publier", "td_inconnu"),
        ("etudiants", "importer", "/nulle/part.csv"),
        ("etudiants", "prolonger", "inconnu", tc.TD, "--jusqu-au", "2026-12-01 10:00"),
        ("etudiants", "prolonger", EXTENDED, tc.TD, "--jusqu-au", "demain"),
        ("etudiants", "prolonger", EXTENDED, tc.TD, "--jusqu-au", "2026-11-01 10:00"),
        ("retours", tc.TD, "--feuille", "feuille.csv"),
        ("publier", tc.TD, "--limite", "bientôt"),
    ],
)
def test_bad_arguments_change_nothing(term, args):
    root = term["root"]
    before = sorted(
        (p.relative_to(root), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
    )
    code, out, err = run(*args, *term["R"])
    after = sorted(
        (p.relative_to(root), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
    )
    assert code == 2 and before == after
    assert "erreur" in err and "Traceback" not in err


def test_late_penalty_shown_in_feedback_and_notes_never_within_an_extension(term):
    page = term["root"] / "feedback" / PENALISED / tc.TD / f"{tc.TD}.html"
    assert "Copie rendue en retard (retard 1 j : −1 pt)" in page.read_text(encoding="utf-8")
    page = term["root"] / "feedback" / EXTENDED / tc.TD / f"{tc.TD}.html"
    assert "retard" not in page.read_text(encoding="utf-8")
    code, out, _ = term["steps"]["notes_csv"]
    assert code == 0 and f"Copies en retard (1) : {PENALISED} ({tc.TD}, retard 1 j : −1 pt)" in out


def test_cleanup(term):
    shutil.rmtree(term["tmp"], ignore_errors=True)
