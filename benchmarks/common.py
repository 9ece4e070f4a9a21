"""Helpers for the benchmark scripts: run a snippet in a fresh Python process, take medians."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys


def fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it must print one JSON object on its last line."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)
