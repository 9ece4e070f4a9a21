"""``parcours etudiants`` (list) and ``parcours etudiants importer LISTE``: the class list."""

from __future__ import annotations

from pathlib import Path

from parcours.term.course import add_course_arguments
from parcours.term.wording import plural

HELP = "Importer la liste de la classe (CSV ou Excel) ou l'afficher."
DESCRIPTION = """\
Sans sous-commande : affiche les étudiants du cours (identifiant, nom, prénom, e-mail, groupe)
et le code de contrôle du secret du cours (jamais le secret) : la cellule de préparation de
chaque TD affiche ce même code ; un étudiant qui en lit un autre a mal recopié le secret.

« importer » lit une liste exportée de Pronote, de l'ENT ou de la page « Participants » de
Moodle : CSV séparé par « ; » ou « , », en UTF-8 ou Windows-1252, ou classeur Excel .xlsx.
Les en-têtes reconnus, en français ou en anglais : Identifiant (ou Login, Nom d'utilisateur,
Numéro d'identification, Username…), Nom, Prénom (ou une colonne Élève « NOM Prénom »),
Adresse de courriel (ou Adresse E-mail, Courriel, Email address…), Groupe (préféré à Classe).
La commande dit quelle colonne a servi à quoi. Sans identifiant, il est tiré de l'e-mail
(partie avant @), sinon de nom.prenom. Réimporter met à jour sans doublon ; une ligne répétée
à l'identique est ignorée avec un avertissement. Une ligne invalide arrête tout : aucune
n'est importée.

Les étudiants sont enregistrés dans la base des notes de nbgrader (visible dans formgrader) ;
les groupes dans groupes.json, à la racine du cours.

Exemples :
  parcours etudiants importer liste_pronote.csv
  parcours etudiants importer participants.xlsx --db postgresql://prof@serveur/notes
  parcours etudiants
"""
IMPORT_HELP = "Importer ou mettre à jour la liste de la classe."
IMPORT_DESCRIPTION = """\
Lit LISTE (.csv ou .xlsx), vérifie chaque ligne, puis ajoute ou met à jour les étudiants.
Si une ligne est invalide, toutes les erreurs sont listées avec leur numéro de ligne et rien
n'est importé. Si plus de 3 nouveaux identifiants portent le nom d'étudiants déjà inscrits
(la même classe sous d'autres identifiants), l'import est refusé et ces noms sont listés :
--ajouter l'accepte quand même.

Exemple :
  parcours etudiants importer liste.csv
"""
EXTEND_HELP = "Accorder une prolongation (aménagement, tiers-temps) pour un TD."
EXTEND_DESCRIPTION = """\
Donne à l'étudiant ID jusqu'à DATE pour rendre le TD (tiers-temps, certificat médical…).
La prolongation est enregistrée dans la base des notes, là où nbgrader garde les
prolongations : une copie rendue avant DATE n'est ni marquée en retard ni pénalisée. Le TD
doit avoir une date limite (« parcours publier TD --limite … »). Relancer la commande
remplace la prolongation.

Exemple :
  parcours etudiants prolonger dupont.marie td03_satisfaction --jusqu-au "2026-12-17 23:59"
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("etudiants", help=HELP, description=DESCRIPTION)
    add_course_arguments(p)
    p.set_defaults(run=run_list)
    sub = p.add_subparsers(title="sous-commandes", metavar="SOUS-COMMANDE")
    imp = sub.add_parser("importer", help=IMPORT_HELP, description=IMPORT_DESCRIPTION)
    imp.add_argument("liste", metavar="LISTE", type=Path, help="fichier .csv ou .xlsx")
    imp.add_argument(
        "--ajouter",
        action="store_true",
        help="ajouter aussi les nouveaux identifiants dont le nom est déjà dans la classe",
    )
    add_course_arguments(imp)
    imp.set_defaults(run=run_import)
    ext = sub.add_parser("prolonger", help=EXTEND_HELP, description=EXTEND_DESCRIPTION)
    ext.add_argument("etudiant", metavar="ID", help="identifiant de l'étudiant")
    ext.add_argument("td", metavar="TD", help="nom du TD")
    ext.add_argument(
        "--jusqu-au",
        dest="jusqu_au",
        metavar="DATE",
        required=True,
        help="nouvelle date limite « AAAA-MM-JJ HH:MM » (heure locale)",
    )
    add_course_arguments(ext)
    ext.set_defaults(run=run_extend)


def run_extend(args) -> int:
    from parcours.grading.batch import mark_for_regrading

    until = extend(args.etudiant, args.td, until=args.jusqu_au, root=args.racine, db=args.db)
    print(
        f"Prolongation accordée à {args.etudiant} pour {args.td} : jusqu'au "
        f"{until:%d/%m/%Y à %H:%M}."
    )
    if mark_for_regrading(Path(args.racine), args.etudiant, args.td):
        print(
            f"Sa copie est déjà corrigée : le prochain « parcours corriger {args.td} » la "
            "corrigera de nouveau, pour recalculer le retard avec cette prolongation."
        )
    return 0


def extend(student: str, td: str, *, until: str, root: Path = Path("."), db: str | None = None):
    from parcours.commands.collecter import check_td_name, parse_deadline
    from parcours.data.identity import check_student_id
    from parcours.term.course import open_course
    from parcours.term.deadlines import grant_extension

    check_td_name(td)
    check_student_id(student)
    when = parse_deadline(until)
    grant_extension(open_course(root, db=db), td, student, when)
    return when


def run_import(args) -> int:
    notices: list[str] = []
    added, updated, same = import_students(
        args.liste, root=args.racine, db=args.db, add_homonyms=args.ajouter, notices=notices
    )
    for line in notices:
        print(line)
    print(
        f"Liste importée : {plural(added, 'ajouté')}, {updated} mis à jour, "
        f"{plural(same, 'inchangé')} ({plural(added + updated + same, 'étudiant')} dans le fichier)."
    )
    return 0


def run_list(args) -> int:
    students = list_students(root=args.racine, db=args.db)
    if not students:
        print("Aucun étudiant : importez la liste avec « parcours etudiants importer LISTE ».")
        return 0
    from parcours.term.course import open_course
    from parcours.term.deadlines import extensions

    granted: dict[str, list[str]] = {}
    for (sid, td), until in sorted(extensions(open_course(args.racine, db=args.db)).items()):
        granted.setdefault(sid, []).append(f"{td} → {until:%d/%m/%Y %H:%M}")
    rows = [("Identifiant", "Nom", "Prénom", "E-mail", "Groupe", "Prolongations")] + [
        (s.id, s.nom, s.prenom, s.email or "", s.groupe or "", ", ".join(granted.get(s.id, [])))
        for s in students
    ]
    if not granted:
        rows = [r[:5] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(f"{plural(len(students), 'étudiant')}.")
    print(secret_check_line(args.racine))
    return 0


def secret_check_line(root: Path) -> str:
    """The line that gives the students the check code of the course secret (never the secret)."""
    from parcours.data.identity import DEMO_SECRET, course_secret, secret_check_code

    secret = course_secret(root)
    demo = " (secret de démonstration : aucun secret n'est réglé)" if secret == DEMO_SECRET else ""
    return (
        "Dans la cellule de préparation des TD, les étudiants doivent lire le code de contrôle : "
        f"{secret_check_code(secret)}{demo}."
    )


def import_students(
    liste: Path,
    *,
    root: Path = Path("."),
    db: str | None = None,
    add_homonyms: bool = False,
    notices: list[str] | None = None,
):
    """Check then store every student of ``liste``; return (added, updated, unchanged).
    ``notices`` receives which column gave what and the exact duplicate rows skipped."""
    from parcours.term.classlist import read_class_list, store_students
    from parcours.term.course import open_course

    students, found = read_class_list(liste)
    if notices is not None:
        notices.extend(found)
    return store_students(open_course(root, db=db), students, add_homonyms=add_homonyms)


def list_students(*, root: Path = Path("."), db: str | None = None):
    from parcours.term.classlist import class_list
    from parcours.term.course import open_course

    return class_list(open_course(root, db=db))
