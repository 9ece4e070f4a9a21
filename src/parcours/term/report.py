"""The class report of one TD: one self-contained HTML page (charts inline as SVG, no external
resource) for the teacher. Sources: the gradebook, the contract-3 result files, and the graded
notebooks (answers, setup-cell identity line)."""

from __future__ import annotations

import ast
import html
import io
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from parcours.grading.results import TdResults, failure_label, fr_number, late_text, load_td
from parcours.term.feedback import question_label

IDENTITY = re.compile(r"Données (?:chargées pour|de l'étudiant\u00b7e) « ([^»]+) »")
FAILURES = {
    "delai": "temps dépassé",
    "memoire": "mémoire dépassée",
    "noyau_mort": "noyau arrêté",
    "fraude": "tentative de fraude",
    "notebook_invalide": "notebook illisible",
    "sortie": "sortie trop volumineuse",
}


@dataclass
class ClassReport:
    td: str
    results: TdResults
    grades: dict[str, float]  # on scale
    scale: float
    questions: list[dict] = field(default_factory=list)
    choices: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    manual: dict[str, tuple[int, int]] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)
    identity: list[tuple[str, str]] = field(default_factory=list)
    copies: list = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    extensions: dict[str, datetime] = field(default_factory=dict)  # student → end (local time)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (student, why unread)
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # student → cell → code
    cell_of: dict[str, str] = field(default_factory=dict)  # test grade id → answer cell id
    students: list = field(default_factory=list)  # student_view.StudentLine, lowest grade first
    copy_groups: list = field(default_factory=list)  # report_help.CopyGroup
    comparisons: list = field(default_factory=list)  # (a, b, cells) shown side by side

    @property
    def provisional(self) -> bool:
        """Some written answers are not graded yet: the grades may still move."""
        return any(sub.pending for sub in self.results.submissions.values())


def _read_nb(course, sid: str, td: str, skipped: list | None = None) -> dict | None:
    """The submitted copy: its outputs are the student's own run (grading re-runs the cells).
    A copy that cannot be read is skipped, with its reason added to ``skipped``."""
    from parcours.grading.copy_check import read_copy

    for folder in (course.submitted(sid, td), course.autograded(sid, td)):
        path = folder / f"{td}.ipynb"
        if path.is_file():
            nb, problem = read_copy(path)
            if nb is None and skipped is not None:
                skipped.append((sid, problem))
            return nb
    return None


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []) or []:
        if out.get("output_type") == "stream":
            t = out.get("text", "")
            parts.append("".join(t) if isinstance(t, list) else str(t))
        elif "data" in out:
            t = out["data"].get("text/plain", "")
            parts.append("".join(t) if isinstance(t, list) else str(t))
    return "\n".join(parts)


def literal_answer(code: str):
    """The value of an answer cell that only assigns one literal (``reponse = "B"``), else None."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)]
    others = [
        n
        for n in tree.body
        if not isinstance(n, ast.Assign)
        and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call))
    ]
    if len(assigns) != 1 or others:
        return None
    try:
        value = ast.literal_eval(assigns[0].value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str | int | float | bool) else None


def answers_by_question(nb: dict) -> dict[str, tuple[str, str]]:
    """``test grade id → (answer cell id, answer code)``: each answer cell feeds the next test."""
    found = {}
    pending: list[tuple[str, str]] = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.get("cell_type") == "code":
            pending.append((meta.get("grade_id", ""), _source(cell)))
        elif meta.get("grade") and cell.get("cell_type") == "code" and pending:
            found[meta.get("grade_id")] = pending[-1]
            pending = []
    return found


def build(course, td: str, *, scale: float = 20.0, template: dict | None = None) -> ClassReport:
    from parcours.term.classlist import class_list
    from parcours.term.similarity import find_copies

    results = load_td(course, td)
    subs = results.submissions
    grades = {sid: s.on(scale) for sid, s in subs.items()}
    rep = ClassReport(td, results, grades, scale)
    from parcours.term.collect import load_team_copies

    in_teams = set(load_team_copies(course, td))  # a team's copy is counted once, for its owner
    students = class_list(course)
    from parcours.term.anonymous import load as anonymous_data

    # anonymous copies: whose data each ran on stays out of the report, and so do the absents
    anonymous = anonymous_data(course, td)
    rep.absent = sorted(
        s.id
        for s in students
        if s.id not in subs
        and s.id not in results.submitted_only
        and s.id not in in_teams
        and not anonymous
    )
    ranked = sorted(subs, key=lambda sid: subs[sid].score)
    n27 = max(1, round(len(ranked) * 0.27))
    low, high = set(ranked[:n27]), set(ranked[-n27:])
    for gid, ctype, mx in results.questions:
        got = [s.questions[gid] for s in subs.values() if gid in s.questions]
        graded = [q for q in got if not q.needs_manual]
        ok = [q for q in graded if mx and q.score >= mx]
        rate = len(ok) / len(graded) if graded else None

        def success(group, gid=gid, mx=mx):
            qs = [
                subs[s].questions[gid]
                for s in group
                if gid in subs[s].questions and not subs[s].questions[gid].needs_manual
            ]
            return sum(q.score >= mx for q in qs) / len(qs) if qs else None

        hi, lo = success(high), success(low)
        disc = hi - lo if hi is not None and lo is not None else None
        mean = statistics.fmean(q.score for q in graded) if graded else None
        rep.questions.append(
            {"id": gid, "type": ctype, "max": mx, "rate": rate, "disc": disc, "mean": mean}
        )
        if ctype == "markdown":
            done = sum(not q.needs_manual for q in got)
            rep.manual[gid] = (done, len(got))
    wrong: dict[str, Counter] = {}
    answers: dict[str, dict[str, str]] = {}
    for sid, sub in subs.items():
        result = sub.result or {}
        echec = result.get("echec")
        if isinstance(echec, dict):
            code = str(echec.get("code", ""))
            label = FAILURES.get(code) or failure_label(code)
            rep.failures.append((sid, label, str(echec.get("message", ""))))
        for alert in result.get("alertes") or []:
            rep.alerts.append((sid, str(alert)))
        nb = _read_nb(course, sid, td, rep.skipped)
        loaded = result.get("identite_chargee")
        if nb is not None:
            by_q = answers_by_question(nb)
            answers[sid] = {cell: code for cell, code in by_q.values()}
            rep.cell_of.update({gid: cell for gid, (cell, _code) in by_q.items()})
            for gid, (_cell, code) in by_q.items():
                q = sub.questions.get(gid)
                value = literal_answer(code)
                if q is not None and value is not None and q.score < q.max_score:
                    wrong.setdefault(gid, Counter())[repr(value)] += 1
            if not loaded:
                for cell in nb.get("cells", []):
                    m = IDENTITY.search(_outputs_text(cell))
                    if m:
                        loaded = m.group(1).strip()
                        break
        if loaded and loaded not in (sid, anonymous.get(sid)):
            rep.identity.append((sid, loaded))
    from parcours.term.deadlines import extensions

    rep.extensions = {sid: until for (sid, _td), until in extensions(course, td).items()}
    rep.choices = {gid: c.most_common(3) for gid, c in sorted(wrong.items())}
    rep.copies = find_copies(answers, template=template)
    for sid, why in rep.skipped:
        rep.alerts.append((sid, f"Copie ignorée par le rapport (réponses, copies proches) : {why}"))
    rep.answers = answers
    from parcours.term import report_help, student_view

    template = template or {}
    rep.students = student_view.student_lines(
        course,
        rep,
        names={s.id: s.full_name for s in students},
        groups={s.id: s.groupe or "" for s in students},
        template=template,
    )
    rep.copy_groups = report_help.copy_groups(rep, template)
    rep.comparisons = report_help.comparison_pairs(rep, rep.copy_groups, rep.copies, template)
    return rep


def release_template(course, td: str) -> dict[str, str]:
    """Code of each answer cell as released (the stub students start from)."""
    release = course.root / course.setting("release_directory", "release")
    path = release / td / f"{td}.ipynb"
    if not path.is_file():
        return {}
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {cell: code for cell, code in answers_by_question(nb).values()}


# --- rendering -----------------------------------------------------------------------------------


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def charts(rep: ClassReport) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10})
    values = list(rep.grades.values())
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    bins = [i * rep.scale / 20 for i in range(21)]
    ax.hist(values, bins=bins, color="#3b7dd8", edgecolor="white")
    if values:
        mean = statistics.fmean(values)
        ax.axvline(mean, color="#c0392b", linestyle="--", linewidth=1.5)
        ax.text(mean, ax.get_ylim()[1] * 0.95, f" moyenne {fr_number(mean)}", color="#c0392b")
    ax.set_xlabel(f"note sur {rep.scale:g}" + (" (provisoire)" if rep.provisional else ""))
    ax.set_ylabel("nombre de copies")
    ax.spines[["top", "right"]].set_visible(False)
    hist = _svg(fig)
    plt.close(fig)
    qs = [q for q in rep.questions if q["rate"] is not None]
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * max(4, len(qs)) + 0.6))
    labels = [question_label(q["id"], rep.td) for q in qs][::-1]
    rates = [q["rate"] * 100 for q in qs][::-1]
    colors = ["#1e8449" if r >= 70 else "#e0a800" if r >= 40 else "#c0392b" for r in rates]
    ax.barh(labels, rates, color=colors)
    ax.set_xlim(0, 100)
    ax.set_xlabel("taux de réussite (%)")
    ax.spines[["top", "right"]].set_visible(False)
    bars = _svg(fig)
    plt.close(fig)
    return hist, bars


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
header{background:#1f3b5a;color:#fff;padding:1.6rem 2.4rem}header h1{margin:0;font-size:1.6rem}
header p{margin:.3rem 0 0;opacity:.8}main{max-width:1100px;margin:1.5rem auto;padding:0 1.2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.8rem;margin-bottom:1.2rem}
.card{background:#fff;border-radius:10px;padding:.9rem 1rem;box-shadow:0 1px 4px rgba(0,0,0,.06)}
.card span{color:#5b6875;font-size:.85rem}.card b{display:block;font-size:1.6rem;margin-top:.2rem}
section{background:#fff;border-radius:10px;padding:1.2rem 1.5rem;margin-bottom:1.2rem;box-shadow:0 1px 4px rgba(0,0,0,.06)}
h2{font-size:1.15rem;margin:0 0 .8rem;color:#1f3b5a}table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.4rem .55rem;border-bottom:1px solid #e3e8ee;vertical-align:top}th{background:#f0f3f6}
.num{text-align:right;font-variant-numeric:tabular-nums}.hint{color:#5b6875;font-size:.88rem;margin:.2rem 0 .8rem}
.good{color:#1e8449}.mid{color:#b9770e}.bad{color:#c0392b}.empty{color:#5b6875;font-style:italic}
.bar{background:#e3e8ee;border-radius:4px;height:.6rem;width:120px;display:inline-block;vertical-align:middle}
.bar i{display:block;height:100%;background:#3b7dd8;border-radius:4px}svg{max-width:100%;height:auto}
.two{display:grid;grid-template-columns:1fr 1fr;gap:1.2rem}@media(max-width:900px){.two{grid-template-columns:1fr}}
.scroll{overflow-x:auto}
@media(max-width:600px){header{padding:1rem}main{padding:0 .5rem;margin:.8rem auto}
section{padding:.8rem .7rem}table{font-size:.82rem}th,td{padding:.3rem .3rem}.bar{width:60px}
.cards{grid-template-columns:repeat(2,1fr)}}
"""


def _pct(v) -> str:
    return "—" if v is None else f"{v * 100:.0f} %"


def render(rep: ClassReport, names: dict[str, str] | None = None) -> str:
    from parcours.term import report_help, student_view

    esc = html.escape
    names = names or {}
    values = list(rep.grades.values())
    hist, bars = charts(rep)
    n = len(values)
    mean = fr_number(statistics.fmean(values)) if values else "—"
    median = fr_number(statistics.median(values)) if values else "—"
    sd = fr_number(statistics.pstdev(values)) if n > 1 else "—"
    passed = sum(v >= rep.scale / 2 for v in values)
    cards = [
        ("Copies corrigées", str(n)),
        ("Absents", str(len(rep.absent))),
        (f"Moyenne /{rep.scale:g}" + (" (provisoire)" if rep.provisional else ""), mean),
        ("Médiane", median),
        ("Écart-type", sd),
        ("≥ moyenne", f"{passed} ({passed * 100 // n if n else 0} %)"),
    ]
    qrows = []
    for q in rep.questions:
        rate, disc = q["rate"], q["disc"]
        cls = "" if rate is None else "good" if rate >= 0.7 else "mid" if rate >= 0.4 else "bad"
        dcls = "" if disc is None else "good" if disc >= 0.3 else "mid" if disc >= 0.1 else "bad"
        kind = " <span class='hint'>(rédigée)</span>" if q["type"] == "markdown" else ""
        qrows.append(
            f"<tr><td>{esc(question_label(q['id'], rep.td))}{kind}</td>"
            f'<td class="num">{q["max"]:g}</td><td class="num {cls}">{_pct(rate)}</td>'
            f'<td class="num {dcls}">{"—" if disc is None else f"{disc:+.2f}".replace(".", ",")}</td></tr>'
        )
    choice_rows = "".join(
        f"<tr><td>{esc(question_label(gid, rep.td))}</td><td>"
        + ", ".join(f"<code>{esc(v)}</code> × {k}" for v, k in vals)
        + "</td></tr>"
        for gid, vals in rep.choices.items()
    )
    manual_rows = "".join(
        f"<tr><td>{esc(question_label(gid, rep.td))}</td><td class='num'>{done} / {total}</td>"
        f"<td><span class='bar'><i style='width:{done * 100 // total if total else 0}%'></i></span></td></tr>"
        for gid, (done, total) in rep.manual.items()
    )
    fail_rows = "".join(
        f"<tr><td>{esc(sid)}</td><td>{esc(kind)}</td><td>{esc(msg)}</td></tr>"
        for sid, kind, msg in rep.failures
    ) + "".join(
        f"<tr><td>{esc(sid)}</td><td>non corrigée</td><td>copie rendue mais absente de la base des notes</td></tr>"
        for sid in sorted(rep.results.submitted_only)
    )
    late = {sid: late_text(sub) for sid, sub in rep.results.submissions.items() if late_text(sub)}
    late_rows = "".join(
        f"<tr><td>{esc(names.get(sid, sid))} ({esc(sid)})</td><td>"
        + (f"{rep.extensions[sid]:%d/%m/%Y %H:%M}" if sid in rep.extensions else "")
        + f"</td><td>{esc(late.get(sid, ''))}</td></tr>"
        for sid in sorted(set(late) | set(rep.extensions))
    )
    alert_rows = "".join(
        f"<tr><td>{esc(sid)}</td><td>données de « {esc(other)} » chargées</td></tr>"
        for sid, other in rep.identity
    ) + "".join(f"<tr><td>{esc(sid)}</td><td>{esc(msg)}</td></tr>" for sid, msg in rep.alerts)
    copy_rows = "".join(
        f"<tr><td>{esc(p.a)}</td><td>{esc(p.b)}</td><td class='num'>{p.similarity * 100:.0f} %</td>"
        f"<td class='num'>{p.shared}</td><td>{esc(', '.join(question_label(c, rep.td) for c in p.cells)) or '—'}</td></tr>"
        for p in rep.copies
    )

    def table(head: str, rows: str, empty: str) -> str:
        if not rows:
            return f'<p class="empty">{empty}</p>'
        # on a phone, a table too wide for the screen scrolls inside its box, not the page
        return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"

    now = datetime.now().strftime("%d/%m/%Y à %H:%M")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Rapport de classe — {esc(rep.td)}</title><style>{CSS}{student_view.CSS}{report_help.CSS}</style></head><body>
<header><h1>Rapport de classe — {esc(rep.td)}</h1><p>Établi le {now} à partir de la base des notes nbgrader.</p></header>
<main>
<div class="cards">{"".join(f"<div class='card'><span>{k}</span><b>{v}</b></div>" for k, v in cards)}</div>
<div class="two"><section><h2>Répartition des notes{" (provisoire)" if rep.provisional else ""}</h2>{hist}</section>
<section><h2>Réussite par question</h2>{bars}</section></div>
{student_view.render_students(rep.students, rep.scale)}
{student_view.render_groups(rep.students, rep.scale)}
<section><h2>Questions : réussite et discrimination</h2>
<p class="hint">Taux de réussite : part des copies ayant tous les points de la question. Indice de
discrimination : réussite du meilleur quart (27 %) moins celle du dernier quart ; au-dessus de
0,3 la question sépare bien les niveaux, proche de 0 ou négative elle est à revoir.</p>
{table("<th>Question</th><th class='num'>Points</th><th class='num'>Réussite</th><th class='num'>Discrimination</th>", "".join(qrows), "Aucune question.")}</section>
<section><h2>Réponses fausses les plus fréquentes (questions à choix)</h2>
{table("<th>Question</th><th>Valeurs fausses (nombre de copies)</th>", choice_rows, "Aucune réponse fausse aux questions à choix.")}</section>
<section><h2>Correction manuelle (formgrader)</h2>
{table("<th>Question rédigée</th><th class='num'>Notées</th><th>Avancement</th>", manual_rows, "Aucune question rédigée.")}</section>
<section><h2>Échecs de correction</h2>
{table("<th>Identifiant</th><th>Raison</th><th>Détail</th>", fail_rows, "Aucun échec : toutes les copies ont été corrigées.")}</section>
<section><h2>Identité et alertes</h2>
<p class="hint">Copies dont la cellule de préparation montre les données d'un autre identifiant, et alertes de la correction.</p>
{table("<th>Identifiant</th><th>Alerte</th>", alert_rows, "Aucune alerte.")}</section>
{report_help.render_copy_groups(rep.copy_groups, rep.td)}
<section><h2>Copies très proches</h2>
<p class="hint">Empreintes par « winnowing » (méthode de MOSS) du code des réponses, noms de
variables et mise en page neutralisés ; le code du sujet et les formulations communes à plus de
10 % de la classe sont ignorés. Une similarité élevée invite à regarder les deux copies : ce n'est
pas une preuve.</p>
{table("<th>Copie</th><th>Copie voisine</th><th class='num'>Similarité</th><th class='num'>Empreintes communes</th><th>Cellules partagées</th>", copy_rows, "Aucune paire de copies très proches.")}</section>
{report_help.render_comparisons(rep.comparisons, rep.answers, rep.td)}
<section><h2>Absents</h2><p>{esc(", ".join(f"{names.get(a, a)} ({a})" for a in rep.absent)) or "Aucun."}</p></section>
<section><h2>Retards et prolongations</h2>
{table("<th>Nom</th><th>Prolongation jusqu'au</th><th>Retard</th>", late_rows, "Aucune copie en retard, aucune prolongation.")}</section>
</main></body></html>
"""


def write_report(course, td: str, *, output: Path | None = None, scale: float = 20.0) -> Path:
    from parcours.term.atomic import write_bytes_atomic
    from parcours.term.classlist import class_list

    rep = build(course, td, scale=scale, template=release_template(course, td))
    names = {s.id: s.full_name for s in class_list(course)}
    target = Path(output) if output else course.root / "rapports" / f"rapport_{td}.html"
    write_bytes_atomic(target, render(rep, names).encode("utf-8"))
    return target
