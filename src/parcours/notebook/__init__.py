"""What a TD notebook runs: the setup line, the checks' helpers, charts, and the kernel side of the
value export. The only wing a student's kernel loads; it needs numpy, pandas and matplotlib, never
nbgrader (the export, which runs only under the grader, also uses pyarrow from the teacher's extra).

Stable names for notebooks live at the top: ``parcours.verification``, ``parcours.chart``,
``parcours.presentation``.
"""
