"""The built book as a student meets it, in real Chromium, served on 127.0.0.1 only.

Every page of the table of contents (read from ``_toc.yml``, whatever it holds) is opened once per
view — desktop light, desktop dark, phone — and what a reader would notice is checked: errors,
requests leaving the machine, broken images and links, accessibility (axe-core), headings, alt
texts, horizontal scrolling, text size. Full-page screenshots go to ``_build/captures/``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from navigateur import (  # noqa: F401 - fixtures
    CAPTURES,
    DESKTOP,
    HTML,
    MOBILE,
    ROOT,
    Journal,
    block_outside,
    livre,
    navigateur,
    toc_pages,
)

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from parcours_book import course_addresses  # noqa: E402 - the book's own extension

pytestmark = pytest.mark.xdist_group("navigateur")

PAGES = toc_pages()
SEARCHES = {"détracteurs": "book/ch3_satisfaction", "centre d'achat": "book/ch2_processus_achat"}
SERIOUS = {"serious", "critical"}
FRENCH_WORDS = re.compile(
    r"\b(le|la|les|l'|un|une|des|du|de|d'|et|en|par|pour|au|aux|à|selon|sur)\b", re.I
)
ENGLISH_WORDS = re.compile(r"\b(the|of|and|with|chart|plot|figure of|image of)\b", re.I)
AXE_SCRIPT = None

# Everything a page shows, measured in the page (one evaluation per visit).
MEASURE_JS = """() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none";
  };
  const article = document.querySelector("article.bd-article") || document.body;
  return {
    images: [...document.images].map((img) => ({
      src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
      ok: img.complete && img.naturalWidth > 0, inArticle: article.contains(img),
    })),
    figures: [...article.querySelectorAll("figure")].map((f) => ({
      id: f.id, imgs: [...f.querySelectorAll("img")].map((i) => i.getAttribute("alt")),
    })),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    buttons: Object.fromEntries(Object.entries({
      depot: ".btn-source-repository-button",
      jupyterhub: ".btn-launch-jupyterhub, a[href*='git-pull?']",
      binder: ".btn-launch-binder, a[href*='/v2/']",
      lancement: ".dropdown-launch-buttons, a.td-bouton",
    }).map(([k, sel]) => [k, document.querySelectorAll(sel).length])),
    headings: [...article.querySelectorAll("h1, h2, h3, h4, h5, h6")]
      .filter(visible).map((h) => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)]),
  };
}"""

PHONE_JS = """(screenWidth) => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none"
      && r.right > 0 && r.left < screenWidth;
  };
  const small = [];
  const escaping = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el)) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (ownText && size < 16) {
      small.push(`${el.tagName.toLowerCase()}.${el.className} (${size} px) : `
        + el.textContent.trim().slice(0, 40));
    }
    const r = el.getBoundingClientRect();
    if (r.right > screenWidth + 1) {
      // Wider than the screen: only allowed inside a box that scrolls (or clips) by itself.
      let p = el.parentElement, boxed = false;
      while (p && p !== document.body) {
        const ox = getComputedStyle(p).overflowX;
        if (["auto", "scroll", "hidden", "clip"].includes(ox)
            && p.getBoundingClientRect().right <= screenWidth + 1) { boxed = true; break; }
        p = p.parentElement;
      }
      if (!boxed) escaping.push(`${el.tagName.toLowerCase()}.${el.className}`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    // A phone browser widens its layout viewport (and zooms out) when the page is too wide.
    width: Math.max(window.innerWidth, document.documentElement.clientWidth),
    small: small.slice(0, 20),
    escaping: escaping.slice(0, 10),
  };
}"""


def slug(name: str) -> str:
    return name.replace("/", "_")


@dataclass
class Visit:
    journal: Journal
    measures: dict
    axe: list = field(default_factory=list)


class Book:
    """Opens each page once per view and remembers what it saw."""

    def __init__(self, browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self._contexts: dict[str, object] = {}
        self._visits: dict[tuple[str, str], Visit] = {}

    def context(self, view: str):
        if view not in self._contexts:
            options = {"locale": "fr-FR", "color_scheme": "dark" if view == "sombre" else "light"}
            if view == "mobile":
                options.update(viewport=MOBILE, is_mobile=True, has_touch=True)
            else:
                options.update(viewport=DESKTOP)
            ctx = self.browser.new_context(**options)
            block_outside(ctx)
            self._contexts[view] = ctx
        return self._contexts[view]

    def url(self, name: str) -> str:
        return f"{self.base}{name}.html"

    def open(self, name: str, view: str = "clair"):
        page = self.context(view).new_page()
        journal = Journal().watch(page)
        page.goto(self.url(name), wait_until="load")
        return page, journal

    def visit(self, name: str, view: str) -> Visit:
        key = (name, view)
        if key in self._visits:
            return self._visits[key]
        page, journal = self.open(name, view)
        try:
            if view == "mobile":
                measures = page.evaluate(PHONE_JS, MOBILE["width"])
            else:
                measures = page.evaluate(MEASURE_JS)
            # What the page itself did, before axe (which re-fetches stylesheets its own way).
            seen = Journal(
                list(journal.console_errors), list(journal.failed), list(journal.outside)
            )
            visit = Visit(seen, measures)
            if view in ("clair", "sombre"):
                visit.axe = run_axe(page)
            if view in ("clair", "mobile"):
                CAPTURES.mkdir(parents=True, exist_ok=True)
                kind = "bureau" if view == "clair" else "mobile"
                page.screenshot(path=CAPTURES / f"{slug(name)}-{kind}.png", full_page=True)
        finally:
            page.close()
        self._visits[key] = visit
        return visit

    def close(self) -> None:
        for ctx in self._contexts.values():
            ctx.close()


def run_axe(page) -> list[dict]:
    global AXE_SCRIPT
    if AXE_SCRIPT is None:
        from axe_playwright_python.base import AXE_FILE_PATH

        AXE_SCRIPT = AXE_FILE_PATH.read_text(encoding="utf-8")
    page.add_script_tag(content=AXE_SCRIPT)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


@pytest.fixture(scope="module")
def book(navigateur, livre):  # noqa: F811 - fixtures imported above
    b = Book(navigateur, livre)
    yield b
    b.close()


@cache
def _ids(html: str) -> frozenset[str]:
    soup = BeautifulSoup(html, "html.parser")
    return frozenset(el["id"] for el in soup.find_all(id=True))


def _local_file(url: str) -> Path:
    path = urlsplit(url).path.lstrip("/")
    target = HTML / path
    return target / "index.html" if target.is_dir() else target


# --- 1. Offline, no error, every image and link -------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_without_error(book, name):
    visit = book.visit(name, "clair")
    j = visit.journal
    assert not j.outside, f"{name} : requêtes hors de 127.0.0.1 : {j.outside}"
    assert not j.failed, f"{name} : requêtes en échec : {j.failed}"
    assert not j.console_errors, f"{name} : erreurs dans la console : {j.console_errors}"
    broken = [i["src"] for i in visit.measures["images"] if not i["ok"]]
    assert not broken, f"{name} : images non chargées : {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_internal_links_and_anchors_resolve(book, name):
    broken = []
    for link in book.visit(name, "clair").measures["links"]:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(book.base).netloc:
            continue
        target_url, fragment = urldefrag(link)
        target = _local_file(target_url)
        if not target.is_file():
            broken.append(link)
        elif fragment and target.suffix == ".html":
            if fragment not in _ids(target.read_text(encoding="utf-8")):
                broken.append(link)
    assert not broken, f"{name} : liens internes cassés : {sorted(set(broken))}"


def test_built_html_and_css_point_nowhere_outside():
    """No script, stylesheet, font or inline loader in the built site names another host."""
    if not (HTML / "index.html").is_file():
        pytest.skip("Le livre n'est pas construit : lancez « make book » d'abord.")
    offenders = []
    for page in HTML.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for el in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio"]):
            url = el.get("src") or el.get("href") or ""
            if el.name == "link" and not (
                {"stylesheet", "preload", "icon"} & set(el.get("rel", []))
            ):
                continue
            if url.startswith(("http:", "https:", "//")):
                offenders.append(f"{page.relative_to(HTML)} : {url}")
        for script in soup.find_all("script", src=False):
            for url in re.findall(r"https?://[^\s\"'`]+", script.get_text()):
                if not url.startswith("http://www.w3.org/"):
                    offenders.append(f"{page.relative_to(HTML)} (script) : {url}")
    for css in (HTML / "_static").rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text("utf-8")):
            if not url.startswith("http://www.w3.org/"):
                offenders.append(f"{css.relative_to(HTML)} : {url}")
    assert not offenders, "ressources externes dans le livre construit :\n" + "\n".join(
        sorted(set(offenders))[:30]
    )


# --- 2. Search, navigation, quizzes, downloads ----------------------------------------------


@pytest.mark.parametrize("query", SEARCHES)
def test_french_search_leads_to_the_right_page(book, query):
    page, journal = book.open("book/index")
    try:
        page.locator("button.search-button__button").first.click()
        field = page.locator("input.form-control[name='q']:visible").first
        field.fill(query)
        field.press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q="))
        results = page.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=15_000)
        hrefs = [urlsplit(h).path for h in results.evaluate_all("els => els.map(e => e.href)")]
        expected = f"/{SEARCHES[query]}.html"
        assert expected in hrefs, f"« {query} » ne trouve pas {expected} : {hrefs}"
        results.nth(hrefs.index(expected)).click()
        page.wait_for_url(re.compile(re.escape(expected)))
        page.wait_for_load_state("load")
        highlighted = page.locator("article span.highlighted")
        highlighted.first.wait_for(timeout=10_000)
        words = " ".join(highlighted.all_text_contents()).lower()
        assert query.split("'")[-1].split()[0][:5] in words, words
        assert not journal.console_errors and not journal.failed and not journal.outside
    finally:
        page.close()


def test_next_links_walk_through_every_page_in_toc_order(book):
    page, journal = book.open(PAGES[0])
    seen = [PAGES[0]]
    try:
        nav = {
            urlsplit(h).path.removeprefix("/").removesuffix(".html")
            for h in page.locator("nav.bd-docs-nav a").evaluate_all("els => els.map(e => e.href)")
        }
        assert set(PAGES) <= nav, f"pages absentes du menu : {sorted(set(PAGES) - nav)}"
        for _ in range(len(PAGES) + 2):
            nxt = page.locator("a.right-next")
            if nxt.count() == 0:
                break
            nxt.first.click()
            page.wait_for_load_state("load")
            seen.append(urlsplit(page.url).path.removeprefix("/").removesuffix(".html"))
        assert seen == PAGES, "l'enchaînement « Suivant » ne suit pas la table des matières"
        assert not journal.console_errors
    finally:
        page.close()


def _dropdowns(page):
    return page.locator("article div.admonition.dropdown")


def _pages_with(selector: str) -> list[str]:
    """Toc pages whose built HTML holds ``selector`` (read from disk: no page to open for it)."""
    found = []
    for name in PAGES:
        path = HTML / f"{name}.html"
        if path.is_file():
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            if soup.select_one(selector):
                found.append(name)
    return found


def test_every_quiz_reveals_its_answer_on_click_and_with_the_keyboard(book):
    total = 0
    for name in _pages_with("article div.admonition.dropdown"):
        page, _ = book.open(name)
        try:
            boxes = _dropdowns(page)
            for i in range(boxes.count()):
                box = boxes.nth(i)
                content = box.locator(":scope > :not(.admonition-title)").first
                button = box.locator("button.toggle-button")
                assert not content.is_visible(), f"{name} : réponse {i + 1} visible d'emblée"
                assert re.match(r"Afficher ou masquer", button.get_attribute("aria-label") or "")
                box.locator(".admonition-title").click()
                assert content.is_visible(), f"{name} : la réponse {i + 1} ne s'ouvre pas au clic"
                assert button.get_attribute("aria-expanded") == "true"
                box.locator(".admonition-title").click()
                assert not content.is_visible()
                # Keyboard alone: Tab from the element before the button reaches it, Enter opens.
                button.evaluate(
                    """b => { const all = [...document.querySelectorAll(
                        'a[href], button, input, [tabindex]:not([tabindex="-1"])')]
                        .filter(e => e.offsetParent !== null);
                      const prev = all[all.indexOf(b) - 1];
                      if (prev) { prev.focus(); } }"""
                )
                page.keyboard.press("Tab")
                assert button.evaluate("b => b === document.activeElement"), (
                    f"{name} : le bouton de la réponse {i + 1} n'est pas atteint au clavier"
                )
                page.keyboard.press("Enter")
                assert content.is_visible(), f"{name} : Entrée n'ouvre pas la réponse {i + 1}"
                page.keyboard.press("Space")
                assert not content.is_visible(), f"{name} : Espace ne referme pas la réponse"
                total += 1
        finally:
            page.close()
    assert total >= 5, f"seulement {total} questions d'autoévaluation dans le livre"


def test_every_td_notebook_downloads_and_reads(book):
    released = {p.name for p in (ROOT / "exercises").glob("*/*.ipynb")}
    assert released
    downloaded = set()
    for name in _pages_with("article a.download[href$='.ipynb']"):
        page, _ = book.open(name)
        try:
            links = page.locator("article a.download[href$='.ipynb']")
            for i in range(links.count()):
                with page.expect_download() as info:
                    links.nth(i).click()
                download = info.value
                nb = nbformat.reads(Path(download.path()).read_text(encoding="utf-8"), 4)
                nbformat.validate(nb)
                assert any(c.get("metadata", {}).get("nbgrader") for c in nb.cells)
                downloaded.add(download.suggested_filename)
        finally:
            page.close()
    assert released <= downloaded, f"TD non téléchargeables : {sorted(released - downloaded)}"


# --- 3. No dead link to a service the course did not configure --------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_no_launch_or_repository_button_without_course_addresses(book, name):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    addresses = course_addresses(
        {
            "repository_url": (config.get("repository") or {}).get("url"),
            "launch_buttons": config.get("launch_buttons") or {},
        }
    )
    found = book.visit(name, "clair").measures["buttons"]
    for service in ("depot", "jupyterhub", "binder"):
        if not addresses[service]:
            assert found[service] == 0, f"{name} : bouton « {service} » sans adresse configurée"
    if not addresses["jupyterhub"] and not addresses["binder"]:
        assert found["lancement"] == 0, f"{name} : bouton de lancement sans service configuré"


# --- 4. Accessibility ------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["clair", "sombre"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation(book, name, view):
    violations = [v for v in book.visit(name, view).axe if v.get("impact") in SERIOUS]
    details = [
        f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]
    assert not violations, f"{name} (thème {view}) :\n" + "\n".join(details)


@pytest.mark.parametrize("name", PAGES)
def test_headings_are_in_order(book, name):
    headings = book.visit(name, "clair").measures["headings"]
    assert headings and headings[0][0] == 1, f"{name} : la page doit commencer par un titre h1"
    assert [h for h in headings if h[0] == 1] == headings[:1], f"{name} : plusieurs titres h1"
    for (before, _), (level, text) in zip(headings, headings[1:], strict=False):
        assert level <= before + 1, f"{name} : titre « {text} » (h{level}) saute un niveau"


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_french_alt_text(book, name):
    measures = book.visit(name, "clair").measures
    for fig in measures["figures"]:
        assert fig["imgs"], f"{name} : figure {fig['id']} sans image"
    for img in measures["images"]:
        if not img["inArticle"]:
            continue
        alt = (img["alt"] or "").strip()
        assert len(alt.split()) >= 3, f"{name} : texte alternatif absent ou trop court : {img}"
        assert FRENCH_WORDS.search(alt) and not ENGLISH_WORDS.search(alt), (
            f"{name} : texte alternatif pas en français : « {alt} »"
        )


# --- 5. On a phone ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_phone_no_horizontal_scroll_and_text_at_least_16px(book, name):
    m = book.visit(name, "mobile").measures
    screen = MOBILE["width"]
    widest = max(m["scrollWidth"], m["bodyScrollWidth"], m["width"])
    assert widest <= screen, (
        f"{name} : la page est plus large que l'écran du téléphone ({widest} px pour {screen} px)"
    )
    assert not m["escaping"], f"{name} : éléments qui dépassent de l'écran : {m['escaping']}"
    assert not m["small"], f"{name} : texte de moins de 16 px sur téléphone : {m['small']}"


@pytest.mark.parametrize("name", PAGES)
def test_screenshots_are_saved_for_people_to_look_at(book, name):
    book.visit(name, "clair")
    book.visit(name, "mobile")
    for kind in ("bureau", "mobile"):
        shot = CAPTURES / f"{slug(name)}-{kind}.png"
        assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
        assert shot.stat().st_size > 10_000, f"capture presque vide : {shot}"
