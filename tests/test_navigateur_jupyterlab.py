"""A TD done in JupyterLab by a student, in real Chromium: type, run, read the hints, validate, grade.

JupyterLab (with nbgrader's lab extension) serves a fresh copy of ``exercises/`` on 127.0.0.1, with
the student id set as a JupyterHub would set it. The student types two answers in the notebook's
editor, runs every cell, reads the French hint of a visible test, moves a slider of the NPS widget,
clicks nbgrader's *Validate* button and saves; the saved notebook is then graded by nbgrader and
must score exactly the points of the two answers. Slow (one JupyterLab, one kernel): runs once.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from navigateur import (  # noqa: F401 - fixture
    CAPTURES,
    LAB_SETTINGS,
    MOBILE,
    ROOT,
    cell_output,
    navigateur,
    notebook_cell,
    run_all_cells,
    type_answer,
)
from nbgrading import course

from parcours.grading.config import strip_solution_markers

pytestmark = [pytest.mark.xdist_group("jupyterlab"), pytest.mark.e2e]

TD = "td03_satisfaction"
STUDENT = "etudiant_test"
Q1, Q2 = "td03_q01_taux_reponse", "td03_q02_nps_global"
POINTS = {Q1: 1, Q2: 2}  # the two questions answered; every other one scores 0
WRONG_Q1 = 'taux_reponse = enquete["repondu"].mean()  # une proportion, pas un %'
HINT_Q1 = "Exprimez le taux de réponse en %"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solution(grade_id: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / TD / f"{TD}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return strip_solution_markers(cell.source)
    raise KeyError(grade_id)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 over a fresh copy of exercises/, as student ``etudiant_test``."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    work = tmp / "travail"
    shutil.copytree(ROOT / "exercises", work)
    settings = tmp / "reglages"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARCOURS_", "JUPYTERHUB_"))}
    env.update(
        JUPYTERHUB_USER=STUDENT,
        HOME=str(tmp),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        PYTHONWARNINGS="ignore",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    log = (tmp / "jupyterlab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp / 'espaces'}",
            "--LabApp.expose_app_in_browser=True",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "JupyterLab n'a pas démarré :\n"
                        + (tmp / "jupyterlab.log").read_text(encoding="utf-8")[-3000:]
                    )
                time.sleep(0.5)
        yield {"base": base, "token": token, "work": work}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_student_does_td03_in_jupyterlab(navigateur, jupyterlab):  # noqa: F811 - fixture
    context = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    url = f"{jupyterlab['base']}/lab/tree/{TD}/{TD}.ipynb?token={jupyterlab['token']}"
    try:
        page.goto(url)
        page.wait_for_function(
            """() => window.jupyterapp && window.jupyterapp.shell.currentWidget
                 && window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel
                 && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel
                      .status === "idle" """,
            timeout=120_000,
        )

        # JupyterLab speaks French (language pack, French by default in the course's venv).
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Fichier" in menus and "Affichage" in menus, f"menus de JupyterLab : {menus}"

        # A wrong first answer: the visible test explains, in French, what to fix, in a short
        # box (no traceback into the package).
        type_answer(page, f"{Q1}_reponse", WRONG_Q1)
        run_all_cells(page)
        shown = cell_output(page, Q1)
        assert HINT_Q1 in shown, shown
        assert "Traceback" not in shown and "verification.py" not in shown, shown
        assert "taux_reponse" in shown.splitlines()[0], shown
        CAPTURES.mkdir(parents=True, exist_ok=True)
        notebook_cell(page, Q1).scroll_into_view_if_needed()
        page.screenshot(path=str(CAPTURES / "jupyterlab_verification_bureau.png"))
        # On a phone the file browser would take most of the width: a student closes it.
        page.set_viewport_size(MOBILE)
        page.evaluate("window.jupyterapp.shell.collapseLeft()")
        notebook_cell(page, Q1).scroll_into_view_if_needed()
        page.screenshot(path=str(CAPTURES / "jupyterlab_verification_telephone.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.evaluate("window.jupyterapp.shell.expandLeft()")

        # Corrected, and a second answer: the hint disappears, every cell above Q3 runs.
        type_answer(page, f"{Q1}_reponse", _solution(f"{Q1}_reponse"))
        type_answer(page, f"{Q2}_reponse", _solution(f"{Q2}_reponse"))
        run_all_cells(page)
        assert HINT_Q1 not in notebook_cell(page, Q1).locator(".jp-OutputArea").inner_text()
        assert "Taux de réponse :" in cell_output(page, f"{Q1}_reponse")
        assert "NPS global :" in cell_output(page, f"{Q2}_reponse")
        assert "Error" not in cell_output(page, Q2)

        # Question 3's check run before its answer: the question to run, not a NameError.
        q3 = notebook_cell(page, "td03_q03_csat")
        q3.scroll_into_view_if_needed()
        q3.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            "() => document.querySelector(\".jp-Cell[data-grade-id='td03_q03_csat'] "
            ".jp-OutputArea\")?.innerText.includes('existe pas encore')",
            timeout=60_000,
        )
        shown = cell_output(page, "td03_q03_csat")
        assert "exécutez la cellule de la question 3" in shown and "NameError" not in shown, shown

        # The NPS widget: moving the promoters' slider redraws the chart.
        widget = notebook_cell(page, "td03_widget_nps")
        slider = widget.locator(".widget-slider").first
        slider.wait_for(timeout=30_000)
        readout = widget.locator(".widget-readout").first
        chart = widget.locator(".jp-OutputArea-output img").first
        chart.wait_for(timeout=30_000)
        before_value, before_chart = readout.inner_text(), chart.get_attribute("src")
        slider.locator(".noUi-handle, .slider-handle, [role='slider']").first.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 30
        while chart.get_attribute("src") == before_chart and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert chart.get_attribute("src") != before_chart, "le graphique du widget ne change pas"
        assert readout.inner_text() != before_value

        # nbgrader's Validate button reports the result (unanswered questions still fail).
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=180_000)
        page.wait_for_function(
            "() => !document.querySelector('.jp-Dialog')?.innerText.includes('Validating')",
            timeout=180_000,
        )
        report = dialog.inner_text()
        assert "Validation" in report, report
        assert "NotImplementedError" in report or "failed" in report.lower(), report
        dialog.get_by_role("button").last.click()

        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
        )
    finally:
        context.close()

    # The saved notebook, graded by nbgrader: exactly the points of the two answers.
    saved = nbformat.read(jupyterlab["work"] / TD / f"{TD}.ipynb", as_version=4)
    graded = course(TD).autograde(saved, student=STUDENT)
    for gid, (score, max_score) in graded.grades.items():
        assert score == POINTS.get(gid, 0), (gid, score, max_score)
    assert graded.score == sum(POINTS.values())
