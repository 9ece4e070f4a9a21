"""Who is the student, and which course secret seeds the variants.

Resolution order (DESIGN.md): the grader's variable ``PARCOURS_ETUDIANT``, then ``JUPYTERHUB_USER``,
then the demo id. The course secret comes from ``PARCOURS_SECRET``, then from a ``parcours.toml``
file (``secret = "…"``) in the current folder or one of its parents, then the demo secret.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GRADER_ENV = "PARCOURS_ETUDIANT"
HUB_ENV = "JUPYTERHUB_USER"
SECRET_ENV = "PARCOURS_SECRET"
DEMO_STUDENT = "demo"
DEMO_SECRET = "parcours-demo"
CONFIG_FILE = "parcours.toml"

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


def check_student_id(student: object) -> str:
    """Return the cleaned id, or raise ``ValueError`` with a French message."""
    if not isinstance(student, str | int) or isinstance(student, bool):
        raise ValueError(
            f"Identifiant étudiant invalide : {student!r}. Donnez un texte comme « dupont.marie »."
        )
    text = str(student).strip()
    if not text:
        raise ValueError("Identifiant étudiant vide : donnez par exemple « dupont.marie ».")
    if not _ID_PATTERN.match(text):
        raise ValueError(
            f"Identifiant étudiant invalide : « {text[:80]} ». Il doit faire 1 à 64 caractères "
            "parmi les lettres sans accent, les chiffres et . _ @ + - (sans espace), et commencer "
            "par une lettre ou un chiffre."
        )
    return text


def current_student() -> str:
    """The student whose data a notebook loads: grader variable, then hub user, then demo."""
    for var in (GRADER_ENV, HUB_ENV):
        value = os.environ.get(var, "").strip()
        if value:
            return check_student_id(value)
    return DEMO_STUDENT


def course_secret() -> str:
    """The course secret that, with the student id, fixes every variant."""
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return value
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            import tomllib

            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"Fichier {candidate} illisible : {exc}") from None
            secret = str(data.get("secret", "")).strip()
            if secret:
                return secret
            break
    return DEMO_SECRET
