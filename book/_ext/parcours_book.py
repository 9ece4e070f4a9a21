"""Sphinx helpers for the Parcours course book.

``{td-lancement} td03_satisfaction`` writes plain launch links for a TD's released student
notebook (JupyterHub through nbgitpuller, and Binder). The links are built from the repository and
``launch_buttons`` settings of ``_config.yml`` (passed by Jupyter Book as theme options), with no
JavaScript and nothing fetched at build time.
"""

from __future__ import annotations

from urllib.parse import quote

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

EXERCISES_DIR = "exercises"


def notebook_path(slug: str) -> str:
    return f"{EXERCISES_DIR}/{slug}/{slug}.ipynb"


def launch_urls(options: dict, slug: str) -> list[tuple[str, str]]:
    """(label, url) of each launch service configured in ``_config.yml``."""
    repo = (options.get("repository_url") or "").rstrip("/")
    branch = options.get("repository_branch") or "main"
    launch = options.get("launch_buttons") or {}
    interface = (
        "lab/tree" if launch.get("notebook_interface", "jupyterlab") == "jupyterlab" else "tree"
    )
    path = notebook_path(slug)
    urls = []
    hub = (launch.get("jupyterhub_url") or "").rstrip("/")
    if hub and repo:
        folder = repo.rsplit("/", 1)[-1]
        query = "&".join(
            [
                "repo=" + quote(repo, safe=""),
                "branch=" + quote(branch, safe=""),
                "urlpath=" + quote(f"{interface}/{folder}/{path}", safe="/"),
            ]
        )
        urls.append(
            ("Ouvrir sur le JupyterHub du cours", f"{hub}/hub/user-redirect/git-pull?{query}")
        )
    binder = (launch.get("binderhub_url") or "").rstrip("/")
    if binder and repo:
        if repo.startswith("https://github.com/"):
            target = "gh/" + repo.removeprefix("https://github.com/")
        else:
            target = "git/" + quote(repo, safe="")
        urlpath = quote(f"{interface}/{path}", safe="")
        urls.append(("Ouvrir sur Binder", f"{binder}/v2/{target}/{branch}?urlpath={urlpath}"))
    return urls


class TdLaunch(SphinxDirective):
    """Plain launch links for one TD notebook."""

    required_arguments = 1
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        slug = self.arguments[0]
        options = self.env.config.html_theme_options or {}
        urls = launch_urls(options, slug)
        if not urls:
            return [
                self.state.document.reporter.warning(
                    "td-lancement : aucun service de lancement dans _config.yml", line=self.lineno
                )
            ]
        para = nodes.paragraph(classes=["td-lancement"])
        for i, (label, url) in enumerate(urls):
            if i:
                para += nodes.Text(" ")
            ref = nodes.reference("", "", refuri=url, classes=["td-bouton"])
            ref += nodes.Text(label)
            para += ref
        return [para]


# Theme strings that have no French translation in sphinx-book-theme 1.3.
FRENCH_TOOLTIPS = {
    "Launch interactive content": "Lancer le contenu interactif",
    "Launch on Binder": "Ouvrir sur Binder",
    "Launch on JupyterHub": "Ouvrir sur JupyterHub",
    "Launch on Colab": "Ouvrir sur Colab",
    "Launch via JupyterLite": "Ouvrir avec JupyterLite",
}


def _frenchify(buttons: list) -> None:
    for button in buttons:
        if not isinstance(button, dict):
            continue
        tip = button.get("tooltip")
        if tip in FRENCH_TOOLTIPS:
            button["tooltip"] = FRENCH_TOOLTIPS[tip]
        _frenchify(button.get("buttons") or [])


def french_header_buttons(app, pagename, templatename, context, doctree) -> None:
    """Translate the launch-button tooltips the theme leaves in English."""
    _frenchify(context.get("header_buttons") or [])


def setup(app):
    app.connect("html-page-context", french_header_buttons, priority=600)
    app.add_directive("td-lancement", TdLaunch)
    app.add_css_file("parcours.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
