"""Conventions every check of the four TDs follows, so it grades the same in the student's kernel
and in the grader's process (DESIGN.md, contracts 1 and 2 of the brief)."""

from __future__ import annotations

import builtins
import json
import symtable
from pathlib import Path

import pytest

from parcours.grading.config import strip_solution_markers

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
TDS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def _cells(td: str) -> list[dict]:
    nb = json.loads((SOLUTIONS / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell: dict) -> str:
    src = cell["source"]
    return strip_solution_markers("".join(src) if isinstance(src, list) else src)


def bound_names(code: str) -> set[str]:
    """Names a cell binds at the top level (assignments, imports, defs, loop targets)."""
    table = symtable.symtable(code, "<cell>", "exec")
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


def free_names(code: str) -> set[str]:
    """Names a cell reads without binding them, in any of its scopes: what the grader exports."""
    bound = bound_names(code)
    free: set[str] = set()

    def walk(table: symtable.SymbolTable, top: bool) -> None:
        for s in table.get_symbols():
            name = s.get_name()
            if not s.is_referenced() or name in bound:
                continue
            if top and not (s.is_assigned() or s.is_imported()):
                free.add(name)
            elif not top and s.is_global():
                free.add(name)
        for child in table.get_children():
            walk(child, False)

    walk(symtable.symtable(code, "<cell>", "exec"), True)
    return free


def test_free_names_are_read_the_way_the_grader_exports_them():
    code = "import pandas as _pd\n_x = [a for _i in b]\ndef _f(y):\n    return y + c + len(y)\n"
    assert free_names(code) == {"a", "b", "c", "len"}


@pytest.mark.parametrize("td", TDS)
def test_checks_only_read_answer_names(td):
    """Every free name of every check is bound in an answer cell: no builtin, no provided table."""
    cells = _cells(td)
    answers: set[str] = set()
    for cell in cells:
        if _meta(cell).get("solution"):
            answers |= bound_names(_source(cell))
    checks = [c for c in cells if _meta(c).get("grade") and not _meta(c).get("solution")]
    assert checks
    problems = {}
    for cell in checks:
        source = (
            _source(cell).replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", "")
        )
        outside = free_names(source) - answers
        if outside:
            problems[_meta(cell)["grade_id"]] = sorted(outside)
    assert not problems, problems


def test_a_builtin_is_never_a_free_name_of_a_check():
    """A student may rebind ``list``, ``min``, ``sum``…: a check that read one would break."""
    assert "min" in free_names("_x = min(a)") & set(dir(builtins))


@pytest.mark.parametrize("td", TDS)
def test_checks_start_with_a_french_docstring_and_carry_points_in_metadata(td):
    """One-line French docstring first; points only in nbgrader's metadata."""
    for cell in _cells(td):
        meta = _meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            first = _source(cell).lstrip().splitlines()[0]
            assert first.startswith('"""Vérifie'), meta["grade_id"]
            assert first.endswith('"""') and meta["points"] > 0, meta["grade_id"]
