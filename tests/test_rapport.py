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


def test_identical_copies_are_grouped_before_any_similarity():
    """A byte-identical copy of a classmate's answers, and the same wrong answers in a group,
    are flagged; a class that wrote the expected solution is not."""
    from types import SimpleNamespace

    from parcours.grading.results import QuestionGrade, Submission
    from parcours.term.report_help import copy_groups

    def sub(sid, ok1, ok2):
        s = Submission(sid, "td")
        s.questions = {
            "q1": QuestionGrade("q1", "code", 2.0 if ok1 else 0.0, 2.0, False),
            "q2": QuestionGrade("q2", "code", 2.0 if ok2 else 0.0, 2.0, False),
        }
        return s

    answers = {
        f"s{i:02d}": {"c1": SOLUTION, "c2": f"taux = {i} * 1.5\nprint(taux)"} for i in range(12)
    }
    answers["s01"] = dict(answers["s00"])  # byte-identical copy of s00
    answers["s02"]["c2"] = answers["s00"]["c2"].replace("taux", "t")  # renamed: near-identical
    for sid in ("s07", "s08", "s09", "s10", "s11"):  # the same wrong answer, five times
        answers[sid] = {"c1": SOLUTION, "c2": 'taux = "A"'}
    subs = {sid: sub(sid, True, sid not in ("s07", "s08", "s09", "s10", "s11")) for sid in answers}
    rep = SimpleNamespace(
        answers=answers,
        cell_of={"q1": "c1", "q2": "c2"},
        results=SimpleNamespace(submissions=subs),
    )
    groups = copy_groups(rep, {"c1": TEMPLATE["q1"], "c2": TEMPLATE["q1"]})
    assert [(g.level, g.students) for g in groups] == [
        ("identiques", ["s00", "s01"]),
        ("identiques", ["s07", "s08", "s09", "s10", "s11"]),
        ("quasi identiques", ["s00", "s01", "s02"]),
    ]
    assert groups[1].same_mistakes == ["c2"]
