"""Test helper: a generated class for the teacher's term (class list, Moodle archive and grading
worksheet built like Moodle's, submissions of every kind), and the one grading step.

``grade_class`` is the single place where the class is graded (one ``nbgrader autograde TD`` run
over all students); the integrator switches it to ``parcours corriger``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from parcours.grading.config import strip_solution_markers

ROOT = Path(__file__).resolve().parents[1]
TD = "td03_satisfaction"
CANARY = "CANARI-7Q2X-SECRET"
# A hidden test whose message is computed (value + canary): it must never reach a feedback page.
CANARY_TEST = (
    "from parcours import charger as _charger\n\n"
    '_attendu = _charger("enquete")["repondu"].mean() * 100\n'
    f'_canari = "{CANARY}"  # {CANARY}\n'
    "assert abs(float(taux_reponse) - _attendu) < 0.01, "
    'f"{_canari} attendu {_attendu:.6f}"\n'
)

FIRST = ["Zoé", "Élodie", "Jérôme", "Anaïs", "Loïc", "Inès", "Théo", "Maëlle", "Noé", "Chloé"]
LAST = ["École", "Durand", "Lefèvre", "Martin", "Girard", "Bénard", "Nguyen", "Faure", "Roché"]


@dataclass
class Member:
    id: str
    nom: str
    prenom: str
    email: str
    groupe: str
    kind: str  # full, blank, partial, mistake, copy, late, missing, duplicate, identity
    participant: int

    @property
    def full(self) -> str:
        return f"{self.prenom} {self.nom}"


KINDS = (
    ["full"] * 8
    + ["blank"] * 3
    + ["partial"] * 5
    + ["mistake"] * 5
    + ["copy"] * 2
    + ["late"] * 2
    + ["missing"] * 3
    + ["duplicate", "identity", "homonym", "homonym"]
)

# Typical mistakes: CSAT as the mean of the 1–5 marks, a response rate rounded too early, survey
# design "A". Each loses exactly the named items.
MISTAKES = {
    "td03_q03_csat_reponse": 'csat = repondants["note_csat"].mean()\nprint(csat)',
    # Cut to a whole number: passes the visible test, fails the hidden one (whose message is
    # computed). A rounded value could pass, as the grading policy accepts 20 for 19.99.
    "td03_q01_taux_reponse_reponse": 'taux_reponse = int(enquete["repondu"].mean() * 100)',
    "td03_q10_strategie_reponse": 'reponse_q10 = "A"',
}
# The two copiers write the same unusual CSAT code, with other variable names and layout.
COPY_CODE = (
    "notes_{v} = repondants['note_csat'].astype(int)\n"
    "satisfaits_{v} = [n for n in notes_{v} if n in (4, 5)]\n"
    "total_{v} = len(list(notes_{v}))\n"
    "csat = 100 * len(satisfaits_{v}) / total_{v}\n"
    "print( csat )"
)


def run_cli(*args) -> tuple[int, str, str]:
    """``parcours <args>`` in this process: ``(exit code, stdout, stderr)``."""
    import contextlib

    from parcours.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def make_class(n: int = 34) -> list[Member]:
    kinds = (KINDS * (n // len(KINDS) + 1))[:n]
    members = []
    for i, kind in enumerate(kinds):
        prenom, nom = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        if kind == "homonym":
            prenom, nom = "Camille", "Martin"
        sid = f"e{i + 1:03d}"
        members.append(
            Member(sid, nom, prenom, f"{sid}@etu.exemple.fr", f"G{i % 2 + 1}", kind, 1000 + i * 3)
        )
    return members


def write_class_list(members: list[Member], path: Path) -> None:
    """Pronote-like export: ';', Windows-1252, French headers."""
    lines = ["Identifiant;Nom;Prénom;Adresse de courriel;Groupe"]
    lines += [f"{m.id};{m.nom.upper()};{m.prenom};{m.email};{m.groupe}" for m in members]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def make_course(tmp: Path) -> Path:
    """A course folder with td03 (its q01 hidden test carries the canary) and the course config."""
    root = tmp / "cours"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / TD, root / "solutions" / TD)
    path = root / "solutions" / TD / f"{TD}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "td03_q01_taux_reponse":
            src = "".join(cell["source"])
            start = src.index("### BEGIN HIDDEN TESTS\n") + len("### BEGIN HIDDEN TESTS\n")
            end = src.index("### END HIDDEN TESTS")
            cell["source"] = src[:start] + CANARY_TEST + src[end:]
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    exchange = tmp / "echange"
    exchange.mkdir()
    exchange.chmod(0o777)
    config += f"\nc.Exchange.root = {str(exchange)!r}\n"
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return root


def answer_cells(root: Path) -> dict[str, str]:
    nb = json.loads((root / "solutions" / TD / f"{TD}.ipynb").read_text(encoding="utf-8"))
    return {
        c["metadata"]["nbgrader"]["grade_id"]: strip_solution_markers("".join(c["source"]))
        for c in nb["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
    }


def answered(kind: str, answer_id: str) -> bool:
    """Whether a copy of this kind fills the answer cell *answer_id* (a partial copy answers only
    the first half, questions 1 to 5)."""
    return kind != "blank" and not (kind == "partial" and answer_id > "td03_q06")


def submission(root: Path, member: Member, members: list[Member]) -> bytes:
    release = json.loads((root / "exercises" / TD / f"{TD}.ipynb").read_text(encoding="utf-8"))
    solutions = answer_cells(root)
    kind = member.kind
    for cell in release["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id", "")
        if gid == "td03_preparation" and kind == "identity":
            other = next(m for m in members if m.id != member.id)
            cell["outputs"] = [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"Données chargées pour « {other.id} ».\n",
                }
            ]
        if meta.get("solution") and cell["cell_type"] == "markdown":
            if kind not in ("blank", "partial"):
                cell["source"] = WRITTEN_ANSWER
            continue
        if not meta.get("solution") or cell["cell_type"] != "code" or kind == "blank":
            continue
        code = solutions[gid]
        if kind == "mistake" and gid in MISTAKES:
            code = MISTAKES[gid]
        if not answered(kind, gid):
            continue
        if kind == "copy" and gid == "td03_q03_csat_reponse":
            first = next(m for m in members if m.kind == "copy")
            code = COPY_CODE.format(v="x" if member.id == first.id else "autre_nom")
        cell["source"] = code
    return json.dumps(release, ensure_ascii=False, indent=1).encode("utf-8")


WRITTEN_ANSWER = (
    "Le NPS est faible chez les clients en magasin : je propose de former l'accueil et de "
    "raccourcir le délai de traitement des réclamations."
)
DEADLINE = datetime(2026, 11, 20, 18, 0)


def build_moodle(root: Path, members: list[Member], tmp: Path) -> tuple[Path, Path]:
    """Moodle's « Télécharger tous les travaux remis » archive and its grading worksheet."""
    archive = tmp / "travaux.zip"
    sheet_rows = []
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for i, m in enumerate(members):
            # Moodle writes the full name as the platform shows it; accents may be lost.
            shown = m.full if i % 3 else f"{m.nom} {m.prenom}"
            last = ""
            if m.kind != "missing":
                when = datetime(2026, 11, 20, 9 + i % 8, i % 60)
                if m.kind == "late":
                    when = datetime(2026, 11, 21, 10, 30)
                data = submission(root, m, members)
                folder = f"{shown}_{m.participant}_assignsubmission_file"
                if i % 4 == 0:
                    folder += "_"  # older Moodle
                if i % 5 == 1:  # flat archive entry
                    name = f"{shown}_{m.participant}_assignsubmission_file_{TD}.ipynb"
                else:
                    name = f"{folder}/{TD}.ipynb"
                z.writestr(zipfile.ZipInfo(name, when.timetuple()[:6]), data)
                if m.kind == "duplicate":
                    older = datetime(2026, 11, 19, 8, 0)
                    z.writestr(
                        zipfile.ZipInfo(f"{folder}/{TD} (ancienne).ipynb", older.timetuple()[:6]),
                        submission(root, Member(**{**m.__dict__, "kind": "blank"}), members),
                    )
                last = fr_moodle_date(when)
            sheet_rows.append(
                [
                    f"Participant {m.participant}",
                    shown,
                    m.email,
                    "Remis pour évaluation" if m.kind != "missing" else "Aucun devoir",
                    "",
                    "20,00",
                    "Oui",
                    last or "-",
                    "-",
                    "",
                ]
            )
        # A submission from someone who is not on the class list.
        z.writestr(
            zipfile.ZipInfo(f"Kévin Inconnu_9999_assignsubmission_file/{TD}.ipynb"),
            submission(root, Member("x", "Inconnu", "Kévin", "", "", "full", 9999), members),
        )
    sheet_rows.append(
        [
            "Participant 9999",
            "Kévin Inconnu",
            "kevin@ailleurs.fr",
            "",
            "",
            "20,00",
            "Oui",
            "",
            "",
            "",
        ]
    )
    sheet = tmp / "feuille.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "Identifiant",
            "Nom complet",
            "Adresse de courriel",
            "Statut",
            "Note",
            "Note maximale",
            "Note modifiable",
            "Dernière modification (travail remis)",
            "Dernière modification (note)",
            "Feedback comments",
        ]
    )
    w.writerows(sheet_rows)
    sheet.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return archive, sheet


DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
MONTHS += ["septembre", "octobre", "novembre", "décembre"]


def fr_moodle_date(when: datetime) -> str:
    return f"{DAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]} {when.year}, {when:%H:%M}"


def grade_class(root: Path, *, db: str | None = None) -> tuple[int, str, str]:
    """Grade every submission of TD in one ``parcours corriger`` batch (two workers, sandboxed)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [str(Path(sys.executable).parent / "parcours"), "corriger", TD, "--racine", str(root)]
    cmd += ["--travailleurs", "2"] + (["--db", db] if db else [])
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, proc.stdout, proc.stderr
