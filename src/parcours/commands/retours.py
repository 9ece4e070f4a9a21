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

Exemples :
  parcours retours td03_satisfaction
  parcours retours td03_satisfaction --etudiant dupont.marie
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("retours", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", help="nom du TD")
    p.add_argument("--etudiant", metavar="ID", help="un seul étudiant (défaut : toute la classe)")
    p.add_argument("--sur", metavar="N", type=float, default=20.0, help="barème (défaut : 20)")
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    written = write_feedback_pages(
        args.td, student=args.etudiant, scale=args.sur, root=args.racine, db=args.db
    )
    print(f"{plural(len(written), 'retour écrit')} dans feedback/<etudiant>/{args.td}/.")
    return 0


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
