"""``parcours.verifier()``: « Vérifier ma copie » from the student's notebook, on the hub.

Finds the notebook this kernel runs (``JPY_SESSION_NAME``, set by Jupyter Server), asks the
student to save it when cells ran after the last save, posts the saved file to the course's
verification service with the user's hub token (``JUPYTERHUB_API_TOKEN``) and prints the answer
in French. Off the hub it says that the check exists on the hub only. Standard library only: it
runs in the student's kernel.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

SERVICE = "parcours-verifier"
OFF_HUB = (
    "« Vérifier ma copie » n'est disponible que sur le JupyterHub du cours. Ici, relisez les "
    "messages des cellules de vérification, puis rendez votre notebook comme indiqué par votre "
    "enseignant ou enseignante."
)


class VerificationError(Exception):
    """What to tell the student instead of a result (French)."""


def service_url(env=os.environ) -> str | None:
    """The service's API address: ``PARCOURS_VERIFIER_URL``, else from the hub's public URL."""
    url = env.get("PARCOURS_VERIFIER_URL")
    if not url:
        public = env.get("JUPYTERHUB_PUBLIC_URL") or env.get("JUPYTERHUB_PUBLIC_HUB_URL", "")
        if public.endswith("/hub/"):
            public = public[: -len("hub/")]
        if not public:
            return None
        url = public.rstrip("/") + f"/services/{SERVICE}/"
    return url.rstrip("/") + "/api/verifier"


def notebook_path(env=os.environ) -> Path:
    """The notebook this kernel belongs to."""
    name = env.get("JPY_SESSION_NAME", "")
    if not name:
        raise VerificationError(
            "Impossible de trouver votre notebook : lancez cette cellule depuis le notebook du TD "
            "ouvert dans JupyterLab."
        )
    path = Path(name)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, Path.home() / path]
    if not path.is_absolute() and env.get("JUPYTER_SERVER_ROOT"):
        candidates.insert(0, Path(env["JUPYTER_SERVER_ROOT"]) / path)
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate
    raise VerificationError(
        f"Votre notebook « {path.name} » est introuvable sur le disque : enregistrez-le "
        "(Ctrl+S), puis relancez cette cellule."
    )


def _td_of(nb: dict, path: Path) -> str:
    for cell in nb.get("cells", []):
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id", "")
        if gid[:2] == "td" and "_q" in gid:
            prefix = gid.split("_q")[0]
            if path.stem.startswith(prefix):
                return path.stem
    return path.stem


def _needs_saving(nb: dict) -> bool:
    """True when cells ran in this kernel after the file was last saved."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        return False
    if shell is None:
        return False
    saved = max(
        (
            c.get("execution_count") or 0
            for c in nb.get("cells", [])
            if c.get("cell_type") == "code"
        ),
        default=0,
    )
    # this very cell is running: its number is not in the file yet
    return saved < shell.execution_count - 1


def check(env=os.environ, *, timeout: float = 300) -> dict:
    """The service's answer for this notebook (raise :class:`VerificationError`)."""
    token = env.get("JUPYTERHUB_API_TOKEN")
    url = service_url(env)
    if not token or not env.get("JUPYTERHUB_USER") or not url:
        raise VerificationError(OFF_HUB)
    path = notebook_path(env)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise VerificationError(
            f"Le fichier « {path.name} » n'est pas lisible : enregistrez le notebook (Ctrl+S), "
            "puis relancez cette cellule."
        ) from None
    if _needs_saving(nb):
        raise VerificationError(
            "Enregistrez d'abord votre notebook (Ctrl+S ou Fichier > Enregistrer) : des cellules "
            "ont été exécutées depuis le dernier enregistrement. Puis relancez cette cellule."
        )
    body = json.dumps({"td": _td_of(nb, path), "notebook": nb}).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read().decode("utf-8")).get("erreur")
        except (ValueError, AttributeError):
            message = None
        if exc.code in (401, 403):
            message = message or (
                "Le service de vérification n'a pas reconnu votre compte : rechargez la page du "
                "hub, puis relancez cette cellule."
            )
        raise VerificationError(
            message or f"Le service de vérification a répondu une erreur ({exc.code})."
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise VerificationError(
            "Le service de vérification ne répond pas : réessayez dans quelques minutes, ou "
            "prévenez votre enseignant ou enseignante."
        ) from None


def _fr(x) -> str:
    return f"{x:g}".replace(".", ",")


def render(answer: dict) -> str:
    """The answer as French text."""
    lines = [
        f"Vérification de {answer.get('td', '')} : {_fr(answer.get('points', 0))} / "
        f"{_fr(answer.get('sur', 0))} points corrigés automatiquement."
    ]
    if answer.get("probleme"):
        lines.append(f"Problème : {answer['probleme']}")
    for q in answer.get("questions", []):
        pts = "à noter" if q.get("points") is None else _fr(q["points"])
        lines.append(f"- {q.get('question')} : {pts} / {_fr(q.get('sur', 0))} — {q.get('message')}")
    left = answer.get("essais_restants")
    if left is not None:
        lines.append(f"Vérifications restantes pour ce TD sur 24 heures : {left}.")
    if answer.get("avertissement"):
        lines.append(answer["avertissement"])
    return "\n".join(lines)


def verifier() -> None:
    """Vérifier ma copie : correction indicative immédiate de ce notebook (sur le JupyterHub)."""
    try:
        answer = check()
    except VerificationError as exc:
        print(str(exc))
        return
    print(render(answer))
