"""`parcours corriger` against plain sequential `nbgrader autograde`, same copies, same run.

60 copies of td03_satisfaction (full, blank, partial, typical mistakes; 12 students) are graded
twice in two copies of one temporary course folder:
- « nbgrader » : `nbgrader autograde td03_satisfaction` (one process, one copy after the other,
  tests run inside each student's kernel, PARCOURS_ETUDIANT set per copy; it gets the same
  sliced kernel client as ours, so neither side pays pyzmq's missed-wakeup 60 s stalls);
- « parcours corriger » : `grade_batch` with the default number of workers (one per core),
  sandboxed kernels forked from each worker's zygote, trusted checks in the grader.
Scores must be identical copy by copy. Reports the ratio, seconds per copy for both, the cost of
the sandbox (kernel start with and without bwrap) and of the trusted checks, and the peak memory
of a worker. `--runs N` repeats the whole comparison and reports medians (default 1: one run of
both takes several minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
TD = "td03_satisfaction"

MISTAKES = {
    "csat": {"td03_q03_csat_reponse": 'csat = repondants["note_csat"].mean()'},
    "nps": {
        "td03_q02_nps_global_reponse": (
            "def calcul_nps(notes):\n    return ((notes >= 9).mean() - (notes <= 7).mean()) * 100\n"
            'nps_global = calcul_nps(repondants["note_nps"])'
        )
    },
}


def build(folder: Path, n_students: int) -> int:
    import nbformat

    from parcours.grading.config import Course

    course = Course(TD)
    (folder / "solutions" / TD).mkdir(parents=True)
    shutil.copy2(course.source_path, folder / "solutions" / TD / f"{TD}.ipynb")
    shutil.copy2(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    full = course.submission()
    answers = [
        (c.metadata["nbgrader"]["grade_id"], c.source)
        for c in full.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    ]
    half = {gid: src for gid, src in answers[: len(answers) // 2]}
    variants = {
        "plein": course.submission(),
        "vide": course.submission(blank=True),
        "partiel": _partial(course, half),
        "csat": course.submission(replace=MISTAKES["csat"]),
        "nps": course.submission(replace=MISTAKES["nps"]),
    }
    count = 0
    for i in range(n_students):
        for name, nb in variants.items():
            student = f"etu{i:02d}.{name}"
            d = folder / "submitted" / student / TD
            d.mkdir(parents=True)
            nbformat.write(nb, d / f"{TD}.ipynb")
            count += 1
    course.close()
    return count


def _partial(course, kept: dict):
    nb = course.submission(blank=True)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in kept:
            cell.source = kept[gid]
    return nb


def scores(db: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        return {s.student.id: round(s.score, 6) for s in gb.assignment_submissions(TD)}


def plain_nbgrader(folder: Path) -> float:
    """Sequential stock nbgrader: tests inside the student's kernel (ExecuteAsStudent)."""
    config = (folder / "nbgrader_config.py").read_text(encoding="utf-8")
    config = config.replace(
        "from parcours.grading.nbgrader_execute import TrustedExecute",
        "from parcours.grading.nbgrader_execute import ExecuteAsStudent",
    ).replace("    TrustedExecute,", "    ExecuteAsStudent,")
    (folder / "nbgrader_config.py").write_text(config, encoding="utf-8")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "nbgrader"),
            "generate_assignment",
            TD,
            "--force",
            "--CourseDirectory.release_directory=_publication",
        ],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "autograde", TD, "--force"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def kernel_start(isolated: bool, runs: int = 3) -> float:
    from jupyter_core.utils import run_sync

    from parcours.grading.sandbox import SandboxedKernelManager

    times = []
    for _ in range(runs):
        km = SandboxedKernelManager(kernel_name="python3", isolated=isolated)
        t0 = time.perf_counter()
        run_sync(km.start_kernel)()
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        times.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.cleanup_all()
    return statistics.median(times)


def forked_start(runs: int = 5) -> float:
    """Median time to fork a ready kernel from a worker's zygote, and clean up after it."""
    from jupyter_core.utils import run_sync

    from parcours.grading.kernel_pool import ForkedKernelManager, ZygoteSandbox

    sandbox = ZygoteSandbox()
    times = []
    try:
        sandbox.ready()
        for _ in range(runs):
            t0 = time.perf_counter()
            km = ForkedKernelManager(kernel_name="python3", sandbox=sandbox)
            run_sync(km.start_kernel)()
            kc = km.client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=60)
            kc.stop_channels()
            km.cleanup_all()
            times.append(time.perf_counter() - t0)
    finally:
        sandbox.close()
    return statistics.median(times)


def one_run(n_students: int) -> dict:
    from parcours.grading.batch import default_workers, grade_batch

    base = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    a, b = base / "nbgrader", base / "corriger"
    n = build(a, n_students)
    shutil.copytree(a, b)
    t_plain = plain_nbgrader(a)
    started = time.perf_counter()
    batch = grade_batch(TD, root=b, workers=default_workers())
    t_ours = time.perf_counter() - started
    plain, ours = scores(a / "gradebook.db"), scores(b / "gradebook.db")
    shutil.rmtree(base, ignore_errors=True)
    different = {
        s: (plain.get(s), ours.get(s))
        for s in set(plain) | set(ours)
        if plain.get(s) != ours.get(s)
    }
    return {
        "n": n,
        "plain_s": t_plain,
        "ours_s": t_ours,
        "different": different,
        "checks_s": batch.stats.get("verifications_s", 0.0),
        "scan_s": batch.stats.get("analyse_s", 0.0),
        "rss_mo": batch.stats.get("rss_max_mo", 0.0),
        "rss_kernel_mo": batch.stats.get("rss_noyau_mo", 0.0),
        "rss_zygote_mo": batch.stats.get("rss_zygote_mo", 0.0),
        "workers": batch.workers,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--etudiants", type=int, default=12, help="5 copies par étudiant")
    args = parser.parse_args()
    runs = [one_run(args.etudiants) for _ in range(args.runs)]
    n = runs[0]["n"]
    for r in runs:
        if r["different"]:
            print(f"ÉCHEC : notes différentes pour {len(r['different'])} copies : {r['different']}")
            return 1
    plain = statistics.median(r["plain_s"] for r in runs)
    ours = statistics.median(r["ours_s"] for r in runs)
    ratios = [r["plain_s"] / r["ours_s"] for r in runs]
    sandboxed, bare, forked = kernel_start(True), kernel_start(False), forked_start()
    print(
        f"{n} copies de {TD}, {runs[0]['workers']} travailleurs, {len(runs)} exécution(s), "
        f"{os.cpu_count()} cœurs."
    )
    print("Notes identiques copie par copie : oui.")
    print(f"nbgrader autograde séquentiel : {plain:.1f} s, soit {plain / n:.2f} s par copie.")
    print(f"parcours corriger            : {ours:.1f} s, soit {ours / n:.2f} s par copie.")
    print(f"Rapport (médiane) : {statistics.median(ratios):.2f}× (objectif ≥ 3× sur 2 cœurs).")
    print(f"Rapports de chaque exécution : {', '.join(f'{r:.2f}×' for r in ratios)}.")
    print(
        f"Bac à sable : un noyau neuf démarre en {sandboxed:.2f} s isolé contre {bare:.2f} s sans "
        f"isolation ({sandboxed - bare:+.2f} s) ; un noyau bifurqué du zygote d'un travailleur, "
        f"prêt puis nettoyé : {forked:.2f} s par copie."
    )
    print(
        f"Vérifications de confiance (côté correcteur) : "
        f"{statistics.median(r['checks_s'] for r in runs):.2f} s par copie."
    )
    print(
        "Recherche des tentatives de manipulation (analyse statique des cellules de l'élève) : "
        f"{statistics.median(r['scan_s'] for r in runs) * 1000:.1f} ms par copie."
    )
    print(
        f"Mémoire maximale (RSS) : travailleur {max(r['rss_mo'] for r in runs):.0f} Mo, "
        f"zygote {max(r['rss_zygote_mo'] for r in runs):.0f} Mo, "
        f"noyau d'une copie {max(r['rss_kernel_mo'] for r in runs):.0f} Mo "
        "(le noyau partage les pages du zygote)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
