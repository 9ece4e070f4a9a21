"""Speed and memory of the data generator (issue targets in brackets).

- ``import parcours`` in a fresh process [< 1 s];
- all datasets of one student in a fresh process, after the import [< 0.5 s];
- a class of 500 students on 2 cores [< 60 s];
- ``parcours`` journey events at 1,000,000 rows [< 5 s, < 1 GiB peak memory].
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import fresh, median_of  # noqa: E402

RUNS = 5

ONE_STUDENT = """
import json, time
t0 = time.perf_counter()
import parcours
t1 = time.perf_counter()
from parcours.data import charger_tout
t2 = time.perf_counter()
frames = charger_tout("bench.etudiant")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "pandas": t2 - t1, "all": t3 - t2, "with_pandas": t3 - t1,
                  "rows": sum(len(f) for f in frames.values())}))
"""

BIG = """
import json, resource, time
t0 = time.perf_counter()
from parcours.data import charger
frame = charger("parcours", "bench.etudiant", taille=19.6)
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(frame), "seconds": t1 - t0, "peak_mib": peak}))
"""


def _students(ids: list[str]) -> int:
    from parcours.data import charger_tout

    return sum(sum(len(f) for f in charger_tout(s).values()) for s in ids)


def class_of(n: int, workers: int = 2) -> float:
    ids = [f"etudiant{i:04d}" for i in range(n)]
    chunks = [ids[i::workers] for i in range(workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        rows = sum(pool.map(_students, chunks))
    elapsed = time.perf_counter() - t0
    print(f"  ({rows:,} lignes générées)")
    return elapsed


def main() -> None:
    runs = [fresh(ONE_STUDENT) for _ in range(RUNS)]
    print(
        f"import parcours (processus neuf)        : médiane {median_of(runs, 'import'):.3f} s "
        "[< 1 s]"
    )
    print(
        f"toutes les données d'un étudiant        : médiane {median_of(runs, 'all'):.3f} s "
        f"[< 0,5 s] ({runs[0]['rows']:,} lignes)"
    )
    print(
        f"  dont import de pandas et du générateur : médiane {median_of(runs, 'pandas'):.3f} s ; "
        f"total après `import parcours` : {median_of(runs, 'with_pandas'):.3f} s"
    )
    times = sorted(class_of(500) for _ in range(3))
    print(f"classe de 500 étudiants, 2 processus    : médiane {times[1]:.1f} s [< 60 s]")
    big = [fresh(BIG) for _ in range(3)]
    print(
        f"parcours à {big[0]['rows']:,} lignes           : médiane {median_of(big, 'seconds'):.2f} s "
        f"[< 5 s], pic mémoire {median_of(big, 'peak_mib'):.0f} Mio [< 1024 Mio]"
    )


if __name__ == "__main__":
    main()
