"""The teacher's term for 500 students: collecting a Moodle archive, ``notes`` and ``rapport``
[each < 10 s after grading; report page < 2 MB].

A course with td03 is set up, 500 students imported, a Moodle archive built like Moodle's (with its
worksheet, every kind of submission of the test class), then collected with the real command.
Grading is not measured: the gradebook rows of 500 graded submissions and their contract-3 result
files are fabricated. Each command runs as the teacher runs it (a new process, imports included);
medians of three runs.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import termclass as tc  # noqa: E402

N = 500
RUNS = 3
BIN = Path(sys.executable).parent


def cli(*args: str, cwd: Path) -> float:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", MPLBACKEND="Agg")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "parcours"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"échec de parcours {' '.join(args)} :\n{proc.stderr}")
    return elapsed


def fabricate_grades(root: Path, members: list[tc.Member]) -> None:
    """Graded gradebook rows and result files, as a grading run of the class would leave them."""
    from nbgrader.api import Grade, GradeCell, SubmittedAssignment, SubmittedNotebook

    from parcours.term.course import open_course

    rng = random.Random(3)
    course = open_course(root)
    with course.gradebook() as gb:
        for m in members:
            if m.kind != "missing":
                gb.add_submission(tc.TD, m.id)
        rows = (
            gb.db.query(
                Grade,
                GradeCell.name,
                GradeCell.cell_type,
                GradeCell.max_score,
                SubmittedAssignment.student_id,
            )
            .join(GradeCell, Grade.cell_id == GradeCell.id)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .all()
        )
        results: dict[str, dict] = {}
        for grade, name, ctype, mx, sid in rows:
            if ctype == "code":
                grade.auto_score = mx if rng.random() < 0.7 else 0.0
                grade.needs_manual_grade = False
            else:
                grade.auto_score = None
                grade.needs_manual_grade = rng.random() < 0.5
                grade.manual_score = None if grade.needs_manual_grade else rng.choice([0, 1.5, 3])
            res = results.setdefault(
                sid, {"etudiant": sid, "td": tc.TD, "questions": {}, "echec": None, "alertes": []}
            )
            if ctype == "code":
                res["questions"][name] = {
                    "points": grade.auto_score,
                    "max": mx,
                    "message": "" if grade.auto_score else "Réponse incorrecte.",
                }
        gb.db.commit()
    for i, (sid, res) in enumerate(sorted(results.items())):
        if i % 97 == 0:
            res["echec"] = {"code": "delai", "message": "Le notebook a dépassé le temps permis."}
        folder = root / "autograded" / sid / tc.TD
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "parcours_resultat.json").write_text(
            json.dumps(res, ensure_ascii=False), encoding="utf-8"
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-term-") as tmp:
        tmp = Path(tmp)
        root = tc.make_course(tmp)
        members = tc.make_class(N)
        tc.write_class_list(members, tmp / "liste.csv")
        t_import = cli("etudiants", "importer", str(tmp / "liste.csv"), cwd=root)
        from parcours.grading.config import _env
        from parcours.term.course import open_course

        with _env():
            result = open_course(root).api().generate_assignment(tc.TD, force=True, create=True)
        assert result["success"], result
        archive, sheet = tc.build_moodle(root, members, tmp)
        size_mb = archive.stat().st_size / 1e6
        collect = [
            "collecter",
            tc.TD,
            "--depuis",
            str(archive),
            "--feuille",
            str(sheet),
            "--limite",
            "2026-11-20 18:00",
        ]
        first = cli(*collect, cwd=root)
        again = [cli(*collect, cwd=root) for _ in range(RUNS - 1)]
        fabricate_grades(root, members)
        notes = [cli("notes", tc.TD, cwd=root) for _ in range(RUNS)]
        xlsx = [cli("notes", tc.TD, "--format", "xlsx", cwd=root) for _ in range(RUNS)]
        moodle = [
            cli("notes", tc.TD, "--format", "moodle", "--feuille", str(sheet), cwd=root)
            for _ in range(RUNS)
        ]
        report = [cli("rapport", tc.TD, cwd=root) for _ in range(RUNS)]
        retours = cli("retours", tc.TD, cwd=root)
        page = root / "rapports" / f"rapport_{tc.TD}.html"
        print(
            f"Trimestre de {N} étudiants (médianes de {RUNS} exécutions, processus neuf à chaque fois) :"
        )
        print(f"  etudiants importer            {t_import:6.2f} s")
        print(
            f"  collecter (archive {size_mb:.0f} Mo)    {first:6.2f} s ; réimport inchangé {statistics.median(again):.2f} s  [< 10 s]"
        )
        print(f"  notes (CSV)                   {statistics.median(notes):6.2f} s  [< 10 s]")
        print(f"  notes --format xlsx           {statistics.median(xlsx):6.2f} s")
        print(f"  notes --format moodle         {statistics.median(moodle):6.2f} s")
        print(f"  rapport                       {statistics.median(report):6.2f} s  [< 10 s]")
        print(f"  retours (500 pages)           {retours:6.2f} s")
        print(f"  taille du rapport             {page.stat().st_size / 1e6:6.2f} Mo  [< 2 Mo]")


if __name__ == "__main__":
    main()
