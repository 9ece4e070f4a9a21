"""The skills map (issue 19): each graded item's book section, toolbox entries and blocks.

The map is data in the TD notebooks: each graded cell's ``metadata.parcours`` holds, beside
``type``, ``section`` (a MyST label of the book), ``outils`` (``boite_a_outils_<name>`` labels) and
``blocs`` (ids of :data:`parcours.data.competences.BLOCS`). nbgrader's release keeps the key, so
the source and the student notebooks carry the same map. ``tools/carte_competences.py`` writes it.

Here: reading the map, checking it (:func:`map_problems`), the book's sections read from its
MyST sources (label → page, title, chapter), and the links of a « À revoir » line: the book's
address when ``_config.yml`` gives one (``html.baseurl``), else relative links to the course's
built book (``_build/html``) when it exists, else no link (never a dead one).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from parcours.data.competences import BLOCS
from parcours.grading.config import PROJECT_ROOT

LABEL = re.compile(r"^\(([\w-]+)\)=\s*$")
HEADING = re.compile(r"^(#+)\s+(.*?)\s*$")


@dataclass(frozen=True)
class Item:
    grade_id: str
    points: float
    type: str
    section: str
    outils: tuple[str, ...]
    blocs: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    label: str
    page: str  # « book/ch3_satisfaction » (no suffix)
    title: str
    chapter: str  # the page's first heading

    @property
    def anchor(self) -> str:
        """The HTML id Sphinx gives the label's target."""
        return re.sub(r"[^a-z0-9]+", "-", self.label.lower()).strip("-")


def read_map(cells: list[dict]) -> list[Item]:
    """The graded items of a notebook's cells, in order, with their map (empty fields when the
    notebook has none)."""
    items = []
    for cell in cells:
        meta = cell.get("metadata") or {}
        grading = meta.get("nbgrader") or {}
        if not grading.get("grade"):
            continue
        p = meta.get("parcours") or {}
        items.append(
            Item(
                grade_id=str(grading.get("grade_id", "")),
                points=float(grading.get("points") or 0),
                type=str(p.get("type", "")),
                section=str(p.get("section") or ""),
                outils=tuple(str(t) for t in p.get("outils") or ()),
                blocs=tuple(str(b) for b in p.get("blocs") or ()),
            )
        )
    return items


def notebook_map(path: Path) -> list[Item]:
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
    return read_map(cells if isinstance(cells, list) else [])


def td_map(course, td: str) -> dict[str, Item]:
    """``grade_id → Item`` of a TD, from its source notebook, else its released one."""
    for key, default in (("source_directory", "solutions"), ("release_directory", "exercises")):
        path = course.root / course.setting(key, default) / td / f"{td}.ipynb"
        items = notebook_map(path)
        if items:
            return {i.grade_id: i for i in items}
    return {}


def map_problems(items: list[Item], labels: set[str]) -> list[str]:
    """French problems of a TD's map: an item without a section or blocks, a label that is not
    in ``labels`` (the book's), a toolbox entry that is not one, an unknown block."""
    problems = []
    for i in items:
        if not i.section:
            problems.append(f"{i.grade_id} : aucune section du cours")
        elif i.section not in labels:
            problems.append(f"{i.grade_id} : la section « {i.section} » n'existe pas dans le livre")
        for t in i.outils:
            if not t.startswith("boite_a_outils_") or t not in labels:
                problems.append(f"{i.grade_id} : « {t} » n'est pas une fiche de la boîte à outils")
        if not i.blocs:
            problems.append(f"{i.grade_id} : aucun bloc de compétences")
        for b in i.blocs:
            if b not in BLOCS:
                problems.append(f"{i.grade_id} : bloc inconnu « {b} »")
    return problems


def book_dir(course=None) -> Path:
    """The course's ``book/`` when it has one, else the project's."""
    if course is not None and (course.root / "book").is_dir():
        return course.root / "book"
    return PROJECT_ROOT / "book"


def book_sections(folder: Path) -> dict[str, Section]:
    """Every MyST label of the book's pages with the heading it stands on."""
    found: dict[str, Section] = {}
    for path in sorted(Path(folder).glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        chapter = next((m.group(2) for m in map(HEADING.match, lines) if m), path.stem)
        for n, line in enumerate(lines):
            m = LABEL.match(line)
            if not m:
                continue
            title = next(
                (h.group(2) for h in map(HEADING.match, lines[n + 1 : n + 4]) if h), chapter
            )
            found[m.group(1)] = Section(
                m.group(1), f"{path.parent.name}/{path.stem}", _plain(title), _plain(chapter)
            )
    return found


def _plain(title: str) -> str:
    return title.replace("`", "").strip()


def book_address(root: Path | None = None) -> str:
    """``html.baseurl`` of the course's ``_config.yml`` (else the project's) when it is a real
    web address; ``""`` otherwise (empty or a documentation placeholder)."""
    for folder in [p for p in (root, PROJECT_ROOT) if p is not None]:
        path = Path(folder) / "_config.yml"
        if path.is_file():
            import yaml

            try:
                config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                return ""
            url = str(((config.get("html") or {}).get("baseurl")) or "").strip()
            return _real_address(url)
    return ""


PLACEHOLDERS = ("example.com", "example.org", "example.net", "exemple.fr", "exemple.com")


def _real_address(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or "." not in host:
        return ""
    if any(host == p or host.endswith("." + p) for p in PLACEHOLDERS) or host.endswith(
        (".example", ".invalid", ".test", ".localhost")
    ):
        return ""
    return url.rstrip("/")


def section_link(section: Section, *, base: str = "", page_dir: Path | None = None, built=None):
    """The address of a section: on the book's site, else relative from ``page_dir`` to the
    built book ``built`` (``_build/html``) when it holds the page, else ``""``."""
    target = f"{section.page}.html#{section.anchor}"
    if base:
        return f"{base}/{target}"
    if (
        built is not None
        and page_dir is not None
        and (Path(built) / f"{section.page}.html").is_file()
    ):
        rel = os.path.relpath(Path(built) / f"{section.page}.html", page_dir)
        return f"{Path(rel).as_posix()}#{section.anchor}"
    return ""


@dataclass
class ReviewLinks:
    """What a feedback page needs to say « À revoir : » for a TD's items."""

    items: dict[str, Item]
    sections: dict[str, Section]
    base: str = ""
    built: Path | None = None

    def html(self, grade_id: str, page_dir: Path | None) -> str:
        """The « À revoir » line of an item (HTML), ``""`` when the map has nothing for it."""
        item = self.items.get(grade_id)
        if item is None or not item.section:
            return ""
        parts = []
        section = self.sections.get(item.section)
        if section is not None:
            text = section.title
            if section.chapter and section.chapter != section.title:
                text += f" ({section.chapter})"
            parts.append(self._link(section, text, page_dir))
        tools = []
        for label in item.outils:
            entry = self.sections.get(label)
            if entry is not None and entry.label != item.section:
                tools.append(self._link(entry, entry.title.split(" — ")[0], page_dir))
        if tools:
            parts.append("boîte à outils : " + ", ".join(tools))
        if not parts:
            return ""
        return f'<div class="revoir">À revoir : {" ; ".join(parts)}</div>'

    def _link(self, section: Section, text: str, page_dir: Path | None) -> str:
        import html as _html

        url = section_link(section, base=self.base, page_dir=page_dir, built=self.built)
        if not url:
            return _html.escape(text)
        return f'<a href="{_html.escape(url)}">{_html.escape(text)}</a>'


def review_links(course, td: str) -> ReviewLinks:
    """The map of a TD with the course's book: its address, or its built copy."""
    built = None
    for folder in (course.root, PROJECT_ROOT):
        if (Path(folder) / "_build" / "html" / "index.html").is_file():
            built = Path(folder) / "_build" / "html"
            break
    return ReviewLinks(
        items=td_map(course, td),
        sections=book_sections(book_dir(course)),
        base=book_address(course.root),
        built=built,
    )


QUESTION_ID = re.compile(r"_q(\d+)_")
QUESTION_HEADING = re.compile(r"^#{2,3}\s+(?:Question\s+)?(\d+)\s*(?:[.—–:-]\s*)?(.*)$")


def question_numbers(cells: list[dict]) -> dict[str, tuple[int | None, str]]:
    """``grade_id`` of each graded cell (code or written) → (question number, heading title).
    The number comes from the id (``td00_q06_…`` → 6) when it has one, since a heading may group
    two questions; the title from the last numbered heading above the cell."""
    found: dict[str, tuple[int | None, str]] = {}
    current: tuple[int | None, str] = (None, "")
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") == "markdown" and not meta.get("grade"):
            for line in source.splitlines():
                m = QUESTION_HEADING.match(line.strip())
                if m:
                    current = (int(m.group(1)), m.group(2).strip())
        gid = meta.get("grade_id")
        if gid and meta.get("grade"):
            m = QUESTION_ID.search(f"{gid}_")
            found[str(gid)] = (int(m.group(1)) if m else current[0], current[1])
    return found


_REVIEW_BLOCK = re.compile(r'<div class="revoir">.*?</div>', re.S)
_LOCAL_LINK = re.compile(r'<a href="(?!https?://)[^"]*">(.*?)</a>', re.S)


def without_local_links(page: bytes) -> bytes:
    """A feedback page to hand out elsewhere (Moodle's zip): « À revoir » links into the teacher's
    built book become plain text; links to the book's web address stay."""
    text = page.decode("utf-8")
    text = _REVIEW_BLOCK.sub(lambda m: _LOCAL_LINK.sub(r"\1", m.group(0)), text)
    return text.encode("utf-8")
