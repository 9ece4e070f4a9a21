"""``parcours rapport TD``: the class report, one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

from parcours.term.course import add_course_arguments

HELP = "Écrire le rapport de classe d'un TD (page HTML autonome)."
DESCRIPTION = """\
Une page HTML qui s'ouvre hors ligne (graphiques intégrés, aucune ressource externe) :
répartition des notes, taux de réussite et indice de discrimination par question, réponses
fausses les plus fréquentes aux questions à choix, avancement de la correction manuelle,
échecs de correction et leurs raisons, copies exécutées sur les données d'un autre étudiant,
et paires de copies au code très proche (empreintes « winnowing »).

Exemples :
  parcours rapport td03_satisfaction
  parcours rapport td03_satisfaction --sortie rapport_td03.html
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rapport", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", help="nom du TD")
    p.add_argument(
        "--sortie",
        metavar="FICHIER",
        type=Path,
        help="page écrite (défaut : rapports/rapport_<TD>.html)",
    )
    p.add_argument("--sur", metavar="N", type=float, default=20.0, help="barème (défaut : 20)")
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    path = class_report(args.td, output=args.sortie, scale=args.sur, root=args.racine, db=args.db)
    print(f"Rapport écrit : {path}")
    return 0


def class_report(
    td: str,
    *,
    output: Path | None = None,
    scale: float = 20.0,
    root: Path = Path("."),
    db: str | None = None,
) -> Path:
    from parcours.commands.collecter import check_td_name
    from parcours.term.course import open_course
    from parcours.term.report import write_report

    check_td_name(td)
    if not (0 < scale <= 1000):
        raise ValueError(f"--sur doit être un nombre positif (reçu : {scale:g}).")
    return write_report(open_course(root, db=db), td, output=output, scale=scale)
