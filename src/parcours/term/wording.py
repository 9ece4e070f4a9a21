"""French agreement of a count with its words: « 0 copie », « 1 copie », « 2 copies corrigées ».

French takes the singular for 0 and 1. :func:`plural` adds an « s » to each word (not to words
already ending in s, x or z, nor to the small invariable words such as « et », « de », « déjà »);
give the plural yourself when the rule does not fit.
"""

from __future__ import annotations

INVARIABLE = {"à", "au", "de", "des", "du", "en", "et", "sur", "déjà", "non", "pas", "par", "ou"}


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """``n`` followed by ``singular`` or its plural, for example ``plural(2, "copie corrigée")``."""
    if abs(n) < 2:
        words = singular
    else:
        words = plural_form or " ".join(
            w if w in INVARIABLE or w.endswith(("s", "x", "z")) else w + "s"
            for w in singular.split(" ")
        )
    return f"{n:g} {words}" if isinstance(n, float) else f"{n} {words}"
