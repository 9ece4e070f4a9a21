"""``parcours retours`` then nbgrader's own ``release_feedback``: a student who handed in through
the exchange gets the page back with ``fetch_feedback`` (JupyterHub's « Fetch Feedback »)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import termclass as tc

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("retours_echange")]


run = tc.run_cli


def student_exchange(root: Path, tmp: Path, student: str, app: str) -> None:
    """What the student's JupyterHub buttons run (nbgrader's own exchange), with the student's own
    cache folder: ``submit`` or ``fetch_feedback``."""
    from parcours.grading.nbgrader_light import full_nbgrader
    from parcours.term.course import open_course

    full_nbgrader()
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchFeedback, ExchangeSubmit

    config = open_course(root).config
    config.CourseDirectory.student_id = student
    config.CourseDirectory.assignment_id = tc.TD
    config.Exchange.assignment_dir = str(tmp / "eleves" / student)
    config.Exchange.cache = str(tmp / "cache" / student)
    kind = {"submit": ExchangeSubmit, "fetch_feedback": ExchangeFetchFeedback}[app]
    kind(
        coursedir=CourseDirectory(config=config),
        authenticator=Authenticator(config=config),
        config=config,
    ).start()


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_feedback_released_through_nbgrader_reaches_the_student(tmp_path):
    root = tc.make_course(tmp_path)
    members = [m for m in tc.make_class(8) if m.kind in ("full", "mistake")][:2]
    tc.write_class_list(members, tmp_path / "liste.csv")
    R = ("--racine", root)
    assert run("etudiants", "importer", tmp_path / "liste.csv", *R)[0] == 0
    assert run("publier", tc.TD, "--echange", *R)[0] == 0
    for m in members:
        home = tmp_path / "eleves" / m.id / tc.TD
        home.mkdir(parents=True)
        (home / f"{tc.TD}.ipynb").write_bytes(tc.submission(root, m, members))
        student_exchange(root, tmp_path, m.id, "submit")
    code, out, err = run("collecter", tc.TD, "--depuis", "echange", *R)
    assert code == 0, err
    code, out, err = run("corriger", tc.TD, "--travailleurs", "1", *R)
    assert code == 0, out + err
    code, out, err = run("retours", tc.TD, *R)
    assert code == 0, out + err

    for m in members:
        folder = root / "feedback" / m.id / tc.TD
        # nbgrader's format: the submission's own time, byte for byte.
        submitted = root / "submitted" / m.id / tc.TD
        assert (folder / "timestamp.txt").read_bytes() == (submitted / "timestamp.txt").read_bytes()

    proc = nbgrader(root, "release_feedback", tc.TD)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    for m in members:
        student_exchange(root, tmp_path, m.id, "fetch_feedback")
        fetched = list((tmp_path / "eleves" / m.id / tc.TD / "feedback").glob(f"*/{tc.TD}.html"))
        assert len(fetched) == 1, f"{m.id} n'a pas reçu son retour"
        page = fetched[0].read_text(encoding="utf-8")
        ours = (root / "feedback" / m.id / tc.TD / f"{tc.TD}.html").read_text(encoding="utf-8")
        assert page == ours and f"({m.id})" in page
        other = next(o for o in members if o.id != m.id)
        assert f"({other.id})" not in page
