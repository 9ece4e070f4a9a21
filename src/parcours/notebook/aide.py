"""What a student reads when a check fails: a short French box instead of a traceback.

A failed check (:class:`parcours.notebook.verification` raises ``_Echec``) renders through
IPython's ``_render_traceback_``; a ``NameError`` on a name that a TD's test cell checks goes
through an IPython custom exception handler that :func:`install` sets once (the setup cell's
``presentation()`` and the checks' import both call it). The cell still ends in error, with the
same ``ename``/``evalue``: only the text shown changes, and grading never reads it (the grader runs
the checks in its own process). Nothing here imports more than ``json`` and ``re``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_RED, _BOLD, _RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"
_HEADING = re.compile(r"^#{2,3}\s+(?:Question\s+)?(\d+)\s*(?:[.—–:-]\s*)?(.*)$")
_QUESTION_ID = re.compile(r"_q(\d+)_")


def box(title: str, lines: list[str]) -> list[str]:
    """A few lines: a red title, then the explanation (one line per sentence: JupyterLab wraps
    them to the width of the screen, a phone's too)."""
    return [f"{_RED}{_BOLD}✘ {title}{_RESET}", *lines]


def _checked_name() -> str | None:
    """The first ``nom="…"`` of the running cell (a TD's test cell names what it checks)."""
    try:
        from IPython import get_ipython

        cells = get_ipython().user_ns.get("In") or [""]
    except Exception:
        return None
    match = re.search(r"""nom=["']([A-Za-z_]\w*)""", str(cells[-1]))
    return match.group(1) if match else None


def failed_check(message: str, name: str | None) -> list[str]:
    """The box of a failed check: what is wrong and the hint (the check's French message)."""
    name = name or _checked_name()
    title = "Vérification non réussie" + (f" : {name}" if name else "")
    return box(
        title,
        [message, "Corrigez votre cellule de réponse, exécutez-la, puis relancez cette cellule."],
    )


# ------------------------------------------------------------------- questions of a notebook
def questions(cells: list[dict]) -> dict[str, tuple[int | None, str]]:
    """``grade_id`` of each graded cell → (question number, heading title) from the statement.

    The statement's headings read ``## Question 3 — La courbe des émotions`` or
    ``## 3. Le CSAT (satisfaction)``; a cell takes the last one above it.
    """
    found: dict[str, tuple[int | None, str]] = {}
    current: tuple[int | None, str] = (None, "")
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                match = _HEADING.match(line.strip())
                if match:
                    current = (int(match.group(1)), match.group(2).strip())
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        grade_id = meta.get("grade_id")
        if grade_id and (meta.get("grade") or meta.get("task")):
            number = current[0]
            from_id = _QUESTION_ID.search(f"{grade_id}_")
            if number is None and from_id:
                number = int(from_id.group(1))
            found[str(grade_id)] = (number, current[1])
    return found


def statement_title(cells: list[dict]) -> str:
    """The TD's title: its first ``# `` heading (``TD 3 — Mesurer la satisfaction client``)."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def question_checking(cells: list[dict], name: str) -> int | None:
    """The number of the first question whose test cell reads ``name``, if any."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    numbers = questions(cells)
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if pattern.search(source):
            return numbers.get(str(meta.get("grade_id")), (None, ""))[0]
    return None


def _notebook_cells(shell) -> list[dict]:
    """The cells of the notebook this kernel runs (JupyterLab names it in ``__session__``)."""
    session = str(shell.user_ns.get("__session__") or "")
    if not session.endswith(".ipynb"):
        return []
    for path in (Path(session), Path.cwd() / Path(session).name):
        try:
            return json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
    return []


def _current_cell_is_a_check(shell) -> bool:
    cells = shell.user_ns.get("In") or [""]
    return "parcours import verification" in str(cells[-1])


def _name_error(shell, etype, value, tb, tb_offset=None):
    name = getattr(value, "name", None)
    number = None
    is_answer = False
    if name:
        try:
            cells = _notebook_cells(shell)
            number = question_checking(cells, name) if cells else None
            is_answer = number is not None or _current_cell_is_a_check(shell)
        except Exception:  # never let the help hide the error itself
            is_answer = False
    if not is_answer:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return []
    where = f"la cellule de la question {number}" if number else "la cellule de réponse"
    stb = box(
        "Pas encore de réponse",
        [
            f"La variable {name} n'existe pas encore : exécutez {where} "
            "(après l'avoir complétée), puis relancez cette vérification."
        ],
    )
    shell._showtraceback(etype, value, stb)  # IPython shows what a handler returns no more
    return stb


def install() -> None:
    """Set the NameError help in the running IPython kernel, once; elsewhere, do nothing."""
    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        return
    if shell is None or getattr(shell, "_parcours_aide", False):
        return
    if shell.custom_exceptions:  # someone else's handler: leave it
        return
    shell.set_custom_exc((NameError,), _name_error)
    shell._parcours_aide = True
