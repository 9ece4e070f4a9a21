"""The toolbox page (book/boite_a_outils.md) covers every pandas or numpy call of the TDs.

Every code cell of every solution notebook is parsed (hidden tests removed: students never see
them). A call counts as pandas or numpy when it is ``pd.f(...)`` or ``np.f(...)``, goes through an
accessor (``.str``, ``.dt``, ``.cat``, ``.plot``), or names a method of pandas' tables, series,
indexes or groups. A name that builtin containers also have (``count``, ``replace``, ``items``…)
counts only on a pandas-looking receiver (a column, a call result, an attribute), not on a plain
name or a literal. Calls on names that start with ``_`` belong to the checks' own code.
Each call ``name`` needs the label ``boite_a_outils_<name>`` (dots as ``_``) on the page.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "boite_a_outils.md"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)
ACCESSORS = ("str", "dt", "cat", "plot")
NOT_PANDAS = ("plt", "ax", "fig", "axe", "widgets", "warnings")


@cache
def _pandas_methods() -> frozenset[str]:
    import pandas as pd
    from pandas.core.groupby import DataFrameGroupBy, SeriesGroupBy

    names: set[str] = set()
    for obj in (pd.DataFrame, pd.Series, pd.Index, DataFrameGroupBy, SeriesGroupBy):
        names |= {n for n in dir(obj) if not n.startswith("_")}
    return frozenset(names)


@cache
def _builtin_methods() -> frozenset[str]:
    return frozenset(n for t in (str, list, dict, set, tuple) for n in dir(t) if n[0] != "_")


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def pandas_calls(code: str) -> set[str]:
    """The pandas and numpy functions and methods a piece of code calls."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        root = _root(receiver)
        if isinstance(root, ast.Name) and root.id.startswith("_"):
            continue
        if isinstance(receiver, ast.Name) and receiver.id in ("pd", "np"):
            found.add(f"{receiver.id}.{name}")
        elif isinstance(receiver, ast.Attribute) and receiver.attr in ACCESSORS:
            found.add(f"{receiver.attr}.{name}")
        elif name in _pandas_methods():
            if isinstance(receiver, ast.Name) and receiver.id in NOT_PANDAS:
                continue
            plain = (ast.Name, ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.JoinedStr)
            if name in _builtin_methods() and isinstance(receiver, plain):
                continue
            found.add(name)
    return found


def solution_calls() -> dict[str, set[str]]:
    """Every pandas or numpy call of the solution notebooks, with the TDs that make it."""
    calls: dict[str, set[str]] = {}
    for path in sorted((ROOT / "solutions").glob("td*/td*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = HIDDEN.sub("", "".join(cell["source"]))
            source = "\n".join(
                line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
            )
            for name in pandas_calls(source):
                calls.setdefault(name, set()).add(path.stem)
    return calls


def label(name: str) -> str:
    return "boite_a_outils_" + name.lower().replace(".", "_")


def page_labels() -> set[str]:
    return set(re.findall(r"^\(([\w-]+)\)=$", PAGE.read_text(encoding="utf-8"), flags=re.M))


def test_the_scan_finds_pandas_calls_and_leaves_builtins_and_checks_alone():
    code = (
        "t = pd.crosstab(a, b)\n"
        'x = df["montant"].groupby(df["canal"]).mean().round(1)\n'
        'liste.append(1)\ns = "a".replace("a", "b")\nn = df["motif"].str.upper()\n'
        "_v.verifier(x.between(0, 1).all(), 'ok')\n_e = _charger('x').astype(int)\n"
        'ax.barh(x.index, x)\ny = df["c"].replace("a", "b")\n'
    )
    assert pandas_calls(code) == {  # a check's own calls are skipped, not the answers it reads
        "between",
        "all",
        "pd.crosstab",
        "groupby",
        "mean",
        "round",
        "str.upper",
        "replace",
    }


def test_every_tool_of_the_tds_has_its_entry_in_the_toolbox():
    labels = page_labels()
    missing = {
        name: sorted(tds) for name, tds in solution_calls().items() if label(name) not in labels
    }
    assert not missing, f"Outils sans entrée dans la boîte à outils : {missing}"


@pytest.mark.parametrize(
    "td", sorted(p.name for p in (ROOT / "solutions").glob("td*") if p.is_dir())
)
def test_each_td_names_the_toolbox_entries_it_needs(td):
    """The TD's book page links every entry its solution uses; its notebook names the page."""
    needed = {label(n) for n, tds in solution_calls().items() if td in tds}
    page = (ROOT / "book" / f"{td}.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"<(boite_a_outils_\w+)>", page))
    assert needed <= linked, f"{td}.md ne renvoie pas à : {sorted(needed - linked)}"
    assert linked <= page_labels(), sorted(linked - page_labels())
    header = json.loads((ROOT / "solutions" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    assert "Boîte à outils pandas pour le marketing" in "".join(header["cells"][0]["source"])
