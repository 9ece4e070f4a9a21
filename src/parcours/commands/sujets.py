"""``parcours sujets``: release the student notebooks from ``solutions/`` into ``exercises/``.

Each TD is released by nbgrader in a temporary course, then its solution is autograded there: a TD
whose solution does not score full marks is refused and ``exercises/`` is left as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from parcours.grading.config import PROJECT_ROOT
from parcours.term.atomic import write_bytes_atomic

HELP = "Générer les notebooks étudiants (exercises/) à partir des sources (solutions/)."
DESCRIPTION = """\
Pour chaque TD de solutions/ (ou ceux nommés), nbgrader produit la version étudiante :
solutions et tests cachés retirés, cellules verrouillées. La solution est d'abord corrigée
automatiquement : si elle n'obtient pas tous les points, le TD n'est pas publié.

Exemples :
  parcours sujets
  parcours sujets td03_satisfaction
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("sujets", help=HELP, description=DESCRIPTION)
    p.add_argument("td", nargs="*", help="TD à générer (défaut : tous ceux de solutions/)")
    p.add_argument(
        "--solutions",
        metavar="DOSSIER",
        type=Path,
        default=PROJECT_ROOT / "solutions",
        help="dossier des sources (défaut : solutions)",
    )
    p.add_argument(
        "--sortie",
        metavar="DOSSIER",
        type=Path,
        default=PROJECT_ROOT / "exercises",
        help="dossier des sujets (défaut : exercises)",
    )
    p.add_argument(
        "--sans-verification",
        action="store_true",
        help="ne pas vérifier que la solution obtient tous les points",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    for td, path in release_all(
        tds=args.td,
        solutions=args.solutions,
        output=args.sortie,
        check=not args.sans_verification,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    ):
        print(f"{td} : sujet écrit dans {path}")
    return 0


def list_tds(solutions: Path) -> list[str]:
    return (
        sorted(
            p.name for p in solutions.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file()
        )
        if solutions.is_dir()
        else []
    )


def release_all(
    *,
    tds: list[str] | None = None,
    solutions: Path = PROJECT_ROOT / "solutions",
    output: Path = PROJECT_ROOT / "exercises",
    check: bool = True,
    say: Callable[[str], None] | None = None,
) -> list[tuple[str, Path]]:
    """Release each TD (all by default) into ``output``; ``say(line)`` tells each step in French."""
    from parcours.grading.config import Course

    say = say or (lambda line: None)

    available = list_tds(solutions)
    if not available:
        raise ValueError(
            f"Aucun TD dans {solutions} (attendu : {solutions}/tdNN_nom/tdNN_nom.ipynb)."
        )
    chosen = list(tds or available)
    unknown = [t for t in chosen if t not in available]
    if unknown:
        raise ValueError(
            f"TD inconnu : {', '.join(unknown)}. TD disponibles : {', '.join(available)}."
        )
    done = []
    for td in chosen:
        say(f"{td} : préparation de la version étudiante…")
        with Course(td, solutions=solutions) as course:
            if check:
                say(f"{td} : vérification de la solution : exécution du notebook corrigé…")
                graded = course.autograde(course.submission(), student="verification")
                if graded.score < graded.max_score:
                    lost = [g for g, (s, m) in graded.grades.items() if s < m]
                    raise ValueError(
                        f"{td} : la solution obtient {graded.score:g}/{graded.max_score:g} "
                        f"(tests en échec : {', '.join(lost)}). Sujet non publié."
                    )
                say(
                    f"{td} : vérification de la solution : {graded.score:g}/{graded.max_score:g}, "
                    "tous les points."
                )
            target = output / td / f"{td}.ipynb"
            write_bytes_atomic(target, course.release_path.read_bytes())
            done.append((td, target))
    return done
