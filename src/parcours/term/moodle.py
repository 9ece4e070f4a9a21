"""Moodle's assignment files: the « Télécharger tous les travaux remis » archive and the grading
worksheet (« Télécharger la feuille d'évaluation » / « Importer la feuille d'évaluation »).

Archive entries are ``Nom Prénom_<n>_assignsubmission_file/<fichier>`` (older Moodle: a trailing
``_`` after ``file``), or without folders ``Nom Prénom_<n>_assignsubmission_file_<fichier>``.
``<n>`` is a per-assignment participant number, not a user id: the worksheet maps
``Participant <n>`` to the full name and e-mail. Headers follow the teacher's Moodle language.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from parcours.term.anonymous import is_pseudonym
from parcours.term.atomic import write_bytes_atomic
from parcours.term.tabular import decode, header_key, safe_cell, sniff_separator

FOLDER = re.compile(r"^(?P<name>.+?)_(?P<n>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
FLAT = re.compile(r"^(?P<name>.+?)_(?P<n>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
PARTICIPANT = re.compile(r"(\d+)\s*$")

WORKSHEET_COLUMNS = {
    "id": {"identifiant", "identifier", "id"},
    "name": {"nomcomplet", "fullname", "nom"},
    "email": {"adressedecourriel", "emailaddress", "courriel", "email", "adressecourriel"},
    "grade": {"note", "grade"},
    "max": {"notemaximale", "maximumgrade"},
    "feedback": {
        "feedbackcomments",
        "feedbackparcommentaires",
        "commentairesdefeedback",
        "commentairesfeedback",
        "commentairesenfeedback",
    },
    "submitted": {
        "dernieremodificationtravailremis",
        "lastmodifiedsubmission",
        "dernieremodificationdudevoir",
    },
    # Moodle matches this one by its exact localised header: it is written back unchanged.
    "comments": {"feedbackparcommentaires", "feedbackcomments", "commentairesdefeedback"},
}

MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}


@dataclass
class ArchiveEntry:
    """One submitted file of the archive."""

    participant: str
    folder_name: str
    filename: str
    zip_name: str
    modified: datetime


def parse_entry_name(name: str) -> tuple[str, str, str] | None:
    """``(full name, participant number, file name)`` of a file-submission entry, else None."""
    parts = [p for p in name.split("/") if p]
    if len(parts) >= 2:
        m = FOLDER.match(parts[0])
        if m and m["plugin"] == "file":
            return m["name"].strip(), m["n"], "/".join(parts[1:])
        return None
    if len(parts) == 1:
        m = FLAT.match(parts[0])
        if m and m["plugin"] == "file":
            return m["name"].strip(), m["n"], m["file"]
    return None


def parse_moodle_date(text: str) -> datetime | None:
    """``"lundi 2 novembre 2026, 14:05"`` or ``"Monday, 2 November 2026, 2:05 PM"`` → datetime."""
    from parcours.term.tabular import header_key as _k

    text = (text or "").strip()
    m = re.search(
        r"(\d{1,2})(?:er)?\s+([^\s\d,]+)\s+(\d{4})\D+(\d{1,2})[:h](\d{2})\s*([AaPp][Mm])?", text
    )
    if not m:
        return None
    month = MONTHS.get(_k(m.group(2)))
    if not month:
        return None
    hour = int(m.group(4))
    if m.group(6):
        hour = hour % 12 + (12 if m.group(6).lower() == "pm" else 0)
    try:
        return datetime(int(m.group(3)), month, int(m.group(1)), hour, int(m.group(5)))
    except ValueError:
        return None


@dataclass
class Worksheet:
    """Moodle's grading worksheet, kept cell for cell so that it can be written back."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    columns: dict[str, int]
    separator: str
    encoding: str
    french: bool
    by_participant: dict[str, int] = field(default_factory=dict)

    def value(self, row: list[str], column: str) -> str:
        i = self.columns.get(column)
        return row[i].strip() if i is not None and i < len(row) else ""

    def participant(self, row: list[str]) -> str | None:
        m = PARTICIPANT.search(self.value(row, "id"))
        return m.group(1) if m else None


def read_worksheet(path: Path) -> Worksheet:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Feuille d'évaluation introuvable : {path}.")
    text, encoding = decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    sep = sniff_separator(first)
    all_rows = [
        r for r in csv.reader(io.StringIO(text), delimiter=sep) if any(c.strip() for c in r)
    ]
    if not all_rows:
        raise ValueError(f"La feuille d'évaluation {path.name} est vide.")
    header = all_rows[0]
    keys = [header_key(h) for h in header]
    columns = {}
    for name, variants in WORKSHEET_COLUMNS.items():
        for i, k in enumerate(keys):
            if k in variants and name not in columns:
                columns[name] = i
    for needed in ("id", "grade"):
        if needed not in columns:
            raise ValueError(
                f"{path.name} n'est pas une feuille d'évaluation Moodle : colonne "
                f"« {'Identifiant' if needed == 'id' else 'Note'} » introuvable (en-têtes lus : "
                f"{', '.join(header)})."
            )
    sheet = Worksheet(
        path=path,
        header=header,
        rows=all_rows[1:],
        columns=columns,
        separator=sep,
        encoding=encoding,
        french="identifiant" in keys,
    )
    for i, row in enumerate(sheet.rows):
        n = sheet.participant(row)
        if n:
            sheet.by_participant[n] = i
    return sheet


def write_worksheet(sheet: Worksheet, target: Path) -> None:
    """Write the worksheet back with the same separator and encoding as Moodle's file."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sheet.separator, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in sheet.header])
    writer.writerows([safe_cell(c) for c in row] for row in sheet.rows)
    write_bytes_atomic(target, buf.getvalue().encode(sheet.encoding))


# --- the way back: feedback files ----------------------------------------------------------------

# Moodle's « Importer plusieurs fichiers de feedback dans une archive ZIP » splits every folder
# name on "_" (at most 5 pieces) and wants piece 2 to be the participant number and pieces 3-4 an
# enabled plugin; files whose name starts with "." or "~" are ignored.
FEEDBACK_PLUGIN = "assignfeedback_file"
UNSAFE_IN_NAME = re.compile(r"[_/\\:*?\"<>|\x00-\x1f]+")


def feedback_folder(full_name: str, participant: str) -> str:
    """``"Zoé École", "1003"`` → ``"Zoé École_1003_assignfeedback_file"`` (no ``_`` in the name)."""
    name = " ".join(UNSAFE_IN_NAME.sub(" ", full_name).split()).lstrip(".~ ") or "Participant"
    return f"{name}_{int(participant)}_{FEEDBACK_PLUGIN}"


def participant_numbers(course, td: str, sheet: Worksheet | None = None) -> dict[str, str]:
    """Student id → Moodle participant number for ``td``: the worksheet (by e-mail, then by a
    unique full name) wins over the numbers recorded when the archive was collected."""
    import json

    from parcours.term.classlist import class_list, normalise_name

    found: dict[str, str] = {}
    mapping = course.root / "collectes" / td / "participants_moodle.json"
    if mapping.is_file():
        try:
            known = json.loads(mapping.read_text(encoding="utf-8"))
        except ValueError:
            known = {}
        for n, sid in known.items():
            if str(n).isdigit():
                found[sid] = str(int(n))
    if sheet is not None:
        students = class_list(course)
        by_email = {s.email.lower(): s.id for s in students if s.email}
        by_name: dict[str, list[str]] = {}
        for s in students:
            by_name.setdefault(normalise_name(s.full_name), []).append(s.id)
        for row in sheet.rows:
            n = sheet.participant(row)
            if not n:
                continue
            sid = by_email.get(sheet.value(row, "email").lower())
            if sid is None:
                hits = by_name.get(normalise_name(sheet.value(row, "name")), [])
                sid = hits[0] if len(hits) == 1 else None
            if sid is not None:
                found[sid] = str(int(n))
    return found


def write_feedback_zip(
    pages: dict[str, Path], numbers: dict[str, str], names: dict[str, str], target: Path, *, td: str
) -> tuple[list[str], list[str]]:
    """One folder per student for Moodle's feedback-file import; return (in the zip, no number)."""
    import zipfile

    from parcours.term.carte import without_local_links

    included, missing = [], []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for sid in sorted(pages):
            n = numbers.get(sid)
            if n is None:
                missing.append(sid)
                continue
            # an anonymous copy is named like Moodle's own anonymous download: Participant_<n>_…
            folder = feedback_folder(
                names.get(sid) or ("Participant" if is_pseudonym(sid) else sid), n
            )
            z.writestr(f"{folder}/retour_{td}.html", without_local_links(pages[sid].read_bytes()))
            included.append(sid)
    write_bytes_atomic(target, buf.getvalue())
    return included, missing
