"""``parcours publier TD``: check the solution, write the student version, register the TD in the
course's gradebook and, with ``--echange``, release it to nbgrader's exchange."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from parcours.term.course import add_course_arguments

HELP = "Publier un TD : vérifier la solution, écrire le sujet, le diffuser."
DESCRIPTION = """\
1. Corrige la solution du TD (solutions/<TD>/) : si elle n'obtient pas tous les points, le TD
   est refusé et la commande nomme les questions en échec ; rien n'est modifié.
2. Écrit la version étudiante dans exercises/<TD>/ et enregistre le TD (questions, barème)
   dans la base des notes de nbgrader, ce qui permet de corriger les copies ensuite.
3. Avec --echange : dépose le sujet dans l'échange nbgrader (onglet « Assignments » du
   JupyterHub, bouton « Fetch » des étudiants).
4. Avec --limite : enregistre la date limite du TD dans la base des notes (celle que
   nbgrader utilise pour les retards) ; « parcours collecter » la reprend par défaut.

Hors JupyterHub, distribuez exercises/<TD>/<TD>.ipynb par Moodle ou l'ENT.

Exemples :
  parcours publier td03_satisfaction
  parcours publier td03_satisfaction --echange
  parcours publier td03_satisfaction --limite "2026-12-15 23:59"
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("publier", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", help="nom du TD (dossier de solutions/)")
    p.add_argument(
        "--echange", action="store_true", help="déposer aussi le sujet dans l'échange nbgrader"
    )
    p.add_argument(
        "--limite", metavar="DATE", help="date limite de remise « AAAA-MM-JJ HH:MM » (heure locale)"
    )
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    import sys

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    for line in publish(
        args.td, exchange=args.echange, deadline=args.limite, root=args.racine, db=args.db, say=say
    ):
        print(line)
    return 0


def publish(
    td: str,
    *,
    exchange: bool = False,
    deadline: str | None = None,
    root: Path = Path("."),
    db: str | None = None,
    say: Callable[[str], None] | None = None,
) -> list[str]:
    """Check, release into ``exercises/`` and the gradebook, optionally into the exchange;
    ``say(line)`` tells each step in French as it starts (the check takes seconds)."""
    from parcours.commands.collecter import check_td_name, parse_deadline
    from parcours.commands.sujets import list_tds, release_all
    from parcours.grading.config import _env
    from parcours.term.course import open_course

    check_td_name(td)
    due = parse_deadline(deadline) if deadline else None
    course = open_course(root, db=db)
    course.check_gradebook()  # before anything is checked, written or deleted
    solutions = course.root / course.setting("source_directory", "source")
    release = course.root / course.setting("release_directory", "release")
    if not solutions.is_dir():
        raise ValueError(
            f"{course.root} n'est pas un dossier de cours (pas de dossier {solutions.name}/) : "
            "lancez la commande depuis le dossier du cours ou donnez --racine."
        )
    if td not in list_tds(solutions):
        known = list_tds(solutions)
        raise ValueError(
            f"TD inconnu : « {td} »."
            + (f" TD disponibles : {', '.join(known)}." if known else f" ({solutions} est vide.)")
        )
    say = say or (lambda line: None)
    release_all(tds=[td], solutions=solutions, output=release, check=True, say=say)
    lines = [f"{td} : la solution obtient tous les points ; sujet écrit dans {release / td}."]
    say(f"{td} : enregistrement dans le carnet de notes…")
    api = course.api()
    _generate_beside(api, td, release)
    lines.append(f"{td} : enregistré dans la base des notes (questions et barème).")
    if due is not None:
        from parcours.term.deadlines import set_deadline

        set_deadline(course, td, due)
        lines.append(f"{td} : date limite enregistrée, le {due:%d/%m/%Y à %H:%M}.")
    if exchange:
        say(f"{td} : dépôt dans l'échange nbgrader…")
        with _env():
            result = api.release_assignment(td)
        if not result.get("success"):
            raise ValueError(f"Dépôt dans l'échange nbgrader impossible : {_tail(result)}")
        lines.append(f"{td} : déposé dans l'échange nbgrader, les étudiants peuvent le récupérer.")
    return lines


def _generate_beside(api, td: str, release: Path) -> None:
    """nbgrader's generate_assignment (it deletes the release folder first) into a folder beside
    ``release/<td>``, then swapped in: ``release/<td>`` stays whole until the new one is."""
    import shutil
    import tempfile

    from parcours.grading.config import _env

    release.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{td}-", dir=release))
    course_root = Path(api.coursedir.root).resolve()
    api.coursedir.release_directory = staging.relative_to(course_root).as_posix()
    try:
        with _env():
            result = api.generate_assignment(td, force=True, create=True)
        if not result.get("success") or not (staging / td).is_dir():
            raise ValueError(f"nbgrader n'a pas pu enregistrer {td} : {_tail(result)}")
        target, old = release / td, staging / "ancien"
        if target.exists():
            target.rename(old)
        try:
            (staging / td).rename(target)
        except OSError:
            if old.exists():
                old.rename(target)
            raise
    finally:
        api.coursedir.release_directory = release.relative_to(course_root).as_posix()
        shutil.rmtree(staging, ignore_errors=True)


def _tail(result) -> str:
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "erreur inconnue"
