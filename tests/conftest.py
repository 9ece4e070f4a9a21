"""Shared pytest set-up: tests/ on sys.path (for the nbgrading helper), demo id and secret."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("MPLBACKEND", "Agg")
for var in ("PARCOURS_ETUDIANT", "JUPYTERHUB_USER", "PARCOURS_SECRET"):
    os.environ.pop(var, None)
