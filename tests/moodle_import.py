"""Test helper: what Moodle's « Importer plusieurs fichiers de feedback dans une archive ZIP »
does with a zip, written from the rule in mod/assign/feedback/file/importziplib.php
(``is_valid_filename_for_import``), so that a test can say which file lands on which participant.

The rule, per file of the zip (folders themselves are skipped):
- a file whose own name starts with ``.`` or ``~`` is ignored;
- the path is cut on ``/``; each part in turn is cut on ``_`` into at most 5 pieces; a part with
  fewer than 4 pieces is passed over; piece 2 must be numeric and be a participant of the
  assignment, and pieces 3-4 an enabled plugin (else the next part is tried);
- the first part that fits names the participant; the 5th piece (if any) and the parts after it
  make the file name stored for that participant;
- a file identical to the one already stored under that name is not imported again.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

# PHP's is_numeric: optional leading blanks and sign, digits with an optional fraction/exponent.
NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def match_entry(
    path: str, participants: set[int], plugins: set[tuple[str, str]]
) -> tuple[int, str] | None:
    """``(participant, stored file name)`` Moodle gives one zip entry, or None if it skips it."""
    if path.endswith("/"):
        return None
    basename = path.rsplit("/", 1)[-1]
    if basename.startswith((".", "~")):
        return None
    parts = path.split("/")
    while parts:
        part = parts.pop(0)
        info = part.split("_", 4)
        if len(info) < 4:
            continue
        if not NUMERIC.match(info[1]):
            continue
        number = float(info[1])
        if number != int(number) or int(number) not in participants:
            continue
        if (info[2], info[3]) not in plugins:
            continue
        rest = info[4] if len(info) == 5 else ""
        return int(number), "/".join([rest, *parts])
    return None


def import_feedback_zip(
    zip_path: Path,
    participants: set[int],
    plugins: frozenset = frozenset({("assignfeedback", "file")}),
) -> tuple[dict[int, dict[str, bytes]], list[str]]:
    """Files per participant as Moodle would store them, and the entries it would skip."""
    stored: dict[int, dict[str, bytes]] = {}
    skipped: list[str] = []
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            hit = match_entry(info.filename, participants, set(plugins))
            if hit is None:
                skipped.append(info.filename)
                continue
            number, name = hit
            stored.setdefault(number, {})[name.lstrip("/")] = z.read(info)
    return stored, skipped
