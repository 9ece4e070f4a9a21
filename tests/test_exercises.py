"""The released TDs: golden copies of what nbgrader makes now, with no solution or hidden test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbgrading import course

from parcours.commands.sujets import list_tds, release_all

pytestmark = pytest.mark.xdist_group("exercises")

ROOT = Path(__file__).resolve().parents[1]
TDS = list_tds(ROOT / "solutions")
EXPECTED_TDS = [
    "td01_experience_client",
    "td02_processus_achat",
    "td03_satisfaction",
    "td04_cycle_de_vie",
]
REGION = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)\n[^\n]*END \1", re.S)


def without_ids(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        cell.pop("id", None)
    return nb


def test_the_four_tds_exist():
    assert TDS == EXPECTED_TDS


@pytest.mark.parametrize("td", TDS)
def test_sources_carry_no_outputs(td):
    nb = nbformat.read(ROOT / "solutions" / td / f"{td}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("td", TDS)
def test_exercises_are_what_nbgrader_generates_now(td):
    fresh = json.loads(course(td).release_path.read_text(encoding="utf-8"))
    committed = json.loads((ROOT / "exercises" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    assert without_ids(committed) == without_ids(fresh), (
        f"exercises/{td} n'est pas à jour : lancez `make exercises`."
    )


@pytest.mark.parametrize("td", TDS)
def test_released_notebook_hides_solutions_and_hidden_tests(td):
    source = (ROOT / "solutions" / td / f"{td}.ipynb").read_text(encoding="utf-8")
    released = nbformat.read(ROOT / "exercises" / td / f"{td}.ipynb", as_version=4)
    released_text = "\n".join(c.source for c in released.cells)
    assert "BEGIN SOLUTION" not in released_text and "HIDDEN TESTS" not in released_text
    assert "VOTRE CODE ICI" in released_text
    src_nb = nbformat.reads(source, as_version=4)
    secret_lines, public_lines = set(), set()
    for cell in src_nb.cells:
        for match in REGION.finditer(cell.source):
            secret_lines |= {
                line.strip()
                for line in match.group(2).splitlines()
                if len(line.strip()) > 25 and not line.strip().startswith(("#", "import ", "from "))
            }
        public_lines |= {line.strip() for line in REGION.sub("", cell.source).splitlines()}
    secret_lines -= public_lines  # a line the teacher also shows openly is no secret
    visible = {line.strip() for line in released_text.splitlines()}
    leaked = sorted(secret_lines & visible)
    assert not leaked, f"Solution ou test caché visible dans le sujet : {leaked[:3]}"


def test_release_is_refused_when_the_solution_fails(tmp_path):
    solutions = tmp_path / "solutions"
    td = "td98_faux"
    (solutions / td).mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    meta = {"schema_version": 3, "locked": False}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
            metadata={
                "nbgrader": {
                    **meta,
                    "grade_id": "td98_q01_x_reponse",
                    "solution": True,
                    "grade": False,
                }
            },
        ),
        nbformat.v4.new_code_cell(
            '"""Vérifie x."""\nassert x == 2, "x doit valoir 2."',
            metadata={
                "nbgrader": {
                    **meta,
                    "grade_id": "td98_q01_x",
                    "solution": False,
                    "grade": True,
                    "points": 1,
                    "locked": True,
                }
            },
        ),
    ]
    nbformat.write(nb, solutions / td / f"{td}.ipynb")
    output = tmp_path / "exercises"
    with pytest.raises(ValueError, match=r"td98_faux : la solution obtient 0/1 .*td98_q01_x"):
        release_all(solutions=solutions, output=output)
    assert not output.exists()
    done = release_all(solutions=solutions, output=output, check=False)
    assert done == [(td, output / td / f"{td}.ipynb")]


def test_unknown_td_is_refused_in_french(tmp_path):
    with pytest.raises(ValueError, match="TD inconnu : td42. TD disponibles : td01"):
        release_all(tds=["td42"], output=tmp_path)
