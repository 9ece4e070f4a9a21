"""The skills map in the book (issue 19), read from the released TD notebooks at build time.

``{carte-td} td03_satisfaction`` lists, per question of a TD, the book sections its graded items
draw on and their toolbox entries, then the competency blocks the TD evidences.
``{blocs-chapitre} ch3_satisfaction`` opens a chapter with the blocks it serves: those of the
graded items whose section is on the chapter's page, with the TD questions that evaluate them.

Both read ``exercises/<TD>/<TD>.ipynb`` (``metadata.parcours``, written by
``tools/carte_competences.py``); a section label that does not exist makes a broken ``{ref}``,
which the strict build refuses. Blocks whose wording is unverified say so.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.util.docutils import SphinxDirective

EXERCISES_DIR = "exercises"


def _tds(srcdir: Path) -> list[Path]:
    return sorted((srcdir / EXERCISES_DIR).glob("td*/td*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8")).get("cells", [])


def _question_ranges(numbers: list[int]) -> str:
    numbers = sorted(set(numbers))
    if len(numbers) == 1:
        return f"question {numbers[0]}"
    return "questions " + ", ".join(map(str, numbers[:-1])) + f" et {numbers[-1]}"


def _td_number(stem: str) -> int:
    return int(stem[2:4])


def _blocks_text(ids) -> list[str]:
    from parcours.data.competences import BLOCS, NON_VERIFIE

    lines = []
    for b in BLOCS.values():  # in the reference's order
        if b.id in ids:
            mark = "" if b.verifie else f" *({NON_VERIFIE})*"
            lines.append(f"- {b.libelle.split(' [')[0]}{mark}")
    return lines


class _MapDirective(SphinxDirective):
    required_arguments = 1

    def _parse(self, lines: list[str]):
        from docutils import nodes
        from docutils.statemachine import StringList

        container = nodes.container(classes=["carte-competences"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), 0, container)
        return [container]


class TdMap(_MapDirective):
    """Per question: the sections and toolbox entries; then the TD's blocks."""

    def run(self):
        from parcours.term.carte import book_sections, question_numbers, read_map

        slug = self.arguments[0]
        srcdir = Path(self.env.srcdir)
        path = srcdir / EXERCISES_DIR / slug / f"{slug}.ipynb"
        self.env.note_dependency(str(path))
        cells = _cells(path)
        numbers = question_numbers(cells)
        sections = book_sections(srcdir / "book")
        per_question: dict[int, dict[str, list[str]]] = {}
        blocks: set[str] = set()
        for item in read_map(cells):
            number = numbers.get(item.grade_id, (None, ""))[0]
            q = per_question.setdefault(number, {"sections": [], "outils": [], "titre": []})
            if not q["titre"]:
                q["titre"].append(numbers.get(item.grade_id, (None, ""))[1])
            if item.section and item.section not in q["sections"]:
                q["sections"].append(item.section)
            q["outils"] += [t for t in item.outils if t not in q["outils"] and t != item.section]
            blocks |= set(item.blocs)
        lines = []
        for number, q in sorted(per_question.items(), key=lambda kv: kv[0] or 0):
            refs = ", ".join(f"{{ref}}`{s}`" for s in q["sections"])
            tools = ", ".join(
                f"{{ref}}`{sections[t].title.split(' — ')[0] if t in sections else t} <{t}>`"
                for t in q["outils"]
            )
            title = f" — {q['titre'][0]}" if q["titre"] and q["titre"][0] else ""
            line = f"- **Question {number}**{title} : à relire {refs}"
            if tools:
                line += f" ; fiches {tools}"
            lines.append(line + ".")
        lines += ["", "Blocs de compétences que ce TD permet d'évaluer :", "", *_blocks_text(blocks)]
        return self._parse(lines)


class ChapterBlocks(_MapDirective):
    """The blocks a chapter serves, from the graded items whose section is on its page."""

    def run(self):
        from parcours.term.carte import book_sections, question_numbers, read_map

        page = self.arguments[0]
        srcdir = Path(self.env.srcdir)
        sections = book_sections(srcdir / "book")
        blocks: set[str] = set()
        evaluated: dict[str, list[int]] = {}
        for path in _tds(srcdir):
            self.env.note_dependency(str(path))
            cells = _cells(path)
            numbers = question_numbers(cells)
            for item in read_map(cells):
                section = sections.get(item.section)
                if section is None or section.page != f"book/{page}":
                    continue
                blocks |= set(item.blocs)
                number = numbers.get(item.grade_id, (None, ""))[0]
                if number is not None:
                    evaluated.setdefault(path.stem, []).append(number)
        if not blocks:
            return []
        lines = [
            ":::{admonition} Blocs de compétences",
            ":class: blocs-competences",
            "",
            "Ce chapitre sert les blocs suivants (ils sont évalués par les TD indiqués) :",
            "",
            *_blocks_text(blocks),
            "",
            "Évalué dans : "
            + " ; ".join(
                f"{{ref}}`TD {_td_number(td)} <{td}>` ({_question_ranges(nums)})"
                for td, nums in sorted(evaluated.items())
            )
            + ".",
            ":::",
        ]
        return self._parse(lines)


def setup(app):
    app.add_directive("carte-td", TdMap)
    app.add_directive("blocs-chapitre", ChapterBlocks)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
