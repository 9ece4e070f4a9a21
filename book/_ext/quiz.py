"""Multiple-choice questions for the course book, answered by clicking, with French feedback.

A question is written in MyST as::

    ```{qcm} Sur 200 réponses, 90 promoteurs et 60 détracteurs : quel est le NPS ?
    :label: ch3_satisfaction_qcm1

    - [ ] 45 | Non : 45 % est la part des promoteurs, il faut retrancher les détracteurs.
    - [x] +15 | Oui : 45 % − 30 % = +15 ; les passifs restent dans le total.
    ```

Each option line is ``- [x]`` (the right answer, exactly one) or ``- [ ]``, the answer text, ``|``
and the feedback shown when the option is chosen. The HTML is a ``fieldset`` of real radio
inputs with a ``legend``, a polite live region for the feedback, and a ``details`` block that
gives the answer when JavaScript is off; ``quiz.js`` and ``quiz.css`` are served locally (no CDN).
This module also loads the ``typographie`` extension (French apostrophes) and ``kit_carte`` (the
journey-map kit's downloads), so that one line of ``_config.yml`` registers all three.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from typographie import typographic

OPTION = re.compile(r"^-\s*\[(?P<mark>[ xX])\]\s*(?P<text>.+?)\s*\|\s*(?P<feedback>.+)$")
INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\*(.+?)\*"), r"<em>\1</em>"),
    (re.compile(r"`(.+?)`"), r"<code>\1</code>"),
]


@dataclass(frozen=True)
class Option:
    text: str
    feedback: str
    correct: bool


def inline_html(text: str) -> str:
    """Escaped text with French apostrophes and the few inline marks questions use."""
    out = html.escape(typographic(text.strip()), quote=False)
    for pattern, repl in INLINE:
        out = pattern.sub(repl, out)
    return out


def parse_options(lines: list[str]) -> tuple[list[str], list[Option]]:
    """Split a question body into extra statement lines and its options."""
    statement, options = [], []
    for line in lines:
        match = OPTION.match(line.strip())
        if match:
            options.append(
                Option(match["text"], match["feedback"], match["mark"].lower() == "x")
            )
        elif options and line.strip():
            raise ValueError(f"ligne inattendue après les réponses : {line.strip()!r}")
        elif line.strip():
            statement.append(line.strip())
    return statement, options


def render(label: str, number: int, question: str, options: list[Option]) -> str:
    legend = inline_html(question)
    good = next(o for o in options if o.correct)
    items = []
    for i, opt in enumerate(options):
        oid = f"{label}-{chr(97 + i)}"
        items.append(
            f'<div class="qcm-option"><input type="radio" id="{oid}" name="{label}" '
            f'value="{chr(97 + i)}" data-correct="{"oui" if opt.correct else "non"}" '
            f'data-retour="{html.escape(typographic(opt.feedback.strip()), quote=True)}">'
            f'<label for="{oid}">{inline_html(opt.text)}</label></div>'
        )
    return (
        f'<div class="qcm" id="{label}">'
        f'<fieldset><legend><span class="qcm-numero">Question {number}.</span> {legend}</legend>'
        + "".join(items)
        + "</fieldset>"
        f'<p class="qcm-retour" id="{label}-retour" role="status" aria-live="polite"></p>'
        f'<details class="qcm-solution"><summary>Voir la réponse</summary>'
        f'<p><span class="qcm-bonne">{inline_html(good.text)}</span> — {inline_html(good.feedback)}</p>'
        "</details></div>"
    )


class Qcm(SphinxDirective):
    """One multiple-choice question (see the module docstring)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"label": str}

    def run(self) -> list[nodes.Node]:
        label = self.options.get("label", "").strip()
        if not re.fullmatch(r"[a-z0-9_]+", label):
            return [self._error("qcm : l'option :label: (lettres minuscules, chiffres, _) manque")]
        try:
            statement, options = parse_options(list(self.content))
        except ValueError as err:
            return [self._error(f"qcm {label} : {err}")]
        if len(options) < 3 or sum(o.correct for o in options) != 1:
            return [self._error(f"qcm {label} : au moins 3 réponses, dont une seule juste")]
        counter = self.env.temp_data.setdefault("qcm_numero", {})
        number = counter[self.env.docname] = counter.get(self.env.docname, 0) + 1
        question = " ".join([self.arguments[0], *statement])
        return [nodes.raw("", render(label, number, question, options), format="html")]

    def _error(self, message: str) -> nodes.Node:
        return self.state.document.reporter.error(message, line=self.lineno)


def setup(app):
    app.setup_extension("typographie")
    app.setup_extension("kit_carte")
    app.add_directive("qcm", Qcm)
    app.add_js_file("quiz.js")
    app.add_css_file("quiz.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
