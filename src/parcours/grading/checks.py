"""Trusted checks: which names a test cell reads, and running it in the grader's own process.

A check is the code of a test cell of the *source* notebook (visible and hidden tests). Its free
names — read but never bound by the cell, builtins excluded — are what the kernel must export. The
check then runs here in a fresh namespace (real builtins + the exported values), with
``PARCOURS_ETUDIANT`` set to the author so ``parcours.charger`` loads the author's variant. The
result is a French message: ``""`` when the check passed.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import symtable
import warnings
from collections.abc import Iterator

from parcours.data.identity import GRADER_ENV

_BUILTINS = frozenset(dir(builtins))
_HIDDEN = re.compile(
    r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*#+[ \t]*END HIDDEN TESTS[ \t]*$\n?", re.M | re.S
)


def _ipython_free(source: str) -> str:
    """The cell without IPython magics and shell escapes (they cannot run in the grader)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


def free_names(source: str) -> list[str]:
    """Names the check reads without binding them at module level (builtins excluded), sorted."""
    try:
        top = symtable.symtable(_ipython_free(source), "<vérification>", "exec")
    except SyntaxError:
        return []
    bound = {
        s.get_name()
        for s in top.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    found: set[str] = set()
    for s in top.get_symbols():
        if s.is_referenced() and s.get_name() not in bound:
            found.add(s.get_name())

    def walk(table: symtable.SymbolTable) -> None:
        for child in table.get_children():
            for s in child.get_symbols():
                if s.is_global() and not s.is_declared_global() and s.is_referenced():
                    found.add(s.get_name())
                elif s.is_declared_global() and s.is_referenced() and not s.is_assigned():
                    found.add(s.get_name())
            walk(child)

    walk(top)
    return sorted(n for n in found - bound if n not in _BUILTINS and not n.startswith("__"))


def visible_part(source: str) -> str:
    """What the released notebook shows of a test cell: the source without its hidden tests."""
    return _HIDDEN.sub("", source)


@contextlib.contextmanager
def as_student(student: str | None) -> Iterator[None]:
    saved = os.environ.get(GRADER_ENV)
    if student:
        os.environ[GRADER_ENV] = student
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(GRADER_ENV, None)
        else:
            os.environ[GRADER_ENV] = saved


class MissingName(NameError):
    pass


def missing_message(name: str) -> str:
    return (
        f"« {name} » n'est pas défini dans votre notebook à cet endroit : exécutez la cellule "
        "qui le calcule (et gardez son nom)."
    )


def run_check(source: str, values: dict, *, student: str | None, grade_id: str = "") -> str:
    """Run one check; ``""`` when it passed, else the French message (never code or traceback)."""
    namespace = {"__builtins__": builtins, "__name__": "__verification__"}
    namespace.update(values)
    try:
        code = compile(_ipython_free(source), f"<vérification {grade_id}>", "exec")
    except SyntaxError:
        return "La vérification de cette question est illisible : signalez-le à votre enseignant ou à votre enseignante."
    with as_student(student), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(code, namespace)  # noqa: S102 - the teacher's own check, never student code
        except AssertionError as exc:
            message = str(exc).strip()
            return message or "Réponse incorrecte."
        except NameError as exc:
            name = getattr(exc, "name", None) or str(exc)
            return missing_message(name)
        except RecursionError:
            return "Votre réponse n'a pas pu être vérifiée (récursion infinie)."
        except Exception as exc:  # noqa: BLE001 - every other failure is a French message
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            kind = type(exc).__name__
            return (
                "Votre réponse n'a pas pu être vérifiée : la vérification a échoué avec "
                f"l'erreur {kind}" + (f" ({detail})" if detail else "") + "."
            )
    return ""
