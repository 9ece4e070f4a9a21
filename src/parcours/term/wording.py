"""French agreement of a count with its words: « 0 copie », « 1 copie », « 2 copies corrigées ».

French takes the singular below 2 (0, 1, 1,5). :func:`plural` adds an « s » to each word (not to
words already ending in s, x or z, nor to the small invariable words such as « et », « de »,
« déjà »); give the plural yourself when the rule does not fit.
"""

from __future__ import annotations

INVARIABLE = {"à", "au", "de", "des", "du", "en", "et", "sur", "déjà", "non", "pas", "par", "ou"}


def agree(n: float, singular: str, plural_form: str | None = None) -> str:
    """``singular`` or its plural, as ``n`` asks: ``agree(2, "copie corrigée")`` → ``copies corrigées``."""
    if abs(n) < 2:
        return singular
    return plural_form or " ".join(
        w if w in INVARIABLE or w.endswith(("s", "x", "z")) else w + "s"
        for w in singular.split(" ")
    )


def plural(
    n: float, singular: str, plural_form: str | None = None, *, shown: str | None = None
) -> str:
    """``n`` (or ``shown``, its French writing such as « 0,5 ») followed by the agreeing words."""
    number = shown if shown is not None else f"{n:g}"
    return f"{number} {agree(n, singular, plural_form)}"
