"""What a failed copy says: the true cause, never « noyau mort » for an error of the grader itself.

The worker and the batch share one result type (:class:`parcours.grading.results.CopyResult`);
each failure has a code and its French message. Here the grader's own trusted rebuild breaks
(an internal error): the copy must say « erreur interne du correcteur » with the exception's type,
and the honest copy graded in the same worker afterwards is not affected.
"""

from __future__ import annotations

import json
import pickle

import pytest
from corpus import FULL, TD, make_course

from parcours.grading.batch import grade_batch
from parcours.grading.results import CopyResult, FailureCode, QuestionResult
from parcours.grading.sandbox import Limits, sandbox_available

pytestmark = pytest.mark.xdist_group("corriger")


def test_each_failure_code_has_a_french_label_and_message():
    for code in FailureCode:
        failure = code.failure("RuntimeError: x")
        assert failure.code is code and code.label and failure.message, code
        assert failure.message[0].isupper() or failure.message.startswith("RuntimeError"), code
    assert (
        "n'a pas pu démarrer (RuntimeError: x)"
        in FailureCode.KERNEL_START.failure("RuntimeError: x").message
    )
    assert "()" not in FailureCode.KERNEL_DIED.failure().message
    internal = FailureCode.INTERNAL.failure("KeyError")
    assert "erreur interne du correcteur (KeyError)" in internal.message
    assert "noyau" not in internal.message


def test_a_result_survives_the_result_file_and_the_process_pool():
    result = CopyResult(
        etudiant="lea",
        td="td03_satisfaction",
        empreinte="ab" * 32,
        score=3.0,
        max_score=16.0,
        questions={"q1": QuestionResult(1.0, 1.0, "")},
        echec=FailureCode.TIMEOUT.failure(),
        alertes=["Tentative de manipulation probable : lit /proc (/proc/1/environ)."],
        manipulation=["lit /proc (/proc/1/environ)"],
    )
    assert pickle.loads(pickle.dumps(result)) == result
    data = json.loads(json.dumps(result.to_json()))
    assert data["echec"] == {"code": "delai", "message": result.echec.message}
    back = CopyResult.from_json(data)
    assert back.echec == result.echec and back.manipulation == result.manipulation
    assert back.questions == result.questions and back.score == 3.0
    assert CopyResult.from_json({**data, "echec": {"code": "inconnu"}}).echec.code is (
        FailureCode.INTERNAL
    )


@pytest.mark.lent
def test_an_internal_error_of_the_grader_is_not_reported_as_a_dead_kernel(tmp_path, monkeypatch):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    import parcours.grading.nbgrader_execute as execute

    real_rebuild = execute.rebuild

    def broken_rebuild(submission, source):
        # the grader's own bug, for one copy only (the worker is forked: it inherits the patch)
        if any("BOGUE" in str(c.get("source", "")) for c in submission.cells):
            raise KeyError("bogue du correcteur")
        return real_rebuild(submission, source)

    monkeypatch.setattr(execute, "rebuild", broken_rebuild)
    c, put = make_course(tmp_path)
    full = c.submission()
    buggy = c.submission()
    buggy.cells[0]["source"] += "\n<!-- BOGUE -->"
    put("a.bogue", buggy)
    put("b.honnete", full)
    batch = grade_batch(TD, root=tmp_path, workers=1, limits=Limits(wall_timeout_s=120))
    failed = batch.results["a.bogue"]
    assert failed.echec is not None, "la copie aurait dû échouer"
    message = failed.echec.message
    assert "erreur interne du correcteur" in message and "KeyError" in message, message
    assert "noyau" not in message.lower(), message
    assert failed.score == 0
    honest = batch.results["b.honnete"]
    assert honest.echec is None and honest.score == FULL, honest.echec
    # the result file says the same to the report and the feedback
    data = json.loads(
        (tmp_path / "autograded" / "a.bogue" / TD / "parcours_resultat.json").read_text("utf-8")
    )
    assert "erreur interne du correcteur" in data["echec"]["message"], data["echec"]
    # one result type, picklable for any process pool (the Dask path included)
    assert pickle.loads(pickle.dumps(failed)) == failed


def test_a_worker_process_that_dies_leaves_each_of_its_copies_failed_and_saved(
    tmp_path, monkeypatch
):
    """The local executor: when no worker process is left alive, every copy not yet graded is
    saved as « correcteur arrêté » with a score of 0, and the batch ends (no wait forever)."""
    import os

    import parcours.grading.worker as worker

    def dying_worker(tasks, results, settings):
        os._exit(1)  # killed before sending any result (the OOM killer, a segfault)

    monkeypatch.setattr(worker, "worker_main", dying_worker)
    c, put = make_course(tmp_path)
    for student in ("ana.plein", "ben.plein"):
        put(student, c.submission())
    batch = grade_batch(
        TD, root=tmp_path, workers=2, isolation=False, limits=Limits(wall_timeout_s=120)
    )
    assert set(batch.results) == {"ana.plein", "ben.plein"}
    for student, r in batch.results.items():
        assert r.echec is not None and r.echec.code is FailureCode.WORKER_DIED, (student, r.echec)
        assert r.score == 0 and r.max_score == FULL, (student, r.score, r.max_score)
        data = json.loads(
            (tmp_path / "autograded" / student / TD / "parcours_resultat.json").read_text("utf-8")
        )
        assert data["echec"]["code"] == "correcteur_arrete", data["echec"]
    assert len(batch.failed) == 2
