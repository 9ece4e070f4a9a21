"""Writes the journey-map kit (``parcours.data.journey_map``) into ``book/kit/`` before pages are read.

The annex page links the files with ``{download}``; generating them at every build (instead of in
a cached notebook cell) keeps the links valid whatever the execution cache holds. The folder is
build output (ignored by git).
"""

from __future__ import annotations

from pathlib import Path

KIT_DIR = "book/kit"


def write_kit(app) -> None:
    from parcours.data.journey_map import build_kit

    build_kit(Path(app.srcdir) / KIT_DIR)


def setup(app):
    app.connect("builder-inited", write_kit)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
