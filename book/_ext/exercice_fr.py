"""French titles for sphinx-exercise's solutions: « Solution de l’exercice 15 ».

sphinx-exercise builds a solution's title from two translated words, « Solution to » (« Solution
de ») and « Exercise » (« Exercice »), then the number: « Solution de Exercice 15 ». French wants
the elision and the lower case, which no translation of either word can give (« Exercice » is
also the exercise's own title). This post-transform runs just after sphinx-exercise has resolved
the titles (same priority, later name) and rewrites only that title: the link to the exercise stays.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

APOSTROPHE = "\u2019"
HEAD = "Solution de"
EXERCISE = " Exercice"


def french(title: nodes.title) -> str | None:
    """The French title for a solution title node built by sphinx-exercise, or ``None``."""
    if len(title.children) < 2:
        return None
    head, link = title.children[0], title.children[1]
    if not (isinstance(head, nodes.Text) and str(head) == HEAD):
        return None
    if not (isinstance(link, nodes.reference) and link.children):
        return None
    first = link.children[0]
    if not (isinstance(first, nodes.Text) and str(first).startswith(EXERCISE)):
        return None
    rest = "exercice" + str(first)[len(EXERCISE) :]
    title.replace(head, nodes.Text(HEAD + " l" + APOSTROPHE))
    link.replace(first, nodes.Text(rest))
    return title.astext()


class SolutionTitlesInFrench(SphinxPostTransform):
    # sphinx-exercise's ResolveTitlesInSolutions has priority 21 too; same priority, later name
    default_priority = 21

    def run(self, **kwargs) -> None:
        try:
            from sphinx_exercise.nodes import solution_node
        except ImportError:
            return
        for node in self.document.findall(solution_node):
            if node.children and isinstance(node.children[0], nodes.title):
                text = french(node.children[0])
                if text:
                    node["title"] = text


def setup(app):
    app.add_post_transform(SolutionTitlesInFrench)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
