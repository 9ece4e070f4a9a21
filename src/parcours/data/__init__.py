"""The data wing: the fictional company (``scenario``), whose data it is (``identity``), the seeded
generator (``generator``: ``charger``, one variant of every dataset per student), the data dictionary
and the journey-map kit.

The bottom wing: it imports no other wing. Importing it stays light (no pandas): the generator's
names below are loaded on first use.
"""

from __future__ import annotations

_GENERATOR = ("charger", "charger_tout", "check_name", "check_size", "variant_truth", "MAX_SIZE")
__all__ = ["DATASET_NAMES", "DATASETS", "charger", "charger_tout", "check_size", "variant_truth"]


def __getattr__(name: str):
    if name in ("DATASET_NAMES", "DATASETS"):
        from parcours.data import dictionary

        return getattr(dictionary, name)
    if name in _GENERATOR or name in ("_frame", "_plan_and_portfolio"):
        from parcours.data import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'parcours.data' has no attribute {name!r}")
