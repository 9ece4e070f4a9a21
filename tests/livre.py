"""What the book tests share: where the built book is, the pages of its table of contents, and
parsed pages (the ``site`` fixture is in conftest.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the table of contents, in reading order (root first), as docnames."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(str(entry["file"]).removesuffix(".md").removesuffix(".ipynb"))
            if "glob" in entry:
                base = ROOT / Path(entry["glob"]).parent
                found = sorted(base.glob(Path(entry["glob"]).name + ".*"))
                pages.extend(
                    str(p.relative_to(ROOT).with_suffix(""))
                    for p in found
                    if p.suffix in (".md", ".ipynb") and str(p.relative_to(ROOT)) not in pages
                )
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return list(dict.fromkeys(pages))


@cache
def parsed(path: Path) -> BeautifulSoup:
    """A built page, parsed once per test process."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
