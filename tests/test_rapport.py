"""Copy detection (winnowing) and choice answers read from the answer cells."""

from __future__ import annotations

from parcours.term.report import literal_answer
from parcours.term.similarity import find_copies

TEMPLATE = {"q1": "# VOTRE CODE ICI\nraise NotImplementedError()"}
SOLUTION = 'taux = enquete["repondu"].mean() * 100\nprint(f"{taux:.1f}")'
ODD = (
    "liste_notes = repondants['note_csat'].astype(int)\n"
    "bons = [n for n in liste_notes if n in (4, 5)]\n"
    "taux = 100 * len(bons) / len(list(liste_notes))\n"
)
RENAMED = (
    "# ma version\nvaleurs = repondants[ 'note_csat' ].astype(int)\n"
    "ok = [v for v in valeurs if v in (4, 5)]\n\n"
    "taux  =  100 * len(ok) / len(list(valeurs))\n"
)
OWN = (
    "compte = (repondants['note_csat'] >= 4).sum()\n"
    "taux = compte / repondants.shape[0] * 100\nprint(round(taux, 2))\n"
)


def test_renamed_copy_is_found_and_common_or_template_code_is_not():
    answers = {f"s{i:02d}": {"q1": SOLUTION, "q2": OWN if i == 3 else SOLUTION} for i in range(20)}
    answers["s01"]["q2"] = ODD
    answers["s02"]["q2"] = RENAMED
    answers["s04"] = {"q1": TEMPLATE["q1"], "q2": TEMPLATE["q1"]}
    answers["s05"] = {"q1": TEMPLATE["q1"], "q2": TEMPLATE["q1"]}
    pairs = find_copies(answers, template=TEMPLATE)
    assert [(p.a, p.b, p.cells) for p in pairs] == [("s01", "s02", ["q2"])]
    assert pairs[0].similarity == 1.0


def test_choice_answers():
    assert literal_answer('reponse_q10 = "A"') == "A"
    assert literal_answer("reponse = 3\nprint(reponse)") == 3
    assert literal_answer("x = f(2)") is None
    assert literal_answer("a = 1\nb = 2") is None
