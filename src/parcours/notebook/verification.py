"""The course's grading policy, written once (``solutions/README.md``) and used by every check.

Checks of the four TDs compare a student's answer with the value recomputed from the student's own
data through these functions only: each raises ``AssertionError`` with a French message, or returns
the answer as plain data. They accept what the student's kernel holds (pandas objects, numpy
scalars, matplotlib axes) and what the grading engine exports (the same pandas objects, Python
scalars, :class:`parcours.notebook.chart.Graphique`). pandas is only imported when a check needs it, and
checks never use a name the student may have rebound: builtins are read here, not in the check.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from parcours.notebook import aide as _aide

_aide.install()

# Precision of each kind of answer (absolute tolerance), see solutions/README.md.
PRECISION = {
    "pourcentage": 0.05,  # points of percentage: a value rounded to one decimal passes
    "moyenne": 0.005,  # a mean score or an average: rounded to two decimals passes
    "effectif": 0.0,  # a count: exact
    "euros": 0.5,  # money: rounded to the euro passes
    "jours": 0.05,  # a number of days (median, mean): rounded to one decimal passes
    "annees": 0.05,  # a number of years: rounded to one decimal passes
    "correlation": 0.005,  # a correlation coefficient: rounded to two decimals passes
    "exact": 1e-9,  # a value the statement gives exactly (a function's result on an example)
}
# A value off by at most this many tolerances (but more than one) was rounded too early.
NEAR_FACTOR = 10
ROUNDING_HINT = "vous avez arrondi trop tôt ?"
_UNITS = {
    "pourcentage": "point",
    "moyenne": "",
    "euros": "€",
    "jours": "jour",
    "annees": "an",
    "correlation": "",
}


class _Echec(AssertionError):
    """A failed check: its message is the French feedback.

    In a student's kernel IPython shows :meth:`_render_traceback_` (a short French box naming the
    variable) instead of a traceback into this module; the error itself is unchanged.
    """

    nom: str | None = None

    def _render_traceback_(self) -> list[str]:
        from parcours.notebook.aide import failed_check

        return failed_check(str(self), self.nom)


def _fail(message: str) -> None:
    error = _Echec(message)
    # The variable checked: the nearest ``nom`` of the helpers of this module on the call stack.
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        if isinstance(frame.f_locals.get("nom"), str):
            error.nom = frame.f_locals["nom"]
            break
        frame = frame.f_back
    raise error


def _tolerance(genre: str) -> float:
    if genre not in PRECISION:
        raise ValueError(f"Genre de réponse inconnu : {genre!r} (connus : {', '.join(PRECISION)}).")
    return PRECISION[genre]


def _fr(x: float) -> str:
    """A number written the French way (decimal comma, at most 2 decimals)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def _precision_text(genre: str) -> str:
    tol = _tolerance(genre)
    if tol == 0:
        return "la valeur exacte"
    unit = _UNITS.get(genre, "")
    unit = f" {unit}" if unit else ""
    return f"à ±{_fr(tol)}{unit} près"


def _is_nan(x: Any) -> bool:
    try:
        return x != x  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


# ----------------------------------------------------------------------------------------- values
def nombre(valeur: Any, *, nom: str) -> float:
    """The answer as a Python number, or a French message (missing, NaN, text, table…)."""
    if valeur is None:
        _fail(f"{nom} vaut None : la cellule doit affecter un nombre à {nom} (pas un print).")
    if isinstance(valeur, bool) or type(valeur).__name__ in ("bool_", "bool"):
        _fail(f"{nom} vaut {valeur} : un nombre était attendu, pas True ou False.")
    if isinstance(valeur, str):
        _fail(
            f"{nom} est un texte ({valeur!r}) : un nombre était attendu. Retirez les guillemets "
            "et gardez le résultat du calcul."
        )
    if hasattr(valeur, "__len__") and not isinstance(valeur, (str, bytes)):
        try:
            size = len(valeur)
        except TypeError:  # a 0-d numpy array: a number
            size = None
        if size is None:
            valeur = valeur.item() if hasattr(valeur, "item") else valeur
        elif size == 1:
            valeur = list(valeur.values() if isinstance(valeur, Mapping) else valeur)[0]
            if hasattr(valeur, "iloc"):
                valeur = valeur.iloc[0]
        else:
            _fail(
                f"{nom} doit être un seul nombre, pas un tableau de {size} valeurs "
                f"({type(valeur).__name__})."
            )
    if hasattr(valeur, "item") and not hasattr(valeur, "__len__"):
        valeur = valeur.item()
    if isinstance(valeur, bool) or type(valeur).__name__ in ("bool_", "bool"):
        _fail(f"{nom} vaut {valeur} : un nombre était attendu, pas True ou False.")
    if hasattr(valeur, "total_seconds"):  # a Timedelta where days are expected
        _fail(f"{nom} est une durée : donnez un nombre de jours (.days ou .dt.days).")
    try:
        x = float(valeur)
    except (TypeError, ValueError):
        _fail(f"{nom} doit être un nombre, pas un objet {type(valeur).__name__}.")
    if math.isnan(x):
        _fail(
            f"{nom} vaut NaN (valeur manquante) : le calcul porte sur une sélection vide ou sur "
            "des valeurs manquantes. Vérifiez le filtre et la colonne utilisés."
        )
    return x


def verifier_nombre(
    valeur: Any,
    attendu: float,
    *,
    nom: str,
    genre: str,
    message: str,
    accepte_aussi: Iterable[float] = (),
) -> None:
    """Check one number to the precision of its kind; a nearly right one gets the rounding hint."""
    x = nombre(valeur, nom=nom)
    expected = float(attendu)
    tol = _tolerance(genre)
    for target in (expected, *[float(a) for a in accepte_aussi]):
        if abs(x - target) <= tol + 1e-9 * max(1.0, abs(target)):
            return None
    if tol > 0 and abs(x - expected) <= NEAR_FACTOR * tol:
        _fail(
            f"{nom} vaut {_fr(x)}, presque la valeur attendue : {ROUNDING_HINT} Gardez au moins "
            f"la précision demandée ({_precision_text(genre)}) : arrondissez seulement à "
            "l'affichage."
        )
    _fail(message)
    return None


def dans_intervalle(valeur: Any, bas: float, haut: float, *, nom: str, message: str) -> None:
    """A number between two bounds (a percentage between 0 and 100…)."""
    x = nombre(valeur, nom=nom)
    if not bas <= x <= haut:
        _fail(message)
    return None


def verifier(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds (a check's plain assertion)."""
    if not bool(condition):
        _fail(message)


def est_fonction(valeur: Any, *, nom: str, conseil: str = "") -> None:
    """The answer is a function (or the grader's proxy of one)."""
    if not callable(valeur):
        _fail(
            f"{nom} doit être une fonction, pas un objet {type(valeur).__name__}."
            + (f" Écrivez : {conseil}" if conseil else "")
        )
    return None


def est_booleen(valeur: Any, *, nom: str) -> None:
    """The answer is True or False (a numpy bool too)."""
    if not (isinstance(valeur, bool) or type(valeur).__name__ in ("bool_", "bool")):
        _fail(f"{nom} doit valoir True ou False, pas {valeur!r}.")


def est_dictionnaire(valeur: Any, *, nom: str, cles: Sequence[str], message: str) -> None:
    """The answer is a dict whose keys are exactly ``cles`` (as texts)."""
    if not isinstance(valeur, Mapping):
        _fail(
            f"{nom} doit être un dictionnaire {{clé: valeur}}, pas un objet {type(valeur).__name__}."
        )
    if sorted(str(k) for k in valeur) != sorted(str(c) for c in cles):
        _fail(message)


def est_serie(valeur: Any, *, nom: str, conseil: str = "") -> None:
    """The answer is a pandas Series (a dict of numbers is turned into one)."""
    _serie(valeur, nom=nom, conseil=conseil)


def _serie(valeur: Any, *, nom: str, conseil: str = "") -> Any:
    import pandas as pd

    if isinstance(valeur, Mapping):
        valeur = pd.Series(dict(valeur))
    if isinstance(valeur, pd.DataFrame) and valeur.shape[1] == 1:
        valeur = valeur.iloc[:, 0]
    if not isinstance(valeur, pd.Series):
        _fail(
            f"{nom} doit être une série pandas (Series), pas un objet {type(valeur).__name__}."
            + (f" {conseil}" if conseil else "")
        )
    return valeur


def est_tableau(valeur: Any, *, nom: str, conseil: str = "") -> None:
    """The answer is a pandas DataFrame."""
    import pandas as pd

    if not isinstance(valeur, pd.DataFrame):
        _fail(
            f"{nom} doit être un tableau (DataFrame), pas un objet {type(valeur).__name__}."
            + (f" {conseil}" if conseil else "")
        )
    return None


def _labels(index: Iterable) -> list[str]:
    return [str(i) for i in index]


def verifier_etiquettes(
    valeur: Any,
    etiquettes: Sequence[str],
    *,
    nom: str,
    ordre: bool = False,
    message_etiquettes: str = "",
    message_ordre: str = "",
    conseil: str = "",
) -> None:
    """A Series whose labels are ``etiquettes`` (as texts), in that order when ``ordre``."""
    s = _serie(valeur, nom=nom, conseil=conseil)
    mine = _labels(s.index)
    theirs = [str(e) for e in etiquettes]
    if sorted(mine) != sorted(theirs) or len(set(mine)) != len(mine):
        _fail(
            message_etiquettes
            or f"{nom} doit avoir une valeur pour chacun de : {', '.join(theirs)} "
            f"(elle en a {len(mine)})."
        )
    if ordre and mine != theirs:
        _fail(message_ordre or f"{nom} doit suivre l'ordre : {', '.join(theirs)}.")
    return None


def verifier_serie(
    valeur: Any,
    attendu: Any,
    *,
    nom: str,
    genre: str,
    message: str,
    ordre: str | None = None,
    message_etiquettes: str = "",
    message_ordre: str = "",
    accepte_aussi: Any = None,
) -> None:
    """Check a Series label by label; its order only when ``ordre`` says what the statement asks.

    ``ordre``: None (any order), ``"index"`` (the order of ``attendu``'s labels), ``"croissant"``
    or ``"decroissant"`` (sorted values). Labels are compared as texts, so a categorical or a
    string index both pass.
    """
    import pandas as pd

    s = _serie(valeur, nom=nom)
    expected = _serie(attendu, nom="attendu")
    mine = _labels(s.index)
    theirs = _labels(expected.index)
    if sorted(mine) != sorted(theirs) or len(set(mine)) != len(mine):
        _fail(
            message_etiquettes
            or f"{nom} doit avoir une valeur pour chacun de : {', '.join(theirs)}."
        )
    try:
        values = pd.to_numeric(pd.Series(s.to_numpy(), index=mine), errors="raise")
    except (TypeError, ValueError):
        _fail(f"{nom} doit contenir des nombres.")
    if values.isna().any():
        missing = ", ".join(values.index[values.isna()])
        _fail(f"{nom} a des valeurs manquantes (NaN) pour : {missing}.")
    if ordre == "index" and mine != theirs:
        _fail(message_ordre or f"{nom} doit suivre l'ordre : {', '.join(theirs)}.")
    if ordre in ("croissant", "decroissant"):
        monotonic = (
            values.is_monotonic_increasing
            if ordre == "croissant"
            else values.is_monotonic_decreasing
        )
        if not monotonic:
            sens = (
                "du plus faible au plus élevé"
                if ordre == "croissant"
                else "du plus élevé au plus faible"
            )
            _fail(message_ordre or f"Triez {nom} {sens} (.sort_values()).")
    exp = pd.Series(expected.to_numpy(dtype=float), index=theirs).reindex(values.index)
    tol = _tolerance(genre) + 1e-9 * max(1.0, float(exp.abs().max()))
    diff = (values.astype(float) - exp).abs()
    if (diff <= tol).all():
        return None
    if accepte_aussi is not None:
        other = pd.Series(accepte_aussi.to_numpy(dtype=float), index=_labels(accepte_aussi.index))
        other = other.reindex(values.index)
        if ((values.astype(float) - other).abs() <= tol).all():
            return None
    if _tolerance(genre) > 0 and (diff <= NEAR_FACTOR * _tolerance(genre)).all():
        _fail(
            f"Les valeurs de {nom} sont presque les valeurs attendues : {ROUNDING_HINT} Gardez "
            f"la précision demandée ({_precision_text(genre)}) et arrondissez seulement à "
            "l'affichage."
        )
    _fail(message)
    return None


def proche(valeur: Any, attendu: Any, *, genre: str) -> bool:
    """True when a Series (or number) equals the expected one up to a too-early rounding."""
    import pandas as pd

    limit = NEAR_FACTOR * _tolerance(genre) + 1e-9
    try:
        if isinstance(attendu, pd.Series):
            mine = pd.Series(pd.Series(valeur).to_numpy(dtype=float), index=_labels(valeur.index))
            theirs = pd.Series(attendu.to_numpy(dtype=float), index=_labels(attendu.index))
            if sorted(mine.index) != sorted(theirs.index):
                return False
            return bool(((mine.reindex(theirs.index) - theirs).abs() <= limit).all())
        return abs(float(valeur) - float(attendu)) <= limit
    except (TypeError, ValueError, AttributeError):
        return False


# ------------------------------------------------------------------------------------------- text
def normaliser(texte: Any) -> str:
    """A text choice as compared: case, accents, typographic quotes, spaces and dashes ignored."""
    text = str(texte)
    for typographic, plain in (("’", "'"), ("‘", "'"), ("`", "'"), ("–", "-"), ("—", "-")):
        text = text.replace(typographic, plain)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(text.replace("\u00a0", " ").split())
    return text.strip(" \"'«»").strip().casefold()


def verifier_choix(
    valeur: Any,
    attendu: str,
    *,
    nom: str,
    choix: Sequence[str],
    message: str,
) -> None:
    """A text answer among ``choix``, compared after :func:`normaliser`."""
    if not isinstance(valeur, str):
        _fail(
            f'{nom} doit être un texte entre guillemets, par exemple "{choix[0]}" '
            f"(et non {type(valeur).__name__})."
        )
    known = {normaliser(c): c for c in choix}
    if normaliser(valeur) not in known:
        _fail(
            f"{nom} vaut {valeur!r} : recopiez l'un des choix proposés : "
            + ", ".join(f"« {c} »" for c in choix)
            + "."
        )
    if normaliser(valeur) != normaliser(attendu):
        _fail(message)
    return None


def choix_faux(
    reponses: Mapping[str, Any], attendus: Mapping[str, str], *, choix: Sequence[str]
) -> list[str]:
    """Names whose text answer (validated against ``choix``) differs from the expected one."""
    for nom, valeur in reponses.items():
        if not isinstance(valeur, str) or normaliser(valeur) not in {normaliser(c) for c in choix}:
            verifier_choix(valeur, choix[0], nom=nom, choix=choix, message="")
    return [n for n, v in reponses.items() if normaliser(v) != normaliser(attendus[n])]


def texte_parmi(valeur: Any, *, nom: str, choix: Sequence[str], conseil: str = "") -> str:
    """A text answer that must be one of ``choix``; returns the canonical spelling."""
    if not isinstance(valeur, str):
        _fail(
            f"{nom} doit être un texte entre guillemets (et non {type(valeur).__name__})."
            + (f" {conseil}" if conseil else "")
        )
    known = {normaliser(c): c for c in choix}
    if normaliser(valeur) not in known:
        _fail(
            f"« {valeur} » n'est pas une valeur possible pour {nom}."
            + (f" {conseil}" if conseil else "")
        )
    return known[normaliser(valeur)]


def textes(valeurs: Any) -> list[str]:
    """A list of labels (texts), whatever container holds them."""
    if isinstance(valeurs, str):
        return [valeurs]
    return [str(v) for v in list(valeurs)]


# ----------------------------------------------------------------------------------------- charts
_KIND_NAMES = {
    "courbe": "une courbe (ax.plot)",
    "barres": "des barres verticales (ax.bar ou .plot.bar)",
    "barres_horizontales": "des barres horizontales (ax.barh ou .plot.barh)",
}


def _aligned(values: Any, labels: list[str]) -> list[float]:
    """Numbers in the order of ``labels`` (a Series or dict is read by label, a list as is)."""
    if hasattr(values, "index") and hasattr(values, "to_numpy"):
        by_label = dict(zip(_labels(values.index), values.to_numpy(dtype=float), strict=True))
        return [float(by_label[label]) for label in labels]
    if isinstance(values, Mapping):
        by_label = {str(k): v for k, v in values.items()}
        return [float(by_label[label]) for label in labels]
    numbers = [float(v) for v in values]
    if len(numbers) != len(labels):
        raise ValueError("longueur")
    return numbers


def verifier_graphique(
    ax: Any,
    *,
    nom: str,
    genre: str,
    etiquettes: Sequence[str],
    valeurs: Sequence[float],
    precision: str,
    message: str,
    valeurs_eleve: Sequence[float] | None = None,
    orientation_libre: bool = False,
    message_genre: str = "",
) -> None:
    """Check a chart: its kind (and orientation where asked), its plotted values, its labels.

    ``valeurs_eleve``: the student's own chained answer, accepted instead of ``valeurs`` (a chart
    of a rounded series is not charged twice). Bars are matched to ``etiquettes`` by their tick
    labels, so their drawing order is free (a funnel may be drawn top-down).
    """
    from parcours.notebook.chart import graphique

    try:
        g = graphique(ax)
    except TypeError as exc:
        _fail(f"{nom} : {exc}")
    labels = [str(e) for e in etiquettes]
    targets = [_aligned(valeurs, labels)]
    if valeurs_eleve is not None:
        try:
            targets.append(_aligned(valeurs_eleve, labels))
        except (TypeError, ValueError, KeyError):
            pass
    tol = _tolerance(precision) + 1e-6
    wanted = (
        {"barres", "barres_horizontales"} if orientation_libre and genre != "courbe" else {genre}
    )
    actual = g.genre
    if genre == "courbe" and actual == "mixte" and not g.barres and not g.secteurs:
        actual = "courbe"
    if actual not in wanted:
        if actual == "vide":
            _fail(f"Rien n'est tracé sur {nom} : {message}")
        _fail(
            message_genre
            or f"Le graphique attendu sur {nom} est {_KIND_NAMES.get(genre, genre)} ; le vôtre "
            f"est d'un autre genre ({actual.replace('_', ' ')})."
        )
    if genre == "courbe":
        for line in g.courbes_de_donnees():
            ys = line["y"]
            if len(ys) != len(labels) or any(y is None for y in ys):
                continue
            if any(
                all(abs(y - t) <= tol for y, t in zip(ys, target, strict=True))
                for target in targets
            ):
                return
        _fail(message)
    plotted = g.barres_etiquetees()
    if len(plotted) != len(labels):
        _fail(
            f"Le graphique doit avoir {len(labels)} barres (une par valeur) : il en a "
            f"{len(plotted)}."
        )
    drawn = {}
    for label, value in plotted:
        drawn[normaliser(label)] = value
    if set(drawn) != {normaliser(label) for label in labels}:
        _fail(
            "Chaque barre doit porter son nom (" + ", ".join(labels) + ") : tracez la série "
            "elle-même, ou passez ces noms en premier argument."
        )
    for target in targets:
        if all(
            drawn[normaliser(label)] is not None and abs(drawn[normaliser(label)] - t) <= tol
            for label, t in zip(labels, target, strict=True)
        ):
            return
    _fail(message)


__all__ = [
    "NEAR_FACTOR",
    "PRECISION",
    "ROUNDING_HINT",
    "choix_faux",
    "dans_intervalle",
    "est_booleen",
    "est_dictionnaire",
    "est_fonction",
    "est_serie",
    "est_tableau",
    "nombre",
    "normaliser",
    "proche",
    "texte_parmi",
    "textes",
    "verifier",
    "verifier_choix",
    "verifier_etiquettes",
    "verifier_graphique",
    "verifier_nombre",
    "verifier_serie",
]
