"""Who is the student, and which course secret seeds the variants.

Resolution order (DESIGN.md): the grader's variable ``PARCOURS_ETUDIANT`` (always wins), then
``JUPYTERHUB_USER``, then, for students who work off the hub, the id they state once: the
variable ``PARCOURS_IDENTIFIANT`` or ``etudiant = "…"`` in the nearest ``parcours.toml`` (the
notebook's folder or a parent), then the demo id. The course secret comes from
``PARCOURS_SECRET``, then from ``secret = "…"`` in that same file, then the demo secret.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GRADER_ENV = "PARCOURS_ETUDIANT"
HUB_ENV = "JUPYTERHUB_USER"
STUDENT_ENV = "PARCOURS_IDENTIFIANT"
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
    """The student whose data a notebook loads (see the module docstring for the order)."""
    for var in (GRADER_ENV, HUB_ENV, STUDENT_ENV):
        value = os.environ.get(var, "").strip()
        if value:
            return check_student_id(value)
    value = str(_config().get("etudiant", "")).strip()
    if value:
        try:
            return check_student_id(value)
        except ValueError as exc:
            raise ValueError(f"{_config_path()} : {exc}") from None
    return DEMO_STUDENT


def _config_path(start: Path | None = None) -> Path | None:
    """The nearest ``parcours.toml``: the current folder (or ``start``), then its parents."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _config(start: Path | None = None) -> dict:
    path = _config_path(start)
    if path is None:
        return {}
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(
            f"Fichier {path} illisible : {exc}. Exemple de contenu valide : "
            'etudiant = "dupont.marie"'
        ) from None


def course_secret(start: Path | None = None) -> str:
    """The course secret that, with the student id, fixes every variant."""
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return value
    secret = str(_config(start).get("secret", "")).strip()
    return secret or DEMO_SECRET


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I


def secret_check_code(secret: str) -> str:
    """Four characters derived from the secret (a keyed hash): they tell a mistyped secret
    apart and cannot give the secret back."""
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), b"parcours: code de controle", hashlib.sha256).digest()
    return "".join(_CODE_ALPHABET[b % len(_CODE_ALPHABET)] for b in digest[:4])
