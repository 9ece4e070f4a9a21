"""Read a submitted (or autograded) notebook once, and say in French why it is refused.

Every reader of copies goes through :func:`read_copy`: the worker before grading, the class
report, the feedback writer. A copy is refused (« notebook invalide ») when it is not UTF-8 JSON,
nests deeper than any notebook does, breaks nbformat's schema, or holds cells our readers cannot
use (a ``source`` that is not text, ``metadata.nbgrader`` that is not a mapping, outputs that are
not a list). What passes can be walked with ``cell["metadata"].get("nbgrader", {}).get(…)``
without any exception.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

MAX_DEPTH = 64  # a Jupyter notebook nests about 8 levels; widget states a few more


class InvalidCopy(ValueError):
    """The French reason why a copy cannot be read."""


def depth_ok(value, limit: int = MAX_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _text(value) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def check_cells(nb: dict) -> None:
    """Our own checks, beyond nbformat's schema; raises :class:`InvalidCopy`."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise InvalidCopy("pas de liste de cellules")
    if not isinstance(nb.get("metadata", {}), dict):
        raise InvalidCopy("les métadonnées du notebook ne sont pas un dictionnaire")
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise InvalidCopy(f"la cellule {i} n'est pas un objet JSON")
        if not _text(cell.get("source", "")):
            raise InvalidCopy(f"le contenu (« source ») de la cellule {i} n'est pas du texte")
        meta = cell.get("metadata", {})
        if not isinstance(meta, dict):
            raise InvalidCopy(f"les métadonnées de la cellule {i} ne sont pas un dictionnaire")
        nbg = meta.get("nbgrader", {})
        if not isinstance(nbg, dict):
            raise InvalidCopy(
                f"les métadonnées nbgrader de la cellule {i} ne sont pas un dictionnaire"
            )
        for key in ("grade_id",):
            if key in nbg and not isinstance(nbg[key], str):
                raise InvalidCopy(f"l'identifiant nbgrader de la cellule {i} n'est pas du texte")
        outputs = cell.get("outputs", [])
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            raise InvalidCopy(f"les sorties de la cellule {i} ne sont pas une liste d'objets")


def parse_copy(text: str, *, schema: bool = True):
    """The notebook (nbformat v4 node) in ``text``; raises :class:`InvalidCopy` with the reason.
    ``schema=False`` skips nbformat's schema (our own checks still hold): for the notebooks we
    wrote ourselves, read back by the feedback writer."""
    import nbformat

    try:
        raw = json.loads(text)
    except (RecursionError, MemoryError):
        raise InvalidCopy("structure JSON imbriquée bien trop profondément") from None
    except ValueError as exc:
        raise InvalidCopy(f"ce n'est pas du JSON valide ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise InvalidCopy("ce n'est pas un notebook Jupyter (pas d'objet JSON)")
    if not depth_ok(raw):
        raise InvalidCopy("structure JSON imbriquée bien trop profondément")
    check_cells(raw)
    if not schema:
        return nbformat.from_dict(raw)
    from nbformat.warnings import DuplicateCellId

    with warnings.catch_warnings():
        # two cells with one id (a duplicated cell): nbformat gives the second a new id, and
        # would say so in English on the teacher's terminal
        warnings.simplefilter("ignore", DuplicateCellId)
        return _validated(text)


def _validated(text: str):
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except (RecursionError, MemoryError):
        raise InvalidCopy("structure JSON imbriquée bien trop profondément") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        raise InvalidCopy(f"format Jupyter non reconnu ({exc.__class__.__name__})") from None
    seen = set()
    for n, cell in enumerate(nb.get("cells") or []):
        if not isinstance(cell, dict) or "id" not in cell:  # no ids before nbformat 4.5
            continue
        if cell["id"] in seen:
            cell["id"] = f"parcours-copie-{n}"
        seen.add(cell["id"])
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in list(getattr(exc, "absolute_path", []))[:4])
        raise InvalidCopy(
            "non conforme au format Jupyter" + (f" (à l'endroit « {where} »)" if where else "")
        ) from None
    except Exception as exc:  # noqa: BLE001 - a schema validator that cannot cope
        raise InvalidCopy(f"non conforme au format Jupyter ({exc.__class__.__name__})") from None
    check_cells(nb)
    return nb


def read_copy(path: Path, *, schema: bool = True):
    """``(notebook, "")`` or ``(None, French reason)`` for the notebook file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"Notebook illisible ({type(exc).__name__})."
    try:
        return parse_copy(text, schema=schema), ""
    except InvalidCopy as exc:
        return None, f"Le fichier n'est pas un notebook Jupyter valide : {exc}."
