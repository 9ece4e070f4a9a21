"""Test helper: a temporary course folder with TD03 submissions, honest and adversarial.

``make_course(tmp)`` copies the TD03 source into ``tmp/solutions`` and returns a writer
``put(student, notebook_or_text, name=None)`` that drops a submission in ``tmp/submitted``; the
notebooks come from :class:`parcours.grading.config.Course` (the released TD filled with its solution).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell
from nbgrading import course

TD = "td03_satisfaction"
FULL = 16.0
Q01, Q02, Q03 = "td03_q01_taux_reponse", "td03_q02_nps_global", "td03_q03_csat"
Q04, Q09 = "td03_q04_ces_moyen", "td03_q09_delai_median"


def make_course(root: Path):
    c = course(TD)
    (root / "solutions" / TD).mkdir(parents=True)
    shutil.copy2(c.source_path, root / "solutions" / TD / f"{TD}.ipynb")

    def put(student: str, nb, name: str | None = None) -> Path:
        folder = root / "submitted" / student / TD
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{TD}.ipynb")
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)
        return path

    return c, put


def index_of(nb, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def with_cell(nb, after: str, code: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(index_of(nb, after) + 1, new_code_cell(code))
    return nb


def raw_json(nb, **changes) -> str:
    data = json.loads(nbformat.writes(nb))
    for cell in data["cells"]:
        cell.pop("id", None)
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)
