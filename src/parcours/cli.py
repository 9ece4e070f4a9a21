"""The ``parcours`` command: a thin French CLI that hands off to one module per command."""

from __future__ import annotations

import sys

from parcours import __version__
from parcours.commands import (
    collecter,
    corriger,
    donnees,
    etudiants,
    notes,
    publier,
    rapport,
    retours,
    sujets,
    verifier_service,
)
from parcours.commands.frargparse import ArgumentParser

COMMANDS = (
    donnees,
    sujets,
    etudiants,
    publier,
    collecter,
    corriger,
    verifier_service,
    retours,
    notes,
    rapport,
)
# What a student's install (the base wheel) can run; every other command needs the teacher's extra.
STUDENT_COMMANDS = (donnees,)
TEACHER_MODULES = ("nbgrader", "nbconvert", "nbformat", "openpyxl", "sqlalchemy")

DESCRIPTION = """\
Outils de l'enseignant pour le cours « Suivi du parcours client » : données par étudiant,
sujets des TD, liste de classe, collecte des copies (Moodle, nbgrader), correction en parallèle
dans un bac à sable, retours, notes sur 20 et rapport de classe. Chaque commande a son aide :
parcours COMMANDE --help.
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="parcours", description=DESCRIPTION)
    parser.add_argument(
        "--version",
        action="version",
        version=f"parcours {__version__}",
        help="afficher la version et quitter",
    )
    sub = parser.add_subparsers(title="commandes", metavar="COMMANDE")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    if sys.modules[args.run.__module__] not in STUDENT_COMMANDS:
        missing = missing_teacher_modules()
        if missing:
            print(
                "parcours : erreur : cette commande fait partie des outils de l'enseignant, qui ne "
                f"sont pas installés (module absent : {', '.join(missing)}). Installez-les avec :\n"
                '    python -m pip install "parcours[enseignant]"',
                file=sys.stderr,
            )
            return 2
    try:
        return args.run(args)
    except ValueError as exc:
        print(f"parcours : erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("parcours : interrompu.", file=sys.stderr)
        return 130


def missing_teacher_modules() -> list[str]:
    """The modules of the ``enseignant`` extra that this environment lacks (none are imported)."""
    from importlib.util import find_spec

    return [name for name in TEACHER_MODULES if find_spec(name) is None]


def help_pages(width: int = 100) -> dict[str, str]:
    """The ``--help`` text of ``parcours`` and of each command (for the documentation page)."""
    import os

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        parser = build_parser()
        pages = {"parcours": parser.format_help()}
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        for name, command in sub.choices.items():
            pages[f"parcours {name}"] = command.format_help()
            for action in command._actions:
                if action.__class__.__name__ == "_SubParsersAction":
                    for child, parser_ in action.choices.items():
                        pages[f"parcours {name} {child}"] = parser_.format_help()
        return pages
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


if __name__ == "__main__":
    sys.exit(main())
