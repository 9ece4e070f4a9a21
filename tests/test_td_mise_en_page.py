"""The four graded TDs share one layout (issue 21, erratum 15): a student who has done TD 3 finds
the same headings, the same « Question N. » markers and the same closing cell in TD 1.

Read from the source notebooks (the released ones are generated from them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TDS = ("td01_experience_client", "td02_processus_achat", "td03_satisfaction", "td04_cycle_de_vie")
HEADING = re.compile(r"^(#{1,3}) (.*)$", re.M)


def _markdown(td: str) -> list[str]:
    nb = json.loads((ROOT / "solutions" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("td", TDS)
def test_header_and_closing_cell_read_alike(td):
    cells = _markdown(td)
    header = cells[0]
    for part in (
        "**Objectifs**\n",
        "**Durée** : 1 h 30",
        "**Outils utilisés**",
        "**Comment travailler**\n",
    ):
        assert part in header, (td, part)
    assert "*Kernel › Restart Kernel and Run All Cells…*" in header
    assert cells[-1].startswith("## Avant de rendre\n"), (td, cells[-1][:40])
    assert cells[-1] == _markdown(TDS[0])[-1]


@pytest.mark.parametrize("td", TDS)
def test_each_question_has_a_numbered_heading_and_a_question_marker(td):
    text = "\n\n".join(_markdown(td))
    numbered = []
    for level, title in HEADING.findall(text):
        assert not title.startswith("Question"), (td, title)
        if level == "##" and re.match(r"\d+\. ", title):
            numbered.append(int(title.split(".")[0]))
        elif level == "##":
            assert title in ("Les données", "Avant de rendre"), (td, title)
        elif level == "###":
            assert not re.match(r"\d", title), (td, title)
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) >= 10, (td, numbered)
    for n in numbered:
        assert re.search(rf"^\*\*Question {n}[ .*]", text, re.M), (td, n)
