"""The ``parcours`` command: a thin French CLI that hands off to one module per command."""

from __future__ import annotations

import sys

from parcours import __version__
from parcours.commands import donnees, sujets
from parcours.frargparse import ArgumentParser

COMMANDS = (donnees, sujets)

DESCRIPTION = """\
Outils de l'enseignant pour le cours « Suivi du parcours client » : données par étudiant,
sujets des TD. Chaque commande a son aide : parcours COMMANDE --help.
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
    try:
        return args.run(args)
    except ValueError as exc:
        print(f"parcours : erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("parcours : interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
