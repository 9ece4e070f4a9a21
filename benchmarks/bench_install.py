"""The student's install on Linux: size of a fresh venv after the student guide's command
(``python -m pip install parcours-….whl jupyterlab``) [< 300 MB], and the time of ``import parcours``
plus td03's setup cell in a fresh kernel of that venv (median of 5).

``--rev REV`` also builds the wheel of an older commit (for example the one before the four wings)
and measures it the same way, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def build_wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source],
        check=True,
        cwd=out,
    )
    return next(out.glob("parcours-*.whl"))


def student_venv(wheel: Path, where: Path) -> Path:
    venv.create(where, with_pip=True)
    subprocess.run(
        [where / "bin" / "python", "-m", "pip", "install", "-q", wheel.name, "jupyterlab"],
        check=True,
        cwd=wheel.parent,
    )
    return where


def size_mb(folder: Path) -> float:
    total = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    return total / 1e6


def setup_cell() -> str:
    nb = ROOT / "exercises" / "td03_satisfaction" / "td03_satisfaction.ipynb"
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    return next(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code"
        and c["metadata"]["nbgrader"]["grade_id"].endswith("preparation")
    )


def kernel_times(env: Path, runs: int = RUNS) -> list[float]:
    """Seconds from a ready fresh kernel to the end of ``import parcours`` + the setup cell."""
    spec_dir = Path(tempfile.mkdtemp()) / "kernels" / "etudiant"
    spec_dir.mkdir(parents=True)
    argv = [str(env / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    os.environ["JUPYTER_PATH"] = str(spec_dir.parents[1])
    code = "import parcours\n" + setup_cell()
    times = []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(runs):
            km = KernelManager(kernel_name="etudiant")
            km.start_kernel(cwd=work)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            t0 = time.perf_counter()
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: None)
            times.append(time.perf_counter() - t0)
            assert reply["content"]["status"] == "ok", reply["content"]
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return times


def measure(source: Path, label: str, tmp: Path) -> dict:
    out = tmp / label
    out.mkdir()
    wheel = build_wheel(source, out)
    env = student_venv(wheel, out / "venv")
    times = kernel_times(env)
    result = {
        "taille_mo": round(size_mb(env), 1),
        "import_et_preparation_s": statistics.median(times),
    }
    print(
        f"{label:>8} : venv étudiant {result['taille_mo']:.0f} Mo ; import parcours + cellule de "
        f"préparation de td03 : médiane {result['import_et_preparation_s']:.2f} s sur {len(times)}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rev", help="commit à comparer (roue construite depuis git archive)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        now = measure(ROOT, "actuel", tmp)
        if args.rev:
            old_src = tmp / "ancien_src"
            old_src.mkdir()
            archive = subprocess.run(
                ["git", "-C", ROOT, "archive", args.rev], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", old_src], input=archive, check=True)
            old = measure(old_src, args.rev[:8], tmp)
            print(
                f"rapport de taille : {old['taille_mo'] / now['taille_mo']:.2f}× plus léger ; "
                f"temps : {old['import_et_preparation_s'] / now['import_et_preparation_s']:.2f}×"
            )


if __name__ == "__main__":
    main()
