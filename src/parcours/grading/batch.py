"""Grade a whole class: N sandboxed workers, one writer to the gradebook, resumable.

:func:`grade_batch` is what ``parcours corriger`` runs, and what tests and benchmarks call from
Python on a temporary course folder. It backs the gradebook up, registers the TD from ``solutions/``
when the gradebook does not know it (without rewriting ``exercises/``), adds missing students,
hands submissions to worker processes (:mod:`parcours.grading.worker`), and writes each result — gradebook
through nbgrader's SaveAutoGrades and AssignLatePenalties, the autograded notebook, and
``autograded/<etudiant>/<TD>/parcours_resultat.json`` — in this process only. A submission whose
file, source notebook and grading engine did not change since its last result is not graded again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from parcours.grading.results import CopyResult, FailureCode, QuestionResult
from parcours.grading.worker import Settings, Task, sha256

RESULT_FILE = "parcours_resultat.json"
ENGINE_VERSION = "2"  # 2: the « tentative de manipulation probable » scan


class BatchError(RuntimeError):
    """The batch could not run (French message); nothing was graded."""


class Interrupted(BatchError):
    """Ctrl-C: the workers were stopped; ``saved`` copies were graded and saved before it."""

    def __init__(self, saved: int, total: int) -> None:
        super().__init__(f"interrompu après {saved} copie(s) sur {total}")
        self.saved = saved
        self.total = total


StudentResult = CopyResult  # the name the batch's callers know


@dataclass
class BatchResult:
    td: str
    results: dict[str, CopyResult] = field(default_factory=dict)
    added_students: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    isolation: bool = True
    backup: Path | None = None
    registered: bool = False
    duration_s: float = 0.0
    graded: int = 0
    workers: int = 1
    stats: dict = field(default_factory=dict)
    refused_workers: list[str] = field(default_factory=list)  # Dask workers refused, with why

    @property
    def scores(self) -> dict[str, float]:
        return {s: r.score for s, r in self.results.items()}

    @property
    def failed(self) -> list[str]:
        return [s for s, r in self.results.items() if r.echec]


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _config_file(root: Path) -> Path:
    from parcours.grading.config import DEFAULT_CONFIG

    own = root / "nbgrader_config.py"
    return own if own.is_file() else DEFAULT_CONFIG


def _discover(root: Path, td: str, students: Sequence[str] | None, result: BatchResult):
    """(student, notebook path, alerts) for each submission; problems go to ``result``."""
    from parcours.data.identity import check_student_id

    base = root / "submitted"
    found = []
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    wanted = set(students or [])
    seen = set()
    for folder in folders:
        student = folder.name
        if wanted and student not in wanted:
            continue
        seen.add(student)
        try:
            check_student_id(student)
        except ValueError:
            result.problems.append(
                f"Dossier « {student} » ignoré : ce n'est pas un identifiant étudiant valide "
                "(lettres sans accent, chiffres, . _ @ + -, sans espace). Renommez-le avec "
                "l'identifiant de l'étudiant ou de l'étudiante."
            )
            continue
        tdir = folder / td
        if not tdir.is_dir():
            continue
        alerts = []
        expected = tdir / f"{td}.ipynb"
        notebooks = sorted(
            p for p in tdir.glob("*.ipynb") if p.is_file() and not p.name.startswith(".")
        )
        if expected.is_file():
            others = [p.name for p in notebooks if p != expected]
            if others:
                alerts.append(
                    f"Autres notebooks ignorés dans la copie : {', '.join(others)} "
                    f"(seul {expected.name} est corrigé)."
                )
            found.append((student, expected, alerts))
        elif len(notebooks) == 1:
            alerts.append(
                f"Notebook mal nommé : « {notebooks[0].name} » au lieu de « {expected.name} » ; "
                "il est corrigé quand même."
            )
            found.append((student, notebooks[0], alerts))
        elif notebooks:
            result.problems.append(
                f"{student} : plusieurs notebooks ({', '.join(p.name for p in notebooks)}) et "
                f"aucun nommé {expected.name} ; copie non corrigée."
            )
        else:
            result.problems.append(f"{student} : aucun notebook dans {tdir}.")
    for student in sorted(wanted - seen):
        result.problems.append(f"{student} : aucune copie dans submitted/{student}/{td}/.")
    return found


def _register_td(api_config, root: Path, td: str, db_url: str) -> bool:
    """Register the TD in the gradebook from solutions/ when it is unknown; True if it was."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(td)
            if assignment.notebooks:
                return False
        except MissingEntry:
            pass
    from nbgrader.apps import NbGraderAPI

    from parcours.grading.config import _check

    config = api_config.copy()
    scratch = tempfile.mkdtemp(prefix="parcours-publication-")
    # the release goes to a scratch folder: the golden exercises/ are never rewritten
    config.CourseDirectory.release_directory = scratch
    config.CourseDirectory.db_url = db_url
    api = NbGraderAPI(config=config)
    try:
        _check(api.generate_assignment(td, force=True, create=True), f"enregistrement de {td}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return True


def _previous(root: Path, student: str, td: str) -> dict | None:
    path = root / "autograded" / student / td / RESULT_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save(
    root: Path, td: str, result: CopyResult, writer, config, task: Task, source_hash: str
) -> CopyResult:
    """Write one worker result: notebook, gradebook (nbgrader's own steps, into the batch's open
    ``writer``), result file; the result gets its points from the gradebook."""
    import nbformat
    from nbgrader.preprocessors import AssignLatePenalties
    from nbgrader.utils import parse_utc

    from parcours.grading.gradebook_io import save_auto_grades

    gb = writer.gradebook
    db_url = writer.db_url
    student = result.etudiant
    out_dir = root / "autograded" / student / td
    out_dir.mkdir(parents=True, exist_ok=True)
    # Like nbgrader's autograde, the submission's time and exchange secret go beside the
    # autograded notebook (GenerateFeedback and ``parcours retours`` take them from there).
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (Path(task.notebook).parent / name).is_file():
            shutil.copyfile(Path(task.notebook).parent / name, out_dir / name)
    timestamp = None
    stamp_file = Path(task.notebook).parent / "timestamp.txt"
    if stamp_file.is_file():
        try:
            timestamp = parse_utc(stamp_file.read_text().strip())
        except ValueError:
            timestamp = None
    if timestamp:
        submission = gb.update_or_create_submission(td, student, timestamp=timestamp)
    else:
        submission = gb.update_or_create_submission(td, student)
    resources = {
        "nbgrader": {"db_url": db_url, "assignment": td, "notebook": td, "student": student}
    }
    notebook_path = out_dir / f"{td}.ipynb"
    graded = bool(result.notebook)
    if graded:
        nb = nbformat.reads(result.notebook, as_version=4)
        save_auto_grades(writer, config, nb, resources)
        late = submission.total_seconds_late > 0
        if late or gb.find_submission_notebook(td, td, student).late_submission_penalty:
            # nbgrader's own step (and the course's late plugin), only where there is a penalty
            # to set or to clear: for a copy on time it would write back the same empty one
            gb.db.commit()
            nb, resources = AssignLatePenalties(config=config).preprocess(nb, resources)
            gb.db.expire_all()
        tmp = notebook_path.with_suffix(".ipynb.tmp")
        if notebook_path.exists():
            notebook_path.chmod(0o644)
        # the worker's notebook as it came: nbgrader's steps above only write the gradebook
        text = result.notebook if result.notebook.endswith("\n") else result.notebook + "\n"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, notebook_path)
    result.notebook = None  # on disk now; the result stays small
    messages = result.questions
    questions: dict[str, QuestionResult] = {}
    sub = gb.find_submission_notebook(td, td, student)
    for grade in sub.grades:
        if grade.cell_type != "code":
            continue
        if not graded:
            grade.auto_score = 0.0
        points = float(grade.auto_score or 0.0)
        message = messages[grade.name].message if grade.name in messages else ""
        if not graded:
            message = result.echec.message if result.echec else ""
        questions[grade.name] = QuestionResult(points, float(grade.max_score), message)
    gb.db.commit()
    result.questions = dict(sorted(questions.items()))
    result.score = sum(q.points for q in questions.values())
    result.max_score = sum(q.max for q in questions.values())
    result.alertes = list(dict.fromkeys(result.alertes))
    data = result.to_json()
    data["empreinte_sujet"] = source_hash
    data["moteur"] = ENGINE_VERSION
    _write_result(out_dir / RESULT_FILE, data)
    return result


def _write_result(path: Path, data: dict) -> None:
    """A result file, whole or not at all."""
    tmp = path.with_name(RESULT_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def mark_for_regrading(root: Path, student: str, td: str) -> bool:
    """Make the next batch grade ``student``'s copy of ``td`` again (its late penalty depends on
    a deadline that changed); False when it has no result yet. The result stays readable."""
    data = _previous(Path(root), student, td)
    if data is None:
        return False
    data["empreinte"] = ""  # never a copy's digest: not « unchanged » any more
    _write_result(Path(root) / "autograded" / student / td / RESULT_FILE, data)
    return True


def _from_previous(data: dict) -> CopyResult:
    return CopyResult.from_json(data, repris=True)


def grade_batch(
    td: str,
    *,
    root: Path | str = ".",
    students: Sequence[str] | None = None,
    workers: int | None = None,
    isolation: bool = True,
    db_url: str | None = None,
    force: bool = False,
    limits=None,
    progress: Callable[[int, int, int, CopyResult], None] | None = None,
    grappe: str | None = None,
    backups_kept: int | None = None,
    announce: Callable[[str], None] | None = None,
    data_ids: dict[str, str] | None = None,
) -> BatchResult:
    """Grade every submission of ``td`` under ``root/submitted`` (or only ``students``).

    ``progress(done, failed, total, result)`` is called after each submission; ``announce(line)``
    with each French line to show before the first one (backup, registration, what is to grade). Raises
    :class:`BatchError` (French message) when the batch cannot run; a failing submission never
    stops the batch. ``grappe`` (or ``c.Parcours.grappe`` in the course's nbgrader_config.py) is the
    address of a Dask scheduler to grade on (:mod:`parcours.grading.executors`); by default the
    submissions are graded by ``workers`` processes on this machine. ``data_ids`` maps a
    pseudonymous student (Moodle's anonymous marking) to the id whose data variant their copy is
    graded on; everything else keeps the pseudonym.
    """
    from parcours.grading.config import _env, load_config
    from parcours.grading.gradebook_io import GradebookError, backup, check_readable
    from parcours.grading.sandbox import Limits, sandbox_available

    started = time.perf_counter()
    root = Path(root).resolve()
    source = root / "solutions" / td / f"{td}.ipynb"
    if not source.is_file():
        raise BatchError(f"TD inconnu : {source.relative_to(root)} n'existe pas dans {root}.")
    config_file = _config_file(root)
    with _env():
        config = load_config(root, config_file)
    grappe = grappe or _cluster_setting(config)
    if isolation and not grappe:  # on a cluster, each worker says whether it has a sandbox
        why = sandbox_available()
        if why:
            raise BatchError(
                f"Isolation impossible sur cette machine : {why} Sans bac à sable, le code des "
                "étudiants s'exécute avec vos droits (il peut lire les corrigés et le carnet de "
                "notes). Installez bubblewrap, ou relancez avec --sans-isolation en connaissance "
                "de cause."
            )
    from parcours.grading.kernel_pool import sweep_stale
    from parcours.grading.sandbox import SocketFolderError, sandbox_folder

    try:
        sandbox_folder()
    except SocketFolderError as exc:
        raise BatchError(str(exc)) from None
    sweep_stale()
    result = BatchResult(td=td, isolation=isolation)
    workers = workers or default_workers()
    result.workers = workers
    limits = limits or Limits()
    with _env():
        if db_url:
            config.CourseDirectory.db_url = db_url
        from nbgrader.coursedir import CourseDirectory

        db_url = CourseDirectory(config=config).db_url
        try:
            check_readable(db_url)
        except GradebookError as exc:
            raise BatchError(str(exc)) from None
        try:
            from parcours.grading.gradebook_io import DEFAULT_KEPT

            result.backup = backup(db_url, folder=root, keep=backups_kept or DEFAULT_KEPT)
        except GradebookError as exc:
            raise BatchError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001
            raise BatchError(f"Sauvegarde du carnet de notes impossible ({exc}).") from None
        try:
            result.registered = _register_td(config, root, td, db_url)
        except Exception as exc:  # noqa: BLE001
            raise BatchError(
                f"Impossible d'enregistrer {td} dans le carnet de notes : {exc}"
            ) from None
        found = _discover(root, td, students, result)
        from nbgrader.api import Gradebook, MissingEntry

        source_hash = sha256(source)
        digests = {student: sha256(path) for student, path, _ in found}
        tasks = []
        # closed before the workers start: no gradebook connection is forked with them
        with Gradebook(db_url) as gb:
            for student, _, _ in found:
                try:
                    gb.find_student(student)
                except MissingEntry:
                    gb.add_student(student)
                    result.added_students.append(student)
            unchanged = set()
            for student, _, _ in found:
                before = _previous(root, student, td)
                if (
                    not force
                    and before
                    and before.get("empreinte") == digests[student]
                    and before.get("empreinte_sujet") == source_hash
                    and before.get("moteur") == ENGINE_VERSION
                    and _graded_in_gradebook(gb, td, student)
                ):
                    result.results[student] = _from_previous(before)
                    unchanged.add(student)
        for student, path, alerts in found:
            if student in unchanged:
                continue
            task = Task(
                student=student,
                td=td,
                notebook=str(path),
                source=str(source),
                root=str(root),
                config_file=str(config_file),
                empreinte=digests[student],
                alerts=alerts,
                data_student=(data_ids or {}).get(student, ""),
            )
            tasks.append(task)
        total = len(tasks)
        result.graded = total
        if announce:
            for line in header_lines(result):
                announce(line)
            kept = len(result.results)
            announce(
                f"{total} copie(s) à corriger"
                + (f", {kept} inchangée(s) reprise(s)" if kept else "")
                + (f", {min(workers, total)} à la fois." if total else ".")
            )
        if tasks:
            settings = Settings(isolated=isolation, limits=limits, secret=course_secret_in(root))
            executor = _executor(grappe, workers, td, source, root)
            _run(tasks, settings, executor, root, td, db_url, config, source_hash, result, progress)
    result.duration_s = round(time.perf_counter() - started, 2)
    return result


def header_lines(result: BatchResult) -> list[str]:
    """What the batch did before grading, in French (shown before the progress bar)."""
    lines = []
    if not result.isolation:
        lines.append(
            "ATTENTION : correction SANS ISOLATION (--sans-isolation) : le code des étudiants a "
            "tourné avec vos droits."
        )
    if result.backup:
        lines.append(f"Carnet de notes sauvegardé dans {result.backup}.")
    if result.registered:
        lines.append(f"{result.td} a été enregistré dans le carnet de notes depuis solutions/.")
    if result.added_students:
        lines.append(
            f"Identifiants ajoutés au carnet de notes ({len(result.added_students)}) : "
            + ", ".join(result.added_students)
        )
    return lines


def course_secret_in(root: Path) -> str:
    from parcours.data.identity import course_secret

    cwd = Path.cwd()
    try:
        os.chdir(root)
        return course_secret()
    finally:
        os.chdir(cwd)


def _cluster_setting(config) -> str | None:
    """``c.Parcours.grappe`` from the course config, if set."""
    value = config.get("Parcours", {}).get("grappe") if "Parcours" in config else None
    return str(value) if isinstance(value, str) and value else None


def _executor(grappe: str | None, workers: int, td: str, source: Path, root: Path):
    from parcours.grading.executors import BatchFiles, DaskExecutor, LocalExecutor

    if not grappe:
        return LocalExecutor(workers)
    own = root / "nbgrader_config.py"
    files = BatchFiles(
        td=td,
        source_name=source.name,
        source=source.read_bytes(),
        config=own.read_bytes() if own.is_file() else None,
    )
    return DaskExecutor(grappe, files)


def _graded_in_gradebook(gb, td: str, student: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission_notebook(td, td, student)
    except MissingEntry:
        return False
    return all(g.auto_score is not None for g in sub.grades if g.cell_type == "code")


def _run(tasks, settings, executor, root, td, db_url, config, source_hash, result, progress):
    """Save each result the executor yields, once per student, in this process only."""
    import signal
    import threading

    from parcours.grading.executors import ExecutorError

    # Ctrl-C: finish saving the copy in hand, then stop the workers (they ignore SIGINT).
    stop = threading.Event()
    previous_handler = None
    if threading.current_thread() is threading.main_thread():
        previous_handler = signal.signal(signal.SIGINT, lambda *_: stop.set())

    by_student = {t.student: t for t in tasks}
    done = failed = 0
    rss, kernel_rss, zygote_rss = [], [], []
    durations = []
    checks = []
    scans = []
    from parcours.grading.gradebook_io import Writer

    writer = None
    try:
        for raw in executor.run(tasks, settings, stop):
            student = raw.etudiant
            if student in result.results or student not in by_student:
                continue  # exactly once, even when a task ran twice
            if not (raw.echec and raw.echec.code is FailureCode.WORKER_DIED):
                # a copy whose worker died was never measured
                rss.append(raw.memoire_mo.get("rss_max_mo", 0.0))
                kernel_rss.append(raw.memoire_mo.get("rss_noyau_mo", 0.0))
                zygote_rss.append(raw.memoire_mo.get("rss_zygote_mo", 0.0))
                durations.append(raw.duree_s)
                checks.append(raw.checks_s)
                scans.append(raw.analyse_s)
            if writer is None:  # once the workers run: none of them inherits its connection
                writer = Writer(db_url)
            res = _save(root, td, raw, writer, config, by_student[student], source_hash)
            result.results[student] = res
            done += 1
            failed += bool(res.echec)
            if progress:
                progress(done, failed, len(tasks), res)
    except ExecutorError as exc:
        raise BatchError(str(exc)) from None
    finally:
        if writer is not None:
            writer.close()
        result.refused_workers = list(executor.refused)
        result.workers = executor.workers or result.workers
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    if stop.is_set():
        result.graded = done
        raise Interrupted(done, len(tasks))
    result.stats = {
        "rss_max_mo": max(rss) if rss else 0.0,
        "rss_noyau_mo": max(kernel_rss, default=0.0),
        "rss_zygote_mo": max(zygote_rss, default=0.0),
        "duree_moyenne_s": sum(durations) / len(durations) if durations else 0.0,
        "verifications_s": sum(checks) / len(checks) if checks else 0.0,
        "analyse_s": sum(scans) / len(scans) if scans else 0.0,
    }
