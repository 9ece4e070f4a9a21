"""One French feedback page per student and TD, safe to hand back.

What a page shows: the student's own score (total and on 20), per question the points and a
message, the teacher's manual grades and comments from formgrader, and a grading failure if any.

What it never shows (nbgrader's own feedback does, #917 and #1363): hidden test code, tracebacks
and values computed by tests. A test message is shown only as a fixed text the TD's author wrote
in that question's test cell (read from the gradebook's copy of the source): the message of an
``assert`` or of ``raise AssertionError("…")``, or a ``message…=`` / ``conseil=`` argument or the
text argument of ``verifier(…)`` in a call to the grading-policy helper. When the message the
grader produced contains such a text, that text alone is shown (plus the policy's fixed rounding
hint); any other message (an f-string, a computed value, an exception text) is replaced by a
generic French sentence.
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

from parcours.grading.results import TdResults, autograded_notebook, fr_number, late_text
from parcours.term.anonymous import label as anon_label

MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
GENERIC = {
    "NotImplementedError": "Question non traitée : la cellule de réponse n'a pas été complétée.",
    "NameError": "Réponse introuvable : la variable demandée n'est pas définie (exécutez toutes "
    "les cellules dans l'ordre avant de rendre).",
}
# An author's text shorter than this is not searched inside a longer message (too likely to
# match by chance).
MIN_QUOTED = 15
BLANK = "Non répondu : la cellule de réponse n'a pas été complétée (ou pas exécutée)."
PENDING = "Réponse rédigée : en attente de correction par l'enseignant."
WRONG = "Réponse incorrecte : relisez l'énoncé et refaites le calcul sur vos propres données."
ERROR = (
    "Votre code provoque une erreur ({ename}) : relancez tout le notebook et corrigez la cellule."
)


def author_messages(source: str) -> set[str]:
    """Fixed assertion messages written in a test cell (visible or hidden part)."""
    code = "\n".join(line for line in (source or "").splitlines() if not MARKER.match(line))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.msg, ast.Constant):
            if isinstance(node.msg.value, str):
                found.add(_norm(node.msg.value))
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name) and func.id == "AssertionError" and node.exc.args:
                arg = node.exc.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(_norm(arg.value))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg and (kw.arg.startswith("message") or kw.arg == "conseil"):
                    if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.add(_norm(kw.value.value))
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "verifier":
                for arg in node.args[1:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(_norm(arg.value))
    return found


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def safe_message(message: str, allowed: set[str], *, ename: str = "AssertionError") -> str:
    if ename in GENERIC:
        return GENERIC[ename]
    if ename != "AssertionError":
        return ERROR.format(ename=ename)
    text = _norm(message)
    if text and text in allowed:
        return text
    from parcours.notebook.verification import ROUNDING_HINT

    within = [a for a in allowed if len(a) >= MIN_QUOTED and a in text]
    hint = f" ({ROUNDING_HINT})" if ROUNDING_HINT in text else ""
    if within:
        return max(within, key=len) + hint
    if hint:
        return f"Valeur presque juste : {ROUNDING_HINT} Gardez plus de décimales."
    return WRONG


def shown_message(
    points: float,
    max_points: float,
    message: str,
    source: str,
    *,
    error: tuple[str, str] | None = None,
) -> str:
    """What a student may read about one autograded question: « Réussi. », a fixed text of the
    test cell's author, or a generic sentence (never a computed value or hidden test code)."""
    if points >= max_points:
        return "Réussi."
    allowed = author_messages(source)
    if message and _missing(message):
        return _norm(message)
    if message:
        return safe_message(message, allowed)
    if error:
        return safe_message(error[1], allowed, ename=error[0])
    return WRONG


def cell_sources(course, td: str) -> dict[str, str]:
    """Source of each grade cell as saved by nbgrader at release (hidden tests included)."""
    with course.gradebook() as gb:
        from nbgrader.api import Assignment, Notebook, SourceCell

        rows = (
            gb.db.query(SourceCell.name, SourceCell.source)
            .join(Notebook, SourceCell.notebook_id == Notebook.id)
            .join(Assignment, Notebook.assignment_id == Assignment.id)
            .filter(Assignment.name == td)
            .all()
        )
    return {name: source or "" for name, source in rows}


def comments(course, td: str, student: str) -> dict[str, str]:
    """Teacher comments typed in formgrader, by cell name (manual comment wins over auto)."""
    with course.gradebook() as gb:
        from nbgrader.api import (
            Assignment,
            BaseCell,
            Comment,
            SubmittedAssignment,
            SubmittedNotebook,
        )

        rows = (
            gb.db.query(BaseCell.name, Comment.manual_comment)
            .select_from(Comment)
            .join(BaseCell, Comment.cell_id == BaseCell.id)
            .join(SubmittedNotebook, Comment.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(Assignment.name == td, SubmittedAssignment.student_id == student)
            .all()
        )
    return {name: text.strip() for name, text in rows if text and text.strip()}


def notebook_errors(path: Path) -> dict[str, tuple[str, str]]:
    """``grade_id → (ename, evalue)`` of the test cells that failed in the autograded notebook."""
    from parcours.grading.copy_check import read_copy

    if not path.is_file():
        return {}
    nb, _problem = read_copy(path, schema=False)
    if nb is None:
        return {}
    found = {}
    unanswered = False  # the answer cell before this test still raises NotImplementedError
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("solution"):
            unanswered = any(o.get("ename") == "NotImplementedError" for o in errors)
            continue
        if not meta.get("grade"):
            continue
        if unanswered:
            found[meta.get("grade_id")] = ("NotImplementedError", "")
        elif errors:
            found[meta.get("grade_id")] = (
                errors[-1].get("ename", ""),
                errors[-1].get("evalue", ""),
            )
        unanswered = False
    return found


def statement(course, td: str) -> tuple[str, dict[str, str]]:
    """The TD's title and each question's label, from the headings of its statement (the source
    notebook, else the released one); empty when neither is readable."""
    from parcours.notebook.aide import questions, statement_title

    source_dir = course.setting("source_directory", "solutions")
    release_dir = course.setting("release_directory", "exercises")
    for folder in (source_dir, release_dir):
        path = course.root / folder / td / f"{td}.ipynb"
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        labels = {
            gid: f"Question {number} · {title}" if title else f"Question {number}"
            for gid, (number, title) in questions(cells).items()
            if number is not None
        }
        return statement_title(cells), labels
    return "", {}


def question_label(grade_id: str, td: str, labels: dict[str, str] | None = None) -> str:
    """The statement's heading (``Question 1 · Taux de réponse``) when known, else from the id
    (``td03_q01_taux_reponse`` → ``Question 1 · taux reponse``)."""
    if labels and grade_id in labels:
        return labels[grade_id]
    name = (
        grade_id[len(td.split("_")[0]) + 1 :] if grade_id.startswith(td.split("_")[0]) else grade_id
    )
    m = re.match(r"q(\d+)_(.*)", name)
    if m:
        return f"Question {int(m.group(1))} · {m.group(2).replace('_', ' ')}"
    return name.replace("_", " ")


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:860px;margin:2rem auto;background:#fff;border-radius:12px;padding:2rem 2.4rem;
box-shadow:0 2px 10px rgba(0,0,0,.07)}
h1{font-size:1.5rem;margin:0 0 .3rem}.sub{color:#5b6875;margin:0 0 1.5rem}
.score{display:flex;gap:1rem;margin-bottom:1.5rem}.box{flex:1;background:#eef4fb;border-radius:10px;padding:1rem}
.box b{display:block;font-size:1.8rem}.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:.7rem 1rem;border-radius:6px;margin:1rem 0}
.fail{background:#fde8e8;border-left:4px solid #c0392b;padding:.7rem 1rem;border-radius:6px;margin:1rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.55rem .6rem;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f0f3f6;font-weight:600}.pts{white-space:nowrap;font-weight:600}.ok{color:#1e8449}.ko{color:#b03a2e}.part{color:#b9770e}
.blank{color:#6b7785}.wait{color:#6b7785;font-weight:500;font-style:italic}
@media (max-width:600px){main{margin:0;border-radius:0;padding:1rem}.score{gap:.6rem}
.box b{font-size:1.35rem}thead{display:none}tr{display:block;border-bottom:1px solid #e3e8ee;padding:.4rem 0}
td{display:block;border:0;padding:.15rem 0}td:first-child{font-weight:600}.pts{white-space:normal}}
.comment{margin-top:.35rem;color:#34495e;font-style:italic}
.revoir{margin-top:.35rem;font-size:.92rem}.revoir a{color:#1a5fa8}footer{margin-top:1.5rem;color:#7b8794;font-size:.85rem}
"""


def render(
    *,
    td: str,
    student: str,
    name: str,
    results: TdResults,
    sources: dict[str, str],
    teacher_comments: dict[str, str],
    errors: dict[str, tuple[str, str]],
    scale: float = 20.0,
    team: str | None = None,
    copy_of: str | None = None,
    title: str = "",
    labels: dict[str, str] | None = None,
    review=None,
    page_dir: Path | None = None,
) -> str:
    """The HTML page of one student (only their own data goes in; for a team copy, the copy
    graded once for the group ``team``, stored for ``copy_of``). ``review``
    (:class:`parcours.term.carte.ReviewLinks`) adds « À revoir : » to every item not at full
    marks, with links relative to ``page_dir`` when the book has no address."""
    sub = results.submissions[copy_of or student]
    esc = html.escape
    result = sub.result or {}
    file_questions = result.get("questions") or {}
    rows = []
    for gid, ctype, _mx in results.questions:
        q = sub.questions.get(gid)
        if q is None:
            continue
        cls = "ok" if q.score >= q.max_score else ("ko" if q.score == 0 else "part")
        pts = f"{q.score:g} / {q.max_score:g}".replace(".", ",")
        from_file = file_questions.get(gid, {}) if isinstance(file_questions, dict) else {}
        if ctype == "markdown":
            if q.needs_manual:
                msg, cls, pts = PENDING, "wait", "en attente de correction"
            elif not q.by_teacher and q.score == 0:
                msg, cls = BLANK, "blank"
            else:
                msg = "Réponse rédigée, notée par l'enseignant."
        elif q.score >= q.max_score:
            msg = "Réussi."
        elif q.score == 0 and _unanswered(gid, from_file, errors):
            msg, cls = BLANK, "blank"
        else:
            msg = shown_message(
                q.score,
                q.max_score,
                str(from_file.get("message") or ""),
                sources.get(gid, ""),
                error=errors.get(gid),
            )
        comment = teacher_comments.get(gid) or teacher_comments.get(f"{gid}_reponse")
        comment_html = (
            f'<div class="comment">Commentaire de l\'enseignant : {esc(comment)}</div>'
            if comment
            else ""
        )
        if review is not None and q.score < q.max_score and not q.needs_manual:
            comment_html += review.html(gid, page_dir)
        rows.append(
            f'<tr><td>{esc(question_label(gid, td, labels))}</td><td class="pts {cls}">{pts}</td>'
            f"<td>{esc(msg)}{comment_html}</td></tr>"
        )
    general = teacher_comments.get("__general__")
    notes = []
    if sub.pending:
        notes.append(
            '<div class="warn">Note provisoire : des réponses rédigées ne sont pas encore '
            "notées.</div>"
        )
    echec = result.get("echec")
    if isinstance(echec, dict) and echec.get("message"):
        notes.append(
            f'<div class="fail">La correction automatique n\'a pas pu aller au bout : '
            f"{esc(str(echec['message']))}</div>"
        )
    if late_text(sub):
        notes.append(f'<div class="warn">Copie rendue en retard ({esc(late_text(sub))}).</div>')
    if general:
        notes.append(f'<div class="comment">{esc(general)}</div>')
    total = f"{sub.score:g} / {sub.max_score:g}".replace(".", ",")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Retour {esc(td)} — {esc(name)}</title><style>{CSS}</style></head>
<body><main>
<h1>Retour sur le {esc(title or td)}</h1>
<p class="sub">{esc(name)} ({esc(student)}){f" — copie du groupe « {esc(team)} »" if team else ""}</p>
<div class="score"><div class="box">{"Note provisoire" if sub.pending else "Note"}<b>{fr_number(sub.on(scale))} / {scale:g}</b></div>
<div class="box">Points<b>{total}</b></div></div>
{"".join(notes)}
<table><thead><tr><th>Question</th><th>Points</th><th>Retour</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<footer>Les tests de correction ne sont pas montrés : ils recalculent les réponses attendues
sur vos propres données. Relisez les questions manquées avec le chapitre du cours.</footer>
</main></body></html>
"""


def _unanswered(gid: str, from_file: dict, errors: dict[str, tuple[str, str]]) -> bool:
    """The grader knew this question was blank: its answer cell (or the function it asks for)
    still raises the released notebook's NotImplementedError."""
    if errors.get(gid, ("",))[0] == "NotImplementedError":
        return True
    return "erreur NotImplementedError" in str(from_file.get("message") or "")


def _missing(message: str) -> bool:
    """The grader's own fixed sentence for a value the notebook never defined."""
    from parcours.grading.checks import missing_message

    return missing_message("\x00").split("\x00")[-1] in message


def student_page(
    course,
    td: str,
    sid: str,
    *,
    results=None,
    sources=None,
    names=None,
    scale: float = 20.0,
    statement_parts=None,
    review=None,
    teams=None,
) -> str:
    """The page of one student (what ``retours`` writes and nbgrader's feedback exporter returns).
    A member of a team copy gets the page of the copy graded once for the group."""
    from parcours.grading.results import load_td
    from parcours.term.classlist import class_list
    from parcours.term.collect import load_team_copies

    results = results if results is not None else load_td(course, td)
    if teams is None:
        teams = {
            member: (owner, group)
            for member, (owner, group) in load_team_copies(course, td).items()
            if owner in results.submissions
        }
    owner, group = teams.get(sid, (sid, None))
    if owner not in results.submissions:
        raise ValueError(f"Aucune copie corrigée de « {sid} » pour {td}.")
    if names is None:
        names = {s.id: s.full_name for s in class_list(course)}
    title, labels = statement_parts if statement_parts is not None else statement(course, td)
    return render(
        td=td,
        student=sid,
        name=names.get(sid) or anon_label(sid),
        results=results,
        sources=sources if sources is not None else cell_sources(course, td),
        teacher_comments=comments(course, td, owner),
        errors=notebook_errors(autograded_notebook(course, owner, td)),
        scale=scale,
        team=group,
        copy_of=owner,
        title=title,
        labels=labels,
        review=review if review is not None else _review(course, td),
        page_dir=course.root / "feedback" / sid / td,
    )


def _review(course, td: str):
    from parcours.term.carte import review_links

    return review_links(course, td)


def write_feedback(
    course, td: str, *, student: str | None = None, scale: float = 20.0
) -> list[Path]:
    from parcours.grading.results import load_td
    from parcours.term.atomic import write_bytes_atomic
    from parcours.term.classlist import class_list
    from parcours.term.collect import load_team_copies

    results = load_td(course, td)
    names = {s.id: s.full_name for s in class_list(course)}
    teams = {
        member: (owner, group)
        for member, (owner, group) in load_team_copies(course, td).items()
        if owner in results.submissions
    }
    everyone = sorted(set(results.submissions) | set(teams))
    chosen = [student] if student else everyone
    if student and student not in everyone:
        raise ValueError(f"Aucune copie corrigée de « {student} » pour {td}.")
    sources = cell_sources(course, td)
    title, labels = statement(course, td)
    review = _review(course, td)
    written = []
    for sid in chosen:
        page = student_page(
            course,
            td,
            sid,
            results=results,
            sources=sources,
            names=names,
            scale=scale,
            statement_parts=(title, labels),
            review=review,
            teams=teams,
        )
        target = course.root / "feedback" / sid / td / f"{td}.html"
        write_bytes_atomic(target, page.encode("utf-8"))
        owner = teams[sid][0] if sid in teams else sid
        for name in EXCHANGE_FILES:
            for folder in (course.autograded(owner, td), course.submitted(owner, td)):
                if (folder / name).is_file():
                    write_bytes_atomic(target.parent / name, (folder / name).read_bytes())
                    break
        written.append(target)
    return written


# nbgrader's ``release_feedback`` reads these beside the page: the submission's time and, for a
# copy handed in through the exchange, its secret (the name of the page in the exchange). Like
# nbgrader's GenerateFeedback, they are copied from the autograded folder (else the submitted one).
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


# Moodle stores the comment as HTML (« Feedback par commentaires »); keep it short enough to read
# in the grading table and far under any column limit.
SUMMARY_MAX = 1200


def question_groups(results: TdResults, student: str) -> list[tuple[str, float, float, bool]]:
    """``(label, points, max, waiting for the teacher)`` per question number (a question's cells
    counted together)."""
    sub = results.submissions[student]
    groups: dict[str, list] = {}
    for gid, _ctype, _mx in results.questions:
        q = sub.questions.get(gid)
        if q is None:
            continue
        m = re.search(r"_q(\d+)", gid)
        label = f"Q{int(m.group(1))}" if m else question_label(gid, results.td)
        acc = groups.setdefault(label, [0.0, 0.0, False])
        acc[0] += q.score
        acc[1] += q.max_score
        acc[2] = acc[2] or q.needs_manual
    return [(label, pts, mx, waiting) for label, (pts, mx, waiting) in groups.items()]


def moodle_summary(
    results: TdResults,
    student: str,
    teacher_comments: dict[str, str],
    *,
    scale: float = 20.0,
    labels: dict[str, str] | None = None,
) -> str:
    """A short French HTML summary for Moodle's feedback-comments column (every text escaped).
    Questions are named by the statement's headings (*labels*) like the feedback page; a question
    split into several graded items is named once."""
    esc = html.escape
    sub = results.submissions[student]

    def pts(value: float) -> str:
        return f"{value:g}".replace(".", ",")

    parts = [
        f"<p>{esc(results.td)} : <strong>{fr_number(sub.on(scale))} / {scale:g}</strong> "
        f"({pts(sub.score)} / {pts(sub.max_score)} points"
        + (", note provisoire" if sub.pending else "")
        + ").</p>"
    ]
    groups = question_groups(results, student)
    if groups:
        parts.append(
            "<p>Par question : "
            + " ; ".join(
                f"{esc(label)} " + (f"à noter/{pts(mx)}" if waiting else f"{pts(p)}/{pts(mx)}")
                for label, p, mx, waiting in groups
            )
            + ".</p>"
        )
    if late_text(sub):
        parts.append(f"<p>Copie rendue en retard ({esc(late_text(sub))}).</p>")
    missed = list(
        dict.fromkeys(
            question_label(gid, results.td, labels)
            for gid, _ctype, _mx in results.questions
            if gid in sub.questions
            and sub.questions[gid].score < sub.questions[gid].max_score
            and not sub.questions[gid].needs_manual
        )
    )
    if missed:
        parts.append("<p>À relire : " + esc(", ".join(missed)) + ".</p>")
    said = []
    for gid, text in teacher_comments.items():
        said.append(
            text if gid == "__general__" else f"{question_label(gid, results.td, labels)} : {text}"
        )
    comment = " ".join(" ".join(said).split())
    room = SUMMARY_MAX - len("".join(parts)) - 60
    if comment and room > 40:
        if len(esc(comment)) > room:
            comment = comment[: room // 2].rstrip() + " […]"
        parts.append(f"<p>Commentaire de l'enseignant : {esc(comment)}</p>")
    text = "".join(parts)
    while len(text) > SUMMARY_MAX and len(parts) > 1:  # the score line always stays
        parts.pop()
        text = "".join(parts)
    return text
