"""« Vérifier ma copie »: the JupyterHub service that grades a student's saved notebook now.

The student's kernel (:func:`parcours.notebook.verifier.verifier`) posts the saved notebook with
the user's hub token; the service authenticates it through the hub (``HubOAuth``: the author is
the hub user, never a name in the request), grades it with the engine of ``parcours corriger``
(:class:`parcours.grading.instant.InstantGrader`: sandbox, trusted checks, the author's data) and
answers with the points per question and the messages a feedback page may show
(:func:`parcours.term.feedback.shown_message`) — never hidden test code, computed values or
tracebacks. Nothing goes to the gradebook: a verification is never a grade.

Limits (course config, ``nbgrader_config.py``)::

    c.VerificationService.attempts_per_day = 5   # per student and TD, over the last 24 hours
    c.VerificationService.concurrent = 2         # gradings at once (warm workers)

Every verification is logged in ``verifications.csv`` (who, when, TD, score) for the teacher.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from parcours.term.course import config_assignments
from parcours.term.wording import plural

LOG_NAME = "verifications.csv"
LOG_HEADER = ["date", "etudiant", "td", "points", "sur", "duree_s"]
DEFAULTS = {"attempts_per_day": 5, "concurrent": 2}
MAX_BYTES = 20 * 1024**2
WINDOW = timedelta(hours=24)
NOTICE = (
    "Vérification indicative : ce n'est pas la note. La note est celle de la correction par "
    "l'enseignant, sur la copie rendue."
)


def read_limits(config_file: Path) -> dict:
    """Literal ``c.VerificationService.<key> = value`` of the course config, read without running it."""
    found = dict(DEFAULTS)
    try:
        assigned = config_assignments(config_file, "VerificationService")
    except ValueError:
        return found
    for key, value in assigned.items():
        if (
            key in DEFAULTS
            and isinstance(value, ast.Constant)
            and type(value.value) is int
            and value.value >= 1
        ):
            found[key] = value.value
    return found


def _when(moment: datetime) -> str:
    return moment.strftime("le %d/%m/%Y à %H:%M")


class AttemptLog:
    """``verifications.csv`` in the course folder: one line per finished verification."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def attempts(self, student: str, td: str, since: datetime) -> list[datetime]:
        try:
            with self.path.open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f, delimiter=";"))
        except OSError:
            return []
        found = []
        for row in rows:
            if row.get("etudiant") != student or row.get("td") != td:
                continue
            try:
                moment = datetime.fromisoformat(row.get("date", ""))
            except ValueError:
                continue
            if moment >= since:
                found.append(moment)
        return sorted(found)

    def add(self, moment: datetime, student: str, td: str, points, max_points, duration) -> None:
        with self._lock:
            new = not self.path.exists()
            with self.path.open("a", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, delimiter=";")
                if new:
                    writer.writerow(LOG_HEADER)
                writer.writerow(
                    [
                        moment.isoformat(timespec="seconds"),
                        student,
                        td,
                        points,
                        max_points,
                        duration,
                    ]
                )


@dataclass
class Refused(Exception):
    """An attempt over the limit: the French message says when the next one is allowed."""

    message: str
    next_at: datetime


class Verifier:
    """Limits, grading, filtering and the log; what the HTTP handler calls."""

    def __init__(
        self,
        root: Path | str,
        *,
        attempts_per_day: int | None = None,
        concurrent: int | None = None,
        isolation: bool = True,
        now=datetime.now,
    ) -> None:
        from parcours.grading.instant import InstantGrader

        self.root = Path(root).resolve()
        own = self.root / "nbgrader_config.py"
        limits = read_limits(own) if own.is_file() else dict(DEFAULTS)
        self.attempts_per_day = attempts_per_day or limits["attempts_per_day"]
        self.concurrent = concurrent or limits["concurrent"]
        self.now = now
        self.log = AttemptLog(self.root / LOG_NAME)
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str], int] = {}
        self.grader = InstantGrader(self.root, workers=self.concurrent, isolation=isolation)

    def start(self) -> Verifier:
        self.grader.start()
        return self

    def close(self) -> None:
        self.grader.close()

    def tds(self) -> list[str]:
        base = self.root / "solutions"
        return sorted(p.name for p in base.iterdir() if (p / f"{p.name}.ipynb").is_file())

    def _reserve(self, student: str, td: str) -> None:
        now = self.now()
        with self._lock:
            done = self.log.attempts(student, td, now - WINDOW)
            running = self._running.get((student, td), 0)
            if len(done) + running >= self.attempts_per_day:
                if done and len(done) >= self.attempts_per_day:
                    next_at = done[len(done) - self.attempts_per_day] + WINDOW
                    when = f"Prochaine vérification possible {_when(next_at)}."
                else:
                    next_at = now
                    when = "Une vérification est déjà en cours : attendez son résultat."
                raise Refused(
                    f"Vous avez utilisé vos {self.attempts_per_day} vérifications de {td} sur "
                    f"24 heures. {when}",
                    next_at,
                )
            self._running[(student, td)] = running + 1

    def _release(self, student: str, td: str) -> None:
        with self._lock:
            left = self._running.get((student, td), 1) - 1
            if left:
                self._running[(student, td)] = left
            else:
                self._running.pop((student, td), None)

    def verify(self, student: str, td: str, notebook: bytes) -> dict:
        """The answer for ``student``'s copy of ``td`` (JSON-able, French, safe to show)."""
        from parcours.grading.instant import InstantError

        if td not in self.tds():
            raise ValueError(f"TD inconnu : « {td[:80]} ».")
        if len(notebook) > MAX_BYTES:
            raise ValueError("Notebook trop volumineux pour être vérifié (plus de 20 Mo).")
        try:
            json.loads(notebook)
        except ValueError:
            raise ValueError("Ce fichier n'est pas un notebook lisible.") from None
        self._reserve(student, td)
        try:
            result = self.grader.grade(student, td, notebook)
        except InstantError as exc:
            raise ValueError(str(exc)) from None
        finally:
            self._release(student, td)
        moment = self.now()
        self.log.add(
            moment, student, td, result.score, result.max_score, round(result.duration_s, 2)
        )
        used = len(self.log.attempts(student, td, moment - WINDOW))
        return self.answer(result, left=max(0, self.attempts_per_day - used))

    def answer(self, result, *, left: int) -> dict:
        import nbformat

        from parcours.term.feedback import question_label, shown_message

        source = nbformat.read(self.grader.source(result.td), as_version=4)
        sources = {
            (c.metadata.get("nbgrader") or {}).get("grade_id"): c.source for c in source.cells
        }
        questions = []
        for gid, q in result.questions.items():
            if q.kind == "markdown":
                questions.append(
                    {
                        "question": question_label(gid, result.td),
                        "points": None,
                        "sur": q.max,
                        "message": "Réponse rédigée : notée par l'enseignant ou l'enseignante.",
                    }
                )
                continue
            questions.append(
                {
                    "question": question_label(gid, result.td),
                    "points": q.points,
                    "sur": q.max,
                    "message": shown_message(
                        q.points or 0.0, q.max, q.message, sources.get(gid, "")
                    ),
                }
            )
        failure = None
        if result.failure:
            code = result.failure.get("code")
            failure = FAILURES.get(code, FAILURES["noyau_mort"])
        return {
            "td": result.td,
            "etudiant": result.student,
            "points": result.score,
            "sur": result.max_score,
            "questions": questions,
            "probleme": failure,
            "essais_restants": left,
            "avertissement": NOTICE,
        }


# Fixed texts only: a failure's own message may quote the submission.
FAILURES = {
    "delai": "Le notebook a mis trop de temps à s'exécuter : cherchez une boucle sans fin.",
    "memoire": "Le notebook utilise trop de mémoire.",
    "noyau_mort": "Le noyau Python s'est arrêté pendant la vérification.",
    "fraude": "Des cellules verrouillées du sujet ont été modifiées : repartez du sujet distribué.",
    "notebook_invalide": "Ce notebook n'est pas lisible : enregistrez-le à nouveau.",
    "sortie": "Le notebook affiche trop de texte : retirez les grands affichages.",
    "noyau_demarrage": "Le noyau Python n'a pas pu démarrer : réessayez dans quelques minutes.",
    "correcteur_arrete": "La vérification s'est arrêtée : réessayez dans quelques minutes.",
    "erreur_interne": (
        "Erreur interne du correcteur, pas de votre copie : réessayez dans quelques minutes."
    ),
    "sujet_introuvable": "Ce TD n'est pas encore disponible pour la vérification.",
}


def make_app(verifier: Verifier, *, prefix: str = "/"):
    """The tornado application: the hub user is the author."""
    from tornado import web

    class VerifyHandler(web.RequestHandler):
        def check_xsrf_cookie(self):  # token-authenticated API, no cookie
            return None

        async def post(self):
            from tornado.ioloop import IOLoop

            user = self.current_user
            if not user:
                raise web.HTTPError(403)
            student = user["name"] if isinstance(user, dict) else str(user)
            try:
                body = json.loads(self.request.body or b"{}")
                td = str(body.get("td", ""))
                notebook = json.dumps(body["notebook"]).encode("utf-8")
            except (ValueError, KeyError, TypeError):
                return self._error(400, "Requête invalide : notebook attendu.")
            try:
                answer = await IOLoop.current().run_in_executor(
                    None, verifier.verify, student, td, notebook
                )
            except Refused as exc:
                self.set_status(429)
                return self.finish(
                    {"erreur": exc.message, "prochain_essai": exc.next_at.isoformat("T", "minutes")}
                )
            except ValueError as exc:
                return self._error(400, str(exc))
            self.finish(answer)

        def _error(self, status: int, message: str):
            self.set_status(status)
            self.finish({"erreur": message})

        def write_error(self, status_code, **kwargs):
            self.finish({"erreur": f"Erreur du service de vérification ({status_code})."})

    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated

    class HubVerifyHandler(HubOAuthenticated, VerifyHandler):
        pass

    handlers = [
        (prefix + "api/verifier", HubVerifyHandler),
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
    ]
    from jupyterhub.services.auth import HubOAuth

    return web.Application(
        handlers, hub_auth=HubOAuth(cache_max_age=60), cookie_secret=os.urandom(32)
    )


def serve(root: Path, *, isolation: bool = True, attempts_per_day=None, concurrent=None) -> int:
    """Run as a hub-managed service: port and prefix from the hub's environment."""
    from urllib.parse import urlparse

    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if not url or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise ValueError(
            "Ce service est lancé par JupyterHub (variables JUPYTERHUB_SERVICE_URL et "
            "JUPYTERHUB_API_TOKEN absentes) : déclarez-le dans jupyterhub_config.py "
            "(voir deploy/jupyterhub_config.py)."
        )
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/parcours-verifier/")
    verifier = Verifier(
        root, isolation=isolation, attempts_per_day=attempts_per_day, concurrent=concurrent
    ).start()
    app = make_app(verifier, prefix=prefix)
    parsed = urlparse(url)
    server = HTTPServer(app, xheaders=True)
    server.listen(parsed.port or 80, parsed.hostname or "127.0.0.1")
    print(
        f"Service « Vérifier ma copie » prêt sur {url} ({plural(verifier.concurrent, 'correction')} à la "
        f"fois, {plural(verifier.attempts_per_day, 'essai')} par TD et par 24 heures).",
        flush=True,
    )
    try:
        IOLoop.current().start()
    finally:
        verifier.close()
    return 0
