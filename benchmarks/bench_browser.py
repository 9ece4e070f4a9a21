"""Weight and speed of the heaviest book page, in Chromium, served on 127.0.0.1 (cold cache).

Run from the repository root after `make book`: `.venv/bin/python benchmarks/bench_browser.py
[--runs N]`. Every page of the toc is weighed once; the heaviest one is then loaded N times (5 by
default), each time in a fresh browser context, and the medians are reported: transferred bytes,
number of requests, time to the load event, first contentful paint.
Targets: under 1.5 MB, under 1 s to load, first contentful paint under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from navigateur import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, HTML, static_server, toc_pages  # noqa: E402

TARGET_BYTES = 1.5e6
TARGET_LOAD_S = 1.0
TARGET_FCP_S = 1.0

MEASURE_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    bytes: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
    requests: 1 + resources.length,
    load_s: (nav.loadEventEnd - nav.startTime) / 1000,
    fcp_s: fcp ? fcp.startTime / 1000 : null,
  };
}"""


def measure(browser, url: str) -> dict:
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    try:
        page = context.new_page()
        failed = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
        )
        page.wait_for_timeout(300)  # let late (async) resources and the paint entry land
        result = page.evaluate(MEASURE_JS)
        result["failed"] = failed
        return result
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Poids et vitesse de la page la plus lourde.")
    parser.add_argument("--runs", type=int, default=5, help="nombre de chargements (défaut : 5)")
    args = parser.parse_args()
    if not (HTML / "index.html").is_file():
        raise SystemExit("Le livre n'est pas construit : lancez « make book » d'abord.")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium est absent ({CHROMIUM}) : apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with static_server(HTML) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            measure(browser, base + "book/index.html")  # warm the server and the browser
            weights = {name: measure(browser, f"{base}{name}.html") for name in toc_pages()}
            heaviest = max(weights, key=lambda n: weights[n]["bytes"])
            runs = [measure(browser, f"{base}{heaviest}.html") for _ in range(args.runs)]
        finally:
            browser.close()

    print(f"Page la plus lourde : {heaviest} ({len(weights)} pages pesées)")
    for name, w in sorted(weights.items(), key=lambda kv: -kv[1]["bytes"])[:5]:
        print(f"  {name:40s} {w['bytes'] / 1e6:6.2f} Mo  {w['requests']:3d} requêtes")
    med = {k: statistics.median(r[k] for r in runs) for k in ("bytes", "requests", "load_s")}
    fcps = [r["fcp_s"] for r in runs if r["fcp_s"] is not None]
    med["fcp_s"] = statistics.median(fcps) if fcps else float("nan")
    failed = sorted({u for r in runs for u in r["failed"]})

    def verdict(ok: bool) -> str:
        return "OK" if ok else "AU-DESSUS DE LA CIBLE"

    print(f"Médianes sur {args.runs} chargements à froid (127.0.0.1) :")
    print(
        f"  octets transférés    : {med['bytes'] / 1e6:.2f} Mo "
        f"(cible < {TARGET_BYTES / 1e6:.1f} Mo) {verdict(med['bytes'] < TARGET_BYTES)}"
    )
    print(f"  requêtes             : {med['requests']:.0f}")
    print(
        f"  chargement (load)    : {med['load_s']:.2f} s "
        f"(cible < {TARGET_LOAD_S:.0f} s) {verdict(med['load_s'] < TARGET_LOAD_S)}"
    )
    print(
        f"  premier affichage    : {med['fcp_s']:.2f} s "
        f"(cible < {TARGET_FCP_S:.0f} s) {verdict(med['fcp_s'] < TARGET_FCP_S)}"
    )
    if failed:
        print(f"  requêtes en échec    : {failed}")


if __name__ == "__main__":
    main()
