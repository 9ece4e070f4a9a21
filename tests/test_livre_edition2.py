"""Second edition of the course book: typography, no copied sentences, quizzes, journey-map kit.

Most tests read the built book (_build/html, built strictly by `make book` before pytest runs);
the copied-runs test reads the sources and the seed documents in ``<repo>/../shared/seeds``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from livre import ROOT, parsed, toc_pages

pytestmark = pytest.mark.xdist_group("book")

# The seed documents sit in ``<repo>/../shared/seeds`` (a git worktree is one level deeper).
SEEDS = next(
    (
        d / "shared" / "seeds"
        for d in (ROOT.parent, ROOT.parent.parent)
        if (d / "shared" / "seeds").is_dir()
    ),
    ROOT.parent / "shared" / "seeds",
)
RUN = 8  # words in a row that may not be shared with a seed document

CHAPTERS = (
    "ch1_experience_client",
    "ch2_processus_achat",
    "ch3_satisfaction",
    "ch4_fideliser_portefeuille",
)


TOC_PAGES = toc_pages()


def _article(site: Path, name: str):
    return parsed(site / f"{name}.html").select_one("article.bd-article")


# --- typography --------------------------------------------------------------------------------

BROKEN_QUOTE = re.compile(r"(?<=\w)[\u201c\u201d](?=\w)")


def _visible_text(soup: BeautifulSoup, sep: str = "") -> str:
    # No separator: « L”<strong>expérience</strong> » must read as one word.
    soup = BeautifulSoup(str(soup), "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text(sep)


@pytest.mark.parametrize("name", TOC_PAGES)
def test_no_curly_double_quote_inside_a_word(site, name):
    """« L”expérience » is a straight apostrophe that smart quotes turned into a closing quote."""
    soup = parsed(site / f"{name}.html")
    texts = [_visible_text(soup)]
    texts += [str(el.get(a)) for el in soup.find_all(True) for a in ("alt", "title") if el.get(a)]
    found = [
        m.string[max(0, m.start() - 15) : m.end() + 15]
        for t in texts
        for m in BROKEN_QUOTE.finditer(t)
    ]
    assert not found, f"{name} : guillemet au lieu d'une apostrophe dans {found}"


def test_apostrophes_are_typographic_in_prose(site):
    text = _visible_text(_article(site, "book/ch1_experience_client"), " ")
    assert "L\u2019expérience client" in text
    assert not re.search(r"\b[ldjnsc]'[a-zéèêàâîôû]", text, flags=re.I), (
        "apostrophe droite en prose"
    )


# --- nothing copied from the seed documents -------------------------------------------------------


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", text)


def _runs(words: list[str]) -> set[str]:
    return {" ".join(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@cache
def _seed_runs() -> frozenset[str]:
    runs: set[str] = set()
    for path in sorted(SEEDS.glob("*")):
        if path.is_file():
            runs |= _runs(_words(path.read_text(encoding="utf-8", errors="ignore")))
    return frozenset(runs)


def _sources() -> list[tuple[str, str]]:
    found = [
        (str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "book").rglob("*.md"))
    ]
    for folder in ("solutions", "exercises"):
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            markdown = "\n".join(
                "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
            )
            found.append((str(path.relative_to(ROOT)), markdown))
    return found


def test_words_normalisation_ignores_case_accents_and_punctuation():
    assert _words("C'est l’Expérience, « client » !") == ["c", "est", "l", "experience", "client"]
    seed = "un client qui râle est un client qui vous aime beaucoup"
    assert _runs(_words("Un CLIENT qui rale, est un client qui vous aime.")) & _runs(_words(seed))


def test_no_run_of_eight_words_copied_from_the_seeds():
    if not SEEDS.is_dir() or not any(SEEDS.iterdir()):
        pytest.skip(f"documents sources absents ({SEEDS}) : rien à comparer")
    seeds = _seed_runs()
    assert seeds, "aucun mot lu dans les documents sources"
    copied = {}
    for name, text in _sources():
        runs = _runs(_words(text)) & seeds
        if runs:
            copied[name] = sorted(runs)
    assert not copied, f"phrases recopiées des documents sources (8 mots de suite) : {copied}"


# --- every page, every download ----------------------------------------------------------------


@pytest.mark.parametrize("name", TOC_PAGES)
def test_toc_page_is_built_with_content(site, name):
    path = site / f"{name}.html"
    assert path.exists(), f"{name} est dans _toc.yml mais n'a pas été construite"
    article = _article(site, name)
    assert article is not None and len(article.get_text(" ").split()) > 50, f"{name} est vide"


@pytest.mark.parametrize("name", TOC_PAGES)
def test_every_download_link_resolves(site, name):
    soup = parsed(site / f"{name}.html")
    base = (site / f"{name}.html").parent
    links = [a.get("href", "") for a in soup.select("a.download, a[download]")]
    links += [a.get("href", "") for a in soup.find_all("a") if "_downloads/" in a.get("href", "")]
    broken = []
    for href in set(links):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        target = (base / unquote(parts.path)).resolve()
        if not target.is_file() or target.stat().st_size == 0:
            broken.append(href)
    assert not broken, f"liens de téléchargement cassés dans {name} : {broken}"


# --- quizzes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_six_clickable_multiple_choice_questions(site, chapter):
    quizzes = _article(site, f"book/{chapter}").select("div.qcm")
    assert len(quizzes) >= 6, f"{chapter} : {len(quizzes)} questions à choix multiple (6 au moins)"
    for quiz in quizzes:
        fieldset = quiz.find("fieldset")
        assert fieldset and fieldset.find("legend").get_text(strip=True), "question sans énoncé"
        radios = fieldset.select("input[type=radio]")
        assert len(radios) >= 3
        assert len({r["name"] for r in radios}) == 1, (
            "les réponses d'une question forment un groupe"
        )
        assert sum(r["data-correct"] == "oui" for r in radios) == 1, "une seule bonne réponse"
        for radio in radios:
            label = quiz.find("label", attrs={"for": radio["id"]})
            assert label and label.get_text(strip=True), "chaque bouton a une étiquette lisible"
            assert len(radio["data-retour"]) > 15, "chaque réponse explique pourquoi"
        live = quiz.select_one(".qcm-retour")
        assert live["aria-live"] == "polite" and live["role"] == "status"
        assert quiz.select_one("details.qcm-solution summary"), "réponse lisible sans JavaScript"


def test_quiz_script_and_style_are_served_locally(site):
    soup = parsed(site / "book/ch3_satisfaction.html")
    scripts = [s.get("src", "") for s in soup.find_all("script")]
    styles = [s.get("href", "") for s in soup.find_all("link", rel="stylesheet")]
    assert any(s.split("?")[0].endswith("quiz.js") for s in scripts)
    assert any(s.split("?")[0].endswith("quiz.css") for s in styles)
    script = (site / "_static" / "quiz.js").read_text(encoding="utf-8")
    assert "Bonne réponse" in script and "Pas tout à fait" in script
    assert "http" not in script, "le script des quiz ne charge rien en ligne"


def test_quiz_wrong_answers_teach_the_classic_traps(site):
    text = {c: _article(site, f"book/{c}") for c in CHAPTERS}

    def feedback(chapter, option_text):
        for quiz in text[chapter].select("div.qcm"):
            for radio in quiz.select("input[type=radio]"):
                label = quiz.find("label", attrs={"for": radio["id"]}).get_text(" ", strip=True)
                if label.replace("\u2019", "'").startswith(option_text):
                    return radio["data-correct"], radio["data-retour"]
        raise AssertionError(f"réponse « {option_text} » introuvable dans {chapter}")

    correct, why = feedback("ch3_satisfaction", "+14")
    assert correct == "non" and "dénominateur" in why
    assert "moyenne" in feedback("ch3_satisfaction", "3,75")[1]
    assert feedback("ch3_satisfaction", "Les clients fournissent plus")[0] == "oui"
    assert "segment" in feedback("ch1_experience_client", "C'est un bon persona")[1]


# --- content fixes of the issue ----------------------------------------------------------------


def _text(site, name: str) -> str:
    return re.sub(r"\s+", " ", _article(site, name).get_text(" ")).replace("\u2019", "'")


def test_td03_page_uses_perception_minus_expectation(site):
    text = _text(site, "book/td03_satisfaction")
    assert "perception − attente" in text and "attente − perception" not in text


def test_peak_end_rule_is_the_worst_moment_everywhere(site):
    ch1 = _text(site, "book/ch1_experience_client")
    assert "pire moment" in ch1 and "note la plus basse" in ch1
    assert "8 minutes" in ch1 and "24 minutes" in ch1 and "Redelmeier" in ch1
    glossary = _text(site, "book/glossaire")
    assert "la note la plus basse" in glossary
    assert "note la plus basse" in _text(site, "book/td01_experience_client")


def test_sources_are_credited(site):
    ch1 = _text(site, "book/ch1_experience_client")
    assert "Normann" in ch1 and "spirituel" in ch1 and "quatre familles" in ch1
    assert "presque toujours" not in ch1 and "très souvent" in ch1
    ch2 = _text(site, "book/ch2_processus_achat")
    assert "Osterwalder" in ch2 and "self-service" not in ch2.lower() and "libre-service" in ch2
    assert "initiateur" in ch2 and "filtres" in ch2 and "conventions" in ch2
    ch3 = _text(site, "book/ch3_satisfaction")
    assert "cinq catégories" in ch3 and "Trois mises en garde" in ch3 and "hotline" not in ch3
    bib = _text(site, "book/bibliographie")
    for author in ("Normann", "Osterwalder", "Redelmeier", "Gillet-Goinard", "Jourdan", "Dunod"):
        assert author in bib


def test_one_spelling_of_e_mail(site):
    for chapter in CHAPTERS:
        prose = _text(site, f"book/{chapter}")
        prose = re.sub(r"« [^»]*email[^»]*»", "", prose)
        assert not re.search(r"(?<!-)\b(?:[Ee]mail|mail|courriel)\b", prose), chapter


# --- journey-map kit ---------------------------------------------------------------------------


def test_journey_map_kit_is_downloadable_and_complete(site):
    from openpyxl import load_workbook

    from parcours.data import journey_map as jm

    article = _article(site, "book/annexe_carte_parcours")
    hrefs = {
        Path(unquote(a["href"])).name: a["href"]
        for a in article.find_all("a", href=True)
        if "_downloads/" in a["href"]
    }
    assert set(jm.KIT_FILES.values()) <= set(hrefs), hrefs
    base = site / "book"
    pdf = (base / unquote(hrefs[jm.KIT_FILES["blank_pdf"]])).resolve().read_bytes()
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 1190" in pdf, (
        "le gabarit est un PDF A3 paysage"
    )
    book = load_workbook((base / unquote(hrefs[jm.KIT_FILES["workbook"]])).resolve())
    assert book.sheetnames == ["Mode d'emploi", "Carte vierge", "Exemple Camille"]
    blank = [row[0].value for row in book["Carte vierge"].iter_rows()]
    assert blank == list(jm.ROW_NAMES)
    example = book["Exemple Camille"]
    rows = {row[0].value: [c.value for c in row[1:]] for row in example.iter_rows(min_row=2)}
    assert set(jm.ROW_NAMES) <= set(rows)
    assert all(all(v not in (None, "") for v in rows[name]) for name in jm.ROW_NAMES)


def test_worked_map_follows_the_demo_journey():
    from parcours.data import charger
    from parcours.data import journey_map as jm
    from parcours.data import scenario as sc

    parcours = charger("parcours")
    wmap = jm.worked_map(parcours, "Camille")
    events = parcours[parcours["id_parcours"] == wmap.journey_id].sort_values("horodatage")
    assert set(events["persona"]) == {"Camille"}
    assert set(events["etape"]) == set(sc.STAGES), "le parcours choisi couvre toutes les étapes"
    assert wmap.scores == [float(s) for s in events["score_experience"]]
    for col in wmap.columns:
        low = col["score"] <= jm.LOW_SCORE
        assert (col["Irritants"] != "—") == low
        assert col["Pensées"].startswith("«")
    surveyed = [
        c["Étape"]
        for c in wmap.columns
        if c["Enquête à placer"] not in (jm.NO_SURVEY, "(plus loin dans l'étape)")
    ]
    assert len(surveyed) == len(set(surveyed)), "une enquête par étape au plus"


def test_kit_is_reproducible(tmp_path):
    from parcours.data import journey_map as jm

    first = jm.build_kit(tmp_path / "a")
    second = jm.build_kit(tmp_path / "b")
    for key in first:
        assert first[key].read_bytes() == second[key].read_bytes(), (
            f"{key} change d'une construction à l'autre"
        )


def test_kit_refuses_an_unknown_persona():
    import pandas as pd

    from parcours.data import journey_map as jm

    with pytest.raises(ValueError, match="aucun parcours"):
        jm.worked_map(
            pd.DataFrame({"persona": ["Camille"], "id_parcours": ["P1"], "etape": ["achat"]}), "Zoé"
        )


# --- the quizzes in a real browser -------------------------------------------------------------


def _chromium() -> str | None:
    import shutil

    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


def test_clicking_an_answer_gives_french_feedback_at_once(site, tmp_path):
    """Open a chapter in headless Chromium (DevTools protocol), click answers, read the live region."""
    import subprocess
    import time
    import urllib.request

    websocket = pytest.importorskip("websocket")
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "Chromium absent : le comportement des quiz n'est pas vérifié dans un navigateur"
        )
    profile = tmp_path / "profil"
    proc = subprocess.Popen(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10))
        ws = websocket.create_connection(
            next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"], timeout=20
        )
        counter = iter(range(1, 10_000))

        def call(method, **params):
            ident = next(counter)
            ws.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                reply = json.loads(ws.recv())
                if reply.get("id") == ident:
                    return reply.get("result", {})

        def js(expression):
            return call("Runtime.evaluate", expression=expression, returnByValue=True)[
                "result"
            ].get("value")

        call("Page.enable")
        call("Page.navigate", url=(site / "book" / "ch3_satisfaction.html").as_uri())
        for _ in range(100):
            if js("document.readyState") == "complete" and js(
                "document.querySelectorAll('.qcm-actif').length"
            ):
                break
            time.sleep(0.1)
        assert js("document.querySelectorAll('.qcm-actif').length") >= 6, (
            "le script des quiz ne s'est pas lancé"
        )
        retour = "document.getElementById('ch3_satisfaction_qcm1-retour').textContent"
        assert js(retour) == "", "aucun retour avant de répondre"
        js("document.querySelector('#ch3_satisfaction_qcm1 input[data-correct=non]').click()")
        wrong = js(retour)
        assert wrong.startswith("Pas tout à fait.") and len(wrong) > 30
        js("document.querySelector('#ch3_satisfaction_qcm1 input[data-correct=oui]').click()")
        assert js(retour).startswith("Bonne réponse.")
        assert (
            js("getComputedStyle(document.querySelector('#ch3_satisfaction_qcm1 details')).display")
            == "none"
        )
        ws.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
