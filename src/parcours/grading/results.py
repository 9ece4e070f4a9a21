"""Results: one copy's grading outcome, and one TD's results read back for the term commands.

:class:`CopyResult` is the one result type of a graded copy: the worker fills it (messages, failure,
alerts, the autograded notebook), the batch completes it with the gradebook's points and writes it
as ``autograded/<etudiant>/<TD>/parcours_resultat.json`` (contract 3, French keys, the attribute
names). It holds only plain values, so it pickles for any process pool. :class:`FailureCode` says
what went wrong, each code with its French label and message.

:func:`load_td` reads one TD from nbgrader's gradebook (per student, per question) with those result
files. Shared by ``notes``, ``retours`` and ``rapport``; one SQL query per TD, so 500 students read
in well under a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

RESULT_FILE = "parcours_resultat.json"


class FailureCode(StrEnum):
    """Why a copy could not be graded to the end; the value is the code in the result file."""

    TIMEOUT = "delai"
    OUTPUT_LIMIT = "sortie"
    MEMORY = "memoire"
    KERNEL_START = "noyau_demarrage"
    KERNEL_DIED = "noyau_mort"
    WORKER_DIED = "correcteur_arrete"
    INVALID_NOTEBOOK = "notebook_invalide"
    SOURCE_MISSING = "sujet_introuvable"
    TAMPERED = "fraude"
    INTERNAL = "erreur_interne"

    @property
    def label(self) -> str:
        """A few French words, for tables."""
        return _LABELS[self]

    def failure(self, detail: str = "") -> Failure:
        """This failure with its French message (``detail``: the cause, when there is one)."""
        text = _MESSAGES[self]
        detail = str(detail)[:300]
        if "{detail}" in text:
            text = text.format(detail=detail) if detail else text.replace(" ({detail})", "")
        return Failure(self, text)


_LABELS = {
    FailureCode.TIMEOUT: "temps dépassé",
    FailureCode.OUTPUT_LIMIT: "sortie trop longue",
    FailureCode.MEMORY: "mémoire dépassée",
    FailureCode.KERNEL_START: "noyau non démarré",
    FailureCode.KERNEL_DIED: "noyau arrêté",
    FailureCode.WORKER_DIED: "correcteur arrêté",
    FailureCode.INVALID_NOTEBOOK: "notebook invalide",
    FailureCode.SOURCE_MISSING: "sujet introuvable",
    FailureCode.TAMPERED: "notebook modifié",
    FailureCode.INTERNAL: "erreur interne du correcteur",
}
_MESSAGES = {
    FailureCode.TIMEOUT: (
        "Temps de correction dépassé : une cellule tourne sans fin (boucle infinie ?)."
    ),
    FailureCode.OUTPUT_LIMIT: (
        "Le notebook affiche beaucoup trop de texte : l'exécution a été arrêtée."
    ),
    FailureCode.MEMORY: "Mémoire dépassée : une cellule demande plus de mémoire que la limite.",
    FailureCode.KERNEL_START: (
        "Le noyau Python n'a pas pu démarrer ({detail}) : copie non corrigée."
    ),
    FailureCode.KERNEL_DIED: "Le noyau Python s'est arrêté ({detail}).",
    FailureCode.WORKER_DIED: "Le processus de correction s'est arrêté : copie non corrigée.",
    FailureCode.INVALID_NOTEBOOK: "{detail}",
    FailureCode.SOURCE_MISSING: "{detail}",
    FailureCode.TAMPERED: "Notebook modifié hors des cellules réponses : {detail}",
    FailureCode.INTERNAL: (
        "Copie non corrigée à cause d'une erreur interne du correcteur ({detail}), pas de la "
        "copie : relancez sa correction avec --force, et signalez l'erreur si elle revient."
    ),
}


@dataclass(frozen=True)
class Failure:
    code: FailureCode
    message: str

    def to_json(self) -> dict:
        return {"code": self.code.value, "message": self.message}

    @classmethod
    def from_json(cls, data) -> Failure | None:
        if not isinstance(data, dict):
            return None
        try:
            code = FailureCode(str(data.get("code", "")))
        except ValueError:
            code = FailureCode.INTERNAL
        return cls(code, str(data.get("message", "")))


def failure_label(code) -> str:
    """The French label of a failure code read from a result file (the code itself if unknown)."""
    try:
        return FailureCode(str(code)).label
    except ValueError:
        return str(code)


@dataclass
class QuestionResult:
    points: float = 0.0
    max: float = 0.0
    message: str = ""


@dataclass
class CopyResult:
    """One copy's outcome, from the worker to the batch to the result file (contract 3).

    The worker sets the questions' messages, ``echec``, the alerts, ``notebook`` (the autograded
    notebook as JSON text, never written to the result file) and the timings; the batch sets the
    points from the gradebook. Attribute names are the result file's (French) keys.
    """

    etudiant: str
    td: str
    empreinte: str = ""
    score: float = 0.0
    max_score: float = 0.0
    questions: dict[str, QuestionResult] = field(default_factory=dict)
    echec: Failure | None = None
    alertes: list[str] = field(default_factory=list)
    identite_chargee: str | None = None
    duree_s: float = 0.0
    repris: bool = False  # True when an earlier identical result was kept
    notebook: str | None = None  # worker → batch only
    checks_s: float = 0.0
    memoire_mo: dict[str, float] = field(default_factory=dict)  # worker → batch only
    # why the copy's own code looks like an attempt to manipulate grading (it changes no score);
    # the alert built from it comes first in ``alertes``
    manipulation: list[str] = field(default_factory=list)
    analyse_s: float = 0.0  # time of that scan, worker → batch only

    @property
    def manipulation_alert(self) -> str:
        """The « Tentative de manipulation probable » alert, or ""."""
        from parcours.grading.manipulation import ALERT

        return next((a for a in self.alertes if a.startswith(ALERT)), "")

    @property
    def scores(self) -> dict[str, float]:
        return {gid: q.points for gid, q in self.questions.items()}

    def fail(self, failure: Failure) -> None:
        """Record ``failure``; a tampering already recorded is kept as an alert."""
        if self.echec is not None and self.echec.code is FailureCode.TAMPERED:
            self.alertes.append(self.echec.message)
        self.echec = failure

    def to_json(self) -> dict:
        return {
            "etudiant": self.etudiant,
            "td": self.td,
            "empreinte": self.empreinte,
            "score": self.score,
            "max_score": self.max_score,
            "questions": {
                gid: {"points": q.points, "max": q.max, "message": q.message}
                for gid, q in self.questions.items()
            },
            "echec": self.echec.to_json() if self.echec else None,
            "alertes": self.alertes,
            "identite_chargee": self.identite_chargee,
            "manipulation": self.manipulation,
            "duree_s": self.duree_s,
        }

    @classmethod
    def from_json(cls, data: dict, *, repris: bool = False) -> CopyResult:
        return cls(
            etudiant=data["etudiant"],
            td=data["td"],
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            questions={
                g: QuestionResult(float(q["points"]), float(q["max"]), q.get("message", ""))
                for g, q in data.get("questions", {}).items()
            },
            echec=Failure.from_json(data.get("echec")),
            alertes=list(data.get("alertes", [])),
            identite_chargee=data.get("identite_chargee"),
            manipulation=[str(r) for r in data.get("manipulation") or []],
            duree_s=float(data.get("duree_s", 0.0)),
            empreinte=data.get("empreinte", ""),
            repris=repris,
        )


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
