"""Stable name for the TD notebooks and the book: ``parcours.scenario`` is ``parcours.data.scenario``.

Released notebooks (``exercises/``) import it under this name; the module object is the same.
"""

import sys

from parcours.data import scenario as _module

sys.modules[__name__] = _module
