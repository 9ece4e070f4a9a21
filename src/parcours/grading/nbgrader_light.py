"""nbgrader's gradebook without nbgrader's start-up cost.

``import nbgrader`` runs its package ``__init__``, which loads the Jupyter server extensions
(formgrader, assignment list…): seconds before the first SQL query. ``notes``, ``rapport``,
``retours`` and ``etudiants`` only need ``nbgrader.api`` (SQLAlchemy models and ``Gradebook``):
``gradebook_api()`` imports it with the package registered but its ``__init__`` not run yet;
``full_nbgrader()`` runs it later in the same process when the apps are needed. It also keeps
jsonschema from compiling the IRI grammar of ``rfc3987_syntax`` (seconds; unused by notebooks).
"""

from __future__ import annotations

import importlib.util
import sys


def gradebook_api():
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        # nbgrader.api → nbformat → jsonschema, which compiles an IRI grammar at import when
        # rfc3987_syntax is installed (seconds). No notebook schema uses IRI formats: skip it.
        sys.modules["rfc3987_syntax"] = None
    if "nbgrader" not in sys.modules:
        spec = importlib.util.find_spec("nbgrader")
        if spec is None:
            raise ValueError("nbgrader n'est pas installé : lancez « make install ».")
        package = importlib.util.module_from_spec(spec)
        package._parcours_pending = spec

        def complete(name: str):
            # Anything else the package defines: finish importing it, as a normal import would.
            pending = package.__dict__.get("_parcours_pending") is not None
            if not pending or name.startswith("__") or _is_submodule(name):
                # Submodules are imported by the import system itself.
                raise AttributeError(f"module 'nbgrader' has no attribute {name!r}")
            full_nbgrader()
            return getattr(package, name)

        package.__getattr__ = complete
        sys.modules["nbgrader"] = package
        from nbgrader._version import __version__

        package.__version__ = __version__
    import nbgrader.api

    return nbgrader.api


def full_nbgrader() -> None:
    """Finish importing the nbgrader package if ``gradebook_api`` left it partial."""
    package = sys.modules.get("nbgrader")
    spec = package.__dict__.get("_parcours_pending") if package is not None else None
    if spec is not None:
        del package.__dict__["_parcours_pending"]
        spec.loader.exec_module(package)


def _is_submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(f"nbgrader.{name}") is not None
    except (ImportError, ValueError):
        return False
