"""Stable name for the TD notebooks and the book: ``parcours.verification`` is ``parcours.notebook.verification``.

Released notebooks (``exercises/``) import it under this name; the module object is the same.
"""

import sys

from parcours.notebook import verification as _module

sys.modules[__name__] = _module
