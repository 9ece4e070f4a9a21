"""Sphinx helpers for the Parcours course book.

``{td-lancement} td03_satisfaction`` writes plain launch links for a TD's released student
notebook (JupyterHub through nbgitpuller, and Binder). The links are built from the repository and
``launch_buttons`` settings of ``_config.yml`` (passed by Jupyter Book as theme options), with no
JavaScript and nothing fetched at build time.

The course's own addresses live in ``_config.yml`` only (``repository.url``,
``launch_buttons.jupyterhub_url``, ``launch_buttons.binderhub_url``). An empty value, or a
documentation placeholder (``example.org``, ``exemple.fr``…), counts as "not configured": then no
launch link, launch button or repository button is written, so students never meet a dead link.

The book must also work offline: the theme's Thebe loader (which points at a CDN) is dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

EXERCISES_DIR = "exercises"


def notebook_path(slug: str) -> str:
    return f"{EXERCISES_DIR}/{slug}/{slug}.ipynb"


# Hosts reserved for documentation (RFC 2606 and the French habit): never a real course address.
PLACEHOLDER_SUFFIXES = (
    "example.com",
    "example.org",
    "example.net",
    ".example",
    ".invalid",
    ".test",
    ".localhost",
    "exemple.fr",
    "exemple.com",
    "exemple.org",
)


def configured(url: str | None) -> str:
    """``url`` without its trailing slash if it is a real web address, else ``""``."""
    url = (url or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or "." not in host:
        return ""
    if any(
        host == s.lstrip(".") or host.endswith("." + s.lstrip(".")) for s in PLACEHOLDER_SUFFIXES
    ):
        return ""
    return url.rstrip("/")


def course_addresses(options: dict) -> dict[str, str]:
    """The course's configured addresses: ``depot``, ``jupyterhub``, ``binder`` (``""`` if unset).

    Launch services need the repository (they pull the notebooks from it).
    """
    launch = options.get("launch_buttons") or {}
    repo = configured(options.get("repository_url"))
    return {
        "depot": repo,
        "jupyterhub": configured(launch.get("jupyterhub_url")) if repo else "",
        "binder": configured(launch.get("binderhub_url")) if repo else "",
    }


def keep_configured_buttons(app, config) -> None:
    """Theme buttons only for the addresses the course configured; no Thebe, Colab, JupyterLite."""
    options = dict(config.html_theme_options or {})
    addresses = course_addresses(options)
    launch = dict(options.get("launch_buttons") or {})
    launch.update(
        jupyterhub_url=addresses["jupyterhub"],
        binderhub_url=addresses["binder"],
        thebe=False,
        colab_url="",
        jupyterlite_url="",
    )
    options["launch_buttons"] = launch
    options["repository_url"] = addresses["depot"]
    options["use_repository_button"] = bool(addresses["depot"])
    if not addresses["depot"]:
        options["use_issues_button"] = False
        options["use_edit_page_button"] = False
    config.html_theme_options = options


def launch_urls(options: dict, slug: str) -> list[tuple[str, str, str]]:
    """(service, label, url) of each launch service configured in ``_config.yml``."""
    addresses = course_addresses(options)
    repo = addresses["depot"]
    branch = options.get("repository_branch") or "main"
    launch = options.get("launch_buttons") or {}
    interface = (
        "lab/tree" if launch.get("notebook_interface", "jupyterlab") == "jupyterlab" else "tree"
    )
    path = notebook_path(slug)
    urls = []
    if addresses["jupyterhub"]:
        folder = repo.rsplit("/", 1)[-1]
        query = "&".join(
            [
                "repo=" + quote(repo, safe=""),
                "branch=" + quote(branch, safe=""),
                "urlpath=" + quote(f"{interface}/{folder}/{path}", safe="/"),
            ]
        )
        urls.append(
            (
                "jupyterhub",
                "Ouvrir sur le JupyterHub du cours",
                f"{addresses['jupyterhub']}/hub/user-redirect/git-pull?{query}",
            )
        )
    if addresses["binder"]:
        if repo.startswith("https://github.com/"):
            target = "gh/" + repo.removeprefix("https://github.com/")
        else:
            target = "git/" + quote(repo, safe="")
        urlpath = quote(f"{interface}/{path}", safe="")
        urls.append(
            (
                "binder",
                "Ouvrir sur Binder",
                f"{addresses['binder']}/v2/{target}/{branch}?urlpath={urlpath}",
            )
        )
    return urls


# What each launch service does for the student, shown under the links only for that service.
SERVICE_NOTES = {
    "jupyterhub": (
        "Le lien JupyterHub copie (ou met à jour) le dossier du cours dans votre espace personnel "
        "grâce à nbgitpuller, sans écraser vos réponses."
    ),
    "binder": (
        "Binder ouvre une copie temporaire : téléchargez votre travail avant de fermer l'onglet."
    ),
}


class TdLaunch(SphinxDirective):
    """Launch links for one TD notebook, or nothing when the course has no launch service."""

    required_arguments = 1
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        slug = self.arguments[0]
        urls = launch_urls(self.env.config.html_theme_options or {}, slug)
        if not urls:
            return []
        intro = nodes.paragraph(text="Vous pouvez aussi l'ouvrir directement en ligne :")
        para = nodes.paragraph(classes=["td-lancement"])
        for i, (_service, label, url) in enumerate(urls):
            if i:
                para += nodes.Text(" ")
            ref = nodes.reference("", "", refuri=url, classes=["td-bouton"])
            ref += nodes.Text(label)
            para += ref
        notes = nodes.paragraph(text=" ".join(SERVICE_NOTES[service] for service, _, _ in urls))
        return [intro, para, notes]


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


# Theme assets that point at a CDN (Thebe's loader): the offline book drops them.
ONLINE_ASSETS = ("sphinx-thebe.js", "sphinx-thebe.css", "THEBE_JS_URL")


def drop_online_assets(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files:
            context[key] = [
                f
                for f in files
                if not any(
                    a in str(getattr(f, "filename", f) or "")
                    or a in str(getattr(f, "attributes", {}).get("body", ""))
                    for a in ONLINE_ASSETS
                )
            ]


# The theme also loads Font Awesome's SVG script (1.5 MB, every icon there is) although its
# stylesheet already draws the same icons with the local web font: drop the script.
FONTAWESOME_SCRIPT = re.compile(
    r'\s*<script[^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*></script>'
)


def drop_fontawesome_script(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        lighter = FONTAWESOME_SCRIPT.sub("", html)
        if lighter != html:
            page.write_text(lighter, encoding="utf-8")


def record_addresses(app, config) -> None:
    """Keep only configured buttons; a change of address re-reads every page (TD links)."""
    keep_configured_buttons(app, config)
    config.parcours_adresses = course_addresses(config.html_theme_options)


def setup(app):
    app.add_config_value("parcours_adresses", {}, "env")
    app.connect("config-inited", record_addresses, priority=100)
    app.connect("html-page-context", french_header_buttons, priority=600)
    app.connect("html-page-context", drop_online_assets, priority=900)
    app.connect("build-finished", drop_fontawesome_script)
    app.add_directive("td-lancement", TdLaunch)
    app.add_css_file("parcours.css")
    app.add_js_file("parcours.js", priority=800)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
