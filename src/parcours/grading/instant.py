"""Grade one notebook now, for « Vérifier ma copie »: warm sandboxed workers that stay up.

:class:`InstantGrader` keeps ``workers`` grading processes running (the same
:func:`parcours.grading.worker.worker_main` as ``parcours corriger``, so the same sandbox, trusted
rebuild and checks in the grader's process, on the author's own data) and hands them one
notebook at a time. It never touches the gradebook, ``submitted/`` or ``autograded/``: a
verification is never a grade. Points come from nbgrader's own rule
(:func:`nbgrader.utils.determine_grade`) applied to the autograded notebook, as ``SaveAutoGrades``
does.
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from parcours.grading.worker import Settings, Task


class InstantError(RuntimeError):
    """The verification could not run (French message)."""


@dataclass
class InstantQuestion:
    points: float | None  # None: answered in prose, graded by the teacher
    max: float
    message: str  # the raw check message: filter it before showing it
    kind: str  # "code" or "markdown"


@dataclass
class InstantResult:
    student: str
    td: str
    questions: dict[str, InstantQuestion] = field(default_factory=dict)
    failure: dict | None = None
    alerts: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def score(self) -> float:
        return sum(q.points or 0.0 for q in self.questions.values() if q.kind == "code")

    @property
    def max_score(self) -> float:
        return sum(q.max for q in self.questions.values() if q.kind == "code")


def _points(notebook_json: str | None, source: Path) -> dict[str, tuple[float | None, float, str]]:
    """``grade_id → (points, max, kind)`` by nbgrader's rule; every grade cell of the source is
    listed (0 when the trusted run never produced a notebook)."""
    import nbformat
    from nbgrader.utils import determine_grade, is_grade

    cells = {}
    src = nbformat.read(source, as_version=4)
    for cell in src.cells:
        if is_grade(cell):
            meta = cell.metadata["nbgrader"]
            kind = "code" if cell.cell_type == "code" and not meta.get("solution") else "markdown"
            cells[meta["grade_id"]] = (0.0 if kind == "code" else None, float(meta["points"]), kind)
    if not notebook_json:
        return cells
    nb = nbformat.reads(notebook_json, as_version=4)
    for cell in nb.cells:
        if not is_grade(cell):
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid not in cells:
            continue
        _, mx, kind = cells[gid]
        if kind == "code":
            points, _ = determine_grade(cell)
            cells[gid] = (float(points or 0.0), mx, kind)
    return cells


class InstantGrader:
    """``workers`` warm grading processes for the course at ``root``; thread-safe :meth:`grade`."""

    def __init__(
        self,
        root: Path | str,
        *,
        workers: int = 2,
        isolation: bool = True,
        limits=None,
        secret: str | None = None,
    ) -> None:
        from parcours.grading.batch import _config_file, course_secret_in
        from parcours.grading.sandbox import Limits, sandbox_available

        self.root = Path(root).resolve()
        if isolation:
            why = sandbox_available()
            if why:
                raise InstantError(f"Isolation impossible sur cette machine : {why}")
        self.config_file = _config_file(self.root)
        self.settings = Settings(
            isolated=isolation,
            limits=limits or Limits(cell_timeout_s=60, wall_timeout_s=180),
            secret=secret if secret is not None else course_secret_in(self.root),
        )
        self.n = max(1, workers)
        # fork, as the batch does: workers are started before the service's threads
        self._ctx = mp.get_context("fork")
        self._tasks = self._ctx.Queue()
        self._results = self._ctx.Queue()
        self._procs: list = []
        self._waiting: dict[str, list] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._inbox = Path(tempfile.mkdtemp(prefix="parcours-verifier-"))
        self._inbox.chmod(0o700)
        self._sources: dict[str, Path] = {}
        self._dispatcher = threading.Thread(target=self._dispatch, daemon=True)

    def start(self) -> InstantGrader:
        for _ in range(self.n):
            self._spawn()
        self._dispatcher.start()
        return self

    def _spawn(self) -> None:
        from parcours.grading.worker import worker_main

        proc = self._ctx.Process(
            target=worker_main, args=(self._tasks, self._results, self.settings), daemon=True
        )
        proc.start()
        self._procs.append(proc)

    def _dispatch(self) -> None:
        import queue

        while not self._closed:
            try:
                raw = self._results.get(timeout=1)  # a CopyResult
            except queue.Empty:
                self._respawn()
                continue
            except (EOFError, OSError):
                return
            with self._lock:
                slot = self._waiting.get(raw.empreinte)
            if slot is not None:
                slot[1] = raw
                slot[0].set()

    def _respawn(self) -> None:
        if self._closed:
            return
        dead = [p for p in self._procs if not p.is_alive()]
        for proc in dead:
            self._procs.remove(proc)
            self._spawn()

    def source(self, td: str) -> Path:
        path = self.root / "solutions" / td / f"{td}.ipynb"
        if not path.is_file():
            raise InstantError(f"TD inconnu : {td}.")
        return path

    def grade(
        self, student: str, td: str, notebook: bytes, *, timeout: float = 240
    ) -> InstantResult:
        """Grade ``notebook`` (the file's bytes) as ``student``'s copy of ``td``."""
        from parcours.data.identity import check_student_id

        if self._closed:
            raise InstantError("Le service de vérification est arrêté.")
        check_student_id(student)
        source = self.source(td)
        started = time.perf_counter()
        request = uuid.uuid4().hex
        folder = self._inbox / request
        folder.mkdir()
        path = folder / f"{td}.ipynb"
        path.write_bytes(notebook)
        slot = [threading.Event(), None]
        with self._lock:
            self._waiting[request] = slot
        task = Task(
            student=student,
            td=td,
            notebook=str(path),
            source=str(source),
            root=str(self.root),
            config_file=str(self.config_file),
            empreinte=request,
        )
        try:
            self._tasks.put(task)
            if not slot[0].wait(timeout):
                raise InstantError(
                    "La vérification a pris trop de temps : réessayez dans quelques minutes."
                )
        finally:
            with self._lock:
                self._waiting.pop(request, None)
            shutil.rmtree(folder, ignore_errors=True)
        raw = slot[1]
        points = _points(raw.notebook, source)
        failure = raw.echec.to_json() if raw.echec else None
        result = InstantResult(
            student=student,
            td=td,
            failure=failure,
            alerts=list(dict.fromkeys(raw.alertes)),
        )
        for gid, (pts, mx, kind) in sorted(points.items()):
            message = raw.questions[gid].message if gid in raw.questions else ""
            if not raw.notebook and failure:
                message = str(failure.get("message", ""))
            result.questions[gid] = InstantQuestion(pts, mx, message, kind)
        result.duration_s = round(time.perf_counter() - started, 3)
        return result

    def close(self) -> None:
        self._closed = True
        for _ in self._procs:
            try:
                self._tasks.put(None)
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        shutil.rmtree(self._inbox, ignore_errors=True)

    def __enter__(self) -> InstantGrader:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
