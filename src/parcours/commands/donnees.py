"""``parcours donnees``: write every dataset of one student (or the demo) to a folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FORMATS = ("csv", "parquet")
DEFAULT_OUTPUT = Path("datasets")
DICTIONARY_FILE = "DICTIONNAIRE.md"

HELP = "Écrire les jeux de données d'un étudiant (ou de la démo) dans un dossier."
DESCRIPTION = """\
Écrit les sept jeux de données (clients, transactions, parcours, enquete, reclamations,
entonnoir, centre_achat) et le dictionnaire des données DICTIONNAIRE.md.

Sans --etudiant, c'est la variante de démonstration (celle du livre).
Les fichiers sont écrits en entier ou pas du tout : rien n'est laissé à moitié écrit.

Exemples :
  parcours donnees
  parcours donnees --etudiant dupont.marie --sortie donnees_marie
  parcours donnees --format parquet --taille 10
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("donnees", help=HELP, description=DESCRIPTION)
    p.add_argument("--etudiant", metavar="ID", help="identifiant de l'étudiant (défaut : démo)")
    p.add_argument(
        "--sortie",
        metavar="DOSSIER",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"dossier de sortie (défaut : {DEFAULT_OUTPUT})",
    )
    p.add_argument(
        "--format", choices=FORMATS, default="csv", help="format des fichiers (défaut : csv)"
    )
    p.add_argument(
        "--taille",
        metavar="FACTEUR",
        type=float,
        default=1.0,
        help="multiplie le nombre de lignes (défaut : 1 ; de 0,01 à 100)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    written = write_datasets(
        output=args.sortie, student=args.etudiant, file_format=args.format, size=args.taille
    )
    for path in written:
        print(f"écrit : {path}")
    return 0


def write_datasets(
    *,
    output: Path = DEFAULT_OUTPUT,
    student: str | None = None,
    file_format: str = "csv",
    size: float = 1.0,
    secret: str | None = None,
) -> list[Path]:
    """Generate then write all datasets and the dictionary; all files appear, or none changes."""
    from parcours.commands.errors import os_error_fr
    from parcours.data import DATASET_NAMES, charger, check_size
    from parcours.data.dictionary import to_markdown
    from parcours.data.identity import DEMO_STUDENT, check_student_id

    if file_format not in FORMATS:
        raise ValueError(f"Format inconnu : {file_format!r}. Choix possibles : csv, parquet.")
    check_size(size)
    student = DEMO_STUDENT if student is None else check_student_id(student)
    output = Path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"Impossible de créer le dossier {output} : {os_error_fr(exc)}.") from None
    if not os.access(output, os.W_OK):
        raise ValueError(f"Le dossier {output} n'est pas accessible en écriture.")

    frames = {name: charger(name, student, taille=size, secret=secret) for name in DATASET_NAMES}
    staged: list[tuple[Path, Path]] = []
    try:
        for name, frame in frames.items():
            target = output / f"{name}.{file_format}"
            tmp = _temp_path(target)
            staged.append((tmp, target))
            if file_format == "csv":
                frame.to_csv(tmp, index=False, encoding="utf-8", date_format="%Y-%m-%d %H:%M:%S")
            else:
                frame.to_parquet(tmp, index=False)
        target = output / DICTIONARY_FILE
        tmp = _temp_path(target)
        staged.append((tmp, target))
        tmp.write_text(to_markdown(), encoding="utf-8")
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise ValueError(f"Écriture impossible dans {output} : {os_error_fr(exc)}.") from None
    for tmp, target in staged:
        tmp.chmod(0o644)
        os.replace(tmp, target)
    return [target for _, target in staged]


def _temp_path(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)
