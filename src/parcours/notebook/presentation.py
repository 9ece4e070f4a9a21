"""The identity line a TD's setup cell prints: whose data the notebook loaded.

Its first line is ``Données chargées pour « <id> » (code de contrôle : ABCD).``: the grader reads
the id between the French quotes to flag a notebook run on another student's data; the code is
derived from the course secret (:func:`parcours.data.identity.secret_check_code`), so a student
compares it with the one the teacher gives (``parcours etudiants``) to notice a mistyped secret. For the demo id a second line
says these are the demo data and how a student sets their own id.
"""

from __future__ import annotations

from parcours.data.identity import DEMO_STUDENT, course_secret, current_student, secret_check_code

DEMO_WARNING = (
    "Attention : ce sont les données de démonstration, pas les vôtres. Sur le JupyterHub du cours, "
    "votre identifiant est reconnu tout seul ; ailleurs, écrivez-le une fois dans un fichier "
    'parcours.toml (ligne etudiant = "votre.identifiant") placé dans le dossier du TD ou un '
    "dossier parent, puis relancez le notebook."
)


def presentation(etudiant: str | None = None) -> str:
    """Le texte qui dit pour qui le notebook a chargé les données."""
    from parcours.notebook.aide import install

    install()
    student = current_student() if etudiant is None else str(etudiant)
    code = secret_check_code(course_secret())
    line = f"Données chargées pour « {student} » (code de contrôle : {code})."
    if student == DEMO_STUDENT:
        return f"{line}\n{DEMO_WARNING}"
    return line
