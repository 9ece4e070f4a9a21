"""The data of a chart, the same in a student's kernel and in the grader's process.

A matplotlib ``Axes`` cannot leave a kernel as data, so the grading engine exports what a check may
look at — bars, lines, points, pie wedges, tick labels, titles — with :func:`describe` (a JSON-able
dict), and the grader rebuilds a :class:`Graphique` from it. Visible tests, which also run in the
student's own kernel, call :func:`graphique` on whatever they get (a real ``Axes``, a ``Figure`` or
an already exported ``Graphique``) and see the same object. matplotlib is never imported here: an
``Axes`` is read through its own methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

KINDS = ("vide", "barres", "barres_horizontales", "courbe", "nuage", "secteurs", "mixte")


def _plain(value: Any) -> Any:
    """A JSON-able copy of a number, text or date (NaN and infinities become None)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "item") and not hasattr(value, "__len__"):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def _plain_list(values: Any) -> list:
    return [_plain(v) for v in list(values)]


def describe(axes: Any) -> dict:
    """Everything a check may look at in one matplotlib ``Axes`` (or the first axes of a figure)."""
    if hasattr(axes, "add_subplot"):  # a Figure
        figure_axes = axes.get_axes()
        if not figure_axes:
            return {"genre": "vide"}
        axes = figure_axes[0]
    bars, wedges = [], []
    for patch in axes.patches:
        kind = type(patch).__name__
        if kind == "Rectangle":
            bars.append(
                {
                    "x": _plain(patch.get_x()),
                    "y": _plain(patch.get_y()),
                    "largeur": _plain(patch.get_width()),
                    "hauteur": _plain(patch.get_height()),
                }
            )
        elif kind == "Wedge":
            wedges.append({"debut": _plain(patch.theta1), "fin": _plain(patch.theta2)})
    lines = []
    for line in axes.get_lines():
        lines.append(
            {
                "x": _plain_list(line.get_xdata()),
                "y": _plain_list(line.get_ydata()),
                "etiquette": str(line.get_label()),
            }
        )
    points = []
    for collection in axes.collections:
        offsets = getattr(collection, "get_offsets", lambda: [])()
        if len(offsets):
            points.append(
                {"x": [_plain(p[0]) for p in offsets], "y": [_plain(p[1]) for p in offsets]}
            )
    return {
        "genre": _kind(bars, lines, points, wedges),
        "barres": bars,
        "courbes": lines,
        "nuages": points,
        "secteurs": wedges,
        "positions_x": _plain_list(axes.get_xticks()),
        "etiquettes_x": [t.get_text() for t in axes.get_xticklabels()],
        "positions_y": _plain_list(axes.get_yticks()),
        "etiquettes_y": [t.get_text() for t in axes.get_yticklabels()],
        "titre": str(axes.get_title()),
        "titre_x": str(axes.get_xlabel()),
        "titre_y": str(axes.get_ylabel()),
    }


def _is_reference_line(line: dict) -> bool:
    """``axhline`` / ``axvline``: two points on one constant coordinate."""
    return len(line["x"]) == 2 and (line["x"][0] == line["x"][1] or line["y"][0] == line["y"][1])


def _kind(bars: list, lines: list, points: list, wedges: list) -> str:
    data_lines = [line for line in lines if not _is_reference_line(line)]
    found = []
    if bars:
        found.append(_bar_orientation(bars))
    if data_lines:
        found.append("courbe")
    if points:
        found.append("nuage")
    if wedges:
        found.append("secteurs")
    if not found:
        return "vide"
    return found[0] if len(found) == 1 else "mixte"


def _bar_orientation(bars: list[dict]) -> str:
    """Vertical bars stand on y = 0 with a common width; horizontal ones start at x = 0."""
    on_y0 = all(b["y"] == 0 for b in bars)
    on_x0 = all(b["x"] == 0 for b in bars)
    if on_x0 and not on_y0:
        return "barres_horizontales"
    if on_y0 and not on_x0:
        return "barres"
    widths = {round(b["largeur"] or 0, 9) for b in bars}
    heights = {round(b["hauteur"] or 0, 9) for b in bars}
    return "barres_horizontales" if len(heights) == 1 and len(widths) > 1 else "barres"


class _Text(str):
    """A tick label, read like matplotlib's ``Text`` (``get_text()``)."""

    def get_text(self) -> str:
        return str(self)


class _Bar:
    """A bar, read like matplotlib's ``Rectangle``."""

    def __init__(self, bar: dict) -> None:
        self._bar = bar

    def get_x(self) -> float:
        return self._bar["x"]

    def get_y(self) -> float:
        return self._bar["y"]

    def get_width(self) -> float:
        return self._bar["largeur"]

    def get_height(self) -> float:
        return self._bar["hauteur"]


class _Line:
    """A plotted line, read like matplotlib's ``Line2D``."""

    def __init__(self, line: dict) -> None:
        self._line = line

    def get_xdata(self) -> list:
        return list(self._line["x"])

    def get_ydata(self) -> list:
        return list(self._line["y"])

    def get_label(self) -> str:
        return self._line.get("etiquette", "")


@dataclass
class Graphique:
    """A chart as data: what a check reads instead of a matplotlib ``Axes``."""

    genre: str = "vide"
    barres: list[dict] = field(default_factory=list)
    courbes: list[dict] = field(default_factory=list)
    nuages: list[dict] = field(default_factory=list)
    secteurs: list[dict] = field(default_factory=list)
    positions_x: list = field(default_factory=list)
    etiquettes_x: list[str] = field(default_factory=list)
    positions_y: list = field(default_factory=list)
    etiquettes_y: list[str] = field(default_factory=list)
    titre: str = ""
    titre_x: str = ""
    titre_y: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Graphique:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @property
    def horizontal(self) -> bool:
        return self.genre == "barres_horizontales"

    def valeurs_barres(self) -> list[float]:
        """Bar lengths in drawing order (heights, or widths for horizontal bars)."""
        key = "largeur" if self.horizontal else "hauteur"
        return [b[key] for b in self.barres]

    def barres_etiquetees(self) -> list[tuple[str, float]]:
        """(tick label, bar length) for each bar, the label read at the bar's centre."""
        if self.horizontal:
            positions, labels, centre, key = self.positions_y, self.etiquettes_y, "y", "largeur"
            size = "hauteur"
        else:
            positions, labels, centre, key = self.positions_x, self.etiquettes_x, "x", "hauteur"
            size = "largeur"
        result = []
        for bar in self.barres:
            middle = (bar[centre] or 0) + (bar[size] or 0) / 2
            label = ""
            if positions:
                nearest = min(range(len(positions)), key=lambda i: abs(positions[i] - middle))
                if abs(positions[nearest] - middle) <= abs(bar[size] or 1) / 2 + 1e-9:
                    label = labels[nearest] if nearest < len(labels) else ""
            result.append((label, bar[key]))
        return result

    def courbes_de_donnees(self) -> list[dict]:
        """Plotted lines, without ``axhline`` / ``axvline`` reference lines."""
        return [line for line in self.courbes if not _is_reference_line(line)]

    # The part of matplotlib's Axes API that checks written for a real Axes use, so that a check
    # runs unchanged on an exported chart.
    @property
    def patches(self) -> list[_Bar]:
        return [_Bar(b) for b in self.barres]

    def get_lines(self) -> list[_Line]:
        return [_Line(line) for line in self.courbes]

    @property
    def lines(self) -> list[_Line]:
        return self.get_lines()

    def get_xticklabels(self) -> list[_Text]:
        return [_Text(t) for t in self.etiquettes_x]

    def get_yticklabels(self) -> list[_Text]:
        return [_Text(t) for t in self.etiquettes_y]

    def get_xticks(self) -> list:
        return list(self.positions_x)

    def get_yticks(self) -> list:
        return list(self.positions_y)

    def get_title(self) -> str:
        return self.titre

    def get_xlabel(self) -> str:
        return self.titre_x

    def get_ylabel(self) -> str:
        return self.titre_y


def graphique(obj: Any) -> Graphique:
    """A :class:`Graphique` from an ``Axes``, a ``Figure``, an exported dict or a ``Graphique``."""
    if isinstance(obj, Graphique):
        return obj
    if isinstance(obj, dict):
        return Graphique.from_dict(obj)
    if hasattr(obj, "patches") or hasattr(obj, "get_axes"):
        return Graphique.from_dict(describe(obj))
    raise TypeError(
        f"Un graphique était attendu (le repère ax de matplotlib), pas un objet {type(obj).__name__}."
    )
