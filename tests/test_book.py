"""The built course book (_build/html), checked the way a reader would notice problems.

`make test` builds the book strictly (-n -W) before pytest runs; these tests read the result.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from livre import ROOT, parsed, toc_pages

pytestmark = pytest.mark.xdist_group("book")


CHAPTERS = {
    "ch1_experience_client": "td01_experience_client",
    "ch2_processus_achat": "td02_processus_achat",
    "ch3_satisfaction": "td03_satisfaction",
    "ch4_fideliser_portefeuille": "td04_cycle_de_vie",
}
TDS = (
    "td00_prise_en_main",
    "td01_experience_client",
    "td02_processus_achat",
    "td03_satisfaction",
    "td04_cycle_de_vie",
)

# Concepts of issue 3, one French key term (or phrase) each, per chapter.
TERMS = {
    "ch1_experience_client": [
        "expérience client",
        "avant, pendant et après l'achat",
        "individuelle",
        "multiforme",
        "vécue au présent",
        "perceptions",
        "cinq sens",
        "pensées",
        "cadres de référence",
        "convictions",
        "jugements",
        "émotions",
        "souvenirs",
        "besoins psychologiques et relationnels",
        "ton de la publicité",
        "ambiance du point de vente",
        "relation avec le vendeur",
        "expérience d'usage",
        "support client",
        "satisfaction",
        "fidélité",
        "une seule mauvaise expérience",
        "livraison",
        "attente",
        "mauvais conseil",
        "rupture de stock",
        "service après-vente",
        "démarche orientée client",
        "acteur social et psychologique",
        "acteur économique",
        "parcours client",
        "trois phases",
        "point de contact",
        "omnicanal",
        "canal numérique",
        "sautent des étapes|saute des étapes",
        "revient en arrière",
        "autant de parcours que de profils",
        "moment de vérité",
        "carlzon",
        "fmot",
        "smot",
        "zmot",
        "confiance",
        "personnaliser",
        "diminuer l'effort",
        "transparence",
        "proactivité",
        "persona",
        "imaginaire",
        "n'est pas un segment",
        "actions du client|actions :",
        "canal et point de contact",
        "pensées",
        "irritants",
        "ressenti",
        "gabarit vierge",
        "cinq critères",
        "courbe des émotions",
        "règle pic-fin",
        "outils de cartographie",
        "outil de management collaboratif",
        "outil de stratégie marketing",
        "outil d'innovation stratégique",
    ],
    "ch2_processus_achat": [
        "processus d'achat",
        "reconnaissance du besoin",
        "recherche d'information",
        "comparaison des solutions",
        "prise de décision",
        "après-achat et la fidélisation",
        "tunnel de vente",
        "achats directs",
        "achats indirects",
        "achats d'investissement",
        "soncas",
        "sécurité",
        "orgueil",
        "nouveauté",
        "confort",
        "argent",
        "sympathie",
        "argument de vente",
        "client-individu",
        "prescripteur",
        "utilisateur",
        "acheteur",
        "payeur",
        "décideur",
        "quatre intérêts",
        "personnaliser la communication",
        "b2b",
        "risques financiers",
        "risques de performance",
        "centre d'achat",
        "influenceur",
        "filtre",
        "adapter l'argumentaire",
        "service individuel",
        "service individuel dédié",
        "libre-service",
        "service automatisé",
        "communautés",
        "co-création",
    ],
    "ch3_satisfaction": [
        "attentes",
        "performance perçue",
        "disconfirmation",
        "fidélité",
        "coût d'acquisition",
        "bouche-à-oreille",
        "reichheld et sasser",
        "85 %",
        "voix du client",
        "en amont de la vente",
        "en aval",
        "csat",
        "nps",
        "promoteurs",
        "passifs",
        "détracteurs",
        "dénominateur",
        "ces",
        "ces 2.0",
        "ces 1.0",
        "plus la note est haute, plus c'est facile",
        "servqual",
        "perception − attente",
        "baromètre de satisfaction",
        "enquête à chaud",
        "enquête à froid",
        "client mystère",
        "iceberg des réclamations",
        "citation déformée",
        "50 %",
        "75 %",
        "un client qui se plaint est encore un client",
        "étapes sensibles",
        "le canal",
        "le sujet",
        "les indicateurs",
        "la fréquence",
        "sur-solliciter",
        "réactif",
        "accueil téléphonique",
        "réseaux sociaux",
        "innover",
        "solliciter l'avis",
    ],
    "ch4_fideliser_portefeuille": [
        "cycle de vie du client",
        "suspect",
        "prospect",
        "nouveau client",
        "client actif",
        "client dormant",
        "client perdu",
        "d'actif à dormant",
        "compensent au moins les départs",
        "quatre intérêts",
        "rfm",
        "récence",
        "fréquence",
        "montant",
        "quintiles",
        "taux de fidélisation",
        "attrition",
        "durée de vie moyenne",
        "valeur vie client",
        "programme de fidélité",
        "reconquête",
        "crm",
        "fichier client",
        "rgpd",
        "consentement",
        "finalité",
        "durée de conservation",
        "droits",
    ],
}

ENGLISH_THEME_STRINGS = (
    "Search this book",
    "Contents",
    "Print to PDF",
    "Download source file",
    "Download notebook file",
    "Download this page",
    "previous",
    "next",
    "Skip to main content",
    "Back to top",
    "Toggle primary sidebar",
    "Toggle secondary sidebar",
    "Launch interactive content",
    "Launch on",
    "Fullscreen mode",
    "Source repository",
    "On this page",
    "Show code cell",
    "Solution to",
    "By ",
)
ATTRS = ("title", "aria-label", "placeholder", "alt", "data-tooltip")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).lower()


TOC_PAGES = toc_pages()


@cache
def _ids(path: Path) -> frozenset[str]:
    return frozenset(tag["id"] for tag in parsed(path).find_all(id=True))


def page(site: Path, name: str) -> BeautifulSoup:
    return parsed(site / f"{name}.html")


def article(site: Path, name: str):
    return page(site, name).select_one("article.bd-article")


@pytest.mark.parametrize("name", TOC_PAGES)
def test_toc_page_is_built_in_french(site, name):
    path = site / f"{name}.html"
    assert path.exists(), f"{name} is in _toc.yml but not in _build/html"
    assert page(site, name).html.get("lang") == "fr"


@pytest.mark.parametrize(("chapter", "term"), [(c, t) for c, terms in TERMS.items() for t in terms])
def test_chapter_covers_concept(site, chapter, term):
    text = _norm(article(site, f"book/{chapter}").get_text(" "))
    assert any(_norm(alt) in text for alt in term.split("|")), f"« {term} » missing in {chapter}"


def _local_targets(site: Path, name: str):
    soup = page(site, name)
    base = (site / f"{name}.html").parent
    for tag, attr in (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")):
        for el in soup.find_all(tag):
            url = el.get(attr)
            if not url or url.startswith(("mailto:", "javascript:", "data:")):
                continue
            yield tag, url, base


@pytest.mark.parametrize("name", TOC_PAGES)
def test_internal_links_and_images_resolve(site, name):
    broken = []
    for _tag, url, base in _local_targets(site, name):
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            continue
        target = (base / unquote(parts.path)).resolve() if parts.path else site / f"{name}.html"
        if not target.exists():
            broken.append(url)
            continue
        if parts.fragment and target.suffix == ".html":
            if unquote(parts.fragment) not in _ids(target):
                broken.append(url)
    assert not broken, f"broken links in {name}: {broken}"


@pytest.mark.parametrize("name", TOC_PAGES)
def test_no_resource_fetched_from_the_internet(site, name):
    soup = page(site, name)
    external = [
        el.get("src") or el.get("href")
        for el in soup.find_all(["script", "link", "img", "iframe"])
        if (el.get("src") or el.get("href") or "").startswith(("http:", "https:", "//"))
        and (el.name != "link" or "stylesheet" in (el.get("rel") or []) or el.get("as"))
    ]
    assert not external, f"{name} loads external resources: {external}"


@pytest.mark.parametrize("name", TOC_PAGES)
def test_every_image_has_french_alt_text(site, name):
    for img in page(site, name).find_all("img"):
        alt = (img.get("alt") or "").strip()
        assert alt, f"image without alt text in {name}: {img.get('src')}"
        assert not alt.endswith((".png", ".svg")), f"file name used as alt text in {name}"


@pytest.mark.parametrize("name", TOC_PAGES)
def test_no_english_theme_strings(site, name):
    soup = BeautifulSoup(str(page(site, name)), "html.parser")
    for tag in soup(["script", "style", "pre", "code"]):
        tag.decompose()
    chunks = [soup.get_text(" ")]
    chunks += [str(el.get(a)) for el in soup.find_all(True) for a in ATTRS if el.get(a)]
    text = " | ".join(chunks)
    found = [s for s in ENGLISH_THEME_STRINGS if re.search(rf"\b{re.escape(s)}", text)]
    assert not found, f"English theme strings in {name}: {found}"


def test_french_search_placeholder(site):
    placeholders = {el.get("placeholder") for el in page(site, "book/index").find_all("input")}
    assert any(p and p.startswith("Rechercher") for p in placeholders), placeholders


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_objectives_summary_quiz_figure_and_td(site, chapter):
    art = article(site, f"book/{chapter}")
    objectives = art.select("div.objectifs")
    assert objectives and "Objectifs" in objectives[0].get_text()
    assert art.find("div", id=re.compile(r"ch\d_"))  # page has its labelled sections
    first_section = art.find("section")
    assert first_section.find_all("div", class_="objectifs"), "objectives must come first"
    summaries = art.select("div.a-retenir")
    assert summaries and all("À retenir" in s.get_text() for s in summaries)
    exercises = art.select("div.exercise")
    assert len(exercises) >= 5
    assert {e["id"] for e in exercises} >= {f"{chapter}_ex{i}" for i in range(1, 6)}
    solutions = art.select("div.solution.dropdown")
    assert len(solutions) >= len(exercises), "each question needs an answer revealed on demand"
    figures = [f for f in art.select("figure") if f.find("img")]
    assert figures, f"{chapter} has no figure"
    hrefs = [a.get("href", "") for a in art.find_all("a")]
    assert any(h.startswith(f"{CHAPTERS[chapter]}.html") for h in hrefs), "no link to the TD"


@pytest.mark.parametrize("name", TOC_PAGES)
def test_page_label_equals_file_name(name):
    source = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    labels = re.findall(r"^\(([\w-]+)\)=$", source, flags=re.M)
    assert labels and labels[0] == Path(name).name, f"{name}.md must start with its own label"


@cache
def _glossary_terms(site: Path) -> dict[str, str]:
    soup = page(site, "book/glossaire")
    return {dt["id"]: _norm(dt.get_text().rstrip("#")) for dt in soup.select("dl.glossary dt")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_bold_term_is_in_the_glossary(site, chapter):
    terms = _glossary_terms(site)
    strong = article(site, f"book/{chapter}").find_all("strong")
    assert strong, f"{chapter} has no bold definition"
    missing = []
    for el in strong:
        link = el.find("a", href=re.compile(r"^glossaire\.html#term-"))
        if link is None and _norm(el.get_text()) not in terms.values():
            missing.append(el.get_text())
        elif link is not None and link["href"].split("#")[1] not in terms:
            missing.append(el.get_text())
    assert not missing, f"bold terms not in the glossary: {missing}"


def test_glossary_entries_link_back_to_the_course(site):
    soup = page(site, "book/glossaire")
    entries = soup.select("dl.glossary dt")
    assert len(entries) >= 30
    for dt in entries:
        dd = dt.find_next_sibling("dd")
        hrefs = [a.get("href", "") for a in dd.find_all("a")]
        assert any(re.match(r"ch\d_\w+\.html#", h) for h in hrefs), f"no link back for {dt.text}"


def test_quiz_answers_are_hidden_until_asked(site):
    # sphinx-exercise dropdowns are collapsed by the local togglebutton script (no CDN)
    soup = page(site, "book/ch3_satisfaction")
    scripts = [s.get("src", "") for s in soup.find_all("script")]
    assert any("togglebutton" in s for s in scripts)
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("td", TDS)
def test_td_page_links_notebook(site, td):
    # Launch links appear only for the course's configured addresses: tests/test_livre_adresses.py
    art = article(site, f"book/{td}")
    hrefs = [a.get("href", "") for a in art.find_all("a")]
    downloads = [h for h in hrefs if h.endswith(f"/{td}.ipynb") and "_downloads" in h]
    assert downloads, f"no download link to {td}.ipynb"
    assert (site / "book" / downloads[0]).resolve().exists()
    assert art.select("div.objectifs")
    assert "Compétences" in art.get_text()


def test_data_appendix_comes_from_the_code_dictionary(site):
    from parcours.data.dictionary import DATASETS

    text = _norm(article(site, "book/annexe_donnees").get_text(" "))
    for ds in DATASETS.values():
        assert ds.name in text and _norm(ds.title) in text
        for col in ds.columns:
            assert _norm(col.name) in text, f"column {ds.name}.{col.name} missing from the appendix"


def test_bibliography_lists_the_cited_sources(site):
    text = article(site, "book/bibliographie").get_text(" ")
    for author in ("Reichheld", "Oliver", "Parasuraman", "Dixon", "Kahneman", "Lemon", "Goodman"):
        assert author in text


def test_footer_names_the_authors_in_french(site):
    footer = page(site, "book/ch1_experience_client").find(class_="component-author")
    assert footer is not None, "pied de page sans auteur"
    assert " ".join(footer.get_text().split()) == "Par l'équipe Parcours"


def test_solution_titles_read_solution_de_l_exercice(site):
    titles = [
        " ".join(p.get_text().split())
        for name in TOC_PAGES
        for p in page(site, name).select(".solution > p.admonition-title")
    ]
    assert titles, "aucune solution d'exercice dans le livre"
    wrong = [t for t in titles if not re.fullmatch(r"Solution de l’exercice \d+", t)]
    assert not wrong, f"titres de solution mal formés : {wrong[:3]}"
    # the title still links to its exercise
    link = page(site, "book/ch1_experience_client").select_one(".solution > p.admonition-title a")
    assert link is not None and link["href"].startswith("#") and link.get_text() == "exercice 1"
