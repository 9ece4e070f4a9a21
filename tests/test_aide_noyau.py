"""What a student reads in a real kernel when a check fails or a question was not answered yet.

The released TD03 notebook is run cell by cell in a fresh kernel, as JupyterLab runs it (the
session's notebook path in ``JPY_SESSION_NAME``). A failed check must show a short French box
(what is wrong, the hint, the variable), not a traceback into the package; an unanswered question
must name the question to run, not an English ``NameError``. The cell still ends in error.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
RELEASED = ROOT / "exercises" / "td03_satisfaction" / "td03_satisfaction.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _cell(cells, grade_id):
    return next(
        "".join(c["source"])
        for c in cells
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )


@pytest.fixture(scope="module")
def kernel():
    env = {**os.environ, "JPY_SESSION_NAME": str(RELEASED), "PARCOURS_ETUDIANT": "dupont.marie"}
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(RELEASED.parent), env=env)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc, code):
    outputs = []
    reply = kc.execute_interactive(code, timeout=120, output_hook=outputs.append)
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    return reply["content"], errors


def test_a_failed_check_and_an_unanswered_question_read_in_french(kernel):
    cells = json.loads(RELEASED.read_text(encoding="utf-8"))["cells"]
    status, _ = _run(kernel, _cell(cells, "td03_preparation"))
    assert status["status"] == "ok", status

    # Question 1 not answered: its check names the variable and the question to run.
    status, errors = _run(kernel, _cell(cells, "td03_q01_taux_reponse"))
    assert status["status"] == "error", "la vérification d'une question sans réponse doit échouer"
    assert errors and errors[0]["ename"] == "NameError"
    shown = ANSI.sub("", "\n".join(errors[0]["traceback"]))
    assert "variable taux_reponse n'existe pas encore" in shown, shown
    assert "exécutez la cellule de la question 1" in shown, shown
    assert "Traceback" not in shown and "is not defined" not in shown, shown

    # A proportion instead of a percentage: the check's hint, in a short box.
    _run(kernel, "taux_reponse = enquete['repondu'].mean()")
    status, errors = _run(kernel, _cell(cells, "td03_q01_taux_reponse"))
    assert status["status"] == "error", "une réponse fausse doit laisser la cellule en erreur"
    shown = ANSI.sub("", "\n".join(errors[0]["traceback"]))
    assert "Exprimez le taux de réponse en %" in shown, shown
    assert "taux_reponse" in shown.splitlines()[0], shown
    assert "verification.py" not in shown and "Traceback" not in shown, shown
    assert len(shown.splitlines()) <= 8, f"l'encadré est trop long :\n{shown}"

    # A typo in the student's own code keeps Python's usual message.
    status, errors = _run(kernel, "print(taux_reponce)")
    shown = ANSI.sub("", "\n".join(errors[0]["traceback"]))
    assert "taux_reponce" in shown and "n'existe pas encore" not in shown, shown

    # Right answer: no error at all.
    _run(kernel, "taux_reponse = enquete['repondu'].mean() * 100")
    status, errors = _run(kernel, _cell(cells, "td03_q01_taux_reponse"))
    assert status["status"] == "ok" and not errors, errors
