"""Moodle's anonymous marking (« évaluation anonyme »): the archive's folders are
``Participant_<n>_assignsubmission_file_`` and the worksheet has no names, only ``Participant <n>``.

Such a copy is collected under a pseudonym, ``participant_<n>``: the gradebook (formgrader shows
« Participant <n> »), the feedback pages, the zip for Moodle and the class report only ever see
that. The copy is still graded on its author's own data variant: the id its setup cell printed
(« Données chargées pour « … » »), which must be in the class list, is kept in
``collectes/<TD>/anonymes.json`` and handed to the grader only. ``parcours notes --reveler`` is the
one place where the pseudonyms become names again.
"""

from __future__ import annotations

import json
import re

PREFIX = "participant_"
FILE = "anonymes.json"
_PSEUDONYM = re.compile(rf"^{PREFIX}(\d+)$")


def pseudonym(participant: str) -> str:
    return f"{PREFIX}{int(participant)}"


def is_pseudonym(student: str) -> bool:
    return bool(_PSEUDONYM.match(student))


def label(student: str) -> str:
    """« Participant 1000 » for a pseudonym, else the id itself."""
    m = _PSEUDONYM.match(student)
    return f"Participant {m.group(1)}" if m else student


def _path(course, td: str):
    return course.root / "collectes" / td / FILE


def load(course, td: str) -> dict[str, str]:
    """Pseudonym → the id of the student whose data the copy ran on, for ``td``."""
    return data_ids(course.root, td)


def data_ids(root, td: str) -> dict[str, str]:
    """:func:`load` from the course folder alone (what ``corriger`` hands the grader)."""
    try:
        data = json.loads((root / "collectes" / td / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in data.items() if is_pseudonym(k) and isinstance(v, str)}


def save(course, td: str, found: dict[str, str]) -> None:
    from parcours.term.atomic import write_json_atomic

    known = load(course, td)
    known.update(found)
    write_json_atomic(_path(course, td), dict(sorted(known.items())))


def claimed_identity(data: bytes) -> str | None:
    """The id the copy's setup cell printed when the student ran it (outputs only)."""
    from parcours.grading.worker import IDENTITY

    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict):
            continue
        for out in cell.get("outputs", []) or []:
            text = out.get("text", "") if isinstance(out, dict) else ""
            found = IDENTITY.search("".join(text) if isinstance(text, list) else str(text))
            if found:
                return found.group(1).strip()
    return None
