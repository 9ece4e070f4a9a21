"""Is there anything to grade? A check that answers in a fraction of a second, before any worker.

``parcours corriger`` asks :func:`all_graded` first: when every submission of the TD is unchanged
since its result file (same copy, same source, same engine) and the gradebook holds its automatic
grades, there is nothing to do — no backup, no worker, no kernel. It decides exactly as
:func:`parcours.grading.batch.grade_batch` does for each copy, but without importing nbgrader:
``nbgrader.api`` pulls in nbformat, whose jsonschema compiles lark grammars at import (seconds of
processor time). So the gradebook is read here through Python's own ``sqlite3``, read-only, with
one query on nbgrader's tables. Anything this module cannot confirm — a PostgreSQL gradebook, a
``db_url`` it cannot read from the course's ``nbgrader_config.py``, a damaged or unknown
gradebook, a folder problem, a changed copy — answers ``None``, and the batch decides as usual.
"""

from __future__ import annotations

import ast
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from parcours.grading.batch import (
    ENGINE_VERSION,
    BatchResult,
    _config_file,
    _discover,
    _previous,
)
from parcours.grading.worker import sha256

# The auto-graded code cells of one TD's notebook that have no automatic score, per student.
_UNGRADED = """
SELECT sa.student_id, COUNT(g.id), SUM(CASE WHEN g.auto_score IS NULL THEN 1 ELSE 0 END)
FROM assignment a
JOIN submitted_assignment sa ON sa.assignment_id = a.id
JOIN submitted_notebook sn ON sn.assignment_id = sa.id
JOIN notebook n ON n.id = sn.notebook_id AND n.name = a.name
JOIN grade g ON g.notebook_id = sn.id
JOIN grade_cells gc ON gc.id = g.cell_id AND gc.cell_type = 'code'
WHERE a.name = ?
GROUP BY sa.student_id
"""


def all_graded(
    td: str, *, root: Path, students: Sequence[str] | None = None, db_url: str | None = None
) -> list[str] | None:
    """The students whose copies of ``td`` are all graded and unchanged, or ``None``.

    ``None`` means « grade as usual »: something changed, or this quick check cannot tell.
    """
    root = Path(root).resolve()
    source = root / "solutions" / td / f"{td}.ipynb"
    if not source.is_file():
        return None
    problems = BatchResult(td=td)
    found = _discover(root, td, students, problems)
    if not found or problems.problems:
        return None
    source_hash = sha256(source)
    for student, path, _ in found:
        before = _previous(root, student, td)
        if not (
            before
            and before.get("empreinte") == sha256(path)
            and before.get("empreinte_sujet") == source_hash
            and before.get("moteur") == ENGINE_VERSION
        ):
            return None
    database = _sqlite_file(db_url or _configured_db_url(root))
    if database is None:
        return None
    graded = _graded_students(database, td)
    names = [student for student, _, _ in found]
    if graded is None or not set(names) <= graded:
        return None
    return names


def _configured_db_url(root: Path) -> str | None:
    """The gradebook URL of the course's config: nbgrader's default unless the file sets one.

    ``None`` when the file sets it in a way only running it would tell.
    """
    default = f"sqlite:///{root / 'gradebook.db'}"
    try:
        tree = ast.parse(_config_file(root).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    url = default
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if ast.unparse(target).replace(" ", "") != "c.CourseDirectory.db_url":
                continue
            value = getattr(node, "value", None)
            if not (
                isinstance(node, ast.Assign)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return None
            url = value.value
    return url


def _sqlite_file(db_url: str | None) -> Path | None:
    if not db_url or not db_url.startswith("sqlite:///"):
        return None
    path = Path(db_url.removeprefix("sqlite:///"))
    return path if path.is_file() else None


def _graded_students(database: Path, td: str) -> set[str] | None:
    """Students with every auto-graded cell of ``td`` scored, or ``None`` if unreadable."""
    try:
        con = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute(_UNGRADED, (td,)).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return {student for student, cells, missing in rows if cells and not missing}
