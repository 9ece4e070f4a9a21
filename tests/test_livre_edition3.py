"""Third edition of the course book (issue 21, part 3): errata a reader or a teacher would notice.

Figures the book or a model answer prints are recomputed from ``datasets/``; wording fixes are
checked in the sources (and, for the book's footer and one figure, in the built book).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from livre import ROOT, parsed

DATASETS = ROOT / "datasets"
BOOK = ROOT / "book"
TDS = sorted(p.name for p in (ROOT / "solutions").glob("td*") if p.is_dir())


def _md(name: str) -> str:
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


def _solution_text(td: str, grade_id: str) -> str:
    nb = json.loads((ROOT / "solutions" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)
    return "".join(cell["source"])


def _fr(x: float, decimals: int = 0) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


# --- figures computed from the data ------------------------------------------------------------


def _deals() -> pd.DataFrame:
    c = pd.read_csv(DATASETS / "centre_achat.csv")
    return c.groupby("id_affaire").agg(
        personnes=("id_contact", "nunique"), lignes=("id_contact", "size")
    )


def test_buying_center_size_counts_distinct_people_in_the_built_chapter(site):
    deals = _deals()
    assert deals["lignes"].median() != deals["personnes"].median()  # the trap is real
    text = " ".join(parsed(site / "book" / "ch2_processus_achat.html").get_text(" ").split())
    assert f"en médiane {_fr(deals['personnes'].median())} personnes distinctes" in text
    assert f"dans {(deals['lignes'] > deals['personnes']).sum()} affaires" in text


def test_funnel_figures_of_the_built_chapter_come_from_the_data(site):
    """Erratum 12: the leakiest purchase step and its rate, and the review rate read apart."""
    steps = ["visite", "fiche produit", "panier", "commande commencée", "commande payée", "avis"]
    rank = pd.read_csv(DATASETS / "entonnoir.csv")["etape_atteinte"].map(steps.index)
    reached = pd.Series([(rank >= i).sum() for i in range(len(steps))], index=steps)
    rates = (reached / reached.shift() * 100).iloc[1:]
    leak = rates.drop("avis").idxmin()
    assert 1 <= rates["avis"] <= 12  # a few buyers in a hundred leave a review
    text = " ".join(parsed(site / "book" / "ch2_processus_achat.html").get_text(" ").split())
    assert f"qui fuit le plus est « {leak} » : seules {_fr(rates[leak])} %" in text
    assert f"{_fr(rates['avis'])} % des acheteurs laissent un avis" in text


def test_td2_model_answer_quotes_the_demo_figures():
    c = pd.read_csv(DATASETS / "centre_achat.csv")
    deciders = c[c["role"] == "décideur"]
    won = deciders["issue"] == "gagnée"
    met, not_met = won[deciders["rencontre"]].mean() * 100, won[~deciders["rencontre"]].mean() * 100
    deals = c.groupby("id_affaire").agg(
        n=("id_contact", "nunique"), d=("duree_cycle_jours", "first")
    )
    answer = _solution_text("td02_processus_achat", "td02_q11_plan_approche")
    assert f"environ {met:.0f} % des affaires, contre environ {not_met:.0f} % sinon" in answer
    assert f"corrélation de {_fr(deals['n'].corr(deals['d']), 2)}" in answer


def test_td1_model_answer_quotes_the_demo_figures():
    e = pd.read_csv(DATASETS / "parcours.csv")
    stats = e.groupby("point_de_contact")["score_experience"].agg(["mean", "size"])
    worst = stats[stats["size"] >= 50].sort_values("mean").iloc[0]
    answer = " ".join(
        _solution_text("td01_experience_client", "td01_q12_actions_amelioration").split()
    )
    assert f"environ {_fr(worst['mean'], 1)} sur 10 sur {int(worst['size'])} événements" in answer


def test_pareto_text_says_how_many_motives_make_80_percent():
    counts = pd.read_csv(DATASETS / "reclamations.csv")["motif"].value_counts()
    cumul = counts.cumsum() / counts.sum() * 100
    assert (cumul < 80).sum() + 1 > len(counts) / 2  # the demo data do not follow 80/20
    text = _md("ch3_satisfaction")
    assert "suffisent à couvrir 80 %" not in text
    assert "pas une loi" in text


def test_peak_end_quiz_feedback_names_the_right_notes():
    notes = [6, 8, 3, 7, 9]
    quiz = _md("ch1_experience_client")
    assert f"meilleure note ({max(notes)}) et la dernière ({notes[-1]})" in quiz
    assert "meilleure note (8)" not in quiz


# --- wording -------------------------------------------------------------------------------------


def test_personal_data_rules_follow_the_law():
    text = " ".join(_md("ch4_fideliser_portefeuille").split())
    for phrase in (
        "contrat",
        "intérêt légitime",
        "L34-5",
        "libre, spécifique, éclairée et univoque",
        "article 9",
        "dernier contact *venant de lui*",
        "fin de la relation commerciale",
        "prolongeable de deux mois",
        "liste d'opposition",
        "Bloctel",
        "11 août 2026",
        "2025-594",
    ):
        assert phrase in text, phrase
    for wrong in (
        "ne peut viser qu'elles",
        "libre et explicite",
        "Une base légale, souvent le consentement",
    ):
        assert wrong not in text, wrong


def test_buying_situations_follow_assael():
    text = _md("ch2_processus_achat")
    assert "classiquement quatre situations" not in text
    assert "réduisant la dissonance" in text and "Assael" in text
    assert "L'*achat d'impulsion* n'est pas l'un de ces quatre types" in text


def test_expectation_is_not_read_as_importance():
    td3 = (ROOT / "solutions" / "td03_satisfaction" / "td03_satisfaction.ipynb").read_text("utf-8")
    assert "l'importance attendue" not in td3
    assert "sur un critère très important" not in _md("ch3_satisfaction")
    assert "SERVQUAL\nmesure l'importance à part" in _md("ch3_satisfaction")


def test_feminine_agreement_of_sensitive_stages():
    assert "ceux où" not in _md("ch3_satisfaction")


def test_satisfaction_is_not_the_first_driver_of_loyalty():
    text = _md("ch4_fideliser_portefeuille")
    assert "premier ressort de la fidélité" not in text
    assert "bib_jones1995" in text and "Why Satisfied Customers Defect" in _md("bibliographie")


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_no_point_median_in_notebooks(folder):
    for path in sorted((ROOT / folder).glob("td*/td*.ipynb")):
        assert not re.search(r"\w·\w", path.read_text(encoding="utf-8")), path.name


def test_no_point_median_in_the_book_or_the_cli_help():
    from parcours.cli import help_pages

    for path in sorted(BOOK.glob("*.md")):
        assert not re.search(r"\w·\w", path.read_text(encoding="utf-8")), path.name
    for name, text in help_pages().items():
        assert not re.search(r"\w·\w", text), name


# --- licence -------------------------------------------------------------------------------------


def test_licences_are_stated_in_the_readme_and_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme and "MIT" in readme
    for folder in ("solutions", "exercises"):
        for td in TDS:
            nb = json.loads((ROOT / folder / td / f"{td}.ipynb").read_text(encoding="utf-8"))
            assert "CC BY-SA 4.0" in "".join(nb["cells"][0]["source"]), (folder, td)


def test_book_footer_states_the_licences(site):
    footer = parsed(site / "book" / "index.html").get_text(" ")
    assert "CC BY-SA 4.0" in footer and "licence MIT" in footer


def test_official_texts_are_cited_as_published():
    """The BUT TC programme (arrêté du 15 avril 2022, BO ESR spécial n° 4 of 2022) and the law on
    telephone prospecting, without the unverified competence and parcours names (REFERENCE.md §3)."""
    bib = " ".join(_md("bibliographie").split())
    but_tc = bib[bib.index("(bib_but_tc)=") :].split("(bib_", 2)[1]
    for phrase in (
        "arrêté du 15 avril 2022",
        "JO du 23 avril 2022",
        "ESRS2211617A",
        "spécial n° 4",
    ):
        assert phrase in but_tc, phrase
    loi = bib[bib.index("(bib_loi2025)=") :].split("(bib_", 2)[1]
    for phrase in (
        "Loi n° 2025-594 du 30 juin 2025 contre toutes les fraudes aux aides publiques",
        "article 13",
        "L. 223-1",
        "11 août 2026",
        "contrat en cours",
    ):
        assert phrase in loi, phrase
    for page in BOOK.glob("*.md"):
        text = " ".join(page.read_text(encoding="utf-8").split())
        for unverified in (
            "Conduire les actions marketing",
            "Business développement et management",
        ):
            assert unverified not in text, (page.name, unverified)


# Pages of companies that sell the tools they write about (survey software, CX or e-commerce
# platforms): a worked calculation may come from them, never a benchmark or a definition.
VENDOR_PAGES = (
    "bib_intercom",
    "bib_nicereply",
    "bib_cys",
    "bib_skeepers",
    "bib_satmetrix2015",
    "bib_monetate2015",
)


def test_vendor_pages_are_cited_for_worked_calculations_only():
    cited = []
    for page in sorted(BOOK.glob("*.md")):
        if page.stem == "bibliographie":
            continue
        text = " ".join(page.read_text(encoding="utf-8").split())
        for label in VENDOR_PAGES:
            for hit in re.finditer(rf"<{label}>`", text):
                before = text[: hit.start()]
                start = max(before.rfind(". "), before.rfind(" - "))
                sentence = before[start + 1 :]
                cited.append(label)
                assert re.search(r"[=÷×]|exemple de calcul", sentence), (page.name, sentence)
    assert {"bib_intercom", "bib_cys", "bib_skeepers"} <= set(cited)
