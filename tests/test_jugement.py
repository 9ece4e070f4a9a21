"""How much of each TD rewards reading and deciding rather than code (issue 21, part 2).

Every graded cell of a TD carries, beside nbgrader's metadata, ``parcours: {"type": ...}``:
``"jugement"`` for a choice whose right answer the student reads from their results or a situation
(auto-graded by the trusted checks) and for a written answer marked by hand with its mark scheme;
``"calcul"`` for an answer that is code. The share is the judgement points over all points.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TDS = sorted(p.name for p in (ROOT / "solutions").glob("td*") if p.is_dir())
MIN_SHARE = 0.35  # TD0 aside: it teaches the tools


def graded_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def judgement_share(path: Path) -> float:
    points = {"jugement": 0.0, "calcul": 0.0}
    for cell in graded_cells(path):
        points[cell["metadata"]["parcours"]["type"]] += cell["metadata"]["nbgrader"]["points"]
    return points["jugement"] / (points["jugement"] + points["calcul"])


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("td", TDS)
def test_every_graded_cell_says_whether_it_is_code_or_judgement(td, folder):
    """The type survives nbgrader's release: the student's notebook carries it too."""
    cells = graded_cells(ROOT / folder / td / f"{td}.ipynb")
    assert cells
    for cell in cells:
        kind = cell["metadata"].get("parcours", {}).get("type")
        assert kind in ("calcul", "jugement"), cell["metadata"]["nbgrader"]["grade_id"]
        if cell["cell_type"] == "markdown":  # a written answer, marked by hand
            assert kind == "jugement", cell["metadata"]["nbgrader"]["grade_id"]


@pytest.mark.parametrize("td", [td for td in TDS if not td.startswith("td00")])
def test_at_least_35_percent_of_the_points_reward_judgement(td):
    share = judgement_share(ROOT / "solutions" / td / f"{td}.ipynb")
    assert share >= MIN_SHARE, f"{td} : {share:.0%} des points pour le jugement"


def test_the_share_counts_points_not_cells(tmp_path):
    def cell(kind, points, cell_type="code"):
        meta = {"nbgrader": {"grade": True, "points": points, "grade_id": "x"}}
        return {"cell_type": cell_type, "metadata": {**meta, "parcours": {"type": kind}}}

    nb = {"cells": [cell("calcul", 3), cell("jugement", 1), cell("jugement", 2, "markdown")]}
    path = tmp_path / "td.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert judgement_share(path) == 0.5


def test_teacher_guide_states_each_tds_share_as_computed():
    guide = (ROOT / "book" / "guide_enseignant.md").read_text(encoding="utf-8")
    for td in TDS[1:]:
        path = ROOT / "solutions" / td / f"{td}.ipynb"
        cells = graded_cells(path)
        total = sum(c["metadata"]["nbgrader"]["points"] for c in cells)
        share = judgement_share(path)
        line = f"| TD {int(td[2:4])} — "
        row = next(r for r in guide.splitlines() if r.startswith(line))
        assert f"{share * total:g} / {total:g} ({share:.0%})".replace("%", " %") in row, row
