"""The class report on a phone (390 px) and a desktop in real Chromium: nothing wider than the
screen. The report is the one ``parcours rapport`` writes for a small graded class (two identical
copies, so the copies' side-by-side diff is on the page too)."""

from __future__ import annotations

import pytest
from corpus import TD, make_course
from navigateur import CAPTURES, DESKTOP, MOBILE, navigateur  # noqa: F401 - fixture

from parcours.cli import main
from parcours.grading.batch import grade_batch
from parcours.grading.sandbox import Limits, sandbox_available

pytestmark = [pytest.mark.xdist_group("navigateur"), pytest.mark.e2e]


@pytest.mark.lent
def test_the_class_report_fits_a_phone(navigateur, tmp_path):  # noqa: F811 - fixture
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    from nbgrading import course
    from test_corriger import _class

    _, put = make_course(tmp_path)
    _class(put, course(TD))
    grade_batch(TD, root=tmp_path, workers=2, limits=Limits(cell_timeout_s=30, wall_timeout_s=180))
    assert main(["rapport", TD, "--racine", str(tmp_path)]) == 0
    report = tmp_path / "rapports" / f"rapport_{TD}.html"
    CAPTURES.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("telephone", MOBILE), ("bureau", DESKTOP)):
        context = navigateur.new_context(viewport=viewport, locale="fr-FR")
        try:
            page = context.new_page()
            page.goto(report.as_uri())
            page.screenshot(path=str(CAPTURES / f"rapport_{name}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (
                f"le rapport fait {width} px sur un écran de {viewport['width']} px"
            )
            assert page.get_by_text("Par étudiant : qui a besoin d'aide").is_visible()
        finally:
            context.close()
