"""« Vérifier ma copie »: the service's grading core (limits, log, what a student may read).

The copies are graded by the real engine (sandbox, trusted checks, the author's own data) in a
course whose q01 hidden test carries a canary and a computed message; the scores must equal what
``parcours corriger`` gives the same notebooks. The hub itself (OAuth, the student's token and
kernel) is in ``test_hub.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import termclass as tc

from parcours.grading.config import Course, _env

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("verifier")]

ROOT = Path(__file__).resolve().parents[1]
TD = tc.TD
KINDS = {"anais.full": "full", "loic.partial": "partial", "ines.mistake": "mistake"}


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 20, 9, 0)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verifier")
    root = tc.make_course(tmp)
    with _env(), Course(TD, solutions=root / "solutions") as released:
        (root / "exercises" / TD).mkdir(parents=True)
        shutil.copy2(released.release_path, root / "exercises" / TD / f"{TD}.ipynb")
    members = [
        tc.Member(sid, "Nom", "Prénom", f"{sid}@exemple.fr", "G1", kind, 1)
        for sid, kind in KINDS.items()
    ]
    copies = {m.id: tc.submission(root, m, members) for m in members}
    return root, copies


@pytest.fixture(scope="module")
def verifier(course):
    from parcours.term.verification_service import Verifier

    root, _ = course
    clock = Clock()
    with _env():
        v = Verifier(root, attempts_per_day=3, concurrent=2, now=clock).start()
    v.clock = clock
    yield v
    v.close()


@pytest.fixture(scope="module")
def answers(verifier, course):
    _, copies = course
    return {sid: verifier.verify(sid, TD, data) for sid, data in copies.items()}


def _graded_items() -> list[str]:
    """The graded items of the TD's source notebook (autograded tests and written answers)."""
    nb = json.loads((ROOT / "solutions" / TD / f"{TD}.ipynb").read_text(encoding="utf-8"))
    return [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    ]


def test_points_equal_what_corriger_gives_the_same_copies(answers, course, tmp_path):
    from parcours.grading.batch import grade_batch

    root, copies = course
    offline = tmp_path / "cours"
    shutil.copytree(root, offline, ignore=shutil.ignore_patterns("verifications.csv"))
    for sid, data in copies.items():
        folder = offline / "submitted" / sid / TD
        folder.mkdir(parents=True)
        (folder / f"{TD}.ipynb").write_bytes(data)
    with _env():
        batch = grade_batch(TD, root=offline, workers=2, force=True)
    for sid, answer in answers.items():
        graded = batch.results[sid]
        assert answer["points"] == graded.score, (
            f"{sid} : la vérification diffère de la correction."
        )
        assert answer["sur"] == graded.max_score == 16
        by_label = {q["question"]: q["points"] for q in answer["questions"]}
        assert len(by_label) == len(_graded_items())
    assert answers["anais.full"]["points"] == 16, "La copie complète n'a pas la note maximale."
    assert 0 < answers["loic.partial"]["points"] < 16
    assert 0 < answers["ines.mistake"]["points"] < 16
    assert not (offline / "verifications.csv").exists()


def test_answer_shows_points_and_fixed_messages_only(answers, course):
    root, _ = course
    text = json.dumps(answers, ensure_ascii=False)
    assert tc.CANARY not in text, "Le code ou le message d'un test caché a fuité."
    for leak in ("BEGIN HIDDEN", "_attendu", "Traceback", "assert ", "charger("):
        assert leak not in text, leak
    assert not re.search(r"attendu \d", text)
    mistake = {q["question"]: q for q in answers["ines.mistake"]["questions"]}
    q01 = mistake["Question 1 · taux reponse"]
    assert q01["points"] == 0
    assert q01["message"].startswith("Réponse incorrecte")
    csat = mistake["Question 3 · csat"]
    assert csat["points"] == 0 and "pourcentage" in csat["message"]
    assert mistake["Question 2 · nps global"]["message"] == "Réussi."
    assert mistake["Question 11 · analyse"]["points"] is None
    assert "pas la note" in answers["ines.mistake"]["avertissement"]
    # nothing reached the teacher's grading folders
    assert not (root / "gradebook.db").exists()
    assert not (root / "autograded").exists() and not (root / "submitted").exists()


def test_attempts_are_limited_per_day_and_logged(verifier, answers, course):
    from parcours.term.verification_service import Refused

    _, copies = course
    student = "anais.full"
    assert answers[student]["essais_restants"] == 2
    verifier.clock.at += timedelta(hours=1)
    second = verifier.verify(student, TD, copies[student])
    assert second["essais_restants"] == 1
    verifier.clock.at += timedelta(hours=1)
    verifier.verify(student, TD, copies[student])
    verifier.clock.at += timedelta(hours=1)
    with pytest.raises(Refused) as refused:
        verifier.verify(student, TD, copies[student])
    # the first attempt was at 9:00 on 20/11: the next is allowed 24 hours later
    assert "Prochaine vérification possible le 21/11/2026 à 09:00" in refused.value.message
    assert refused.value.next_at == datetime(2026, 11, 21, 9, 0)
    # another student is not affected
    assert verifier.verify("loic.partial", TD, copies["loic.partial"])["essais_restants"] == 1
    verifier.clock.at = datetime(2026, 11, 21, 9, 1)
    assert verifier.verify(student, TD, copies[student])["points"] == 16
    rows = (verifier.root / "verifications.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "date;etudiant;td;points;sur;duree_s"
    mine = [r.split(";") for r in rows[1:] if r.split(";")[1] == student]
    assert [r[0] for r in mine] == [
        "2026-11-20T09:00:00",
        "2026-11-20T10:00:00",
        "2026-11-20T11:00:00",
        "2026-11-21T09:01:00",
    ]
    assert all(r[2:4] == [TD, "16.0"] for r in mine)


def test_bad_requests_get_a_french_message_and_cost_no_attempt(verifier, course):
    _, copies = course
    with pytest.raises(ValueError, match="TD inconnu"):
        verifier.verify("anais.full", "td99_rien", copies["anais.full"])
    with pytest.raises(ValueError, match="pas un notebook lisible"):
        verifier.verify("zoe", TD, b"pas du json")
    with pytest.raises(ValueError, match="Identifiant étudiant invalide"):
        verifier.verify("../prof", TD, copies["anais.full"])
    rows = (verifier.root / "verifications.csv").read_text(encoding="utf-8")
    assert "zoe" not in rows and "td99" not in rows


def test_off_the_hub_the_notebook_says_the_check_is_on_the_hub_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    out = subprocess.run(
        [sys.executable, "-c", "import parcours; parcours.verifier()"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "n'est disponible que sur le JupyterHub du cours" in out.stdout
    assert out.stderr == ""


def test_unreachable_service_and_unsaved_notebook_are_told_in_french(tmp_path, course):
    from parcours.notebook.verifier import VerificationError, check

    root, copies = course
    nb = tmp_path / f"{TD}.ipynb"
    nb.write_bytes(copies["anais.full"])
    env = {
        "JUPYTERHUB_USER": "anais.full",
        "JUPYTERHUB_API_TOKEN": "x",
        "PARCOURS_VERIFIER_URL": "http://127.0.0.1:9/services/parcours-verifier/",
        "JPY_SESSION_NAME": str(nb),
    }
    with pytest.raises(VerificationError, match="ne répond pas"):
        check(env, timeout=5)
    with pytest.raises(VerificationError, match="introuvable"):
        check({**env, "JPY_SESSION_NAME": str(tmp_path / "autre.ipynb")})
