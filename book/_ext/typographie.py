"""French typography for the course book: every straight apostrophe becomes ’.

Sphinx's French smart quotes guess wrong next to inline markup: in ``l'*expérience*`` the
apostrophe sits before an emphasis, is taken for a closing quote and printed ”. French prose has
no straight quotes (the course uses « »), so every ``'`` outside code is an apostrophe: this
transform writes it ’ before the smart-quotes pass runs, whatever markup follows it.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform

APOSTROPHE = "\u2019"
# Text inside these nodes is shown as written (code, math, raw HTML).
VERBATIM = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment)


def typographic(text: str) -> str:
    return text.replace("'", APOSTROPHE)


def _verbatim(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, VERBATIM):
            return True
        parent = parent.parent
    return False


class FrenchApostrophes(SphinxTransform):
    """Replace straight apostrophes with ’ in every prose text node."""

    # Before SphinxSmartQuotes (750), after the MyST-NB glue and substitutions.
    default_priority = 740

    def apply(self, **kwargs) -> None:
        for text in list(self.document.findall(nodes.Text)):
            if "'" in text and not _verbatim(text):
                text.parent.replace(text, nodes.Text(typographic(str(text))))


def setup(app):
    app.add_transform(FrenchApostrophes)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
