"""« Vérifier ma copie » under load: 10 students verify td03 at once on a warm service.

Grades through :class:`parcours.term.verification_service.Verifier` (the service's core: limits,
sandboxed warm workers, trusted checks, filtered answer), 10 threads posting at the same moment
after one warm-up verification. Prints the median and 95th percentile from request to answer,
for each run and the median over the runs. Target (issue 17): median < 3 s, p95 < 8 s on 2 cores.

    .venv/bin/python benchmarks/bench_verifier.py [--etudiants 10] [--simultanees 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--etudiants", type=int, default=10)
    parser.add_argument("--simultanees", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import nbformat

    from parcours.grading.config import Course, _env
    from parcours.term.verification_service import Verifier

    td = "td03_satisfaction"
    with tempfile.TemporaryDirectory() as tmp, _env(), Course(td) as course:
        root = Path(tmp)
        (root / "solutions").symlink_to(course.root / "solutions")
        root.joinpath("nbgrader_config.py").write_text(
            Path(__file__).resolve().parents[1].joinpath("nbgrader_config.py").read_text()
        )
        notebook = nbformat.writes(course.submission()).encode()
        verifier = Verifier(root, attempts_per_day=1000, concurrent=args.simultanees).start()
        try:
            verifier.verify("echauffement", td, notebook)  # warm service

            def one(i: int) -> float:
                started = time.perf_counter()
                answer = verifier.verify(f"etudiant{i:03d}", td, notebook)
                assert answer["points"] == 16, answer
                return time.perf_counter() - started

            medians, p95s = [], []
            for run in range(args.runs):
                first = run * args.etudiants
                with ThreadPoolExecutor(args.etudiants) as pool:
                    times = sorted(pool.map(one, range(first, first + args.etudiants)))
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                medians.append(statistics.median(times))
                p95s.append(p95)
                print(
                    f"essai {run + 1} : médiane {medians[-1]:.2f} s, 95e centile {p95:.2f} s, "
                    f"max {times[-1]:.2f} s"
                )
        finally:
            verifier.close()
    print(
        f"{args.etudiants} vérifications simultanées, {args.simultanees} correction(s) à la fois, "
        f"{args.runs} essai(s) : médiane {statistics.median(medians):.2f} s, "
        f"95e centile {statistics.median(p95s):.2f} s (médianes des essais)"
    )


if __name__ == "__main__":
    main()
