"""Grades on 20 (or any scale) per student and TD, written as French CSV, Excel or Moodle's
grading worksheet. Absent students are ``ABS``; a grade whose written answers are not graded yet
in formgrader is marked « provisoire »."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from parcours.grading.results import fr_number, gradebook_tds, late_text, load_td
from parcours.term.atomic import write_bytes_atomic
from parcours.term.classlist import class_list, normalise_name
from parcours.term.tabular import safe_cell

ABSENT = "ABS"
COLUMNS = ("Identifiant", "Nom", "Prénom", "Groupe", "TD", "Note", "Statut", "Points", "Sur")


@dataclass
class GradeRow:
    student: str
    nom: str
    prenom: str
    groupe: str
    td: str
    note: float | None  # None: absent or not graded
    statut: str  # "", "provisoire", "absent", "non corrigé"
    points: float | None
    max_points: float | None
    pending: list[str]
    late: str = ""  # « retard 2 j : −2 pts »


def grade_rows(
    course, tds: list[str] | None = None, *, scale: float = 20.0, reveal: bool = False
) -> list[GradeRow]:
    """One row per student and TD. A TD collected with Moodle's anonymous marking has one row per
    pseudonym (« Participant <n> ») and none for the class; with ``reveal``, each pseudonym's grade
    goes to the student whose data the copy ran on, and the rest of the class is absent."""
    from parcours.term.anonymous import label as anon_label
    from parcours.term.anonymous import load as anonymous_data

    students = class_list(course)
    chosen = list(tds or gradebook_tds(course))
    if not chosen:
        raise ValueError("Aucun TD dans la base des notes : corrigez d'abord les copies.")
    rows: list[GradeRow] = []
    known_ids = {s.id for s in students}
    from parcours.term.collect import load_team_copies

    for td in chosen:
        res = load_td(course, td, with_files=False)
        teams = load_team_copies(course, td)
        anonymous = anonymous_data(course, td)
        revealed = {real: pseudo for pseudo, real in anonymous.items()} if reveal else {}
        extra = sorted(set(res.submissions) - known_ids - set(revealed.values()))
        people = [] if anonymous and not reveal else students
        for s in people + [_unknown(sid, anon_label(sid)) for sid in extra]:
            sub = res.submissions.get(revealed.get(s.id, s.id))
            if sub is None and s.id in teams:  # a team copy, graded once for every member
                sub = res.submissions.get(teams[s.id][0])
            base = (s.id, s.nom, s.prenom, s.groupe or "", td)
            if sub is None:
                owner = teams.get(s.id, (s.id, ""))[0]
                statut = "non corrigé" if owner in res.submitted_only else "absent"
                rows.append(GradeRow(*base, None, statut, None, None, []))
                continue
            pending = sub.pending
            rows.append(
                GradeRow(
                    *base,
                    sub.on(scale),
                    "provisoire" if pending else "",
                    round(sub.score, 2),
                    sub.max_score,
                    pending,
                    late_text(sub),
                )
            )
    return rows


def _unknown(sid: str, nom: str = ""):
    from parcours.term.classlist import Student

    return Student(sid, "" if nom == sid else nom, "", None, None)


def note_text(row: GradeRow) -> str:
    if row.note is None:
        return ABSENT if row.statut == "absent" else ""
    return fr_number(row.note)


def write_csv(rows: list[GradeRow], target: Path, *, scale: float) -> None:
    """``;``-separated, decimal comma, UTF-8 with BOM (Excel in French opens it as is)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([c if c != "Note" else f"Note /{scale:g}" for c in COLUMNS])
    for r in rows:
        w.writerow(
            safe_cell(c)
            for c in [
                r.student,
                r.nom,
                r.prenom,
                r.groupe,
                r.td,
                note_text(r),
                r.statut,
                "" if r.points is None else f"{r.points:g}".replace(".", ","),
                "" if r.max_points is None else f"{r.max_points:g}".replace(".", ","),
            ]
        )
    write_bytes_atomic(target, buf.getvalue().encode("utf-8-sig"))


def write_xlsx(rows: list[GradeRow], target: Path, *, scale: float) -> None:
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append([c if c != "Note" else f"Note /{scale:g}" for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    pending = PatternFill("solid", fgColor="FFF2CC")
    for r in rows:
        note = r.note if r.note is not None else (ABSENT if r.statut == "absent" else None)
        sheet.append(
            [
                safe_cell(c)
                for c in (r.student, r.nom, r.prenom, r.groupe, r.td, note, r.statut)
                + (r.points, r.max_points)
            ]
        )
        last = sheet.max_row
        sheet.cell(last, 6).number_format = "0.0"
        if r.statut == "provisoire":
            for col in range(1, len(COLUMNS) + 1):
                sheet.cell(last, col).fill = pending
    for col, width in zip("ABCDEFGHI", (18, 18, 16, 10, 22, 9, 13, 8, 6), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    write_bytes_atomic(target, buf.getvalue())


PROVISIONAL = "Note provisoire : réponse rédigée pas encore notée ({questions})."


def fill_moodle_worksheet(
    course, rows: list[GradeRow], worksheet: Path, target: Path, *, td: str, scale: float
) -> tuple[int, list[str]]:
    """Fill the *Note* column of Moodle's worksheet, and its feedback-comments column when it has
    one (a short French summary per student); return (filled, unmatched worksheet rows).
    A provisional grade is marked in the feedback column (added when the sheet has none)."""
    import json

    from parcours.term.feedback import comments, moodle_summary, statement
    from parcours.term.moodle import read_worksheet, write_worksheet

    sheet = read_worksheet(worksheet)
    comment_col = sheet.columns.get("comments")
    from parcours.term.collect import load_team_copies

    teams = load_team_copies(course, td)
    results = load_td(course, td, with_files=False) if comment_col is not None else None
    labels = statement(course, td)[1] if comment_col is not None else {}
    students = {r.student: r for r in rows if r.td == td}
    by_email = {}
    by_name = {}
    for s in class_list(course):
        if s.email:
            by_email[s.email.lower()] = s.id
        by_name.setdefault(normalise_name(s.full_name), []).append(s.id)
    mapping_file = course.root / "collectes" / td / "participants_moodle.json"
    participants = (
        json.loads(mapping_file.read_text(encoding="utf-8")) if mapping_file.is_file() else {}
    )
    grade_col = sheet.columns["grade"]
    max_col = sheet.columns.get("max")
    if any(r.statut == "provisoire" for r in students.values()) and "feedback" not in sheet.columns:
        sheet.header.append("Feedback par commentaires" if sheet.french else "Feedback comments")
        sheet.columns["feedback"] = len(sheet.header) - 1
    feedback_col = sheet.columns.get("feedback")
    filled = 0
    unmatched = []
    for row in sheet.rows:
        while len(row) <= grade_col:
            row.append("")
        n = sheet.participant(row)
        sid = participants.get(n) if n else None
        email = sheet.value(row, "email").lower()
        if sid is None and email:
            sid = by_email.get(email)
        if sid is None:
            hits = by_name.get(normalise_name(sheet.value(row, "name")), [])
            sid = hits[0] if len(hits) == 1 else None
        r = students.get(sid) if sid else None
        if r is None:
            unmatched.append(sheet.value(row, "name") or sheet.value(row, "id"))
            continue
        if r.note is None:
            row[grade_col] = ""
            continue
        on = scale
        if max_col is not None:
            try:
                on = float(sheet.value(row, "max").replace(",", ".")) or scale
            except ValueError:
                on = scale
        value = r.note if on == scale else round(r.points / r.max_points * on, 1)
        text = f"{value:.1f}"
        row[grade_col] = text.replace(".", ",") if sheet.french else text
        owner = sid if results is None or sid in results.submissions else teams.get(sid, ("",))[0]
        if results is not None and owner in results.submissions:
            while len(row) <= comment_col:
                row.append("")
            row[comment_col] = moodle_summary(
                results, owner, comments(course, td, owner), scale=on, labels=labels
            )
        filled += 1
        if r.statut == "provisoire" and feedback_col is not None:
            while len(row) <= feedback_col:
                row.append("")
            mark = PROVISIONAL.format(questions=", ".join(r.pending))
            row[feedback_col] = f"{mark} {row[feedback_col]}".strip()
    write_worksheet(sheet, target)
    return filled, unmatched
