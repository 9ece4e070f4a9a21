"""``parcours notes``: grades on 20 per student and TD, as CSV, Excel or Moodle's worksheet."""

from __future__ import annotations

from pathlib import Path

from parcours.term.course import add_course_arguments
from parcours.term.wording import plural

FORMATS = ("csv", "moodle", "xlsx")
HELP = "Exporter les notes sur 20 (CSV, Excel ou feuille d'évaluation Moodle)."
DESCRIPTION = """\
Une ligne par étudiant et par TD : note sur 20 (ou --sur), arrondie au dixième, « ABS » pour
une copie absente. Le CSV est séparé par « ; » avec une virgule décimale (tableur français).
Les copies dont les réponses rédigées ne sont pas encore notées dans formgrader sont listées
et leur note est marquée « provisoire ».

--format moodle remplit la colonne « Note » de la feuille d'évaluation Moodle donnée par
--feuille, prête pour « Importer la feuille d'évaluation » (un seul TD ; la note est ramenée
à la « Note maximale » de la feuille). Elle refuse les notes provisoires, sauf avec
--provisoire : elles sont alors marquées « Note provisoire » dans la colonne des commentaires.
Si la feuille a une colonne « Feedback par commentaires » (« Feedback comments »), elle reçoit
un court résumé par étudiant : note, points par question, questions à relire, commentaire saisi
dans formgrader. Les autres colonnes sont recopiées telles quelles.

Exemples :
  parcours notes
  parcours notes td03_satisfaction --format xlsx --sortie notes_td03.xlsx
  parcours notes td03_satisfaction --format moodle --feuille feuille.csv --sortie a_importer.csv
  parcours notes --trimestre --format xlsx

--trimestre écrit le bilan du trimestre : une ligne par étudiant, la note de chaque TD
(« ABS » sans copie) et la moyenne des TD rendus ; « provisoire » tant que des réponses
rédigées attendent leur note. Il y ajoute la grille de compétences (une ligne par étudiant et
par bloc, comme « parcours rapport --competences ») : une feuille « Compétences » du classeur
en xlsx, un fichier <nom>_competences.csv à côté du bilan en csv.
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("notes", help=HELP, description=DESCRIPTION)
    p.add_argument("td", metavar="TD", nargs="*", help="TD à exporter (défaut : tous)")
    p.add_argument("--format", choices=FORMATS, default="csv", help="format (défaut : csv)")
    p.add_argument("--sur", metavar="N", type=float, default=20.0, help="barème (défaut : 20)")
    p.add_argument(
        "--sortie", metavar="FICHIER", type=Path, help="fichier écrit (défaut : notes.csv…)"
    )
    p.add_argument(
        "--feuille", metavar="FEUILLE", type=Path, help="feuille d'évaluation Moodle (.csv)"
    )
    p.add_argument(
        "--trimestre",
        action="store_true",
        help="bilan du trimestre : une ligne par étudiant, une colonne par TD et la moyenne "
        "(csv ou xlsx)",
    )
    p.add_argument(
        "--provisoire",
        action="store_true",
        help="--format moodle : exporter aussi les notes provisoires (réponses rédigées pas "
        "encore notées), marquées « Note provisoire » dans la colonne des commentaires",
    )
    p.add_argument(
        "--reveler",
        action="store_true",
        help="évaluation anonyme de Moodle : remplacer chaque « Participant <n> » par l'étudiant "
        "ou l'étudiante dont la copie a chargé les données (csv ou xlsx ; la feuille Moodle se "
        "remplit par participant, sans cette option)",
    )
    add_course_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.trimestre:
        out = export_term(
            file_format=args.format,
            scale=args.sur,
            output=args.sortie,
            root=args.racine,
            db=args.db,
        )
        print(out["message"])
        return 0
    out = export_grades(
        tds=args.td,
        file_format=args.format,
        scale=args.sur,
        output=args.sortie,
        worksheet=args.feuille,
        provisional=args.provisoire,
        reveal=args.reveler,
        root=args.racine,
        db=args.db,
    )
    print(out["message"])
    return 0


def export_grades(
    *,
    tds: list[str] | None = None,
    file_format: str = "csv",
    scale: float = 20.0,
    output: Path | None = None,
    worksheet: Path | None = None,
    provisional: bool = False,
    reveal: bool = False,
    root: Path = Path("."),
    db: str | None = None,
) -> dict:
    """Write the grades; return ``{"path", "rows", "message"}``. ``reveal``: names instead of
    Moodle's anonymous « Participant <n> » (csv and xlsx only)."""
    from parcours.term.course import open_course
    from parcours.term.grades_export import (
        fill_moodle_worksheet,
        grade_rows,
        write_csv,
        write_xlsx,
    )

    if file_format not in FORMATS:
        raise ValueError(f"Format inconnu : {file_format!r}. Choix possibles : csv, moodle, xlsx.")
    if not (0 < scale <= 1000):
        raise ValueError(f"--sur doit être un nombre positif (reçu : {scale:g}).")
    if file_format == "moodle":
        if worksheet is None:
            raise ValueError("--format moodle demande la feuille d'évaluation : --feuille FEUILLE.")
        if not tds or len(tds) != 1:
            raise ValueError("--format moodle demande exactement un TD (une feuille par devoir).")
        if not Path(worksheet).is_file():
            raise ValueError(f"Feuille d'évaluation introuvable : {worksheet}.")
    if reveal and file_format == "moodle":
        raise ValueError(
            "--reveler ne s'emploie pas avec --format moodle : la feuille d'évaluation se remplit "
            "par « Participant <n> », sans les noms."
        )
    course = open_course(root, db=db)
    rows = grade_rows(course, tds or None, scale=scale, reveal=reveal)
    default = {"csv": "notes.csv", "xlsx": "notes.xlsx", "moodle": "feuille_notes_moodle.csv"}
    target = Path(output) if output else course.root / default[file_format]
    lines = []
    if file_format == "csv":
        write_csv(rows, target, scale=scale)
    elif file_format == "xlsx":
        write_xlsx(rows, target, scale=scale)
    else:
        waiting = [r for r in rows if r.statut == "provisoire"]
        if waiting and not provisional:
            raise ValueError(
                f"{plural(len(waiting), 'note provisoire')} : des réponses rédigées ne sont pas encore "
                "notées dans formgrader ("
                + ", ".join(r.student for r in waiting)
                + "). Rien n'a été écrit. Notez-les d'abord, ou ajoutez --provisoire pour les "
                "exporter marquées « Note provisoire » dans la colonne des commentaires."
            )
        filled, unmatched = fill_moodle_worksheet(
            course, rows, worksheet, target, td=tds[0], scale=scale
        )
        lines.append(f"Feuille Moodle : {plural(filled, 'note remplie')}.")
        if unmatched:
            lines.append(
                f"Lignes de la feuille sans étudiant reconnu ({len(unmatched)}) : "
                + ", ".join(unmatched)
            )
        lines += moodle_import_advice(worksheet)
    pending = [r for r in rows if r.statut == "provisoire"]
    absent = [r for r in rows if r.statut == "absent"]
    ungraded = [r for r in rows if r.statut == "non corrigé"]
    lines.insert(0, f"Notes écrites dans {target} ({plural(len(rows), 'ligne')}, sur {scale:g}).")
    if absent:
        lines.append(f"Absents (ABS) : {len(absent)}.")
    if ungraded:
        lines.append(
            "Copies rendues mais pas encore corrigées : "
            + ", ".join(f"{r.student} ({r.td})" for r in ungraded)
        )
    late = [r for r in rows if r.late]
    if late:
        lines.append(
            f"Copies en retard ({len(late)}) : "
            + ", ".join(f"{r.student} ({r.td}, {r.late})" for r in late)
        )
    if pending:
        lines.append(
            f"Notes provisoires ({len(pending)}) : réponses rédigées à noter dans formgrader :"
        )
        for r in pending:
            lines.append(f"  {r.student} ({r.td}) : {', '.join(r.pending)}")
    return {"path": target, "rows": rows, "message": "\n".join(lines)}


def moodle_import_advice(worksheet: Path) -> list[str]:
    """What to tick in Moodle's « Importer la feuille d'évaluation » form, in French."""
    from parcours.term.moodle import read_worksheet

    sheet = read_worksheet(worksheet)
    encoding = "WINDOWS-1252" if sheet.encoding == "cp1252" else "UTF-8"
    separator = {";": "Point-virgule", "\t": "Tabulation"}.get(sheet.separator, "Virgule")
    lines = []
    if "comments" in sheet.columns:
        header = sheet.header[sheet.columns["comments"]]
        lines.append(f"Colonne « {header} » remplie : un résumé du retour par étudiant.")
    else:
        lines.append(
            "La feuille n'a pas de colonne « Feedback par commentaires » : pour y mettre un "
            "résumé du retour, activez ce type de feedback dans les paramètres du devoir, puis "
            "téléchargez de nouveau la feuille d'évaluation."
        )
    lines.append(
        "À l'import dans Moodle (« Importer la feuille d'évaluation ») : cochez « Permettre la "
        "mise à jour des enregistrements modifiés plus récemment dans Moodle que dans la feuille "
        "de calcul » — sinon Moodle ignore les lignes dont la « Dernière modification (note) » "
        "est plus récente que la sienne ou illisible (date en français) ; choisissez l'encodage "
        f"« {encoding} » et le séparateur « {separator} » ; vérifiez l'aperçu avant de confirmer."
    )
    return lines


def export_term(
    *,
    file_format: str = "csv",
    scale: float = 20.0,
    output: Path | None = None,
    root: Path = Path("."),
    db: str | None = None,
) -> dict:
    """The term view (one row per student, every TD, the average) as CSV or Excel."""
    from parcours.term.competences import build_grid, write_grid_csv
    from parcours.term.course import open_course
    from parcours.term.term_view import term_table, write_term_csv, write_term_xlsx

    if file_format not in ("csv", "xlsx"):
        raise ValueError("--trimestre s'écrit en csv ou en xlsx (pas en feuille Moodle).")
    if not (0 < scale <= 1000):
        raise ValueError(f"--sur doit être un nombre positif (reçu : {scale:g}).")
    course = open_course(root, db=db)
    header, table = term_table(course, scale=scale)
    target = Path(output) if output else course.root / f"bilan_trimestre.{file_format}"
    grid = build_grid(course)
    if file_format == "csv":
        write_term_csv(header, table, target)
        grid_target = target.with_name(f"{target.stem}_competences.csv")
        write_grid_csv(grid, grid_target)
    else:
        write_term_xlsx(header, table, target, grid=grid)
    pending = sum("provisoire" in (row[-1] or "") for row in table)
    message = (
        f"Bilan du trimestre écrit dans {target} "
        f"({plural(len(table), 'étudiant')}, {len(header) - 6} TD)."
    )
    message += (
        f" Grille de compétences : {grid_target}."
        if file_format == "csv"
        else " Grille de compétences : feuille « Compétences »."
    )
    if pending:
        message += f" Moyennes provisoires : {pending} (réponses rédigées à noter dans formgrader)."
    return {"path": target, "rows": table, "message": message}
