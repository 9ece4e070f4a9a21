"""Feedback never repeats hidden test code or computed values: only fixed texts written by the TD's
author as assertion messages are shown (the end-to-end test checks the pages themselves)."""

from __future__ import annotations

from parcours.term.feedback import WRONG, author_messages, notebook_errors, safe_message

CELL = '''"""Vérifie le CSAT."""
assert 5 < float(csat) <= 100, (
    "Le CSAT est un pourcentage, "
    "pas une moyenne."
)
### BEGIN HIDDEN TESTS
_attendu = 81.25  # SECRET-CANARI
assert abs(csat - _attendu) < 0.01, f"SECRET-CANARI attendu {_attendu}"
assert csat != 12, "Ce calcul ne convient pas."
if csat < 0:
    raise AssertionError("Valeur négative.")
### END HIDDEN TESTS
'''


def test_only_fixed_assertion_messages_are_allowed():
    allowed = author_messages(CELL)
    assert allowed == {
        "Le CSAT est un pourcentage, pas une moyenne.",
        "Ce calcul ne convient pas.",
        "Valeur négative.",
    }
    assert safe_message("Ce calcul ne convient pas.", allowed) == "Ce calcul ne convient pas."
    assert safe_message("SECRET-CANARI attendu 81.25", allowed) == WRONG
    assert safe_message("81.25", allowed) == WRONG
    assert "SECRET" not in safe_message("x", allowed, ename="ZeroDivisionError")
    assert "non traitée" in safe_message("", allowed, ename="NotImplementedError")


def test_unanswered_question_is_told_from_the_answer_cell(tmp_path):
    import json

    def code(gid, *, solution=False, grade=False, outputs=()):
        meta = {"nbgrader": {"grade_id": gid, "solution": solution, "grade": grade}}
        return {"cell_type": "code", "metadata": meta, "source": "", "outputs": list(outputs)}

    err = {"output_type": "error", "ename": "NotImplementedError", "evalue": "", "traceback": []}
    name_err = {"output_type": "error", "ename": "NameError", "evalue": "x", "traceback": ["..."]}
    assertion = {"output_type": "error", "ename": "AssertionError", "evalue": "m", "traceback": []}
    nb = {
        "cells": [
            code("q1_reponse", solution=True, outputs=[err]),
            code("q1", grade=True, outputs=[name_err]),
            code("q2_reponse", solution=True),
            code("q2", grade=True, outputs=[assertion]),
            code("q3_reponse", solution=True),
            code("q3", grade=True),
        ]
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert notebook_errors(path) == {
        "q1": ("NotImplementedError", ""),
        "q2": ("AssertionError", "m"),
    }


def _page_of_a_blank_copy(**kwargs):
    from parcours.grading.checks import missing_message
    from parcours.grading.results import QuestionGrade, Submission, TdResults
    from parcours.term.feedback import render

    td = "td03_satisfaction"
    sub = Submission("dupont.marie", td)
    sub.questions = {
        "td03_q01_taux_reponse": QuestionGrade("td03_q01_taux_reponse", "code", 0, 1, False),
        "td03_q03_csat": QuestionGrade("td03_q03_csat", "code", 0, 1, False),
        "td03_q11_analyse": QuestionGrade("td03_q11_analyse", "markdown", 0, 3, True),
    }
    sub.result = {
        "questions": {
            "td03_q01_taux_reponse": {"points": 0, "max": 1, "message": missing_message("x")},
            "td03_q03_csat": {"points": 0, "max": 1, "message": "Le CSAT est faux."},
        }
    }
    results = TdResults(
        td,
        [(g, q.cell_type, q.max_score) for g, q in sub.questions.items()],
        {sub.student: sub},
        set(),
    )
    return render(
        td=td,
        student=sub.student,
        name="Marie DUPONT",
        results=results,
        sources={"td03_q03_csat": 'assert csat > 0, "Le CSAT est faux."'},
        teacher_comments={},
        errors={"td03_q01_taux_reponse": ("NotImplementedError", "")},
        **kwargs,
    )


def test_a_blank_answer_is_not_wrong_and_an_ungraded_one_is_pending():
    import re

    page = _page_of_a_blank_copy()
    rows = {
        re.sub("<[^>]+>", " ", row).split()[1]: re.sub("<[^>]+>", " ", row)
        for row in re.findall(r"<tr><td>.*?</tr>", page, re.S)
    }
    q1 = next(text for text in rows.values() if "Question 1" in text)
    assert "Non répondu" in q1 and "incorrecte" not in q1, q1
    q3 = next(text for text in rows.values() if "Question 3" in text)
    assert "Le CSAT est faux." in q3, q3
    written = next(text for text in rows.values() if "Question 11" in text)
    assert "en attente de correction" in written and "0 / 3" not in written, written
    assert 'class="pts ko">0 / 3' not in page


def test_questions_and_the_td_are_named_by_the_statements_headings():
    from pathlib import Path

    from parcours.term.course import open_course
    from parcours.term.feedback import statement

    course = open_course(Path(__file__).resolve().parents[1])
    title, labels = statement(course, "td03_satisfaction")
    assert title == "TD 3 — Mesurer la satisfaction client"
    assert labels["td03_q01_taux_reponse"] == "Question 1 · Taux de réponse"
    assert statement(course, "td01_experience_client")[1]["td01_q03_courbe"] == (
        "Question 3 · La courbe des émotions"
    )
    page = _page_of_a_blank_copy(title=title, labels=labels)
    assert "<h1>Retour sur le TD 3 — Mesurer la satisfaction client</h1>" in page
    assert "Question 1 · Taux de réponse" in page and "taux reponse" not in page
