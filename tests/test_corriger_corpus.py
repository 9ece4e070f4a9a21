"""`parcours corriger` on an adversarial corpus, graded in ONE batch beside honest submissions.

For each attack: the batch finishes, honest items keep exactly their points, tampered items score
0, the result names the problem in French, and nothing outside the sandbox changed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import socket
import threading

import nbformat
import pytest
from corpus import FULL, Q01, Q03, Q09, TD, index_of, make_course, raw_json, with_cell

from parcours.grading.batch import RESULT_FILE, grade_batch
from parcours.grading.sandbox import Limits, sandbox_available

pytestmark = [pytest.mark.xdist_group("corriger"), pytest.mark.lent]

CSAT_MISTAKE = 'csat = repondants["note_csat"].mean()'


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    root = tmp_path_factory.mktemp("cours")
    c, put = make_course(root)
    full, blank = c.submission(), c.submission(blank=True)
    secret = root / "secret_prof.txt"
    secret.write_text("ne pas lire")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()

    put("honnete.plein", full)
    put("honnete.vide", blank)
    put("honnete.csat", c.submission(replace={f"{Q03}_reponse": CSAT_MISTAKE}))
    put("boucle", with_cell(full, Q01, "while True:\n    pass"))
    put("sys.exit", with_cell(full, Q01, "import sys\nsys.exit()"))
    put("os.exit", with_cell(full, Q01, "import os\nos._exit(1)"))
    put("memoire", with_cell(full, Q01, "x = bytearray(8 * 1024**3)"))
    put(
        "fourche",
        with_cell(
            full,
            Q01,
            "import os, time\nfor _ in range(300):\n    try:\n        if os.fork() == 0:\n"
            "            time.sleep(20)\n            os._exit(0)\n    except OSError:\n        break",
        ),
    )
    put("sortie", with_cell(full, Q01, "for _ in range(500):\n    print('x' * 1_000_000)"))
    nb = copy.deepcopy(full)
    del nb.cells[index_of(nb, Q03)]
    put("test.supprime", nb)
    nb = c.submission(replace={f"{Q03}_reponse": "csat = 1234.5"})
    nb.cells[index_of(nb, Q03)].source = "assert True"
    put("test.modifie", nb)
    nb = copy.deepcopy(full)
    nb.cells[index_of(nb, Q01)].metadata.nbgrader.points = 100
    nb.cells[index_of(nb, f"{Q03}_reponse")].metadata.nbgrader.grade_id = "td03_q03_a_moi"
    meta = nb.cells[index_of(nb, "td03_q04_ces_moyen_reponse")].metadata.nbgrader
    meta.update({"grade": True, "solution": False, "points": 50})
    put("metadonnees", nb)
    nb = copy.deepcopy(full)
    twin = copy.deepcopy(nb.cells[index_of(nb, Q01)])
    twin["id"] = "copie-du-test"
    nb.cells.insert(index_of(nb, Q01) + 1, twin)
    put("ids.doubles", nb)
    nb = copy.deepcopy(full)
    del nb.cells[index_of(nb, f"{Q09}_reponse")]
    put("reponse.supprimee", nb)
    rebind = (
        "import builtins, numpy, pandas.testing, parcours, parcours.data, os, sys\n"
        "builtins.abs = lambda x: 0\n"
        "numpy.allclose = lambda *a, **k: True\n"
        "pandas.testing.assert_series_equal = lambda *a, **k: None\n"
        "parcours.charger = parcours.data.charger = lambda *a, **k: None\n"
        "os.environ['PARCOURS_ETUDIANT'] = 'honnete.plein'\n"
        "sys.displayhook = lambda v: None\n"
        "get_ipython().display_pub.publish = lambda *a, **k: None\n"
    )
    # rebinding float also breaks the student's own pandas code: only on the empty copy
    put(
        "triche.vide",
        with_cell(
            blank,
            "td03_preparation",
            rebind
            + "builtins.float = lambda x=0: 0.0\nbuiltins.round = lambda *a: 0\ntaux_reponse = 3",
        ),
    )
    put("triche.honnete", with_cell(full, "td03_preparation", rebind))
    hooks = (
        "import sys\nsys.settrace(lambda *a: None)\nsys.setprofile(None)\n"
        "sys.addaudithook(lambda event, args: None)\n"
        "class Toujours(float):\n    def __eq__(self, other):\n        return True\n"
        "oui = Toujours(1)"
    )
    put("crochets", with_cell(full, Q01, hooks))
    spy = (
        "import glob, pathlib\nvus = []\n"
        f"for p in [{str(root / 'solutions')!r}, {str(root / 'submitted' / 'honnete.plein')!r}, "
        f"{str(root / 'gradebook.db')!r}, {str(secret)!r}, '/root']:\n"
        "    try:\n        vus.append(len(pathlib.Path(p).read_bytes()))\n"
        "    except Exception as e:\n        vus.append(type(e).__name__)\n"
        "try:\n"
        f"    open({str(root / 'gradebook.db')!r}, 'w').write('pirate')\n"
        "    vus.append('ECRIT')\nexcept Exception as e:\n    vus.append(type(e).__name__)\n"
        "import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n"
        f"    s.connect(('127.0.0.1', {port}))\n    vus.append('CONNECTE')\n"
        "except Exception as e:\n    vus.append(type(e).__name__)\nprint('ESPION', vus)"
    )
    put("espion", with_cell(full, Q01, spy))
    put("json.casse", '{"cells": [ {"cell_type": "code", ')
    put("nbformat.40", raw_json(full, nbformat_minor=0))
    vscode = json.loads(raw_json(full, nbformat_minor=2))
    vscode["metadata"]["vscode"] = {"interpreter": {"hash": "abc"}}
    for cell in vscode["cells"]:  # VS Code writes every source as a list of lines
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cell["source"] = source.splitlines(keepends=True)
        cell["metadata"].setdefault("vscode", {"languageId": "python"})
    put("vscode", json.dumps(vscode, indent=1))
    colab = json.loads(nbformat.writes(full))
    colab["metadata"]["colab"] = {"provenance": [], "name": f"{TD}.ipynb"}
    for i, cell in enumerate(colab["cells"]):
        cell["id"] = f"cOlAb{i:04d}"
        cell["metadata"]["id"] = f"cOlAb{i:04d}"
    put("colab", json.dumps(colab))
    put("mauvais.nom", full, name=f"{TD} (1).ipynb")
    put("deux.notebooks", full)
    put("deux.notebooks", blank, name="brouillon.ipynb")
    put("Zoé Élève 😀", full)
    widgets = "import ipywidgets\nfor i in range(60):\n    ipywidgets.Text(value='x' * 1_000_000)"
    put("sortie.widgets", with_cell(full, Q01, widgets))
    updates = (
        "h = display('x', display_id=True)\nfor i in range(60):\n    h.update('y' * 1_000_000)"
    )
    put("sortie.maj", with_cell(full, Q01, updates))
    hostile = json.loads(raw_json(full))
    hostile["cells"][index_of(full, f"{Q03}_reponse")]["metadata"]["nbgrader"] = "solution"
    put("nbgrader.texte", json.dumps(hostile))
    hostile = json.loads(raw_json(full))
    hostile["cells"][index_of(full, Q01)]["source"] = 42
    put("source.nombre", json.dumps(hostile))
    put("imbrique", raw_json(full)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    # valid notebook, answer cell of deeply nested code: the parser gives up (MemoryError)
    put("code.imbrique", with_cell(full, Q01, "x = " + "-" * 100_000 + "1"))

    gradebook_before = None
    outside = {p: _digest(p) for p in (root / "solutions").rglob("*.ipynb")}
    outside.update({p: _digest(p) for p in (root / "submitted").rglob("*.ipynb")})
    outside[secret] = _digest(secret)
    batch = grade_batch(
        TD,
        root=root,
        workers=4,
        limits=Limits(
            memory_bytes=3 * 1024**3, cell_timeout_s=15, wall_timeout_s=120, output_bytes=5_000_000
        ),
    )
    stop.set()
    listener.close()
    yield {
        "batch": batch,
        "root": root,
        "outside": outside,
        "accepted": accepted,
        "gradebook_before": gradebook_before,
    }


def _res(corpus, student):
    return corpus["batch"].results[student]


def _lost(result, *grade_ids):
    for gid, q in result.questions.items():
        expected = 0 if gid in grade_ids else q.max
        assert q.points == expected, (result.etudiant, gid, q.points, q.message)


def test_honest_submissions_get_exactly_their_points(corpus):
    assert _res(corpus, "honnete.plein").score == FULL
    assert _res(corpus, "honnete.vide").score == 0
    _lost(_res(corpus, "honnete.csat"), Q03)
    for student in ("honnete.plein", "honnete.vide", "honnete.csat"):
        assert _res(corpus, student).echec is None


def test_every_result_file_follows_the_contract(corpus):
    root = corpus["root"]
    for student, result in corpus["batch"].results.items():
        data = json.loads(
            (root / "autograded" / student / TD / RESULT_FILE).read_text(encoding="utf-8")
        )
        assert data["etudiant"] == student and data["td"] == TD
        assert data["score"] == result.score and data["max_score"] == FULL
        assert set(data["questions"]) >= {Q01, Q03}
        assert data["echec"] is None or data["echec"]["code"] in {
            "delai",
            "memoire",
            "noyau_mort",
            "fraude",
            "notebook_invalide",
            "sortie",
        }
        assert isinstance(data["alertes"], list) and len(data["empreinte"]) == 64


def test_endless_loop_is_stopped_and_earlier_items_keep_their_points(corpus):
    r = _res(corpus, "boucle")
    assert r.echec.code == "delai" and "boucle infinie" in r.echec.message
    assert r.questions[Q01].points == 1
    assert r.score == 1


def test_sys_exit_does_not_stop_grading(corpus):
    assert _res(corpus, "sys.exit").score == FULL


def test_os_exit_kills_only_the_rest_of_the_notebook(corpus):
    r = _res(corpus, "os.exit")
    assert r.echec.code == "noyau_mort"
    assert r.questions[Q01].points == 1 and r.score == 1
    assert "noyau" in r.questions[Q03].message


def test_huge_allocation_fails_alone(corpus):
    r = _res(corpus, "memoire")
    assert r.echec.code == "memoire" and "Mémoire" in r.echec.message
    assert r.score == FULL


def test_bounded_fork_bomb_is_contained(corpus):
    assert _res(corpus, "fourche").score == FULL


def test_flood_of_output_is_cut(corpus):
    r = _res(corpus, "sortie")
    assert r.echec.code == "sortie"
    assert r.questions[Q01].points == 1


@pytest.mark.parametrize("student", ["sortie.widgets", "sortie.maj"])
def test_widget_and_display_update_floods_count_against_the_output_cap(corpus, student):
    r = _res(corpus, student)
    assert r.echec is not None and r.echec.code == "sortie", r.echec
    assert r.questions[Q01].points == 1
    path = corpus["root"] / "autograded" / student / TD / f"{TD}.ipynb"
    assert path.stat().st_size < 2 * 5_000_000


def test_deleted_test_cell_is_put_back(corpus):
    r = _res(corpus, "test.supprime")
    assert r.score == FULL
    assert any("supprimée" in a and Q03 in a for a in r.alertes)
    nb = nbformat.read(corpus["root"] / "autograded" / "test.supprime" / TD / f"{TD}.ipynb", 4)
    index_of(nb, Q03)


def test_test_cell_edited_to_assert_true_is_restored(corpus):
    r = _res(corpus, "test.modifie")
    _lost(r, Q03)
    assert r.echec.code == "fraude"
    assert any("modifiée" in a for a in r.alertes)


def test_edited_nbgrader_metadata_gain_nothing(corpus):
    r = _res(corpus, "metadonnees")
    assert r.max_score == FULL
    _lost(r, Q03)  # its answer cell lost its grade id: the item has no answer
    assert r.echec.code == "fraude"
    assert any("Métadonnées nbgrader modifiées" in a for a in r.alertes)


def test_duplicated_grade_ids_count_once(corpus):
    r = _res(corpus, "ids.doubles")
    assert r.score == FULL
    assert any("double" in a for a in r.alertes)


def test_deleted_answer_cell_scores_zero_with_a_reason(corpus):
    r = _res(corpus, "reponse.supprimee")
    _lost(r, Q09)
    assert "supprimée" in r.questions[Q09].message


def test_rebinding_builtins_numpy_pandas_charger_and_hooks_scores_nothing(corpus):
    assert _res(corpus, "triche.vide").score == 0
    # The rebound abs also runs inside the student's own matplotlib code, so their chart is
    # really broken in their kernel: that item is lost; every other honest answer counts.
    _lost(_res(corpus, "triche.honnete"), "td03_q06_graphique")


def test_sandbox_hides_files_network_and_gradebook(corpus):
    r = _res(corpus, "espion")
    assert r.score == FULL
    nb = nbformat.read(corpus["root"] / "autograded" / "espion" / TD / f"{TD}.ipynb", 4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if "text" in o)
    line = next(line for line in text.splitlines() if line.startswith("ESPION"))
    assert "ECRIT" not in line and "CONNECTE" not in line
    for value in line.split("[", 1)[1].rstrip("]").split(","):
        assert not value.strip().isdigit(), line  # nothing outside the sandbox was read
    assert corpus["accepted"] == []
    for path, digest in corpus["outside"].items():
        assert _digest(path) == digest, path


def test_gradebook_survives_and_holds_each_graded_student_once(corpus):
    from nbgrader.api import Gradebook

    root = corpus["root"]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        subs = gb.assignment_submissions(TD)
        names = sorted(s.student.id for s in subs)
        scores = {s.student.id: s.score for s in subs}
    assert names == sorted(corpus["batch"].results)
    for student, result in corpus["batch"].results.items():
        assert scores[student] == result.score, student
    assert corpus["batch"].backup is None or corpus["batch"].backup.exists()


def test_notebook_formats_and_file_names(corpus):
    broken = _res(corpus, "json.casse")
    assert broken.echec.code == "notebook_invalide" and broken.score == 0
    for student in ("nbformat.40", "vscode", "colab", "mauvais.nom", "deux.notebooks"):
        assert _res(corpus, student).score == FULL, student
    assert any("mal nommé" in a for a in _res(corpus, "mauvais.nom").alertes)
    assert any("brouillon.ipynb" in a for a in _res(corpus, "deux.notebooks").alertes)
    assert "Zoé Élève 😀" not in corpus["batch"].results
    assert any("Zoé Élève 😀" in p for p in corpus["batch"].problems)


def test_hostile_structures_are_refused_with_the_true_reason(corpus):
    for student, words in (
        ("nbgrader.texte", "métadonnées nbgrader de la cellule"),
        ("source.nombre", "« source »"),
        ("imbrique", "imbriquée"),
    ):
        r = _res(corpus, student)
        assert r.echec is not None and r.echec.code == "notebook_invalide", (student, r.echec)
        assert words in r.echec.message and r.score == 0, (student, r.echec)
    assert _res(corpus, "code.imbrique").questions[Q01].points == 1  # graded as usual


def test_class_report_survives_every_copy_and_names_the_skipped_ones(corpus):
    from parcours.term.course import open_course
    from parcours.term.report import build, render

    rep = build(open_course(corpus["root"]), TD)
    page = render(rep)
    assert "<html" in page and "honnete.plein" in rep.grades
    skipped = dict(rep.skipped)
    for student in ("nbgrader.texte", "source.nombre", "imbrique", "json.casse"):
        assert student in skipped, student
    assert "honnete.plein" not in skipped and "code.imbrique" not in skipped
    assert any(s == "nbgrader.texte" and "ignorée" in a for s, a in rep.alerts)


def test_feedback_reader_survives_every_copy(corpus):
    from parcours.term.feedback import notebook_errors

    for path in (corpus["root"] / "submitted").rglob("*.ipynb"):
        assert isinstance(notebook_errors(path), dict), path


def test_summary_names_each_problem_in_french(corpus):
    from parcours.commands.corriger import summary

    text = summary(corpus["batch"])
    for words in (
        "temps dépassé",
        "noyau arrêté",
        "mémoire dépassée",
        "notebook modifié",
        "notebook invalide",
        "sortie trop longue",
        "Zoé Élève 😀",
    ):
        assert words in text, words


# The attacks of the corpus that try to manipulate grading, and a reason the teacher reads for each.
MANIPULATIONS = {
    "triche.vide": ("remplace une fonction intégrée (abs)", "modifie la bibliothèque numpy"),
    "triche.honnete": ("remplace une fonction intégrée (abs)", "modifie le module parcours"),
    "espion": ("cherche les fichiers ou les secrets du correcteur", "ouvre une connexion réseau"),
    "fourche": ("lance ou arrête des processus (os.fork)",),
    "crochets": ("installe un crochet de trace", "sous-classe de float qui redéfinit __eq__"),
}


def test_attempts_raise_the_alert_and_change_no_score(corpus):
    for student, reasons in MANIPULATIONS.items():
        r = _res(corpus, student)
        assert r.alertes and r.alertes[0].startswith("Tentative de manipulation probable"), (
            student,
            r.alertes,
        )
        for words in reasons:
            assert words in r.alertes[0], (student, words, r.alertes[0])
    # the score is what the honest answers earn (as asserted above for the others)
    assert _res(corpus, "crochets").score == FULL
    assert _res(corpus, "fourche").score == FULL and _res(corpus, "espion").score == FULL


def test_no_alert_on_copies_that_attempt_nothing(corpus):
    for student, r in corpus["batch"].results.items():
        if student not in MANIPULATIONS:
            assert r.manipulation == [], (student, r.manipulation)
            assert not any("manipulation" in a for a in r.alertes), (student, r.alertes)


def test_the_teacher_sees_the_attempts_in_the_summary_the_file_and_the_report(corpus):
    from parcours.commands.corriger import summary
    from parcours.term.course import open_course
    from parcours.term.report import build, render

    root = corpus["root"]
    lines = summary(corpus["batch"]).splitlines()
    page = render(build(open_course(root), TD))
    for student, reasons in MANIPULATIONS.items():
        row = next(line for line in lines if line.startswith(student + " "))
        assert "Tentative de manipulation probable : " + reasons[0] in row, row
        data = json.loads((root / "autograded" / student / TD / RESULT_FILE).read_text("utf-8"))
        assert data["alertes"][0].startswith("Tentative de manipulation probable"), data
        assert any(reasons[0] in why for why in data["manipulation"]), data["manipulation"]
        section = page.split('id="par-etudiant"', 1)[1].split("</section>", 1)[0]
        row = next(r for r in section.split("<tr>") if r.startswith(f"<td>{student}</td>"))
        assert "Tentative de manipulation probable : " + reasons[0] in row, row
    honest = next(line for line in lines if line.startswith("honnete.plein "))
    assert "manipulation" not in honest, honest
