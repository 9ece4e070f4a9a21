"""The skills map (issue 19): every graded item of the five TDs names the book section that teaches
it, its toolbox entries and the competency blocks it evidences; the labels exist in the built book;
a section the book presents as drawn on by a TD is the section of one of its graded items."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parcours.data.competences import BLOCS, DIPLOMES, NON_VERIFIE, choisir_diplomes, niveau
from parcours.term.carte import Item, book_sections, map_problems, notebook_map, section_link

ROOT = Path(__file__).resolve().parents[1]
TDS = sorted(p.name for p in (ROOT / "solutions").glob("td*") if p.is_dir())


def book_labels(site: Path) -> dict[str, tuple[str, str]]:
    """``label → (address, title)`` of the built book's Sphinx inventory."""
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as f:
        inv = InventoryFile.load(f, "", posixpath.join)
    return {k: (v[2], v[3]) for k, v in inv["std:label"].items()}


def test_the_five_tds_are_mapped():
    assert TDS == [
        "td00_prise_en_main",
        "td01_experience_client",
        "td02_processus_achat",
        "td03_satisfaction",
        "td04_cycle_de_vie",
    ]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("td", TDS)
def test_every_graded_item_has_a_section_of_the_built_book_tools_and_blocks(td, folder, site):
    """Also in the student's notebook: nbgrader's release keeps the map."""
    items = notebook_map(ROOT / folder / td / f"{td}.ipynb")
    assert items
    labels = book_labels(site)
    assert map_problems(items, set(labels)) == []
    for item in items:  # the label's page is built and holds its anchor
        address = labels[item.section][0]
        page, anchor = address.split("#") if "#" in address else (address, "")
        html = (site / page).read_text(encoding="utf-8")
        assert not anchor or f'id="{anchor}"' in html, address


def test_the_map_check_fails_on_a_missing_section_an_unknown_label_or_block():
    items = [
        Item("q1", 1, "calcul", "", (), ("bts_mco_1",)),
        Item("q2", 1, "calcul", "ch9_inexistant", ("boite_a_outils_mean",), ("bts_mco_9",)),
        Item("q3", 1, "calcul", "ch3_satisfaction_nps", ("ch3_satisfaction_nps",), ()),
    ]
    labels = {"ch3_satisfaction_nps", "boite_a_outils_mean"}
    assert map_problems(items, labels) == [
        "q1 : aucune section du cours",
        "q2 : la section « ch9_inexistant » n'existe pas dans le livre",
        "q2 : bloc inconnu « bts_mco_9 »",
        "q3 : « ch3_satisfaction_nps » n'est pas une fiche de la boîte à outils",
        "q3 : aucun bloc de compétences",
    ]


def drawn_on(page: str) -> set[str]:
    """Chapter sections a TD page's « Rappels utiles » says the TD draws on."""
    text = (ROOT / "book" / f"{page}.md").read_text(encoding="utf-8")
    part = text.split("## Rappels utiles", 1)[1] if "## Rappels utiles" in text else ""
    part = part.split("\n## ", 1)[0]
    return set(re.findall(r"\{ref\}`(?:[^`<]*<)?(ch\d_\w+?)>?`", part))


@pytest.mark.parametrize("td", TDS)
def test_a_section_the_td_page_points_to_is_graded_in_that_td(td):
    graded = {i.section for i in notebook_map(ROOT / "solutions" / td / f"{td}.ipynb")}
    assert drawn_on(td) <= graded, (
        f"{td}.md renvoie à des sections qu'aucun item noté du TD n'évalue : "
        f"{sorted(drawn_on(td) - graded)}"
    )


def test_the_pointer_check_reads_the_td_pages_references():
    assert "ch3_satisfaction_nps" in drawn_on("td03_satisfaction")
    assert "ch3_satisfaction_mediation" not in drawn_on("td03_satisfaction")


@pytest.mark.parametrize("td", TDS)
def test_an_items_toolbox_entries_are_linked_from_its_td_page(td):
    page = (ROOT / "book" / f"{td}.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"<(boite_a_outils_\w+)>", page))
    for item in notebook_map(ROOT / "solutions" / td / f"{td}.ipynb"):
        assert set(item.outils) <= linked, (item.grade_id, sorted(set(item.outils) - linked))


def test_the_map_script_is_idempotent_and_says_the_notebooks_follow_it():
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "carte_competences.py"), "--verifier"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "Carte des compétences à jour." in out.stdout


def test_sections_read_from_the_sources_match_the_built_book(site):
    labels = book_labels(site)
    sections = book_sections(ROOT / "book")
    for td in TDS:
        for item in notebook_map(ROOT / "solutions" / td / f"{td}.ipynb"):
            s = sections[item.section]
            assert labels[item.section][0] == f"{s.page}.html#{s.anchor}"
            link = section_link(s, page_dir=site, built=site)
            assert link == f"{s.page}.html#{s.anchor}"


def test_blocks_have_their_official_wording_and_unverified_ones_say_so():
    assert (
        BLOCS["bts_mco_1"].intitule == "Développer la relation client et assurer la vente conseil"
    )
    assert BLOCS["bac_pro_mcv_2"].intitule == "Suivre les ventes"
    assert BLOCS["bts_ndrc_2"].intitule == "Relation client à distance et digitalisation"
    tc = [b for b in BLOCS.values() if b.diplome == "but_tc"]
    assert len(tc) == 3 and all(NON_VERIFIE in b.libelle for b in tc)
    assert NON_VERIFIE not in BLOCS["bts_mco_1"].libelle
    assert {b.diplome for b in BLOCS.values()} == set(DIPLOMES)
    assert [b.numero for b in BLOCS.values() if b.diplome == "bts_mco"] == [
        "Bloc 1",
        "Bloc 2",
        "Bloc 3",
        "Bloc 4",
    ]


def test_levels_follow_the_thresholds_and_diplomas_are_checked():
    assert [niveau(p) for p in (0, 24.9, 25, 49.9, 50, 74.9, 75, 100)] == [
        "non acquis",
        "non acquis",
        "en cours d'acquisition",
        "en cours d'acquisition",
        "acquis",
        "acquis",
        "maîtrisé",
        "maîtrisé",
    ]
    assert niveau(60, (40, 60, 80)) == "acquis"
    assert choisir_diplomes(["bts_mco", "bac_pro_mcv"]) == ["bts_mco", "bac_pro_mcv"]
    with pytest.raises(ValueError, match="Diplôme inconnu.*« bts_xyz »"):
        choisir_diplomes(["bts_xyz"])


def test_no_item_of_the_map_is_left_without_a_block_of_each_diploma_it_could_serve():
    """Every item evidences a block of the BTS MCO (the course's main diploma)."""
    for td in TDS:
        for item in notebook_map(ROOT / "solutions" / td / f"{td}.ipynb"):
            assert any(b.startswith("bts_mco_") for b in item.blocs), item.grade_id


def _soup(site: Path, page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("td", TDS)
def test_the_td_page_lists_per_question_the_sections_it_draws_on(td, site):
    from parcours.term.carte import question_numbers

    cells = json.loads((ROOT / "exercises" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    numbers = question_numbers(cells["cells"])
    expected: dict[int, set[str]] = {}
    for item in notebook_map(ROOT / "exercises" / td / f"{td}.ipynb"):
        anchor = book_sections(ROOT / "book")[item.section].anchor
        expected.setdefault(numbers[item.grade_id][0], set()).add(anchor)
    box = _soup(site, f"book/{td}.html").select_one(".carte-competences")
    assert box is not None, f"{td}.html ne liste pas les sections par question"
    shown = {}
    for li in box.select("li"):
        m = re.match(r"Question (\d+)", li.get_text(" ", strip=True))
        if m:
            shown[int(m.group(1))] = {a["href"].split("#")[-1] for a in li.select("a")}
    assert set(shown) == set(expected)
    for number, anchors in expected.items():
        assert anchors <= shown[number], (td, number)


CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("ch*.md"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_opens_with_the_blocks_it_serves(chapter, site):
    sections = book_sections(ROOT / "book")
    served = set()
    for td in TDS:
        for item in notebook_map(ROOT / "solutions" / td / f"{td}.ipynb"):
            if sections[item.section].page == f"book/{chapter}":
                served |= set(item.blocs)
    assert served, chapter
    soup = _soup(site, f"book/{chapter}.html")
    h1 = soup.select_one("main h1, article h1")
    box = h1.find_next(class_="blocs-competences")
    assert box is not None
    first = next(t for t in h1.find_all_next(["p", "figure", "table"]))
    assert first.find_parent(class_="blocs-competences") is not None, (
        "le chapitre ne s'ouvre pas sur ses blocs"
    )
    text = box.get_text(" ", strip=True).replace("\u2019", "'")
    for b in BLOCS.values():
        head = f"{DIPLOMES[b.diplome].court} — {b.numero}"
        assert (head in text) == (b.id in served), (chapter, b.id)
        if b.id in served and not b.verifie:
            assert f"{b.intitule} ({NON_VERIFIE})" in text


def test_review_links_use_the_books_address_when_it_is_configured(tmp_path):
    from parcours.term.carte import ReviewLinks, book_address

    sections = book_sections(ROOT / "book")
    item = Item("q", 1, "calcul", "ch3_satisfaction_csat", ("boite_a_outils_mean",), ("bts_mco_1",))
    (tmp_path / "_config.yml").write_text(
        'html:\n  baseurl: "https://cours.lycee-a.fr/parcours/"\n'
    )
    base = book_address(tmp_path)
    assert base == "https://cours.lycee-a.fr/parcours"
    line = ReviewLinks({"q": item}, sections, base=base).html("q", None)
    assert (
        '<a href="https://cours.lycee-a.fr/parcours/book/ch3_satisfaction.html'
        '#ch3-satisfaction-csat">3.1 Le CSAT (Chapitre 3 — Mesurer la satisfaction client)</a>'
    ) in line
    assert "boite_a_outils.html#boite-a-outils-mean" in line
    (tmp_path / "_config.yml").write_text('html:\n  baseurl: "https://www.exemple.fr/cours"\n')
    assert book_address(tmp_path) == ""  # a documentation placeholder: no address
    no_book = ReviewLinks({"q": item}, sections, base="", built=None).html("q", tmp_path)
    assert "href" not in no_book and "À revoir : 3.1 Le CSAT" in no_book
    assert ReviewLinks({"q": item}, sections).html("autre", None) == ""


from termclass import run_cli as _cli  # noqa: E402 (beside its tests)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            'c.Parcours.diplomes = ["bts_mco", "bts_xyz"]',
            "Diplôme inconnu dans c.Parcours.diplomes",
        ),
        ("c.Parcours.seuils_competences = [50, 25, 75]", "trois pourcentages croissants"),
        ("c.Parcours.diplomes = choisir()", "doit être une valeur écrite telle quelle"),
    ],
)
def test_a_bad_competency_setting_gets_a_french_message_and_writes_nothing(
    tmp_path, setting, message
):
    (tmp_path / "nbgrader_config.py").write_text(f"c = get_config()\n{setting}\n")
    code, out, err = _cli("rapport", "--competences", "--racine", str(tmp_path))
    assert code == 2 and message in err, (code, out, err)
    assert "Traceback" not in err
    assert not (tmp_path / "rapports").exists() and not (tmp_path / "gradebook.db").exists()


def test_rapport_needs_a_td_or_competences_said_in_french(tmp_path):
    code, _, err = _cli("rapport", "--racine", str(tmp_path))
    assert code == 2 and "Donnez le TD du rapport" in err
    code, _, err = _cli("rapport", "td03_satisfaction", "--competences", "--racine", str(tmp_path))
    assert code == 2 and "ne donnez pas de TD" in err


def test_the_moodle_feedback_zip_carries_no_link_to_the_teachers_own_book(tmp_path):
    """A page in the zip is read from Moodle: a link relative to the teacher's _build/html would be
    dead there; the section's name stays, and a link to the book's web address stays too."""
    import zipfile

    from parcours.term.moodle import write_feedback_zip

    page = tmp_path / "retour.html"
    page.write_text(
        '<html><body><table><tr><td>Question 3</td><td>0 / 1</td><td>Faux.<div class="revoir">'
        'À revoir : <a href="../../../_build/html/book/ch3_satisfaction.html#ch3-satisfaction-csat">'
        "3.1 Le CSAT</a> ; boîte à outils : "
        '<a href="https://cours.lycee-a.fr/book/boite_a_outils.html#boite-a-outils-mean">mean</a>'
        "</div></td></tr></table></body></html>",
        encoding="utf-8",
    )
    target = tmp_path / "retours.zip"
    write_feedback_zip(
        {"e1": page}, {"e1": "12"}, {"e1": "Zoé Durand"}, target, td="td03_satisfaction"
    )
    with zipfile.ZipFile(target) as z:
        (name,) = z.namelist()
        text = z.read(name).decode("utf-8")
    assert "_build/html" not in text and "À revoir : 3.1 Le CSAT ; boîte à outils" in text
    assert 'href="https://cours.lycee-a.fr/book/boite_a_outils.html#boite-a-outils-mean"' in text
