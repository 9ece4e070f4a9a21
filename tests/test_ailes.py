"""The package's four wings: who may import whom, what a student's kernel loads, and the names the
notebooks use, read from the code itself (imports and notebook cells), not listed by hand."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel
from nbgrading import released_setup_cell

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "parcours"
WINGS = ("data", "notebook", "grading", "term", "commands")

# Who may import whom (the package's top-level modules are the stable re-exports and the CLI).
ALLOWED = {
    "data": set(),
    "notebook": {"data"},
    "grading": {"data", "notebook"},
    "term": {"data", "notebook", "grading"},
    "commands": {"data", "notebook", "grading", "term"},
}
TEACHER_ONLY = ("parcours.grading", "parcours.term", "parcours.commands", "nbgrader", "nbformat")
TEACHER_ONLY += ("nbconvert", "jupyter_book", "sphinx", "openpyxl", "sqlalchemy", "psycopg")


def _wing(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "parcours" and parts[1] in WINGS else None


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Every ``parcours…`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # modules started by name: ``python -m parcours.grading.zygote``, client classes
            if node.value.startswith("parcours.") and " " not in node.value:
                found.add(node.value)
    return {m for m in found if m == "parcours" or m.startswith("parcours.")}


def test_each_wing_imports_only_the_wings_below_it():
    broken = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        wing = _wing(module)
        if wing is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in sorted(_imported(tree, module)):
            other = _wing(target)
            if other and other != wing and other not in ALLOWED[wing]:
                broken.append(f"{rel}.py importe {target} (l'aile {wing} n'importe pas {other})")
    assert not broken, "\n".join(broken)


def test_the_package_top_holds_few_modules_and_each_wing_says_what_it_is_for():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, f"trop de modules à la racine du paquet : {top}"
    for wing in WINGS:
        doc = ast.get_docstring(ast.parse((PACKAGE / wing / "__init__.py").read_text()))
        assert doc and len(doc) > 40, f"l'aile parcours.{wing} n'a pas de docstring"


def _notebooks() -> list[Path]:
    return sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("exercises/*/*.ipynb"))


def _cell_code(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        code.append("\n".join(line for line in lines if not line.lstrip().startswith(("%", "!"))))
    return code


def _names_used_by_notebooks() -> set[tuple[str, str]]:
    """(module, name) pairs that notebook cells import or read from a ``parcours`` module."""
    used = set()
    for path in _notebooks():
        for code in _cell_code(path):
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            aliases = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("parcours"):
                    for a in node.names:
                        used.add((node.module, a.name))
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        if a.name.startswith("parcours"):
                            used.add((a.name, ""))
                            aliases[a.asname or a.name] = a.name
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if node.value.id in aliases:
                        used.add((aliases[node.value.id], node.attr))
    return used


def test_every_name_a_notebook_uses_still_imports():
    used = _names_used_by_notebooks()
    assert ("parcours", "charger") in used and ("parcours.scenario", "STAGES") in used
    missing = []
    for module, name in sorted(used):
        try:
            obj = importlib.import_module(module)
        except ImportError:
            # ``from parcours import verification``: module.name may be a submodule
            head, _, last = module.rpartition(".")
            obj = getattr(importlib.import_module(head), last, None)
            if obj is None:
                missing.append(module)
                continue
        if name and not hasattr(obj, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{module}.{name}")
    assert not missing, f"noms utilisés par les notebooks et introuvables : {missing}"


def test_stable_names_are_the_wings_modules():
    import parcours.chart
    import parcours.scenario
    import parcours.verification
    from parcours import verification as v
    from parcours.data import scenario
    from parcours.notebook import chart, verification

    assert parcours.scenario is scenario and parcours.chart is chart
    assert parcours.verification is verification is v


def test_a_students_kernel_loads_no_teacher_module():
    """``import parcours`` and td03's setup cell, in a fresh kernel, as a student runs them."""
    setup = released_setup_cell("td03_satisfaction")
    km, kc = start_new_kernel(
        kernel_name="python3", cwd=str(ROOT / "exercises" / "td03_satisfaction")
    )
    try:
        outputs = []
        for code in ("import parcours", setup, "import sys; print(sorted(sys.modules))"):
            reply = kc.execute_interactive(
                code, timeout=120, output_hook=lambda m: outputs.append(m)
            )
            assert reply["content"]["status"] == "ok", reply["content"]
        text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "Données chargées pour" in text, (
        "la cellule de préparation n'a pas affiché de qui sont les données"
    )
    loaded = ast.literal_eval(text[text.rindex("[") :].strip())
    teacher = sorted(m for m in loaded if m.startswith(TEACHER_ONLY))
    assert not teacher, f"le noyau d'un étudiant a chargé des modules de l'enseignant : {teacher}"


@pytest.mark.parametrize("command", ["corriger td03_satisfaction", "notes", "etudiants"])
def test_a_teacher_command_without_the_extra_says_what_to_install(command, monkeypatch, capsys):
    from importlib import util

    from parcours import cli

    real = util.find_spec
    monkeypatch.setattr(
        util, "find_spec", lambda name, *a: None if name == "nbgrader" else real(name, *a)
    )
    assert cli.main(command.split()) == 2
    err = capsys.readouterr().err
    assert "outils de l'enseignant" in err and 'pip install "parcours[enseignant]"' in err
    assert "Traceback" not in err and "nbgrader" in err
