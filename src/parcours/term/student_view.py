"""The report's per-student view: who needs help, and how the groups compare.

:func:`student_lines` makes one :class:`StudentLine` per graded copy — score, grade on the scale,
questions lost as « faux » (answered but wrong) or « non répondu » (left as in the statement),
written answers « en attente » (not graded yet in formgrader: never a loss, and the grade is then
« provisoire »), late (against the deadline ``collecter --limite`` saved, else the gradebook's) and
alerts (another student's data, grading interrupted) — lowest grade first.
:func:`render_students` and :func:`render_groups` turn them into the report's « Par étudiant » and
« Comparaison des groupes » sections (HTML, French); on a phone each row becomes a block.
"""

from __future__ import annotations

import html
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from parcours.grading.results import fr_number
from parcours.term.feedback import question_label

DEADLINE_FILE = "date_limite.txt"  # collectes/<TD>/, written by ``collecter --limite``

CSS = """
.tag{display:inline-block;border-radius:4px;padding:0 .35rem;margin:.1rem .15rem .1rem 0;font-size:.82rem}
.t-wrong{background:#fde8e8;color:#8e2b20}.t-blank{background:#eceff3;color:#45525f}.t-wait{background:#fff4d6;color:#7a5b00}
.t-late{background:#e8eefc;color:#1f3b8a}.t-alert{background:#fbd5d5;color:#8e2b20;font-weight:600}
@media(max-width:600px){#par-etudiant thead{display:none}#par-etudiant tr{display:block;padding:.45rem 0;
border-bottom:1px solid #e3e8ee}#par-etudiant td{display:inline-block;border:none;padding:.1rem .35rem}
#par-etudiant td:nth-child(4)::before{content:"points "}#par-etudiant td:nth-child(5)::before{content:"note "}
#par-etudiant td:nth-child(6),#par-etudiant td:nth-child(7){display:block}#par-etudiant td:empty{display:none}}
"""


@dataclass
class StudentLine:
    id: str
    name: str
    group: str
    score: float
    max_score: float
    grade: float
    wrong: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    late: str = ""
    alerts: list[str] = field(default_factory=list)
    all_questions: list[str] = field(default_factory=list)


def _stripped(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.strip().splitlines())


def deadline(course, td: str) -> datetime | None:
    """The deadline used at collection (``collecter --limite``), else the gradebook's."""
    path = course.root / "collectes" / td / DEADLINE_FILE
    if path.is_file():
        try:
            return datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            pass
    from parcours.term.collect import _gradebook_deadline

    try:
        return _gradebook_deadline(course, td)
    except ValueError:
        return None


def submitted_at(course, sid: str, td: str) -> datetime | None:
    path = course.submitted(sid, td) / "timestamp.txt"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def student_lines(course, rep, *, names, groups, template) -> list[StudentLine]:
    """One line per graded student, who needs help first (lowest grade)."""
    from parcours.grading.results import autograded_notebook
    from parcours.term.feedback import notebook_errors

    limit = deadline(course, rep.td)
    alerts: dict[str, list[str]] = {}
    for sid, other in rep.identity:
        alerts.setdefault(sid, []).append(f"données de « {other} » chargées")
    for sid, msg in rep.alerts:
        alerts.setdefault(sid, []).append(msg)
    for sid, kind, _msg in rep.failures:
        alerts.setdefault(sid, []).append(f"correction interrompue ({kind})")
    cell_of = rep.cell_of
    lines = []
    for sid, sub in rep.results.submissions.items():
        errors = notebook_errors(autograded_notebook(course, sid, rep.td))
        answers = rep.answers.get(sid, {})
        line = StudentLine(
            sid,
            names.get(sid, sid),
            groups.get(sid, ""),
            sub.score,
            sub.max_score,
            sub.on(rep.scale),
        )
        for gid, ctype, _mx in rep.results.questions:
            q = sub.questions.get(gid)
            if q is None:
                continue
            label = question_label(gid, rep.td)
            line.all_questions.append(label)
            if q.needs_manual:
                line.pending.append(label)
                continue
            if q.score >= q.max_score:
                continue
            cell = cell_of.get(gid)
            code = answers.get(cell) if cell else None
            unanswered = errors.get(gid, ("",))[0] in ("NotImplementedError", "NameError") or (
                code is not None
                and cell in template
                and _stripped(code) == _stripped(template[cell])
            )
            if ctype == "markdown" and not q.by_teacher:
                unanswered = True
            (line.blank if unanswered else line.wrong).append(label)
        when = submitted_at(course, sid, rep.td)
        if limit is not None and when is not None:
            if when.tzinfo is not None:
                when = when.astimezone().replace(tzinfo=None)
            if when > limit:
                line.late = f"en retard (rendu le {when:%d/%m/%Y à %H:%M})"
        if sub.penalty:
            line.late = (line.late or "en retard") + f", −{fr_number(sub.penalty)} pt"
        line.alerts = alerts.get(sid, [])
        lines.append(line)
    return sorted(lines, key=lambda s: (s.grade, s.id))


def _short(label: str) -> str:
    """``Question 3 · csat`` → ``Q3``."""
    return label.split(" · ")[0].replace("Question ", "Q")


def _tags(items: list[str], cls: str, word: str) -> str:
    if not items:
        return ""
    full = html.escape(", ".join(items))
    # a question split into several graded items is named once
    short = html.escape(", ".join(dict.fromkeys(_short(i) for i in items)))
    return f'<span class="tag {cls}" title="{full}">{word} : {short}</span>'


def render_students(lines: list[StudentLine], scale: float) -> str:
    esc = html.escape
    rows = []
    for s in lines:
        if s.blank and not s.wrong and len(s.blank) + len(s.pending) == len(s.all_questions):
            lost = f'<span class="tag t-blank">copie blanche : {len(s.blank)} non répondues</span>'
        else:
            lost = _tags(s.wrong, "t-wrong", "faux") + _tags(s.blank, "t-blank", "non répondu")
        wait = _tags(s.pending, "t-wait", "en attente")
        late = f'<span class="tag t-late">{esc(s.late)}</span>' if s.late else ""
        alerts = "".join(f'<span class="tag t-alert">{esc(a)}</span>' for a in s.alerts)
        points = f"{s.score:g} / {s.max_score:g}".replace(".", ",")
        rows.append(
            f"<tr><td>{esc(s.id)}</td><td>{esc(s.name)}</td><td>{esc(s.group)}</td>"
            f'<td class="num">{points}</td><td class="num">{fr_number(s.grade)}'
            f"{' (provisoire)' if s.pending else ''}</td>"
            f"<td>{lost or ('' if wait else '—')}{wait}</td><td>{late}{alerts}</td></tr>"
        )
    body = (
        "<div class='scroll'><table><thead><tr><th>Identifiant</th><th>Nom</th><th>Groupe</th>"
        f"<th class='num'>Points</th><th class='num'>Note /{scale:g}</th><th>Questions perdues"
        "</th><th>Retard et alertes</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
        if rows
        else '<p class="empty">Aucune copie corrigée.</p>'
    )
    return (
        '<section id="par-etudiant"><h2>Par étudiant : qui a besoin d\'aide</h2>'
        '<p class="hint">Du plus bas au plus haut. « faux » : réponse donnée mais fausse ; '
        "« non répondu » : cellule laissée vide ; « en attente » : réponse rédigée pas encore "
        "notée dans formgrader (ce n'est pas un échec, la note est provisoire). Q3 : question 3 "
        "(survolez pour son intitulé).</p>"
        f"{body}</section>"
    )


def render_groups(lines: list[StudentLine], scale: float) -> str:
    by_group: dict[str, list[StudentLine]] = {}
    for s in lines:
        by_group.setdefault(s.group or "sans groupe", []).append(s)
    if len(by_group) < 2:
        return ""
    rows = []
    for g, members in sorted(by_group.items()):
        grades = [s.grade for s in members]
        provisional = any(s.pending for s in members)
        passed = sum(v >= scale / 2 for v in grades)
        rows.append(
            f"<tr><td>{html.escape(g)}</td><td class='num'>{len(members)}</td>"
            f"<td class='num'>{fr_number(statistics.fmean(grades))}"
            f"{' (provisoire)' if provisional else ''}</td>"
            f"<td class='num'>{fr_number(statistics.median(grades))}</td>"
            f"<td class='num'>{passed} ({passed * 100 // len(grades)} %)</td>"
            f"<td class='num'>{sum(bool(s.wrong or s.blank) for s in members)}</td></tr>"
        )
    return (
        '<section id="groupes"><h2>Comparaison des groupes</h2>'
        '<p class="hint">Groupes de la liste de classe (parcours etudiants).</p>'
        "<div class='scroll'><table><thead><tr><th>Groupe</th><th class='num'>Copies</th>"
        f"<th class='num'>Moyenne /{scale:g}</th><th class='num'>Médiane</th>"
        f"<th class='num'>≥ {scale / 2:g}</th><th class='num'>Copies avec des points perdus</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></section>"
    )


def save_deadline(course, td: str, when: datetime) -> Path:
    from parcours.term.atomic import write_bytes_atomic

    path = course.root / "collectes" / td / DEADLINE_FILE
    write_bytes_atomic(path, when.isoformat().encode("utf-8"))
    return path
