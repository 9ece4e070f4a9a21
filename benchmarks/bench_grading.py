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

`--grappe`: the Dask path instead of stock nbgrader. The benchmark starts a `dask scheduler` and
one `dask worker` with one process (of one thread) per core on 127.0.0.1, each in a short temporary folder of its
own, and grades the same 60 copies with the local pool and through `--grappe` in each run
(alternating which goes first). It reports both wall times (median of the runs), the scheduler's
own cost per task (round trip of empty tasks through the same scheduler), the time the one
gradebook writer spends per copy (alone, replaying the same results into a new course folder, as
on a teacher's machine while the cluster grades; and beside the local workers), and, on paper,
the wall time for 10,000 copies on 10 workers of 8 cores.
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


class LocalCluster:
    """``dask scheduler`` and one ``dask worker`` (one thread per core), real processes."""

    def __init__(self, threads: int) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        self.base = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
        self.procs = [
            self._start("ordonnanceur", ["scheduler", "--host", "127.0.0.1", "--port", str(port)]),
            self._start(
                "travailleur",
                [
                    "worker",
                    self.address,
                    "--nworkers",
                    str(threads),
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                ],
            ),
        ]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(threads, timeout=120)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        folder = self.base / name
        (folder / "tmp").mkdir(parents=True)
        env = dict(os.environ, TMPDIR=str(folder / "tmp"))
        args += ["--no-dashboard"]
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "dask"), *args],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def scheduler_overhead(address: str, n: int = 400) -> dict:
    """Seconds per empty task through the scheduler: one at a time (latency), and many at once."""
    from distributed import Client, as_completed

    with Client(address, timeout=60) as client:
        latency = []
        for i in range(50):
            t0 = time.perf_counter()
            client.submit(int, i, pure=False).result()
            latency.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        futures = [client.submit(int, i, pure=False) for i in range(n)]
        for _ in as_completed(futures):
            pass
        throughput = (time.perf_counter() - t0) / n
    return {"latence_s": statistics.median(latency), "debit_s": throughput}


def timed_writer(kept: list | None = None):
    """Wrap the batch's one gradebook writer to time it; returns the list of durations. With
    ``kept``, a copy of each worker result is appended to it (for :func:`writer_alone`)."""
    import copy

    from parcours.grading import batch as batch_mod

    original = getattr(batch_mod._save, "original", batch_mod._save)
    spent: list[float] = []

    def save(root, td, result, *args, **kwargs):
        if kept is not None:
            kept.append(copy.deepcopy(result))
        t0 = time.perf_counter()
        try:
            return original(root, td, result, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    save.original = original
    batch_mod._save = save
    return spent


class Replay:
    """An executor that hands the batch results already computed: only the writer works."""

    refused: list = []
    workers = 1

    def __init__(self, results) -> None:
        self.results = {r.etudiant: r for r in results}

    def run(self, tasks, settings, stop=None):
        import copy

        for t in tasks:
            yield copy.deepcopy(self.results[t.student])


def writer_alone(results, n_students: int, runs: int = 3) -> float:
    """Seconds per copy of the one gradebook writer with nothing else running (median of
    ``runs`` replays of the same results into a new course folder): the teacher's machine
    while the cluster grades."""
    from parcours.grading import batch as batch_mod

    medians = []
    executor = batch_mod._executor
    batch_mod._executor = lambda *a, **k: Replay(results)
    try:
        for _ in range(runs):
            base = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
            n = build(base, n_students)
            spent = timed_writer()
            batch_mod.grade_batch(TD, root=base, workers=1)
            medians.append(statistics.median(spent[-n:]))
            shutil.rmtree(base, ignore_errors=True)
    finally:
        batch_mod._executor = executor
    return statistics.median(medians)


def one_cluster_run(n_students: int, address: str, dask_first: bool) -> dict:
    from parcours.grading.batch import default_workers, grade_batch

    base = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    a, b = base / "local", base / "grappe"
    n = build(a, n_students)
    shutil.copytree(a, b)
    kept: list = []
    spent = timed_writer(kept)
    times, batches = {}, {}
    for name in ("grappe", "local") if dask_first else ("local", "grappe"):
        started = time.perf_counter()
        if name == "local":
            batches[name] = grade_batch(TD, root=a, workers=default_workers())
        else:
            batches[name] = grade_batch(TD, root=b, grappe=address)
        times[name] = time.perf_counter() - started
    local, remote = scores(a / "gradebook.db"), scores(b / "gradebook.db")
    shutil.rmtree(base, ignore_errors=True)
    return {
        "n": n,
        "local_s": times["local"],
        "grappe_s": times["grappe"],
        "workers": batches["grappe"].workers,
        "different": {s: (local.get(s), remote.get(s)) for s in local if local[s] != remote.get(s)},
        "writer_s": statistics.median(spent),
        "copy_s": batches["grappe"].stats.get("duree_moyenne_s", 0.0),
        "results": kept[:n],
    }


def cluster_main(runs_n: int, n_students: int) -> int:
    cluster = LocalCluster(threads=os.cpu_count() or 1)
    try:
        runs = [one_cluster_run(n_students, cluster.address, i % 2 == 1) for i in range(runs_n)]
        overhead = scheduler_overhead(cluster.address)
    finally:
        cluster.close()
    alone = writer_alone(runs[0]["results"], n_students)
    n = runs[0]["n"]
    for r in runs:
        if r["different"]:
            print(f"ÉCHEC : notes différentes pour {len(r['different'])} copies : {r['different']}")
            return 1
    local = statistics.median(r["local_s"] for r in runs)
    remote = statistics.median(r["grappe_s"] for r in runs)
    writer = statistics.median(r["writer_s"] for r in runs)
    threads = runs[0]["workers"]
    core_s = remote * threads / n  # a core's seconds per copy on the cluster path
    copies, cores = 10_000, 10 * 8
    grading = copies * core_s / cores
    paper = max(grading, copies * alone, copies * overhead["debit_s"])
    print(
        f"{n} copies de {TD}, {len(runs)} exécution(s), {os.cpu_count()} cœurs ; grappe : un "
        f"ordonnanceur et {threads} processus travailleurs sur 127.0.0.1."
    )
    print("Notes identiques copie par copie (grappe et local) : oui.")
    print(f"Local ({threads} travailleurs)  : {local:.1f} s, soit {local / n:.2f} s par copie.")
    print(f"Grappe Dask (--grappe) : {remote:.1f} s, soit {remote / n:.2f} s par copie.")
    print(
        f"Écart (médiane) : {100 * (remote / local - 1):+.1f} % (objectif ≤ +10 %) ; chaque "
        "exécution : "
        + ", ".join(f"{100 * (r['grappe_s'] / r['local_s'] - 1):+.1f} %" for r in runs)
        + "."
    )
    print(
        f"Ordonnanceur seul, par tâche vide : {1000 * overhead['latence_s']:.1f} ms aller-retour "
        f"une à une, {1000 * overhead['debit_s']:.2f} ms en flot ({400} tâches)."
    )
    print(
        f"Écriture d'un résultat dans le carnet (le seul rédacteur) : {1000 * alone:.0f} ms seul "
        f"sur la machine, {1000 * writer:.0f} ms à côté des travailleurs locaux."
    )
    print(
        f"Sur le papier, {copies} copies sur 10 travailleurs de 8 cœurs : {core_s:.2f} s de cœur "
        f"par copie → {grading / 60:.1f} min de correction ; le rédacteur unique demande "
        f"{copies * alone / 60:.1f} min et l'ordonnanceur {copies * overhead['debit_s'] / 60:.1f}"
        f" min : environ {paper / 60:.0f} min au total (le plus lent des trois)."
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--etudiants", type=int, default=12, help="5 copies par étudiant")
    parser.add_argument(
        "--grappe", action="store_true", help="le chemin Dask contre le pool local (pas nbgrader)"
    )
    args = parser.parse_args()
    if args.grappe:
        return cluster_main(args.runs, args.etudiants)
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
