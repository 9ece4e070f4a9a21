"""A class on a real JupyterHub: release, fetch, answer, « Vérifier ma copie », submit, grade,
feedback.

The hub runs ``deploy/jupyterhub_config.py`` itself (PAM logins, configurable-http-proxy, the
verification service the hub starts) on 127.0.0.1, with a teacher and three students created
as system users (needs root; skipped otherwise, with a French reason).

Each student works in Chromium, in a browser context of their own: the hub's login form,
JupyterLab, nbgrader's Assignments tab (Fetch), the fetched notebook (one answer typed in its
editor, their other answers saved beforehand through the contents API), every cell run,
*Validate*, save, Submit. hubanais's copy is full, hubloic's partial, hubines's has typical
mistakes: Validate says the first passes, and lists the failed checks of the other two (never a
hidden test). Every student's notebook kernel also runs code over a websocket, with a token of
their hub session: their own data, reading other folders, ``parcours.verifier()``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests
import termclass as tc
from navigateur import (  # noqa: F401 - fixture
    DESKTOP,
    LAB_SETTINGS,
    cell_output,
    navigateur,
    notebook_cell,
    type_answer,
    wait_for_cells_run,
)

pytestmark = [
    pytest.mark.lent,
    pytest.mark.xdist_group("hub"),
]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TD = tc.TD
COURSE_ID = "suivi_parcours_client"
TEACHER = "hubprof"
STUDENTS = {"hubanais": "full", "hubloic": "partial", "hubines": "mistake"}
PASSWORD = "Mot-de-passe-7x!"
SECRET = "secret-du-cours-hub"
TYPED = "td03_q01_taux_reponse_reponse"  # the answer they type in the notebook's editor
# what nbgrader's Validate dialog says, for each kind of copy
VALIDATED = {
    "full": "Success! Your notebook passes all the tests.",
    "partial": "Pas encore de réponse",  # the checks of the questions left unanswered
    "mistake": "Vérification non réussie : csat",  # the CSAT as the mean of the marks
}
SHOTS = Path("/tmp")


def _skip_reason() -> str:
    if os.geteuid() != 0:
        return "ce test crée des comptes système : lancez-le en root (comme la CI)."
    if not (BIN / "configurable-http-proxy").exists() and not shutil.which(
        "configurable-http-proxy"
    ):
        return (
            "configurable-http-proxy est absent : « make hub » l'installe dans .venv "
            "(il faut npm : sudo apt-get install nodejs npm)."
        )
    if not shutil.which("useradd"):
        return "useradd est absent."
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub est absent : lancez « make install »."
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def _parcours(*args, cwd):
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PARCOURS_SECRET": SECRET}
    return subprocess.run(
        [str(BIN / "parcours"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


class Hub:
    def __init__(self, url: str) -> None:
        self.url = url
        self.students: list[Student] = []

    def close(self) -> None:
        for student in self.students:
            student.http.close()

    def student(self, user: str, token: str):
        student = Student(self, user, token)
        self.students.append(student)
        return student


class Student:
    def __init__(self, hub: Hub, name: str, token: str) -> None:
        self.hub, self.name, self.token = hub, name, token
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"
        self.base = f"{hub.url}user/{name}/"

    def action(self, action: str, **data):
        r = self.http.post(
            f"{self.base}assignments/{action}",
            json={"course_id": COURSE_ID, "assignment_id": TD, **data},
            timeout=300,
        )
        assert r.ok, (action, r.status_code, r.text)
        answer = r.json()
        assert answer.get("success"), (action, answer)
        return answer.get("value", answer)

    def contents(self, path: str):
        # a notebook being written (a save just acknowledged) reads as 400 for a moment
        deadline = time.monotonic() + 20
        while True:
            r = self.http.get(f"{self.base}api/contents/{path}", timeout=30)
            if r.status_code != 400 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.ok, (path, r.status_code)
        return r.json()

    def save(self, path: str, nb: dict) -> None:
        r = self.http.put(
            f"{self.base}api/contents/{path}",
            json={"type": "notebook", "format": "json", "content": nb},
            timeout=30,
        )
        assert r.ok, (path, r.status_code, r.text)

    def execute(self, kernel: str, code: str, timeout: float = 240, history: bool = True) -> str:
        """Run ``code`` in the kernel; its stdout and errors as text.

        ``history=False`` leaves the kernel's execution count as it is (the count
        ``parcours.verifier()`` compares with the saved notebook's).
        """
        # a thread of its own: Playwright's sync API (the browser's fixture, in this very test or
        # earlier in this xdist worker) keeps an event loop running in the main thread
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._execute(kernel, code, timeout, history)).result()

    async def _execute(self, kernel: str, code: str, timeout: float, history: bool) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = self.base.replace("http://", "ws://") + f"api/kernels/{kernel}/channels"
        ws = await websocket_connect(
            HTTPRequest(url, headers={"Authorization": f"token {self.token}"})
        )
        msg_id = uuid.uuid4().hex
        ws.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": code, "silent": False, "store_history": history},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
            if raw is None:
                break
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        # wait for the server's closing frame: the connection is then closed, not left to the GC
        ws.close()
        try:
            while await asyncio.wait_for(ws.read_message(), 10) is not None:
                pass
        except TimeoutError:
            pass
        return "".join(out)


def _code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _student_python(tmp: Path) -> str:
    """A Python the students' accounts may run, with the project's packages.

    This machine's interpreter lives under /root (closed to other accounts): the students'
    servers run Debian's python3.11 (same ABI) on the project's own site-packages.
    """
    import site
    import sysconfig

    if os.access(sys.executable, os.X_OK) and Path(sys.executable).resolve().is_relative_to("/usr"):
        return sys.executable
    system = "/usr/bin/python3.11" if os.access("/usr/bin/python3.11", os.X_OK) else None
    if not system or not Path(system).resolve().is_relative_to("/usr"):
        pytest.skip(
            "python3.11 du système absent : les comptes étudiants ne peuvent pas lancer Python."
        )
    venv = tmp / "python"
    _run(system, "-m", "venv", "--without-pip", str(venv))
    packages = sysconfig.get_paths()["purelib"]
    lib = next((venv / "lib").glob("python3.*")) / "site-packages"
    (lib / "parcours_projet.pth").write_text(f"import site; site.addsitedir({packages!r})\n")
    assert site  # noqa: S101 - imported for the reader: addsitedir reads the .pth files there
    kernel = venv / "share" / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    spec = {
        "argv": [
            str(venv / "bin" / "python"),
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ],
        "display_name": "Python 3",
        "language": "python",
    }
    (kernel / "kernel.json").write_text(json.dumps(spec))
    return str(venv / "bin" / "python")


def _answered(typing: Path, member, members, fetched: dict) -> dict:
    """The student's answers (the offline fixtures' code) in the copy they fetched."""
    released = typing / "exercises" / TD / f"{TD}.ipynb"
    released.parent.mkdir(parents=True, exist_ok=True)
    released.write_text(json.dumps(fetched, ensure_ascii=False), encoding="utf-8")
    return json.loads(tc.submission(typing, member, members))


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _own_data(name: str, setup: str) -> None:
    assert f"« {name} »" in setup, setup
    # their data: not another student's
    other = next(s for s in STUDENTS if s != name)
    assert f"« {other} »" not in setup, setup


def _cannot_read_others(st: Student, kernel: str, course: Path, history: bool = True) -> None:
    other = next(s for s in STUDENTS if s != st.name)
    probe = st.execute(
        kernel,
        "import os\n"
        f"for p in ('/home/{other}', '{course}', '{course}/solutions'):\n"
        "    try:\n"
        "        os.listdir(p); print('LU', p)\n"
        "    except PermissionError:\n"
        "        print('REFUS', p)\n",
        history=history,
    )
    assert "LU" not in probe and probe.count("REFUS") == 3, probe


def _verified_points(verified: str) -> float:
    assert f"Vérification de {TD}" in verified, verified
    assert tc.CANARY not in verified and "Traceback" not in verified
    found = re.search(r"Vérification de \S+ : ([\d,]+) / 16", verified)
    return float(found[1].replace(",", "."))


def _prepare_lab(user: str) -> None:
    """A student's JupyterLab settings, in their home before their server starts.

    The page helpers read the app's model (``window.jupyterapp``); no autosave, so that the file
    on disk changes only when the student saves (« Vérifier ma copie » compares it with the
    kernel); every cell in the page; no news pop-up.
    """
    config = Path(f"/home/{user}/.jupyter")
    settings = {
        **LAB_SETTINGS,
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for name, values in settings.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"LabApp": {"expose_app_in_browser": True}}), encoding="utf-8"
    )
    _run("chown", "-R", f"{user}:{user}", str(config))


def _shot(page, name: str, step: str) -> None:
    page.screenshot(path=str(SHOTS / f"hub-{name}-{step}.png"))


def _menu(page, menu: str, item: str) -> None:
    """A JupyterLab menu's item, by their labels (French, nbgrader's in English)."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text(menu, exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()


def _log_in(browser, hub: Hub, name: str):
    """The hub's login form, in a browser context of their own (cookies apart); their server
    starts on it. Returns the page, while the hub still starts the server."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    try:
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.goto(f"{hub.url}hub/login")
        page.get_by_label("Username:").fill(name)
        page.get_by_label("Password:").fill(PASSWORD)
        _shot(page, name, "1-connexion")
        page.get_by_role("button", name="Sign in").click()
    except BaseException:
        context.close()
        raise
    return page


def _validated(page, name: str, kind: str) -> None:
    """nbgrader's Validate button: it saves the notebook, validates it, says how it went."""
    from playwright.sync_api import expect

    page.locator(".validate-button").click()
    dialog = page.locator(".jp-Dialog")
    expect(
        dialog, f"Validate ne donne pas le résultat attendu pour la copie de {name}"
    ).to_contain_text(VALIDATED[kind], timeout=240_000)
    said = dialog.inner_text()
    if kind == "full":
        expect(dialog.locator(".validation-success")).to_have_count(1)
    else:
        # nbgrader's failure dialog: each failed check, its source and its message
        expect(
            dialog.locator(".validation-failed"), f"Validate ne signale pas d'échec : {said}"
        ).to_have_count(1)
        assert "The following cell failed:" in said and "Success!" not in said, said
    # the student's copy has no hidden test: none of their code or messages can show
    for hidden in (tc.CANARY, "BEGIN HIDDEN", "_attendu", "_charger"):
        assert hidden not in said, f"Validate montre un test caché ({hidden}) : {said}"
    _shot(page, name, "4-validation")
    dialog.get_by_role("button").last.click()
    expect(dialog).to_have_count(0)


def _student_in_chromium(page, hub: Hub, member, members, typing, published, course):
    """In Chromium, once logged in: the Assignments tab, the notebook, Validate, Submit.

    Returns the student (their REST session, for the kernel-level checks and the feedback) and
    the points « Vérifier ma copie » gave.
    """
    from playwright.sync_api import expect

    name, path, context = member.id, f"{TD}/{TD}.ipynb", page.context
    # the hub starts their server, then opens JupyterLab
    page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
    _menu(page, "Nbgrader", "Assignment List")
    released = page.locator("#released_assignments_list > .list_item", has_text=TD)
    released.get_by_role("button", name="Fetch").click()
    row = page.locator("#fetched_assignments_list > .list_item", has_text=TD)
    expect(
        row.get_by_role("button", name="Submit"), f"le TD récupéré par {name} n'est pas listé"
    ).to_be_visible()
    _shot(page, name, "2-devoirs")

    # a token from their browser's hub session: the contents API, the kernel-level checks
    xsrf = next(c["value"] for c in context.cookies(f"{hub.url}hub/") if c["name"] == "_xsrf")
    r = context.request.post(
        f"{hub.url}hub/api/users/{name}/tokens",
        data={"note": "test", "expires_in": 3600},
        headers={"X-XSRFToken": xsrf},
    )
    assert r.ok, (r.status, r.text())
    st = hub.student(name, r.json()["token"])
    fetched = st.contents(path)["content"]
    # the copy fetched in the Assignments tab is the TD the teacher published
    assert _code_cells(fetched) == _code_cells(published)
    answered = _answered(typing, member, members, fetched)
    # one answer typed in its editor; the others saved before the notebook opens
    prefilled = json.loads(json.dumps(answered))
    typed = "".join(next(c for c in answered["cells"] if _grade_id(c) == TYPED)["source"])
    blank = next(c for c in fetched["cells"] if _grade_id(c) == TYPED)
    next(c for c in prefilled["cells"] if _grade_id(c) == TYPED)["source"] = blank["source"]
    st.save(path, prefilled)

    row.locator("a.assignment-notebooks-link").click()
    row.locator(".assignment-notebooks .item_name a").click()
    page.wait_for_function(
        """() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel
             ?.status === "idle" """,
        timeout=120_000,
    )
    type_answer(page, TYPED, typed)
    # run all: it stops at the first cell in error (an unanswered question, a failed check)
    _menu(page, "Exécution", "Exécuter toutes les cellules")
    wait_for_cells_run(page)
    _own_data(name, cell_output(page, "td03_preparation"))
    shown = cell_output(page, TYPED)
    # the typed answer ran: its result (when the answer prints it), no error
    printed = "Taux de réponse :" in typed
    assert ("Taux de réponse :" in shown) == printed and "Error" not in shown, (
        f"la réponse tapée par {name} n'affiche pas ce qu'elle doit : {shown!r}"
    )
    notebook_cell(page, TYPED).scroll_into_view_if_needed()
    _shot(page, name, "3-notebook")

    # the notebook's own kernel, without changing its execution count
    kernel = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id"
    )
    _cannot_read_others(st, kernel, course, history=False)
    unsaved = st.execute(kernel, "import parcours\nparcours.verifier()", history=False)
    assert "Enregistrez d'abord votre notebook" in unsaved, unsaved

    _validated(page, name, member.kind)
    points = _verified_points(st.execute(kernel, "parcours.verifier()", history=False))
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
    )
    saved = st.contents(path)["content"]
    cell = next(c for c in saved["cells"] if _grade_id(c) == TYPED)
    assert "".join(cell["source"]) == typed, (
        f"la réponse tapée par {name} n'est pas dans le fichier"
    )
    assert cell["execution_count"], "le fichier enregistré n'a pas les cellules exécutées"

    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    row.get_by_role("button", name="Submit").click()
    done = page.locator("#submitted_assignments_list > .list_item", has_text=TD)
    expect(
        done, f"le TD rendu par {name} n'apparaît pas dans « Submitted assignments »"
    ).to_be_visible(timeout=120_000)
    _shot(page, name, "5-rendu")
    return st, points


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    why = _skip_reason()
    if why:
        pytest.skip(why)
    users = [TEACHER, *STUDENTS]
    for user in users:
        subprocess.run(["userdel", "-r", user], capture_output=True)
        _run("useradd", "-m", "-s", "/bin/bash", user)
        os.chmod(f"/home/{user}", 0o700)
    _run("chpasswd", input="".join(f"{u}:{PASSWORD}\n" for u in users))
    # pytest's own temporary folder is closed to other users: the exchange must be reachable
    tmp = Path(tempfile.mkdtemp(prefix="parcours-hub-"))
    tmp.chmod(0o755)
    # the teacher's course folder, in their home, closed to others
    course = Path(f"/home/{TEACHER}/cours")
    work = tmp / "build"
    work.mkdir()
    built = tc.make_course(work)  # q01's hidden test carries the canary
    shutil.copytree(built, course)
    exchange = tmp / "echange"
    shutil.copytree(work / "echange", exchange)
    exchange.chmod(0o777)
    config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    config = config.replace(str(work / "echange"), str(exchange))
    (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    members = "".join(f"{s};Nom{i};Prénom{i};{s}@exemple.fr;G1\n" for i, s in enumerate(STUDENTS))
    (tmp / "classe.csv").write_text(
        "Identifiant;Nom;Prénom;Adresse de courriel;Groupe\n" + members, encoding="utf-8"
    )
    runtime = tmp / "hub"
    runtime.mkdir()
    python = _student_python(tmp)
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PARCOURS_COURS": str(course),
        "PARCOURS_ECHANGE": str(exchange),
        "PARCOURS_ESPACE": str(runtime),
        "PARCOURS_SECRET": SECRET,
        "PARCOURS_ENSEIGNANTS": TEACHER,
        "PARCOURS_ETUDIANTS": ",".join(STUDENTS),
        "PARCOURS_HUB_PORT": str(port),
        "PARCOURS_PYTHON": python,
        "PARCOURS_VERIFIER_PORT": str(_free_port()),
    }
    env.pop("JUPYTERHUB_API_TOKEN", None)
    log = (runtime / "hub.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "jupyterhub"), "-f", str(ROOT / "deploy" / "jupyterhub_config.py")],
        cwd=runtime,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    hub = Hub(url)
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}hub/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, (runtime / "hub.log").read_text()
            time.sleep(0.5)
        # the verification service is up when it answers (401 without a token)
        for _ in range(120):
            try:
                r = requests.post(f"{url}services/parcours-verifier/api/verifier", timeout=2)
                if r.status_code in (401, 403):
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        yield {"hub": hub, "course": course, "exchange": exchange, "tmp": tmp, "log": runtime}
    finally:
        hub.close()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        subprocess.run(["pkill", "-u", ",".join(STUDENTS)], capture_output=True)
        time.sleep(1)
        for user in users:
            subprocess.run(["userdel", "-r", user], capture_output=True)
        # the hub's log stays in pytest's temporary folder, for a failure's diagnosis
        shutil.copy2(runtime / "hub.log", tmp_path_factory.mktemp("journal") / "hub.log")
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_class_on_the_hub(hub, navigateur):  # noqa: F811 - fixture
    course, tmp = hub["course"], hub["tmp"]
    out = _parcours("etudiants", "importer", str(tmp / "classe.csv"), cwd=course)
    assert out.returncode == 0, out.stderr
    out = _parcours("publier", TD, "--echange", cwd=course)
    assert out.returncode == 0, out.stdout + out.stderr
    shutil.chown(course, TEACHER, TEACHER)
    course.chmod(0o700)
    # what the students type: the answer code of the offline fixtures, into the copy they fetched
    typing = tmp / "saisie"
    shutil.copytree(course / "solutions", typing / "solutions")
    published = json.loads((course / "exercises" / TD / f"{TD}.ipynb").read_text("utf-8"))

    members = [tc.Member(s, "Nom", "Prénom", "", "G1", k, 1) for s, k in STUDENTS.items()]
    by_id = {m.id: m for m in members}
    for name in STUDENTS:
        _prepare_lab(name)
    students, answers, pages = {}, {}, {}
    try:
        # the students log in one after the other: their servers start side by side
        for name in STUDENTS:
            pages[name] = _log_in(navigateur, hub["hub"], name)
        # then each does the TD in their own browser context
        for name, page in pages.items():
            students[name], answers[name] = _student_in_chromium(
                page, hub["hub"], by_id[name], members, typing, published, course
            )
    finally:
        for page in pages.values():
            page.context.close()

    # the teacher collects from the exchange, grades, writes and releases the feedback
    for step in (
        ("collecter", TD, "--depuis", "echange"),
        ("corriger", TD, "--travailleurs", "2"),
        ("retours", TD),
    ):
        out = _parcours(*step, cwd=course)
        assert out.returncode == 0, (step, out.stdout, out.stderr)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    out = subprocess.run(
        [str(BIN / "nbgrader"), "release_feedback", TD],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = {s: gb.find_submission(TD, s).score for s in STUDENTS}
    # the grades equal what the same notebooks score offline
    offline = tmp / "horsligne"
    offline.mkdir()
    for folder in ("solutions", "nbgrader_config.py"):
        src = course / folder
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, offline / folder)
    for s in STUDENTS:
        dest = offline / "submitted" / s / TD
        dest.mkdir(parents=True)
        shutil.copy2(course / "submitted" / s / TD / f"{TD}.ipynb", dest / f"{TD}.ipynb")
    from parcours.grading.batch import grade_batch
    from parcours.grading.config import _env

    os.environ["PARCOURS_SECRET"] = SECRET
    try:
        with _env():
            batch = grade_batch(TD, root=offline, workers=2, force=True)
    finally:
        os.environ.pop("PARCOURS_SECRET")
    assert grades == {s: batch.results[s].score for s in STUDENTS}
    assert grades["hubanais"] == 16 and 0 < grades["hubloic"] < 16 and 0 < grades["hubines"] < 16
    # « Vérifier ma copie » said the same points (the manual question apart)
    assert answers == grades

    for name, st in students.items():
        st.action("fetch_feedback")
        listing = st.contents(f"{TD}/feedback")["content"]
        assert len(listing) == 1, listing
        page = st.contents(f"{listing[0]['path']}/{TD}.html")["content"]
        assert name in page and f"{grades[name]:g}".replace(".", ",") in page
        for other in STUDENTS.keys() - {name}:
            assert other not in page
        assert tc.CANARY not in page and "BEGIN HIDDEN" not in page and "_attendu" not in page
    # the teacher's log of verifications: one line per student
    log = (course / "verifications.csv").read_text(encoding="utf-8")
    assert all(f";{s};{TD};" in log for s in STUDENTS)
    assert pwd.getpwnam(TEACHER)
