"""The released TDs: golden copies of what nbgrader makes now, with no solution or hidden test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbgrading import course, grade_td

from parcours.commands.sujets import list_tds, release_all

pytestmark = pytest.mark.xdist_group("exercises")

ROOT = Path(__file__).resolve().parents[1]
TDS = list_tds(ROOT / "solutions")
EXPECTED_TDS = [
    "td00_prise_en_main",
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


# Points of each TD: (autograded, manually graded written analysis).
POINTS = {
    "td00_prise_en_main": (9, 1),
    "td01_experience_client": (15, 3),
    "td02_processus_achat": (14, 3),
    "td03_satisfaction": (16, 4),
    "td04_cycle_de_vie": (18, 4),
}


def test_the_five_tds_exist():
    assert TDS == EXPECTED_TDS


@pytest.mark.parametrize("td", TDS)
def test_source_follows_the_course_conventions(td):
    nb = nbformat.read(ROOT / "solutions" / td / f"{td}.ipynb", as_version=4)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(c.metadata.get("nbgrader") for c in nb.cells), "chaque cellule a ses métadonnées"
    meta = [c.metadata["nbgrader"] for c in nb.cells]
    grade_ids = [m["grade_id"] for m in meta]
    assert len(grade_ids) == len(set(grade_ids))
    header, setup = nb.cells[0], nb.cells[1]
    assert header.cell_type == "markdown" and header.metadata["nbgrader"]["locked"]
    assert "Objectifs" in header.source and "Durée" in header.source
    assert setup.cell_type == "code" and setup.metadata["nbgrader"]["locked"]
    assert 'warnings.filterwarnings("ignore")' in setup.source and "charger(" in setup.source
    tests = [c for c in nb.cells if c.metadata["nbgrader"]["grade"] and c.cell_type == "code"]
    manual = [c for c in nb.cells if c.metadata["nbgrader"]["grade"] and c.cell_type == "markdown"]
    assert 8 <= len(tests) + len(manual) <= 16 and len(manual) == 1
    for cell in tests:
        gid = cell.metadata["nbgrader"]["grade_id"]
        assert re.fullmatch(rf"{td[:4]}_q\d\d_[a-z0-9_]+", gid), gid
        assert f"{gid}_reponse" in grade_ids, f"{gid} n'a pas de cellule réponse"
        first = cell.source.splitlines()[0]
        assert re.fullmatch(r'"""[A-ZÉ][^"]+\."""', first), f"{gid} : docstring d'une ligne"
        assert "### BEGIN HIDDEN TESTS" in cell.source and cell.metadata["nbgrader"]["locked"]
    autograded, written = POINTS[td]
    assert sum(c.metadata["nbgrader"]["points"] for c in tests) == autograded
    assert manual[0].metadata["nbgrader"]["points"] == written
    assert any("ipywidgets" in c.source for c in nb.cells), "une exploration ipywidgets"
    assert any("plt.subplots" in c.source for c in nb.cells if c.metadata["nbgrader"]["solution"])


@pytest.mark.parametrize("td", TDS)
@pytest.mark.parametrize("student", ["etudiant_test", "lea_durand"])
def test_solution_scores_full_marks_for_any_student(td, student):
    graded = grade_td(td, student=student)
    assert graded.max_score == POINTS[td][0]
    assert graded.score == graded.max_score, [g for g, (s, m) in graded.grades.items() if s < m]
    assert graded.manual_max_score == POINTS[td][1]


@pytest.mark.parametrize("td", TDS)
def test_blank_notebook_scores_zero(td):
    graded = grade_td(td, blank=True)
    assert graded.max_score == POINTS[td][0]
    assert all(score == 0 for score, _ in graded.grades.values())


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
    with pytest.raises(
        ValueError, match="TD inconnu : td42. TD disponibles : td00_prise_en_main, td01"
    ):
        release_all(tds=["td42"], output=tmp_path)
