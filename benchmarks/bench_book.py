"""Build time of the course book: cold build and no-change rebuild (medians of several runs).

Run from the repository root: `.venv/bin/python benchmarks/bench_book.py [--runs N]`.
Targets on 2 cores: cold build < 120 s, rebuild with nothing changed < 20 s.
It deletes and rebuilds `_build/` (the jupyter-cache included) for the cold runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
JB = Path(sys.executable).with_name("jupyter-book")
COLD_TARGET_S = 120
REBUILD_TARGET_S = 20


def build() -> float:
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = [str(JB), "build", str(ROOT), "--builder", "html", "-n", "-W", "--keep-going"]
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit("la construction du livre a échoué")
    return elapsed


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def heaviest_page(html: Path) -> tuple[str, int]:
    """The .html page with the largest total weight (page plus the images it embeds)."""
    best = ("", 0)
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="ignore")
        weight = page.stat().st_size
        for image in (html / "_images").glob("*"):
            if image.name in text:
                weight += image.stat().st_size
        if weight > best[1]:
            best = (str(page.relative_to(html)), weight)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="essais de chaque sorte (défaut : 3)")
    args = parser.parse_args()

    cold, warm = [], []
    for _ in range(args.runs):
        shutil.rmtree(BUILD, ignore_errors=True)
        cold.append(build())
        warm.append(build())

    median_cold = statistics.median(cold)
    median_warm = statistics.median(warm)
    page, weight = heaviest_page(HTML)
    print(f"cœurs : {os.cpu_count()}  essais : {args.runs}")
    print(
        f"construction à froid : médiane {median_cold:6.1f} s  (essais : {', '.join(f'{t:.1f}' for t in cold)})"
        f"  [< {COLD_TARGET_S} s]"
    )
    print(
        f"reconstruction sans changement : médiane {median_warm:6.1f} s  (essais : {', '.join(f'{t:.1f}' for t in warm)})"
        f"  [< {REBUILD_TARGET_S} s]"
    )
    print(f"taille de _build/html : {size_of(HTML) / 1e6:.1f} Mo")
    print(f"page la plus lourde : {page}, {weight / 1e3:.0f} ko (HTML et ses images)")
    if median_cold > COLD_TARGET_S or median_warm > REBUILD_TARGET_S:
        raise SystemExit("objectif dépassé")


if __name__ == "__main__":
    main()
