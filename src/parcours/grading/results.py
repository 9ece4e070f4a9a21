"""Read one TD's results from nbgrader's gradebook (per student, per question) and, when
``parcours corriger`` wrote them, the per-submission result files (contract 3:
``autograded/<etudiant>/<TD>/parcours_resultat.json``). Shared by ``notes``, ``retours`` and
``rapport``; one SQL query per TD, so 500 students read in well under a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

RESULT_FILE = "parcours_resultat.json"


@dataclass
class QuestionGrade:
    name: str
    cell_type: str  # "code" (autograded) or "markdown" (graded by hand in formgrader)
    score: float
    max_score: float
    needs_manual: bool
    by_teacher: bool = False  # a manual score was typed in formgrader


@dataclass
class Submission:
    student: str
    td: str
    questions: dict[str, QuestionGrade] = field(default_factory=dict)
    penalty: float = 0.0
    seconds_late: float = 0.0  # past the student's own deadline (extension included), per nbgrader
    result: dict | None = None  # contract-3 file, when present

    @property
    def score(self) -> float:
        return max(0.0, sum(q.score for q in self.questions.values()) - self.penalty)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions.values())

    @property
    def pending(self) -> list[str]:
        """Questions still waiting for the teacher's grade (formgrader)."""
        return [q.name for q in self.questions.values() if q.needs_manual]

    def on(self, scale: float) -> float:
        """Score on ``scale`` (20 by default in the commands), one decimal, half rounded up."""
        if not self.max_score:
            return 0.0
        value = Decimal(str(self.score / self.max_score * scale))
        return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class TdResults:
    td: str
    questions: list[tuple[str, str, float]]  # (grade id, cell type, max score), in order
    submissions: dict[str, Submission]
    submitted_only: set[str]  # in submitted/ but not (yet) in the gradebook


def read_result_file(course, student: str, td: str) -> dict | None:
    path = course.autograded(student, td) / RESULT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def gradebook_tds(course) -> list[str]:
    with course.gradebook() as gb:
        from nbgrader.api import Assignment

        return sorted(a.name for a in gb.db.query(Assignment).all())


def load_td(course, td: str, *, with_files: bool = True) -> TdResults:
    """Every graded submission of ``td`` with its per-question grades."""
    with course.gradebook() as gb:
        from nbgrader.api import (
            Assignment,
            Grade,
            GradeCell,
            Notebook,
            SubmittedAssignment,
            SubmittedNotebook,
        )

        if gb.db.query(Assignment).filter(Assignment.name == td).one_or_none() is None:
            known = sorted(a.name for a in gb.db.query(Assignment).all())
            raise ValueError(
                f"TD inconnu de la base des notes : « {td} »"
                + (f" (TD connus : {', '.join(known)})." if known else " (aucun TD corrigé).")
            )
        cells = (
            gb.db.query(GradeCell.name, GradeCell.cell_type, GradeCell.max_score)
            .join(Notebook, GradeCell.notebook_id == Notebook.id)
            .join(Assignment, Notebook.assignment_id == Assignment.id)
            .filter(Assignment.name == td)
            .all()
        )
        rows = (
            gb.db.query(
                SubmittedAssignment.student_id,
                SubmittedNotebook.id,
                SubmittedNotebook.late_submission_penalty,
                GradeCell.name,
                GradeCell.cell_type,
                GradeCell.max_score,
                Grade.auto_score,
                Grade.manual_score,
                Grade.extra_credit,
                Grade.needs_manual_grade,
            )
            .select_from(Grade)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(GradeCell, Grade.cell_id == GradeCell.id)
            .filter(Assignment.name == td)
            .all()
        )
        late = {
            a.student_id: float(a.total_seconds_late or 0)
            for a in gb.db.query(SubmittedAssignment)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(Assignment.name == td)
        }
    questions = sorted(((n, t, float(m or 0)) for n, t, m in cells), key=lambda q: q[0])
    subs: dict[str, Submission] = {}
    penalties: dict[str, dict[str, float]] = {}
    # nbgrader keeps an extension on a submission row, created empty (no score at all) when it is
    # granted before any copy is graded: that student has no graded copy yet (no score and no
    # result file, which the grader writes for every copy).
    graded = {
        sid
        for sid, _nb, _pen, _name, _ct, _mx, auto, manual, _extra, _needs in rows
        if auto is not None
        or manual is not None
        or (course.autograded(sid, td) / RESULT_FILE).is_file()
    }
    for sid, nb_id, penalty, name, ctype, mx, auto, manual, extra, needs in rows:
        if sid not in graded:
            continue
        sub = subs.setdefault(sid, Submission(sid, td))
        penalties.setdefault(sid, {})[nb_id] = float(penalty or 0)
        score = manual if manual is not None else auto
        score = float(score or 0) + float(extra or 0)
        # Formgrader clears needs_manual_grade when a grade is typed; a typed grade also counts.
        sub.questions[name] = QuestionGrade(
            name, ctype, score, float(mx or 0), bool(needs) and manual is None, manual is not None
        )
    for sid, sub in subs.items():
        sub.penalty = sum(penalties[sid].values())
        sub.seconds_late = late.get(sid, 0.0)
        if with_files:
            sub.result = read_result_file(course, sid, td)
    submitted_root = course.root / "submitted"
    on_disk = {p.parent.parent.name for p in submitted_root.glob(f"*/{td}/*.ipynb")}
    return TdResults(td, questions, subs, on_disk - set(subs))


def started_days(seconds_late: float) -> int:
    """Days late, a started day counting as one (1 s late → 1 day)."""
    return math.ceil(seconds_late / 86400) if seconds_late > 0 else 0


def late_text(sub: Submission) -> str:
    """``"retard 2 j : −2 pts"`` (``""`` for a copy on time)."""
    days = started_days(sub.seconds_late)
    if not days:
        return ""
    text = f"retard {days} j"
    if sub.penalty:
        pts = f"{sub.penalty:g}".replace(".", ",")
        text += f" : −{pts} pt" + ("s" if sub.penalty >= 2 else "")
    return text


def fr_number(value: float) -> str:
    """``12.5`` → ``"12,5"`` (French decimal comma, one decimal)."""
    return f"{value:.1f}".replace(".", ",")


def autograded_notebook(course, student: str, td: str) -> Path:
    return course.autograded(student, td) / f"{td}.ipynb"
