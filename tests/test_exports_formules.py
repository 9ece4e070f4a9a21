"""Grade exports never carry a live formula (OWASP « CSV injection »), real numbers stay numbers."""

from __future__ import annotations

import csv
import io

import openpyxl

from parcours.term.grades_export import GradeRow, write_csv, write_xlsx
from parcours.term.moodle import Worksheet, write_worksheet

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1-1", "-2+3", "\tcmd", "\rcmd"]


def _rows():
    return [
        GradeRow(f"e{i}", name, "Zoé", name, "td03", 12.5, "", -1.5, 16.0, [])
        for i, name in enumerate(HOSTILE)
    ]


def test_csv_cells_starting_with_a_formula_sign_are_neutralised(tmp_path):
    write_csv(_rows(), tmp_path / "notes.csv", scale=20)
    text = (tmp_path / "notes.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    for row, name in zip(rows, HOSTILE, strict=True):
        assert row[1] == "'" + name and row[3] == "'" + name, row
        assert row[7] == "-1,5"  # a real negative number is left as is


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    write_xlsx(_rows(), tmp_path / "notes.xlsx", scale=20)
    sheet = openpyxl.load_workbook(tmp_path / "notes.xlsx").active
    for line, name in zip(sheet.iter_rows(min_row=2), HOSTILE, strict=True):
        # XML turns a lone CR into a line feed: the cell is text all the same
        assert line[1].data_type == "s" and line[1].value.replace("\n", "\r") == "'" + name
        assert line[7].value == -1.5 and line[5].value == 12.5


def test_moodle_worksheet_neutralised(tmp_path):
    sheet = Worksheet(
        path=tmp_path / "moodle_in.csv",
        header=["Identifiant", "Nom complet", "Note"],
        rows=[["Participant 1", "=1+1", "-3,5"]],
        separator=",",
        encoding="utf-8",
        columns={"id": 0, "name": 1, "grade": 2},
        french=True,
    )
    write_worksheet(sheet, tmp_path / "moodle.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "moodle.csv").read_text())))
    assert rows[1] == ["Participant 1", "'=1+1", "-3,5"]
