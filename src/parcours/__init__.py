"""Parcours : le cours « Suivi du parcours client », ses données et ses outils de correction.

``import parcours`` stays light (no pandas, no nbgrader): what students call is loaded on first
use. ``from parcours import charger`` then ``charger("enquete")`` gives a student's variant.
"""

from __future__ import annotations

from parcours.data.scenario import REFERENCE_DATE as DATE_REFERENCE

__version__ = "0.1.0"
__all__ = [
    "DATE_REFERENCE",
    "charger",
    "charger_tout",
    "etudiant_courant",
    "presentation",
    "verifier",
    "__version__",
]


def etudiant_courant() -> str:
    """L'identifiant de l'étudiant dont on charge les données."""
    from parcours.data.identity import current_student

    return current_student()


def __getattr__(name: str):
    if name in ("charger", "charger_tout"):
        from parcours import data

        return getattr(data, name)
    if name == "presentation":
        from parcours.notebook.presentation import presentation

        # Importing the submodule bound its name here: the function wins, as the TDs call it.
        globals()["presentation"] = presentation
        return presentation
    if name == "verifier":
        from parcours.notebook.verifier import verifier

        return verifier
    raise AttributeError(f"module 'parcours' has no attribute {name!r}")
