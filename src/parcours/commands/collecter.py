"""``parcours collecter TD --depuis SOURCE``: bring the submissions of one TD into the course."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from parcours.term.course import add_course_arguments

HELP = "Ramasser les copies d'un TD (archive Moodle, dossier ou échange nbgrader)."
DESCRIPTION = """\
Range chaque copie dans submitted/<etudiant>/<TD>/<TD>.ipynb, comme nbgrader l'attend, puis
affiche un tableau : copies importées, nouvelles versions, en retard, doublons, non reconnues,
ambiguës et absentes.

SOURCE peut être :
  - l'archive Moodle « Télécharger tous les travaux remis » (.zip) : les dossiers
    « Nom Prénom_<n>_assignsubmission_file » sont rattachés aux étudiants par la feuille
    d'évaluation (--feuille, conseillé : e-mail et nom complet de chaque « Participant <n> »),
    sinon par le nom complet (sans accents, majuscules ni ordre des mots) ;
  - un dossier contenant un sous-dossier par identifiant (<etudiant>/…ipynb) ;
  - « echange » : l'échange nbgrader d'un JupyterHub (nbgrader collect).

Remise en groupe (Moodle : dossiers « <nom du groupe>_<id du groupe>_assignsubmission_file ») :
le groupe est reconnu par son nom, d'après la colonne Groupe de la liste de la classe ou le
fichier --groupes (colonnes Identifiant et Groupe). Sa copie est corrigée une fois, et chaque
membre reçoit la note et le retour.

Si un étudiant a rendu plusieurs fois, la copie la plus récente est gardée. Une copie déjà
importée n'est jamais écrasée sans trace : chaque version est conservée dans
collectes/<TD>/<etudiant>/. Les archives dont une entrée a un chemin absolu ou « .. », ou qui
dépassent --taille-max, sont refusées en entier.

Exemples :
  parcours collecter td03_satisfaction --depuis travaux.zip --feuille feuille.csv
  parcours collecter td03_satisfaction --depuis copies/ --limite "2026-11-20 18:00"
  parcours collecter td03_satisfaction --depuis echange
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("collecter", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", help="nom du TD (ex. td03_satisfaction)")
    p.add_argument(
        "--depuis", metavar="SOURCE", required=True, help="archive .zip, dossier ou « echange »"
    )
    p.add_argument(
        "--feuille", metavar="FEUILLE", type=Path, help="feuille d'évaluation Moodle (.csv)"
    )
    p.add_argument(
        "--limite",
        metavar="DATE",
        help="date limite « AAAA-MM-JJ HH:MM » ; une date seule vaut jusqu'à 23:59 ce jour-là "
        "(défaut : celle du TD dans nbgrader)",
    )
    p.add_argument(
        "--taille-max",
        metavar="MO",
        type=float,
        default=500.0,
        help="taille maximale de l'archive, décompressée, en Mo (défaut : 500)",
    )
    p.add_argument(
        "--groupes",
        metavar="FICHIER",
        type=Path,
        help="membres des groupes d'une remise en groupe (.csv/.xlsx : Identifiant, Groupe)",
    )
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    report = collect_td(
        args.td,
        source=args.depuis,
        worksheet=args.feuille,
        groups_file=args.groupes,
        deadline=parse_deadline(args.limite) if args.limite else None,
        max_mb=args.taille_max,
        root=args.racine,
        db=args.db,
    )
    print(report.table())
    return 0


def parse_deadline(text: str) -> datetime:
    """A deadline; a bare date means the end of that day (23:59:59), not its first minute."""
    for fmt in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(hour=23, minute=59, second=59)
        except ValueError:
            pass
    raise ValueError(f"Date limite illisible : « {text} ». Format attendu : 2026-11-20 18:00.")


def collect_td(
    td: str,
    *,
    source: str | Path,
    worksheet: Path | None = None,
    deadline: datetime | None = None,
    max_mb: float = 500.0,
    groups_file: Path | None = None,
    root: Path = Path("."),
    db: str | None = None,
):
    """Collect ``td`` and return the report (see ``parcours.term.collect.collect``)."""
    from parcours.term.collect import collect
    from parcours.term.course import open_course

    if not (0 < max_mb <= 100_000):
        raise ValueError(f"--taille-max doit être un nombre de Mo positif (reçu : {max_mb:g}).")
    check_td_name(td)
    course = open_course(root, db=db)
    if groups_file is not None and not Path(groups_file).is_file():
        raise ValueError(f"Fichier des groupes introuvable : {groups_file}.")
    return collect(
        course,
        td,
        source=source,
        worksheet=worksheet,
        deadline=deadline,
        max_mb=max_mb,
        groups_file=groups_file,
    )


def check_td_name(td: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", td or "") or ".." in td:
        raise ValueError(f"Nom de TD invalide : « {td} » (exemple : td03_satisfaction).")
    return td
