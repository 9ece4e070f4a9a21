"""The program a submission's kernel runs, rebuilt from the trusted source notebook.

:func:`rebuild` walks the submission in its own order and keeps the answer cells (matched by
``grade_id``) and the cells the student added; every locked or test cell gets its content and its
nbgrader metadata back from the source notebook (``solutions/``), a deleted one is put back after the
cell that precedes it in the source, an edited one is restored and reported. Answer cells the
student deleted make the test cells that depend on them score 0 with a French reason. The result
says, for each test cell position, which check to run and which names it needs from the kernel.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from parcours.grading.checks import free_names, visible_part

NBGRADER_KEYS = ("grade", "solution", "locked", "points", "grade_id", "task")


@dataclass
class TestItem:
    grade_id: str
    source: str
    names: list[str]
    points: float
    blocked: str = ""  # French reason when the item scores 0 without running


@dataclass
class Plan:
    tests: dict[str, TestItem] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)
    missing_answers: list[str] = field(default_factory=list)
    fraud: bool = False
    # the code the student wrote or edited, as it runs: answer and added cells that differ from
    # every cell of the source notebook (read by parcours.grading.manipulation)
    student_code: list[str] = field(default_factory=list)


def _meta(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def kind(meta: dict) -> str:
    if not meta or not meta.get("grade_id"):
        return "free"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade") and not meta.get("task"):
        return "test"
    if meta.get("locked") or meta.get("task"):
        return "locked"
    return "free"


def _trusted_copy(source_cell, submitted=None):
    cell = copy.deepcopy(source_cell)
    cell["metadata"] = copy.deepcopy(source_cell.get("metadata") or {})
    if submitted is not None:
        # keep the checksum nbgrader wrote at release (formgrader shows it), never the flags
        checksum = _meta(submitted).get("checksum")
        if checksum and _meta(cell):
            cell["metadata"]["nbgrader"]["checksum"] = checksum
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


def _norm(text: str) -> str:
    return "\n".join(x.rstrip() for x in text.strip().splitlines())


def _same(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _plain_cell(cell):
    """A student cell: same content, no nbgrader metadata (it is never graded)."""
    cell = copy.deepcopy(cell)
    cell.setdefault("metadata", {}).pop("nbgrader", None)
    return cell


def rebuild(submission, source) -> tuple[object, Plan]:
    """Rebuild ``submission`` (an nbformat v4 notebook, changed in place) against ``source``."""
    plan = Plan()
    src_cells = list(source.cells)
    by_id: dict[str, int] = {}
    for i, cell in enumerate(src_cells):
        gid = _meta(cell).get("grade_id")
        if gid and kind(_meta(cell)) != "free":
            by_id.setdefault(gid, i)

    out: list = []
    placed: dict[int, int] = {}  # source index -> position in out
    given = {_norm(str(c.get("source", ""))) for c in src_cells if c.get("cell_type") == "code"}

    def students(cell) -> None:
        text = cell.get("source", "")
        if cell.get("cell_type") == "code" and isinstance(text, str):
            if _norm(text) not in given:
                plan.student_code.append(text)

    for cell in submission.cells:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if not meta:
            out.append(cell)
            students(cell)
            continue
        if gid not in by_id:
            plan.alerts.append(
                f"Métadonnées nbgrader modifiées : la cellule « {str(gid)[:60]} » n'existe pas dans "
                "le sujet ; elle est exécutée comme une cellule ajoutée, sans être notée."
            )
            plan.fraud = True
            out.append(_plain_cell(cell))
            students(cell)
            continue
        i = by_id[gid]
        if i in placed:
            plan.alerts.append(
                f"Identifiant de cellule en double : « {gid} » ; seule la première cellule compte."
            )
            plan.fraud = True
            if kind(_meta(src_cells[i])) == "answer":
                out.append(_plain_cell(cell))
                students(cell)
            continue
        src = src_cells[i]
        smeta = _meta(src)
        skind = kind(smeta)
        if any(meta.get(k) != smeta.get(k) for k in NBGRADER_KEYS if k in meta or k in smeta):
            plan.alerts.append(
                f"Métadonnées nbgrader modifiées dans la cellule « {gid} » : celles du sujet "
                "sont rétablies."
            )
            plan.fraud = True
        if skind == "answer":
            kept = copy.deepcopy(cell)
            kept["cell_type"] = src.get("cell_type", kept.get("cell_type"))
            kept["metadata"] = copy.deepcopy(src.get("metadata") or {})
            checksum = meta.get("checksum")
            if checksum:
                kept["metadata"]["nbgrader"]["checksum"] = checksum
            if kept["cell_type"] == "code":
                kept.setdefault("outputs", [])
                kept.setdefault("execution_count", None)
            else:
                kept.pop("outputs", None)
                kept.pop("execution_count", None)
            out.append(kept)
            students(kept)
        else:
            released = (
                visible_part(src.get("source", "")) if skind == "test" else src.get("source", "")
            )
            if not _same(cell.get("source", ""), released) and not _same(
                cell.get("source", ""), src.get("source", "")
            ):
                what = "de test" if skind == "test" else "verrouillée"
                plan.alerts.append(
                    f"Cellule {what} « {gid} » modifiée : son contenu d'origine est rétabli."
                )
                plan.fraud = True
            out.append(_trusted_copy(src, cell))
        placed[i] = len(out) - 1

    # Put back the locked and test cells the student deleted, after their source predecessor.
    for i, src in enumerate(src_cells):
        if i in placed or kind(_meta(src)) in ("free",):
            continue
        gid = _meta(src)["grade_id"]
        if kind(_meta(src)) == "answer":
            plan.missing_answers.append(gid)
            plan.alerts.append(f"Cellule réponse « {gid} » supprimée.")
            continue
        before = [placed[j] for j in range(i) if j in placed]
        position = (max(before) + 1) if before else 0
        out.insert(position, _trusted_copy(src))
        for j in placed:
            if placed[j] >= position:
                placed[j] += 1
        placed[i] = position
        what = "de test" if kind(_meta(src)) == "test" else "verrouillée"
        plan.alerts.append(f"Cellule {what} « {gid} » supprimée : elle est rétablie.")
        plan.fraud = True

    # Each test depends on the answer cells between the previous test cell and itself.
    pending: list[str] = []
    for src in src_cells:
        smeta = _meta(src)
        k = kind(smeta)
        if k == "answer":
            pending.append(smeta["grade_id"])
        elif k == "test" and src.get("cell_type") == "code":
            gid = smeta["grade_id"]
            item = TestItem(
                grade_id=gid,
                source=src.get("source", ""),
                names=free_names(src.get("source", "")),
                points=float(smeta.get("points", 0) or 0),
            )
            gone = [a for a in pending if a in plan.missing_answers]
            if gone:
                item.blocked = (
                    f"La cellule réponse « {gone[0]} » a été supprimée de votre notebook : "
                    "cette question vaut 0."
                )
            plan.tests[gid] = item
            pending = []
    # one id per cell in the notebook we write (a duplicated cell kept its twin's id)
    seen: set = set()
    for n, cell in enumerate(out):
        if "id" not in cell:  # no ids before nbformat 4.5
            continue
        if cell["id"] in seen:
            cell["id"] = f"parcours-{n}"
        seen.add(cell["id"])
    submission.cells = out
    return submission, plan


def test_item(cell, plan: Plan) -> TestItem | None:
    meta = _meta(cell)
    if cell.get("cell_type") != "code" or kind(meta) != "test":
        return None
    return plan.tests.get(meta.get("grade_id"))


def error_output(message: str):
    from nbformat.v4 import new_output

    return new_output("error", ename="AssertionError", evalue=message, traceback=[message])
