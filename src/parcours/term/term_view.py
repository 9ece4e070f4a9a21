"""The term view: one row per student across all TDs, with the average, as CSV or Excel.

A TD without a copy is « ABS » and left out of the average; a TD whose written answers are not
graded yet makes the row « provisoire » (the average may still move).
"""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path

from parcours.grading.results import fr_number
from parcours.term.atomic import write_bytes_atomic
from parcours.term.grades_export import GradeRow, grade_rows, note_text


def term_table(course, *, scale: float = 20.0) -> tuple[list[str], list[list]]:
    """``(header, rows)``; each row: id, nom, prénom, groupe, one grade per TD (float, ``ABS`` or
    empty), the average (float or None) and the status."""
    rows = grade_rows(course, None, scale=scale)
    tds = sorted({r.td for r in rows})
    by_student: dict[str, dict[str, GradeRow]] = {}
    for r in rows:
        by_student.setdefault(r.student, {})[r.td] = r
    header = ["Identifiant", "Nom", "Prénom", "Groupe", *tds, f"Moyenne /{scale:g}", "Statut"]
    table = []
    for sid, per_td in by_student.items():
        first = next(iter(per_td.values()))
        cells: list = [sid, first.nom, first.prenom, first.groupe]
        notes = []
        status = []
        for td in tds:
            r = per_td.get(td)
            if r is None or r.note is None:
                cells.append(note_text(r) if r else "")
                if r is not None and r.statut:
                    status.append(f"{r.statut} : {td}")
                continue
            cells.append(r.note)
            notes.append(r.note)
            if r.statut == "provisoire":
                status.append(f"provisoire : {td}")
        cells.append(round(statistics.fmean(notes), 1) if notes else None)
        cells.append(" ; ".join(status))
        table.append(cells)
    return header, table


def write_term_csv(header, table, target: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for row in table:
        w.writerow(
            [fr_number(c) if isinstance(c, float) else ("" if c is None else c) for c in row]
        )
    write_bytes_atomic(target, buf.getvalue().encode("utf-8-sig"))


def write_term_xlsx(header, table, target: Path, *, grid=None) -> None:
    """The term sheet, and the competency grid's sheet when ``grid`` is given."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Trimestre"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    pending = PatternFill("solid", fgColor="FFF2CC")
    for row in table:
        sheet.append(row)
        last = sheet.max_row
        for col in range(5, len(header)):
            sheet.cell(last, col).number_format = "0.0"
        if "provisoire" in (row[-1] or ""):
            for col in range(1, len(header) + 1):
                sheet.cell(last, col).fill = pending
    sheet.freeze_panes = "E2"
    if grid is not None:
        from parcours.term.competences import add_grid_sheet

        add_grid_sheet(book, grid)
    buf = io.BytesIO()
    book.save(buf)
    write_bytes_atomic(target, buf.getvalue())
