"""Every ``parcours`` command has French help text and a documented page (book/commandes.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parcours.cli import help_pages

ROOT = Path(__file__).resolve().parents[1]
PAGES = help_pages()


def test_every_command_is_listed():
    assert set(PAGES) >= {
        "parcours",
        "parcours donnees",
        "parcours sujets",
        "parcours etudiants",
        "parcours etudiants importer",
        "parcours publier",
        "parcours collecter",
        "parcours notes",
        "parcours retours",
        "parcours rapport",
        "parcours corriger",
    }


@pytest.mark.parametrize("name", sorted(PAGES))
def test_help_is_french(name):
    text = PAGES[name]
    assert text.startswith("utilisation : ")
    assert "afficher cette aide et quitter" in text
    for english in ("usage:", "show this help", "positional arguments"):
        assert english not in text


@pytest.mark.parametrize("name", sorted(PAGES))
def test_command_is_documented_with_its_current_help(name):
    page = (ROOT / "book" / "commandes.md").read_text(encoding="utf-8")
    assert f"## `{name}`" in page
    assert PAGES[name].rstrip("\n") in page, (
        f"L'aide de « {name} » a changé : mettez à jour book/commandes.md."
    )


@pytest.mark.parametrize("name", sorted(n for n in PAGES if n != "parcours"))
def test_command_has_its_place_in_the_teacher_guide(name):
    guide = (ROOT / "book" / "guide_enseignant.md").read_text(encoding="utf-8")
    assert f"`{name}" in guide, f"« {name} » n'est pas présentée dans book/guide_enseignant.md."


def test_student_guide_links_the_current_wheel():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    guide = (ROOT / "book" / "guide_etudiant.md").read_text(encoding="utf-8")
    wheel = f"parcours-{version}-py3-none-any.whl"
    assert f"<_static/{wheel}>" in guide and f"pip install {wheel}" in guide
    assert "etudiant = " in guide and "PARCOURS_IDENTIFIANT" in guide


def test_built_book_publishes_the_wheel():
    html = ROOT / "_build" / "html"
    if not (html / "book" / "guide_etudiant.html").is_file():
        pytest.skip("livre non construit (make book)")
    wheels = sorted((html / "_static").glob("parcours-*-py3-none-any.whl"))
    assert wheels, "Le paquet (wheel) n'est pas publié dans _build/html/_static/."
    page = (html / "book" / "guide_etudiant.html").read_text(encoding="utf-8")
    link = next(
        part.split('"')[0] for part in page.split('href="') if part.split('"')[0].endswith(".whl")
    )
    assert (html / "book" / link).resolve().is_file()
