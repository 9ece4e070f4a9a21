"""TD04 on a portfolio where a status has no customer (issue 21, erratum 8b).

A base where nobody is « nouveau » must give 0 € of revenue for that status, in the solution, the
statement's hint and the visible check: a correct 0 passes, a NaN is refused with a French hint.
The solution and the visible check are taken from the source notebook and run on such a portfolio.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from parcours.grading.checks import visible_part
from parcours.grading.config import strip_solution_markers

ROOT = Path(__file__).resolve().parents[1]
TD = "td04_cycle_de_vie"


def _cells() -> dict[str, dict]:
    nb = json.loads((ROOT / "solutions" / TD / f"{TD}.ipynb").read_text(encoding="utf-8"))
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]}


def _source(gid: str) -> str:
    return "".join(_cells()[gid]["source"])


def _portfolio_without_new_customers() -> dict:
    ids = ["C1", "C2", "C3", "C4"]
    tableau = pd.DataFrame({"ca": [120.0, 80.0, 40.0, float("nan")]}, index=ids)
    statut = pd.Series(["actif", "dormant", "perdu", "prospect"], index=ids, name="statut")
    return {"tableau": tableau, "statut": statut, "pd": pd}


def _run(code: str, namespace: dict) -> dict:
    exec(compile(code, "<cellule>", "exec"), namespace)
    return namespace


def test_a_status_without_customers_gets_zero_and_passes_the_visible_check():
    ns = _run(
        strip_solution_markers(_source("td04_q06_ca_reponse")), _portfolio_without_new_customers()
    )
    ca = ns["ca_par_statut"]
    assert ca["nouveau"] == 0 and not ca.isna().any()
    assert list(ca.index) == ["nouveau", "actif", "dormant", "perdu"]
    _run(visible_part(_source("td04_q06_ca")), ns)  # raises on failure


def test_a_missing_status_left_as_nan_is_refused_with_a_hint():
    ns = _portfolio_without_new_customers()
    ns["ca_par_statut"] = (
        ns["tableau"]["ca"]
        .groupby(ns["statut"])
        .sum()
        .reindex(["nouveau", "actif", "dormant", "perdu"])
    )
    with pytest.raises(AssertionError, match="fill_value=0"):
        _run(visible_part(_source("td04_q06_ca")), ns)


def test_statement_and_hidden_check_count_an_empty_status_as_zero():
    assert "fill_value=0" in _source("td04_q06_enonce")
    assert "fill_value=0" in _source("td04_q04_enonce")
    assert 'reindex(["nouveau", "actif", "dormant", "perdu"], fill_value=0.0)' in _source(
        "td04_q06_ca"
    )
