"""TD04's solution run outside nbgrader on generated data (issue 21, errata 8 and 8b).

The answer cells of the source notebook run, in order, on a student's generated variant, as a
student's kernel would run them:
- RFM ties (erratum 8): the scores the solution teaches must not depend on the order of the rows;
- an empty status (erratum 8b): a portfolio generated with no « nouveau » customer must give 0 € of
  revenue for that status, in the solution, the statement's hint, the visible check and the hidden
  check; a NaN is refused with a French hint.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import parcours
from parcours import DATE_REFERENCE
from parcours.data import core, generator, variant_truth
from parcours.grading.checks import visible_part
from parcours.grading.config import strip_solution_markers

ROOT = Path(__file__).resolve().parents[1]
TD = "td04_cycle_de_vie"
STATUTS = ["suspect", "prospect", "nouveau", "actif", "dormant", "perdu"]
UP_TO_RFM = ("q01_achats", "q02_dates", "q03_statuts", "q08_rfm")


def _cells() -> dict[str, dict]:
    nb = json.loads((ROOT / "solutions" / TD / f"{TD}.ipynb").read_text(encoding="utf-8"))
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]}


def _source(gid: str) -> str:
    return "".join(_cells()[gid]["source"])


def _run(code: str, namespace: dict) -> dict:
    exec(compile(code, "<cellule>", "exec"), namespace)
    return namespace


def _solution(clients: pd.DataFrame, transactions: pd.DataFrame, questions) -> dict:
    """The namespace after the setup cell's names and the solution of each answer cell."""
    ns = {
        "pd": pd,
        "np": np,
        "DATE_REFERENCE": DATE_REFERENCE,
        "STATUTS": STATUTS,
        "clients": clients,
        "transactions": transactions,
    }
    for q in questions:
        _run(strip_solution_markers(_source(f"td04_{q}_reponse")), ns)
    return ns


# --- Erratum 8: RFM ties.


@pytest.mark.parametrize("student", ["lea", "marc"])
def test_rfm_scores_of_the_solution_do_not_depend_on_row_order(student):
    clients, tx = parcours.charger("clients", student), parcours.charger("transactions", student)
    as_given = _solution(clients, tx, UP_TO_RFM)["rfm"]
    shuffled = _solution(clients.iloc[::-1], tx.sample(frac=1, random_state=3), UP_TO_RFM)[
        "rfm"
    ].reindex(as_given.index)
    changed = {s: f"{(as_given[s] != shuffled[s]).mean():.1%}" for s in ("R", "F", "M")}
    assert changed == {"R": "0.0%", "F": "0.0%", "M": "0.0%"}, (
        "scores changés par l'ordre des lignes"
    )
    # Still five quintiles of equal size (to one client), as the hidden check requires.
    for score in ("R", "F", "M"):
        sizes = as_given[score].value_counts()
        assert sorted(sizes.index) == [1, 2, 3, 4, 5]
        assert sizes.max() - sizes.min() <= 1


def test_statement_and_toolbox_teach_the_same_tie_rule():
    statement = _source("td04_q08_enonce")
    toolbox = (ROOT / "book" / "boite_a_outils.md").read_text(encoding="utf-8")
    for text in (statement, toolbox):
        assert "sort_values" in text and 'rank(method="first")' in text
    assert "boite_a_outils_ex_aequo" in toolbox and "ex aequo" in statement


# --- Erratum 8b: a status with no customer.


@pytest.fixture
def no_new_customer(monkeypatch):
    """A variant generated with no « nouveau » customer (the status's share set to 0)."""
    shares = core.STATUS_SHARES.copy()
    shares[STATUTS.index("nouveau")] = 0.0
    monkeypatch.setattr(core, "STATUS_SHARES", shares)
    for cached in (generator._plan_and_portfolio, generator._frame):
        cached.cache_clear()
    yield "lea"
    for cached in (generator._plan_and_portfolio, generator._frame):
        cached.cache_clear()


def test_the_generated_variant_really_has_no_new_customer(no_new_customer):
    statuses = variant_truth(no_new_customer)["statuses"].astype(str)
    assert "nouveau" not in set(statuses) and statuses.nunique() == 5


def test_a_status_without_customers_gets_zero_in_solution_visible_and_hidden_checks(
    no_new_customer, monkeypatch
):
    student = no_new_customer
    monkeypatch.setenv("PARCOURS_ETUDIANT", student)
    clients, tx = parcours.charger("clients"), parcours.charger("transactions")
    ns = _solution(
        clients, tx, ("q01_achats", "q02_dates", "q03_statuts", "q04_effectifs", "q06_ca")
    )
    ca = ns["ca_par_statut"]
    assert ca["nouveau"] == 0 and not ca.isna().any()
    assert list(ca.index) == ["nouveau", "actif", "dormant", "perdu"]
    assert ns["effectifs"]["nouveau"] == 0
    # The whole test cells (visible and hidden parts) pass; each raises on failure.
    for gid in ("td04_q04_effectifs", "td04_q06_ca"):
        _run(strip_solution_markers(_source(gid)), ns)


def test_a_missing_status_left_as_nan_is_refused_with_a_hint(no_new_customer, monkeypatch):
    monkeypatch.setenv("PARCOURS_ETUDIANT", no_new_customer)
    clients, tx = parcours.charger("clients"), parcours.charger("transactions")
    ns = _solution(clients, tx, ("q01_achats", "q02_dates", "q03_statuts"))
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
