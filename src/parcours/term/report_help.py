"""The part of the class report that says who copied: identical and near-identical copies
(hashes of the answer cells), and a flagged pair shown side by side with its answer cells diffed.

Who needs help (one row per student, the groups) is :mod:`parcours.term.student_view`.
"""

from __future__ import annotations

import difflib
import hashlib
import html
from dataclasses import dataclass

from parcours.term.feedback import question_label
from parcours.term.similarity import normalise
from parcours.term.student_view import _stripped


@dataclass
class CopyGroup:
    level: str  # "identiques" or "quasi identiques"
    students: list[str]
    cells: list[str]  # answer cells whose code is shared and distinctive
    same_mistakes: list[str]  # shared answers that lost points


def copy_groups(rep, template: dict[str, str], *, common_share: float = 0.1) -> list[CopyGroup]:
    """Students whose answer cells are identical (or identical once names and layout are
    neutralised). A group larger than ``common_share`` of the class is the expected solution,
    unless its members share the same wrong answers."""
    subs = rep.results.submissions
    limit = max(3, int(common_share * len(rep.answers)))
    cell_gid = {cell: gid for gid, cell in rep.cell_of.items()}

    def own(sid: str) -> dict[str, str]:
        return {
            cell: code
            for cell, code in sorted(rep.answers.get(sid, {}).items())
            if _stripped(code) and _stripped(code) != _stripped(template.get(cell, "\0"))
        }

    def lost(sid: str, cell: str) -> bool:
        q = subs.get(sid).questions.get(cell_gid.get(cell, "")) if sid in subs else None
        return q is not None and not q.needs_manual and q.score < q.max_score

    found: list[CopyGroup] = []
    seen: list[set[str]] = []
    for level, key in (
        ("identiques", _stripped),
        ("quasi identiques", lambda code: " ".join(normalise(code))),
    ):
        buckets: dict[str, list[str]] = {}
        for sid in sorted(rep.answers):
            cells = own(sid)
            if not cells:
                continue
            digest = hashlib.sha256(
                "\x1e".join(f"{c}\x1f{key(code)}" for c, code in cells.items()).encode()
            ).hexdigest()
            buckets.setdefault(digest, []).append(sid)
        for members in buckets.values():
            if len(members) < 2 or set(members) in seen:
                continue
            cells = own(members[0])
            mistakes = [c for c in cells if all(lost(s, c) for s in members)]
            if len(members) > limit and not mistakes:
                continue
            seen.append(set(members))
            found.append(CopyGroup(level, members, list(cells), mistakes))
    return found


def distinctive_cells(rep, members: list[str], template: dict[str, str]) -> list[str]:
    """Answer cells where the pair's code differs from what most of the class wrote."""
    from collections import Counter

    a, b = members[:2]
    cells = []
    for cell in sorted(set(rep.answers.get(a, {})) & set(rep.answers.get(b, {}))):
        codes = Counter(
            " ".join(normalise(answers[cell]))
            for answers in rep.answers.values()
            if cell in answers
        )
        usual = codes.most_common(1)[0][0] if codes else ""
        mine = {" ".join(normalise(rep.answers[s][cell])) for s in (a, b)}
        raw = _stripped(rep.answers[a][cell])
        if raw and raw != _stripped(template.get(cell, "\0")) and mine != {usual}:
            cells.append(cell)
    return cells


# --- rendering -----------------------------------------------------------------------------------

CSS = """
.diffwrap{overflow-x:auto;margin:.5rem 0 1rem}table.diff{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:.8rem;border-collapse:collapse;width:auto}table.diff td{padding:.1rem .4rem;border:none;white-space:pre-wrap}
table.diff th{font-weight:600}.diff_header{color:#7b8794;text-align:right}.diff_next{display:none}
.diff_add{background:#d4f4dd}.diff_chg{background:#fff2b3}.diff_sub{background:#fbd5d5}
"""


def _label(cell: str, td: str) -> str:
    return question_label(cell.removesuffix("_reponse"), td)


def render_copy_groups(groups: list[CopyGroup], td: str) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(g.level)}</td><td>{', '.join(f'<b>{esc(s)}</b>' for s in g.students)}</td>"
        f"<td class='num'>{len(g.cells)}</td><td>"
        + (esc(", ".join(_label(c, td) for c in g.same_mistakes)) or "—")
        + "</td></tr>"
        for g in groups
    )
    body = (
        "<div class='scroll'><table><thead><tr><th>Copies</th><th>Étudiants</th>"
        "<th class='num'>Cellules de réponse</th><th>Mêmes erreurs</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
        if rows
        else '<p class="empty">Aucune copie identique.</p>'
    )
    return (
        '<section id="copies-identiques"><h2>Copies identiques ou presque</h2>'
        '<p class="hint">Empreinte (SHA-256) de toutes les cellules de réponse : « identiques » '
        "au caractère près (espaces de fin de ligne mis à part), « quasi identiques » une fois les "
        "noms de variables, les commentaires et la mise en page neutralisés. Les cellules laissées "
        "comme dans le sujet sont ignorées ; un groupe de plus de 10 % de la classe est la solution "
        "attendue, sauf s'il partage les mêmes erreurs.</p>"
        f"{body}</section>"
    )


def render_comparisons(pairs: list[tuple[str, str, list[str]]], answers, td: str) -> str:
    if not pairs:
        return ""
    esc = html.escape
    differ = difflib.HtmlDiff(tabsize=4, wrapcolumn=48)
    parts = []
    for a, b, cells in pairs:
        parts.append(f"<h3>{esc(a)} et {esc(b)}</h3>")
        for cell in cells:
            table = differ.make_table(
                answers[a][cell].splitlines(),
                answers[b][cell].splitlines(),
                fromdesc=esc(a),
                todesc=esc(b),
            )
            parts.append(
                f"<p><b>{esc(_label(cell, td))}</b></p><div class='diffwrap'>{table}</div>"
            )
    return (
        '<section id="comparaison"><h2>Copies signalées, côte à côte</h2>'
        "<p class=\"hint\">Cellules de réponse qui s'écartent de ce qu'a écrit la majorité de la "
        "classe ; surligné : ce qui diffère entre les deux copies (jaune : modifié, vert : ajouté, "
        "rouge : retiré).</p>" + "".join(parts) + "</section>"
    )


def comparison_pairs(rep, groups, pairs, template, *, most: int = 4):
    """Up to ``most`` flagged pairs, identical groups first, with their distinctive cells."""
    chosen: list[tuple[str, str, list[str]]] = []
    seen = set()
    candidates = [tuple(g.students[:2]) for g in groups] + [(p.a, p.b) for p in pairs]
    for a, b in candidates:
        if (a, b) in seen or len(chosen) >= most:
            continue
        seen.add((a, b))
        cells = distinctive_cells(rep, [a, b], template)
        if cells:
            chosen.append((a, b, cells))
    return chosen
