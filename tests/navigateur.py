"""Shared browser fixtures: the system Chromium driven by Playwright, and local HTTP servers.

Playwright never downloads a browser here: it drives the Debian package's ``/usr/bin/chromium``
(installed by ``make test`` when run as root). Without it, or without Playwright, the browser tests
are skipped with a French reason. One browser per test session; each test opens its own context.

The JupyterLab helpers (a cell by its nbgrader grade_id, typing an answer, running every cell)
read the app's model: the server must run with ``LabApp.expose_app_in_browser``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from livre import HTML, ROOT, toc_pages  # noqa: F401 - re-exported for the browser tests

CAPTURES = ROOT / "_build" / "captures"
CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SANS_CHROMIUM = (
    "Chromium est absent ({chemin}) : les tests dans le navigateur sont ignorés. Installez les "
    "paquets Debian « chromium » et « chromium-driver » (« make test » le fait quand il est lancé "
    "en root, sinon : sudo apt-get install chromium chromium-driver)."
)
SANS_PLAYWRIGHT = (
    "Le module Python playwright est absent : lancez « make install » (dépendances de "
    "développement) pour les tests dans le navigateur."
)
SANS_LIVRE = "Le livre n'est pas construit ({chemin} manque) : lancez « make book » d'abord."
LOCAL_HOSTS = {"127.0.0.1"}
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
LAB_SETTINGS = {
    # Every cell in the page (no virtual scrolling), no news pop-up, no update check.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - signature of the base class
        pass


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (random free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_or_skip() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(SANS_CHROMIUM.format(chemin=CHROMIUM))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(SANS_PLAYWRIGHT)


def _forget_stale_event_loop() -> None:
    """Drop an event loop left marked as running in this thread by earlier in-process Jupyter code.

    Synchronous test code cannot be inside a running loop, yet after some in-process notebook
    executions (nest-asyncio2 patches asyncio) the thread can stay marked as running one, and
    Playwright's sync API then refuses to start.
    """
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def navigateur(tmp_path_factory):
    """The system Chromium, headless, with a fresh profile (one per test session)."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    _forget_stale_event_loop()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            downloads_path=str(tmp_path_factory.mktemp("telechargements")),
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def livre() -> Iterator[str]:
    """Base URL of the built book served on 127.0.0.1."""
    if not (HTML / "index.html").is_file():
        pytest.skip(SANS_LIVRE.format(chemin=HTML / "index.html"))
    with static_server(HTML) as url:
        yield url


@dataclass
class Journal:
    """What a page did while loading: console errors, failed and non-local requests."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def watch(self, page) -> Journal:
        def on_console(msg) -> None:
            if msg.type == "error":
                self.console_errors.append(msg.text)

        def on_request(request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
                self.outside.append(request.url)

        def on_response(response) -> None:
            if response.status >= 400:
                self.failed.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.on("request", on_request)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.failure} {r.url}"))
        page.on("response", on_response)
        return self


def block_outside(context) -> None:
    """Abort any request that would leave 127.0.0.1 (it is still recorded by a Journal)."""

    def handle(route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", handle)


def notebook_cell(page, grade_id: str):
    """The notebook cell whose nbgrader grade_id is ``grade_id`` (found through the app model)."""
    found = page.evaluate(
        """(gid) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          const cell = nb.widgets.find(
            (c) => (c.model.getMetadata("nbgrader") || {}).grade_id === gid);
          if (cell) cell.node.dataset.gradeId = gid;
          return Boolean(cell);
        }""",
        grade_id,
    )
    assert found, grade_id
    return page.locator(f".jp-Cell[data-grade-id='{grade_id}']")


def cell_output(page, grade_id: str) -> str:
    return notebook_cell(page, grade_id).locator(".jp-OutputArea").inner_text()


def type_answer(page, grade_id: str, code: str) -> None:
    """Replace the content of an answer cell by typing in its editor, as a student does."""
    editor = notebook_cell(page, grade_id).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)
    page.keyboard.press("Escape")  # back to command mode


def run_all_cells(page) -> None:
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for_cells_run(page)


def wait_for_cells_run(page) -> None:
    """Until the notebook's kernel is idle and no cell waits to run (no « [*] » prompt)."""
    page.wait_for_timeout(1000)
    page.wait_for_function(
        """() => {
          const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;
          return kernel && kernel.status === "idle"
            && ![...document.querySelectorAll(".jp-InputPrompt")]
                 .some((p) => p.textContent.includes("*"));
        }""",
        timeout=120_000,
        polling=500,
    )
