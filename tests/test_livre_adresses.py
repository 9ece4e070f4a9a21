"""Launch and repository buttons follow the course's own addresses, set in one place.

A tiny book (one TD page, one notebook page) is built with the course's Sphinx extension and theme,
once with real-looking addresses and once with the placeholders of the documentation: students
see the JupyterHub, Binder and repository buttons only in the first case, never a dead link.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from parcours_book import configured, course_addresses  # noqa: E402 - the book's extension

pytestmark = pytest.mark.xdist_group("livre_adresses")

CONF = """
extensions = ["myst_nb", "parcours_book"]
language = "fr"
html_theme = "sphinx_book_theme"
html_theme_options = {theme_options!r}
nb_execution_mode = "off"
"""
TD_PAGE = """# TD 3

Téléchargez le notebook.

```{td-lancement} td03_satisfaction
```
"""


def _build(tmp_path: Path, repo: str, hub: str, binder: str) -> dict[str, BeautifulSoup]:
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir()
    options = {
        "repository_url": repo,
        "repository_branch": "main",
        "use_repository_button": True,
        "launch_buttons": {
            "notebook_interface": "jupyterlab",
            "jupyterhub_url": hub,
            "binderhub_url": binder,
            "thebe": False,
        },
    }
    (src / "conf.py").write_text(CONF.format(theme_options=options), encoding="utf-8")
    (src / "index.md").write_text("# Accueil\n\n```{toctree}\ntd03\ncahier\n```\n", "utf-8")
    (src / "td03.md").write_text(TD_PAGE, encoding="utf-8")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Cahier"), nbformat.v4.new_code_cell("1 + 1")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    nbformat.write(nb, src / "cahier.ipynb")
    out = tmp_path / "html"
    app = Sphinx(
        str(src),
        str(src),
        str(out),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
        confoverrides={"html_static_path": [], "templates_path": []},
    )
    app.build()
    return {
        name: BeautifulSoup((out / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        for name in ("td03", "cahier")
    }


def _hrefs(soup: BeautifulSoup) -> list[str]:
    return [a.get("href", "") for a in soup.find_all("a")]


def test_configured_addresses_show_every_launcher(tmp_path):
    pages = _build(
        tmp_path,
        repo="https://github.com/lycee-jean-moulin/parcours",
        hub="https://jupyter.lycee-jean-moulin.fr/",
        binder="https://mybinder.org",
    )
    td = _hrefs(pages["td03"])
    hub = [h for h in td if h.startswith("https://jupyter.lycee-jean-moulin.fr/hub/")]
    assert hub and "git-pull?repo=https%3A%2F%2Fgithub.com%2Flycee-jean-moulin%2Fparcours" in hub[0]
    assert "exercises/td03_satisfaction/td03_satisfaction.ipynb" in hub[0]
    assert any(
        h.startswith("https://mybinder.org/v2/gh/lycee-jean-moulin/parcours/main") for h in td
    )
    text = pages["td03"].get_text(" ")
    assert "nbgitpuller" in text and "Binder ouvre une copie temporaire" in text
    notebook = pages["cahier"]
    assert notebook.select(".btn-source-repository-button")
    launch = _hrefs(notebook)
    assert any("jupyter.lycee-jean-moulin.fr/hub/user-redirect/git-pull" in h for h in launch)
    assert any(h.startswith("https://mybinder.org/v2/gh/") for h in launch)
    assert not any(
        "unpkg.com" in str(s) or "thebe" in (s.get("src") or "") for s in notebook("script")
    )


def test_placeholder_addresses_show_no_launcher_and_no_repository(tmp_path):
    pages = _build(
        tmp_path,
        repo="https://github.example.org/cours/parcours",
        hub="https://jupyterhub.exemple.fr",
        binder="https://mybinder.org",
    )
    for name, soup in pages.items():
        external = [h for h in _hrefs(soup) if h.startswith(("http:", "https:"))]
        assert not external, f"{name} : liens vers des adresses non configurées : {external}"
        assert not soup.select(".btn-source-repository-button, .dropdown-launch-buttons")
    assert "en ligne" not in pages["td03"].get_text(" ")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://jupyter.univ-lille.fr/", "https://jupyter.univ-lille.fr"),
        ("", ""),
        (None, ""),
        ("jupyter.univ-lille.fr", ""),
        ("https://jupyterhub.exemple.fr", ""),
        ("https://example.org/depot", ""),
        ("https://hub.example", ""),
        ("http://localhost:8000", ""),
    ],
)
def test_only_real_addresses_count(url, expected):
    assert configured(url) == expected


def test_launchers_need_the_repository():
    only_hub = {"launch_buttons": {"jupyterhub_url": "https://jupyter.univ-lille.fr"}}
    assert course_addresses(only_hub) == {"depot": "", "jupyterhub": "", "binder": ""}
