"""``parcours corriger``: grade every submission of a TD, in parallel, each in a sandbox.

A thin layer over :func:`parcours.grading.batch.grade_batch`: arguments, progress (a bar on a terminal, plain
lines otherwise) and the French summary table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from parcours.term.wording import plural

HELP = "Corriger les copies d'un TD : en parallèle, chaque copie isolée, notes dans le carnet."
DESCRIPTION = """\
Corrige les copies submitted/<etudiant>/<TD>/<TD>.ipynb du dossier du cours (dossier courant) :
un noyau Python par copie, isolé (sans réseau, sans accès aux corrigés ni au carnet de notes),
plusieurs copies à la fois. Les vérifications tournent hors de la copie, sur les valeurs
de l'étudiant ou de l'étudiante exportées comme données : la copie ne peut pas tromper la note.

Le carnet de notes est sauvegardé avant chaque correction (les --sauvegardes dernières copies
sont gardées). Une copie déjà corrigée et inchangée
n'est pas recorrigée (sauf --force) : après une interruption, relancez simplement la commande.
Codes de sortie : 0 correction terminée (même si des copies ont échoué), 1 correction
impossible, 2 arguments invalides.

Exemples :
  parcours corriger td03_satisfaction
  parcours corriger td03_satisfaction --etudiant dupont.marie --force
  parcours corriger td03_satisfaction --travailleurs 4 --db postgresql://prof@localhost/notes
  parcours corriger td03_satisfaction --grappe tcp://ordonnanceur:8786
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"nombre entier attendu, pas « {text} »") from None
    if value < 1:
        raise ValueError("au moins 1 attendu")
    return value


def add_parser(subparsers) -> None:
    import argparse

    def workers(text: str) -> int:
        try:
            return _positive(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    p = subparsers.add_parser("corriger", help=HELP, description=DESCRIPTION)
    p.add_argument("td", help="TD à corriger, par exemple td03_satisfaction")
    p.add_argument(
        "--etudiant",
        metavar="ID",
        nargs="+",
        action="extend",
        help="ne corriger que les copies de ces identifiants (défaut : toutes les copies)",
    )
    p.add_argument(
        "--travailleurs",
        metavar="N",
        type=workers,
        default=None,
        help="copies corrigées en même temps (défaut : nombre de cœurs)",
    )
    p.add_argument("--force", action="store_true", help="recorriger aussi les copies inchangées")
    p.add_argument(
        "--sauvegardes",
        metavar="N",
        type=workers,
        default=10,
        help="sauvegardes du carnet de notes gardées, les plus récentes (défaut : 10)",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="carnet de notes (défaut : celui de nbgrader_config.py, sqlite:///gradebook.db)",
    )
    p.add_argument(
        "--grappe",
        metavar="ADRESSE",
        help="corriger sur une grappe Dask dont l'ordonnanceur est à cette adresse, par exemple "
        "tcp://ordonnanceur:8786, ou gateway://passerelle:8786/<nom> pour une grappe de Dask "
        "Gateway (défaut : c.Parcours.grappe de nbgrader_config.py, sinon cette machine)",
    )
    add_sandbox_arguments(p)
    p.set_defaults(run=run)


def add_sandbox_arguments(p) -> None:
    """``--sans-isolation`` and ``--racine``, shared by the commands that run copies."""
    p.add_argument(
        "--sans-isolation",
        action="store_true",
        help="exécuter les copies sans bac à sable (déconseillé : seulement si bwrap manque)",
    )
    p.add_argument(
        "--racine",
        metavar="DOSSIER",
        type=Path,
        default=Path("."),
        help="dossier du cours (défaut : dossier courant)",
    )


class Estimate:
    """Time left, from the pace of the copies already graded (never from the start-up time).

    The workers' start (sandbox, zygote, first kernel) is not a copy's cost: the pace is measured
    between finished copies only, over the last few ones (so it follows a slower end of batch),
    and nothing is announced before ``first`` copies are done.
    """

    def __init__(self, first: int = 3, window: int = 6) -> None:
        self.first = first
        self.window = window
        self.finished: list[float] = []

    def seconds(self, done: int, total: int, now: float) -> float | None:
        self.finished.append(now)
        if done < self.first or len(self.finished) < 2:
            return None
        recent = self.finished[-(self.window + 1) :]
        pace = (recent[-1] - recent[0]) / (len(recent) - 1)
        return pace * (total - done)

    def after(self, done: int, total: int, now: float) -> str:
        """The French words for the time left once ``done`` copies of ``total`` are graded."""
        left = self.seconds(done, total, now)
        if done >= total:
            return "terminé"
        if left is None:
            return f"reste : estimation après {self.first} copies"
        return f"reste ~{left:.0f} s"


class Progress:
    """A progress bar on a terminal, one plain line per submission otherwise."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.open = False  # a bar is on the line
        self.estimate = Estimate()

    def __call__(self, done: int, failed: int, total: int, result) -> None:
        left = self.estimate.after(done, total, time.monotonic())
        if self.tty:
            width = 30
            full = int(width * done / total)
            bar = "█" * full + "·" * (width - full)
            self.stream.write(f"\r[{bar}] {done}/{total} corrigées, {failed} en échec, {left}   ")
            self.open = done < total
            if done == total:
                self.stream.write("\n")
        else:
            status = result.echec.code.label if result.echec else ""
            self.stream.write(
                f"{done}/{total} {result.etudiant} : {result.score:g}/{result.max_score:g}"
                + (f" ({status})" if status else "")
                + f" — {left}\n"
            )
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished bar's line, so a message does not land on it."""
        if self.tty and self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


def summary(batch, *, announced: bool = False, manual_points: float = 0) -> str:
    from parcours.grading.batch import header_lines

    lines = [f"Correction de {batch.td} : {plural(len(batch.results), 'copie')}."]
    if not announced:
        lines += header_lines(batch)
    if manual_points:
        lines.append(
            f"Note automatique seulement : les réponses rédigées ({plural(manual_points, 'point')}) "
            "se notent dans formgrader."
        )
    rows = [("Identifiant", "Note", "Problème")]
    for student in sorted(batch.results):
        r = batch.results[student]
        problem = ""
        if r.echec:
            problem = f"{r.echec.code.label} : {r.echec.message}"
        elif r.alertes:
            problem = r.alertes[0]
        if r.manipulation:
            # the teacher sees every attempt, even beside a failure (it changes no score)
            from parcours.grading.manipulation import alert

            shown = alert(r.manipulation, shown=2)
            problem = (
                shown if not problem or problem == r.manipulation_alert else shown + " " + problem
            )
        if r.repris and not problem:
            problem = "inchangée, non recorrigée"
        rows.append((student, f"{r.score:g}/{r.max_score:g}", problem))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines.append("")
    for i, (a, b, c) in enumerate(rows):
        lines.append(f"{a:<{w0}}  {b:>{w1}}  {c}".rstrip())
        if i == 0:
            lines.append(f"{'-' * w0}  {'-' * w1}  {'-' * 8}")
    for problem in batch.problems:
        lines.append(f"Copie non corrigée : {problem}")
    for refused in batch.refused_workers:
        lines.append(f"Travailleur Dask refusé : {refused}")
    failed = len(batch.failed)
    lines.append("")
    lines.append(
        f"{plural(batch.graded, 'copie corrigée')} en {batch.duration_s:g} s, {failed} en échec, "
        f"{plural(len(batch.results) - batch.graded, 'inchangée')}."
    )
    return "\n".join(lines)


def nothing_to_grade(td: str, n: int) -> str:
    return (
        f"Rien à corriger pour {td} : {plural(n, 'copie déjà corrigée et inchangée')} "
        "(--force pour recorriger)."
    )


def run(args) -> int:
    from parcours.grading.batch import BatchError, Interrupted, grade_batch
    from parcours.term.anonymous import data_ids

    root = args.racine.resolve()
    if not (root / "solutions").is_dir():
        print(
            f"parcours corriger : erreur : {root} n'est pas un dossier de cours (pas de "
            "dossier solutions/). Lancez la commande depuis le dossier du cours ou donnez --racine.",
            file=sys.stderr,
        )
        return 2
    if not (root / "solutions" / args.td / f"{args.td}.ipynb").is_file():
        print(
            f"parcours corriger : erreur : TD inconnu « {args.td} » (pas de "
            f"solutions/{args.td}/{args.td}.ipynb).",
            file=sys.stderr,
        )
        return 2
    if args.db and not args.db.startswith(("sqlite:///", "postgresql://", "postgresql+")):
        print(
            "parcours corriger : erreur : --db attend une adresse sqlite:///… ou postgresql://…",
            file=sys.stderr,
        )
        return 2
    if args.etudiant:
        unknown = [s for s in args.etudiant if not (root / "submitted" / s / args.td).is_dir()]
        if unknown:
            print(
                f"parcours corriger : erreur : aucune copie de {args.td} pour "
                + ", ".join(f"« {s} »" for s in unknown)
                + f" (pas de dossier submitted/<etudiant>/{args.td}/). Vérifiez l'identifiant "
                "ou collectez d'abord les copies.",
                file=sys.stderr,
            )
            return 2
    if not args.force:
        from parcours.grading.up_to_date import all_graded

        graded = all_graded(args.td, root=root, students=args.etudiant, db_url=args.db)
        if graded:  # before any backup, worker or kernel
            print(nothing_to_grade(args.td, len(graded)))
            return 0
    progress = Progress()

    def announce(line: str) -> None:
        progress.close()
        print(line, file=sys.stderr, flush=True)

    print(f"Préparation de la correction de {args.td}…", file=sys.stderr, flush=True)
    try:
        batch = grade_batch(
            args.td,
            root=root,
            students=args.etudiant,
            workers=args.travailleurs,
            isolation=not args.sans_isolation,
            db_url=args.db,
            force=args.force,
            progress=progress,
            backups_kept=args.sauvegardes,
            announce=announce,
            grappe=args.grappe,
            data_ids=data_ids(root, args.td),
        )
    except Interrupted as exc:
        progress.close()
        print(
            f"parcours corriger : interrompu — {plural(exc.saved, 'copie corrigée et enregistrée')} "
            f"sur {exc.total} ; relancez la même commande pour reprendre (les copies déjà "
            "corrigées ne sont pas recorrigées).",
            file=sys.stderr,
        )
        return 130
    except BatchError as exc:
        progress.close()
        print(f"parcours corriger : {exc}", file=sys.stderr)
        return 1
    print(summary(batch, announced=True, manual_points=_manual_points(root, args.td)))
    return 0


def _manual_points(root: Path, td: str) -> float:
    """Points of the written answers (graded by hand in formgrader), from the TD's source."""
    import json

    try:
        nb = json.loads((root / "solutions" / td / f"{td}.ipynb").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return sum(
        float(c["metadata"]["nbgrader"].get("points") or 0)
        for c in nb.get("cells", [])
        if c.get("cell_type") == "markdown"
        and c.get("metadata", {}).get("nbgrader", {}).get("grade")
    )
