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
