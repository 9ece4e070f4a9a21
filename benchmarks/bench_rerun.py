"""`parcours corriger` rerun with nothing to grade: the quick check against the full batch path.

Builds a class of td03_satisfaction copies (12 students × 5 variants by default), grades it once,
then times, each in a fresh process:
- « rien à corriger » : `parcours corriger td03_satisfaction` (the quick check, no worker);
- « chemin complet » : `grade_batch` on the same folder (what a rerun cost before the quick check:
  nbgrader's config and gradebook, a backup, every copy looked up in the gradebook).
Reports the median of `--runs` runs (default 5) of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grading import TD, build  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    assert "Rien à corriger" in out.stdout or "inchangée" in out.stdout, out.stdout
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--students", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pc-bench-", dir="/tmp") as tmp:
        root = Path(tmp)
        n = build(root, args.students)
        from parcours.grading.batch import grade_batch

        first = grade_batch(TD, root=root)
        assert first.graded == n and not first.failed
        quick = [
            timed([sys.executable, "-m", "parcours.cli", "corriger", TD], root)
            for _ in range(args.runs)
        ]
        code = (
            "from parcours.grading.batch import grade_batch; from parcours.commands.corriger "
            f"import summary; print(summary(grade_batch({TD!r}, root='.')))"
        )
        full = [timed([sys.executable, "-c", code], root) for _ in range(args.runs)]
    print(f"{n} copies déjà corrigées, {args.runs} mesures, médianes :")
    print(f"  rien à corriger (vérification rapide) : {statistics.median(quick):.2f} s")
    print(f"  chemin complet (grade_batch)          : {statistics.median(full):.2f} s")
    print(
        "  chaque mesure :",
        ", ".join(f"{t:.2f}" for t in quick),
        "|",
        ", ".join(f"{t:.2f}" for t in full),
    )


if __name__ == "__main__":
    main()
