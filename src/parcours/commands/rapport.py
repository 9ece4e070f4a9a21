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

--competences écrit la grille de compétences de la classe, sur tous les TD corrigés à ce jour :
pour chaque étudiant et chaque bloc des diplômes suivis (c.Parcours.diplomes dans
nbgrader_config.py), la part des points obtenus et le niveau (non acquis, en cours
d'acquisition, acquis, maîtrisé ; seuils : c.Parcours.seuils_competences), et la répartition de
la classe par bloc. Elle écrit aussi un CSV et un classeur Excel, une ligne par étudiant et par
bloc, à côté de la page.

Exemples :
  parcours rapport td03_satisfaction
  parcours rapport td03_satisfaction --sortie rapport_td03.html
  parcours rapport --competences
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rapport", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", nargs="?", help="nom du TD (sauf avec --competences)")
    p.add_argument(
        "--competences",
        action="store_true",
        help="grille de compétences de la classe, tous TD corrigés (page HTML, CSV et xlsx : "
        "rapports/competences.*)",
    )
    p.add_argument(
        "--sortie",
        metavar="FICHIER",
        type=Path,
        help="page écrite (défaut : rapports/rapport_<TD>.html, rapports/competences.html "
        "avec --competences)",
    )
    p.add_argument("--sur", metavar="N", type=float, default=20.0, help="barème (défaut : 20)")
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.competences:
        if args.td:
            raise ValueError(
                "--competences porte sur tous les TD corrigés : ne donnez pas de TD "
                f"(reçu : {args.td})."
            )
        out = competency_grid(output=args.sortie, root=args.racine, db=args.db)
        print(out["message"])
        return 0
    if not args.td:
        raise ValueError("Donnez le TD du rapport (ex. td03_satisfaction), ou --competences.")
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


def competency_grid(
    *, output: Path | None = None, root: Path = Path("."), db: str | None = None
) -> dict:
    """Write the competency grid (HTML page, CSV and xlsx); return the paths and a message."""
    from parcours.term.competences import write_grid
    from parcours.term.course import open_course

    if output is not None and Path(output).suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--sortie de --competences est une page .html (reçu : {output}).")
    out = write_grid(open_course(root, db=db), output=output)
    grid = out["grid"]
    lines = [
        f"Grille de compétences écrite : {out['page']}",
        f"  une ligne par étudiant et par bloc : {out['csv']} et {out['xlsx']}",
        f"  {len(grid.students)} étudiant(s), {len(grid.blocks)} bloc(s), "
        f"TD corrigés : {', '.join(grid.tds) or 'aucun'}.",
    ]
    if not grid.chosen:
        lines.append(
            "  Aucun diplôme choisi (c.Parcours.diplomes dans nbgrader_config.py) : tous les "
            "blocs sont montrés."
        )
    if grid.unmapped:
        lines.append(f"  Items sans bloc dans la carte (non comptés) : {', '.join(grid.unmapped)}")
    out["message"] = "\n".join(lines)
    return out
