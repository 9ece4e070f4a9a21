"""``parcours verifier-service``: the « Vérifier ma copie » JupyterHub service."""

from __future__ import annotations

from pathlib import Path

from parcours.commands.corriger import add_sandbox_arguments

HELP = "Service JupyterHub « Vérifier ma copie » : correction immédiate et indicative."
DESCRIPTION = """\
Service lancé par JupyterHub (déclaré dans jupyterhub_config.py, voir
deploy/jupyterhub_config.py) : il reçoit le notebook enregistré d'un étudiant ou d'une
étudiante, envoyé par parcours.verifier() depuis son notebook, le corrige comme
« parcours corriger » (bac à sable, vérifications hors de la copie, sur ses propres
données) et répond les points par question avec les seuls messages visibles. Rien n'est
écrit dans le carnet de notes : ce n'est jamais la note. Chaque vérification est notée
dans verifications.csv (qui, quand, TD, points).

Limites (nbgrader_config.py du cours, ou options ci-dessous) :
  c.VerificationService.attempts_per_day = 5   essais par TD et par 24 heures
  c.VerificationService.concurrent = 2         corrections en même temps

Exemple (commande du service dans jupyterhub_config.py) :
  parcours verifier-service --racine /srv/cours
"""


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, pas « {text} »") from None
    if value < 1:
        raise argparse.ArgumentTypeError("au moins 1")
    return value


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("verifier-service", help=HELP, description=DESCRIPTION)
    p.add_argument(
        "--essais",
        metavar="N",
        type=_positive,
        default=None,
        help="vérifications permises par étudiant, par TD et par 24 heures (défaut : 5)",
    )
    p.add_argument(
        "--simultanees",
        metavar="N",
        type=_positive,
        default=None,
        help="corrections en même temps (défaut : 2)",
    )
    add_sandbox_arguments(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from parcours.grading.instant import InstantError
    from parcours.term.verification_service import serve

    root = Path(args.racine)
    if not (root / "solutions").is_dir():
        raise ValueError(f"Dossier du cours invalide : {root} n'a pas de dossier solutions/.")
    try:
        return serve(
            root,
            isolation=not args.sans_isolation,
            attempts_per_day=args.essais,
            concurrent=args.simultanees,
        )
    except InstantError as exc:
        raise ValueError(str(exc)) from None
