"""The competency grid (issue 19): per student and block, the share of points earned across the
TDs graded so far, its level, and the class's distribution per block.

The blocks are those of the diploma(s) the class follows: ``c.Parcours.diplomes`` in the course's
``nbgrader_config.py`` (all diplomas when it is not set). An item evidences every block its map
names (``metadata.parcours.blocs``), so its points count in each of them. A TD counts once it has
a copy of the student in the gradebook: an absent student's TD counts neither for nor against
them. Written answers not graded yet are left out (their points are neither earned nor possible)
and make the row provisional. Thresholds: ``c.Parcours.seuils_competences`` (per cent, three
increasing values; default 25, 50, 75).
"""

from __future__ import annotations

import ast
import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from parcours.data.competences import (
    BLOCS,
    DIPLOMES,
    NIVEAUX,
    NON_VERIFIE,
    SEUILS_DEFAUT,
    Bloc,
    choisir_diplomes,
    niveau,
    verifier_seuils,
)
from parcours.term.course import config_assignments
from parcours.term.wording import plural


def fr_number(value: float) -> str:
    """``81.8`` → ``"81,8"``, ``9.0`` → ``"9"`` (French decimal comma, no useless zero)."""
    return f"{round(value, 2):g}".replace(".", ",")


def parcours_settings(config_file: Path) -> dict:
    """Literal ``c.Parcours.<key> = value`` assignments of a course config, read without running
    it (lists, numbers, strings)."""
    found = {}
    for key, value in config_assignments(config_file, "Parcours").items():
        try:
            found[key] = ast.literal_eval(value)
        except ValueError:
            raise ValueError(
                f"{config_file} : c.Parcours.{key} doit être une valeur écrite telle "
                "quelle (liste, nombre ou texte)."
            ) from None
    return found


def course_blocks(course) -> tuple[list[Bloc], tuple[float, float, float], bool]:
    """``(blocks, thresholds, chosen)``: the blocks of the class's diplomas, in order, and whether
    the config named the diplomas (else every diploma's blocks)."""
    settings = parcours_settings(course.config_file)
    chosen = settings.get("diplomes")
    diplomas = choisir_diplomes(chosen)
    thresholds = verifier_seuils(settings.get("seuils_competences", SEUILS_DEFAUT))
    blocks = [b for d in diplomas for b in BLOCS.values() if b.diplome == d]
    return blocks, thresholds, bool(chosen)


@dataclass
class Cell:
    earned: float = 0.0
    possible: float = 0.0
    pending: bool = False  # written answers waiting for their grade

    @property
    def share(self) -> float | None:
        """Per cent of the points earned, None when the block had no point yet."""
        return 100 * self.earned / self.possible if self.possible else None


@dataclass
class Grid:
    blocks: list[Bloc]
    thresholds: tuple[float, float, float]
    chosen: bool
    tds: list[str]
    students: list[tuple[str, str, str, str]]  # id, nom, prénom, groupe
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # (student, block)
    unmapped: list[str] = field(default_factory=list)  # "td : grade_id" without blocks

    def level(self, cell: Cell) -> str:
        return "" if cell.share is None else niveau(cell.share, self.thresholds)

    def distribution(self, block: str) -> dict[str, int]:
        counts = dict.fromkeys(NIVEAUX, 0)
        for sid, *_ in self.students:
            lv = self.level(self.cells[(sid, block)])
            if lv:
                counts[lv] += 1
        return counts


def build_grid(course) -> Grid:
    """The grid of the course's class over every TD of the gradebook."""
    from parcours.grading.results import gradebook_tds, load_td
    from parcours.term.carte import td_map
    from parcours.term.classlist import class_list

    blocks, thresholds, chosen = course_blocks(course)
    wanted = {b.id for b in blocks}
    roster = {s.id: s for s in class_list(course)}
    tds = gradebook_tds(course)
    cells: dict[tuple[str, str], Cell] = {}
    unmapped: list[str] = []
    seen: set[str] = set()
    for td in tds:
        results = load_td(course, td)
        items = td_map(course, td)
        for gid, _ctype, _mx in results.questions:
            if gid not in items or not items[gid].blocs:
                unmapped.append(f"{td} : {gid}")
        for sid, sub in results.submissions.items():
            seen.add(sid)
            for gid, q in sub.questions.items():
                item = items.get(gid)
                if item is None:
                    continue
                for b in item.blocs:
                    if b not in wanted:
                        continue
                    cell = cells.setdefault((sid, b), Cell())
                    if q.needs_manual:
                        cell.pending = True
                        continue
                    cell.earned += q.score
                    cell.possible += q.max_score
    ids = sorted(seen | set(roster), key=lambda s: _sort_key(roster.get(s), s))
    students = []
    for sid in ids:
        s = roster.get(sid)
        students.append(
            (sid, s.nom if s else "", s.prenom if s else "", (s.groupe or "") if s else "")
        )
        for b in blocks:
            cells.setdefault((sid, b.id), Cell())
    return Grid(blocks, thresholds, chosen, tds, students, cells, sorted(set(unmapped)))


def _sort_key(student, sid: str):
    if student is None:
        return ("", "", sid)
    return (student.nom.lower(), student.prenom.lower(), sid)


HEADER = [
    "Identifiant",
    "Nom",
    "Prénom",
    "Groupe",
    "Diplôme",
    "Bloc",
    "Intitulé du bloc",
    "Points obtenus",
    "Points possibles",
    "Part des points (%)",
    "Niveau",
    "Statut",
]


def grid_rows(grid: Grid) -> list[list]:
    """One row per student and block (the CSV and the xlsx sheet)."""
    rows = []
    for sid, nom, prenom, groupe in grid.students:
        for b in grid.blocks:
            cell = grid.cells[(sid, b.id)]
            share = cell.share
            status = []
            if cell.pending:
                status.append("provisoire")
            if not b.verifie:
                status.append(NON_VERIFIE)
            rows.append(
                [
                    sid,
                    nom,
                    prenom,
                    groupe,
                    DIPLOMES[b.diplome].court,
                    b.numero,
                    b.intitule,
                    round(cell.earned, 2),
                    round(cell.possible, 2),
                    None if share is None else round(share, 1),
                    grid.level(cell) or "pas encore évalué",
                    " ; ".join(status),
                ]
            )
    return rows


def write_grid_csv(grid: Grid, target: Path) -> None:
    from parcours.term.atomic import write_bytes_atomic
    from parcours.term.tabular import safe_cell

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(HEADER)
    for row in grid_rows(grid):
        w.writerow(
            [
                fr_number(c) if isinstance(c, float) else ("" if c is None else safe_cell(c))
                for c in row
            ]
        )
    write_bytes_atomic(target, buf.getvalue().encode("utf-8-sig"))


def add_grid_sheet(book, grid: Grid, title: str = "Compétences") -> None:
    """The grid as a sheet of an openpyxl workbook: one row per student and block."""
    from openpyxl.styles import Font, PatternFill

    from parcours.term.tabular import safe_cell

    sheet = book.create_sheet(title)
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fills = dict(zip(NIVEAUX, ("F4CCCC", "FCE5CD", "D9EAD3", "B6D7A8"), strict=True))
    for row in grid_rows(grid):
        sheet.append([safe_cell(c) if isinstance(c, str) else c for c in row])
        last = sheet.max_row
        sheet.cell(last, 10).number_format = "0.0"
        if row[10] in fills:
            sheet.cell(last, 11).fill = PatternFill("solid", fgColor=fills[row[10]])
    sheet.freeze_panes = "E2"
    for col, width in zip(
        "ABCDEFGHIJKL", (14, 16, 14, 10, 11, 13, 48, 9, 9, 9, 22, 30), strict=True
    ):
        sheet.column_dimensions[col].width = width


def write_grid_xlsx(grid: Grid, target: Path) -> None:
    import openpyxl

    from parcours.term.atomic import write_bytes_atomic

    book = openpyxl.Workbook()
    book.remove(book.active)
    add_grid_sheet(book, grid)
    buf = io.BytesIO()
    book.save(buf)
    write_bytes_atomic(target, buf.getvalue())


COLORS = dict(zip(NIVEAUX, ("#c0392b", "#e67e22", "#27ae60", "#1e6f43"), strict=True))

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:1180px;margin:1.5rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;
box-shadow:0 2px 10px rgba(0,0,0,.07)}
h1{font-size:1.45rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .6rem}.sub{color:#5b6875;margin:0 0 1rem}
.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.6rem .9rem;border-radius:6px;margin:.8rem 0}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;margin:.6rem 0 1rem;font-size:.9rem}
.legend span::before{content:"";display:inline-block;width:.8rem;height:.8rem;border-radius:3px;margin-right:.35rem;vertical-align:-1px;background:var(--c)}
.blocks{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1rem}
.block{border:1px solid #e3e8ee;border-radius:10px;padding:.8rem 1rem}
.block h3{font-size:.98rem;margin:0 0 .5rem}.unv{color:#a04000;font-size:.82rem;font-weight:500}
.bar{display:flex;height:1.5rem;border-radius:6px;overflow:hidden;background:#eef1f4}
.bar div{color:#fff;font-size:.8rem;display:flex;align-items:center;justify-content:center;min-width:0}
.counts{font-size:.85rem;color:#34495e;margin-top:.35rem}
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.45rem .5rem;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600;position:sticky;top:0}
td.lv{white-space:nowrap}.lv b{display:inline-block;border-radius:5px;padding:.05rem .4rem;color:#fff;font-weight:600;font-size:.82rem}
.pct{color:#5b6875;font-size:.82rem;display:block}
@media (max-width:600px){main{margin:0;border-radius:0;padding:1rem}.blocks{grid-template-columns:1fr}
.wrap{overflow:visible}table,tbody{display:block;width:100%}
thead{display:none}tr{display:block;border-bottom:1px solid #cfd6de;padding:.5rem 0}
td{display:flex;flex-wrap:wrap;align-items:baseline;gap:.15rem .5rem;border:0;padding:.15rem 0}
td::before{content:attr(data-bloc);color:#5b6875;font-size:.82rem;flex:1 0 7.5rem}
td:first-child{font-weight:600;display:block}td:first-child::before{content:none}.pct{display:inline;margin-left:auto}}
footer{margin-top:1.5rem;color:#7b8794;font-size:.85rem}
"""


def _short(b: Bloc) -> str:
    return f"{DIPLOMES[b.diplome].court} {b.numero}"


def _tag(b: Bloc) -> str:
    """The block's name in a cell's label on phones (starred when its wording is unverified)."""
    return _short(b) + ("" if b.verifie else " *")


def render_grid(grid: Grid) -> str:
    """The grid as one self-contained HTML page (no external resource)."""
    esc = html.escape
    t1, t2, t3 = (fr_number(t) for t in grid.thresholds)
    legend = "".join(f'<span style="--c:{COLORS[lv]}">{esc(lv)}</span>' for lv in NIVEAUX)
    notes = []
    if not grid.chosen:
        notes.append(
            '<div class="note">Aucun diplôme choisi dans nbgrader_config.py '
            "(c.Parcours.diplomes) : les blocs de tous les diplômes sont montrés.</div>"
        )
    if any(not b.verifie for b in grid.blocks):
        notes.append(
            f'<div class="note">Les blocs marqués « {esc(NON_VERIFIE)} » sont cités sans '
            "vérification sur le texte officiel : contrôlez leur intitulé avant de les "
            "communiquer.</div>"
        )
    if grid.unmapped:
        notes.append(
            '<div class="note">Items sans bloc dans la carte (non comptés) : '
            + esc(", ".join(grid.unmapped))
            + "</div>"
        )
    charts = []
    for b in grid.blocks:
        dist = grid.distribution(b.id)
        total = sum(dist.values())
        segs = "".join(
            f'<div style="width:{100 * n / total:.1f}%;background:{COLORS[lv]}" '
            f'title="{esc(lv)} : {n}">{n}</div>'
            for lv, n in dist.items()
            if total and n
        )
        counts = " · ".join(f"{esc(lv)} : {n}" for lv, n in dist.items())
        unv = "" if b.verifie else f' <span class="unv">({esc(NON_VERIFIE)})</span>'
        charts.append(
            f'<div class="block"><h3>{esc(_short(b))}{f" ({esc(b.unite)})" if b.unite else ""} — '
            f"{esc(b.intitule)}{unv}</h3>"
            f'<div class="bar" role="img" aria-label="{esc(counts)}">{segs}</div>'
            f'<div class="counts">{counts if total else "pas encore évalué"}</div></div>'
        )
    head = "".join(f"<th>{esc(_short(b))}{'' if b.verifie else ' *'}</th>" for b in grid.blocks)
    body = []
    for sid, nom, prenom, _groupe in grid.students:
        name = " ".join(x for x in (prenom, nom) if x) or sid
        tds = [f"<td>{esc(name)} <span class=pct>({esc(sid)})</span></td>"]
        for b in grid.blocks:
            cell = grid.cells[(sid, b.id)]
            lv = grid.level(cell)
            if not lv:
                tds.append(f'<td class="lv" data-bloc="{esc(_tag(b))}">—</td>')
                continue
            mark = " (provisoire)" if cell.pending else ""
            tds.append(
                f'<td class="lv" data-bloc="{esc(_tag(b))}"><b style="background:{COLORS[lv]}">'
                f"{esc(lv)}</b><span class=pct>{fr_number(round(cell.share, 1))} %{mark}</span></td>"
            )
        body.append("<tr>" + "".join(tds) + "</tr>")
    tds_text = ", ".join(grid.tds) if grid.tds else "aucun"
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Grille de compétences</title><style>{CSS}</style></head>
<body><main>
<h1>Grille de compétences</h1>
<p class="sub">{plural(len(grid.students), "étudiant")} · TD corrigés : {esc(tds_text)} · part des points
obtenus par bloc, sur tous les TD corrigés à ce jour.</p>
{"".join(notes)}
<div class="legend">{legend}</div>
<p class="sub">Niveaux : non acquis sous {t1} % ; en cours d'acquisition de {t1} à {t2} % ;
acquis de {t2} à {t3} % ; maîtrisé à partir de {t3} % (c.Parcours.seuils_competences).</p>
<h2>Répartition de la classe par bloc</h2>
<div class="blocks">{"".join(charts)}</div>
<h2>Par étudiant</h2>
<div class="wrap"><table><thead><tr><th>Étudiant</th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody></table></div>
{"<p class=sub>* " + esc(NON_VERIFIE) + ".</p>" if any(not b.verifie for b in grid.blocks) else ""}
<footer>Un item compte pour chacun des blocs que la carte des compétences lui associe. Un TD sans
copie ne compte pas ; une réponse rédigée pas encore notée non plus (« provisoire »).</footer>
</main></body></html>
"""


def write_grid(course, *, output: Path | None = None) -> dict:
    """Write the grid page, its CSV and its xlsx; return the paths and the grid."""
    from parcours.term.atomic import write_bytes_atomic

    grid = build_grid(course)
    page = Path(output) if output else course.root / "rapports" / "competences.html"
    csv_path = page.with_suffix(".csv")
    xlsx_path = page.with_suffix(".xlsx")
    write_grid_csv(grid, csv_path)
    write_grid_xlsx(grid, xlsx_path)
    write_bytes_atomic(page, render_grid(grid).encode("utf-8"))
    return {"page": page, "csv": csv_path, "xlsx": xlsx_path, "grid": grid}
