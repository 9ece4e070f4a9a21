"""Copy detection between submissions: winnowing fingerprints (Schleimer, Wilkerson & Aiken, 2003,
the method of MOSS), implemented here on Python tokens.

Each answer cell is tokenised; comments, blank lines and layout disappear, every identifier becomes
``V`` (renaming variables hides nothing), attribute names, strings and numbers stay. Hashes of
every ``K`` consecutive tokens are winnowed (the minimum of each window of ``W`` hashes is kept).
Fingerprints present in the released template, or shared by many students (the expected solution,
common idioms), are ignored: what remains is what a student wrote in their own way. Two
submissions are flagged when they share enough of those distinctive fingerprints.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

K = 5
W = 4
KEEP = set(dir(builtins)) | set(keyword.kwlist)


def normalise(code: str) -> list[str]:
    """Tokens of ``code`` with names replaced by ``V`` (attributes and builtins kept)."""
    out: list[str] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, ValueError, MemoryError, RecursionError):
        return code.split()
    previous = ""
    for tok in tokens:
        if tok.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue
        text = tok.string
        if tok.type == tokenize.NAME and text not in KEEP and previous != ".":
            text = "V"
        elif tok.type == tokenize.STRING:
            text = " ".join(text.split())
        out.append(text)
        previous = tok.string
    return out


def fingerprints(tokens: list[str]) -> set[int]:
    if len(tokens) < K:
        return set()
    hashes = [
        int.from_bytes(
            hashlib.blake2b("\x1f".join(tokens[i : i + K]).encode(), digest_size=8).digest()
        )
        for i in range(len(tokens) - K + 1)
    ]
    if len(hashes) <= W:
        return {min(hashes)}
    return {min(hashes[i : i + W]) for i in range(len(hashes) - W + 1)}


@dataclass
class Pair:
    a: str
    b: str
    similarity: float
    shared: int
    cells: list[str] = field(default_factory=list)


def find_copies(
    answers: dict[str, dict[str, str]],
    *,
    template: dict[str, str] | None = None,
    threshold: float = 0.6,
    min_shared: int = 6,
    common_share: float = 0.1,
) -> list[Pair]:
    """Pairs of students whose distinctive answer code is near-identical.

    ``answers``: ``{student: {cell: code}}``; ``template``: the released code of each cell.
    """
    ignored: set[int] = set()
    for code in (template or {}).values():
        ignored |= fingerprints(normalise(code))
    per_cell: dict[str, dict[str, set[int]]] = {}
    per_student: dict[str, set[int]] = {}
    for student, cells in answers.items():
        per_cell[student] = {}
        for cell, code in cells.items():
            fp = fingerprints(normalise(code)) - ignored
            per_cell[student][cell] = fp
        per_student[student] = set().union(*per_cell[student].values()) if cells else set()
    counts = Counter(fp for fps in per_student.values() for fp in fps)
    limit = max(2, int(common_share * len(answers)))
    common = {fp for fp, n in counts.items() if n > limit}
    distinct = {s: fps - common for s, fps in per_student.items()}
    index: dict[int, list[str]] = {}
    for s, fps in distinct.items():
        for fp in fps:
            index.setdefault(fp, []).append(s)
    shared = Counter()
    for owners in index.values():
        if 2 <= len(owners) <= limit:
            for a, b in combinations(sorted(owners), 2):
                shared[(a, b)] += 1
    pairs = []
    for (a, b), n in shared.items():
        if n < min_shared:
            continue
        union = len(distinct[a] | distinct[b])
        sim = n / union if union else 0.0
        if sim < threshold:
            continue
        cells = []
        for cell in sorted(set(per_cell[a]) & set(per_cell[b])):
            fa, fb = per_cell[a][cell] - common, per_cell[b][cell] - common
            if fa and fb and len(fa & fb) / len(fa | fb) >= 0.5:
                cells.append(cell)
        pairs.append(Pair(a, b, round(sim, 3), n, cells))
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))
