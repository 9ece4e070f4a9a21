"""Shared pytest set-up: tests/ on sys.path (for the helper modules), demo id and secret, and the
built book as the ``site`` fixture."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("MPLBACKEND", "Agg")
for var in ("PARCOURS_ETUDIANT", "JUPYTERHUB_USER", "PARCOURS_SECRET"):
    os.environ.pop(var, None)


@pytest.fixture(scope="module")
def site() -> Path:
    """The built book (``_build/html``); missing, it fails on CI and skips elsewhere."""
    from livre import HTML

    if not (HTML / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("_build/html manque : le livre n'a pas été construit (make book).")
        pytest.skip("_build/html manque : construisez d'abord le livre avec `make book`.")
    return HTML
