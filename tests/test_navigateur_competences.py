"""The competency grid page in Chromium, on a desktop and a phone: every level is readable in full
(none cut off at the edge of the screen or of a scrolling box). Screenshots: _build/captures."""

from __future__ import annotations

import pytest
from navigateur import CAPTURES, DESKTOP, MOBILE, navigateur  # noqa: F401 - fixture

from parcours.data.competences import BLOCS
from parcours.term.competences import Cell, Grid, render_grid

pytestmark = [pytest.mark.xdist_group("navigateur"), pytest.mark.e2e]


def sample_grid() -> Grid:
    blocks = [b for b in BLOCS.values() if b.diplome in ("bts_mco", "bts_ndrc")]
    students = [(f"e{i:03d}", f"Nom{i}", "Maëlle", "G1") for i in range(1, 9)]
    cells = {}
    for i, (sid, *_) in enumerate(students):
        for j, b in enumerate(blocks):
            possible = 0 if b.id in ("bts_mco_4", "bts_ndrc_3") else 40
            cells[(sid, b.id)] = Cell((i * 7 + j * 5) % 41, possible, pending=i == 1)
    return Grid(blocks, (25.0, 50.0, 75.0), True, ["td03_satisfaction"], students, cells, [])


@pytest.mark.parametrize("screen", ["ordinateur", "telephone"])
def test_the_grid_reads_in_full_on_a_desktop_and_a_phone(navigateur, tmp_path, screen):  # noqa: F811
    viewport = DESKTOP if screen == "ordinateur" else MOBILE
    page_file = tmp_path / "competences.html"
    page_file.write_text(render_grid(sample_grid()), encoding="utf-8")
    context = navigateur.new_context(viewport=viewport, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        CAPTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CAPTURES / f"competences_{screen}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        cut = page.evaluate(
            """() => [...document.querySelectorAll('td.lv b, td.lv .pct')].filter(e => {
                const r = e.getBoundingClientRect();
                const box = e.closest('.wrap').getBoundingClientRect();
                return r.right > Math.min(window.innerWidth, box.right) + 0.5 || r.left < 0;
            }).map(e => e.textContent)"""
        )
        assert cut == [], f"niveaux coupés au bord de l'écran ({screen}) : {cut[:5]}"
        assert page.get_by_text("Répartition de la classe par bloc").is_visible()
        assert page.locator(".block .bar").count() == 7
    finally:
        context.close()
