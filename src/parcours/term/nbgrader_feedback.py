"""nbgrader's own feedback path made safe: formgrader's « Generate Feedback » button and
``nbgrader generate_feedback`` write ``feedback/<id>/<TD>/<TD>.html``, the same file as
``parcours retours``. nbgrader's default exporter renders the autograded notebook, hidden tests and
computed values included (#917, #1363); the course's ``nbgrader_config.py`` sets
``c.GenerateFeedback.exporter_class`` to :class:`FeedbackExporter`, which returns the page of
:func:`parcours.term.feedback.student_page` instead, built from the gradebook.
"""

from __future__ import annotations

from pathlib import Path

from nbconvert.exporters import Exporter


class FeedbackExporter(Exporter):
    """An nbconvert exporter that ignores the notebook and returns the student's safe page."""

    export_from_notebook = None  # not offered as an nbconvert format
    output_mimetype = "text/html"

    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        from parcours.term.course import open_course
        from parcours.term.feedback import student_page

        resources = self._init_resources(resources)
        info = resources.get("nbgrader") or {}
        coursedir = getattr(self.parent, "coursedir", None)
        root = Path(coursedir.root) if coursedir is not None else Path.cwd()
        course = open_course(root, db=info.get("db_url") or None)
        page = student_page(course, info["assignment"], info["student"])
        resources["output_extension"] = ".html"
        return page, resources
