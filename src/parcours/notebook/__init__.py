"""What a TD notebook runs: the setup line, the checks' helpers, charts, and the kernel side of the
value export. The only wing a student's kernel loads; it needs numpy, pandas, matplotlib (and pyarrow
for the export), never nbgrader.

Stable names for notebooks live at the top: ``parcours.verification``, ``parcours.chart``,
``parcours.presentation``.
"""
