"""The grading policy helper: precision per kind, French messages, text, order, charts."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from parcours import presentation
from parcours import verification as v
from parcours.chart import graphique

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fails(match: str):
    return pytest.raises(AssertionError, match=match)


def test_a_percentage_rounded_to_one_decimal_passes_and_an_integer_gets_the_rounding_hint():
    v.verifier_nombre(20.5, 20.4872, nom="csat", genre="pourcentage", message="faux")
    v.verifier_nombre(np.float64(20.49), 20.4872, nom="csat", genre="pourcentage", message="faux")
    with fails("vous avez arrondi trop tôt"):
        v.verifier_nombre(20, 20.4872, nom="csat", genre="pourcentage", message="faux")
    with fails("^faux$"):
        v.verifier_nombre(31.2, 20.4872, nom="csat", genre="pourcentage", message="faux")


def test_means_to_two_decimals_counts_exactly():
    v.verifier_nombre(5.31, 5.3149, nom="m", genre="moyenne", message="faux")
    with fails("arrondi trop tôt"):
        v.verifier_nombre(5.3, 5.3149, nom="m", genre="moyenne", message="faux")
    v.verifier_nombre(12, 12, nom="n", genre="effectif", message="faux")
    with fails("^faux$"):
        v.verifier_nombre(13, 12, nom="n", genre="effectif", message="faux")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "vaut None"),
        ("20.5", "est un texte"),
        (True, "pas True ou False"),
        (float("nan"), "NaN"),
        (pd.Series([1.0, 2.0]), "pas un tableau de 2 valeurs"),
        (pd.Timedelta(days=3), "une durée"),
        (object(), "doit être un nombre"),
    ],
)
def test_wrong_types_get_a_french_message_never_a_type_error(value, message):
    with fails(message):
        v.verifier_nombre(value, 1.0, nom="x", genre="pourcentage", message="faux")


def test_a_one_value_series_is_a_number():
    v.verifier_nombre(pd.Series([20.5]), 20.5, nom="x", genre="pourcentage", message="faux")


def test_text_choices_ignore_case_accents_quotes_and_spaces():
    choix = ["outil d'innovation stratégique", "outil de stratégie marketing"]
    for typed in (" Outil d’innovation strategique ", "OUTIL D'INNOVATION STRATÉGIQUE"):
        v.verifier_choix(typed, choix[0], nom="a", choix=choix, message="faux")
    with fails("^faux$"):
        v.verifier_choix(
            "outil de stratégie marketing", choix[0], nom="a", choix=choix, message="faux"
        )
    with fails("recopiez l'un des choix"):
        v.verifier_choix("innovation", choix[0], nom="a", choix=choix, message="faux")
    with fails("doit être un texte"):
        v.verifier_choix(3, choix[0], nom="a", choix=choix, message="faux")
    assert v.normaliser("comparaison - application") == v.normaliser("Comparaison – application")


def test_order_is_checked_only_when_asked():
    expected = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})
    shuffled = expected[["c", "a", "b"]]
    v.verifier_serie(shuffled, expected, nom="s", genre="moyenne", message="faux")
    with fails("ordre"):
        v.verifier_serie(
            shuffled, expected, nom="s", genre="moyenne", ordre="index", message="faux"
        )
    with fails("Triez"):
        v.verifier_serie(
            expected[::-1], expected, nom="s", genre="moyenne", ordre="croissant", message="faux"
        )
    categorical = pd.Series([1.0, 2.0, 3.0], index=pd.CategoricalIndex(["a", "b", "c"]))
    v.verifier_serie(categorical, expected, nom="s", genre="moyenne", ordre="index", message="faux")
    with fails("valeurs manquantes"):
        v.verifier_serie(expected * np.nan, expected, nom="s", genre="moyenne", message="faux")


def test_charts_kind_orientation_values_and_labels():
    labels, values = ["visite", "panier", "avis"], [100.0, 10.0, 2.0]
    fig, ax = plt.subplots()
    ax.barh(labels[::-1], values[::-1])  # a funnel drawn top-down
    kwargs = dict(nom="ax", etiquettes=labels, valeurs=values, precision="effectif", message="faux")
    v.verifier_graphique(ax, genre="barres", orientation_libre=True, **kwargs)
    v.verifier_graphique(graphique(ax), genre="barres_horizontales", **kwargs)  # exported chart
    with fails("autre genre"):
        v.verifier_graphique(ax, genre="barres", **kwargs)
    fig, ax = plt.subplots()
    ax.plot(labels, values, marker="o")
    v.verifier_graphique(ax, genre="courbe", **kwargs)
    with fails("autre genre"):
        v.verifier_graphique(ax, genre="barres", **kwargs)
    fig, ax = plt.subplots()
    ax.bar(labels, [100.0, 11.0, 2.0])
    with fails("^faux$"):
        v.verifier_graphique(ax, genre="barres", **kwargs)
    plt.close("all")


def test_a_chart_of_the_students_own_rounded_series_is_not_charged_twice():
    expected = pd.Series({"a": 5.3149, "b": 6.0812})
    rounded = expected.round(1)
    fig, ax = plt.subplots()
    ax.plot(rounded.index, rounded.values)
    assert v.proche(rounded, expected, genre="moyenne")
    v.verifier_graphique(
        ax,
        nom="ax",
        genre="courbe",
        etiquettes=["a", "b"],
        valeurs=expected,
        precision="moyenne",
        valeurs_eleve=rounded,
        message="faux",
    )
    assert not v.proche(rounded + 1, expected, genre="moyenne")
    plt.close("all")


def test_presentation_names_the_student_and_warns_on_demo_data(monkeypatch):
    from parcours.grading.worker import IDENTITY

    monkeypatch.setenv("PARCOURS_ETUDIANT", "dupont.marie")
    monkeypatch.setenv("PARCOURS_SECRET", "Tournesol-2026")
    line = presentation()
    assert line.startswith("Données chargées pour « dupont.marie » (code de contrôle : ")
    assert IDENTITY.search(line).group(1) == "dupont.marie" and "Tournesol" not in line
    monkeypatch.setenv("PARCOURS_SECRET", "Tournesol-2025")
    assert presentation() != line, "un secret mal recopié doit changer le code de contrôle"
    monkeypatch.delenv("PARCOURS_SECRET")
    monkeypatch.delenv("PARCOURS_ETUDIANT")
    first, warning = presentation().split("\n")
    assert first.startswith("Données chargées pour « demo » (code de contrôle : ")
    assert "données de démonstration" in warning and "parcours.toml" in warning


def test_verification_and_presentation_keep_import_parcours_light():
    code = (
        "import sys, parcours; parcours.presentation(); import parcours.verification; "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_numpy_bool_is_a_boolean_and_not_a_number():
    v.est_booleen(np.int64(5) >= np.int64(3), nom="compense")
    with fails("True ou False"):
        v.est_booleen(1, nom="compense")
    with fails("pas True ou False"):
        v.verifier_nombre(np.bool_(True), 1.0, nom="x", genre="effectif", message="faux")
