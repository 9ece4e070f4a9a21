"""Read the tables teachers hand us (CSV from Pronote, an ENT or Moodle; Excel .xlsx) as text rows.

CSV: UTF-8 (with or without BOM) or Windows-1252, separator ``;``, ``,`` or tab detected from the
header line. Excel: the first sheet, cells turned into text. Rows come back with their line number.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

SEPARATORS = (";", ",", "\t")


def header_key(text: str) -> str:
    """``"Adresse de courriel"`` → ``"adressedecourriel"``: no accents, case, spaces or signs."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a CSV file's bytes (UTF-8 with/without BOM, else Windows-1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], dict]:
    """Header, ``[(line_number, cells)]`` (blank rows dropped) and format facts of a table file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Fichier introuvable : {path}.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if path.suffix.lower() == ".xls":
        raise ValueError(
            f"{path.name} : l'ancien format Excel .xls n'est pas lu. Enregistrez le fichier en "
            ".xlsx ou en CSV."
        )
    try:
        text, encoding = decode(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"Lecture impossible de {path} : {exc.strerror}.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = next((line for line in text.split("\n") if line.strip()), "")
    sep = sniff_separator(first)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        line = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((line, cells))
    if header is None:
        raise ValueError(f"{path.name} est vide.")
    return header, rows, {"encoding": encoding, "separator": sep, "format": "csv"}


def _read_xlsx(path: Path):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a damaged file
        raise ValueError(f"{path.name} n'est pas un classeur Excel lisible ({exc}).") from None
    sheet = book.worksheets[0]
    header = None
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((number, cells))
    book.close()
    if header is None:
        raise ValueError(f"{path.name} est vide.")
    return header, rows, {"encoding": None, "separator": None, "format": "xlsx"}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell we write to a CSV or xlsx file, never read as a formula (OWASP « CSV injection »):
    text starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'``; numbers, and
    text that is only a number (``-1,5``), are left as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value
