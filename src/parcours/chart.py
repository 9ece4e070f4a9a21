"""Stable name for the TD notebooks and the book: ``parcours.chart`` is ``parcours.notebook.chart``.

Released notebooks (``exercises/``) import it under this name; the module object is the same.
"""

import sys

from parcours.notebook import chart as _module

sys.modules[__name__] = _module
