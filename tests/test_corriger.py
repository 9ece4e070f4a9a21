"""`parcours corriger`: arguments, gradebook faults, resuming after kill -9, PostgreSQL, re-grading.

The fast tests need no kernel. The batches (marked ``lent``) grade one small class of TD03 copies.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from corpus import FULL, Q03, TD, make_course
from postgres import postgres_server, skip_reason

from parcours.cli import main
from parcours.grading.batch import RESULT_FILE, BatchError, grade_batch
from parcours.grading.checks import free_names
from parcours.grading.kernel_pool import OWNER_FILE, PREFIX, process_running
from parcours.grading.sandbox import Limits, sandbox_available
from parcours.notebook import values as exchange

pytestmark = pytest.mark.xdist_group("corriger_classe")

LIMITS = Limits(cell_timeout_s=30, wall_timeout_s=180)
EXPECTED = {"ana.plein": FULL, "ben.plein": FULL, "chloe.vide": 0.0, "dan.csat": FULL - 1}


# -- the engine's pieces -----------------------------------------------------------------------
def test_free_names_are_what_a_check_reads_from_the_kernel():
    code = (
        "import pandas as _pd\n_x = [a + b for a in ecarts]\n"
        "def _f(y):\n    return y + z\n"
        "assert min(w) > 0 and abs(v) < 1\n_l = lambda q: q + r\n"
        "_d = {k: tab[k] for k in _x}\n_n = len(_pd.Series(ecarts))"
    )
    assert free_names(code) == ["b", "ecarts", "r", "tab", "v", "w", "z"]


def _progress_lines(monkeypatch, finished_at: list[float], total: int) -> list[str]:
    """The plain progress lines of a batch whose copies finish at these times (seconds)."""
    import io
    from types import SimpleNamespace

    from parcours.commands import corriger

    clock = [0.0]
    monkeypatch.setattr(corriger.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    progress = corriger.Progress(stream)
    for done, t in enumerate(finished_at, 1):
        clock[0] = t
        result = SimpleNamespace(etudiant=f"e{done:02d}", score=1.0, max_score=1.0, echec=None)
        progress(done, 0, total, result)
    return stream.getvalue().splitlines()


def _announced_seconds(line: str) -> float | None:
    import re

    found = re.search(r"reste ~(\d+) s", line)
    return float(found.group(1)) if found else None


def test_the_time_left_rests_on_measured_copies_only(monkeypatch):
    # 15 s before the first copy (workers and kernels starting), then one copy a second:
    # 44 copies end at 58 s; a guess from the first copy alone said 645 s
    finished_at = [15.0 + i for i in range(44)]
    lines = _progress_lines(monkeypatch, finished_at, 44)
    for done, line in enumerate(lines, 1):
        said = _announced_seconds(line)
        truth = finished_at[-1] - finished_at[done - 1]
        if done < 3:
            assert said is None and "estimation après 3 copies" in line, line
        elif done == len(lines):
            assert line.endswith("terminé"), line
        else:
            assert said is not None and abs(said - truth) <= max(2, 0.1 * truth), (line, truth)


def test_the_time_left_follows_a_slower_second_half(monkeypatch):
    finished_at = [10.0 + i for i in range(10)] + [20.0 + 3 * i for i in range(10)]
    said = _announced_seconds(_progress_lines(monkeypatch, finished_at, 20)[14])
    # 5 copies left at 3 s each: 15 s (an average over the whole run would say 8 s)
    assert said is not None and 10 <= said <= 20, said


def test_values_cross_as_data_with_dtypes_categories_and_index():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {"canal": pd.Categorical(["chat", "magasin"]), "n": np.array([1, 2], dtype="int32")},
        index=pd.Index(["a", "b"], name="id"),
    )
    series = pd.Series([1.5, None], index=["x", "y"], name="nps")
    value = {"t": (1, 2.5, "é", None, True), "s": {3}, "f": frame, "ser": series}
    back = exchange.decode(json.loads(json.dumps(exchange.encode(value))))
    pd.testing.assert_frame_equal(back["f"], frame)
    pd.testing.assert_series_equal(back["ser"], series)
    assert back["t"] == (1, 2.5, "é", None, True) and back["s"] == {3}
    arr = exchange.decode(exchange.encode(np.arange(6, dtype="int16").reshape(2, 3)))
    assert arr.dtype == np.int16 and arr.shape == (2, 3)
    with pytest.raises(exchange.ExchangeError):
        exchange.decode(
            {"t": "frame", "arrow": "pas de l'arrow", "columns": {"t": "list", "v": []}}
        )
    with pytest.raises(AssertionError, match="ne peut pas être corrigé"):
        float(exchange.decode({"t": "unsupported", "type": "Widget"}, name="w"))


# -- arguments and faults that stop the batch before any grading -------------------------------
@pytest.fixture
def course_root(tmp_path):
    _, put = make_course(tmp_path)
    return tmp_path, put


def _snapshot(root: Path) -> dict:
    return {p.relative_to(root): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["td99_inconnu"],
        [TD, "--travailleurs", "0"],
        [TD, "--travailleurs", "deux"],
        [TD, "--db", "mysql://x"],
        [TD, "--option-inconnue"],
        [TD, "--etudiant", "inconnu.x"],
        [TD, "--sauvegardes", "0"],
    ],
)
def test_bad_arguments_exit_2_in_french_and_change_nothing(course_root, args, capsys):
    root, _ = course_root
    before = _snapshot(root)
    with pytest.raises(SystemExit) as exc:
        code = main(["corriger", *args, "--racine", str(root)])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "erreur" in err and "usage" not in err
    assert _snapshot(root) == before


def test_only_the_last_backups_are_kept(tmp_path):
    import datetime as dt
    import sqlite3

    from parcours.grading.gradebook_io import backup

    db = tmp_path / "gradebook.db"
    sqlite3.connect(db).close()
    url = f"sqlite:///{db}"
    made = [
        backup(url, folder=tmp_path, keep=3, now=dt.datetime(2026, 11, day, 9, 0))
        for day in range(1, 7)
    ]
    left = sorted(p.name for p in tmp_path.glob("gradebook.db.sauvegarde-*"))
    assert left == sorted(p.name for p in made[-3:]), left


def test_publier_from_a_folder_that_is_not_a_course_says_so(tmp_path, capsys):
    code = main(["publier", TD, "--racine", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "n'est pas un dossier de cours" in err and "est vide" not in err, err


def test_corrupt_gradebook_stops_with_how_to_restore(course_root, capsys):
    root, put = course_root
    put("ana.plein", "{}")
    gradebook = root / "gradebook.db"
    gradebook.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    (root / "gradebook.db.sauvegarde-20260101-120000").write_bytes(b"x")
    before = gradebook.read_bytes()
    code = main(["corriger", TD, "--racine", str(root), "--sans-isolation"])
    assert code == 1
    err = capsys.readouterr().err
    assert "illisible ou endommagé" in err and "Restaurez la dernière sauvegarde" in err
    assert "gradebook.db.sauvegarde-20260101-120000" in err
    assert gradebook.read_bytes() == before
    assert not (root / "autograded").exists()


def test_without_sandbox_the_batch_refuses_unless_told(course_root, monkeypatch):
    import parcours.grading.sandbox as sandbox

    root, put = course_root
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: "bubblewrap (bwrap) est introuvable.")
    with pytest.raises(BatchError, match="--sans-isolation"):
        grade_batch(TD, root=root)
    assert not (root / "gradebook.db").exists()


# -- whole batches ---------------------------------------------------------------------------
def _class(put, c):
    put("ana.plein", c.submission())
    put("ben.plein", c.submission())
    put("chloe.vide", c.submission(blank=True))
    put(
        "dan.csat",
        c.submission(replace={f"{Q03}_reponse": 'csat = repondants["note_csat"].mean()'}),
    )


def _gradebook_scores(db_url: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(TD)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    from nbgrading import course

    root = tmp_path_factory.mktemp("classe")
    _, put = make_course(root)
    _class(put, course(TD))
    batch = grade_batch(TD, root=root, workers=4, limits=LIMITS)
    return root, batch


@pytest.mark.lent
def test_four_workers_on_sqlite_grade_each_student_once(graded_class):
    root, batch = graded_class
    assert batch.scores == EXPECTED, {s: (r.echec, r.alertes) for s, r in batch.results.items()}
    assert sorted(batch.added_students) == sorted(EXPECTED) and batch.registered
    assert _gradebook_scores(f"sqlite:///{root / 'gradebook.db'}") == EXPECTED
    assert not (root / "exercises").exists()  # registering the TD never writes a release here


@pytest.mark.lent
def test_regrading_gives_identical_scores_and_skips_unchanged_copies(graded_class):
    root, first = graded_class
    again = grade_batch(TD, root=root, workers=2, limits=LIMITS)
    assert again.graded == 0 and again.scores == EXPECTED
    assert all(r.repris for r in again.results.values())
    forced = grade_batch(TD, root=root, workers=2, limits=LIMITS, force=True, students=["dan.csat"])
    assert forced.graded == 1 and forced.scores == {"dan.csat": FULL - 1}
    assert {g: q.points for g, q in forced.results["dan.csat"].questions.items()} == {
        g: q.points for g, q in first.results["dan.csat"].questions.items()
    }
    assert len(list(root.glob("gradebook.db.sauvegarde-*"))) == 2


class _Started(AssertionError):
    pass


def _no_process(monkeypatch) -> None:
    """Make starting a worker (multiprocessing) or a kernel, bwrap or any program fail loudly."""
    import multiprocessing.process

    def refuse(*args, **kwargs):
        raise _Started("un processus a été lancé alors qu'il n'y a rien à corriger")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "fork", refuse)


@pytest.mark.lent
def test_a_rerun_with_nothing_to_grade_says_so_without_any_worker_or_kernel(
    graded_class, monkeypatch, capsys
):
    root, _ = graded_class
    backups = set(root.glob("gradebook.db.sauvegarde-*"))
    _no_process(monkeypatch)
    assert main(["corriger", TD, "--racine", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"Rien à corriger pour {TD} : 4 copies déjà corrigées et inchangées" in out, out
    assert set(root.glob("gradebook.db.sauvegarde-*")) == backups  # nothing to back up either
    assert main(["corriger", TD, "--racine", str(root), "--etudiant", "dan.csat"]) == 0
    assert "1 copie déjà corrigée et inchangée" in capsys.readouterr().out


@pytest.mark.lent
def test_the_quick_check_grades_as_usual_when_the_gradebook_or_a_copy_differs(
    graded_class, tmp_path
):
    from nbgrader.api import Gradebook

    from parcours.grading.up_to_date import all_graded

    root = tmp_path / "cours"
    shutil.copytree(graded_class[0], root)
    assert sorted(all_graded(TD, root=root)) == sorted(EXPECTED)
    # a gradebook restored from before ben's grading: his grades are not there
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for grade in gb.find_submission_notebook(TD, TD, "ben.plein").grades:
            grade.auto_score = None
        gb.db.commit()
    assert all_graded(TD, root=root) is None
    assert all_graded(TD, root=root, students=["ana.plein"]) == ["ana.plein"]
    # a changed copy
    copy = root / "submitted" / "ana.plein" / TD / f"{TD}.ipynb"
    copy.write_text(copy.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert all_graded(TD, root=root, students=["ana.plein"]) is None
    # a gradebook set in nbgrader_config.py by code, or on PostgreSQL: only the batch can tell
    (root / "nbgrader_config.py").write_text(
        'import os\nc = get_config()\nc.CourseDirectory.db_url = os.environ["CARNET"]\n',
        encoding="utf-8",
    )
    assert all_graded(TD, root=root, students=["chloe.vide"]) is None
    url = f"sqlite:///{root / 'gradebook.db'}"
    assert all_graded(TD, root=root, students=["chloe.vide"], db_url=url) == ["chloe.vide"]
    assert all_graded(TD, root=root, students=["chloe.vide"], db_url="postgresql://x/y") is None


def _class_course_of_its_own(tmp_path: Path, monkeypatch) -> tuple[Path, dict]:
    """The class course in ``tmp_path`` and a temporary folder of its own (a batch of another test
    sweeps dead workers' folders too); returns that folder and the environment for ``corriger``."""
    from nbgrading import course

    _, put = make_course(tmp_path)
    _class(put, course(TD))
    # short: the sandbox's ZMQ ipc sockets live below it, and a socket path has at most 107 bytes
    own_tmp = Path(tempfile.mkdtemp(prefix="pc-", dir="/tmp"))
    atexit.register(shutil.rmtree, own_tmp, True)
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    env["TMPDIR"] = str(own_tmp)
    return own_tmp, env


def _owner_dead(folder: Path) -> bool:
    try:
        return not process_running(int((folder / OWNER_FILE).read_text()))
    except (OSError, ValueError):
        return False


@pytest.mark.lent
def test_kill_9_then_rerun_grades_only_what_is_missing(tmp_path, monkeypatch):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    own_tmp, env = _class_course_of_its_own(tmp_path, monkeypatch)
    proc = subprocess.Popen(
        [sys.executable, "-m", "parcours.cli", "corriger", TD, "--travailleurs", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not list(
        tmp_path.glob(f"autograded/*/{TD}/{RESULT_FILE}")
    ):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.parts[-3] for p in tmp_path.glob(f"autograded/*/{TD}/{RESULT_FILE}")}
    assert 1 <= len(done_before) < len(EXPECTED)
    # SIGKILL is delivered at once, but a loaded machine may take a moment to end the workers
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [p for p in own_tmp.glob(f"{PREFIX}*") if _owner_dead(p)]
        if left:
            break
        time.sleep(0.2)
    assert left  # the killed worker's sandbox folder, with a copy of a submission
    batch = grade_batch(TD, root=tmp_path, workers=2, limits=LIMITS)
    assert batch.scores == EXPECTED, {s: (r.echec, r.alertes) for s, r in batch.results.items()}
    assert {s for s, r in batch.results.items() if r.repris} == done_before
    # the rerun removed the killed worker's sandbox folder (with its copy of a submission)
    assert not [p for p in left if p.exists()]
    assert _gradebook_scores(f"sqlite:///{tmp_path / 'gradebook.db'}") == EXPECTED


@pytest.mark.lent
@pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "PostgreSQL disponible")
def test_four_workers_on_postgresql(tmp_path):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    from nbgrading import course

    _, put = make_course(tmp_path)
    _class(put, course(TD))
    with postgres_server() as url:
        batch = grade_batch(TD, root=tmp_path, workers=4, db_url=url, limits=LIMITS)
        assert batch.scores == EXPECTED
        assert _gradebook_scores(url) == EXPECTED
        again = grade_batch(TD, root=tmp_path, workers=4, db_url=url, limits=LIMITS, force=True)
        assert again.scores == EXPECTED and again.graded == len(EXPECTED)
        assert _gradebook_scores(url) == EXPECTED
    assert not (tmp_path / "gradebook.db").exists()


def _interrupt(tmp_path, env, done_before: int, *, group: bool):
    """Start ``corriger``, wait for one more saved copy, send SIGINT (Ctrl-C: the whole group)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "parcours.cli", "corriger", TD, "--travailleurs", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while (
        time.monotonic() < deadline
        and len(list(tmp_path.glob(f"autograded/*/{TD}/{RESULT_FILE}"))) <= done_before
    ):
        time.sleep(0.2)
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("corriger ne s'arrête pas après Ctrl-C") from None
    return proc.returncode, out, err


@pytest.mark.lent
def test_ctrl_c_stops_the_workers_says_what_was_saved_and_a_rerun_resumes(tmp_path, monkeypatch):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    own_tmp, env = _class_course_of_its_own(tmp_path, monkeypatch)
    for group in (True, False):  # Ctrl-C in the terminal, then a SIGINT to the main process only
        before = len(list(tmp_path.glob(f"autograded/*/{TD}/{RESULT_FILE}")))
        code, _, err = _interrupt(tmp_path, env, before, group=group)
        saved = len(list(tmp_path.glob(f"autograded/*/{TD}/{RESULT_FILE}")))
        assert code != 0 and "Traceback" not in err and "KeyboardInterrupt" not in err, err
        err_lines = err.splitlines()
        assert err_lines[0].startswith("Préparation de la correction"), err
        planned = next(i for i, line in enumerate(err_lines) if "à corriger" in line)
        first_copy = next(i for i, line in enumerate(err_lines) if line.startswith("1/"))
        assert planned < first_copy, f"l'en-tête doit précéder la progression :\n{err}"
        told = [line for line in err.splitlines() if "interrompu" in line]
        assert len(told) == 1, f"une seule ligne attendue :\n{err}"
        assert f"{saved - before} copie" in told[0] and "relancez" in told[0], told[0]
        assert told[0].startswith("parcours corriger : interrompu"), (
            f"ligne mêlée à la barre : {err!r}"
        )
        alive = [p for p in own_tmp.glob(f"{PREFIX}*") if not _owner_dead(p)]
        assert not alive, "des travailleurs tournent encore après l'interruption"
    batch = grade_batch(TD, root=tmp_path, workers=2, limits=LIMITS)
    assert batch.scores == EXPECTED


@pytest.mark.lent
def test_a_long_temporary_folder_still_grades(tmp_path, monkeypatch):
    """A teacher's TMPDIR may be long (a ZMQ ipc socket path may not be over 107 bytes)."""
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    from nbgrading import course

    _, put = make_course(tmp_path)
    put("ana.plein", course(TD).submission())
    long_tmp = Path(tempfile.mkdtemp(prefix="pc-", dir="/tmp")) / ("dossier-temporaire-" * 6)
    long_tmp.mkdir()
    atexit.register(shutil.rmtree, long_tmp.parent, True)
    assert len(str(long_tmp)) > 110
    monkeypatch.setattr(tempfile, "tempdir", str(long_tmp))
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    batch = grade_batch(TD, root=tmp_path, workers=1, limits=LIMITS)
    assert batch.scores == {"ana.plein": FULL}, {
        s: (r.echec, r.alertes) for s, r in batch.results.items()
    }


def test_no_short_folder_for_the_sockets_stops_in_french(course_root, monkeypatch):
    import parcours.grading.sandbox as sandbox

    root, _ = course_root
    long_tmp = root / ("dossier-temporaire-" * 6)
    long_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long_tmp))
    monkeypatch.setattr(sandbox, "SHORT_FOLDERS", (str(root / "absent"),))
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: "")
    with pytest.raises(BatchError, match="chemin trop long.*TMPDIR="):
        grade_batch(TD, root=root)
    assert not (root / "gradebook.db").exists()


def test_the_course_config_cluster_is_used_and_bwrap_is_not_needed_here(course_root, monkeypatch):
    """c.Parcours.grappe: the sandbox is each worker's, not this machine's."""
    import socket

    import parcours.grading.sandbox as sandbox

    root, put = course_root
    from nbgrading import course

    put("ana.plein", course(TD).submission())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    from parcours.grading.config import DEFAULT_CONFIG

    (root / "nbgrader_config.py").write_text(
        DEFAULT_CONFIG.read_text(encoding="utf-8")
        + f'\nc.Parcours.grappe = "tcp://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: "bubblewrap (bwrap) est introuvable.")
    with pytest.raises(BatchError, match=f"Ordonnanceur Dask injoignable à tcp://127.0.0.1:{port}"):
        grade_batch(TD, root=root)
    assert not list(root.glob(f"autograded/*/{TD}/{RESULT_FILE}"))


@pytest.mark.lent
def test_an_extension_granted_after_grading_clears_the_penalty_at_the_next_run(tmp_path, capsys):
    """Copie en retard : un point de moins ; prolongation accordée ensuite : la copie est recorrigée, sans pénalité."""
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    import datetime as dt

    from nbgrader.api import Gradebook
    from nbgrading import course

    from parcours.grading.config import DEFAULT_CONFIG

    root = tmp_path / "cours"
    root.mkdir()
    _, put = make_course(root)
    (root / "nbgrader_config.py").write_text(
        DEFAULT_CONFIG.read_text(encoding="utf-8")
        + '\nc.PenaliteRetard.politique = "penalite"\nc.PenaliteRetard.points_par_jour = 1.0\n',
        encoding="utf-8",
    )
    put("ana.plein", course(TD).submission()).with_name("timestamp.txt").write_text(
        "2026-11-21 10:30:00.000000 UTC"
    )
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    assert grade_batch(TD, root=root, limits=LIMITS).scores == {"ana.plein": FULL}
    with Gradebook(db_url) as gb:
        gb.update_or_create_assignment(TD, duedate=dt.datetime(2026, 11, 20, 18, 0))
    grade_batch(TD, root=root, limits=LIMITS, force=True)
    assert _penalty(db_url) == 1.0, "retard d'un jour non pénalisé"
    code = main(
        ["etudiants", "prolonger", "ana.plein", TD, "--jusqu-au", "2026-11-22 12:00"]
        + ["--racine", str(root)]
    )
    out = capsys.readouterr().out
    assert code == 0 and "le prochain « parcours corriger" in out, out
    # no --force: the copy did not change, its deadline did
    assert grade_batch(TD, root=root, limits=LIMITS).graded == 1
    assert not _penalty(db_url), "pénalité gardée malgré la prolongation"
    assert _gradebook_scores(db_url) == {"ana.plein": FULL}
    # the batch wrote in WAL mode; once it is over, the file alone is the whole gradebook
    assert not list(root.glob("gradebook.db-*")), "journal du carnet laissé à côté"
    assert sqlite3.connect(root / "gradebook.db").execute("PRAGMA journal_mode").fetchone() == (
        "delete",
    )


def _penalty(db_url: str) -> float | None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return gb.find_submission_notebook(TD, TD, "ana.plein").late_submission_penalty
