"""``parcours retours TD``: one French feedback page per student, without hidden tests."""

from __future__ import annotations

from pathlib import Path

from parcours.term.course import add_course_arguments
from parcours.term.wording import plural

HELP = "Écrire le retour de chaque étudiant (page HTML en français)."
DESCRIPTION = """\
Pour chaque copie corrigée du TD, écrit feedback/<etudiant>/<TD>/<TD>.html : la note sur 20,
les points par question, les messages des tests visibles, les notes et commentaires saisis
dans formgrader. Les tests cachés (leur code, leurs messages calculés, leurs valeurs) n'y
apparaissent jamais, ni les données ou le nom d'un autre étudiant.

--moodle écrit en plus une archive .zip pour Moodle (« Importer plusieurs fichiers de
feedback dans une archive ZIP ») : un dossier par étudiant,
« Prénom Nom_<n>_assignfeedback_file », où <n> est son numéro de participant au devoir, lu
dans la feuille d'évaluation (--feuille) ou dans l'archive ramassée par « parcours
collecter ». Un étudiant sans numéro connu est listé, jamais deviné.

Exemples :
  parcours retours td03_satisfaction
  parcours retours td03_satisfaction --etudiant dupont.marie
  parcours retours td03_satisfaction --moodle --feuille feuille.csv
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("retours", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", help="nom du TD")
    p.add_argument("--etudiant", metavar="ID", help="un seul étudiant (défaut : toute la classe)")
    p.add_argument("--sur", metavar="N", type=float, default=20.0, help="barème (défaut : 20)")
    p.add_argument(
        "--moodle",
        action="store_true",
        help="écrire aussi l'archive .zip des retours à importer dans le devoir Moodle",
    )
    p.add_argument(
        "--feuille",
        metavar="FEUILLE",
        type=Path,
        help="feuille d'évaluation Moodle (.csv) qui donne les numéros de participant",
    )
    p.add_argument(
        "--sortie",
        metavar="FICHIER",
        type=Path,
        help="archive écrite avec --moodle (défaut : retours_moodle_<TD>.zip)",
    )
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if (args.feuille or args.sortie) and not args.moodle:
        raise ValueError("--feuille et --sortie vont avec --moodle.")
    if args.moodle:
        out = moodle_feedback_zip(
            args.td,
            student=args.etudiant,
            scale=args.sur,
            worksheet=args.feuille,
            output=args.sortie,
            root=args.racine,
            db=args.db,
        )
        print(out["message"])
        return 0
    written = write_feedback_pages(
        args.td, student=args.etudiant, scale=args.sur, root=args.racine, db=args.db
    )
    print(f"{plural(len(written), 'retour écrit')} dans feedback/<etudiant>/{args.td}/.")
    return 0


def moodle_feedback_zip(
    td: str,
    *,
    student: str | None = None,
    scale: float = 20.0,
    worksheet: Path | None = None,
    output: Path | None = None,
    root: Path = Path("."),
    db: str | None = None,
) -> dict:
    """Write the pages, then the zip for Moodle; return ``{"path", "included", "missing",
    "message"}``."""
    from parcours.term.classlist import class_list
    from parcours.term.course import open_course
    from parcours.term.moodle import participant_numbers, read_worksheet, write_feedback_zip

    sheet = read_worksheet(worksheet) if worksheet is not None else None
    written = write_feedback_pages(td, student=student, scale=scale, root=root, db=db)
    course = open_course(root, db=db)
    pages = {p.parent.parent.name: p for p in written}
    numbers = participant_numbers(course, td, sheet)
    names = {s.id: s.full_name for s in class_list(course)}
    target = Path(output) if output else course.root / f"retours_moodle_{td}.zip"
    included, missing = write_feedback_zip(pages, numbers, names, target, td=td)
    lines = [
        f"{plural(len(written), 'retour écrit')} dans feedback/<etudiant>/{td}/.",
        f"Archive Moodle : {plural(len(included), 'retour')} dans {target}.",
    ]
    if missing:
        lines.append(
            f"Sans numéro de participant Moodle, absents de l'archive ({len(missing)}) : "
            + ", ".join(f"{sid} ({names.get(sid, '?')})" for sid in missing)
            + (
                ""
                if sheet is not None
                else " — donnez la feuille d'évaluation du devoir avec --feuille."
            )
        )
    lines.append(
        "Dans Moodle : devoir → « Consulter tous les travaux remis » → menu « Action sur "
        "l'évaluation » → « Importer plusieurs fichiers de feedback dans une archive ZIP » "
        "(le type de feedback « Fichiers de feedback » doit être activé dans le devoir)."
    )
    return {"path": target, "included": included, "missing": missing, "message": "\n".join(lines)}


def write_feedback_pages(
    td: str,
    *,
    student: str | None = None,
    scale: float = 20.0,
    root: Path = Path("."),
    db: str | None = None,
) -> list[Path]:
    from parcours.commands.collecter import check_td_name
    from parcours.data.identity import check_student_id
    from parcours.term.course import open_course
    from parcours.term.feedback import write_feedback

    check_td_name(td)
    if student is not None:
        check_student_id(student)
    if not (0 < scale <= 1000):
        raise ValueError(f"--sur doit être un nombre positif (reçu : {scale:g}).")
    return write_feedback(open_course(root, db=db), td, student=student, scale=scale)
