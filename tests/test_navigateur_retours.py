"""A feedback page on a phone (390 px) in real Chromium: nothing wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from navigateur import CAPTURES, MOBILE, navigateur  # noqa: F401 - fixture
from test_retours import _page_of_a_blank_copy

from parcours.term.course import open_course
from parcours.term.feedback import statement

pytestmark = [pytest.mark.xdist_group("navigateur"), pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[1]


def test_a_feedback_page_fits_a_phone(navigateur, tmp_path):  # noqa: F811 - fixture
    title, labels = statement(open_course(ROOT), "td03_satisfaction")
    page_file = tmp_path / "retour.html"
    page_file.write_text(_page_of_a_blank_copy(title=title, labels=labels), encoding="utf-8")
    context = navigateur.new_context(viewport=MOBILE, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        CAPTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CAPTURES / "retour_telephone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= MOBILE["width"], f"la page de retour fait {width} px sur un écran de 390 px"
        assert page.get_by_text("en attente de correction").first.is_visible()
    finally:
        context.close()
