"""Run time of each TD's solution notebook, end to end in a new kernel [< 15 s each].

The source notebook (solutions and hidden tests included) runs as the grader would run a perfect
copy: kernel start, every cell, kernel stop. Median of three runs, and the slowest cell.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


def run_once(path: Path) -> tuple[float, float, str]:
    nb = nbformat.read(path, as_version=4)
    os.environ["PARCOURS_ETUDIANT"] = "bench.etudiant"
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    t0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - t0
    slowest, label = 0.0, ""
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            from datetime import datetime

            seconds = (
                datetime.fromisoformat(end.replace("Z", "+00:00"))
                - datetime.fromisoformat(start.replace("Z", "+00:00"))
            ).total_seconds()
            if seconds > slowest:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", cell.get("id", "?"))
                slowest, label = seconds, gid
    return total, slowest, label


def main() -> None:
    for path in sorted((ROOT / "solutions").glob("td*/td*.ipynb")):
        runs = [run_once(path) for _ in range(RUNS)]
        total = statistics.median(r[0] for r in runs)
        slow = max(runs, key=lambda r: r[1])
        print(
            f"{path.stem:<26} médiane {total:5.1f} s [< 15 s] ; cellule la plus lente : "
            f"{slow[2]} ({slow[1]:.2f} s)"
        )


if __name__ == "__main__":
    main()
